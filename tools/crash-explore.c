/*
 * crash-explore: builds crash states from a record of a real run's block writes and flushes,
 * and checks that each one recovers to a committed checkpoint (docs/tools.md).
 *
 *   crash-explore [--seed S] [--tears N] [--emit DIR --emit-count K] [--drop-flushes]
 *                 BASE.img LOG.bin
 *
 * BASE.img is the image before the run; LOG.bin is what QEMU's blklogwrites driver
 * recorded (the dm-log-writes format: a super sector, then one sector per entry
 * {sector, nr_sectors, flags, data_len} followed by the data). The record is cut
 * into windows, the writes between two flushes. For each window, on top of the
 * durable image (every write before its first flush):
 *
 *   every prefix of the window (a cut after each write, the last one = "up to the flush"),
 *   subsets of its writes (all of them up to 2^8, else random ones),
 *   torn variants: one write cut after a random sector, or only some of its 4 KiB blocks,
 *   together with a random subset of the window's other writes.
 *
 * Each state is opened with store_open and checked with image_check (the code of
 * cairn-img verify): it must boot the newest checkpoint whose superblock write is
 * wholly in the state (else the one durable before the window), with exactly the
 * root record that checkpoint's superblock names, and both it and the previous
 * checkpoint must be intact. Prints the number of states and of inconsistencies;
 * exit status 0 only when there were none. --emit writes K sample states as image
 * files with the epoch each must boot, for booting in QEMU.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../checkpoint/format.h"
#include "image_check.h"

#define LOG_MAGIC 0x6a736677736872ull
#define LOG_FLUSH 1u
#define LOG_FUA 2u
#define LOG_DISCARD 4u
#define LOG_MARK 8u

struct write_op {
    int flush;                  /* 1: a flush (no data) */
    uint64_t byte;              /* where the write starts on the disk */
    uint32_t bytes;
    const uint8_t *data;
};

static uint8_t *base;           /* the durable image */
static uint64_t base_blocks;
static struct write_op *ops;
static uint32_t op_count;

/* The state being checked: a copy-on-write overlay of 4 KiB blocks on the durable image. */
static uint8_t **overlay;       /* [base_blocks] */
static uint32_t *touched, touched_count;
static uint8_t *overlay_pool;
static uint32_t pool_used, pool_capacity;

static uint64_t random_state = 88172645463325252ull;

static uint64_t random_next(void)
{
    random_state ^= random_state << 13;
    random_state ^= random_state >> 7;
    random_state ^= random_state << 17;
    return random_state;
}

static void fail(const char *message)
{
    fprintf(stderr, "crash-explore: %s\n", message);
    exit(2);
}

static uint8_t *read_file(const char *path, uint64_t *size)
{
    FILE *file = fopen(path, "rb");
    if (!file || fseek(file, 0, SEEK_END) != 0)
        fail(path);
    long length = ftell(file);
    rewind(file);
    uint8_t *data = malloc((size_t)length + 1);
    if (!data || fread(data, 1, (size_t)length, file) != (size_t)length)
        fail(path);
    fclose(file);
    *size = (uint64_t)length;
    return data;
}

/* Reads the record; a last entry cut short by the kill is dropped. */
static int superblock_written(const struct write_op *op, uint32_t from, uint32_t to,
                              uint64_t *epoch, struct cairn_block_pointer *root);

static void parse_log(const uint8_t *log, uint64_t size)
{
    if (size < 512 || *(const uint64_t *)log != LOG_MAGIC)
        fail("not a blklogwrites record (no magic)");
    uint32_t sector = *(const uint32_t *)(log + 24);
    if (sector < 32 || sector > 65536 || (sector & (sector - 1)))
        fail("the record has an impossible sector size");
    uint64_t capacity = size / sector;
    ops = calloc(capacity, sizeof(*ops));
    if (!ops)
        fail("out of memory");
    for (uint64_t at = sector; at + sector <= size;) {
        const uint64_t *entry = (const uint64_t *)(log + at);
        uint64_t first = entry[0], count = entry[1], flags = entry[2];
        if ((first == 0 && count == 0 && flags == 0) || (flags & ~0x1Full))
            break;
        uint64_t data_end = at + sector + count * sector;
        if (data_end > size || (first + count) * sector > base_blocks * BLOCK_SIZE)
            break;
        if (count && !(flags & (LOG_DISCARD | LOG_MARK)))
            ops[op_count++] = (struct write_op){ 0, first * sector, (uint32_t)(count * sector),
                                                 log + at + sector };
        if (flags & (LOG_FLUSH | LOG_FUA))
            ops[op_count++] = (struct write_op){ 1, 0, 0, NULL };
        at = data_end;
    }
}

