/*
 * The kernel's side of the store.
 *
 * At boot the system disk's newest checkpoint is opened (checkpoint/store.c
 * checks everything it reads). Objects stay on disk until first touched:
 * object_lookup calls objstore_load, which installs the object under its own
 * OID and version; a Page gets its frame and its data only when it is used.
 * RAM is a cache: when frames run short, clean pages that have a home on disk
 * give their frames back (oldest first) and are read again on their next use.
 * Reads are synchronous for now: the kernel waits for the disk with
 * interrupts on, which keeps a call atomic but stalls other processes.
 *
 * Nothing a program does stops the kernel here. An object that cannot get
 * memory stays on disk and the current operation is marked short of memory
 * (the call or fault waits for frames and runs again); a block that fails
 * its check is logged with its OID and block and marks the operation
 * damaged (the call fails with CAIRN_E_DAMAGED, the fault stops only the
 * process that touched it). Stored programs are read a page at a time.
 */
#include <stddef.h>
#include <kernel/ckpt.h>
#include <kernel/disk.h>
#include <kernel/heap.h>
#include <kernel/klog.h>
#include <kernel/memory.h>
#include <kernel/obj/objects.h>
#include <kernel/objstore.h>
#include <kernel/panic.h>
#include <kernel/reclaim.h>
#include <kernel/time.h>
#include <kernel/string.h>
#include <checkpoint/store.h>

enum { EVICT_BATCH = 64 };

struct store *objstore;
uint32_t objstore_evictions, objstore_page_reads;

/* Resident disk-backed pages, oldest first: the eviction order. */
static struct page *resident_head, *resident_tail;
/* The current call or fault; pages stamped with it are in use and stay. */
static uint32_t operation_stamp = 1;

/* What the store could not do for the current call or fault (reset by objstore_begin_operation). */
static struct {
    int short_of_memory;        /* an object could not be loaded for want of memory */
    uint32_t damaged;           /* blocks that failed their check (the first one is kept) */
    struct objstore_damage first;
} trouble;

/* The wall clock jumps across a power-off: say by how much, rather than hide it. */
static void objstore_report_wall_clock(void)
{
    char now[32], then[32];
    time_format_wall(now, sizeof(now), time_boot_wall_ns);
    time_format_wall(then, sizeof(then), time_resumed_wall_ns);
    if (!time_boot_wall_ns || !time_resumed_wall_ns || time_boot_wall_ns < time_resumed_wall_ns)
        klog(KLOG_INFO, "wall clock: %s; the checkpoint was taken at %s", now, then);
    else
        klog(KLOG_INFO, "wall clock: %s; the checkpoint was taken at %s, %llu s before", now,
             then, (unsigned long long)((time_boot_wall_ns - time_resumed_wall_ns) / 1000000000ull));
}

void objstore_boot(void)
{
    struct block_device *disk = disk_system();
    if (!disk)
        fatal("no disk: Cairn boots from its store; attach an image "
              "(tools/cairn-qemu --disk FILE; make builds build/fresh.img)");
    objstore = kzalloc(sizeof(struct store));
    if (!objstore)
        fatal("no memory for the store");
    if (store_open(objstore, disk) != STORE_OK)
        fatal("cannot boot from the disk: %s", objstore->error);
    if (objstore->rejected[0])
        klog(KLOG_WARNING, "store: a newer checkpoint was rejected: %s", objstore->rejected);
    memory_set_reclaimer(objstore_reclaim);
    if (!object_table_reserve_store((uint32_t)objstore->root.oid_limit))
        fatal("no memory for the object table of %llu objects",
              (unsigned long long)objstore->root.oid_limit);
    reclaim_resume(&objstore->root);
    if (!(objstore->root.flags & CAIRN_ROOT_FRESH)) {
        time_resume_from(objstore->root.monotonic_ns, objstore->root.wall_ns);
        objstore_report_wall_clock();
        objstore->root.restart_count++;     /* kept by the next checkpoint */
    }
    klog(KLOG_INFO, "store: checkpoint epoch %llu (superblock %c), %llu objects%s",
         (unsigned long long)objstore->root.header.epoch, objstore->superblock_block ? 'B' : 'A',
         (unsigned long long)objstore->root.oid_limit - 1,
         objstore->root.flags & CAIRN_ROOT_FRESH ? ", fresh image" : "");
}

/* An object of a record type (Process, Endpoint, Bank) from its object record. */
static struct object *objstore_make_from_record(oid_t oid, const struct cairn_map_entry *entry,
                                                const struct object_ops *ops)
{
    static struct cairn_object_record record;
    if (store_read_record(objstore, oid, entry, &record) != STORE_OK) {
        objstore_note_damage(oid, entry->block, objstore->error);
        return NULL;
    }
    const char *damage = NULL;
    struct object *object = ops->from_record(&record, &damage);
    if (!object && damage)
        objstore_note_damage(oid, entry->block, damage);
    return object;
}

void objstore_note_damage(oid_t oid, uint32_t block, const char *why)
{
    klog(KLOG_ERROR, "store: OID %llu at block %u failed its check (%s)",
         (unsigned long long)oid, block, why);
    if (trouble.damaged++)
        return;
    trouble.first.oid = oid;
    trouble.first.block = block;
}

const struct objstore_damage *objstore_operation_damage(void)
{
    return trouble.damaged ? &trouble.first : NULL;
}

int objstore_operation_short_of_memory(void)
{
    return trouble.short_of_memory;
}

void objstore_note_short_of_memory(void)
{
    trouble.short_of_memory = 1;
}

