/*
 * The restore policy: eager loading of a resumed system.
 *
 * restore=lazy (the default) leaves every object on disk until it is first
 * touched. restore=eager walks the store's OIDs [1, oid_limit) once before
 * the first process runs: object_lookup installs each object (Space nodes
 * take a frame each), then page_frame reads each stored Page's data. RAM is
 * only a cache, so the walk stops, leaving the rest to demand loading, once
 * free frames fall to a reserve kept for the programs and the checkpoint;
 * pages already read are never evicted to make room for more.
 */
#include <stdint.h>
#include <kernel/config.h>
#include <kernel/klog.h>
#include <kernel/memory.h>
#include <kernel/obj/objects.h>
#include <kernel/objstore.h>
#include <kernel/restore.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <checkpoint/store.h>

/* Frames eager loading leaves free: 1/8 of memory, at least this many (4 MiB). */
enum { RESTORE_RESERVE_FRAMES_MIN = 1024, RESTORE_RESERVE_SHARE = 8 };

struct restore_tally {
    uint32_t objects;           /* objects installed in the object table */
    uint32_t pages;             /* Pages whose data was read from the disk */
    uint32_t oid_stopped;       /* the OID the walk stopped at for lack of frames; 0 = none */
};

static uint32_t restore_reserve_frames(void)
{
    uint32_t share = memory_total_frames() / RESTORE_RESERVE_SHARE;
    return share > RESTORE_RESERVE_FRAMES_MIN ? share : RESTORE_RESERVE_FRAMES_MIN;
}

/* Loads one stored OID (and its data, for a Page); returns 0 when frames ran low first. */
static int restore_load_one(oid_t oid, uint32_t reserve, struct restore_tally *tally)
{
    struct cairn_map_entry entry;
    if (store_lookup(objstore, oid, &entry) != STORE_OK || entry.type == CAIRN_TYPE_NONE)
        return 1;               /* a free OID, or one a lookup will report when touched */
    if (memory_free_frames() <= reserve)
        return 0;
    struct object *object = object_lookup(oid, entry.version);
    if (!object)
        return 1;
    tally->objects++;
    if (object->type != CAIRN_TYPE_PAGE)
        return 1;
    struct page *page = (struct page *)object;
    if (!page->disk_block || page->frame)
        return 1;               /* a zero page has nothing to read */
    if (!page_frame(page))
        return 0;
    tally->pages++;
    return 1;
}

static void restore_eager(void)
{
    uint64_t started = time_monotonic_nanoseconds();
    uint32_t oid_limit = (uint32_t)objstore->root.oid_limit;
    uint32_t reserve = restore_reserve_frames();
    struct restore_tally tally = { 0, 0, 0 };
    /* One operation: every page read is stamped with it, so none evicts another. */
    objstore_begin_operation();
    for (uint32_t oid = 1; oid < oid_limit; oid++) {
        if (!restore_load_one(oid, reserve, &tally)) {
            tally.oid_stopped = oid;
            break;
        }
    }
    uint64_t elapsed_ms = (time_monotonic_nanoseconds() - started) / 1000000;
    if (tally.oid_stopped)
        klog(KLOG_INFO, "restore=eager: frames ran low at OID %u of %u (%u frames kept free); "
             "loaded %u objects, %u pages (%u KiB) in %llu ms; the rest loads on first touch",
             tally.oid_stopped, oid_limit - 1, reserve, tally.objects, tally.pages,
             tally.pages * 4, (unsigned long long)elapsed_ms);
    else
        klog(KLOG_INFO, "restore=eager: loaded all %u objects, %u pages (%u KiB) in %llu ms "
             "before resuming", tally.objects, tally.pages, tally.pages * 4,
             (unsigned long long)elapsed_ms);
}

void restore_apply(void)
{
    int eager = strcmp(config.restore, "eager") == 0;
    if (!eager && strcmp(config.restore, "lazy") != 0) {
        klog(KLOG_WARNING, "option 'restore': unknown policy '%s' (lazy, eager); using lazy",
             config.restore);
        strlcpy(config.restore, "lazy", sizeof(config.restore));
    }
    if (eager && objstore && !(objstore->root.flags & CAIRN_ROOT_FRESH))
        restore_eager();
}
