/*
 * Reclaiming destroyed banks.
 *
 *   DESTROY of a bank (or the end of the process a program load made it for)
 *     --> reclaim_start: the bank joins `dying` (at most CAIRN_DISK_DYING_BANKS);
 *         hardware mappings are dropped; from now on every object made from it
 *         or from a bank below it is "doomed": capabilities to it resolve as
 *         stale and its processes never run again
 *   reclaim_step, between time slices, in bounded steps:
 *     a pass visits every OID once, in RAM or only on disk (the map entry
 *     names the bank); a doomed object is destroyed and its units go back;
 *     a doomed bank is freed once it made nothing still live; a listed bank
 *     leaves `dying` when it is freed
 *
 * Nested banks take one pass per level. The list is part of every
 * checkpoint (the root record), like the objects themselves: a power cut in
 * the middle resumes the checkpoint's list and objects and goes on. A pass
 * that destroys nothing while banks are still listed means their counts were
 * wrong (a crafted image): the next pass frees them regardless, saying so.
 */
#include <stddef.h>
#include <arch/platform.h>
#include <cairn/disk_format.h>
#include <kernel/ckpt.h>
#include <kernel/klog.h>
#include <kernel/obj/objects.h>
#include <kernel/object.h>
#include <kernel/objstore.h>
#include <kernel/process.h>
#include <kernel/reclaim.h>
#include <kernel/sched.h>
#include <kernel/syscall.h>

enum { STEP_OIDS = 1024, STEP_DESTROYS = 64 };

uint32_t reclaim_dying_count;
uint32_t reclaim_objects, reclaim_banks;
static uint32_t dying[CAIRN_DISK_DYING_BANKS];  /* OIDs of the destroyed banks, oldest first */
static uint32_t scan_next = 1;          /* the next OID the pass visits */
static int pass_progress;               /* this pass destroyed or freed something */
static int pass_blocked;                /* this pass could not load an object (memory) */
static int pass_force;                  /* free doomed banks whatever their counts say */
static int pass_idle;                   /* the last pass ended having done nothing */
int reclaim_in_step;                    /* page_destroy leaves the flush to the step's end */
/* Since the list was last empty, for the debug line when it empties again (make bench): */
static uint64_t busy_since_cycles;      /* CPU cycles when the first bank was listed */
static uint64_t longest_step_cycles;    /* the longest reclaim_step, in CPU cycles */
static uint32_t objects_before, banks_before;   /* reclaim_objects, reclaim_banks then */

static int reclaim_listed(uint64_t oid)
{
    for (uint32_t i = 0; i < reclaim_dying_count; i++)
        if (dying[i] == oid)
            return 1;
    return 0;
}

/* Nothing is left to reclaim: one debug line (loglevel=3) with what it took. */
static void reclaim_report_done(void)
{
    klog(KLOG_DEBUG, "reclaim: done: %u objects and %u banks in %llu cycles; the longest step "
         "took %llu cycles", reclaim_objects - objects_before, reclaim_banks - banks_before,
         (unsigned long long)(platform_cycles() - busy_since_cycles),
         (unsigned long long)longest_step_cycles);
}

static void reclaim_unlist(uint64_t oid)
{
    for (uint32_t i = 0; i < reclaim_dying_count; i++) {
        if (dying[i] != oid)
            continue;
        for (uint32_t j = i + 1; j < reclaim_dying_count; j++)
            dying[j - 1] = dying[j];
        if (--reclaim_dying_count == 0)
            reclaim_report_done();
        sched_wake_frame_waiters();     /* a DESTROY or EXIT may wait for room in the list */
        return;
    }
}

static void reclaim_note_busy(void)
{
    busy_since_cycles = platform_cycles();
    longest_step_cycles = 0;
    objects_before = reclaim_objects;
    banks_before = reclaim_banks;
}

/* The bank that made bank (oid, version), from RAM or, without loading it, from its map entry;
 * 0 when there is none or it cannot be told. */
