/* Legacy virtio over PCI I/O ports (virtio 0.9.5): the common registers and split virtqueues. */
#ifndef ARCH_VIRTIO_H
#define ARCH_VIRTIO_H

#include <stdint.h>
#include <arch/pci.h>

enum {
    VIRTIO_VENDOR_ID = 0x1AF4,
    /* Legacy register offsets in BAR0's I/O space; with no MSI-X, device config starts at 0x14. */
    VIRTIO_DEVICE_FEATURES = 0x00,      /* 32 bits, read */
    VIRTIO_GUEST_FEATURES = 0x04,       /* 32 bits */
    VIRTIO_QUEUE_ADDRESS = 0x08,        /* 32 bits: page frame number of the queue */
    VIRTIO_QUEUE_SIZE = 0x0C,           /* 16 bits, read */
    VIRTIO_QUEUE_SELECT = 0x0E,         /* 16 bits */
    VIRTIO_QUEUE_NOTIFY = 0x10,         /* 16 bits: write the queue index */
    VIRTIO_DEVICE_STATUS = 0x12,        /* 8 bits */
    VIRTIO_ISR_STATUS = 0x13,           /* 8 bits: reading clears it and drops INTx */
    VIRTIO_DEVICE_CONFIG = 0x14,
    VIRTIO_STATUS_ACKNOWLEDGE = 1,
    VIRTIO_STATUS_DRIVER = 2,
    VIRTIO_STATUS_DRIVER_OK = 4,
    VIRTIO_STATUS_FAILED = 128,
    VIRTIO_ISR_QUEUE = 1,
    VIRTIO_ISR_CONFIG = 2,
    VIRTQ_DESCRIPTOR_NEXT = 1,
    VIRTQ_DESCRIPTOR_DEVICE_WRITES = 2,
    VIRTQ_USED_NO_NOTIFY = 1,
};

/* One legacy virtio PCI function, as the driver found it. */
struct virtio_device {
    const char *name;                   /* for the log: "virtio-blk", "virtio-net" */
    uint16_t io_base;                   /* BAR0 */
    int irq;                            /* 8259 line of INTx */
};

struct virtq_descriptor {
    uint64_t address;
    uint32_t length;
    uint16_t flags;
    uint16_t next;
};

struct virtq_available {
    uint16_t flags;
    uint16_t index;             /* free-running: where the driver puts the next head */
    uint16_t ring[];
};

struct virtq_used_element {
    uint32_t id;                /* head of the finished chain */
    uint32_t length;            /* bytes the device wrote */
};

struct virtq_used {
    uint16_t flags;
    uint16_t index;             /* free-running: where the device puts the next element */
    struct virtq_used_element ring[];
};

/* One split virtqueue: driver state, rebuilt at every boot, never stored. */
struct virtqueue {
    const struct virtio_device *device;
    uint16_t index;                     /* the device's queue number */
    uint16_t size;                      /* N, a power of two */
    uint32_t frames;                    /* frames the queue occupies */
    volatile struct virtq_descriptor *descriptors;
    volatile struct virtq_available *available;
    volatile struct virtq_used *used;
    uint16_t free_head;                 /* free descriptors, linked through next */
    uint16_t free_count;
    uint16_t used_seen;                 /* used->index up to which completions are handled */
};

/* Finds BAR0 and the interrupt line and enables I/O and bus mastering; 0 (logged) if unusable. */
int virtio_locate(struct virtio_device *device, const struct pci_device *pci);
/* Reset (dropping whatever queues the firmware left), then ACKNOWLEDGE and DRIVER. */
void virtio_reset(const struct virtio_device *device);
/* Accepts the offered features among wanted; returns them. */
uint32_t virtio_negotiate(const struct virtio_device *device, uint32_t wanted);
void virtio_status_add(const struct virtio_device *device, uint8_t bits);
uint8_t virtio_config8(const struct virtio_device *device, uint16_t offset);
uint32_t virtio_config32(const struct virtio_device *device, uint16_t offset);
/* Reads ISR status: acknowledges the interrupt and drops INTx. */
uint8_t virtio_isr(const struct virtio_device *device);
/* Attaches handler to the device's line (which it may share) and unmasks it; 0 (logged) if not. */
int virtio_attach_interrupt(const struct virtio_device *device, void (*handler)(void *),
                            void *context);

/* Sets up queue index as the device sizes it, in zeroed contiguous frames laid out as drawn in
 * arch/i386/pc/virtqueue.c, and tells the device its frame number; 0 (logged) if it cannot. */
int virtqueue_setup(struct virtqueue *queue, const struct virtio_device *device, uint16_t index);
/* Takes a free descriptor (free_count must allow), fills it, links it after previous (-1: it
 * heads a chain); returns its index. */
uint16_t virtqueue_chain_append(struct virtqueue *queue, int previous, const void *address,
                                uint32_t length, uint16_t flags);
/* Makes the chain headed by head available to the device (notify once after a batch). */
void virtqueue_publish(struct virtqueue *queue, uint16_t head);
/* Tells the device of new chains, unless it said it does not want to hear. */
void virtqueue_notify(struct virtqueue *queue);
/* Returns the chain headed by head to the free list. */
void virtqueue_free_chain(struct virtqueue *queue, uint16_t head);
/* The next chain the device finished: 1 with its head and the bytes it wrote, 0 if none. */
int virtqueue_next_used(struct virtqueue *queue, uint32_t *head, uint32_t *length);

/* Allocates and zeroes count contiguous frames (DMA-able: pointer = physical); NULL if none. */
void *virtio_frames(uint32_t count);

#endif
