/*
 * Output commit: the release of held output, its records, and its resume at boot.
 *
 * Output leaves the machine only once the checkpoint covering the state that
 * produced it is durable, so no observer sees output from a state a power cut
 * then erases. Each held item carries the epoch of that checkpoint. Two
 * channels go through here: program bytes on the console (kernel/console.c
 * holds them in its ring) and network frames (held here, in a ring of their
 * own); each counts its items by stream position since the image was made.
 *
 *   checkpoint E durable --output_commit_release(E)--> what epochs <= E hold may go:
 *      the console sends it in bounded batches, the first at once and the rest
 *      between time slices; each batch: serial port --> release record --> screen
 *      frames go to the card in batches the same way, each batch: card --> record
 *   a release record     "released through console position P and frame position F":
 *                        sealed before a console batch goes out, written (not waited
 *                        for) once the batch is at the port or the card, to blocks 2 and
 *                        3 in turn; flushed once all that may go has gone
 *   at boot              output_commit_resume shows the resumed checkpoint's held bytes
 *                        past the newest record's P and sends its held frames past F
 *                        (they are durable)
 *
 * So a power cut between a commit and its release loses no line and no frame,
 * and only a cut between a batch and its record shows that batch twice, or
 * sends those frames twice (docs/abi.md). The points of kernel/cut.c lie on
 * this path.
 *
 * Held frames: a byte ring of FRAMES_RING bytes holds the frame stream, each
 * frame as its 16-bit length and its bytes (the layout the checkpoint writes,
 * struct cairn_disk_frames), and a ring of FRAMES_MAX marks the epoch of each
 * frame. SEND waits for room (frames and bytes); a snapshot pins the stream
 * it holds until CKPT_WRITE_FRAMES has written it.
 */
#include <stddef.h>
#include <checkpoint/blockdev.h>
#include <checkpoint/format.h>
#include <checkpoint/store.h>
#include <kernel/ckpt.h>
#include <kernel/config.h>
#include <kernel/console.h>
#include <kernel/cut.h>
#include <kernel/nic.h>
#include <kernel/klog.h>
#include <kernel/objstore.h>
#include <kernel/output_commit.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/time.h>

enum {
    FRAMES_RING = 65536,        /* bytes of the ring; a power of two */
    FRAMES_BYTES = CAIRN_DISK_FRAME_BLOCKS * CAIRN_DISK_BLOCK_SIZE,    /* held at most (56 KiB) */
    FRAMES_MAX = 64,            /* frames held at most */
    FRAMES_BATCH = 16,          /* frames a release step sends at most */
    FRAME_LENGTH_SIZE = 2,      /* each frame's length before it in the stream */
};

/* Network frames sent by programs and not yet given to the card. Positions are stream
 * positions (bytes since the image was made); the ring holds [tail, head). */
static struct {
    uint8_t ring[FRAMES_RING];
    uint64_t head, tail;        /* tail: the first frame not yet sent */
    uint64_t pin;               /* a write-out still copies the stream from here on */
    int pinned;
    uint64_t epochs[FRAMES_MAX];    /* the checkpoint each held frame waits for, oldest first */
    uint64_t since_ns[FRAMES_MAX];  /* when it was held */
    uint32_t first, count;      /* epochs[first] is the tail's frame's */
    uint64_t release_epoch;     /* the newest committed checkpoint: its frames and older may go */
    int holding;                /* output commit on for frames */
    uint8_t out[CAIRN_NIC_FRAME_MAX];   /* one frame, linear, for the card */
} frames = { .holding = 1 };

uint32_t frames_sent;           /* frames handed to the card since boot */

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
    release.record.frames_released = frames.tail;
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

/* Both copies say through (and the frames' tail): a record from a lost future (a newer
 * checkpoint that turned out unusable) must not hide output of the timeline going on from here. */
static void release_reset(uint64_t through)
{
    for (int i = 0; i < 2 && release.on; i++) {
        release_prepare(through);
        release_write();
    }
}

/* --- held network frames ------------------------------------------------------------------ */

