/* Legacy virtio devices and their split virtqueues, shared by the virtio-blk and virtio-net drivers. */
/*
 * A virtqueue, in page-aligned, physically contiguous frames (the direct map
 * makes a pointer its own physical address). Legacy devices are told its
 * page frame number; the queue size N is the device's.
 *
 *   page 0   +----------------------------------------------+
 *            | descriptors   N x {address, length, flags, next}
 *            | available     flags, index, ring[N], used_event   driver -> device
 *   page k   +----------------------------------------------+  (k: first page boundary after)
 *            | used          flags, index, ring[N] {id, length}, available_event
 *            +----------------------------------------------+  device -> driver
 *
 * A request is one descriptor chain whose head index names it; free
 * descriptors are linked through `next`. Shared memory is ordered with
 * cpu_compiler_barrier (x86 keeps stores in order and loads in order) and one
 * cpu_memory_fence before reading the device's no-notify flag.
 */
#include <stddef.h>
#include <arch/cpu.h>
#include <arch/irq.h>
#include <arch/pc.h>
#include <arch/virtio.h>
#include <kernel/klog.h>
#include <kernel/memory.h>
#include <kernel/string.h>

enum {
    VIRTQ_SIZE_MAX = 32768,     /* the legacy interface's largest queue */
    VIRTIO_QUEUE_ADDRESS_SHIFT = 12,
};

_Static_assert(sizeof(struct virtq_descriptor) == 16, "virtio descriptors are 16 bytes");
_Static_assert(sizeof(struct virtq_used_element) == 8, "used elements are 8 bytes");

static uint32_t align_up(uint32_t value, uint32_t alignment)
{
    return (value + alignment - 1) / alignment * alignment;
}

static uint8_t virtio_status_read(const struct virtio_device *device)
{
    return inb((uint16_t)(device->io_base + VIRTIO_DEVICE_STATUS));
}

static void virtio_status_write(const struct virtio_device *device, uint8_t status)
{
    outb((uint16_t)(device->io_base + VIRTIO_DEVICE_STATUS), status);
}

void virtio_status_add(const struct virtio_device *device, uint8_t bits)
{
    virtio_status_write(device, (uint8_t)(virtio_status_read(device) | bits));
}

int virtio_locate(struct virtio_device *device, const struct pci_device *pci)
{
    struct pci_bar bar;
    if (!pci_read_bar(pci, 0, &bar) || !bar.is_io || bar.address == 0 || bar.address > 0xFFFF) {
        klog(KLOG_WARNING, "%s: BAR0 is not an I/O port range (legacy interface off?); "
             "not used", device->name);
        return 0;
    }
    if (pci->interrupt_line >= IRQ_LINE_COUNT) {
        klog(KLOG_WARNING, "%s: no interrupt line routed (%u); not used", device->name,
             pci->interrupt_line);
        return 0;
    }
    device->io_base = (uint16_t)bar.address;
    device->irq = pci->interrupt_line;
    pci_enable(pci, PCI_COMMAND_IO_SPACE | PCI_COMMAND_BUS_MASTER);
    return 1;
}

