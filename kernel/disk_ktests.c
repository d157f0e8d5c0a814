/* In-kernel tests of the system disk through the block-device interface; each fails without a disk. */
/*
 * They write, so boot them only on a scratch image (tests/qemu/test_disk.py
 * makes one). Block 5 is left holding disk_ktest_host_pattern, which the host
 * checks in the image file after QEMU exits; no other test writes there.
 */
#include <stdint.h>
#include <arch/platform.h>
#include <kernel/disk.h>
#include <kernel/klog.h>
#include <kernel/ktest.h>
#include <kernel/memory.h>
#include <kernel/string.h>

enum {
    DISK_KTEST_HOST_BLOCK = 5,              /* tests/qemu/test_disk.py reads it back */
    DISK_KTEST_BLOCKS_NEEDED = 1024,        /* 4 MiB: room for every range below */
    /* 96 chains of 3 descriptors: more than a 256-entry virtqueue holds, so some must wait. */
    DISK_KTEST_IN_FLIGHT = 96,
    DISK_KTEST_IN_FLIGHT_BLOCKS = 4,
    DISK_KTEST_IN_FLIGHT_FIRST = 512,      /* blocks 512..895 */
};

static const char disk_ktest_host_magic[16] = "cairn-disk-test\n";

/* The system disk, or NULL after recording a failure that says how to attach one. */
static struct block_device *disk_ktest_device(struct ktest_context *context)
{
    struct block_device *disk = disk_system();
    if (!disk) {
        kprintf("    # no disk attached: boot with tools/cairn-qemu --disk FILE (a scratch image)\n");
        ktest_expect(context, 0, "a disk attached", __FILE__, __LINE__);
        return NULL;
    }
    if (disk->block_count < DISK_KTEST_BLOCKS_NEEDED) {
        kprintf("    # the disk has %llu blocks; these tests need %d (4 MiB)\n",
                (unsigned long long)disk->block_count, DISK_KTEST_BLOCKS_NEEDED);
        ktest_expect(context, 0, "a disk of at least 4 MiB", __FILE__, __LINE__);
        return NULL;
    }
    return disk;
}

/* count blocks of adjacent frames (the direct map: a pointer is its physical address). */
static uint8_t *disk_ktest_buffer(uint32_t blocks)
{
    return memory_physical_to_pointer(memory_frames_alloc_contiguous(blocks));
}

static void disk_ktest_buffer_free(uint8_t *buffer, uint32_t blocks)
{
    memory_frames_free((uint32_t)(uintptr_t)buffer, blocks);
}

/* Fills blocks [block, block + count) of buffer with words that name their block and offset. */
static void disk_ktest_fill(uint8_t *buffer, uint64_t block, uint32_t count, uint32_t seed)
{
    uint32_t *words = (uint32_t *)buffer;
    for (uint32_t b = 0; b < count; b++)
        for (uint32_t i = 0; i < BLOCK_SIZE / 4; i++)
            words[b * (BLOCK_SIZE / 4) + i] = (uint32_t)(block + b) * 0x9E3779B1u
                                              ^ i * 0x85EBCA77u ^ seed;
}

/* Writes a pattern to [block, block + count), flushes, reads it back; returns 1 if equal. */
static int disk_ktest_round_trip(struct ktest_context *context, struct block_device *disk,
                                 uint64_t block, uint32_t count, uint32_t seed)
{
    uint8_t *written = disk_ktest_buffer(count), *read = disk_ktest_buffer(count);
    KTEST_EXPECT(written && read);
    if (!written || !read)
        return 0;
    disk_ktest_fill(written, block, count, seed);
    memset(read, 0xEE, (size_t)count * BLOCK_SIZE);
    KTEST_EXPECT(blockdev_wait(disk, BLOCK_WRITE, block, count, written) == BLOCK_OK);
    KTEST_EXPECT(blockdev_wait(disk, BLOCK_FLUSH, 0, 0, NULL) == BLOCK_OK);
    KTEST_EXPECT(blockdev_wait(disk, BLOCK_READ, block, count, read) == BLOCK_OK);
    int equal = memcmp(written, read, (size_t)count * BLOCK_SIZE) == 0;
    if (!equal)
        kprintf("    # blocks %llu..%llu read back different\n", (unsigned long long)block,
                (unsigned long long)(block + count - 1));
    disk_ktest_buffer_free(written, count);
    disk_ktest_buffer_free(read, count);
    return equal;
}

