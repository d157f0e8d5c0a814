/* The legacy virtio-blk driver: PCI I/O-port interface (virtio 0.9.5), one virtqueue, INTx completions. */
/*
 * One virtqueue (arch/i386/pc/virtqueue.c draws it and keeps its descriptors).
 * A request is one descriptor chain whose head index names it:
 *
 *   header {type, 0, sector} --> data segment(s) --> status byte
 *   device reads                  device writes for READ,        device writes
 *                                 reads for WRITE; none for FLUSH
 *
 * The header and status byte of the chain headed by descriptor i live in
 * slots[i], also in DMA-able frames. Requests that find too few free
 * descriptors wait in a FIFO (through request->next) and are posted as
 * completions free descriptors.
 *
 * Interrupts: legacy INTx is level-triggered and stays asserted until the
 * driver reads the ISR status register; the 8259 may be programmed for edge
 * (our reset default) or level (the firmware's ELCR setting for PCI lines).
 * The handler runs after the end of interrupt, with interrupts disabled; it
 * first reads ISR (which drops the line), then drains the used ring. Edge
 * mode: a completion after the ISR read raises the line again, a fresh edge,
 * so none is lost; one that lands between the ISR read and the drain is seen
 * by the drain and its later interrupt finds nothing. Level mode: the line is
 * low again before iret re-enables interrupts, so nothing repeats.
 */
#include <stddef.h>
#include <stdint.h>
#include <arch/cpu.h>
#include <arch/disk.h>
#include <arch/irq.h>
#include <arch/pc.h>
#include <arch/pci.h>
#include <arch/virtio.h>
#include <kernel/klog.h>
#include <kernel/memory.h>
#include <kernel/string.h>

enum {
    VIRTIO_BLK_LEGACY_DEVICE_ID = 0x1001,
    SECTOR_SIZE = 512,
    SECTORS_PER_BLOCK = BLOCK_SIZE / SECTOR_SIZE,
    /* The driver's own bound on one request: 1 MiB, when the device allows that much. */
    VIRTIO_BLK_REQUEST_BLOCKS_MAX = 256,
    /* Device config (legacy, no MSI-X): */
    VIRTIO_BLK_CAPACITY = VIRTIO_DEVICE_CONFIG,         /* 64 bits, in 512-byte sectors */
    VIRTIO_BLK_SIZE_MAX = VIRTIO_DEVICE_CONFIG + 8,     /* 32 bits: largest data segment, bytes */
    VIRTIO_BLK_SEG_MAX = VIRTIO_DEVICE_CONFIG + 12,     /* 32 bits: most data segments per request */
};

enum {
    VIRTIO_BLK_F_SIZE_MAX = 1 << 1,
    VIRTIO_BLK_F_SEG_MAX = 1 << 2,
    VIRTIO_BLK_F_RO = 1 << 5,
    VIRTIO_BLK_F_FLUSH = 1 << 9,
    VIRTIO_BLK_FEATURES_WANTED = VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_RO
                                 | VIRTIO_BLK_F_FLUSH,
    VIRTIO_BLK_T_IN = 0,
    VIRTIO_BLK_T_OUT = 1,
    VIRTIO_BLK_T_FLUSH = 4,
    VIRTIO_BLK_S_OK = 0,
    VIRTIO_BLK_S_UNSUPPORTED = 2,
    VIRTIO_BLK_STATUS_UNSET = 0xFF,     /* what the device overwrites */
};

struct virtio_blk_request_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

_Static_assert(sizeof(struct virtio_blk_request_header) == 16, "the request header is 16 bytes");

/* What the device reads and writes for the chain headed by one descriptor, and its request. */
struct virtio_blk_slot {
    struct virtio_blk_request_header header;
    volatile uint8_t status;
    struct block_request *request;      /* NULL: no chain headed here */
};

