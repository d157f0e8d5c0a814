/*
 * Checkpoints: a short snapshot pause, then the write-out while programs run.
 *
 *   CKPT_LOAD            at boot: the committed maps are read into the writer, one map
 *                        leaf a step, while the resumed programs already run
 *   CKPT_IDLE --(period, SYNC, output, dirty limit, frame shortage)--> ckpt_phase_snapshot
 *      the pause, between system calls: swap the change lists, copy the small
 *      objects (every Process; changed Endpoints, Banks, Space nodes), write the
 *      run list's chain when there are more than 640 processes, make every
 *      hardware mapping read-only; pages stay where they are (frozen)
 *   CKPT_WRITE_STAGED    the copies taken in the pause go to the log
 *   CKPT_WRITE_PAGES     frozen pages: from the copy a write made, else from their frame
 *   CKPT_RELOCATE        what the cleaner moves out of its victim segments, disk to disk
 *   CKPT_WRITE_CONSOLE   program output held at the snapshot (the root record points at it)
 *   CKPT_WRITE_FRAMES    network frames held at the snapshot (the same)
 *   CKPT_COMMIT          checkpoint/writer.c's steps: map, flush, root, flush, superblock,
 *                        each step announcing how far it got ("durable", "committed")
 *   --> durable: the output and frames it holds may go (kernel/output_commit.c), in
 *       bounded batches, the first at once and the rest between time slices, each batch
 *       recorded in a release record (blocks 2 and 3) as soon as it is at the serial
 *       port or the card
 *   --> CKPT_IDLE: answer the SYNC callers, record the frees made meanwhile, and give
 *       the pages written (or moved by the cleaner) their new blocks: only now are they
 *       clean and evictable, since until the commit the new block may not be on the disk
 *       yet (a batch still gathering or in flight) and the old one is the one in force
 *
 * Frozen pages. The pause takes the open change list (kernel/ckpt_changes.c)
 * as the frozen one, so it costs nothing per changed page. A page on the
 * frozen list is frozen until it is written: the first write to it after the
 * snapshot faults (every mapping is read-only) and page_frame_for_write copies
 * it for the log, the program keeping its frame. A frozen page nobody writes
 * reaches the disk straight from its frame, with no copy at all. With
 * ckpt.mode=copy the pause copies every frozen page instead (a policy to
 * compare, in make bench).
 *
 * The writer runs between user time slices: when no process is ready, until
 * it is done; otherwise for at most a timer tick, then programs get the next
 * one, and only while the CPU share allows. The share (kernel/cpu_share.h,
 * ckpt.max_share) charges the pause, the slices and the faults that only
 * tell the kernel a page changed to a budget that programs earn as they
 * run; when it is spent, a due snapshot and the writer's next slice wait, so
 * the period stretches and every program keeps its share of the CPU at any
 * ckpt.interval. Two things do not wait for the budget (they are charged
 * all the same, and the debt stops at the budget's cap, so the periodic
 * checkpoints come back soon after): processes waiting for frames (the writer makes pages clean
 * and evictable), and a SYNC caller waiting for its checkpoint; the writer
 * then takes a tick of two, or at once while frames are short. CKPT_LOAD is
 * the restart's work, not a checkpoint's: one tick of two, never charged.
 * Wait queues, run queues and hardware page tables are never written.
 *
 * This file is the state machine: the pause, the phases and their order, and
 * what starts, slices and ends them. Its state is one struct checkpoint
 * (kernel/ckpt_internal.h); what the write-out writes of each object is
 * kernel/ckpt_objects.c, and the release of held output once a checkpoint is
 * durable kernel/output_commit.c.
 */
