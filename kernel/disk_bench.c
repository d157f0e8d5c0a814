/* diskbench: sequential write (+ flush) and read bandwidth of the system disk, on the monotonic clock. */
/*
 * A fixed set of requests is kept in flight over [0, size): done() only puts
 * a finished request back on the free list, and the loop in disk_bench_pass
 * (interrupts off, except inside platform_idle) hands it the next range. So
 * a driver that completes inside submit() never recurses. The clock ticks
 * only while the loop idles, which an interrupt-driven driver lets it do; a
 * polled one is reported as untimed.
 */
#include <arch/platform.h>
#include <checkpoint/crc32c.h>
#include <kernel/disk.h>
#include <kernel/klog.h>
#include <kernel/memory.h>
#include <kernel/string.h>
#include <kernel/time.h>

enum {
    BENCH_REQUEST_BLOCKS = 16,      /* 64 KiB per request */
    BENCH_IN_FLIGHT = 8,            /* requests the device holds at once */
};

struct disk_bench {
    struct block_device *disk;
    uint32_t request_blocks;
    uint64_t next_block, end_block;             /* the range still to submit */
    struct block_request requests[BENCH_IN_FLIGHT];
    struct block_request *volatile free_list;   /* finished requests, ready for a new range */
    volatile uint32_t outstanding;              /* submitted, done() not yet called */
    volatile int failed;                        /* some request ended in error */
    uint32_t completed_in_submit;               /* requests done before submit returned */
    uint32_t buffer_physical;                   /* BENCH_IN_FLIGHT request buffers, adjacent */
};

static void disk_bench_done(struct block_request *request, enum block_status status)
{
    struct disk_bench *bench = request->context;
    if (status != BLOCK_OK)
        bench->failed = 1;
    request->next = bench->free_list;
    bench->free_list = request;
    bench->outstanding--;
}

/* Gives a free request the next range and submits it; 0 if submit refused it. */
static int disk_bench_submit_next(struct disk_bench *bench, enum block_operation operation)
{
    struct block_request *request = bench->free_list;
    bench->free_list = request->next;
    uint64_t left = bench->end_block - bench->next_block;
    request->operation = operation;
    request->block = bench->next_block;
    request->count = left < bench->request_blocks ? (uint32_t)left : bench->request_blocks;
    bench->next_block += request->count;
    bench->outstanding++;
    int status = bench->disk->submit(bench->disk, request);
    if (status != BLOCK_OK) {
        klog(KLOG_ERROR, "diskbench: submit of block %llu refused (status %d)",
             (unsigned long long)request->block, status);
        bench->outstanding--;
        return 0;
    }
    if (bench->free_list == request)
        bench->completed_in_submit++;
    return 1;
}

/* One sequential pass over [0, blocks); returns 0 if any request failed. */
static int disk_bench_pass(struct disk_bench *bench, enum block_operation operation,
                           uint64_t blocks)
{
    bench->next_block = 0;
    bench->end_block = blocks;
    while (!bench->failed && (bench->next_block < bench->end_block || bench->outstanding)) {
        if (bench->next_block < bench->end_block && bench->free_list) {
            if (!disk_bench_submit_next(bench, operation))
                bench->failed = 1;
        } else {
            platform_idle();
        }
    }
    while (bench->outstanding)      /* after a failure, let the rest finish */
        platform_idle();
    return !bench->failed;
}