KTEST(disk_flush_and_size)
{
    struct block_device *disk = disk_ktest_device(context);
    if (!disk)
        return;
    kprintf("    # %s: %llu blocks, %u blocks per request, flush %s\n", disk->name,
            (unsigned long long)disk->block_count, disk->max_blocks, disk->can_flush ? "yes" : "no");
    KTEST_EXPECT(disk->can_flush);
    KTEST_EXPECT(disk->max_blocks >= 16);   /* 64 KiB */
}

KTEST(disk_ranges_round_trip)
{
    struct block_device *disk = disk_ktest_device(context);
    if (!disk)
        return;
    uint32_t large = disk->max_blocks < 64 ? disk->max_blocks : 64;
    const struct { uint64_t block; uint32_t count; } ranges[] = {
        { 16, 16 }, { 100, large }, { 333, 7 }, { disk->block_count / 2 + 3, 24 },
        { disk->block_count - 40, 16 },
    };
    for (unsigned i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
        KTEST_EXPECT(disk_ktest_round_trip(context, disk, ranges[i].block, ranges[i].count,
                                           0xC0DE0000u + i));
}

struct disk_ktest_batch {
    volatile uint32_t finished;
    volatile uint32_t failed;
};

static void disk_ktest_batch_done(struct block_request *request, enum block_status status)
{
    struct disk_ktest_batch *batch = request->context;
    if (status != BLOCK_OK)
        batch->failed++;
    batch->finished++;
}

/* Submits all requests at once, then waits for every done(); returns how many failed. */
static uint32_t disk_ktest_run_batch(struct ktest_context *context, struct block_device *disk,
                                     struct block_request *requests, uint32_t count)
{
    struct disk_ktest_batch batch = { 0, 0 };
    for (uint32_t i = 0; i < count; i++) {
        requests[i].done = disk_ktest_batch_done;
        requests[i].context = &batch;
        KTEST_EXPECT(disk->submit(disk, &requests[i]) == BLOCK_OK);
    }
    kprintf("    # %u of %u requests had completed when the last was submitted\n",
            batch.finished, count);
    while (batch.finished < count)
        platform_idle();
    return batch.failed;
}

KTEST(disk_in_flight)
{
    struct block_device *disk = disk_ktest_device(context);
    if (!disk)
        return;
    enum { COUNT = DISK_KTEST_IN_FLIGHT, EACH = DISK_KTEST_IN_FLIGHT_BLOCKS };
    static struct block_request requests[COUNT];
    uint8_t *written = disk_ktest_buffer(COUNT * EACH), *read = disk_ktest_buffer(COUNT * EACH);
    KTEST_EXPECT(written && read);
    if (!written || !read)
        return;
    disk_ktest_fill(written, DISK_KTEST_IN_FLIGHT_FIRST, COUNT * EACH, 0xF11E);
    memset(read, 0xEE, COUNT * EACH * BLOCK_SIZE);
    for (int pass = 0; pass < 2; pass++) {
        uint8_t *buffer = pass == 0 ? written : read;
        for (uint32_t i = 0; i < COUNT; i++) {
            uint32_t j = (i * 7) % COUNT;   /* submitted out of disk order */
            requests[i] = (struct block_request){
                .operation = pass == 0 ? BLOCK_WRITE : BLOCK_READ,
                .block = DISK_KTEST_IN_FLIGHT_FIRST + j * EACH, .count = EACH,
                .buffer = buffer + j * EACH * BLOCK_SIZE,
            };
        }
        KTEST_EXPECT(disk_ktest_run_batch(context, disk, requests, COUNT) == 0);
        if (pass == 0)
            KTEST_EXPECT(blockdev_wait(disk, BLOCK_FLUSH, 0, 0, NULL) == BLOCK_OK);
    }
    KTEST_EXPECT(memcmp(written, read, COUNT * EACH * BLOCK_SIZE) == 0);
    disk_ktest_buffer_free(written, COUNT * EACH);
    disk_ktest_buffer_free(read, COUNT * EACH);
}

static void disk_ktest_never_done(struct block_request *request, enum block_status status)
{
    (void)status;
    (*(int *)request->context)++;
}

/* Submits one request that must be refused; returns submit's answer. */
static int disk_ktest_submit_refused(struct block_device *disk, enum block_operation operation,
                                     uint64_t block, uint32_t count, void *buffer, int *calls)
{
    struct block_request request = { .operation = operation, .block = block, .count = count,
                                     .buffer = buffer, .done = disk_ktest_never_done,
                                     .context = calls };
    return disk->submit(disk, &request);
}

KTEST(disk_out_of_range)
{
    struct block_device *disk = disk_ktest_device(context);
    if (!disk)
        return;
    uint8_t *buffer = disk_ktest_buffer(2);
    int done_calls = 0;
    uint64_t end = disk->block_count;
    KTEST_EXPECT(disk_ktest_submit_refused(disk, BLOCK_READ, end, 1, buffer, &done_calls)
                 == BLOCK_OUT_OF_RANGE);
    KTEST_EXPECT(disk_ktest_submit_refused(disk, BLOCK_WRITE, end - 1, 2, buffer, &done_calls)
                 == BLOCK_OUT_OF_RANGE);
    KTEST_EXPECT(disk_ktest_submit_refused(disk, BLOCK_READ, UINT64_MAX, 1, buffer, &done_calls)
                 == BLOCK_OUT_OF_RANGE);
    KTEST_EXPECT(disk_ktest_submit_refused(disk, BLOCK_READ, 0, disk->max_blocks + 1, buffer,
                                           &done_calls) == BLOCK_UNSUPPORTED);
    KTEST_EXPECT(disk_ktest_submit_refused(disk, BLOCK_READ, 0, 0, buffer, &done_calls)
                 == BLOCK_UNSUPPORTED);
    KTEST_EXPECT(disk_ktest_submit_refused(disk, BLOCK_FLUSH, 0, 1, NULL, &done_calls)
                 == BLOCK_UNSUPPORTED);
    KTEST_EXPECT(done_calls == 0);
    disk_ktest_buffer_free(buffer, 2);
}

KTEST(disk_last_block)
{
    struct block_device *disk = disk_ktest_device(context);
    if (!disk)
        return;
    KTEST_EXPECT(disk_ktest_round_trip(context, disk, disk->block_count - 1, 1, 0x1A57));
    KTEST_EXPECT(disk_ktest_round_trip(context, disk, disk->block_count - 2, 2, 0x1A58));
}

KTEST(disk_host_block_5)
{
    struct block_device *disk = disk_ktest_device(context);
    if (!disk)
        return;
    uint8_t *block = disk_ktest_buffer(1);
    memcpy(block, disk_ktest_host_magic, sizeof(disk_ktest_host_magic));
    for (uint32_t i = sizeof(disk_ktest_host_magic); i < BLOCK_SIZE; i++)
        block[i] = (uint8_t)(i * 7 + 3);
    KTEST_EXPECT(blockdev_wait(disk, BLOCK_WRITE, DISK_KTEST_HOST_BLOCK, 1, block) == BLOCK_OK);
    KTEST_EXPECT(blockdev_wait(disk, BLOCK_FLUSH, 0, 0, NULL) == BLOCK_OK);
    disk_ktest_buffer_free(block, 1);
}
