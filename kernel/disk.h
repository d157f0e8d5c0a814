/* The system disk: found once at boot (virtio-blk first, then ATA) and handed to the store. */
#ifndef KERNEL_DISK_H
#define KERNEL_DISK_H

#include <checkpoint/blockdev.h>

/* Finds the system disk and logs one line about it; call once, after interrupts are set up. */
void disk_init(void);

/* The system disk, or NULL if none was found. */
struct block_device *disk_system(void);

/* Measures sequential bandwidth over the disk's first mebibytes MiB (overwriting them), prints
   it, and returns 0, or 1 if there is no disk or a request fails (option diskbench). */
int disk_bench_run(uint32_t mebibytes);

#endif