static void frames_copy_in(uint64_t at, const void *from, uint32_t length)
{
    for (uint32_t i = 0; i < length; i++)
        frames.ring[(at + i) % FRAMES_RING] = ((const uint8_t *)from)[i];
}

static void frames_copy_out(uint64_t at, void *to, uint32_t length)
{
    for (uint32_t i = 0; i < length; i++)
        ((uint8_t *)to)[i] = frames.ring[(at + i) % FRAMES_RING];
}

/* The length of the frame whose length field is at stream position at. */
static uint32_t frames_length_at(uint64_t at)
{
    uint8_t size[FRAME_LENGTH_SIZE];
    frames_copy_out(at, size, sizeof(size));
    return (uint32_t)size[0] | (uint32_t)size[1] << 8;
}

int output_commit_frame_room(uint32_t length)
{
    uint64_t from = frames.pinned ? frames.pin : frames.tail;
    return frames.count < FRAMES_MAX &&
           frames.head + FRAME_LENGTH_SIZE + length - from <= FRAMES_BYTES;
}

/* The next frame of the stream waits for checkpoint epoch (0: it may go at once). */
static void frames_mark(uint64_t epoch)
{
    uint32_t at = (frames.first + frames.count) % FRAMES_MAX;
    frames.epochs[at] = epoch;
    frames.since_ns[at] = time_monotonic_nanoseconds();
    frames.count++;
}

/* Appends a frame to the stream, to wait for checkpoint epoch. */
static void frames_append(const void *frame, uint32_t length, uint64_t epoch)
{
    uint8_t size[FRAME_LENGTH_SIZE] = { (uint8_t)length, (uint8_t)(length >> 8) };
    frames_copy_in(frames.head, size, sizeof(size));
    frames_copy_in(frames.head + FRAME_LENGTH_SIZE, frame, length);
    frames.head += FRAME_LENGTH_SIZE + length;
    frames_mark(epoch);
}

static int frames_releasable(void)
{
    return frames.count && frames.epochs[frames.first] <= frames.release_epoch;
}

/* One batch of the frames that may go, to the card, then a release record saying so; 0 when
 * none could go (none may, or the card has no room: its interrupt comes back here). */
static int frames_release_step(void)
{
    uint32_t sent = 0;
    if (!frames_releasable())
        return 0;
    if (release.on)
        release_io_wait(&release.record_io);    /* the record's buffer, before the batch */
    while (sent < FRAMES_BATCH && frames_releasable()) {
        uint32_t length = frames_length_at(frames.tail);
        frames_copy_out(frames.tail + FRAME_LENGTH_SIZE, frames.out, length);
        if (!nic_transmit(frames.out, length))
            break;
        frames.tail += FRAME_LENGTH_SIZE + length;
        frames.first = (frames.first + 1) % FRAMES_MAX;
        frames.count--;
        frames_sent++;
        sent++;
    }
    if (sent && release.on) {
        release_prepare(console_held_position());
        release_write();
    }
    if (sent && !output_commit_release_waiting())
        release_caught_up();
    return sent != 0;
}

void output_commit_hold_frame(const void *frame, uint32_t length)
{
    frames_append(frame, length, frames.holding ? ckpt_open_epoch() : 0);
    if (!frames.holding)
        frames_release_step();
}

uint32_t output_commit_frames_held(void)
{
    return frames.count;
}

void output_commit_frames_snapshot(struct cairn_disk_frames *disk)
{
    *disk = (struct cairn_disk_frames){ .position = frames.tail,
                                        .length = (uint32_t)(frames.head - frames.tail),
                                        .count = frames.count };
    frames.pin = frames.tail;
    frames.pinned = 1;
}

void output_commit_frames_copy(uint64_t position, void *buffer, uint32_t length)
{
    frames_copy_out(position, buffer, length);
}

void output_commit_frames_unpin(void)
{
    frames.pinned = 0;
}

/* Held frames that wait for checkpoint epoch or an older one (debug=net says how many). */
static uint32_t frames_covered(uint64_t epoch)
{
    uint32_t count = 0;
    while (count < frames.count && frames.epochs[(frames.first + count) % FRAMES_MAX] <= epoch)
        count++;
    return count;
}

