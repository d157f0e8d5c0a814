/* The disk controllers of the i386 port, each behind the store's block-device interface. */
#ifndef ARCH_DISK_H
#define ARCH_DISK_H

#include <checkpoint/blockdev.h>

/* The first legacy virtio-blk PCI function, set up and interrupt-driven; NULL if none works. */
struct block_device *virtio_blk_probe(void);

/* The primary ATA channel's master disk, polled (PIO); NULL if there is none. */
struct block_device *ata_probe(void);

#endif
