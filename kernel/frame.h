/* Physical frame allocator bookkeeping: a bitmap of 4 KiB frames, portable and host-tested. */
#ifndef KERNEL_FRAME_H
#define KERNEL_FRAME_H

#include <stdint.h>

enum { FRAME_SIZE = 4096, FRAME_SHIFT = 12 };

struct frame_allocator {
    uint32_t *bitmap;           /* bit set = frame in use; one bit per frame */
    uint32_t frame_count;       /* frames covered, from physical frame 0 */
    uint32_t free_count;        /* frames currently free */
    uint32_t search_hint;       /* a word index at or before the first free frame */
};

/* Bytes of bitmap needed for frame_count frames (a multiple of 4). */
uint32_t frame_bitmap_bytes(uint32_t frame_count);

/* Starts with every frame in use. */
void frame_allocator_init(struct frame_allocator *allocator, uint32_t *bitmap,
                          uint32_t frame_count);

/* Marks the whole frames inside [base, base+length) free. */
void frame_release_range(struct frame_allocator *allocator, uint64_t base, uint64_t length);

/* Marks every frame touching [base, base+length) in use. */
void frame_reserve_range(struct frame_allocator *allocator, uint64_t base, uint64_t length);

/* Takes one free frame; returns 1 and its number, or 0 when none is free. */
int frame_alloc(struct frame_allocator *allocator, uint32_t *frame);

/* Takes count adjacent free frames; returns 1 and the first, or 0. */
int frame_alloc_contiguous(struct frame_allocator *allocator, uint32_t count, uint32_t *first);

/* Returns a frame; returns 0 (and changes nothing) if it was out of range or already free. */
int frame_free(struct frame_allocator *allocator, uint32_t frame);

int frame_is_free(const struct frame_allocator *allocator, uint32_t frame);

#endif