#include <stddef.h>
#include <arch/platform.h>
#include <checkpoint/format.h>
#include <kernel/ckpt_internal.h>
#include <kernel/config.h>
#include <kernel/console.h>
#include <kernel/foreground.h>
#include <kernel/heap.h>
#include <kernel/klog.h>
#include <kernel/memory.h>
#include <kernel/nic.h>
#include <kernel/objstore.h>
#include <kernel/output_commit.h>
#include <kernel/panic.h>
#include <kernel/printf.h>
#include <kernel/process.h>
#include <kernel/reclaim.h>
#include <kernel/sched.h>
#include <kernel/stats.h>
#include <kernel/string.h>
#include <kernel/time.h>

enum {
    MIN_CAPACITY = 4096,        /* OIDs the writer's map describes at first; it grows by leaves */
    PAGES_PER_MIB = 256,
    SLICE_BLOCKS = 1024,        /* at most about this many blocks (4 MiB) in one slice */
};

uint32_t ckpt_count, ckpt_blocks, ckpt_copies;
uint32_t ckpt_last_pause_cycles, ckpt_last_blocks, ckpt_last_commit_cycles;

struct checkpoint ckpt;

/* --- the pause --------------------------------------------------------------------------- */

/* Copies one small object as it is now (what its type's stage op names); without memory for
 * the copy, writes it at once. */
static int ckpt_stage(struct object *object)
{
    const struct object_ops *ops = object_type_ops(object->type);
    uint32_t size = 0;
    uint8_t flags = 0;
    const void *data = ops->stage ? ops->stage(object, &size, &flags) : NULL;
    struct ckpt_staged *item = kzalloc(sizeof(*item) + size);
    if (!item)      /* no memory for a copy: the pause writes the object itself */
        return ckpt_write_small(object, flags, data);
    item->header = *object;
    item->flags = flags;
    if (size)
        memcpy(item->data, data, size);
    item->next = ckpt.staged;
    ckpt.staged = item;
    return STORE_OK;
}

/*
 * Every process (registers change all the time), and the run list of the root
 * record: every process once, the first 640 in processes[], the rest in a chain
 * of run-list blocks written now, in the pause (one block per 1012 processes,
 * against a copy of each of them).
 */
static int ckpt_stage_processes(void)
{
    writer_run_list_begin(&ckpt.root, &ckpt.run_list_block);
    for (struct process *process = process_first(); process; process = process->all_next) {
        int status = ckpt_stage(&process->object);
        if (status == STORE_OK)
            status = writer_run_list_add(&ckpt.writer, &ckpt.root, &ckpt.run_list_block,
                                         (uint32_t)process->object.oid);
        if (status != STORE_OK)
            return status;
    }
    return writer_run_list_end(&ckpt.writer, &ckpt.root, &ckpt.run_list_block);
}

/* Changed Endpoints, Banks and Space nodes (Processes are all staged anyway). */
static int ckpt_stage_changed_others(int frozen)
{
    struct object *object;
    while ((object = ckpt.changed_others[frozen].head) != NULL) {
        ckpt_list_remove(object, frozen);
        if (object->type == CAIRN_TYPE_PROCESS)
            continue;
        int status = ckpt_stage(object);
        if (status != STORE_OK)
            return status;
    }
    return STORE_OK;
}

/* ckpt.mode=copy: every frozen page is copied now (a page with no frame to spare stays frozen). */
static void ckpt_copy_frozen_pages(int frozen)
{
    for (struct object *object = ckpt.changed_pages[frozen].head; object;
         object = object->change_next[frozen]) {
        struct page *page = (struct page *)object;
        if (!page->frame || page->frozen_frame)
            continue;
        uint32_t copy = memory_frame_alloc();
        if (!copy)
            return;
        memcpy(memory_physical_to_pointer(copy), memory_physical_to_pointer(page->frame),
               FRAME_SIZE);
        page->frozen_frame = copy;
        page->dirty = 0;        /* the frame equals the copy until it is written again */
        ckpt_copies++;
    }
}

/* The cleaner's victims: their OIDs are copied to the log by CKPT_RELOCATE. */
static void ckpt_note_relocation(uint64_t oid, void *data)
{
    (void)data;
    if (ckpt.relocation_count < CKPT_RELOCATIONS)
        ckpt.relocations[ckpt.relocation_count++] = (uint32_t)oid;
}

