/* Physical memory: the frame allocator fed from the boot memory map, and the kernel's direct map. */
#ifndef KERNEL_MEMORY_H
#define KERNEL_MEMORY_H

#include <stdint.h>
#include <kernel/boot_info.h>
#include <kernel/frame.h>

/* Physical memory the kernel maps 1:1 and can use for frames; user space lies above. */
#define MEMORY_DIRECT_MAP_LIMIT 0x40000000u

void memory_init(const struct boot_info *info);

/* One 4 KiB frame; returns its physical address, or 0 when memory is exhausted. */
uint32_t memory_frame_alloc(void);
/* Makes at least count frames free (evicting clean pages if it must); 0 when it cannot now. */
int memory_make_free(uint32_t count);
/* Holds count free frames back from every allocation until memory_unkeep_frames gives them
 * out again (memory set aside at boot for work done later); 0 when they cannot be found. */
int memory_keep_frames(uint32_t count);
void memory_unkeep_frames(uint32_t count);
/* count adjacent frames; returns the first's physical address, or 0. */
uint32_t memory_frames_alloc_contiguous(uint32_t count);
void memory_frame_free(uint32_t physical);

/* Registers who can free frames on demand (called with interrupts off, between operations' steps). */
void memory_set_reclaimer(uint32_t (*reclaimer)(uint32_t wanted));
void memory_frames_free(uint32_t physical, uint32_t count);

/* Kernel pointer to a physical address below MEMORY_DIRECT_MAP_LIMIT. */
static inline void *memory_physical_to_pointer(uint32_t physical)
{
    return (void *)(uintptr_t)physical;
}

uint32_t memory_free_frames(void);      /* free and not kept back */
uint32_t memory_total_frames(void);     /* usable frames found at boot */

/* Frames freed since boot: the scheduler wakes frame waiters when it moves. */
extern uint32_t memory_frees;

/* The allocator itself, for the in-kernel tests. */
extern struct frame_allocator memory_frames;

#endif
