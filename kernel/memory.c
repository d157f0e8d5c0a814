/* Physical memory: builds the frame allocator from the boot memory map, keeping the kernel and loader data out. */
#include <arch/platform.h>
#include <kernel/klog.h>
#include <kernel/memory.h>
#include <kernel/panic.h>

enum { LOW_MEMORY_END = 0x100000 };     /* BIOS, VGA and real-mode data: never allocated */

struct frame_allocator memory_frames;
uint32_t memory_frees;
/* One bit for every frame of the direct map (32 KiB for 1 GiB). */
static uint32_t frame_bitmap[MEMORY_DIRECT_MAP_LIMIT / FRAME_SIZE / 32];
/* Usable frames found in the memory map at boot. */
static uint32_t memory_usable_frames;

void memory_init(const struct boot_info *info)
{
    uint64_t top = 0;
    for (int i = 0; i < info->range_count; i++) {
        const struct boot_memory_range *range = &info->ranges[i];
        if (range->usable && range->base + range->length > top)
            top = range->base + range->length;
    }
    if (top > MEMORY_DIRECT_MAP_LIMIT) {
        klog(KLOG_WARNING, "memory above %u MiB is not used (%llu MiB present)",
             MEMORY_DIRECT_MAP_LIMIT >> 20, (unsigned long long)(top >> 20));
        top = MEMORY_DIRECT_MAP_LIMIT;
    }
    frame_allocator_init(&memory_frames, frame_bitmap, (uint32_t)(top >> FRAME_SHIFT));
    for (int i = 0; i < info->range_count; i++)
        if (info->ranges[i].usable)
            frame_release_range(&memory_frames, info->ranges[i].base, info->ranges[i].length);
    frame_reserve_range(&memory_frames, 0, LOW_MEMORY_END);
    frame_reserve_range(&memory_frames, (uint32_t)kernel_image_start,
                        (uint32_t)(kernel_image_end - kernel_image_start));
    frame_reserve_range(&memory_frames, info->info_start, info->info_end - info->info_start);
    for (int i = 0; i < info->module_count; i++)
        frame_reserve_range(&memory_frames, info->modules[i].start,
                            info->modules[i].end - info->modules[i].start);
    memory_usable_frames = memory_frames.free_count;
    if (memory_usable_frames < 256)
        fatal("only %u KiB of usable memory; Cairn needs at least 1 MiB",
              memory_usable_frames * 4);
    DEBUG(memory) kprintf("memory: %u frames free, top %#llx\n", memory_usable_frames,
                          (unsigned long long)top);
}

/* Gives frames back when none is free (the store evicting clean pages); NULL when nothing can. */
static uint32_t (*memory_reclaimer)(uint32_t wanted);

void memory_set_reclaimer(uint32_t (*reclaimer)(uint32_t wanted))
{
    memory_reclaimer = reclaimer;
}

uint32_t memory_frame_alloc(void)
{
    uint32_t frame;
    if (!frame_alloc(&memory_frames, &frame) &&
        !(memory_reclaimer && memory_reclaimer(1) && frame_alloc(&memory_frames, &frame)))
        return 0;
    return frame << FRAME_SHIFT;
}

int memory_make_free(uint32_t count)
{
    uint32_t free = frame_available(&memory_frames);
    if (free < count && memory_reclaimer)
        memory_reclaimer(count - free);
    return frame_available(&memory_frames) >= count;
}

int memory_keep_frames(uint32_t count)
{
    return memory_make_free(count) && frame_keep(&memory_frames, count);
}

void memory_unkeep_frames(uint32_t count)
{
    frame_unkeep(&memory_frames, count);
}

uint32_t memory_frames_alloc_contiguous(uint32_t count)
{
    uint32_t frame;
    if (!frame_alloc_contiguous(&memory_frames, count, &frame))
        return 0;
    return frame << FRAME_SHIFT;
}

void memory_frame_free(uint32_t physical)
{
    if (!frame_free(&memory_frames, physical >> FRAME_SHIFT))
        panic("freeing frame %#x that is not allocated", physical);
    memory_frees++;
}

void memory_frames_free(uint32_t physical, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        memory_frame_free(physical + i * FRAME_SIZE);
}

uint32_t memory_free_frames(void)
{
    return frame_available(&memory_frames);
}

uint32_t memory_total_frames(void)
{
    return memory_usable_frames;
}