/* The oldest frame no committed checkpoint covers yet, and since when; 0 if none. */
static int frames_held_waiting(uint64_t *since_ns)
{
    for (uint32_t i = 0; i < frames.count; i++) {
        uint32_t at = (frames.first + i) % FRAMES_MAX;
        if (frames.epochs[at] > frames.release_epoch) {
            *since_ns = frames.since_ns[at];
            return 1;
        }
    }
    return 0;
}

/* --- every channel ------------------------------------------------------------------------ */

int output_commit_release_waiting(void)
{
    return console_release_waiting() || frames_releasable();
}

int output_commit_release_step(void)
{
    int done = console_release_step();
    return frames_release_step() || done;
}

int output_commit_held_waiting(uint64_t *since_ns)
{
    uint64_t console_since = 0, frames_since = 0;
    int console_waits = console_held_waiting(&console_since);
    int frames_wait = frames_held_waiting(&frames_since);
    if (!console_waits && !frames_wait)
        return 0;
    *since_ns = !frames_wait || (console_waits && console_since < frames_since) ? console_since
                                                                                : frames_since;
    return 1;
}

/* --- release, stop ------------------------------------------------------------------------ */

/* Output waits no longer than it must: the first batch goes at once. */
void output_commit_release(uint64_t epoch, int holding, int holding_frames)
{
    cut_arm(holding, holding_frames);
    cut_here(CUT_DURABLE);
    cut_here(CUT_FRAMES);
    DEBUG(net) if (holding_frames)
        klog(KLOG_INFO, "net: checkpoint %llu is durable: %u held frames may go",
             (unsigned long long)epoch, frames_covered(epoch));
    console_release(epoch);
    if (epoch > frames.release_epoch)
        frames.release_epoch = epoch;
    console_release_step();
    frames_release_step();
    cut_disarm();
}

/* Frames held when output commit goes off: all may go now, as the card takes them. */
static void frames_stop_holding(void)
{
    frames.holding = 0;
    frames.release_epoch = UINT64_MAX;
    while (frames_release_step())
        continue;
}

void output_commit_stop(void)
{
    release.on = 0;         /* what is shown from here on is in no checkpoint */
    if (console_output_commit()) {
        klog(KLOG_WARNING, "output commit off: no checkpoint can commit the held output now");
        console_stop_output_commit();
        frames_stop_holding();
        sched_wake_output_waiters();
    }
}

/* --- at boot ------------------------------------------------------------------------------ */

