/*
 * Output commit: the release of held output, its records, and its resume at boot.
 *
 * Output leaves the machine only once the checkpoint covering the state that
 * produced it is durable, so no observer sees output from a state a power cut
 * then erases. Each held item carries the epoch of that checkpoint; today the
 * items are program bytes on the console (kernel/console.c holds them in its
 * ring and counts them by stream position since the image was made).
 *
 *   checkpoint E durable --output_commit_release(E)--> what epochs <= E hold may go:
 *      the console sends it in bounded batches, the first at once and the rest
 *      between time slices; each batch: serial port --> release record --> screen
 *   a release record     "released through position P": sealed before its batch goes
 *                        out, written (not waited for) once the batch is at the port,
 *                        to blocks 2 and 3 in turn; flushed once all that may go has gone
 *   at boot              output_commit_resume shows the resumed checkpoint's held bytes
 *                        past the newest record's position (they are durable)
 *
 * So a power cut between a commit and its release loses no line, and only a
 * cut between a batch and its record shows that batch twice (docs/abi.md).
 * The points of kernel/cut.c lie on this path.
 */
#include <stddef.h>
#include <checkpoint/blockdev.h>
#include <checkpoint/format.h>
#include <checkpoint/store.h>
#include <kernel/ckpt.h>
#include <kernel/config.h>
#include <kernel/console.h>
#include <kernel/cut.h>
#include <kernel/klog.h>
#include <kernel/objstore.h>
#include <kernel/output_commit.h>
#include <kernel/sched.h>
#include <kernel/string.h>

/* A record write or a flush: the kernel does not wait for them (a release step must stay
 * short), except for the buffer before the next record, and at boot. */
struct release_io {
    struct block_request request;
    volatile int busy;                  /* with the device; done() clears it */
    volatile int status;                /* enum block_status, set by done() */
};

static struct {
    /* Page-aligned: QEMU with O_DIRECT (tools/cairn-qemu --aio native) takes a write straight
     * from guest memory only when its buffer is aligned, and copies it through a worker
     * thread, later, when not (docs/abi.md, the output window). */
    struct cairn_release_record record __attribute__((aligned(4096)));
    uint8_t held_block[CAIRN_DISK_BLOCK_SIZE] __attribute__((aligned(4096)));  /* read at boot */
    uint32_t copy;                      /* where the next record goes: CAIRN_DISK_RELEASE_A/_B */
    int on;                             /* records are written: a writable store, no failure */
    int unflushed;                      /* a record was written since the last flush */
    int flush_due;                      /* all the output that may go has gone: flush them */
    struct release_io record_io, flush_io;  /* the record write and the flush in flight */
} release;

/* --- release records ---------------------------------------------------------------------- */

/* In interrupt context (or inside submit, for a polled driver). */
static void release_io_done(struct block_request *request, enum block_status status)
{
    struct release_io *io = request->context;
    io->status = status;
    io->busy = 0;
}

/* After a write or flush that failed: records stop, and the log says so once. */
static void release_io_check(struct release_io *io)
{
    if (io->busy || io->status == BLOCK_OK)
        return;
    if (io == &release.record_io)
        klog(KLOG_ERROR, "release records: writing block %u failed; no more are written, so "
             "after a power cut output may be shown twice", (uint32_t)io->request.block);
    else
        klog(KLOG_ERROR, "release records: flush failed; no more are written, so after a power "
             "cut output may be shown twice");
    io->status = BLOCK_OK;
    release.on = 0;
}

static void release_io_wait(struct release_io *io)
{
    while (io->busy)
        if (blockdev_wait_idle)
            blockdev_wait_idle();
    release_io_check(io);
}

/* Starts a write of the sealed record to block, or a flush; 0 (records off) when refused. */
static int release_io_submit(struct release_io *io, enum block_operation operation,
                             uint32_t block)
{
    int write = operation == BLOCK_WRITE;
    io->request = (struct block_request){ .operation = operation, .block = block,
                                          .count = write ? 1 : 0,
                                          .buffer = write ? &release.record : NULL,
                                          .done = release_io_done, .context = io };
    io->status = BLOCK_OK;
    io->busy = 1;
    int status = objstore->device->submit(objstore->device, &io->request);
    if (status != BLOCK_OK) {
        io->busy = 0;
        io->status = status;
        release_io_check(io);
    }
    return status == BLOCK_OK;
}

/* Failures are reported, and once all the output that may go has gone and its last record is
 * on the disk, a flush makes the records durable. */
void output_commit_poll(void)
{
    release_io_check(&release.record_io);
    release_io_check(&release.flush_io);
    if (!release.flush_due || release.record_io.busy || release.flush_io.busy)
        return;
    release.flush_due = 0;
    if (release.unflushed && release.on) {
        release.unflushed = 0;
        release_io_submit(&release.flush_io, BLOCK_FLUSH, 0);
    }
}

/* The console's caught_up: no output waits to go now. */
static void release_caught_up(void)
{
    release.flush_due = 1;
    output_commit_poll();
}

/* Waits for the records written so far to be durable (at boot). */
static void release_flush(void)
{
    release_io_wait(&release.record_io);
    release_io_wait(&release.flush_io);
    if (release.unflushed && release.on &&
        release_io_submit(&release.flush_io, BLOCK_FLUSH, 0))
        release_io_wait(&release.flush_io);
    release.unflushed = release.flush_due = 0;
}

/* The console's prepare: made before the batch goes out, so that only starting the write
 * follows it; the buffer is free once the previous record's write is done (long since, as a
 * rule). */