/* The cleaner picks its victims while the log still has room for what this checkpoint
 * writes: every Process with the run list's chain, every changed object, the held output
 * (held: its bytes, counting the most the held frames can take). */
static void ckpt_choose_victims(uint32_t held)
{
    ckpt.relocation_count = ckpt.relocation_next = 0;
    uint32_t chain = stats.processes > CAIRN_DISK_PROCESSES
                     ? (stats.processes - CAIRN_DISK_PROCESSES) / CAIRN_DISK_RUN_LIST_OIDS + 1 : 0;
    writer_clean(&ckpt.writer, stats.processes + chain +
                 ckpt.changed_pages[ckpt.open_list].count +
                 ckpt.changed_others[ckpt.open_list].count +
                 (held + CAIRN_DISK_BLOCK_SIZE - 1) / CAIRN_DISK_BLOCK_SIZE,
                 ckpt_note_relocation, NULL);
}

/* Copies the small objects the frozen lists (and every Process) name; pages stay frozen. */
static int ckpt_stage_all(int frozen)
{
    ckpt.root = objstore->root;
    int status = ckpt_stage_processes();
    if (status == STORE_OK)
        status = ckpt_stage_changed_others(frozen);
    if (ckpt.frees_lost) {
        ckpt_record_freed_oids();
        ckpt.frees_lost = 0;
    }
    if (ckpt.copy_mode)
        ckpt_copy_frozen_pages(frozen);
    return status;
}

/* The rest of the root record: clocks, the held output and frames (pinned until they are
 * written), the reclaims under way, the console's foreground, the NIC object. */
static void ckpt_fill_root(uint32_t held)
{
    ckpt.root.flags &= ~CAIRN_ROOT_FRESH;
    ckpt.root.monotonic_ns = time_monotonic_nanoseconds();
    ckpt.root.wall_ns = time_wall_nanoseconds();
    ckpt.root.console = (struct cairn_disk_console){ .position = console_held_position(),
                                                     .length = held };
    console_held_pin();     /* released meanwhile, but kept for CKPT_WRITE_CONSOLE */
    output_commit_frames_snapshot(&ckpt.root.frames);
    reclaim_save(&ckpt.root);
    foreground_to_disk(&ckpt.root.foreground);
    nic_to_disk(&ckpt.root.nic);
}

void ckpt_phase_snapshot(void)
{
    uint64_t started = platform_cycles();
    uint32_t held = console_held_length();
    ckpt_choose_victims(held + CAIRN_DISK_FRAME_BLOCKS * CAIRN_DISK_BLOCK_SIZE);   /* frames: at most */
    writer_begin(&ckpt.writer);
    int frozen = ckpt.open_list;
    ckpt.open_list ^= 1;
    int status = ckpt_stage_all(frozen);
    space_protect_all_hardware();   /* the next write to any page faults, and is seen */
    ckpt_fill_root(held);
    ckpt.console_next = ckpt.frames_next = 0;
    ckpt.phase = CKPT_WRITE_STAGED;
    ckpt.snapshot_cycles = platform_cycles();
    uint64_t pause = ckpt.snapshot_cycles - started;
    ckpt_last_pause_cycles = pause > 0xFFFFFFFFull ? 0xFFFFFFFFu : (uint32_t)pause;
    if (status != STORE_OK)
        ckpt_fail("in its snapshot");
    sched_wake_frame_waiters();     /* writers that waited for the change limit go on */
}

/* --- the write-out phases, each a bounded step -------------------------------------------- */

static int ckpt_phase_write_staged(void)
{
    struct ckpt_staged *item = ckpt.staged;
    if (!item) {
        ckpt.phase = CKPT_WRITE_PAGES;
        return STORE_OK;
    }
    ckpt.staged = item->next;
    int status = ckpt_write_staged(item);
    kfree(item);
    return status;
}