/* The map entry of oid, checked; 0 (after noting the damage) when the map cannot give it. */
static int objstore_lookup_checked(oid_t oid, struct cairn_map_entry *entry)
{
    int status = store_lookup(objstore, oid, entry);
    if (status == STORE_OK)
        return 1;
    if (status != STORE_NOT_FOUND)
        objstore_note_damage(oid, 0, objstore->error);     /* block 0: the map itself */
    return 0;
}

void objstore_load(oid_t oid)
{
    struct cairn_map_entry entry;
    if (!objstore_lookup_checked(oid, &entry))
        return;
    if (entry.type == CAIRN_TYPE_NONE) {
        object_mark_missing(oid, entry.version);    /* a free OID: its version still counts */
        return;
    }
    uint32_t damaged_before = trouble.damaged;
    const struct object_ops *ops = object_type_ops(entry.type);    /* store_lookup checked it */
    struct object *object = ops->from_record ? objstore_make_from_record(oid, &entry, ops)
                                             : ops->from_block(oid, &entry);
    if (object) {
        object->type = entry.type;
        object->bank = entry.bank;      /* the map names every object's bank, on disk too */
        object->bank_version = entry.bank_version;
        object_install(object, oid, entry.version);
    }
    else if (trouble.damaged == damaged_before)
        objstore_note_short_of_memory();    /* it stays on disk; the operation waits for frames */
}

static void resident_append(struct page *page)
{
    page->resident_next = NULL;
    page->resident_previous = resident_tail;
    if (resident_tail)
        resident_tail->resident_next = page;
    else
        resident_head = page;
    resident_tail = page;
}

void objstore_forget(struct page *page)
{
    if (page->resident_previous)
        page->resident_previous->resident_next = page->resident_next;
    else if (resident_head == page)
        resident_head = page->resident_next;
    if (page->resident_next)
        page->resident_next->resident_previous = page->resident_previous;
    else if (resident_tail == page)
        resident_tail = page->resident_previous;
    page->resident_next = page->resident_previous = NULL;
}

void objstore_page_written(struct page *page)
{
    objstore_forget(page);
    resident_append(page);      /* a clean copy now: evictable */
}

int objstore_read_block(oid_t oid, const struct cairn_map_entry *entry, void *buffer)
{
    if (store_read_entry(objstore, oid, entry, buffer) != STORE_OK) {
        objstore_note_damage(oid, entry->block, objstore->error);
        return 0;
    }
    return 1;
}

int objstore_read_page(struct page *page, uint32_t frame)
{
    struct cairn_map_entry entry = { .block = page->disk_block, .crc32c = page->disk_crc,
                                     .version = page->object.version, .type = CAIRN_TYPE_PAGE };
    if (!objstore_read_block(page->object.oid, &entry, memory_physical_to_pointer(frame)))
        return 0;
    objstore_page_reads++;
    resident_append(page);
    return 1;
}

void objstore_clear_trouble(void)
{
    trouble.short_of_memory = 0;
    trouble.damaged = 0;
}

void objstore_begin_operation(void)
{
    operation_stamp++;
    objstore_clear_trouble();
}

void objstore_touch(struct page *page)
{
    page->use_stamp = operation_stamp;
}

uint32_t objstore_reclaim(uint32_t wanted)
{
    if (wanted < EVICT_BATCH)
        wanted = EVICT_BATCH;
    uint32_t freed = 0;
    struct page *page = resident_head;
    /* No hardware mapping may outlive a frame: drop them all once, before freeing any. */
    if (page)
        space_flush_all_hardware();
    while (page && freed < wanted) {
        struct page *next = page->resident_next;
        /* Not dirty, not in use, and not waiting for a checkpoint to write it. */
        if (!page->dirty && page->use_stamp != operation_stamp && page->frame &&
            !page->object.changed && !page->frozen_frame) {
            objstore_forget(page);
            memory_frame_free(page->frame);
            page->frame = 0;
            freed++;
        }
        page = next;
    }
    objstore_evictions += freed;
    return freed;
}

int objstore_find_program(const char *name, struct cairn_disk_program *program)
{
    int status = store_find_program(objstore, &objstore->root, name, program);
    if (status == STORE_NOT_FOUND)
        return CAIRN_E_NOT_FOUND;
    if (status != STORE_OK) {
        /* The one caller that looked fails; the table stays on disk for the next to try. */
        klog(KLOG_ERROR, "store: the program table failed its check looking for '%s' (%s)",
             name, objstore->error);
        return CAIRN_E_DAMAGED;
    }
    /* 64-bit: a size near 4 GiB must not wrap to zero pages. */
    uint64_t pages = ((uint64_t)program->size + CAIRN_DISK_BLOCK_SIZE - 1) / CAIRN_DISK_BLOCK_SIZE;
    if (pages > objstore->super.device_blocks) {
        klog(KLOG_ERROR, "store: program '%.20s' says it is %u bytes (%llu pages), more than the "
             "disk's %u blocks; refused", program->name, program->size, (unsigned long long)pages,
             objstore->super.device_blocks);
        return CAIRN_E_DAMAGED;
    }
    return CAIRN_OK;
}

int objstore_read_program_page(const void *file, uint32_t index, uint8_t *buffer)
{
    const struct cairn_disk_program *program = file;
    oid_t oid = (oid_t)program->first_page + index;
    struct cairn_map_entry entry;
    if (!objstore_lookup_checked(oid, &entry))
        return CAIRN_E_DAMAGED;
    if (entry.type != CAIRN_TYPE_PAGE) {
        objstore_note_damage(oid, entry.block, "a page of a stored program is not a Page");
        return CAIRN_E_DAMAGED;
    }
    return objstore_read_block(oid, &entry, buffer) ? CAIRN_OK : CAIRN_E_DAMAGED;
}
