/*
 * What a checkpoint writes of each object, for the write-out phases of kernel/ckpt.c.
 *
 *   a small object     the copy the pause staged (or, without memory for one, the live
 *                      object) becomes an object record or a raw block, its map entry
 *                      naming the bank that made it
 *   a frozen page      from the copy a write made, else straight from its own frame
 *   a moved object     one in a segment the cleaner empties, copied block to block
 *   a freed OID        a free map entry at its new version
 *   at the commit      pages written or moved get their new blocks, and become clean
 *
 * A page keeps its old block, the one in force, until the commit: before it, its new block
 * may be in a batch still gathering or in flight.
 */
#include <stddef.h>
#include <kernel/ckpt_internal.h>
#include <kernel/heap.h>
#include <kernel/memory.h>
#include <kernel/objstore.h>
#include <kernel/string.h>

enum { PAGE_FLAGS = 0 };

/* --- writing one object ------------------------------------------------------------------ */

/* The map entry of oid names the bank that made it, so a reclaim finds it on disk too. */
static void ckpt_write_owner(const struct object *object)
{
    writer_set_owner(&ckpt.writer, object->oid, (uint32_t)object->bank, object->bank_version);
}

/*
 * Writes one small object as the pause saw it: header, its map entry's flags
 * and data, what its type's stage op gave (a Process: struct process; a Bank:
 * struct bank; a Space node: its slots). A raw-block type's data is its
 * block; a record type's to_record fills its record from it. Serves both
 * staged copies and, without memory for a copy, the live object itself.
 */
int ckpt_write_small(const struct object *header, uint8_t flags, const void *data)
{
    int status;
    struct cairn_object_record *record = &ckpt.record;
    const struct object_ops *ops = object_type_ops(header->type);
    if (!object_type_is_record(header->type)) {
        status = writer_put_object(&ckpt.writer, header->oid, header->version, header->type,
                                   flags, (void *)data, WRITER_RAW_BLOCK);
    } else {
        memset(record, 0, sizeof(*record));
        record->oid = header->oid;
        record->version = header->version;
        record->type = header->type;
        record->bank = header->bank;
        record->bank_version = header->bank_version;
        if (ops->to_record)
            ops->to_record(data, record);
        status = writer_put_object(&ckpt.writer, header->oid, header->version, header->type, 0,
                                   record, WRITER_OBJECT_RECORD);
    }
    if (status == STORE_OK)
        ckpt_write_owner(header);
    return status;
}

int ckpt_write_staged(struct ckpt_staged *item)
{
    return ckpt_write_small(&item->header, item->flags, item->data);
}

/*
 * Writes a frozen page (the copy a write made, else its frame) and takes it off the frozen
 * list. The block goes into a batch that may reach the disk only later, so the page stays
 * dirty (not evictable) and keeps its old block until the commit. The copy can go at once:
 * the batch holds its bytes.
 */
int ckpt_write_page(struct page *page)
{
    struct object *object = &page->object;
    uint32_t source = page->frozen_frame ? page->frozen_frame : page->frame;
    int status = STORE_OK;
    if (!source) {              /* never touched: zeros, or unchanged on disk */
        if (!page->disk_block)
            writer_put_entry(&ckpt.writer, object->oid, object->version, CAIRN_TYPE_PAGE);
        ckpt_write_owner(object);
    } else {
        status = writer_put_object(&ckpt.writer, object->oid, object->version, CAIRN_TYPE_PAGE,
                                   PAGE_FLAGS, memory_physical_to_pointer(source),
                                   WRITER_RAW_BLOCK);
        if (status != STORE_OK)
            return status;
        ckpt_write_owner(object);
        ckpt_page_pending(page);
        if (page->frozen_frame) {
            memory_frame_free(page->frozen_frame);
            page->frozen_frame = 0;
        }
    }
    ckpt_list_remove(object, ckpt.open_list ^ 1);
    return status;
}

