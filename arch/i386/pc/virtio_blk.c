/* The legacy virtio-blk driver: PCI I/O-port interface (virtio 0.9.5), one virtqueue, INTx completions. */
/*
 * The one virtqueue, in page-aligned, physically contiguous frames (the
 * direct map makes a pointer its own physical address). Legacy devices are
 * told its page frame number; the queue size N is the device's.
 *
 *   page 0   +----------------------------------------------+
 *            | descriptors   N x {address, length, flags, next}
 *            | available     flags, index, ring[N], used_event   driver -> device
 *   page k   +----------------------------------------------+  (k: first page boundary after)
 *            | used          flags, index, ring[N] {id, length}, available_event
 *            +----------------------------------------------+  device -> driver
 *
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
#include <kernel/klog.h>
#include <kernel/memory.h>
#include <kernel/string.h>

enum {
    VIRTIO_VENDOR_ID = 0x1AF4,
    VIRTIO_BLK_LEGACY_DEVICE_ID = 0x1001,
    SECTOR_SIZE = 512,
    SECTORS_PER_BLOCK = BLOCK_SIZE / SECTOR_SIZE,
    /* The driver's own bound on one request: 1 MiB, when the device allows that much. */
    VIRTIO_BLK_REQUEST_BLOCKS_MAX = 256,
    VIRTQ_SIZE_MAX = 32768,     /* the legacy interface's largest queue */
};

/* Legacy register offsets in BAR0's I/O space (no MSI-X, so device config starts at 0x14). */
enum {
    VIRTIO_DEVICE_FEATURES = 0x00,      /* 32 bits, read */
    VIRTIO_GUEST_FEATURES = 0x04,       /* 32 bits */
    VIRTIO_QUEUE_ADDRESS = 0x08,        /* 32 bits: page frame number of the queue */
    VIRTIO_QUEUE_SIZE = 0x0C,           /* 16 bits, read */
    VIRTIO_QUEUE_SELECT = 0x0E,         /* 16 bits */
    VIRTIO_QUEUE_NOTIFY = 0x10,         /* 16 bits: write the queue index */
    VIRTIO_DEVICE_STATUS = 0x12,        /* 8 bits */
    VIRTIO_ISR_STATUS = 0x13,           /* 8 bits: reading clears it and drops INTx */
    VIRTIO_BLK_CAPACITY = 0x14,         /* 64 bits, in 512-byte sectors */
    VIRTIO_BLK_SIZE_MAX = 0x1C,         /* 32 bits: largest data segment, bytes */
    VIRTIO_BLK_SEG_MAX = 0x20,          /* 32 bits: most data segments per request */
};

enum {
    VIRTIO_STATUS_ACKNOWLEDGE = 1,
    VIRTIO_STATUS_DRIVER = 2,
    VIRTIO_STATUS_DRIVER_OK = 4,
    VIRTIO_STATUS_FAILED = 128,
    VIRTIO_ISR_QUEUE = 1,
    VIRTIO_ISR_CONFIG = 2,
    VIRTIO_QUEUE_ADDRESS_SHIFT = 12,
    VIRTIO_BLK_F_SIZE_MAX = 1 << 1,
    VIRTIO_BLK_F_SEG_MAX = 1 << 2,
    VIRTIO_BLK_F_RO = 1 << 5,
    VIRTIO_BLK_F_FLUSH = 1 << 9,
    VIRTIO_BLK_FEATURES_WANTED = VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_RO
                                 | VIRTIO_BLK_F_FLUSH,
};