/*
 * --drop-flushes, the self-test: forgets every flush except those after a
 * superblock write, as a writer that did not flush before its commit would;
 * the explorer must then find inconsistent states.
 */
static void drop_flushes(void)
{
    uint32_t kept = 0;
    for (uint32_t k = 0; k < op_count; k++) {
        uint64_t epoch;
        struct cairn_block_pointer root;
        int after_superblock = kept > 0 && !ops[kept - 1].flush &&
            superblock_written(&ops[kept - 1], 0, ops[kept - 1].bytes, &epoch, &root);
        if (!ops[k].flush || after_superblock)
            ops[kept++] = ops[k];
    }
    op_count = kept;
}

static uint8_t *overlay_block(uint64_t block)
{
    if (!overlay[block]) {
        if (pool_used == pool_capacity)
            fail("a window writes more blocks than the overlay holds");
        overlay[block] = overlay_pool + (size_t)pool_used++ * BLOCK_SIZE;
        memcpy(overlay[block], base + block * BLOCK_SIZE, BLOCK_SIZE);
        touched[touched_count++] = (uint32_t)block;
    }
    return overlay[block];
}

/* Applies bytes [from, to) of a write (a torn write applies only part). */
static void overlay_apply(const struct write_op *op, uint32_t from, uint32_t to)
{
    for (uint32_t offset = from; offset < to;) {
        uint64_t byte = op->byte + offset;
        uint64_t block = byte / BLOCK_SIZE;
        uint32_t within = (uint32_t)(byte % BLOCK_SIZE);
        uint32_t length = BLOCK_SIZE - within < to - offset ? BLOCK_SIZE - within : to - offset;
        memcpy(overlay_block(block) + within, op->data + offset, length);
        offset += length;
    }
}

static void overlay_reset(void)
{
    for (uint32_t i = 0; i < touched_count; i++)
        overlay[touched[i]] = NULL;
    touched_count = pool_used = 0;
}

static int state_submit(struct block_device *device, struct block_request *request)
{
    (void)device;
    if (request->operation != BLOCK_READ || request->block + request->count > base_blocks)
        return BLOCK_OUT_OF_RANGE;
    for (uint32_t i = 0; i < request->count; i++) {
        uint64_t block = request->block + i;
        const uint8_t *source = overlay[block] ? overlay[block] : base + block * BLOCK_SIZE;
        memcpy((uint8_t *)request->buffer + (size_t)i * BLOCK_SIZE, source, BLOCK_SIZE);
    }
    request->done(request, BLOCK_OK);
    return BLOCK_OK;
}

static struct block_device state_device = {
    .name = "crash state", .can_flush = 1, .max_blocks = 1024, .submit = state_submit,
};

/* The superblock a whole write leaves at block 0 or 1, if the write covers one: its epoch. */
static int superblock_written(const struct write_op *op, uint32_t from, uint32_t to,
                              uint64_t *epoch, struct cairn_block_pointer *root)
{
    for (uint32_t copy = 0; copy < 2; copy++) {
        uint64_t start = (uint64_t)copy * BLOCK_SIZE;
        if (op->byte + from > start || op->byte + to < start + BLOCK_SIZE)
            continue;
        const struct cairn_superblock *super = (const void *)(op->data + (start - op->byte));
        char why[STORE_MESSAGE_SIZE];
        if (format_check_block(super, CAIRN_BLOCK_SUPERBLOCK, copy, why, sizeof(why))) {
            *epoch = super->header.epoch;
            *root = super->root;
            return 1;
        }
    }
    return 0;
}

static struct store store;
static struct image_check check;
static uint64_t durable_epoch;
static struct cairn_block_pointer durable_root;
static uint64_t states, inconsistent, booted[2];

static void report_problem(void *context, const char *line)
{
    const char *what = context;
    if (inconsistent < 20)
        printf("inconsistent: %s: %s\n", what, line);
}

static void inconsistency(const char *what, const char *line)
{
    report_problem((void *)what, line);
    inconsistent++;
}

/* Checks the state in the overlay; expected: the epoch and root it must boot. */
static int check_state(const char *what, uint64_t expected, struct cairn_block_pointer root)
{
    char line[300];
    states++;
    if (store_open(&store, &state_device) != STORE_OK) {
        inconsistency(what, store.error);
        return 0;
    }
    if (store.root.header.epoch != expected || store.super.root.block != root.block ||
        store.super.root.crc32c != root.crc32c) {
        snprintf(line, sizeof(line), "boots epoch %llu (root at block %u), not the committed "
                 "epoch %llu (root at block %u)", (unsigned long long)store.root.header.epoch,
                 store.super.root.block, (unsigned long long)expected, root.block);
        inconsistency(what, line);
        return 0;
    }
    booted[store.older_usable]++;
    const struct cairn_root_record newest = store.root, older = store.older_root;
    int older_usable = store.older_usable;
    check.report = report_problem;
    check.context = (void *)what;
    unsigned problems = image_check_checkpoint(&check, &newest);
    if (older_usable)
        problems += image_check_checkpoint(&check, &older);
    inconsistent += problems != 0;
    return problems == 0;
}