static int reclaim_parent(uint64_t *oid, uint32_t *version)
{
    uint32_t current;
    int state = object_oid_state(*oid, &current);
    if (state == OBJECT_OID_LIVE) {
        struct object *bank = object_lookup(*oid, *version);
        if (!bank || bank->type != CAIRN_TYPE_BANK)
            return 0;
        *oid = bank->bank;
        *version = bank->bank_version;
        return 1;
    }
    struct cairn_map_entry entry;
    if (state != OBJECT_OID_ON_DISK || !ckpt_stored_entry(*oid, &entry) ||
        entry.type != CAIRN_TYPE_BANK || entry.version != *version)
        return 0;
    *oid = entry.bank;
    *version = entry.bank_version;
    return 1;
}

/* Is the bank (oid, version), or one above it, listed? Nothing is loaded to find out, so a
 * bank left on disk for want of memory cannot hide a destroyed one above it. */
static int reclaim_bank_doomed(uint64_t oid, uint32_t version)
{
    for (uint32_t steps = 0; oid && steps <= CAIRN_BANK_DEPTH_MAX; steps++) {
        if (reclaim_listed(oid))
            return 1;
        if (!reclaim_parent(&oid, &version))
            return 0;
    }
    return 0;
}

int reclaim_doomed_slow(const struct object *object)
{
    if (object->type == CAIRN_TYPE_BANK && reclaim_listed(object->oid))
        return 1;
    return reclaim_bank_doomed(object->bank, object->bank_version);
}

int reclaim_check_start(struct bank *bank)
{
    if (!bank->object.bank)
        return CAIRN_E_BAD_ARGUMENT;
    if (bank->objects == 0 || reclaim_doomed(&bank->object))
        return CAIRN_OK;
    return reclaim_dying_count < CAIRN_DISK_DYING_BANKS ? CAIRN_OK : SYSCALL_WAIT_FRAME;
}

/* A bank that made nothing still live: freed, its unit back to the bank above (with whatever
 * units its counts still claimed, when it is freed by force). */
static void reclaim_free_bank(struct bank *bank)
{
    reclaim_banks++;
    bank_release_units(bank);
    bank_refund(&bank->object);
    uint64_t oid = bank->object.oid;
    object_free(&bank->object);
    reclaim_unlist(oid);
}

void reclaim_start(struct bank *bank)
{
    if (!bank->object.bank || reclaim_doomed(&bank->object))
        return;
    if (bank->objects == 0) {
        reclaim_free_bank(bank);
        return;
    }
    if (reclaim_dying_count == CAIRN_DISK_DYING_BANKS) {
        klog(KLOG_ERROR, "reclaim: bank %llu cannot be destroyed now: %u banks are being "
             "reclaimed", (unsigned long long)bank->object.oid, reclaim_dying_count);
        return;         /* reclaim_check_start refuses this before any call's commit point */
    }
    if (reclaim_dying_count == 0)
        reclaim_note_busy();
    dying[reclaim_dying_count++] = (uint32_t)bank->object.oid;
    pass_progress = 1;      /* a pass begun before it is no proof that its counts are wrong */
    space_flush_all_hardware();     /* no mapping of a doomed page outlives this call */
}

/* Destroys one doomed object; returns 1 if it did something. */
static int reclaim_destroy(struct object *object)
{
    if (object->type == CAIRN_TYPE_BANK) {
        struct bank *bank = (struct bank *)object;
        if (!object->bank)
            return 0;       /* the root bank is never destroyed, whatever an image lists */
        if (bank->objects && !pass_force)
            return 0;       /* what it made goes first */
        if (bank->objects)
            klog(KLOG_WARNING, "reclaim: bank %llu counted %u objects that do not exist; freed",
                 (unsigned long long)object->oid, bank->objects);
        reclaim_free_bank(bank);
    } else {
        object_destroy(object);
        reclaim_objects++;
    }
    pass_progress = 1;
    return 1;
}

