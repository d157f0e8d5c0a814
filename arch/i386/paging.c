/* Paging hardware: the kernel's supervisor-only identity map of low physical memory with 4 MiB pages. */
#include <stdint.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/platform.h>

enum {
    PDE_PRESENT = 1 << 0, PDE_WRITABLE = 1 << 1, PDE_LARGE = 1 << 7, PDE_GLOBAL = 1 << 8,
    CR0_PAGING = 1u << 31, CR0_WRITE_PROTECT = 1 << 16,
    CR4_PSE = 1 << 4, CR4_PGE = 1 << 7,
    LARGE_PAGE_SIZE = 4 << 20,
};

uint32_t kernel_page_directory[1024] __attribute__((aligned(4096)));
/* 4 KiB map of the first 4 MiB, so that page 0 can stay unmapped and null pointers fault. */
static uint32_t low_page_table[1024] __attribute__((aligned(4096)));

void platform_init_paging(uint32_t direct_map_limit)
{
    uint32_t entries = direct_map_limit / LARGE_PAGE_SIZE;
    for (uint32_t i = 0; i < 1024; i++) {
        kernel_page_directory[i] = i < entries
            ? (i * LARGE_PAGE_SIZE) | PDE_PRESENT | PDE_WRITABLE | PDE_LARGE | PDE_GLOBAL
            : 0;
    }
    for (uint32_t i = 0; i < 1024; i++)
        low_page_table[i] = i == 0 ? 0 : (i * 4096) | PDE_PRESENT | PDE_WRITABLE | PDE_GLOBAL;
    kernel_page_directory[0] = (uint32_t)low_page_table | PDE_PRESENT | PDE_WRITABLE;
    cpu_write_cr4(cpu_read_cr4() | CR4_PSE | CR4_PGE);
    cpu_write_cr3((uint32_t)kernel_page_directory);
    cpu_write_cr0(cpu_read_cr0() | CR0_PAGING | CR0_WRITE_PROTECT);
}
