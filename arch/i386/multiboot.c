/* Reads the Multiboot2 (GRUB) or Multiboot1 (QEMU -kernel) boot information into struct boot_info. */
#include <stdint.h>
#include <arch/multiboot.h>
#include <kernel/boot_info.h>
#include <kernel/string.h>

enum {
    MB2_TAG_END = 0, MB2_TAG_COMMAND_LINE = 1, MB2_TAG_LOADER_NAME = 2, MB2_TAG_MODULE = 3,
    MB2_TAG_MEMORY_MAP = 6,
    MB1_FLAG_COMMAND_LINE = 1 << 2, MB1_FLAG_MEMORY_MAP = 1 << 6, MB1_FLAG_LOADER_NAME = 1 << 9,
    MEMORY_AVAILABLE = 1,
};

struct mb2_tag { uint32_t type, size; };
struct mb2_memory_map { uint32_t type, size, entry_size, entry_version; };
struct mb2_memory_entry { uint64_t base, length; uint32_t type, reserved; } __attribute__((packed));

struct mb1_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, command_line;
    uint32_t module_count, module_address, symbols[4];
    uint32_t memory_map_length, memory_map_address;
    uint32_t drives_length, drives_address, config_table, loader_name;
} __attribute__((packed));

struct mb1_memory_entry { uint32_t size; uint64_t base, length; uint32_t type; } __attribute__((packed));

static void boot_add_range(struct boot_info *info, uint64_t base, uint64_t length, uint32_t type)
{
    if (info->range_count == BOOT_MEMORY_RANGES)
        return;
    struct boot_memory_range *range = &info->ranges[info->range_count++];
    range->base = base;
    range->length = length;
    range->usable = type == MEMORY_AVAILABLE;
}

static void multiboot2_parse(struct boot_info *info, uint32_t address)
{
    uint32_t total = *(uint32_t *)address;
    info->info_start = address;
    info->info_end = address + total;
    for (uint32_t offset = 8; offset + 8 <= total;) {
        struct mb2_tag *tag = (struct mb2_tag *)(address + offset);
        if (tag->type == MB2_TAG_END || tag->size < 8)
            break;
        if (tag->type == MB2_TAG_COMMAND_LINE)
            strlcpy(info->command_line, (char *)(tag + 1), sizeof(info->command_line));
        else if (tag->type == MB2_TAG_LOADER_NAME)
            strlcpy(info->loader_name, (char *)(tag + 1), sizeof(info->loader_name));
        else if (tag->type == MB2_TAG_MODULE && info->module_count < BOOT_MODULES) {
            uint32_t *bounds = (uint32_t *)(tag + 1);
            struct boot_module *module = &info->modules[info->module_count++];
            module->start = bounds[0];
            module->end = bounds[1];
            strlcpy(module->name, (char *)(bounds + 2), sizeof(module->name));
        } else if (tag->type == MB2_TAG_MEMORY_MAP) {
            struct mb2_memory_map *map = (struct mb2_memory_map *)tag;
            for (uint32_t e = sizeof(*map); map->entry_size && e + map->entry_size <= tag->size;
                 e += map->entry_size) {
                struct mb2_memory_entry *entry = (struct mb2_memory_entry *)((char *)map + e);
                boot_add_range(info, entry->base, entry->length, entry->type);
            }
        }
        offset += (tag->size + 7) & ~7u;
    }
}

static void multiboot1_parse(struct boot_info *info, uint32_t address)
{
    struct mb1_info *mb = (struct mb1_info *)address;
    info->info_start = address;
    info->info_end = address + sizeof(*mb);
    if (mb->flags & MB1_FLAG_COMMAND_LINE) {
        /* Multiboot1 loaders put the kernel's own path first; the options follow it. */
        const char *options = (const char *)mb->command_line;
        while (*options && *options != ' ')
            options++;
        while (*options == ' ')
            options++;
        strlcpy(info->command_line, options, sizeof(info->command_line));
    }
    if (mb->flags & MB1_FLAG_LOADER_NAME)
        strlcpy(info->loader_name, (char *)mb->loader_name, sizeof(info->loader_name));
    if (mb->flags & MB1_FLAG_MEMORY_MAP) {
        uint32_t end = mb->memory_map_address + mb->memory_map_length;
        for (uint32_t p = mb->memory_map_address; p < end;) {
            struct mb1_memory_entry *entry = (struct mb1_memory_entry *)p;
            boot_add_range(info, entry->base, entry->length, entry->type);
            p += entry->size + 4;
        }
    }
}

int multiboot_parse(struct boot_info *info, uint32_t magic, uint32_t address)
{
    memset(info, 0, sizeof(*info));
    if (magic == MULTIBOOT2_BOOT_MAGIC)
        multiboot2_parse(info, address);
    else if (magic == MULTIBOOT1_BOOT_MAGIC)
        multiboot1_parse(info, address);
    else
        return 0;
    return 1;
}