void virtio_reset(const struct virtio_device *device)
{
    virtio_status_write(device, 0);
    for (int tries = 0; tries < 1000 && virtio_status_read(device) != 0; tries++)
        continue;
    virtio_status_add(device, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_status_add(device, VIRTIO_STATUS_DRIVER);
}

uint32_t virtio_negotiate(const struct virtio_device *device, uint32_t wanted)
{
    uint32_t offered = inl((uint16_t)(device->io_base + VIRTIO_DEVICE_FEATURES));
    uint32_t accepted = offered & wanted;
    outl((uint16_t)(device->io_base + VIRTIO_GUEST_FEATURES), accepted);
    klog(KLOG_DEBUG, "%s: features offered %#x, accepted %#x", device->name, offered, accepted);
    return accepted;
}

uint8_t virtio_config8(const struct virtio_device *device, uint16_t offset)
{
    return inb((uint16_t)(device->io_base + offset));
}

uint32_t virtio_config32(const struct virtio_device *device, uint16_t offset)
{
    return inl((uint16_t)(device->io_base + offset));
}

uint8_t virtio_isr(const struct virtio_device *device)
{
    return inb((uint16_t)(device->io_base + VIRTIO_ISR_STATUS));
}

int virtio_attach_interrupt(const struct virtio_device *device, void (*handler)(void *),
                            void *context)
{
    if (!irq_set_handler(device->irq, handler, context)) {
        klog(KLOG_WARNING, "%s: interrupt line %d cannot take another handler; not used",
             device->name, device->irq);
        return 0;
    }
    virtio_isr(device);         /* drop anything left pending */
    pic_enable_line(device->irq);
    return 1;
}

void *virtio_frames(uint32_t count)
{
    uint32_t physical = memory_frames_alloc_contiguous(count);
    if (!physical)
        return NULL;
    void *memory = memory_physical_to_pointer(physical);
    memset(memory, 0, (size_t)count * FRAME_SIZE);
    return memory;
}

/* Chains every descriptor into the free list. */
static void virtqueue_free_all(struct virtqueue *queue)
{
    for (uint16_t i = 0; i < queue->size; i++)
        queue->descriptors[i].next = (uint16_t)(i + 1);
    queue->free_head = 0;
    queue->free_count = queue->size;
}

int virtqueue_setup(struct virtqueue *queue, const struct virtio_device *device, uint16_t index)
{
    outw((uint16_t)(device->io_base + VIRTIO_QUEUE_SELECT), index);
    uint16_t size = inw((uint16_t)(device->io_base + VIRTIO_QUEUE_SIZE));
    if (size < 4 || size > VIRTQ_SIZE_MAX || (size & (size - 1)) != 0) {
        klog(KLOG_WARNING, "%s: queue %u has size %u (need a power of two >= 4); not used",
             device->name, index, size);
        return 0;
    }
    uint32_t used_offset = align_up(16u * size + 6u + 2u * size, FRAME_SIZE);
    queue->frames = (used_offset + align_up(6u + 8u * size, FRAME_SIZE)) / FRAME_SIZE;
    uint8_t *memory = virtio_frames(queue->frames);
    if (!memory) {
        klog(KLOG_WARNING, "%s: no memory for a %u-entry queue; not used", device->name, size);
        return 0;
    }
    queue->device = device;
    queue->index = index;
    queue->size = size;
    queue->descriptors = (volatile struct virtq_descriptor *)memory;
    queue->available = (volatile struct virtq_available *)(memory + 16u * size);
    queue->used = (volatile struct virtq_used *)(memory + used_offset);
    queue->used_seen = 0;
    virtqueue_free_all(queue);
    outl((uint16_t)(device->io_base + VIRTIO_QUEUE_ADDRESS),
         (uint32_t)(uintptr_t)memory >> VIRTIO_QUEUE_ADDRESS_SHIFT);
    return 1;
}

uint16_t virtqueue_chain_append(struct virtqueue *queue, int previous, const void *address,
                                uint32_t length, uint16_t flags)
{
    uint16_t index = queue->free_head;
    queue->free_head = queue->descriptors[index].next;
    queue->free_count--;
    queue->descriptors[index].address = (uint32_t)(uintptr_t)address;
    queue->descriptors[index].length = length;
    queue->descriptors[index].flags = flags;
    queue->descriptors[index].next = 0;
    if (previous >= 0) {
        queue->descriptors[previous].next = index;
        queue->descriptors[previous].flags |= VIRTQ_DESCRIPTOR_NEXT;
    }
    return index;
}

void virtqueue_publish(struct virtqueue *queue, uint16_t head)
{
    uint16_t index = queue->available->index;
    queue->available->ring[index % queue->size] = head;
    cpu_compiler_barrier();     /* the chain and ring entry before the index that publishes them */
    queue->available->index = (uint16_t)(index + 1);
}

void virtqueue_notify(struct virtqueue *queue)
{
    cpu_memory_fence();         /* the new available index before reading the device's flags */
    if (!(queue->used->flags & VIRTQ_USED_NO_NOTIFY))
        outw((uint16_t)(queue->device->io_base + VIRTIO_QUEUE_NOTIFY), queue->index);
}

void virtqueue_free_chain(struct virtqueue *queue, uint16_t head)
{
    uint16_t index = head;
    for (;;) {
        uint16_t flags = queue->descriptors[index].flags;
        uint16_t next = queue->descriptors[index].next;
        queue->descriptors[index].next = queue->free_head;
        queue->free_head = index;
        queue->free_count++;
        if (!(flags & VIRTQ_DESCRIPTOR_NEXT))
            return;
        index = next;
    }
}

int virtqueue_next_used(struct virtqueue *queue, uint32_t *head, uint32_t *length)
{
    if (queue->used_seen == queue->used->index)
        return 0;
    cpu_compiler_barrier();     /* the element only after the index that published it */
    const volatile struct virtq_used_element *element =
        &queue->used->ring[queue->used_seen % queue->size];
    *head = element->id;
    *length = element->length;
    queue->used_seen++;
    return 1;
}
