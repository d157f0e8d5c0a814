/* Physical frame allocator bookkeeping over a bitmap (bit set = in use). */
#include <kernel/frame.h>

static int bit_test(const uint32_t *bitmap, uint32_t frame)
{
    return (bitmap[frame / 32] >> (frame % 32)) & 1;
}

static void bit_set(uint32_t *bitmap, uint32_t frame)
{
    bitmap[frame / 32] |= 1u << (frame % 32);
}

static void bit_clear(uint32_t *bitmap, uint32_t frame)
{
    bitmap[frame / 32] &= ~(1u << (frame % 32));
}

uint32_t frame_bitmap_bytes(uint32_t frame_count)
{
    return (frame_count + 31) / 32 * 4;
}

void frame_allocator_init(struct frame_allocator *allocator, uint32_t *bitmap,
                          uint32_t frame_count)
{
    allocator->bitmap = bitmap;
    allocator->frame_count = frame_count;
    allocator->free_count = 0;
    allocator->search_hint = 0;
    allocator->kept_count = 0;
    for (uint32_t i = 0; i < frame_bitmap_bytes(frame_count) / 4; i++)
        bitmap[i] = 0xFFFFFFFFu;
}

enum frame_state { FRAME_FREE, FRAME_IN_USE };

/* Marks frames [first, end) free or in use, a bitmap word at a time (boot marks the whole of
 * memory); returns how many frames changed state. */
static uint32_t frame_mark_range(struct frame_allocator *allocator, uint32_t first, uint32_t end,
                                 enum frame_state state)
{
    uint32_t wanted = state == FRAME_IN_USE ? 0xFFFFFFFFu : 0, changed = 0;
    while (first < end) {
        uint32_t *bits = &allocator->bitmap[first / 32];
        uint32_t word_start = first & ~31u;
        uint32_t mask = 0xFFFFFFFFu << (first % 32);
        if (end - word_start < 32)
            mask &= ~(0xFFFFFFFFu << (end % 32));
        uint32_t flipping = (*bits ^ wanted) & mask;
        if (flipping == 0xFFFFFFFFu)    /* the common case, spared a software popcount */
            changed += 32;
        else if (flipping)
            changed += (uint32_t)__builtin_popcount(flipping);
        *bits ^= flipping;
        first = word_start + 32;
    }
    return changed;
}

void frame_release_range(struct frame_allocator *allocator, uint64_t base, uint64_t length)
{
    if (base > UINT64_MAX - (FRAME_SIZE - 1))
        return;
    uint64_t first = (base + FRAME_SIZE - 1) >> FRAME_SHIFT;
    uint64_t end = (length > UINT64_MAX - base ? UINT64_MAX : base + length) >> FRAME_SHIFT;
    if (end > allocator->frame_count)
        end = allocator->frame_count;
    if (first >= end)
        return;
    allocator->free_count += frame_mark_range(allocator, (uint32_t)first, (uint32_t)end,
                                                FRAME_FREE);
    if (first / 32 < allocator->search_hint)
        allocator->search_hint = (uint32_t)(first / 32);
}

void frame_reserve_range(struct frame_allocator *allocator, uint64_t base, uint64_t length)
{
    if (length == 0)
        return;
    uint64_t first = base >> FRAME_SHIFT;
    uint64_t last_byte = length - 1 > UINT64_MAX - base ? UINT64_MAX : base + length - 1;
    uint64_t end = (last_byte >> FRAME_SHIFT) + 1;
    if (end > allocator->frame_count)
        end = allocator->frame_count;
    if (first >= end)
        return;
    allocator->free_count -= frame_mark_range(allocator, (uint32_t)first, (uint32_t)end,
                                                FRAME_IN_USE);
}

int frame_keep(struct frame_allocator *allocator, uint32_t count)
{
    if (count > frame_available(allocator))
        return 0;
    allocator->kept_count += count;
    return 1;
}

void frame_unkeep(struct frame_allocator *allocator, uint32_t count)
{
    allocator->kept_count -= count < allocator->kept_count ? count : allocator->kept_count;
}

uint32_t frame_available(const struct frame_allocator *allocator)
{
    return allocator->free_count > allocator->kept_count
           ? allocator->free_count - allocator->kept_count : 0;
}

int frame_alloc(struct frame_allocator *allocator, uint32_t *frame)
{
    if (frame_available(allocator) == 0)
        return 0;
    uint32_t words = frame_bitmap_bytes(allocator->frame_count) / 4;
    for (uint32_t word = allocator->search_hint; word < words; word++) {
        uint32_t bits = allocator->bitmap[word];
        if (bits == 0xFFFFFFFFu)
            continue;
        uint32_t bit = (uint32_t)__builtin_ctz(~bits);
        uint32_t found = word * 32 + bit;
        if (found >= allocator->frame_count)
            break;
        bit_set(allocator->bitmap, found);
        allocator->free_count--;
        allocator->search_hint = word;
        *frame = found;
        return 1;
    }
    allocator->search_hint = words;
    return 0;
}

int frame_alloc_contiguous(struct frame_allocator *allocator, uint32_t count, uint32_t *first)
{
    if (count == 0 || count > frame_available(allocator))
        return 0;
    uint32_t run = 0;
    for (uint32_t frame = allocator->search_hint * 32; frame < allocator->frame_count; frame++) {
        run = bit_test(allocator->bitmap, frame) ? 0 : run + 1;
        if (run == count) {
            uint32_t start = frame + 1 - count;
            for (uint32_t f = start; f <= frame; f++)
                bit_set(allocator->bitmap, f);
            allocator->free_count -= count;
            *first = start;
            return 1;
        }
    }
    return 0;
}

int frame_free(struct frame_allocator *allocator, uint32_t frame)
{
    if (frame >= allocator->frame_count || !bit_test(allocator->bitmap, frame))
        return 0;
    bit_clear(allocator->bitmap, frame);
    allocator->free_count++;
    if (frame / 32 < allocator->search_hint)
        allocator->search_hint = frame / 32;
    return 1;
}

int frame_is_free(const struct frame_allocator *allocator, uint32_t frame)
{
    return frame < allocator->frame_count && !bit_test(allocator->bitmap, frame);
}
