/*
 * The console: two streams to one serial port (and the VGA mirror), and a ring of input bytes.
 *
 *   programs --CONSOLE_WRITE--> held ring (tagged with the epoch of the checkpoint that
 *                               will cover the write) --checkpoint commits--> port
 *   kernel   --kprintf/klog---> port at once, each line marked "[k] "
 *
 * Output commit: what a program writes leaves the machine only once the
 * checkpoint covering the state that wrote it is durable, so no observer
 * ever sees output from a state a power cut then erases; after a cut the
 * program resumes from that checkpoint and writes the same bytes again.
 * With output_commit=off, or when no checkpoint can be taken, program
 * output goes out at once.
 *
 * Output a checkpoint holds (written before its snapshot, not yet shown)
 * is part of the checkpoint, and the recorder (kernel/output_commit.c)
 * notes on the disk how far the output that reached the serial port goes.
 * A system resumed from a checkpoint whose output the power cut kept from
 * the port shows what the records do not cover (console_show_stored), so no
 * line is lost between a commit and its release. Stream positions count
 * held program bytes since the image was made.
 *
 * Releasing goes in bounded steps, since the kernel cannot be preempted:
 *
 *   checkpoint E durable --console_release(E)--> output of epochs <= E may go
 *   console_release_step, once at the commit, then between time slices (a step a
 *   tick while processes run, back to back while none is ready): one batch of at
 *   most RELEASE_LINES lines and RELEASE_BYTES bytes (whole lines, unless one line
 *   is longer) --> serial port --> one release record --> screen
 *
 * A checkpoint's write-out copies the bytes held at its snapshot after that
 * snapshot, while steps go on: console_held_pin keeps them from being
 * written over until console_held_unpin.
 *
 * Input bytes wait in a ring for CONSOLE_READ, except Ctrl-C, which is only
 * counted: it is an interrupt for the console's holder (kernel/foreground.c).
 *
 * The two streams never share a line: the kernel's lines carry the "[k] "
 * mark, and a kernel line that comes while a program's line is unfinished
 * starts on a line of its own (and the reverse).
 */
#include <arch/platform.h>
#include <cairn/abi.h>
#include <kernel/console.h>
#include <kernel/string.h>
#include <kernel/time.h>

enum {
    INPUT_RING_SIZE = 1024,     /* a power of two */
    HELD_SIZE = 65536,          /* a power of two; at least CONSOLE_WRITE_MAX */
    HELD_MARKS = 8,
    RELEASE_LINES = 64,         /* a release step's bounds: lines, and bytes */
    RELEASE_BYTES = 4096,
};

#define KERNEL_MARK "[k] "

/* Filled by the receive interrupt, drained by the kernel outside interrupts. */
static volatile uint8_t input_ring[INPUT_RING_SIZE];
static volatile uint32_t input_head, input_tail;  /* free-running; head - tail = bytes waiting */
static volatile uint32_t input_dropped;           /* bytes lost to a full ring */
static volatile uint32_t input_interrupts;        /* Ctrl-C bytes received since boot */

/* Program output not yet released, and up to where each epoch's output goes. */
static char held[HELD_SIZE];
static uint32_t held_head, held_tail;   /* free-running; head - tail = bytes held */
static struct held_mark {
    uint64_t epoch;             /* the checkpoint that must commit before these bytes go */
    uint32_t end;               /* held_head after the last byte of that epoch */
    uint64_t since_ns;          /* monotonic time of the first of these bytes */
} marks[HELD_MARKS];
static uint32_t mark_count;
static uint32_t noted_marks;    /* marks[0..noted_marks) started going out: latency noted */
static uint64_t release_epoch;  /* the newest committed checkpoint: its output and older may go */
static int pinned;              /* a write-out still copies held bytes from ring position pin on */
static uint32_t pin;
static uint64_t last_writer;    /* OID of the process that wrote the newest held bytes */
static int holding = 1;         /* output commit on */
static uint64_t held_position;  /* stream position of held_tail */
static struct console_recorder recorder;

/* Where each stream stands on its current line. */
static int kernel_mid_line, program_mid_line;
uint32_t console_bytes_released;

/* Program output starts on a line of its own when the kernel's line is unfinished. */
static void console_end_kernel_line(void)
{
    if (kernel_mid_line) {
        platform_console_write("\n", 1);
        kernel_mid_line = 0;
    }
}

static void console_emit_program(const char *text, size_t length)
{
    if (!length)
        return;
    console_end_kernel_line();
    platform_console_write(text, length);
    program_mid_line = text[length - 1] != '\n';
    console_bytes_released += (uint32_t)length;
}