/* A loaded page whose stored copy moved keeps pointing at it. */
void ckpt_page_moved(uint32_t oid)
{
    uint32_t version;
    if (object_oid_state(oid, &version) != OBJECT_OID_LIVE)
        return;
    struct object *object = object_lookup(oid, version);
    const struct cairn_map_entry *moved = writer_entry(&ckpt.writer, oid);
    /* Only the Page the moved block belongs to: not a newer one that took its OID since. */
    if (object && object->type == CAIRN_TYPE_PAGE && moved->version == object->version)
        ckpt_page_pending((struct page *)object);  /* the old block stays good until the commit */
}

/* Copies one object out of a victim segment, unless this checkpoint wrote it already. */
int ckpt_relocate(uint32_t oid)
{
    struct cairn_map_entry entry = *writer_entry(&ckpt.writer, oid);
    if (!entry.block || !writer_block_cleaning(&ckpt.writer, entry.block))
        return STORE_OK;
    int status = store_read_entry(objstore, oid, &entry, ckpt.relocation_block);
    if (status != STORE_OK) {
        strlcpy(ckpt.writer.error, objstore->error, sizeof(ckpt.writer.error));
        return status;
    }
    status = writer_put_object(&ckpt.writer, oid, entry.version, entry.type, entry.flags,
                               ckpt.relocation_block, object_type_is_record(entry.type)
                                                      ? WRITER_OBJECT_RECORD : WRITER_RAW_BLOCK);
    if (status == STORE_OK)
        writer_set_owner(&ckpt.writer, oid, entry.bank, entry.bank_version);
    if (status == STORE_OK && entry.type == CAIRN_TYPE_PAGE)
        ckpt_page_moved(oid);
    return status;
}

/*
 * The checkpoint committed: every page it wrote or moved has its new block from now on
 * (the old one may be reused), and a page nobody wrote since the snapshot is clean, so
 * evictable, since the disk has all of it.
 */
void ckpt_pages_committed(void)
{
    struct object *object;
    while ((object = ckpt.written_pages.head) != NULL) {
        struct page *page = (struct page *)object;
        ckpt_list_remove(object, CKPT_WRITTEN);
        const struct cairn_map_entry *entry = writer_entry(&ckpt.writer, object->oid);
        if (entry->type != CAIRN_TYPE_PAGE || entry->version != object->version || !entry->block)
            continue;
        page->disk_block = entry->block;
        page->disk_crc = entry->crc32c;
        if (!page->frame)
            continue;
        if (!(object->changed & (1u << ckpt.open_list)))
            page->dirty = 0;    /* nobody wrote it since the snapshot: the disk has it all */
        objstore_page_written(page);
    }
}

/*
 * The checkpoint failed: frozen pages go back among the changes, dirty (never written, so
 * never evicted), written pages keep the blocks in force (no segment is reused from here on)
 * and stay dirty if they were, and the staged copies go; nothing is lost from RAM.
 */
void ckpt_objects_not_committed(void)
{
    int frozen = ckpt.open_list ^ 1;
    struct object *object;
    while ((object = ckpt.changed_pages[frozen].head) != NULL) {
        struct page *page = (struct page *)object;
        if (page->frozen_frame) {
            memory_frame_free(page->frozen_frame);
            page->frozen_frame = 0;
        }
        if (page->frame)
            page->dirty = 1;    /* never written: must not be evicted */
        ckpt_list_remove(object, frozen);
        ckpt_note_change(object);
    }
    while ((object = ckpt.written_pages.head) != NULL)
        ckpt_list_remove(object, CKPT_WRITTEN);
    while (ckpt.staged) {
        struct ckpt_staged *item = ckpt.staged;
        ckpt.staged = item->next;
        kfree(item);
    }
}

/* --- freed OIDs ------------------------------------------------------------------------- */