static int ckpt_phase_write_pages(void)
{
    struct object *object = ckpt.changed_pages[ckpt.open_list ^ 1].head;
    if (!object) {
        ckpt.phase = CKPT_RELOCATE;
        return STORE_OK;
    }
    return ckpt_write_page((struct page *)object);
}

static int ckpt_phase_relocate(void)
{
    if (ckpt.relocation_next == ckpt.relocation_count) {
        ckpt.phase = CKPT_WRITE_CONSOLE;
        return STORE_OK;
    }
    return ckpt_relocate(ckpt.relocations[ckpt.relocation_next++]);
}

/* Block index of a channel's held stream (total bytes from position) to the log, through
 * copy, which takes them from where the channel holds them. */
static int ckpt_put_held_block(uint64_t position, uint32_t total, uint32_t index,
                               struct cairn_block_pointer *pointer,
                               void (*copy)(uint64_t position, void *buffer, uint32_t length))
{
    uint32_t offset = index * CAIRN_DISK_BLOCK_SIZE;
    uint32_t length = total - offset < CAIRN_DISK_BLOCK_SIZE ? total - offset
                                                             : CAIRN_DISK_BLOCK_SIZE;
    memset(ckpt.console_block, 0, sizeof(ckpt.console_block));
    copy(position + offset, ckpt.console_block, length);
    return writer_put_block(&ckpt.writer, ckpt.console_block, pointer);
}

/*
 * The output held at the snapshot, a block a step. It is still in the
 * console's ring: the output of earlier checkpoints may have gone to the port
 * since the snapshot, but the pin keeps its bytes from being written over.
 */
static int ckpt_phase_write_console(void)
{
    struct cairn_disk_console *console = &ckpt.root.console;
    if (ckpt.console_next * CAIRN_DISK_BLOCK_SIZE >= console->length) {
        console_held_unpin();
        ckpt.phase = CKPT_WRITE_FRAMES;
        return STORE_OK;
    }
    uint32_t index = ckpt.console_next++;
    return ckpt_put_held_block(console->position, console->length, index,
                               &console->blocks[index], console_held_copy);
}

/* The frames held at the snapshot, the same way, from the hold (pinned like the console). */
static int ckpt_phase_write_frames(void)
{
    struct cairn_disk_frames *frames = &ckpt.root.frames;
    if (ckpt.frames_next * CAIRN_DISK_BLOCK_SIZE >= frames->length) {
        output_commit_frames_unpin();
        ckpt.phase = CKPT_COMMIT;
        writer_commit_begin(&ckpt.writer);
        return STORE_OK;
    }
    uint32_t index = ckpt.frames_next++;
    return ckpt_put_held_block(frames->position, frames->length, index, &frames->blocks[index],
                               output_commit_frames_copy);
}

/* --- the commit, and after it ------------------------------------------------------------- */

static void ckpt_finish(void)
{
    ckpt_count++;
    ckpt_blocks += ckpt.writer.blocks_written;
    ckpt_last_blocks = ckpt.writer.blocks_written;
    uint64_t taken = platform_cycles() - ckpt.snapshot_cycles;
    ckpt_last_commit_cycles = taken > 0xFFFFFFFFull ? 0xFFFFFFFFu : (uint32_t)taken;
    ckpt.phase = CKPT_IDLE;
    ckpt_pages_committed();
    ckpt_record_pending_frees();
    sched_wake_output_waiters();    /* its output left when it became durable */
    sched_finish_syncs(CAIRN_OK, ckpt.writer.epoch);
    sched_wake_frame_waiters();     /* the pages written are clean now: evictable */
}

/* One step of the writer's commit; it says when the checkpoint is durable and when done. */
static int ckpt_phase_commit(void)
{
    enum writer_progress progress;
    int status = writer_commit_step(&ckpt.writer, &ckpt.root, &progress);
    if (progress == WRITER_DURABLE)
        output_commit_release(ckpt.writer.epoch, ckpt.root.console.length != 0,
                              ckpt.root.frames.count != 0);
    if (progress == WRITER_COMMITTED)
        ckpt_finish();
    return status;
}

