/* The block-device interface the store is written against: asynchronous requests, 4 KiB blocks. */
#ifndef CHECKPOINT_BLOCKDEV_H
#define CHECKPOINT_BLOCKDEV_H

#include <stdint.h>

enum { BLOCK_SIZE = 4096 };

enum block_operation { BLOCK_READ, BLOCK_WRITE, BLOCK_FLUSH };

enum block_status {
    BLOCK_OK = 0,
    BLOCK_ERROR = 1,            /* the device reported an I/O error */
    BLOCK_OUT_OF_RANGE = 2,     /* past the end of the device */
    BLOCK_UNSUPPORTED = 3,      /* e.g. FLUSH on a device that cannot */
};

struct block_device;

/*
 * One request. The buffer is kernel memory that is also its physical
 * address (the kernel's direct map), at least 4-byte aligned, and stays
 * untouched by the submitter until done() is called. done() runs in
 * interrupt context (or, for a synchronous wait, from the waiter).
 */
struct block_request {
    enum block_operation operation;
    uint64_t block;             /* in BLOCK_SIZE units */
    uint32_t count;             /* blocks; 0 for FLUSH */
    void *buffer;
    void (*done)(struct block_request *request, enum block_status status);
    void *context;              /* the submitter's */
    struct block_request *next; /* the driver's queue link */
};

struct block_device {
    const char *name;           /* "virtio-blk", "ata", "file" ... */
    uint64_t block_count;       /* device size in BLOCK_SIZE units */
    int can_flush;              /* 0: writes can never be made durable: refuse read-write use */
    uint32_t max_blocks;        /* largest count one request may carry */
    /* Queues request; returns BLOCK_OK, or an error without calling done(). */
    int (*submit)(struct block_device *device, struct block_request *request);
    void *driver;               /* the driver's state */
};

/* Submits and waits for completion (with interrupts on); for boot and tests. */
int blockdev_wait(struct block_device *device, enum block_operation operation, uint64_t block,
                  uint32_t count, void *buffer);

/*
 * The checks every driver makes before queueing (added with the disk drivers):
 * BLOCK_OUT_OF_RANGE past the end of the device; BLOCK_UNSUPPORTED for what
 * no driver can carry (READ or WRITE with count 0 or above max_blocks, a NULL
 * or misaligned buffer, FLUSH with a count or on a device without flush, an
 * unknown operation); else BLOCK_OK.
 */
int blockdev_check_request(const struct block_device *device, const struct block_request *request);

/*
 * How blockdev_wait passes time until done() runs (added with the disk
 * drivers; NULL, the default, just re-checks). The kernel sets it to wait for
 * the next interrupt with interrupts enabled; host code whose devices complete
 * inside submit() can leave it NULL, or set it to run a simulated device.
 */
extern void (*blockdev_wait_idle)(void);

#endif
