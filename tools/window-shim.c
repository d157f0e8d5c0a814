/*
 * window-shim: measures the output window of a running QEMU from the inside (tools/bench).
 *
 * Loaded into QEMU with LD_PRELOAD, it notes the host's monotonic time of
 * two kinds of system call, each as one line of the file named by
 * CAIRN_WINDOW_LOG:
 *
 *   N <seconds>   a write to standard output (the serial console) ending a program's line:
 *                 a line of output has reached the outside
 *   K <seconds>   the same for a kernel log line (it starts with "[k] "; never recorded)
 *   R <seconds>   a write to the disk image at block 2 or 3: a release record (pwrite by
 *                 a worker thread; or io_submit, with aio=native, noted as it is called)
 *
 * The time from an N to the R after it is the window in which a power cut
 * (SIGKILL) makes the next boot show that line again (docs/abi.md). The
 * disk must be a raw image without --snapshot, so that the image file's
 * offsets are the guest's. Every call is passed on unchanged.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

enum { RECORD_A_OFFSET = 2 * 4096, RECORD_B_OFFSET = 3 * 4096 };

static int log_descriptor = -1;

static void note(char kind)
{
    if (log_descriptor < 0) {
        const char *path = getenv("CAIRN_WINDOW_LOG");
        if (!path)
            return;
        log_descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log_descriptor < 0)
            return;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    char line[48];
    int length = snprintf(line, sizeof(line), "%c %lld.%09ld\n", kind, (long long)now.tv_sec,
                          now.tv_nsec);
    /* The raw call: write() here would come back into this file's own hooks. */
    syscall(SYS_write, log_descriptor, line, (size_t)length);
}

/* The start of the console line being written, to tell kernel lines from program lines. */
static char line_start[4];
static size_t line_length;

static void console_bytes(const char *bytes, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        if (bytes[i] == '\n') {
            note(line_length >= 4 && memcmp(line_start, "[k] ", 4) == 0 ? 'K' : 'N');
            line_length = 0;
        } else if (bytes[i] != '\r') {
            if (line_length < sizeof(line_start))
                line_start[line_length] = bytes[i];
            line_length++;
        }
    }
}

static int is_record(off_t offset)
{
    return offset == RECORD_A_OFFSET || offset == RECORD_B_OFFSET;
}

static void *next_symbol(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

ssize_t writev(int descriptor, const struct iovec *pieces, int count)
{
    static ssize_t (*real)(int, const struct iovec *, int);
    if (!real)
        real = next_symbol("writev");
    ssize_t result = real(descriptor, pieces, count);
    size_t left = result > 0 ? (size_t)result : 0;
    for (int i = 0; descriptor == 1 && left && i < count; i++) {
        size_t taken = pieces[i].iov_len < left ? pieces[i].iov_len : left;
        console_bytes(pieces[i].iov_base, taken);
        left -= taken;
    }
    return result;
}

ssize_t write(int descriptor, const void *buffer, size_t length)
{
    static ssize_t (*real)(int, const void *, size_t);
    if (!real)
        real = next_symbol("write");
    ssize_t result = real(descriptor, buffer, length);
    if (descriptor == 1 && result > 0)
        console_bytes(buffer, (size_t)result);
    return result;
}

ssize_t pwrite64(int descriptor, const void *buffer, size_t length, off_t offset)
{
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real)
        real = next_symbol("pwrite64");
    ssize_t result = real(descriptor, buffer, length, offset);
    if (is_record(offset))
        note('R');
    return result;
}

ssize_t pwritev(int descriptor, const struct iovec *pieces, int count, off_t offset)
{
    static ssize_t (*real)(int, const struct iovec *, int, off_t);
    if (!real)
        real = next_symbol("pwritev");
    ssize_t result = real(descriptor, pieces, count, offset);
    if (is_record(offset))
        note('R');
    return result;
}

/*
 * With aio=native QEMU's vCPU thread hands a write to Linux AIO itself. Once
 * io_submit has entered the kernel the write goes ahead even if QEMU is killed
 * (the process's exit waits for it), so the record counts from the call.
 */
struct linux_aio_request {          /* libaio's struct iocb on x86-64 */
    unsigned long long data;
    unsigned int key, reserved;
    short operation, priority;
    unsigned int descriptor;
    unsigned long long buffer, bytes;
    long long offset;
};

int io_submit(void *context, long count, struct linux_aio_request **requests)
{
    static int (*real)(void *, long, struct linux_aio_request **);
    if (!real)
        real = next_symbol("io_submit");
    for (long i = 0; i < count; i++)
        if (is_record((off_t)requests[i]->offset))
            note('R');
    return real(context, count, requests);
}