/* Does the state hold the whole superblock this write carries? */
static int superblock_landed(const struct write_op *op)
{
    for (uint64_t copy = 0; copy < 2; copy++) {
        uint64_t start = copy * BLOCK_SIZE;
        if (op->byte <= start && op->byte + op->bytes >= start + BLOCK_SIZE)
            return overlay[copy] && memcmp(overlay[copy], op->data + (start - op->byte),
                                           BLOCK_SIZE) == 0;
    }
    return 0;
}

/* What a state with these whole superblock writes must boot. */
static uint64_t expect_epoch(const uint8_t *applied, const uint8_t *torn_at, uint32_t first,
                             uint32_t count, struct cairn_block_pointer *root)
{
    uint64_t expected = durable_epoch;
    *root = durable_root;
    for (uint32_t i = 0; i < count; i++) {
        const struct write_op *op = &ops[first + i];
        uint64_t epoch;
        struct cairn_block_pointer pointer;
        /* A torn superblock write whose lost sectors held what was there already is whole. */
        if (applied[i] && superblock_written(op, 0, op->bytes, &epoch, &pointer) &&
            (!torn_at[i] || superblock_landed(op)) && epoch > expected) {
            expected = epoch;
            *root = pointer;
        }
    }
    return expected;
}

static const char *emit_dir;
static uint32_t emit_count, emitted, emit_every = 1;

static void emit_state(uint64_t expected)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/state-%03u-epoch-%llu.img", emit_dir, emitted,
             (unsigned long long)expected);
    FILE *file = fopen(path, "wb");
    if (!file)
        fail(path);
    for (uint64_t block = 0; block < base_blocks; block++)
        fwrite(overlay[block] ? overlay[block] : base + block * BLOCK_SIZE, BLOCK_SIZE, 1, file);
    if (fclose(file) != 0)
        fail(path);
    emitted++;
}

/*
 * One state: the writes of the window in applied[] (torn_at[i] != 0: write i only in part:
 * bytes [0, torn_at) when torn_from == 0, else only its 4 KiB blocks in the mask).
 */
static void try_state(uint32_t first, uint32_t count, const uint8_t *applied,
                      const uint32_t *torn_at, const uint64_t *block_mask, const char *kind)
{
    uint8_t torn[64] = { 0 };
    for (uint32_t i = 0; i < count; i++) {
        if (!applied[i])
            continue;
        const struct write_op *op = &ops[first + i];
        torn[i] = torn_at[i] || block_mask[i];
        if (block_mask[i]) {
            for (uint32_t b = 0; b * BLOCK_SIZE < op->bytes && b < 64; b++)
                if (block_mask[i] >> b & 1)
                    overlay_apply(op, b * BLOCK_SIZE, (b + 1) * BLOCK_SIZE < op->bytes
                                                      ? (b + 1) * BLOCK_SIZE : op->bytes);
        } else {
            overlay_apply(op, 0, torn_at[i] ? torn_at[i] : op->bytes);
        }
    }
    struct cairn_block_pointer root;
    uint64_t expected = expect_epoch(applied, torn, first, count, &root);
    char what[120];
    snprintf(what, sizeof(what), "%s state in the window of ops %u..%u", kind, first,
             first + count - 1);
    if (check_state(what, expected, root) && emit_dir && emitted < emit_count &&
        states % emit_every == 0)
        emit_state(expected);
    overlay_reset();
}