enum {
    VIRTQ_DESCRIPTOR_NEXT = 1,
    VIRTQ_DESCRIPTOR_DEVICE_WRITES = 2,
    VIRTQ_USED_NO_NOTIFY = 1,
    VIRTIO_BLK_T_IN = 0,
    VIRTIO_BLK_T_OUT = 1,
    VIRTIO_BLK_T_FLUSH = 4,
    VIRTIO_BLK_S_OK = 0,
    VIRTIO_BLK_S_UNSUPPORTED = 2,
    VIRTIO_BLK_STATUS_UNSET = 0xFF,     /* what the device overwrites */
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

struct virtio_blk_request_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

_Static_assert(sizeof(struct virtq_descriptor) == 16, "virtio descriptors are 16 bytes");
_Static_assert(sizeof(struct virtq_used_element) == 8, "used elements are 8 bytes");
_Static_assert(sizeof(struct virtio_blk_request_header) == 16, "the request header is 16 bytes");

/* What the device reads and writes for the chain headed by one descriptor, and its request. */
struct virtio_blk_slot {
    struct virtio_blk_request_header header;
    volatile uint8_t status;
    struct block_request *request;      /* NULL: no chain headed here */
};

struct virtio_blk {
    struct block_device device;
    uint16_t io_base;                   /* BAR0 */
    int irq;                            /* 8259 line of INTx */
    uint32_t features;                  /* negotiated */
    uint16_t queue_size;                /* N, a power of two */
    uint32_t queue_frames;              /* frames of the virtqueue */
    uint32_t slot_frames;               /* frames of slots[] */
    volatile struct virtq_descriptor *descriptors;
    volatile struct virtq_available *available;
    volatile struct virtq_used *used;
    struct virtio_blk_slot *slots;      /* N, indexed by head descriptor */
    uint16_t free_head;                 /* free descriptors, linked through next */
    uint16_t free_count;
    uint16_t used_seen;                 /* used->index up to which completions are handled */
    uint32_t segment_bytes;             /* largest data segment one descriptor carries */
    struct block_request *waiting_first, *waiting_last;  /* not yet posted, oldest first */
};

/* The one virtio-blk disk the kernel drives. */
static struct virtio_blk virtio_blk_disk;

static uint32_t align_up(uint32_t value, uint32_t alignment)
{
    return (value + alignment - 1) / alignment * alignment;
}

static uint8_t virtio_blk_status_read(struct virtio_blk *disk)
{
    return inb((uint16_t)(disk->io_base + VIRTIO_DEVICE_STATUS));
}

static void virtio_blk_status_write(struct virtio_blk *disk, uint8_t status)
{
    outb((uint16_t)(disk->io_base + VIRTIO_DEVICE_STATUS), status);
}

static void virtio_blk_status_add(struct virtio_blk *disk, uint8_t bits)
{
    virtio_blk_status_write(disk, (uint8_t)(virtio_blk_status_read(disk) | bits));
}

/* Finds BAR0 and the interrupt line, and lets the function decode I/O and master the bus. */
static int virtio_blk_locate(struct virtio_blk *disk, const struct pci_device *pci)
{
    struct pci_bar bar;
    if (!pci_read_bar(pci, 0, &bar) || !bar.is_io || bar.address == 0 || bar.address > 0xFFFF) {
        klog(KLOG_WARNING, "virtio-blk: BAR0 is not an I/O port range (legacy interface off?); "
             "not used");
        return 0;
    }
    if (pci->interrupt_line >= IRQ_LINE_COUNT) {
        klog(KLOG_WARNING, "virtio-blk: no interrupt line routed (%u); not used",
             pci->interrupt_line);
        return 0;
    }
    disk->io_base = (uint16_t)bar.address;
    disk->irq = pci->interrupt_line;
    pci_enable(pci, PCI_COMMAND_IO_SPACE | PCI_COMMAND_BUS_MASTER);
    return 1;
}

/* Reset (which also drops whatever queue the firmware left), then ACKNOWLEDGE and DRIVER. */
static void virtio_blk_reset(struct virtio_blk *disk)
{
    virtio_blk_status_write(disk, 0);
    for (int tries = 0; tries < 1000 && virtio_blk_status_read(disk) != 0; tries++)
        continue;
    virtio_blk_status_add(disk, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_blk_status_add(disk, VIRTIO_STATUS_DRIVER);
}

static void virtio_blk_negotiate(struct virtio_blk *disk)
{
    uint32_t offered = inl((uint16_t)(disk->io_base + VIRTIO_DEVICE_FEATURES));
    disk->features = offered & VIRTIO_BLK_FEATURES_WANTED;
    outl((uint16_t)(disk->io_base + VIRTIO_GUEST_FEATURES), disk->features);
    klog(KLOG_DEBUG, "virtio-blk: features offered %#x, accepted %#x", offered, disk->features);
}

static uint32_t virtio_blk_config32(struct virtio_blk *disk, uint16_t offset)
{
    return inl((uint16_t)(disk->io_base + offset));
}

/* Capacity, and the largest request the segment limits allow (up to 1 MiB). */
static int virtio_blk_read_limits(struct virtio_blk *disk)
{
    uint64_t sectors = virtio_blk_config32(disk, VIRTIO_BLK_CAPACITY)
                       | (uint64_t)virtio_blk_config32(disk, VIRTIO_BLK_CAPACITY + 4) << 32;
    disk->device.block_count = sectors / SECTORS_PER_BLOCK;
    if (disk->device.block_count == 0) {
        klog(KLOG_WARNING, "virtio-blk: %llu sectors, less than one 4 KiB block; not used",
             (unsigned long long)sectors);
        return 0;
    }
    uint32_t size_max = disk->features & VIRTIO_BLK_F_SIZE_MAX
                        ? virtio_blk_config32(disk, VIRTIO_BLK_SIZE_MAX) : 0;
    uint32_t seg_max = disk->features & VIRTIO_BLK_F_SEG_MAX
                       ? virtio_blk_config32(disk, VIRTIO_BLK_SEG_MAX) : 0;
    disk->segment_bytes = size_max && size_max < VIRTIO_BLK_REQUEST_BLOCKS_MAX * BLOCK_SIZE
                          ? size_max : VIRTIO_BLK_REQUEST_BLOCKS_MAX * BLOCK_SIZE;
    uint32_t segments = (uint32_t)disk->queue_size - 2;    /* the header and status take two */
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

/* Chains every descriptor into the free list. */
static void virtio_blk_free_all_descriptors(struct virtio_blk *disk)
{
    for (uint16_t i = 0; i < disk->queue_size; i++)
        disk->descriptors[i].next = (uint16_t)(i + 1);
    disk->free_head = 0;
    disk->free_count = disk->queue_size;
}

/* Allocates and zeroes count frames; returns the memory or NULL. */
static void *virtio_blk_frames(uint32_t count)
{
    uint32_t physical = memory_frames_alloc_contiguous(count);
    if (!physical)
        return NULL;
    void *memory = memory_physical_to_pointer(physical);
    memset(memory, 0, (size_t)count * FRAME_SIZE);
    return memory;
}

/* Lays out queue 0 as drawn at the top of this file and gives the device its frame number. */
static int virtio_blk_setup_queue(struct virtio_blk *disk)
{
    outw((uint16_t)(disk->io_base + VIRTIO_QUEUE_SELECT), 0);
    uint16_t size = inw((uint16_t)(disk->io_base + VIRTIO_QUEUE_SIZE));
    if (size < 4 || size > VIRTQ_SIZE_MAX || (size & (size - 1)) != 0) {
        klog(KLOG_WARNING, "virtio-blk: queue 0 has size %u (need a power of two >= 4); "
             "not used", size);
        return 0;
    }
    disk->queue_size = size;
    uint32_t used_offset = align_up(16u * size + 6u + 2u * size, FRAME_SIZE);
    disk->queue_frames = (used_offset + align_up(6u + 8u * size, FRAME_SIZE)) / FRAME_SIZE;
    disk->slot_frames = align_up(size * (uint32_t)sizeof(struct virtio_blk_slot), FRAME_SIZE)
                        / FRAME_SIZE;
    uint8_t *queue = virtio_blk_frames(disk->queue_frames);
    disk->slots = virtio_blk_frames(disk->slot_frames);
    if (!queue || !disk->slots) {
        klog(KLOG_WARNING, "virtio-blk: no memory for a %u-entry queue; not used", size);
        return 0;
    }
    disk->descriptors = (volatile struct virtq_descriptor *)queue;
    disk->available = (volatile struct virtq_available *)(queue + 16u * size);
    disk->used = (volatile struct virtq_used *)(queue + used_offset);
    virtio_blk_free_all_descriptors(disk);
    outl((uint16_t)(disk->io_base + VIRTIO_QUEUE_ADDRESS),
         (uint32_t)(uintptr_t)queue >> VIRTIO_QUEUE_ADDRESS_SHIFT);
    return 1;
}

static void virtio_blk_handle_interrupt(void *context);
static int virtio_blk_submit(struct block_device *device, struct block_request *request);

static int virtio_blk_setup_interrupt(struct virtio_blk *disk)
{
    if (!irq_set_handler(disk->irq, virtio_blk_handle_interrupt, disk)) {
        klog(KLOG_WARNING, "virtio-blk: interrupt line %d is not free; not used", disk->irq);
        return 0;
    }
    inb((uint16_t)(disk->io_base + VIRTIO_ISR_STATUS));    /* drop anything left pending */
    pic_enable_line(disk->irq);
    return 1;
}

struct block_device *virtio_blk_probe(void)
{
    const struct pci_device *pci = pci_find_device(VIRTIO_VENDOR_ID,
                                                   VIRTIO_BLK_LEGACY_DEVICE_ID, 0);
    struct virtio_blk *disk = &virtio_blk_disk;
    if (!pci || !virtio_blk_locate(disk, pci))
        return NULL;
    virtio_blk_reset(disk);
    virtio_blk_negotiate(disk);
    if (!virtio_blk_setup_queue(disk) || !virtio_blk_read_limits(disk)
        || !virtio_blk_setup_interrupt(disk)) {
        virtio_blk_status_add(disk, VIRTIO_STATUS_FAILED);
        return NULL;
    }
    virtio_blk_status_add(disk, VIRTIO_STATUS_DRIVER_OK);
    disk->device.name = "virtio-blk";
    disk->device.can_flush = (disk->features & VIRTIO_BLK_F_FLUSH) != 0;
    disk->device.submit = virtio_blk_submit;
    disk->device.driver = disk;
    klog(KLOG_DEBUG, "virtio-blk: PCI %02x:%02x.%u, I/O %#x, IRQ %d, queue of %u",
         pci->bus, pci->slot, pci->function, disk->io_base, disk->irq, disk->queue_size);
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

/* Takes a free descriptor, fills it, and links it after previous (-1: it is a head). */
static uint16_t virtio_blk_chain_append(struct virtio_blk *disk, int previous, const void *address,
                                        uint32_t length, uint16_t flags)
{
    uint16_t index = disk->free_head;
    disk->free_head = disk->descriptors[index].next;
    disk->free_count--;
    disk->descriptors[index].address = (uint32_t)(uintptr_t)address;
    disk->descriptors[index].length = length;
    disk->descriptors[index].flags = flags;
    disk->descriptors[index].next = 0;
    if (previous >= 0) {
        disk->descriptors[previous].next = index;
        disk->descriptors[previous].flags |= VIRTQ_DESCRIPTOR_NEXT;
    }
    return index;
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
    if (disk->free_count < segments + 2)
        return 0;
    struct virtio_blk_slot *slot = &disk->slots[disk->free_head];    /* the head's slot */
    virtio_blk_fill_header(slot, request);
    uint16_t head = virtio_blk_chain_append(disk, -1, &slot->header, sizeof(slot->header), 0);
    uint16_t data_flags = request->operation == BLOCK_READ ? VIRTQ_DESCRIPTOR_DEVICE_WRITES : 0;
    const uint8_t *data = request->buffer;
    uint32_t remaining = request->operation == BLOCK_FLUSH ? 0 : request->count * BLOCK_SIZE;
    int previous = head;
    while (remaining) {
        uint32_t length = remaining < disk->segment_bytes ? remaining : disk->segment_bytes;
        previous = virtio_blk_chain_append(disk, previous, data, length, data_flags);
        data += length;
        remaining -= length;
    }
    virtio_blk_chain_append(disk, previous, (const void *)&slot->status, 1,
                            VIRTQ_DESCRIPTOR_DEVICE_WRITES);
    slot->request = request;
    uint16_t index = disk->available->index;
    disk->available->ring[index % disk->queue_size] = head;
    cpu_compiler_barrier();     /* the chain and ring entry before the index that publishes them */
    disk->available->index = (uint16_t)(index + 1);
    return 1;
}

static void virtio_blk_notify(struct virtio_blk *disk)
{
    cpu_memory_fence();         /* the new available index before reading the device's flags */
    if (!(disk->used->flags & VIRTQ_USED_NO_NOTIFY))
        outw((uint16_t)(disk->io_base + VIRTIO_QUEUE_NOTIFY), 0);
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
        virtio_blk_notify(disk);
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

/* Returns the chain headed by head to the free list. */
static void virtio_blk_free_chain(struct virtio_blk *disk, uint16_t head)
{
    uint16_t index = head;
    for (;;) {
        uint16_t flags = disk->descriptors[index].flags;
        uint16_t next = disk->descriptors[index].next;
        disk->descriptors[index].next = disk->free_head;
        disk->free_head = index;
        disk->free_count++;
        if (!(flags & VIRTQ_DESCRIPTOR_NEXT))
            return;
        index = next;
    }
}

/* Retires the chain the device finished; returns its request, or NULL if head is bogus. */
static struct block_request *virtio_blk_retire(struct virtio_blk *disk, uint32_t head,
                                               enum block_status *status)
{
    if (head >= disk->queue_size || !disk->slots[head].request) {
        klog(KLOG_ERROR, "virtio-blk: the device completed descriptor %u, which heads no "
             "request; ignored", head);
        return NULL;
    }
    struct virtio_blk_slot *slot = &disk->slots[head];
    struct block_request *request = slot->request;
    slot->request = NULL;
    *status = virtio_blk_result(request, slot->status);
    virtio_blk_free_chain(disk, (uint16_t)head);
    return request;
}

/* Handles every new used element: frees its chain, posts waiters, then calls done(). */
static void virtio_blk_drain_used(struct virtio_blk *disk)
{
    int posted = 0;
    while (disk->used_seen != disk->used->index) {
        cpu_compiler_barrier();     /* the element only after the index that published it */
        uint32_t head = disk->used->ring[disk->used_seen % disk->queue_size].id;
        disk->used_seen++;
        enum block_status status = BLOCK_ERROR;
        struct block_request *request = virtio_blk_retire(disk, head, &status);
        posted += virtio_blk_post_waiting(disk);
        if (request)
            request->done(request, status);
    }
    if (posted)
        virtio_blk_notify(disk);
}

static void virtio_blk_handle_interrupt(void *context)
{
    struct virtio_blk *disk = context;
    uint8_t isr = inb((uint16_t)(disk->io_base + VIRTIO_ISR_STATUS));   /* drops INTx */
    if (isr & VIRTIO_ISR_CONFIG)
        klog(KLOG_DEBUG, "virtio-blk: configuration changed");
    /* Drained even when ISR is 0 (a shared line, or a completion seen early): it is cheap. */
    virtio_blk_drain_used(disk);
}