/* OIDs freed since they were last written become free entries with their new version. */
void ckpt_record_freed_oids(void)
{
    uint32_t limit = object_oid_limit();
    for (uint32_t oid = 1; oid < limit && oid < ckpt.writer.capacity; oid++) {
        uint32_t version;
        if (object_oid_state(oid, &version) != OBJECT_OID_FREE)
            continue;
        const struct cairn_map_entry *entry = writer_entry(&ckpt.writer, oid);
        if (entry->type != CAIRN_TYPE_NONE || entry->version != version)
            writer_put_entry(&ckpt.writer, oid, version, CAIRN_TYPE_NONE);
    }
}

/* Frees made during the write-out belong to the next checkpoint: recorded now. */
void ckpt_record_pending_frees(void)
{
    for (uint32_t i = 0; i < ckpt.pending_free_count; i++) {
        uint32_t version;
        if (object_oid_state(ckpt.pending_frees[i], &version) == OBJECT_OID_FREE)
            writer_put_entry(&ckpt.writer, ckpt.pending_frees[i], version, CAIRN_TYPE_NONE);
    }
    ckpt.pending_free_count = 0;
}

/* The committed map's free OIDs that nobody looked up yet go back on the object table's free
 * list, so that OIDs freed before a restart are handed out again after it. */
void ckpt_adopt_free_oids(void)
{
    uint32_t limit = (uint32_t)objstore->root.oid_limit;
    for (uint32_t oid = 1; oid < limit && oid < ckpt.writer.capacity; oid++) {
        const struct cairn_map_entry *entry = writer_entry(&ckpt.writer, oid);
        if (entry->type == CAIRN_TYPE_NONE)
            object_mark_missing(oid, entry->version);
    }
}

void ckpt_note_free_oid(uint32_t oid, uint32_t version)
{
    if (!ckpt.ready || oid >= ckpt.writer.capacity)
        return;
    if (ckpt.phase == CKPT_IDLE)    /* for the next checkpoint */
        writer_put_entry(&ckpt.writer, oid, version, CAIRN_TYPE_NONE);
    else if (ckpt.pending_free_count < CKPT_PENDING_FREES)
        ckpt.pending_frees[ckpt.pending_free_count++] = oid;
    else
        ckpt.frees_lost = 1;
}

/* --- hooks from the rest of the kernel ------------------------------------------------------ */

void ckpt_page_destroying(struct page *page)
{
    if (ckpt.phase == CKPT_IDLE || !(page->object.changed & (1u << (ckpt.open_list ^ 1))))
        return;
    if (ckpt.ready && ckpt_write_page(page) != STORE_OK)
        ckpt_fail("writing a destroyed page");
}

void ckpt_page_loaded(struct page *page, uint64_t oid, uint32_t version)
{
    if (!ckpt.ready || ckpt.phase == CKPT_IDLE || ckpt.phase == CKPT_LOAD ||
        oid >= ckpt.writer.capacity)
        return;
    const struct cairn_map_entry *newest = writer_entry(&ckpt.writer, oid);
    if (newest->type == CAIRN_TYPE_PAGE && newest->version == version &&
        newest->block != page->disk_block)
        ckpt_page_pending(page);    /* the cleaner copied it: the new block from the commit on */
}

int ckpt_reserve_oids(uint32_t oid_limit)
{
    return !ckpt.writer.zalloc || writer_reserve(&ckpt.writer, oid_limit);
}

int ckpt_stored_entries_ready(void)
{
    return !ckpt.ready || ckpt.phase != CKPT_LOAD;
}

int ckpt_stored_entry(uint64_t oid, struct cairn_map_entry *entry)
{
    if (ckpt.ready && ckpt.phase != CKPT_LOAD) {
        if (oid >= ckpt.writer.capacity)
            return 0;
        *entry = *writer_entry(&ckpt.writer, oid);
        return 1;
    }
    return store_lookup(objstore, oid, entry) == STORE_OK;
}