void console_write(const char *text, size_t length)
{
    while (length) {
        if (!kernel_mid_line) {
            if (program_mid_line) {
                platform_console_write("\n", 1);
                program_mid_line = 0;
            }
            platform_console_write(KERNEL_MARK, sizeof(KERNEL_MARK) - 1);
        }
        const char *newline = memchr(text, '\n', length);
        size_t chunk = newline ? (size_t)(newline - text) + 1 : length;
        platform_console_write(text, chunk);
        kernel_mid_line = !newline;
        text += chunk;
        length -= chunk;
    }
}

void console_stop_output_commit(void)
{
    console_release_all();
    holding = 0;
}

int console_output_commit(void)
{
    return holding;
}

static uint32_t console_ring_room(void)
{
    return HELD_SIZE - (held_head - (pinned ? pin : held_tail));
}

/* A program that wrote the newest held bytes gets no room while more than half the ring is
 * held: one program writing without end cannot keep the others from writing. */
uint32_t console_held_room(uint64_t writer)
{
    uint32_t room = console_ring_room();
    return writer == last_writer && room < HELD_SIZE / 2 ? 0 : room;
}

void console_program_write(const char *text, size_t length, uint64_t epoch, uint64_t writer)
{
    if (!holding) {
        console_emit_program(text, length);
        return;
    }
    for (size_t i = 0; i < length; i++)
        held[(held_head + i) % HELD_SIZE] = text[i];
    held_head += (uint32_t)length;
    last_writer = writer;
    if (mark_count && marks[mark_count - 1].epoch >= epoch) {
        marks[mark_count - 1].end = held_head;
    } else if (mark_count < HELD_MARKS) {
        marks[mark_count++] = (struct held_mark){ epoch, held_head, time_monotonic_nanoseconds() };
    } else {                    /* no mark left: held with the newest, that is longer, not less */
        marks[mark_count - 1].epoch = epoch;
        marks[mark_count - 1].end = held_head;
    }
}

/*
 * The next batch from held_tail: up to end, but at most RELEASE_LINES lines and
 * RELEASE_BYTES bytes, cut after a newline unless a single line is longer.
 */
static uint32_t console_held_batch(uint32_t end)
{
    uint32_t length = 0, whole = 0, lines = 0;
    while (held_tail + length != end && length < RELEASE_BYTES && lines < RELEASE_LINES)
        if (held[(held_tail + length++) % HELD_SIZE] == '\n') {
            whole = length;
            lines++;
        }
    return held_tail + length == end || !whole ? length : whole;
}

/* Writes the held bytes [held_tail, held_tail + length) to one device. */
static void console_held_out(void (*write)(const char *, size_t), uint32_t length)
{
    uint32_t offset = held_tail % HELD_SIZE;
    uint32_t first = length < HELD_SIZE - offset ? length : HELD_SIZE - offset;
    write(held + offset, first);
    if (length > first)
        write(held, length - first);
}

/*
 * Writes one batch to the serial port, records it, then writes it to the
 * screen (which is slow to scroll), so that little time passes between the
 * batch's last line reaching the port and the record saying so.
 */
static void console_release_batch(uint32_t length)
{
    if (recorder.prepare)
        recorder.prepare(held_position + length);
    console_end_kernel_line();
    console_held_out(platform_serial_write, length);
    if (recorder.record)
        recorder.record();
    console_held_out(platform_screen_write, length);
    program_mid_line = held[(held_tail + length - 1) % HELD_SIZE] != '\n';
    held_tail += length;
    held_position += length;
    console_bytes_released += length;
}

/* Writes the held bytes up to end (a ring position) at once, a batch at a time. */
static void console_release_to(uint32_t end)
{
    while (held_tail != end)
        console_release_batch(console_held_batch(end));
}

/* For statistics: how long released output was held (from its write to the port). */
uint32_t console_releases;
uint64_t console_held_ns_total, console_held_ns_max;

static void console_note_latency(uint64_t since_ns)
{
    uint64_t held_ns = time_monotonic_nanoseconds() - since_ns;
    console_releases++;
    console_held_ns_total += held_ns;
    if (held_ns > console_held_ns_max)
        console_held_ns_max = held_ns;
}

void console_release(uint64_t committed_epoch)
{
    if (committed_epoch > release_epoch)
        release_epoch = committed_epoch;
}

/* How many marks, from the oldest, hold output that may go. */
static uint32_t console_releasable_marks(void)
{
    uint32_t count = 0;
    while (count < mark_count && marks[count].epoch <= release_epoch)
        count++;
    return count;
}

int console_release_waiting(void)
{
    return console_releasable_marks() != 0;
}

/* Notes when each mark's first byte goes out, in [held_tail, held_tail + length). */
static void console_note_started(uint32_t releasable, uint32_t length)
{
    for (; noted_marks < releasable; noted_marks++) {
        uint32_t start = noted_marks ? marks[noted_marks - 1].end : held_tail;
        if (start - held_tail >= length)
            break;
        console_note_latency(marks[noted_marks].since_ns);
    }
}

