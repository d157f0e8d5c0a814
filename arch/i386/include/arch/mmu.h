/* Hardware page tables: a per-address-space cache built from Space nodes on faults, droppable at any time. */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <stdint.h>
#include <arch/cpu.h>

/* The kernel's page directory (arch/i386/paging.c): every user directory copies its kernel half. */
extern uint32_t kernel_page_directory[1024];

/* A fresh directory with the kernel's half; returns its physical address, or 0 without a frame. */
uint32_t mmu_directory_create(void);

/* Frees the directory and its page tables. */
void mmu_directory_destroy(uint32_t directory);

/* Drops every user mapping (and page table) of the directory. */
void mmu_directory_clear_user(uint32_t directory);

/* Clears the writable bit of every user mapping, so that the next write to any page faults. */
void mmu_directory_protect_user(uint32_t directory);

/* Maps one 4 KiB user page; returns 0 when a page table was needed and no frame was free. */
int mmu_map_page(uint32_t directory, uint32_t address, uint32_t physical, int writable);

void mmu_unmap_page(uint32_t directory, uint32_t address);

/* Makes directory the one the CPU uses (the kernel's own when 0). Every entry to user mode
 * asks, so it is inline; CR3 holds mmu_active_directory's, since every load of CR3 after boot
 * is made here or reloads that one (to flush the TLB). */
extern uint32_t mmu_active_directory;
static inline void mmu_activate(uint32_t directory)
{
    if (directory == mmu_active_directory)
        return;
    mmu_active_directory = directory;
    cpu_write_cr3(directory ? directory : (uint32_t)kernel_page_directory);
}

#endif