/* Frames kept at boot for the stored leaves of the writer's map, which CKPT_LOAD makes. */
static uint32_t ckpt_leaf_frames_kept;

static void ckpt_unkeep_leaf_frames(uint32_t count)
{
    count = count < ckpt_leaf_frames_kept ? count : ckpt_leaf_frames_kept;
    memory_unkeep_frames(count);
    ckpt_leaf_frames_kept -= count;
}

/* A stored leaf for CKPT_LOAD, from the frames kept for it (a leaf takes one frame). */
static void *ckpt_zalloc_kept(size_t size)
{
    ckpt_unkeep_leaf_frames(1);
    return kzalloc(size);
}

/*
 * One leaf of the committed maps into the writer; at the end, checkpoints can start. A map
 * block that fails its check turns checkpoints off (none can be written without the whole
 * map); the programs go on, and whoever touches an object under it meets the damage.
 */
static int ckpt_phase_load(void)
{
    int status = writer_load_step(&ckpt.writer);
    if (status == STORE_NO_MEMORY)
        return STORE_OK;        /* only if the kept frames were taken: this leaf again later */
    if (status != STORE_OK) {
        ckpt_unkeep_leaf_frames(ckpt_leaf_frames_kept);
        ckpt.writer.epoch = objstore->root.header.epoch + 1;
        return status;          /* ckpt_fail says so */
    }
    if (ckpt.writer.load_pass == WRITER_LOAD_DONE) {
        ckpt_unkeep_leaf_frames(ckpt_leaf_frames_kept);
        ckpt.phase = CKPT_IDLE;
        ckpt_record_pending_frees();
        ckpt_adopt_free_oids();
    }
    return STORE_OK;
}

int ckpt_step(void)
{
    switch (ckpt.phase) {
    case CKPT_LOAD: return ckpt_phase_load();
    case CKPT_WRITE_STAGED: return ckpt_phase_write_staged();
    case CKPT_WRITE_PAGES: return ckpt_phase_write_pages();
    case CKPT_RELOCATE: return ckpt_phase_relocate();
    case CKPT_WRITE_CONSOLE: return ckpt_phase_write_console();
    case CKPT_WRITE_FRAMES: return ckpt_phase_write_frames();
    case CKPT_COMMIT: return ckpt_phase_commit();
    case CKPT_IDLE: break;
    }
    return STORE_OK;
}

/* A failed write: checkpoints stop, nothing frozen is lost from RAM, SYNC callers hear of it. */
void ckpt_fail(const char *when)
{
    klog(KLOG_ERROR, "checkpoint %llu failed %s: %s; checkpoints are off from now on",
         (unsigned long long)ckpt.writer.epoch, when, ckpt.writer.error);
    format_print(ckpt.off_reason, sizeof(ckpt.off_reason), "checkpoint %llu failed %s: %s",
                 (unsigned long long)ckpt.writer.epoch, when, ckpt.writer.error);
    ckpt.ready = 0;
    ckpt_objects_not_committed();
    ckpt.phase = CKPT_IDLE;
    console_held_unpin();
    output_commit_frames_unpin();
    sched_finish_syncs(CAIRN_E_NOT_DURABLE, ~0ull);
    output_commit_stop();
}

/* --- the CPU's share ---------------------------------------------------------------------- */

enum { SHARE_CAP_MS = 100 };    /* the credit and the debt hold at most the share of this much
                                   CPU time */

/* What programs earned since the last look: the share of their cycles, within the cap (none
 * until the cycle counter has been measured against the timer, a few ticks after boot; the
 * cap is worked out once then). */
