/* PCI configuration space through ports 0xCF8/0xCFC (mechanism #1) and a scan of the buses
 * reachable from bus 0 through PCI-to-PCI bridges. */
#include <stdint.h>
#include <arch/cpu.h>
#include <arch/pci.h>
#include <kernel/klog.h>

enum {
    PCI_CONFIG_ADDRESS = 0xCF8,
    PCI_CONFIG_DATA = 0xCFC,
    PCI_ADDRESS_ENABLE = 1u << 31,
    PCI_BUS_COUNT = 256,
    PCI_SLOT_COUNT = 32,
    PCI_FUNCTION_COUNT = 8,
    PCI_DEVICE_MAX = 64,
    /* Header offsets (type 0 and the fields every type shares). */
    PCI_VENDOR_ID = 0x00,
    PCI_DEVICE_ID = 0x02,
    PCI_COMMAND = 0x04,
    PCI_CLASS = 0x08,           /* revision, interface, subclass, class */
    PCI_HEADER_TYPE = 0x0E,
    PCI_BAR0 = 0x10,
    PCI_INTERRUPT_LINE = 0x3C,
    PCI_INTERRUPT_PIN = 0x3D,
    PCI_HEADER_MULTIFUNCTION = 0x80,
    PCI_HEADER_TYPE_MASK = 0x7F,
    PCI_HEADER_TYPE_BRIDGE = 0x01,
    PCI_BRIDGE_BUSES = 0x18,    /* primary, secondary, subordinate bus numbers */
    PCI_VENDOR_NONE = 0xFFFF,
};

/* Functions found by pci_scan, in bus/slot/function order. */
static struct pci_device pci_devices[PCI_DEVICE_MAX];
static unsigned pci_device_count;
/* Has pci_scan run? */
static int pci_scanned;

static uint32_t pci_config_address(uint8_t bus, uint8_t slot, uint8_t function, uint8_t offset)
{
    return PCI_ADDRESS_ENABLE | (uint32_t)bus << 16 | (uint32_t)slot << 11
           | (uint32_t)function << 8 | (offset & 0xFCu);
}

static uint32_t pci_read32_at(uint8_t bus, uint8_t slot, uint8_t function, uint8_t offset)
{
    outl(PCI_CONFIG_ADDRESS, pci_config_address(bus, slot, function, offset));
    return inl(PCI_CONFIG_DATA);
}

uint32_t pci_config_read32(const struct pci_device *device, uint8_t offset)
{
    return pci_read32_at(device->bus, device->slot, device->function, offset);
}

uint16_t pci_config_read16(const struct pci_device *device, uint8_t offset)
{
    return (uint16_t)(pci_config_read32(device, offset) >> ((offset & 2) * 8));
}

uint8_t pci_config_read8(const struct pci_device *device, uint8_t offset)
{
    return (uint8_t)(pci_config_read32(device, offset) >> ((offset & 3) * 8));
}

void pci_config_write32(const struct pci_device *device, uint8_t offset, uint32_t value)
{
    outl(PCI_CONFIG_ADDRESS,
         pci_config_address(device->bus, device->slot, device->function, offset));
    outl(PCI_CONFIG_DATA, value);
}

void pci_config_write16(const struct pci_device *device, uint8_t offset, uint16_t value)
{
    outl(PCI_CONFIG_ADDRESS,
         pci_config_address(device->bus, device->slot, device->function, offset));
    outw((uint16_t)(PCI_CONFIG_DATA + (offset & 2)), value);
}

/* Records one present function; returns its header type. */
static uint8_t pci_record_function(uint8_t bus, uint8_t slot, uint8_t function, uint32_t ids)
{
    struct pci_device found = { .bus = bus, .slot = slot, .function = function,
                                .vendor_id = (uint16_t)ids, .device_id = (uint16_t)(ids >> 16) };
    uint32_t class = pci_read32_at(bus, slot, function, PCI_CLASS);
    found.class_code = (uint8_t)(class >> 24);
    found.subclass = (uint8_t)(class >> 16);
    found.programming_interface = (uint8_t)(class >> 8);
    uint32_t interrupt = pci_read32_at(bus, slot, function, PCI_INTERRUPT_LINE);
    found.interrupt_line = (uint8_t)interrupt;
    found.interrupt_pin = (uint8_t)(interrupt >> 8);
    uint8_t header_type = (uint8_t)(pci_read32_at(bus, slot, function, PCI_HEADER_TYPE)
                                    >> (PCI_HEADER_TYPE & 3) * 8);
    if (pci_device_count < PCI_DEVICE_MAX)
        pci_devices[pci_device_count++] = found;
    else
        klog(KLOG_WARNING, "pci: more than %d functions; %02x:%02x.%u ignored", PCI_DEVICE_MAX,
             bus, slot, function);
    klog(KLOG_DEBUG, "pci: %02x:%02x.%u %04x:%04x class %02x.%02x irq %u", bus, slot, function,
         found.vendor_id, found.device_id, found.class_code, found.subclass,
         found.interrupt_line);
    return header_type;
}