struct virtio_blk {
    struct block_device device;
    struct virtio_device virtio;
    uint32_t features;                  /* negotiated */
    struct virtqueue queue;
    uint32_t slot_frames;               /* frames of slots[] */
    struct virtio_blk_slot *slots;      /* N, indexed by head descriptor */
    uint32_t segment_bytes;             /* largest data segment one descriptor carries */
    struct block_request *waiting_first, *waiting_last;  /* not yet posted, oldest first */
};

/* The one virtio-blk disk the kernel drives. */
static struct virtio_blk virtio_blk_disk;

static uint32_t align_up(uint32_t value, uint32_t alignment)
{
    return (value + alignment - 1) / alignment * alignment;
}

/* Capacity, and the largest request the segment limits allow (up to 1 MiB). */
static int virtio_blk_read_limits(struct virtio_blk *disk)
{
    uint64_t sectors = virtio_config32(&disk->virtio, VIRTIO_BLK_CAPACITY)
                       | (uint64_t)virtio_config32(&disk->virtio, VIRTIO_BLK_CAPACITY + 4) << 32;
    disk->device.block_count = sectors / SECTORS_PER_BLOCK;
    if (disk->device.block_count == 0) {
        klog(KLOG_WARNING, "virtio-blk: %llu sectors, less than one 4 KiB block; not used",
             (unsigned long long)sectors);
        return 0;
    }
    uint32_t size_max = disk->features & VIRTIO_BLK_F_SIZE_MAX
                        ? virtio_config32(&disk->virtio, VIRTIO_BLK_SIZE_MAX) : 0;
    uint32_t seg_max = disk->features & VIRTIO_BLK_F_SEG_MAX
                       ? virtio_config32(&disk->virtio, VIRTIO_BLK_SEG_MAX) : 0;
    disk->segment_bytes = size_max && size_max < VIRTIO_BLK_REQUEST_BLOCKS_MAX * BLOCK_SIZE
                          ? size_max : VIRTIO_BLK_REQUEST_BLOCKS_MAX * BLOCK_SIZE;
    uint32_t segments = (uint32_t)disk->queue.size - 2;    /* the header and status take two */
    if (seg_max && seg_max < segments)
        segments = seg_max;
    uint64_t blocks = (uint64_t)segments * disk->segment_bytes / BLOCK_SIZE;
    disk->device.max_blocks = blocks < VIRTIO_BLK_REQUEST_BLOCKS_MAX
                              ? (uint32_t)blocks : VIRTIO_BLK_REQUEST_BLOCKS_MAX;
    klog(KLOG_DEBUG, "virtio-blk: size_max %u, seg_max %u: up to %u blocks per request",
         size_max, seg_max, disk->device.max_blocks);
    if (disk->device.max_blocks == 0) {
        klog(KLOG_WARNING, "virtio-blk: segment limits allow no whole block; not used");
        return 0;
    }
    return 1;
}

/* Queue 0, and a slot per descriptor for the header and status of the chain it heads. */
static int virtio_blk_setup_queue(struct virtio_blk *disk)
{
    if (!virtqueue_setup(&disk->queue, &disk->virtio, 0))
        return 0;
    disk->slot_frames = align_up(disk->queue.size * (uint32_t)sizeof(struct virtio_blk_slot),
                                 FRAME_SIZE) / FRAME_SIZE;
    disk->slots = virtio_frames(disk->slot_frames);
    if (!disk->slots) {
        klog(KLOG_WARNING, "virtio-blk: no memory for %u request slots; not used",
             disk->queue.size);
        return 0;
    }
    return 1;
}

static void virtio_blk_handle_interrupt(void *context);
static int virtio_blk_submit(struct block_device *device, struct block_request *request);