/* Forgets the marks whose bytes have all gone. */
static void console_drop_released_marks(void)
{
    uint32_t released = 0;
    while (released < mark_count && (int32_t)(marks[released].end - held_tail) <= 0)
        released++;
    for (; noted_marks < released; noted_marks++)      /* empty ones (a write of 0 bytes) */
        console_note_latency(marks[noted_marks].since_ns);
    mark_count -= released;
    noted_marks -= released;
    memmove(marks, marks + released, mark_count * sizeof(marks[0]));
}

int console_release_step(void)
{
    uint32_t releasable = console_releasable_marks();
    if (!releasable)
        return 0;
    uint32_t length = console_held_batch(marks[releasable - 1].end);
    console_note_started(releasable, length);
    if (length)
        console_release_batch(length);
    console_drop_released_marks();
    if (!console_release_waiting() && recorder.caught_up)
        recorder.caught_up();
    return 1;
}

void console_release_all(void)
{
    console_release_to(held_head);
    mark_count = noted_marks = 0;
}

void console_set_recorder(const struct console_recorder *new_recorder)
{
    recorder = *new_recorder;
}

uint64_t console_held_position(void)
{
    return held_position;
}

uint32_t console_held_length(void)
{
    return held_head - held_tail;
}

void console_held_pin(void)
{
    pinned = 1;
    pin = held_tail;
}

void console_held_unpin(void)
{
    pinned = 0;
}

void console_held_copy(uint64_t position, void *buffer, uint32_t length)
{
    uint32_t from = held_tail + (uint32_t)(position - held_position);  /* may lie before it */
    for (uint32_t i = 0; i < length; i++)
        ((char *)buffer)[i] = held[(from + i) % HELD_SIZE];
}

void console_set_position(uint64_t position)
{
    held_position = position;
}

void console_show_stored(const char *text, uint32_t length)
{
    while (length) {
        uint32_t chunk = length < console_ring_room() ? length : console_ring_room();
        for (uint32_t i = 0; i < chunk; i++)
            held[(held_head + i) % HELD_SIZE] = text[i];
        held_head += chunk;
        console_release_to(held_head);
        text += chunk;
        length -= chunk;
    }
}

int console_held_waiting(uint64_t *since_ns)
{
    uint32_t releasable = console_releasable_marks();
    if (releasable == mark_count)
        return 0;
    *since_ns = marks[releasable].since_ns;
    return 1;
}

void console_input_push(uint8_t byte)
{
    if (input_head - input_tail == INPUT_RING_SIZE) {
        input_dropped++;
        return;
    }
    input_ring[input_head % INPUT_RING_SIZE] = byte;
    input_head++;
}

void console_input_receive(uint8_t byte)
{
    if (byte == CAIRN_CONSOLE_INTERRUPT_BYTE)
        input_interrupts++;
    else
        console_input_push(byte);
}

uint32_t console_input_interrupts(void)
{
    return input_interrupts;
}

int console_input_pop(void)
{
    if (input_head == input_tail)
        return -1;
    uint8_t byte = input_ring[input_tail % INPUT_RING_SIZE];
    input_tail++;
    return byte;
}

uint32_t console_input_waiting(void)
{
    return input_head - input_tail;
}

int console_input_has_line(void)
{
    for (uint32_t i = input_tail; i != input_head; i++)
        if (input_ring[i % INPUT_RING_SIZE] == '\n' || input_ring[i % INPUT_RING_SIZE] == '\r')
            return 1;
    return input_head - input_tail == INPUT_RING_SIZE;     /* full: a line that long is given */
}

uint32_t console_input_peek(char *buffer, uint32_t size, int line)
{
    uint32_t count = 0;
    for (uint32_t i = input_tail; i != input_head && count < size; i++) {
        char byte = (char)input_ring[i % INPUT_RING_SIZE];
        int end = byte == '\n' || byte == '\r';
        buffer[count++] = end ? '\n' : byte;
        if (line && end)
            break;
    }
    return count;
}

void console_input_consume(uint32_t count)
{
    int last_was_return = 0;
    for (uint32_t i = 0; i < count && input_tail != input_head; i++) {
        last_was_return = input_ring[input_tail % INPUT_RING_SIZE] == '\r';
        input_tail++;
    }
    /* A terminal's Enter may send "\r\n": the '\n' belongs to the line just given. */
    if (last_was_return && input_tail != input_head && input_ring[input_tail % INPUT_RING_SIZE] == '\n')
        input_tail++;
}

uint32_t console_input_dropped(void)
{
    return input_dropped;
}
