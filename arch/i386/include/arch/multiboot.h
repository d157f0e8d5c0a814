/* Multiboot magic numbers and the boot-information parser of the i386 port. */
#ifndef ARCH_MULTIBOOT_H
#define ARCH_MULTIBOOT_H

#include <stdint.h>
#include <kernel/boot_info.h>

enum {
    MULTIBOOT2_BOOT_MAGIC = 0x36D76289,
    MULTIBOOT1_BOOT_MAGIC = 0x2BADB002,
};

/* Fills info from the loader's structures; returns 0 for an unknown loader. */
int multiboot_parse(struct boot_info *info, uint32_t magic, uint32_t address);

#endif