struct block_device *virtio_blk_probe(void)
{
    const struct pci_device *pci = pci_find_device(VIRTIO_VENDOR_ID,
                                                   VIRTIO_BLK_LEGACY_DEVICE_ID, 0);
    struct virtio_blk *disk = &virtio_blk_disk;
    disk->virtio.name = "virtio-blk";
    if (!pci || !virtio_locate(&disk->virtio, pci))
        return NULL;
    virtio_reset(&disk->virtio);
    disk->features = virtio_negotiate(&disk->virtio, VIRTIO_BLK_FEATURES_WANTED);
    if (!virtio_blk_setup_queue(disk) || !virtio_blk_read_limits(disk)
        || !virtio_attach_interrupt(&disk->virtio, virtio_blk_handle_interrupt, disk)) {
        virtio_status_add(&disk->virtio, VIRTIO_STATUS_FAILED);
        return NULL;
    }
    virtio_status_add(&disk->virtio, VIRTIO_STATUS_DRIVER_OK);
    disk->device.name = "virtio-blk";
    disk->device.can_flush = (disk->features & VIRTIO_BLK_F_FLUSH) != 0;
    disk->device.submit = virtio_blk_submit;
    disk->device.driver = disk;
    klog(KLOG_DEBUG, "virtio-blk: PCI %02x:%02x.%u, I/O %#x, IRQ %d, queue of %u",
         pci->bus, pci->slot, pci->function, disk->virtio.io_base, disk->virtio.irq,
         disk->queue.size);
    if (disk->features & VIRTIO_BLK_F_RO)
        klog(KLOG_WARNING, "virtio-blk: the device is read-only; writes will be refused");
    return &disk->device;
}

/* ---- requests ---- */

static uint32_t virtio_blk_segment_count(struct virtio_blk *disk, const struct block_request *r)
{
    if (r->operation == BLOCK_FLUSH)
        return 0;
    return (r->count * BLOCK_SIZE + disk->segment_bytes - 1) / disk->segment_bytes;
}

static void virtio_blk_fill_header(struct virtio_blk_slot *slot, const struct block_request *r)
{
    static const uint32_t types[] = {
        [BLOCK_READ] = VIRTIO_BLK_T_IN, [BLOCK_WRITE] = VIRTIO_BLK_T_OUT,
        [BLOCK_FLUSH] = VIRTIO_BLK_T_FLUSH,
    };
    slot->header.type = types[r->operation];
    slot->header.reserved = 0;
    slot->header.sector = r->operation == BLOCK_FLUSH ? 0 : r->block * SECTORS_PER_BLOCK;
    slot->status = VIRTIO_BLK_STATUS_UNSET;
}

/* Builds request's chain and makes it available; 0 (and no change) if descriptors are short. */
static int virtio_blk_post(struct virtio_blk *disk, struct block_request *request)
{
    uint32_t segments = virtio_blk_segment_count(disk, request);
    if (disk->queue.free_count < segments + 2)
        return 0;
    struct virtio_blk_slot *slot = &disk->slots[disk->queue.free_head];    /* the head's slot */
    virtio_blk_fill_header(slot, request);
    uint16_t head = virtqueue_chain_append(&disk->queue, -1, &slot->header, sizeof(slot->header), 0);
    uint16_t data_flags = request->operation == BLOCK_READ ? VIRTQ_DESCRIPTOR_DEVICE_WRITES : 0;
    const uint8_t *data = request->buffer;
    uint32_t remaining = request->operation == BLOCK_FLUSH ? 0 : request->count * BLOCK_SIZE;
    int previous = head;
    while (remaining) {
        uint32_t length = remaining < disk->segment_bytes ? remaining : disk->segment_bytes;
        previous = virtqueue_chain_append(&disk->queue, previous, data, length, data_flags);
        data += length;
        remaining -= length;
    }
    virtqueue_chain_append(&disk->queue, previous, (const void *)&slot->status, 1,
                            VIRTQ_DESCRIPTOR_DEVICE_WRITES);
    slot->request = request;
    virtqueue_publish(&disk->queue, head);
    return 1;
}

