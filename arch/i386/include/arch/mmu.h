/* Hardware page tables: a per-address-space cache built from Space nodes on faults, droppable at any time. */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <stdint.h>

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

/* Makes directory the one the CPU uses (the kernel's own when 0). */
void mmu_activate(uint32_t directory);

#endif