/* The object at oid if it is doomed (loaded from disk if it must be), else NULL. */
static struct object *reclaim_find_doomed(uint32_t oid)
{
    uint32_t version;
    int state = object_oid_state(oid, &version);
    if (state == OBJECT_OID_ON_DISK) {
        struct cairn_map_entry entry;
        if (!ckpt_stored_entry(oid, &entry) || entry.type == CAIRN_TYPE_NONE)
            return NULL;
        if (!(entry.type == CAIRN_TYPE_BANK && reclaim_listed(oid)) &&
            !reclaim_bank_doomed(entry.bank, entry.bank_version))
            return NULL;
        version = entry.version;
    } else if (state != OBJECT_OID_LIVE) {
        return NULL;
    }
    struct object *object = object_lookup(oid, version);
    if (!object) {      /* short of memory: try again; damaged: it is gone for good */
        pass_blocked |= state == OBJECT_OID_ON_DISK && objstore_operation_short_of_memory();
        return NULL;
    }
    return reclaim_doomed_slow(object) ? object : NULL;
}

/* A pass is over: start the next. One that did nothing makes the next free by force; a forced
 * pass that did nothing either gives up (what is left can never be reached): the list drains.
 * Only a pass kept from objects by a shortage of memory tries again as it was. */
static void reclaim_end_pass(void)
{
    if (pass_force && !pass_progress && !pass_blocked) {
        klog(KLOG_WARNING, "reclaim: %u destroyed bank%s could not be reclaimed whole (their "
             "counts are wrong or objects of theirs are damaged); given up",
             reclaim_dying_count, reclaim_dying_count == 1 ? "" : "s");
        while (reclaim_dying_count)
            reclaim_unlist(dying[0]);
    }
    pass_force = !pass_progress && !pass_blocked;
    pass_idle = !pass_progress;
    pass_progress = pass_blocked = 0;
    scan_next = 1;
}

/* Visits up to STEP_OIDS OIDs, destroying up to STEP_DESTROYS objects. */
static void reclaim_visit_some(void)
{
    uint32_t destroyed = 0;
    for (uint32_t visited = 0; visited < STEP_OIDS && destroyed < STEP_DESTROYS; visited++) {
        if (scan_next >= object_oid_limit()) {
            reclaim_end_pass();
            return;
        }
        struct object *object = reclaim_find_doomed(scan_next++);
        if (object)
            destroyed += (uint32_t)reclaim_destroy(object);
    }
}

int reclaim_step(void)
{
    if (!reclaim_dying_count || !ckpt_stored_entries_ready())
        return 0;
    uint64_t started = platform_cycles();
    uint32_t destroyed_before = reclaim_objects;
    pass_idle = 0;
    reclaim_in_step = 1;
    reclaim_visit_some();
    reclaim_in_step = 0;
    if (reclaim_objects != destroyed_before)
        space_flush_all_hardware(); /* the frames of the pages it freed are mapped nowhere */
    uint64_t took = platform_cycles() - started;
    if (took > longest_step_cycles)
        longest_step_cycles = took;
    platform_interrupt_window();    /* the timer and the console are not kept waiting */
    return !pass_idle;
}

void reclaim_save(struct cairn_root_record *root)
{
    root->dying_count = reclaim_dying_count;
    for (uint32_t i = 0; i < CAIRN_DISK_DYING_BANKS; i++)
        root->dying_banks[i] = i < reclaim_dying_count ? dying[i] : 0;
}

/* A listed OID must be a stored Bank that is not the root one, or it could never leave. */
static int reclaim_listable(const struct cairn_root_record *root, uint32_t oid)
{
    struct cairn_map_entry entry;
    return oid != root->bank && ckpt_stored_entry(oid, &entry) && entry.type == CAIRN_TYPE_BANK;
}

void reclaim_resume(const struct cairn_root_record *root)
{
    reclaim_dying_count = 0;
    for (uint32_t i = 0; i < root->dying_count && i < CAIRN_DISK_DYING_BANKS; i++) {
        if (reclaim_listable(root, root->dying_banks[i]))
            dying[reclaim_dying_count++] = root->dying_banks[i];
        else
            klog(KLOG_WARNING, "reclaim: the checkpoint lists OID %u as a destroyed bank, but "
                 "it is not one that can be destroyed; passed over", root->dying_banks[i]);
    }
    reclaim_note_busy();
    if (reclaim_dying_count)
        klog(KLOG_INFO, "reclaim: %u destroyed bank%s still being reclaimed; going on",
             reclaim_dying_count, reclaim_dying_count == 1 ? " is" : "s are");
}