static void ckpt_share_accrue(void)
{
    if (!ckpt.share_cap) {
        uint64_t window = platform_cycles_per_tick() * platform_tick_hz() * SHARE_CAP_MS / 1000;
        ckpt.share_cap = window * ckpt.share.percent / 100;
    }
    cpu_share_accrue(&ckpt.share, platform_cycles(), platform_idle_cycles, ckpt.share_cap);
}

/* Checkpoint work ran from these counters until now: charged if programs were ready, in full
 * if the budget allowed it (asked), else leaving no deeper debt than the cap. */
static void ckpt_share_took(enum ckpt_cpu cpu, int asked, uint64_t cycles, uint64_t idle)
{
    uint64_t took = platform_cycles() - cycles, waited = platform_idle_cycles - idle;
    if (cpu != CKPT_PROGRAMS_READY)
        cpu_share_free(&ckpt.share, took, waited);
    else if (asked)
        cpu_share_charge(&ckpt.share, took, waited);
    else
        cpu_share_charge_unasked(&ckpt.share, took, waited, ckpt.share_cap);
}

/* The noticing fault being answered (ckpt_fault_noticed): who took it, and the counters when
 * its handler was done, to charge the way back to user mode too. */
const struct process *ckpt_fault_process;
static uint64_t fault_done_cycles, fault_done_idle, fault_taken_then;

void ckpt_fault_noticed(const struct process *process, uint64_t trapped)
{
    if (!ckpt.ready)
        return;
    fault_done_cycles = platform_cycles();
    fault_done_idle = platform_idle_cycles;
    cpu_share_charge_unasked(&ckpt.share, fault_done_cycles - trapped, 0, ckpt.share_cap);
    fault_taken_then = ckpt.share.taken_total;
    ckpt_fault_process = process;
}

void ckpt_fault_answered(const struct process *entering)
{
    /* Only a straight way back: to another process, or after idling, it is not the fault's. */
    uint64_t took = platform_cycles() - fault_done_cycles;
    uint64_t others = ckpt.share.taken_total - fault_taken_then;   /* writer slices meanwhile */
    if (entering == ckpt_fault_process && platform_idle_cycles == fault_done_idle && took > others)
        cpu_share_charge_unasked(&ckpt.share, took - others, 0, ckpt.share_cap);
    ckpt_fault_process = NULL;
}

static uint32_t microseconds_u32(uint64_t nanoseconds)
{
    uint64_t us = nanoseconds / 1000;
    return us > 0xFFFFFFFFull ? 0xFFFFFFFFu : (uint32_t)us;
}

void ckpt_share_figures(struct ckpt_share_figures *figures)
{
    if (ckpt.ready)
        ckpt_share_accrue();        /* the programs' cycles up to now */
    uint64_t period_ns, newest_ns = cpu_share_newest_ns(&ckpt.share);
    cpu_share_recent(&ckpt.share, &period_ns, &figures->share_permille);
    figures->period_us = microseconds_u32(period_ns);
    figures->snapshot_age_us = ckpt.share.sample_count
                               ? microseconds_u32(time_monotonic_nanoseconds() - newest_ns) : 0;
    figures->checkpoint_cycles = ckpt.share.charged_total;
    figures->program_cycles = ckpt.share.program_total;
    figures->max_share = (uint32_t)config.ckpt_max_share;
}

/* Writes until the checkpoint commits, the next timer tick, SLICE_BLOCKS blocks, or (when
 * limit is not 0: the budget allowed the slice) about limit cycles; programs then get a tick
 * of their own. */
static void ckpt_write_slice(enum ckpt_cpu cpu, uint64_t limit)
{
    uint64_t tick = platform_ticks();
    uint64_t cycles = platform_cycles(), idle = platform_idle_cycles;
    uint32_t blocks_before = ckpt.writer.blocks_written;
    while (ckpt.ready && ckpt.phase != CKPT_IDLE) {
        if (ckpt_step() != STORE_OK) {
            ckpt_fail(ckpt.phase == CKPT_LOAD ? "reading the committed map" : "while writing");
            break;
        }
        if (platform_ticks() != tick ||
            ckpt.writer.blocks_written - blocks_before >= SLICE_BLOCKS ||
            (limit && platform_cycles() - cycles >= limit))
            break;
    }
    ckpt_share_took(cpu, limit != 0, cycles, idle);
    ckpt.next_slice_tick = platform_ticks() + 1;
}