void output_commit_setup(void)
{
    if (!config.output_commit || !ckpt_enabled())
        frames_stop_holding();
    if (!config.output_commit) {
        console_stop_output_commit();
        klog(KLOG_INFO, "output commit: off (output_commit=off): program output is shown at "
             "once, before the state that wrote it is durable");
    } else if (!ckpt_enabled()) {
        console_stop_output_commit();
        klog(KLOG_INFO, "output commit: off: no checkpoint can be taken, so program output is "
             "shown and frames are sent at once");
    } else {
        klog(KLOG_INFO, "output commit: on: program output is shown and frames are sent once "
             "their checkpoint is durable (within about %ld ms)", config.ckpt_output_delay);
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

/* Drops the held frames from stream position at on, for why; the stream goes on from there. */
static void frames_drop_from(uint64_t at, uint32_t dropped, const char *why)
{
    klog(KLOG_ERROR, "output commit: %u held frames of checkpoint %llu are dropped: %s",
         dropped, (unsigned long long)objstore->root.header.epoch, why);
    frames.head = at;
}

/* Reads the resumed checkpoint's held frames into the ring (from position, length bytes);
 * 0 (all dropped) when a block fails its check. */
static int frames_read_held(const struct cairn_disk_frames *held)
{
    for (uint32_t offset = 0; offset < held->length; offset += CAIRN_DISK_BLOCK_SIZE) {
        if (store_read_frames(objstore, &objstore->root, offset / CAIRN_DISK_BLOCK_SIZE,
                              release.held_block) != STORE_OK) {
            frames_drop_from(held->position, held->count, objstore->error);
            return 0;
        }
        uint32_t length = held->length - offset < CAIRN_DISK_BLOCK_SIZE
                          ? held->length - offset : CAIRN_DISK_BLOCK_SIZE;
        frames_copy_in(held->position + offset, release.held_block, length);
    }
    return 1;
}

/* Marks the frames read into the ring: those before released were sent (skipped), the rest go
 * out as soon as the card takes them. A length that does not fit drops the rest. */
static void frames_parse_held(const struct cairn_disk_frames *held, uint64_t released)
{
    uint64_t at = held->position, end = held->position + held->length;
    for (uint32_t i = 0; i < held->count; i++) {
        uint32_t length = at + FRAME_LENGTH_SIZE <= end ? frames_length_at(at) : 0;
        if (length < CAIRN_NIC_FRAME_MIN || length > CAIRN_NIC_FRAME_MAX ||
            at + FRAME_LENGTH_SIZE + length > end || frames.count == FRAMES_MAX) {
            frames_drop_from(at, held->count - i, "a frame's length does not fit the stream, "
                             "or more frames than the kernel holds");
            return;
        }
        at += FRAME_LENGTH_SIZE + length;
        frames.head = at;
        if (at <= released)
            frames.tail = at;       /* sent before the power went */
        else
            frames_mark(0);
    }
    if (at != end)
        klog(KLOG_ERROR, "output commit: the held frames of checkpoint %llu have %llu bytes "
             "after their last frame; ignored", (unsigned long long)objstore->root.header.epoch,
             (unsigned long long)(end - at));
}

/* Held frames of the resumed checkpoint that the records say were never sent go out now. */
static void frames_resume(uint64_t released)
{
    const struct cairn_disk_frames *held = &objstore->root.frames;
    if (!format_check_held_frames(&objstore->root, &objstore->super)) {
        frames.head = frames.tail = released;
        if (held->count || held->length)
            klog(KLOG_ERROR, "output commit: the held frames of checkpoint %llu fail their "
                 "check (count, length or blocks); dropped",
                 (unsigned long long)objstore->root.header.epoch);
        return;
    }
    frames.head = frames.tail = held->position;
    if (held->count && !nic_present()) {
        frames_drop_from(held->position + held->length, held->count, "this boot has no NIC");
        frames.tail = frames.head;
        return;
    }
    if (held->count && frames_read_held(held))
        frames_parse_held(held, released);
    else
        frames.head = held->position + held->length;
    if (frames.tail < frames.head && !frames.count)
        frames.tail = frames.head;          /* dropped ones */
    if (frames.count)
        klog(KLOG_INFO, "output commit: %u frames checkpoint %llu held were never sent; sending "
             "them now", frames.count, (unsigned long long)objstore->root.header.epoch);
}

void output_commit_resume(void)
{
    static const struct console_recorder recorder = { release_prepare, release_record,
                                                      release_caught_up };
    static struct cairn_release_record newest_record;
    const struct cairn_disk_console *held = &objstore->root.console;
    uint64_t end = held->position + held->length, released = 0;
    uint32_t newest = CAIRN_DISK_RELEASE_B;
    int recorded = store_read_release_record(objstore, &newest_record, &newest) == STORE_OK;
    if (recorded)
        released = newest_record.released;
    release.on = ckpt_enabled();
    release.copy = newest == CAIRN_DISK_RELEASE_A ? CAIRN_DISK_RELEASE_B : CAIRN_DISK_RELEASE_A;
    frames_resume(recorded ? newest_record.frames_released : 0);
    console_set_recorder(&recorder);
    cut_parse_option();
    uint64_t from = !recorded || released < held->position ? held->position
                  : released > end ? end : released;
    console_set_position(from);
    if (from < end && !held_readable(held, from, end))
        console_set_position(end);
    else if (from < end)
        held_show(held, from, end);
    if (recorded && (released > end || newest_record.frames_released > frames.head))
        release_reset(end);
    release_flush();
    frames_release_step();
}