/* The buses to scan, each once: bus 0, then those found behind bridges (and host bridges). */
struct pci_bus_queue {
    uint8_t buses[PCI_BUS_COUNT];
    unsigned head, tail;
    uint8_t queued[PCI_BUS_COUNT / 8];
};

static void pci_queue_bus(struct pci_bus_queue *queue, uint8_t bus)
{
    if (queue->queued[bus / 8] & (1u << (bus % 8)))
        return;                 /* also stops a bridge loop in a broken configuration */
    queue->queued[bus / 8] |= (uint8_t)(1u << (bus % 8));
    queue->buses[queue->tail++] = bus;
}

/* Records one present function, and queues the bus behind it if it is a PCI-to-PCI bridge. */
static uint8_t pci_visit_function(struct pci_bus_queue *queue, uint8_t bus, uint8_t slot,
                                  uint8_t function, uint32_t ids)
{
    uint8_t header_type = pci_record_function(bus, slot, function, ids);
    if ((header_type & PCI_HEADER_TYPE_MASK) == PCI_HEADER_TYPE_BRIDGE)
        pci_queue_bus(queue, (uint8_t)(pci_read32_at(bus, slot, function, PCI_BRIDGE_BUSES) >> 8));
    return header_type;
}

static void pci_scan_slot(struct pci_bus_queue *queue, uint8_t bus, uint8_t slot)
{
    uint32_t ids = pci_read32_at(bus, slot, 0, PCI_VENDOR_ID);
    if ((uint16_t)ids == PCI_VENDOR_NONE)
        return;
    uint8_t header_type = pci_visit_function(queue, bus, slot, 0, ids);
    if (!(header_type & PCI_HEADER_MULTIFUNCTION))
        return;
    for (uint8_t function = 1; function < PCI_FUNCTION_COUNT; function++) {
        ids = pci_read32_at(bus, slot, function, PCI_VENDOR_ID);
        if ((uint16_t)ids == PCI_VENDOR_NONE)
            continue;
        pci_visit_function(queue, bus, slot, function, ids);
        if (bus == 0 && slot == 0)
            pci_queue_bus(queue, function);     /* host bridge N serves bus N */
    }
}

/* Follows bridges from bus 0 (a few hundred configuration reads, where trying all 256 buses
 * took 8,192). */
unsigned pci_scan(void)
{
    static struct pci_bus_queue queue;
    if (pci_scanned)
        return pci_device_count;
    pci_scanned = 1;
    pci_queue_bus(&queue, 0);
    while (queue.head < queue.tail) {
        uint8_t bus = queue.buses[queue.head++];
        for (uint8_t slot = 0; slot < PCI_SLOT_COUNT; slot++)
            pci_scan_slot(&queue, bus, slot);
    }
    return pci_device_count;
}

const struct pci_device *pci_find_device(uint16_t vendor_id, uint16_t device_id, unsigned index)
{
    pci_scan();
    for (unsigned i = 0; i < pci_device_count; i++) {
        const struct pci_device *device = &pci_devices[i];
        if (device->vendor_id == vendor_id && device->device_id == device_id && index-- == 0)
            return device;
    }
    return 0;
}

int pci_read_bar(const struct pci_device *device, int index, struct pci_bar *bar)
{
    if (index < 0 || index >= PCI_BAR_COUNT)
        return 0;
    uint8_t offset = (uint8_t)(PCI_BAR0 + 4 * index);
    uint32_t value = pci_config_read32(device, offset);
    *bar = (struct pci_bar){ 0 };
    if (value & 1) {
        bar->is_io = 1;
        bar->address = value & ~3u;
        return 1;
    }
    bar->prefetchable = (value >> 3) & 1;
    bar->address = value & ~0xFu;
    if (((value >> 1) & 3) == 2 && index + 1 < PCI_BAR_COUNT) {
        bar->is_64bit = 1;
        bar->address |= (uint64_t)pci_config_read32(device, (uint8_t)(offset + 4)) << 32;
    }
    return 1;
}

void pci_enable(const struct pci_device *device, uint16_t command_bits)
{
    uint16_t command = pci_config_read16(device, PCI_COMMAND);
    command = (uint16_t)((command | command_bits) & ~PCI_COMMAND_INTX_DISABLE);
    pci_config_write16(device, PCI_COMMAND, command);
}
