/* PCI configuration space (mechanism #1), the bus scan, and what drivers read from a function's header. */
#ifndef ARCH_PCI_H
#define ARCH_PCI_H

#include <stdint.h>

/* One function found by the bus scan, with the header fields drivers ask for. */
struct pci_device {
    uint8_t bus, slot, function;
    uint16_t vendor_id, device_id;
    uint8_t class_code, subclass, programming_interface;
    uint8_t interrupt_line;     /* 8259 line the firmware routed INTx to; 0xFF: none */
    uint8_t interrupt_pin;      /* 1..4 for INTA#..INTD#, 0: uses no pin */
};

/* A decoded base address register. */
struct pci_bar {
    uint64_t address;           /* I/O port or physical address; 0: not implemented */
    int is_io;                  /* 1: I/O space, 0: memory space */
    int is_64bit;               /* memory BAR that also takes the next register */
    int prefetchable;
};

enum {
    PCI_BAR_COUNT = 6,
    PCI_INTERRUPT_LINE_NONE = 0xFF,
    PCI_COMMAND_IO_SPACE = 1 << 0,
    PCI_COMMAND_MEMORY_SPACE = 1 << 1,
    PCI_COMMAND_BUS_MASTER = 1 << 2,
    PCI_COMMAND_INTX_DISABLE = 1 << 10,
};

/* Scans every bus once (later calls return at once); returns the functions found. */
unsigned pci_scan(void);

/* The index-th function (0, 1, ...) with this vendor and device id, or NULL. */
const struct pci_device *pci_find_device(uint16_t vendor_id, uint16_t device_id, unsigned index);

/* Configuration-space access; offset is in bytes, aligned to the access size. */
uint32_t pci_config_read32(const struct pci_device *device, uint8_t offset);
uint16_t pci_config_read16(const struct pci_device *device, uint8_t offset);
uint8_t pci_config_read8(const struct pci_device *device, uint8_t offset);
void pci_config_write32(const struct pci_device *device, uint8_t offset, uint32_t value);
void pci_config_write16(const struct pci_device *device, uint8_t offset, uint16_t value);

/* Decodes base address register index (0..5); returns 0 if index names no BAR. */
int pci_read_bar(const struct pci_device *device, int index, struct pci_bar *bar);

/* Sets bits in the command register (I/O, memory decoding, bus mastering) and clears INTx disable. */
void pci_enable(const struct pci_device *device, uint16_t command_bits);

#endif