static void explore_window(uint32_t first, uint32_t count, uint32_t tears)
{
    uint8_t applied[64];
    uint32_t torn_at[64];
    uint64_t mask[64];
    if (count > 64)
        count = 64;                     /* a longer window: its first 64 writes */
    memset(torn_at, 0, sizeof(torn_at));
    memset(mask, 0, sizeof(mask));
    for (uint32_t cut = 0; cut <= count; cut++) {      /* prefixes */
        for (uint32_t i = 0; i < count; i++)
            applied[i] = i < cut;
        try_state(first, count, applied, torn_at, mask, "prefix");
    }
    uint32_t subsets = count <= 8 ? 1u << count : 256;
    for (uint32_t s = 0; s < subsets && count > 1; s++) {
        uint64_t bits = count <= 8 ? s : random_next();
        for (uint32_t i = 0; i < count; i++)
            applied[i] = bits >> i & 1;
        try_state(first, count, applied, torn_at, mask, "subset");
    }
    for (uint32_t i = 0; i < count; i++) {
        const struct write_op *op = &ops[first + i];
        uint32_t sectors = op->bytes / 512, blocks = (op->bytes + BLOCK_SIZE - 1) / BLOCK_SIZE;
        for (uint32_t t = 0; t < tears; t++) {
            uint64_t others = random_next();
            for (uint32_t j = 0; j < count; j++)
                applied[j] = j == i || (others >> j & 1);
            if (t % 2 == 0 || blocks == 1) {
                if (sectors < 2)
                    continue;
                torn_at[i] = (uint32_t)(1 + random_next() % (sectors - 1)) * 512;
                try_state(first, count, applied, torn_at, mask, "torn");
                torn_at[i] = 0;
            } else {
                uint64_t full = blocks >= 64 ? ~0ull : (1ull << blocks) - 1;
                mask[i] = random_next() & full;
                if (mask[i] && mask[i] != full)
                    try_state(first, count, applied, torn_at, mask, "torn");
                mask[i] = 0;
            }
        }
    }
}

/* Makes the window's writes durable: they become part of the base image. */
static void apply_window(uint32_t first, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        const struct write_op *op = &ops[first + i];
        memcpy(base + op->byte, op->data, op->bytes);
        uint64_t epoch;
        struct cairn_block_pointer root;
        if (superblock_written(op, 0, op->bytes, &epoch, &root) && epoch > durable_epoch) {
            durable_epoch = epoch;
            durable_root = root;
        }
    }
}

int main(int argc, char **argv)
{
    uint32_t tears = 16;
    int i = 1, dropping = 0;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "--drop-flushes") == 0)
            dropping = 1, i--;
        else if (strcmp(argv[i], "--seed") == 0)
            random_state = strtoull(argv[i + 1], NULL, 0) * 2654435761u + 1;
        else if (strcmp(argv[i], "--tears") == 0)
            tears = (uint32_t)strtoul(argv[i + 1], NULL, 0);
        else if (strcmp(argv[i], "--emit") == 0)
            emit_dir = argv[i + 1];
        else if (strcmp(argv[i], "--emit-count") == 0)
            emit_count = (uint32_t)strtoul(argv[i + 1], NULL, 0);
        else
            break;
    }
    if (argc - i != 2) {
        fprintf(stderr, "usage: crash-explore [--seed S] [--tears N] [--emit DIR --emit-count K] "
                        "BASE.img LOG.bin\n");
        return 2;
    }
    uint64_t size, log_size;
    base = read_file(argv[i], &size);
    base_blocks = size / BLOCK_SIZE;
    uint8_t *log = read_file(argv[i + 1], &log_size);
    parse_log(log, log_size);
    if (dropping)
        drop_flushes();
    overlay = calloc(base_blocks, sizeof(*overlay));
    touched = calloc(base_blocks, sizeof(*touched));
    pool_capacity = 8192;
    overlay_pool = malloc((size_t)pool_capacity * BLOCK_SIZE);
    state_device.block_count = base_blocks;
    if (!overlay || !touched || !overlay_pool)
        fail("out of memory");
    if (store_open(&store, &state_device) != STORE_OK)
        fail("the base image does not open");
    durable_epoch = store.root.header.epoch;
    durable_root = store.super.root;
    if (image_check_init(&check, &store) != 0)
        fail("out of memory");
    uint32_t windows = 0, writes = 0, flushes = 0;
    for (uint32_t k = 0; k < op_count; k++)
        writes += !ops[k].flush, flushes += ops[k].flush;
    if (emit_count)
        emit_every = 1 + (uint32_t)(writes * 12ull / emit_count);
    for (uint32_t start = 0; start < op_count;) {
        uint32_t end = start;
        while (end < op_count && !ops[end].flush)
            end++;
        if (end > start) {
            explore_window(start, end - start, tears);
            apply_window(start, end - start);
            windows++;
        }
        start = end + 1;
    }
    printf("crash-explore: %u writes and %u flushes recorded, %u windows, last committed epoch "
           "%llu\n", writes, flushes, windows, (unsigned long long)durable_epoch);
    printf("crash-explore: %llu crash states explored (%llu with the previous checkpoint also "
           "named), %llu inconsistent\n", (unsigned long long)states,
           (unsigned long long)booted[1], (unsigned long long)inconsistent);
    return inconsistent ? 1 : 0;
}
