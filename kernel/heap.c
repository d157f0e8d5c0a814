/*
 * The kernel heap.
 *
 * Blocks up to 2 KiB come from size classes 16, 32, ... 2048 bytes; each
 * class carves whole frames into equal blocks and keeps a free list. Larger
 * blocks take adjacent frames of their own. Every block is preceded by a
 * 16-byte header naming its class (or its frame count), so kfree needs
 * nothing but the pointer.
 */
#include <stdint.h>
#include <kernel/heap.h>
#include <kernel/memory.h>
#include <kernel/panic.h>
#include <kernel/string.h>

enum {
    HEADER_SIZE = 16,
    CLASS_COUNT = 8,            /* 16 << 0 .. 16 << 7 = 2048 */
    LARGE = 0xFF,
    HEADER_MAGIC = 0x4B484541,  /* "AEHK" */
};

struct block_header {
    uint32_t magic;
    uint32_t class;             /* size class index, or LARGE */
    uint32_t frames;            /* LARGE only */
    uint32_t size;              /* bytes asked for */
};

_Static_assert(sizeof(struct block_header) == HEADER_SIZE, "header size");

struct free_block {
    struct free_block *next;
};

/* Free blocks of each class; each block includes its header. */
static struct free_block *free_lists[CLASS_COUNT];
/* Bytes handed out and not yet freed. */
static size_t bytes_in_use;

static size_t class_size(unsigned class)
{
    return (size_t)16 << class;
}

/* Carves a fresh frame into blocks of one class; returns 0 when memory is exhausted. */
static int heap_refill(unsigned class)
{
    uint32_t frame = memory_frame_alloc();
    if (!frame)
        return 0;
    char *page = memory_physical_to_pointer(frame);
    size_t size = class_size(class) + HEADER_SIZE;
    for (size_t offset = 0; offset + size <= FRAME_SIZE; offset += size) {
        struct free_block *block = (struct free_block *)(page + offset);
        block->next = free_lists[class];
        free_lists[class] = block;
    }
    return 1;
}

static void *heap_alloc_large(size_t size)
{
    uint32_t frames = (uint32_t)((size + HEADER_SIZE + FRAME_SIZE - 1) / FRAME_SIZE);
    /* One frame may come from evicting a clean page; a run of frames only from free ones. */
    uint32_t physical = frames == 1 ? memory_frame_alloc() : memory_frames_alloc_contiguous(frames);
    if (!physical)
        return NULL;
    struct block_header *header = memory_physical_to_pointer(physical);
    *header = (struct block_header){ HEADER_MAGIC, LARGE, frames, (uint32_t)size };
    return header + 1;
}

void *kzalloc(size_t size)
{
    if (size == 0)
        size = 1;
    void *block;
    unsigned class = 0;
    while (class < CLASS_COUNT && class_size(class) < size)
        class++;
    if (class == CLASS_COUNT) {
        block = heap_alloc_large(size);
    } else {
        if (!free_lists[class] && !heap_refill(class))
            return NULL;
        struct block_header *header = (struct block_header *)free_lists[class];
        free_lists[class] = free_lists[class]->next;
        *header = (struct block_header){ HEADER_MAGIC, class, 0, (uint32_t)size };
        block = header + 1;
    }
    if (block) {
        memset(block, 0, size);
        bytes_in_use += size;
    }
    return block;
}

void kfree(void *block)
{
    if (!block)
        return;
    struct block_header *header = (struct block_header *)block - 1;
    if (header->magic != HEADER_MAGIC)
        panic("kfree(%p): not a heap block, or freed twice", block);
    header->magic = 0;
    bytes_in_use -= header->size;
    if (header->class == LARGE) {
        memory_frames_free((uint32_t)(uintptr_t)header, header->frames);
        return;
    }
    if (header->class >= CLASS_COUNT)
        panic("kfree(%p): corrupt header", block);
    struct free_block *free_block = (struct free_block *)header;
    free_block->next = free_lists[header->class];
    free_lists[header->class] = free_block;
}

size_t heap_bytes_in_use(void)
{
    return bytes_in_use;
}