static void release_prepare(uint64_t through)
{
    if (release.on)
        release_io_wait(&release.record_io);
    if (!release.on)
        return;
    memset(&release.record, 0, sizeof(release.record));
    release.record.released = through;
    format_seal_block(&release.record, CAIRN_BLOCK_RELEASE, objstore->super.header.epoch,
                      release.copy);
}

/* Starts writing the sealed record to its copy and turns to the other; 0 when refused. */
static int release_write(void)
{
    if (!release_io_submit(&release.record_io, BLOCK_WRITE, release.copy))
        return 0;
    release.copy = release.copy == CAIRN_DISK_RELEASE_A ? CAIRN_DISK_RELEASE_B
                                                        : CAIRN_DISK_RELEASE_A;
    release.unflushed = 1;
    return 1;
}

/* The console's record: the batch is at the serial port; say so on the disk, in the copy not
 * written last. */
static void release_record(void)
{
    if (!release.on)
        return;
    cut_here(CUT_LINE);
    if (!release_write())
        return;
    if (cut_armed_for(CUT_RECORDED))
        release_io_wait(&release.record_io);    /* the cut must find it on the disk */
    cut_here(CUT_RECORDED);
    cut_disarm();           /* only its first batch */
}

/* Both copies say through: a record from a lost future (a newer checkpoint that turned out
 * unusable) must not hide output of the timeline going on from here. */
static void release_reset(uint64_t through)
{
    for (int i = 0; i < 2 && release.on; i++) {
        release_prepare(through);
        release_write();
    }
}

/* --- release, stop ------------------------------------------------------------------------ */

/* Output waits no longer than it must: the first batch goes at once. */
void output_commit_release(uint64_t epoch, int holding)
{
    cut_arm(holding);
    cut_here(CUT_DURABLE);
    console_release(epoch);
    console_release_step();
    cut_disarm();
}

void output_commit_stop(void)
{
    release.on = 0;         /* what is shown from here on is in no checkpoint */
    if (console_output_commit()) {
        klog(KLOG_WARNING, "output commit off: no checkpoint can commit the held output now");
        console_stop_output_commit();
        sched_wake_output_waiters();
    }
}

/* --- at boot ------------------------------------------------------------------------------ */

void output_commit_setup(void)
{
    if (!config.output_commit) {
        console_stop_output_commit();
        klog(KLOG_INFO, "output commit: off (output_commit=off): program output is shown at "
             "once, before the state that wrote it is durable");
    } else if (!ckpt_enabled()) {
        console_stop_output_commit();
        klog(KLOG_INFO, "output commit: off: no checkpoint can be taken, so program output is "
             "shown at once");
    } else {
        klog(KLOG_INFO, "output commit: on: program output is shown once its checkpoint is "
             "durable (within about %ld ms)", config.ckpt_output_delay);
    }
}

/* Reads the block of held output holding stream position at into held_block; returns how
 * many of its bytes from at on are held output (0: it failed its check). */
static uint32_t held_read(const struct cairn_disk_console *held, uint64_t at, uint64_t end)
{
    uint32_t index = (uint32_t)((at - held->position) / CAIRN_DISK_BLOCK_SIZE);
    uint32_t offset = (uint32_t)((at - held->position) % CAIRN_DISK_BLOCK_SIZE);
    if (store_read_console(objstore, &objstore->root, index, release.held_block) != STORE_OK)
        return 0;
    uint32_t length = CAIRN_DISK_BLOCK_SIZE - offset;
    return end - at < length ? (uint32_t)(end - at) : length;
}

/* Are all the blocks held output [from, end) lies in sound? Says what is lost when not. */
static int held_readable(const struct cairn_disk_console *held, uint64_t from, uint64_t end)
{
    for (uint64_t at = from; at < end;) {
        uint32_t length = held_read(held, at, end);
        if (!length) {
            klog(KLOG_ERROR, "output commit: %llu bytes of held output are lost: %s",
                 (unsigned long long)(end - from), objstore->error);
            return 0;
        }
        at += length;
    }
    return 1;
}

/* Shows held output [from, end), which held_readable found sound. */
static void held_show(const struct cairn_disk_console *held, uint64_t from, uint64_t end)
{
    klog(KLOG_INFO, "output commit: %llu bytes of output checkpoint %llu held never reached "
         "the console; showing them now", (unsigned long long)(end - from),
         (unsigned long long)objstore->root.header.epoch);
    for (uint64_t at = from; at < end;) {
        uint32_t offset = (uint32_t)((at - held->position) % CAIRN_DISK_BLOCK_SIZE);
        uint32_t length = held_read(held, at, end);
        console_show_stored((const char *)release.held_block + offset, length);
        at += length;
    }
}

void output_commit_resume(void)
{
    static const struct console_recorder recorder = { release_prepare, release_record,
                                                      release_caught_up };
    const struct cairn_disk_console *held = &objstore->root.console;
    uint64_t end = held->position + held->length, released = 0;
    uint32_t newest = CAIRN_DISK_RELEASE_B;
    int recorded = store_read_released(objstore, &released, &newest) == STORE_OK;
    release.on = ckpt_enabled();
    release.copy = newest == CAIRN_DISK_RELEASE_A ? CAIRN_DISK_RELEASE_B : CAIRN_DISK_RELEASE_A;
    console_set_recorder(&recorder);
    cut_parse_option();
    uint64_t from = !recorded || released < held->position ? held->position
                  : released > end ? end : released;
    console_set_position(from);
    if (from < end && !held_readable(held, from, end))
        console_set_position(end);
    else if (from < end)
        held_show(held, from, end);
    if (recorded && released > end)
        release_reset(end);
    release_flush();
}
