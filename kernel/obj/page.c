/* Page objects: 4 KiB of data, backed by a frame from the first touch on (read from disk if it has a home there). */
#include <cairn/disk_format.h>
#include <kernel/ckpt.h>
#include <kernel/heap.h>
#include <kernel/memory.h>
#include <kernel/obj/objects.h>
#include <kernel/objstore.h>
#include <kernel/reclaim.h>
#include <kernel/string.h>

struct page *page_create(void)
{
    return (struct page *)object_create(CAIRN_TYPE_PAGE, sizeof(struct page));
}

uint32_t page_frame(struct page *page)
{
    objstore_touch(page);
    if (page->frame)
        return page->frame;
    uint32_t frame = memory_frame_alloc();     /* evicts clean pages when it must */
    if (!frame)
        return 0;
    if (page->disk_block) {
        if (!objstore_read_page(page, frame)) {
            memory_frame_free(frame);   /* damaged: objstore_operation_damage says which */
            return 0;
        }
    } else
        memset(memory_physical_to_pointer(frame), 0, FRAME_SIZE);
    page->frame = frame;
    return frame;
}

uint32_t page_frame_for_write(struct page *page)
{
    if (!ckpt_may_change(&page->object))
        return 0;       /* the change limit: wait, as for a frame, for the next snapshot */
    uint32_t frame = page_frame(page);
    if (!frame)
        return 0;
    if (ckpt_page_frozen(page)) {
        /* The program keeps its frame (and every mapping of it); the log gets the copy. */
        uint32_t copy = memory_frame_alloc();
        if (!copy)
            return 0;
        memcpy(memory_physical_to_pointer(copy), memory_physical_to_pointer(frame), FRAME_SIZE);
        page->frozen_frame = copy;
        ckpt_copies++;
    }
    page->dirty = 1;
    ckpt_note_change(&page->object);
    return frame;
}

static void page_destroy(struct object *object)
{
    struct page *page = (struct page *)object;
    bank_refund(object);
    ckpt_page_destroying(page);     /* a checkpoint still owed this page's contents gets them now */
    if (page->frame) {
        /* No hardware mapping may outlive the frame before a program runs again: the
         * reclaimer drops them all once at the end of its step instead. */
        if (!reclaim_in_step)
            space_flush_all_hardware();
        memory_frame_free(page->frame);
    }
    objstore_forget(page);
    object_free(&page->object);
}

static struct object *page_make(struct bank *bank, uint32_t limit)
{
    (void)bank;
    (void)limit;
    return (struct object *)page_create();
}

/* A stored Page: no frame yet, its data stays on disk until first use (page_frame). */
static struct object *page_from_block(oid_t oid, const struct cairn_map_entry *entry)
{
    struct page *page = kzalloc(sizeof(struct page));
    if (!page)
        return NULL;
    page->disk_block = entry->block;
    page->disk_crc = entry->crc32c;
    ckpt_page_loaded(page, oid, entry->version);  /* a block the write-out is moving */
    return &page->object;
}

/* Never staged: Pages have their own change list and are written by ckpt_write_page. */
const struct object_ops page_ops = {
    .make = page_make,
    .destroy = page_destroy,
    .from_block = page_from_block,
};
