/*
 * In-kernel tests of the checkpoint's write-out and commit (ktest=NAME on an image booted
 * with --snapshot: they need the store, so ktest=all leaves them out). They drive the phases
 * of kernel/ckpt.c a step at a time through kernel/ckpt_internal.h.
 */
#include <stddef.h>
#include <kernel/ckpt_internal.h>
#include <kernel/ktest.h>
#include <kernel/memory.h>
#include <kernel/objstore.h>
#include <kernel/string.h>

/* Steps the write-out until the checkpoint under way commits. */
static void ckpt_ktest_run_to_idle(void)
{
    while (ckpt.ready && ckpt.phase != CKPT_IDLE)
        if (ckpt_step() != STORE_OK)
            ckpt_fail("in a test");
}

/* Evicts every clean page not used by the current operation. */
static void ckpt_ktest_evict(void)
{
    objstore_begin_operation();
    objstore_reclaim(0xFFFFFFFFu);
}

static int ckpt_ktest_holds(struct page *page, uint8_t fill)
{
    uint32_t frame = page_frame(page);
    const uint8_t *bytes = frame ? memory_physical_to_pointer(frame) : NULL;
    for (uint32_t i = 0; bytes && i < FRAME_SIZE; i++)
        if (bytes[i] != fill)
            return 0;
    return bytes != NULL;
}

/* A new page filled with fill, snapshotted and written into the batch being gathered; NULL
 * (after recording why) when that cannot be done. */
static struct page *ckpt_ktest_page_in_batch(struct ktest_context *context, uint8_t fill)
{
    KTEST_EXPECT(ckpt.ready);
    if (!ckpt.ready)
        return NULL;
    ckpt_ktest_run_to_idle();           /* the committed map, read in */
    struct page *page = page_create();
    uint32_t frame = page ? page_frame_for_write(page) : 0;
    KTEST_EXPECT(frame != 0);
    if (!frame)
        return NULL;
    memset(memory_physical_to_pointer(frame), fill, FRAME_SIZE);
    ckpt_phase_snapshot();
    while (ckpt.ready && (page->object.changed & (1u << (ckpt.open_list ^ 1))))
        if (ckpt_step() != STORE_OK)
            ckpt_fail("in a test");
    KTEST_EXPECT(ckpt.phase == CKPT_WRITE_PAGES || ckpt.phase == CKPT_RELOCATE);
    return page;
}

/*
 * A page written into a batch that has not reached the disk yet must stay in RAM (its new
 * block may hold anything still), and is evictable, with its new block, once the checkpoint
 * has committed. Before 2026-12-02 it was evictable at once and its re-read failed its check.
 */
KTEST_WITH_STORE(ckpt_page_clean_only_when_committed)
{
    struct page *page = ckpt_ktest_page_in_batch(context, 0x5c);
    if (!page)
        return;
    ckpt_ktest_evict();
    KTEST_EXPECT(page->frame != 0);     /* not clean before the commit */
    KTEST_EXPECT(ckpt_ktest_holds(page, 0x5c));
    ckpt_ktest_run_to_idle();
    const struct cairn_map_entry *entry = writer_entry(&ckpt.writer, page->object.oid);
    KTEST_EXPECT(!page->dirty && page->disk_block == entry->block);
    ckpt_ktest_evict();
    KTEST_EXPECT(page->frame == 0);     /* clean now: evicted */
    KTEST_EXPECT(ckpt_ktest_holds(page, 0x5c));     /* and read back from its new block */
}

/* A write-out that fails after a page went into its batch leaves the page dirty, in RAM: the
 * batch may never reach the disk. Before 2026-12-02 the page stayed clean and was evicted. */
KTEST_WITH_STORE(ckpt_failed_write_keeps_pages)
{
    struct page *page = ckpt_ktest_page_in_batch(context, 0xc3);
    if (!page)
        return;
    strlcpy(ckpt.writer.error, "a write failed (ktest)", sizeof(ckpt.writer.error));
    ckpt_fail("in a test");
    ckpt_ktest_evict();
    KTEST_EXPECT(page->frame != 0 && page->dirty);
    KTEST_EXPECT(ckpt_ktest_holds(page, 0xc3));
}

/*
 * Issue 15, item 1: a Page destroyed during a write-out leaves its OID, at a new version, to
 * the next Page made (the free list is last in, first out), while the map being written still
 * names the old Page's block until the commit. When the cleaner moves that block, the new Page
 * must not get it: it would read the destroyed Page's data.
 */
KTEST_WITH_STORE(ckpt_moved_block_goes_only_to_its_page)
{
    struct page *old = ckpt_ktest_page_in_batch(context, 0xa7);
    if (!old)
        return;
    ckpt_ktest_run_to_idle();               /* the old Page is in the committed map */
    uint32_t oid = (uint32_t)old->object.oid;
    ckpt_phase_snapshot();                  /* a write-out under way: frees wait for its commit */
    object_destroy(&old->object);
    struct page *new = page_create();
    KTEST_EXPECT(new && new->object.oid == oid);
    if (!new || new->object.oid != oid)
        return;
    ckpt_page_moved(oid);                   /* as the cleaner copying the old Page's block */
    ckpt_ktest_run_to_idle();
    KTEST_EXPECT(new->disk_block == 0);
    KTEST_EXPECT(ckpt_ktest_holds(new, 0));
}

/*
 * Boot makes nothing per stored OID: the object table's chunks wait for their OIDs' first
 * use and the writer's stored map leaves for CKPT_LOAD, which makes them from the frames kept
 * at boot. Done later, the work gives what boot used to: the writer's entry of every stored
 * OID is the committed map's, and a lookup of an OID whose chunk was not made finds it.
 */
KTEST_WITH_STORE(boot_leaves_the_table_and_map_of_stored_oids_for_later)
{
    uint32_t stored = (uint32_t)objstore->root.oid_limit;
    uint32_t leaves = ckpt.writer.stored_leaves;
    KTEST_EXPECT(stored > 256 && leaves >= 2);     /* two chunks, two leaves at least */
    KTEST_EXPECT(object_table_chunks_made() < (stored + 255) / 256);
    KTEST_EXPECT(ckpt.phase == CKPT_LOAD && ckpt.writer.leaves[leaves - 1] == NULL);
    KTEST_EXPECT(memory_frames.kept_count == leaves);
    ckpt_ktest_run_to_idle();           /* CKPT_LOAD reads the committed map */
    uint32_t made_before = object_table_chunks_made();
    KTEST_EXPECT(ckpt.ready && ckpt.phase == CKPT_IDLE && memory_frames.kept_count == 0);
    uint32_t mismatched = 0;
    for (uint32_t oid = 1; oid < stored; oid++) {
        struct cairn_map_entry entry;
        mismatched += store_lookup(objstore, oid, &entry) != STORE_OK ||
                      memcmp(writer_entry(&ckpt.writer, oid), &entry, sizeof(entry)) != 0;
    }
    KTEST_EXPECT(mismatched == 0);
    struct cairn_map_entry last;
    KTEST_EXPECT(store_lookup(objstore, stored - 1, &last) == STORE_OK);
    objstore_begin_operation();
    struct object *object = object_lookup(stored - 1, last.version);
    KTEST_EXPECT(last.type == CAIRN_TYPE_NONE ? object == NULL
                                              : object != NULL && object->type == last.type);
    uint32_t version;
    KTEST_EXPECT(object_oid_state(stored - 1, &version) != OBJECT_OID_ON_DISK);
    KTEST_EXPECT(object_table_chunks_made() <= made_before + 1);
}
