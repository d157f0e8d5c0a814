/* Hardware page tables for user address spaces: built on demand from Space nodes, thrown away freely. */
#include <stdint.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <kernel/memory.h>
#include <kernel/string.h>

enum {
    PTE_PRESENT = 1 << 0, PTE_WRITABLE = 1 << 1, PTE_USER = 1 << 2,
    PDE_HAS_WRITABLE = 1 << 9,      /* software bit: the table holds a writable entry */
    KERNEL_ENTRIES = MEMORY_DIRECT_MAP_LIMIT >> 22,     /* directory entries of the kernel half */
    ENTRIES = 1024,
};

/* The directory in CR3 (physical address); 0: the kernel's own. */
uint32_t mmu_active_directory;

static uint32_t *table_pointer(uint32_t physical)
{
    return memory_physical_to_pointer(physical & ~0xFFFu);
}

uint32_t mmu_directory_create(void)
{
    uint32_t frame = memory_frame_alloc();
    if (!frame)
        return 0;
    uint32_t *directory = table_pointer(frame);
    memcpy(directory, kernel_page_directory, KERNEL_ENTRIES * sizeof(uint32_t));
    memset(directory + KERNEL_ENTRIES, 0, (ENTRIES - KERNEL_ENTRIES) * sizeof(uint32_t));
    return frame;
}

void mmu_directory_clear_user(uint32_t directory)
{
    uint32_t *entries = table_pointer(directory);
    for (int i = KERNEL_ENTRIES; i < ENTRIES; i++) {
        if (entries[i] & PTE_PRESENT)
            memory_frame_free(entries[i] & ~0xFFFu);
        entries[i] = 0;
    }
    if (directory == mmu_active_directory)
        cpu_write_cr3(directory);   /* flush the TLB's user entries */
}

void mmu_directory_protect_user(uint32_t directory)
{
    uint32_t *entries = table_pointer(directory);
    for (int i = KERNEL_ENTRIES; i < ENTRIES; i++) {
        if (!(entries[i] & PDE_HAS_WRITABLE))
            continue;       /* read-only already: tables of read-only data cost nothing */
        uint32_t *table = table_pointer(entries[i]);
        for (int j = 0; j < ENTRIES; j++)
            table[j] &= ~(uint32_t)PTE_WRITABLE;
        entries[i] &= ~(uint32_t)PDE_HAS_WRITABLE;
    }
    if (directory == mmu_active_directory)
        cpu_write_cr3(directory);   /* flush the TLB's user entries */
}

void mmu_directory_destroy(uint32_t directory)
{
    mmu_directory_clear_user(directory);
    if (directory == mmu_active_directory)
        mmu_activate(0);
    memory_frame_free(directory);
}

int mmu_map_page(uint32_t directory, uint32_t address, uint32_t physical, int writable)
{
    uint32_t *entries = table_pointer(directory);
    uint32_t *pde = &entries[address >> 22];
    if (!(*pde & PTE_PRESENT)) {
        uint32_t table = memory_frame_alloc();
        if (!table)
            return 0;
        memset(table_pointer(table), 0, FRAME_SIZE);
        *pde = table | PTE_PRESENT | PTE_WRITABLE | PTE_USER;
    }
    uint32_t *pte = &table_pointer(*pde)[(address >> 12) & (ENTRIES - 1)];
    *pte = (physical & ~0xFFFu) | PTE_PRESENT | PTE_USER | (writable ? PTE_WRITABLE : 0);
    if (writable)
        *pde |= PDE_HAS_WRITABLE;
    if (directory == mmu_active_directory)
        cpu_invlpg(address);
    return 1;
}

void mmu_unmap_page(uint32_t directory, uint32_t address)
{
    uint32_t *entries = table_pointer(directory);
    uint32_t pde = entries[address >> 22];
    if (!(pde & PTE_PRESENT))
        return;
    table_pointer(pde)[(address >> 12) & (ENTRIES - 1)] = 0;
    if (directory == mmu_active_directory)
        cpu_invlpg(address);
}