/* Posts waiting requests, oldest first, while descriptors last; returns how many. */
static int virtio_blk_post_waiting(struct virtio_blk *disk)
{
    int posted = 0;
    while (disk->waiting_first && virtio_blk_post(disk, disk->waiting_first)) {
        disk->waiting_first = disk->waiting_first->next;
        posted++;
    }
    if (!disk->waiting_first)
        disk->waiting_last = NULL;
    return posted;
}

static void virtio_blk_enqueue_waiting(struct virtio_blk *disk, struct block_request *request)
{
    request->next = NULL;
    if (disk->waiting_last)
        disk->waiting_last->next = request;
    else
        disk->waiting_first = request;
    disk->waiting_last = request;
}

static int virtio_blk_submit(struct block_device *device, struct block_request *request)
{
    struct virtio_blk *disk = device->driver;
    int checked = blockdev_check_request(device, request);
    if (checked != BLOCK_OK)
        return checked;
    uint32_t bytes = request->count * BLOCK_SIZE;
    if (request->operation != BLOCK_FLUSH
        && ((uintptr_t)request->buffer >= MEMORY_DIRECT_MAP_LIMIT
            || bytes > MEMORY_DIRECT_MAP_LIMIT - (uintptr_t)request->buffer))
        return BLOCK_UNSUPPORTED;   /* the device needs a physical address */
    if (request->operation == BLOCK_WRITE && (disk->features & VIRTIO_BLK_F_RO))
        return BLOCK_UNSUPPORTED;
    int were_enabled = cpu_interrupts_save_and_disable();
    virtio_blk_enqueue_waiting(disk, request);
    if (virtio_blk_post_waiting(disk))
        virtqueue_notify(&disk->queue);
    cpu_interrupts_restore(were_enabled);
    return BLOCK_OK;
}

/* ---- completions ---- */

static enum block_status virtio_blk_result(const struct block_request *request, uint8_t status)
{
    static const char *const operations[] = { "read", "write", "flush" };
    if (status == VIRTIO_BLK_S_OK)
        return BLOCK_OK;
    klog(KLOG_ERROR, "virtio-blk: %s of %u blocks at block %llu failed: device status %u",
         operations[request->operation], request->count, (unsigned long long)request->block,
         status);
    return status == VIRTIO_BLK_S_UNSUPPORTED ? BLOCK_UNSUPPORTED : BLOCK_ERROR;
}

/* Retires the chain the device finished; returns its request, or NULL if head is bogus. */
static struct block_request *virtio_blk_retire(struct virtio_blk *disk, uint32_t head,
                                               enum block_status *status)
{
    if (head >= disk->queue.size || !disk->slots[head].request) {
        klog(KLOG_ERROR, "virtio-blk: the device completed descriptor %u, which heads no "
             "request; ignored", head);
        return NULL;
    }
    struct virtio_blk_slot *slot = &disk->slots[head];
    struct block_request *request = slot->request;
    slot->request = NULL;
    *status = virtio_blk_result(request, slot->status);
    virtqueue_free_chain(&disk->queue, (uint16_t)head);
    return request;
}

/* Handles every new used element: frees its chain, posts waiters, then calls done(). */
static void virtio_blk_drain_used(struct virtio_blk *disk)
{
    int posted = 0;
    uint32_t head, length;
    while (virtqueue_next_used(&disk->queue, &head, &length)) {
        enum block_status status = BLOCK_ERROR;
        struct block_request *request = virtio_blk_retire(disk, head, &status);
        posted += virtio_blk_post_waiting(disk);
        if (request)
            request->done(request, status);
    }
    if (posted)
        virtqueue_notify(&disk->queue);
}

static void virtio_blk_handle_interrupt(void *context)
{
    struct virtio_blk *disk = context;
    uint8_t isr = virtio_isr(&disk->virtio);    /* drops INTx */
    if (isr & VIRTIO_ISR_CONFIG)
        klog(KLOG_DEBUG, "virtio-blk: configuration changed");
    /* Drained even when ISR is 0 (a shared line, or a completion seen early): it is cheap. */
    virtio_blk_drain_used(disk);
}