/* --- setup and triggers ---------------------------------------------------------------------- */

/* The writer's memory: its map for capacity OIDs (or more; the stored leaves are made by
 * CKPT_LOAD, from frames kept now), its batches, its segment tables. */
static void ckpt_set_up_writer(uint32_t capacity)
{
    struct writer *writer = &ckpt.writer;
    writer->store = objstore;
    writer->zalloc = kzalloc;
    writer->zalloc_kept = ckpt_zalloc_kept;
    writer->release = kfree;
    int reserved = writer_load_begin(writer) == STORE_OK &&    /* read once programs run */
                   writer_reserve(writer, capacity > object_oid_limit() ? capacity
                                                                        : object_oid_limit()) &&
                   memory_keep_frames(writer->stored_leaves);
    ckpt_leaf_frames_kept = reserved ? writer->stored_leaves : 0;
    writer->batch = kzalloc((size_t)WRITER_BATCH_BUFFERS * WRITER_BATCH_BLOCKS *
                            CAIRN_DISK_BLOCK_SIZE);
    uint32_t segments = objstore->super.segment_count;
    writer->segment_live = kzalloc(segments * sizeof(uint16_t) + 4);
    writer->segment_used = kzalloc(segments + 4);
    if (!reserved || !writer->batch || !writer->segment_live || !writer->segment_used)
        fatal("no memory for the checkpoint writer (%u OIDs)", capacity);
}

void ckpt_init(void)
{
    /* Room for the stored OIDs (the map entries CKPT_LOAD reads, making their leaves from
     * frames kept now: nothing at boot zeroes a map that grows with the image); beyond that
     * the map grows a leaf at a time as OIDs are taken (ckpt_reserve_oids). */
    uint32_t capacity = (uint32_t)objstore->root.oid_limit;
    if (capacity < MIN_CAPACITY)
        capacity = MIN_CAPACITY;
    ckpt_set_up_writer(capacity);
    if (strcmp(config.ckpt_mode, "copy") == 0)
        ckpt.copy_mode = 1;
    else if (strcmp(config.ckpt_mode, "cow") != 0)
        klog(KLOG_WARNING, "option 'ckpt.mode': unknown policy '%s'; using 'cow'",
             config.ckpt_mode);
    if (!objstore->device->can_flush) {
        klog(KLOG_WARNING, "checkpoints off: the disk cannot flush its cache, so no write could "
             "ever be known to be durable");
        strlcpy(ckpt.off_reason, "the disk cannot flush its cache", sizeof(ckpt.off_reason));
        ckpt_unkeep_leaf_frames(ckpt_leaf_frames_kept);    /* no CKPT_LOAD will need them */
        return;
    }
    cpu_share_init(&ckpt.share, (uint32_t)config.ckpt_max_share, platform_cycles(),
                   platform_idle_cycles);
    ckpt.frees_lost = 1;    /* objects freed before the writer existed */
    ckpt.change_limit = format_change_limit(&objstore->super);
    ckpt.ready = 1;
    ckpt.phase = CKPT_LOAD;
    ckpt.next_slice_tick = UINT64_MAX;  /* the resumed programs first: ckpt_programs_entered */
    ckpt.next_ns = time_monotonic_nanoseconds() + (uint64_t)config.ckpt_interval * 1000000;
}

void ckpt_programs_entered(void)
{
    if (ckpt.next_slice_tick == UINT64_MAX)
        ckpt.next_slice_tick = platform_ticks() + 1;
}

int ckpt_enabled(void)
{
    return ckpt.ready;
}

