/* malloc and free: a first-fit list of blocks on pages mapped on demand from USER_HEAP_START. */
#include <cairn/user.h>

/*
 * The heap is one run of blocks from USER_HEAP_START to heap_top, each a
 * header followed by its payload; a block's size counts its header, so the
 * next block starts size bytes further. Pages are mapped up to heap_mapped.
 *
 *   USER_HEAP_START                         heap_top        heap_mapped
 *   | hdr | payload | hdr | payload (free) |  ...  |  mapped, unused  |
 *
 * free only marks a block; malloc merges runs of free blocks as it walks.
 */
struct block {
    uint32_t size;              /* bytes, header included; a multiple of BLOCK_ALIGN */
    uint32_t free;              /* 1 when on offer */
    uint32_t pad[2];            /* keeps payloads 16-byte aligned */
};

enum { BLOCK_ALIGN = 16, BLOCK_MIN = 2 * BLOCK_ALIGN };

_Static_assert(sizeof(struct block) == BLOCK_ALIGN, "a header keeps the payload aligned");

static uintptr_t heap_top = USER_HEAP_START;      /* end of the last block */
static uintptr_t heap_mapped = USER_HEAP_START;   /* end of the mapped pages */

static struct block *block_next(struct block *block)
{
    return (struct block *)((uintptr_t)block + block->size);
}

/* Maps pages until the heap reaches end; 0 when the address space or the bank runs out. */
static int heap_map_until(uintptr_t end)
{
    if (end > USER_HEAP_END)
        return 0;
    while (heap_mapped < end) {
        if (page_map_new(CAIRN_SLOT_SPACE, heap_mapped, CAIRN_RIGHT_READ | CAIRN_RIGHT_WRITE)
            != CAIRN_OK)
            return 0;
        heap_mapped += CAIRN_PAGE_SIZE;
    }
    return 1;
}

/* Merges the free blocks that follow a free block into it. */
static void block_merge_following(struct block *block)
{
    struct block *next;
    while ((uintptr_t)(next = block_next(block)) < heap_top && next->free)
        block->size += next->size;
}

/* Marks block used, splitting off its tail as a free block when that is big enough. */
static void *block_take(struct block *block, uint32_t size)
{
    if (block->size - size >= BLOCK_MIN) {
        struct block *rest = (struct block *)((uintptr_t)block + size);
        rest->size = block->size - size;
        rest->free = 1;
        block->size = size;
    }
    block->free = 0;
    return block + 1;
}

/* A new block of size at the top, growing the last block instead when it is free. */
static void *heap_grow(struct block *last, uint32_t size)
{
    struct block *block = last && last->free ? last : (struct block *)heap_top;
    uintptr_t end = (uintptr_t)block + size;
    if (!heap_map_until(end))
        return NULL;
    block->size = size;
    heap_top = end;
    return block_take(block, size);
}

void *malloc(size_t size)
{
    if (size > USER_HEAP_END - USER_HEAP_START)
        return NULL;
    uint32_t needed = (uint32_t)(size + sizeof(struct block) + BLOCK_ALIGN - 1)
                      & ~(BLOCK_ALIGN - 1u);
    struct block *last = NULL;
    for (struct block *block = (struct block *)USER_HEAP_START; (uintptr_t)block < heap_top;
         block = block_next(block)) {
        if (block->free) {
            block_merge_following(block);
            if (block->size >= needed)
                return block_take(block, needed);
        }
        last = block;
    }
    return heap_grow(last, needed);
}

void free(void *payload)
{
    if (payload)
        ((struct block *)payload - 1)->free = 1;
}

void *calloc(size_t count, size_t size)
{
    if (size && count > (USER_HEAP_END - USER_HEAP_START) / size)
        return NULL;
    void *payload = malloc(count * size);
    if (payload)
        memset(payload, 0, count * size);
    return payload;
}

void *realloc(void *payload, size_t size)
{
    if (!payload)
        return malloc(size);
    size_t old_size = ((struct block *)payload - 1)->size - sizeof(struct block);
    if (size <= old_size)
        return payload;
    void *moved = malloc(size);
    if (moved) {
        memcpy(moved, payload, old_size);
        free(payload);
    }
    return moved;
}
