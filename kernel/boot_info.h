/* What the boot loader told us, in a portable form filled in by the arch layer. */
#ifndef KERNEL_BOOT_INFO_H
#define KERNEL_BOOT_INFO_H

#include <stdint.h>

enum {
    BOOT_MEMORY_RANGES = 64, BOOT_COMMAND_LINE_SIZE = 1024, BOOT_LOADER_NAME_SIZE = 64,
    BOOT_MODULES = 32, BOOT_MODULE_NAME_SIZE = 32,
};

/* A file the loader placed in memory (a user program, for now). */
struct boot_module {
    uint32_t start, end;        /* physical addresses */
    char name[BOOT_MODULE_NAME_SIZE];
};

struct boot_memory_range {
    uint64_t base;
    uint64_t length;
    int usable;
};

struct boot_info {
    char loader_name[BOOT_LOADER_NAME_SIZE];
    char command_line[BOOT_COMMAND_LINE_SIZE];  /* loader's line, then fw_cfg's opt/cairn/cmdline */
    struct boot_memory_range ranges[BOOT_MEMORY_RANGES];
    int range_count;
    struct boot_module modules[BOOT_MODULES];
    int module_count;
    uint32_t info_start, info_end;              /* loader's own structures, to keep out of the allocator */
};

#endif