const char *ckpt_off_reason(void)
{
    if (ckpt.ready)
        return "";
    if (!objstore)
        return "no store: booted from modules (boot=modules), nothing is kept";
    return ckpt.off_reason[0] ? ckpt.off_reason : "the checkpoint writer is not set up";
}

int ckpt_busy(void)
{
    return ckpt.ready && ckpt.phase != CKPT_IDLE;
}

uint64_t ckpt_open_epoch(void)
{
    if (ckpt.phase == CKPT_IDLE || ckpt.phase == CKPT_LOAD)
        return objstore->root.header.epoch + 1;
    return ckpt.writer.epoch + 1;
}

/* Is a checkpoint due: period over, a SYNC waiting, too much dirty, or programs short of frames? */
static int ckpt_due(void)
{
    uint32_t dirty_pages = ckpt.changed_pages[ckpt.open_list].count;
    if (sched_sync_waiting())
        return 1;
    uint64_t tick = platform_ticks(), held_since;
    if (tick != ckpt.tick_checked || config.ckpt_output_delay == 0) {
        ckpt.tick_checked = tick;
        uint64_t now = time_monotonic_nanoseconds();
        if (config.ckpt_interval && now >= ckpt.next_ns)
            return 1;
        if (output_commit_held_waiting(&held_since) &&
            now >= held_since + (uint64_t)config.ckpt_output_delay * 1000000)
            return 1;
    }
    if (config.ckpt_dirty_mib && dirty_pages >= (uint32_t)config.ckpt_dirty_mib * PAGES_PER_MIB)
        return 1;
    return sched_frame_waiting() &&
           (dirty_pages > 0 || ckpt.changed_others[ckpt.open_list].count > 0);
}

/* Do processes wait for a checkpoint (frames, SYNC)? They are helped whatever the budget. */
static int ckpt_waited_for(void)
{
    return sched_frame_waiting() || sched_sync_waiting();
}

/* Programs are ready and checkpoint work would take the CPU from them: may it? Yes while
 * processes wait for it (charged all the same); once refused, the budget is looked at again
 * in the next tick, not at every pass. */
static int ckpt_share_allows(void)
{
    if (ckpt_waited_for())
        return 1;
    uint64_t tick = platform_ticks();
    if (tick == ckpt.share_refused_tick)
        return 0;
    ckpt_share_accrue();
    if (cpu_share_allows(&ckpt.share))
        return 1;
    ckpt.share_refused_tick = tick;
    return 0;
}

void ckpt_maybe(enum ckpt_cpu cpu)
{
    if (!ckpt.ready)
        return;
    output_commit_poll();
    int ready = cpu == CKPT_PROGRAMS_READY;
    if (ckpt.phase == CKPT_IDLE) {
        if (!ckpt_due() || (ready && !ckpt_share_allows()))
            return;     /* not due, or checkpoints have had their share: the period stretches */
        if (config.ckpt_interval)
            ckpt.next_ns = time_monotonic_nanoseconds() + (uint64_t)config.ckpt_interval * 1000000;
        int asked = !ckpt_waited_for();
        uint64_t cycles = platform_cycles(), idle = platform_idle_cycles;
        ckpt_phase_snapshot();
        ckpt_share_took(cpu, asked, cycles, idle);
        cpu_share_sample(&ckpt.share, time_monotonic_nanoseconds());
        return;
    }
    int slice = !ready || sched_frame_waiting() || platform_ticks() >= ckpt.next_slice_tick;
    if (ckpt.phase == CKPT_LOAD) {
        if (slice)      /* the restart's work, not a checkpoint's: never charged */
            ckpt_write_slice(CKPT_CPU_IDLE, 0);
    } else if (!ready || sched_frame_waiting()) {
        ckpt_write_slice(cpu, 0);
    } else if (slice && ckpt_share_allows()) {
        /* Bounded by the budget, unless a SYNC caller waits: then by its tick alone. */
        ckpt_write_slice(cpu, sched_sync_waiting() ? 0 : cpu_share_available(&ckpt.share));
    }
}