/* Prints "NAME: N MiB in T ms: B MiB/s" (or why there is no figure). */
static void disk_bench_report(const struct disk_bench *bench, const char *name, uint64_t bytes,
                              uint64_t nanoseconds)
{
    uint64_t mebibytes = bytes >> 20;
    if (bench->completed_in_submit || nanoseconds == 0) {
        kprintf("diskbench: %s: %llu MiB, not timed: the driver completes requests inside "
                "submit (polled), so the interrupt-driven clock does not advance\n", name,
                (unsigned long long)mebibytes);
        return;
    }
    uint64_t tenths = bytes * 10 / (1024 * 1024) * 1000000000ull / nanoseconds;
    kprintf("diskbench: %s: %llu MiB in %llu ms: %llu.%llu MiB/s\n", name,
            (unsigned long long)mebibytes, (unsigned long long)(nanoseconds / 1000000),
            (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
}

static int disk_bench_setup(struct disk_bench *bench, struct block_device *disk)
{
    memset(bench, 0, sizeof(*bench));
    bench->disk = disk;
    bench->request_blocks = disk->max_blocks < BENCH_REQUEST_BLOCKS ? disk->max_blocks
                                                                   : BENCH_REQUEST_BLOCKS;
    bench->buffer_physical = memory_frames_alloc_contiguous(BENCH_IN_FLIGHT
                                                            * bench->request_blocks);
    if (!bench->buffer_physical)
        return 0;
    uint8_t *buffers = memory_physical_to_pointer(bench->buffer_physical);
    for (uint32_t i = 0; i < BENCH_IN_FLIGHT * bench->request_blocks * BLOCK_SIZE; i++)
        buffers[i] = (uint8_t)(i * 13 + 1);
    for (int i = BENCH_IN_FLIGHT - 1; i >= 0; i--) {
        struct block_request *request = &bench->requests[i];
        request->buffer = buffers + (uint32_t)i * bench->request_blocks * BLOCK_SIZE;
        request->done = disk_bench_done;
        request->context = bench;
        request->next = bench->free_list;
        bench->free_list = request;
    }
    return 1;
}

/* Times one pass (and, for writes, the flush that makes it durable). */
static int disk_bench_measure(struct disk_bench *bench, enum block_operation operation,
                              uint64_t blocks, const char *name)
{
    uint64_t start = time_monotonic_nanoseconds();
    int passed = disk_bench_pass(bench, operation, blocks);
    if (passed && operation == BLOCK_WRITE)
        passed = blockdev_wait(bench->disk, BLOCK_FLUSH, 0, 0, NULL) == BLOCK_OK;
    uint64_t elapsed = time_monotonic_nanoseconds() - start;
    if (passed)
        disk_bench_report(bench, name, blocks * BLOCK_SIZE, elapsed);
    else
        klog(KLOG_ERROR, "diskbench: %s failed", name);
    return passed;
}

/* The other half of what a checkpoint must do with each byte at least: checksum it. Over
 * the request buffers again and again, as many bytes as the disk passes moved. */
static void disk_bench_checksum(const struct disk_bench *bench, uint64_t bytes)
{
    const uint8_t *buffers = memory_physical_to_pointer(bench->buffer_physical);
    uint32_t span = BENCH_IN_FLIGHT * bench->request_blocks * BLOCK_SIZE, crc = 0;
    uint64_t start = time_monotonic_nanoseconds(), cycles = platform_cycles();
    for (uint64_t done = 0; done < bytes; done += span) {
        crc = crc32c_update(crc, buffers, span);
        platform_interrupt_window();    /* the clock's ticks */
    }
    cycles = platform_cycles() - cycles;
    uint64_t elapsed = time_monotonic_nanoseconds() - start;
    uint64_t hundredths = cycles * 100 / (bytes ? bytes : 1);
    uint64_t tenths = elapsed ? bytes * 10 / (1024 * 1024) * 1000000000ull / elapsed : 0;
    kprintf("diskbench: checksum (CRC32C, %s): %llu MiB in %llu ms and %llu cycles: "
            "%llu.%llu MiB/s, %llu.%02llu cycles a byte (crc %08x)\n",
            crc32c_uses_cpu() ? "the crc32 instruction" : "tables",
            (unsigned long long)(bytes >> 20), (unsigned long long)(elapsed / 1000000),
            (unsigned long long)cycles, (unsigned long long)(tenths / 10),
            (unsigned long long)(tenths % 10), (unsigned long long)(hundredths / 100),
            (unsigned long long)(hundredths % 100), crc);
}

int disk_bench_run(uint32_t mebibytes)
{
    static struct disk_bench bench;
    struct block_device *disk = disk_system();
    if (!disk || !disk->can_flush) {
        klog(KLOG_ERROR, "diskbench: %s", disk ? "the disk cannot flush" : "no disk attached");
        return 1;
    }
    uint64_t blocks = (uint64_t)mebibytes * (1024 * 1024 / BLOCK_SIZE);
    if (blocks > disk->block_count) {
        klog(KLOG_WARNING, "diskbench: the disk has only %llu MiB; measuring all of it",
             (unsigned long long)(disk->block_count * BLOCK_SIZE >> 20));
        blocks = disk->block_count;
    }
    if (!disk_bench_setup(&bench, disk)) {
        klog(KLOG_ERROR, "diskbench: no memory for the request buffers");
        return 1;
    }
    kprintf("diskbench: %s, %llu KiB sequential in %u KiB requests, %d in flight, clock %u Hz\n",
            disk->name, (unsigned long long)(blocks * (BLOCK_SIZE / 1024)),
            bench.request_blocks * (BLOCK_SIZE / 1024), BENCH_IN_FLIGHT, platform_tick_hz());
    int passed = disk_bench_measure(&bench, BLOCK_WRITE, blocks, "sequential write + flush")
                 && disk_bench_measure(&bench, BLOCK_READ, blocks, "sequential read");
    if (passed)
        disk_bench_checksum(&bench, blocks * BLOCK_SIZE);
    memory_frames_free(bench.buffer_physical, BENCH_IN_FLIGHT * bench.request_blocks);
    kprintf("diskbench: done\n");
    return !passed;
}
