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
    uint32_t kept_count;        /* free frames held back (frame_keep): allocation leaves them */
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

/* Holds count free frames back for one later owner, who gives them out again with
 * frame_unkeep just before allocating them; 0 (nothing kept) when fewer are free. */
int frame_keep(struct frame_allocator *allocator, uint32_t count);

/* Gives up to count kept frames back to ordinary allocation. */
void frame_unkeep(struct frame_allocator *allocator, uint32_t count);

/* Free frames that are not kept back. */
uint32_t frame_available(const struct frame_allocator *allocator);

/* Takes one free frame that is not kept back; returns 1 and its number, or 0 when none is. */
int frame_alloc(struct frame_allocator *allocator, uint32_t *frame);

/* Takes count adjacent free frames (not the kept ones); returns 1 and the first, or 0. */
int frame_alloc_contiguous(struct frame_allocator *allocator, uint32_t count, uint32_t *first);

/* Returns a frame; returns 0 (and changes nothing) if it was out of range or already free. */
int frame_free(struct frame_allocator *allocator, uint32_t frame);

int frame_is_free(const struct frame_allocator *allocator, uint32_t frame);

#endif
