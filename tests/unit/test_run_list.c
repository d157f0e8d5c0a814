/*
 * The run list beyond the root record's 640 OIDs: the writer's chain of
 * run-list blocks, read back by store_open and store_visit_run_list, and
 * each check of format_check_root_fields and format_check_run_list_block.
 *
 * A checkpoint of N processes is written over a RAM device: a fresh image
 * (empty map, epoch 1), N Process entries (OIDs 1..N, no data: the chain
 * is what is tested), the run list, then a full commit.
 *
 * The same image and writer also show the statuses the store and the writer
 * return for each kind of trouble: a full log, a failed write, a failed read;
 * and the writer reading the committed map into leaves it makes as it goes.
 */
#include <stdlib.h>
#include <string.h>
#include <cairn/abi.h>
#include "unit.h"
#include "checkpoint/crc32c.h"
#include "checkpoint/format.h"
#include "checkpoint/writer.h"
#include "tools/host_shim.h"

enum {
    SEGMENT_BLOCKS = 32, SEGMENTS = 16, LOG_START = CAIRN_DISK_LOG_START,
    DEVICE_BLOCKS = LOG_START + SEGMENT_BLOCKS * SEGMENTS, MAX_PROCESSES = 5000,
};

static uint8_t *disk;                   /* DEVICE_BLOCKS blocks */
static int failing = -1;                /* requests of this enum block_operation fail (-1: none) */

static int ram_submit(struct block_device *device, struct block_request *request)
{
    (void)device;
    uint8_t *at = disk + request->block * CAIRN_DISK_BLOCK_SIZE;
    size_t bytes = (size_t)request->count * CAIRN_DISK_BLOCK_SIZE;
    if ((int)request->operation == failing) {
        request->done(request, BLOCK_ERROR);
        return BLOCK_OK;
    }
    if (request->operation == BLOCK_WRITE)
        memcpy(at, request->buffer, bytes);
    else if (request->operation == BLOCK_READ)
        memcpy(request->buffer, at, bytes);
    request->done(request, BLOCK_OK);
    return BLOCK_OK;
}

static struct block_device ram = {
    .name = "ram", .block_count = DEVICE_BLOCKS, .can_flush = 1, .max_blocks = 64,
    .submit = ram_submit,
};

static void *block_at(uint32_t number)
{
    return disk + (size_t)number * CAIRN_DISK_BLOCK_SIZE;
}

/* Empty map leaf, root record of epoch 1, superblock A. */
static void image_fresh(void)
{
    if (!disk)
        disk = malloc((size_t)DEVICE_BLOCKS * CAIRN_DISK_BLOCK_SIZE);
    memset(disk, 0, (size_t)DEVICE_BLOCKS * CAIRN_DISK_BLOCK_SIZE);
    format_seal_block(block_at(LOG_START), CAIRN_BLOCK_MAP_LEAF, 1, LOG_START);
    struct cairn_root_record *root = block_at(LOG_START + 1);
    root->oid_limit = 1;
    root->map_root = (struct cairn_block_pointer){ LOG_START, crc32c(block_at(LOG_START),
                                                                      CAIRN_DISK_BLOCK_SIZE) };
    root->log_head = LOG_START + 2;
    format_seal_block(root, CAIRN_BLOCK_ROOT, 1, LOG_START + 1);
    struct cairn_superblock *super = block_at(0);
    super->block_size = CAIRN_DISK_BLOCK_SIZE;
    super->device_blocks = DEVICE_BLOCKS;
    super->log_start = LOG_START;
    super->segment_blocks = SEGMENT_BLOCKS;
    super->segment_count = SEGMENTS;
    super->root = (struct cairn_block_pointer){ LOG_START + 1, crc32c(root, CAIRN_DISK_BLOCK_SIZE) };
    format_seal_block(super, CAIRN_BLOCK_SUPERBLOCK, 1, 0);
}

static struct store store;
static struct writer writer;
static struct cairn_root_record root;
static struct cairn_run_list_block chain_block;

static void writer_setup(void)
{
    if (writer.release)
        writer_release_map(&writer);
    free(writer.batch);
    free(writer.segment_live);
    free(writer.segment_used);
    writer = (struct writer){ 0 };
    writer.store = &store;
    writer.zalloc = host_zalloc;
    writer.release = free;
    writer_reserve(&writer, MAX_PROCESSES + 2);
    writer.batch = malloc(WRITER_BATCH_BUFFERS * WRITER_BATCH_BLOCKS * CAIRN_DISK_BLOCK_SIZE);
    writer.segment_live = calloc(SEGMENTS, sizeof(uint16_t));
    writer.segment_used = calloc(SEGMENTS, 1);
}

/* The OID the i-th process of the test's run list has: all distinct, not in order. */
static uint32_t listed_oid(uint32_t i, uint32_t processes)
{
    return processes - i;
}

/* A fresh image, opened, its map loaded into a fresh writer, and a checkpoint begun. */
static int writer_ready(void)
{
    failing = -1;
    image_fresh();
    if (store_open(&store, &ram) != STORE_OK)
        return 0;
    writer_setup();
    if (writer_load_map(&writer) != STORE_OK)
        return 0;
    writer_begin(&writer);
    return 1;
}

/* A fresh image, then a checkpoint of processes processes; 1 when it committed. */
static int checkpoint_with(uint32_t processes)
{
    if (!writer_ready())
        return 0;
    for (uint32_t oid = 1; oid <= processes; oid++)
        writer_put_entry(&writer, oid, 1, CAIRN_TYPE_PROCESS);
    root = store.root;
    writer_run_list_begin(&root, &chain_block);
    for (uint32_t i = 0; i < processes; i++)
        if (writer_run_list_add(&writer, &root, &chain_block, listed_oid(i, processes)) !=
            STORE_OK)
            return 0;
    return writer_run_list_end(&writer, &root, &chain_block) == STORE_OK &&
           writer_commit(&writer, &root) == STORE_OK;
}

static uint32_t visited[MAX_PROCESSES + 1], visited_count, chain_blocks_seen;

static void note_oid(uint32_t oid, void *data)
{
    (void)data;
    if (visited_count <= MAX_PROCESSES)
        visited[visited_count++] = oid;
}

static void note_block(uint32_t block, void *data)
{
    (void)block;
    (void)data;
    chain_blocks_seen++;
}

static int visit_run_list(void)
{
    visited_count = chain_blocks_seen = 0;
    struct store_run_list_visitor visitor = { note_oid, note_block, NULL };
    return store_visit_run_list(&store, &store.root, &visitor);
}

/* Every OID of processes once, whatever the order of the walk. */
static int visited_all_once(uint32_t processes)
{
    if (visited_count != processes)
        return 0;
    format_sort_oids(visited, visited_count);
    for (uint32_t i = 0; i < processes; i++)
        if (visited[i] != i + 1)
            return 0;
    return 1;
}

UNIT_TEST(run_list_of_2000_processes_round_trips)
{
    UNIT_ASSERT(checkpoint_with(2000));
    UNIT_ASSERT(store_open(&store, &ram) == STORE_OK);
    UNIT_EXPECT_INT_EQ(store.root.header.epoch, 2);
    UNIT_EXPECT_INT_EQ(store.root.process_count, CAIRN_DISK_PROCESSES);
    UNIT_EXPECT_INT_EQ(store.root.run_list.count, 2000 - CAIRN_DISK_PROCESSES);
    UNIT_EXPECT_INT_EQ(format_run_list_blocks(&store.root), 2);
    UNIT_ASSERT(visit_run_list() == STORE_OK);
    UNIT_EXPECT_INT_EQ(chain_blocks_seen, 2);
    UNIT_EXPECT(visited_all_once(2000));
}

/* The kernel's writer makes no leaf of the committed map before reading it (boot does not
 * zero a map that grows with the store): writer_load_begin makes room, each step makes the
 * leaf it reads from zalloc_kept (a step that finds no memory is tried again), writer_reserve
 * meanwhile leaves the stored leaves to the load, and the map read is the one read into
 * leaves made beforehand. */
static uint32_t kept_calls, kept_failures;

static void *kept_zalloc(size_t size)
{
    kept_calls++;
    if (kept_failures) {
        kept_failures--;
        return NULL;
    }
    return calloc(1, size);
}

UNIT_TEST(writer_makes_the_stored_leaves_of_its_map_as_it_reads_them)
{
    enum { STORED = 2001, LEAVES = (STORED + CAIRN_MAP_LEAF_ENTRIES - 1) / CAIRN_MAP_LEAF_ENTRIES };
    UNIT_ASSERT(checkpoint_with(STORED - 1));
    UNIT_ASSERT(store_open(&store, &ram) == STORE_OK && store.older_usable);
    writer_setup();                         /* every leaf made beforehand */
    UNIT_ASSERT(writer_load_map(&writer) == STORE_OK);
    static struct cairn_map_entry made_before[STORED];
    static struct cairn_block_pointer leaf_blocks[LEAVES];
    static uint16_t live[SEGMENTS];
    for (uint32_t oid = 1; oid < STORED; oid++)
        made_before[oid] = *writer_entry(&writer, oid);
    for (uint32_t l = 0; l < LEAVES; l++)
        leaf_blocks[l] = writer.leaves[l]->block;
    memcpy(live, writer.segment_live, sizeof(live));

    writer_release_map(&writer);
    memset(writer.segment_live, 0, SEGMENTS * sizeof(uint16_t));
    memset(writer.segment_used, 0, SEGMENTS);
    writer.zalloc_kept = kept_zalloc;
    kept_calls = 0;
    kept_failures = 1;
    UNIT_ASSERT(writer_load_begin(&writer) == STORE_OK);
    UNIT_EXPECT_INT_EQ(writer.stored_leaves, LEAVES);
    UNIT_EXPECT(writer.capacity >= STORED && writer.leaves[0] == NULL &&
                writer.leaves[LEAVES - 1] == NULL);
    UNIT_ASSERT(writer_reserve(&writer, STORED + CAIRN_MAP_LEAF_ENTRIES));  /* a new OID */
    UNIT_EXPECT(writer.leaves[LEAVES] != NULL && writer.leaves[1] == NULL);
    uint32_t short_of_memory = 0;
    while (writer.load_pass != WRITER_LOAD_DONE) {
        int status = writer_load_step(&writer);
        short_of_memory += status == STORE_NO_MEMORY;
        UNIT_ASSERT(status == STORE_OK || status == STORE_NO_MEMORY);
    }
    UNIT_EXPECT_INT_EQ(short_of_memory, 1);
    UNIT_EXPECT_INT_EQ(kept_calls, LEAVES + 1);
    for (uint32_t oid = 1; oid < STORED; oid++)
        UNIT_EXPECT(memcmp(writer_entry(&writer, oid), &made_before[oid],
                           sizeof(made_before[oid])) == 0);
    for (uint32_t l = 0; l < LEAVES; l++)
        UNIT_EXPECT(memcmp(&writer.leaves[l]->block, &leaf_blocks[l], sizeof(leaf_blocks[l])) == 0);
    UNIT_EXPECT(memcmp(writer.segment_live, live, sizeof(live)) == 0);
    writer.zalloc_kept = NULL;
}

UNIT_TEST(run_list_without_a_chain_reads_as_before)
{
    UNIT_ASSERT(checkpoint_with(CAIRN_DISK_PROCESSES));
    UNIT_ASSERT(store_open(&store, &ram) == STORE_OK);
    static const struct cairn_disk_run_list none;
    UNIT_EXPECT(memcmp(&store.root.run_list, &none, sizeof(none)) == 0);
    UNIT_ASSERT(visit_run_list() == STORE_OK);
    UNIT_EXPECT_INT_EQ(chain_blocks_seen, 0);
    UNIT_EXPECT(visited_all_once(CAIRN_DISK_PROCESSES));
}

/* Exactly full blocks: no empty block at the end of the chain. */
UNIT_TEST(run_list_of_whole_blocks_has_no_empty_block)
{
    UNIT_ASSERT(checkpoint_with(CAIRN_DISK_PROCESSES + 3 * CAIRN_DISK_RUN_LIST_OIDS));
    UNIT_ASSERT(store_open(&store, &ram) == STORE_OK);
    UNIT_ASSERT(visit_run_list() == STORE_OK);
    UNIT_EXPECT_INT_EQ(chain_blocks_seen, 3);
    UNIT_EXPECT(visited_all_once(CAIRN_DISK_PROCESSES + 3 * CAIRN_DISK_RUN_LIST_OIDS));
}

/* Rewrites the chain's last block with change applied, resealed, and the root and superblock
 * pointing at it again, as a crafted image would; returns the store's verdict on opening it. */
static int open_with_last_block_changed(void (*change)(struct cairn_run_list_block *block))
{
    struct cairn_superblock *super = block_at(store.superblock_block);
    struct cairn_root_record *stored_root = block_at(super->root.block);
    struct cairn_run_list_block *last = block_at(stored_root->run_list.last.block);
    change(last);
    format_seal_block(last, CAIRN_BLOCK_RUN_LIST, last->header.epoch, last->header.block);
    stored_root->run_list.last.crc32c = crc32c(last, CAIRN_DISK_BLOCK_SIZE);
    format_seal_block(stored_root, CAIRN_BLOCK_ROOT, stored_root->header.epoch,
                      stored_root->header.block);
    super->root.crc32c = crc32c(stored_root, CAIRN_DISK_BLOCK_SIZE);
    format_seal_block(super, CAIRN_BLOCK_SUPERBLOCK, super->header.epoch, super->header.block);
    return store_open(&store, &ram);
}

static void change_oid_outside_the_map(struct cairn_run_list_block *block)
{
    block->oids[0] = 2001;
}

static void change_index(struct cairn_run_list_block *block)
{
    block->index = 0;
}

static void change_count(struct cairn_run_list_block *block)
{
    block->count--;
}

static void change_epoch(struct cairn_run_list_block *block)
{
    block->header.epoch = 1;
}

static void change_back_pointer_to_itself(struct cairn_run_list_block *block)
{
    block->previous = (struct cairn_block_pointer){ block->header.block, 0 };
}

static void change_slot_past_count(struct cairn_run_list_block *block)
{
    block->oids[CAIRN_DISK_RUN_LIST_OIDS - 1] = 5;
}

/* Each damage makes the newest checkpoint unusable; the fresh one (epoch 1) is used instead
 * and the reason kept in store.rejected. */
UNIT_TEST(run_list_block_damage_falls_back_to_the_older_checkpoint)
{
    void (*const changes[])(struct cairn_run_list_block *) = {
        change_oid_outside_the_map, change_index, change_count, change_epoch,
        change_back_pointer_to_itself, change_slot_past_count,
    };
    for (uint32_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
        UNIT_ASSERT(checkpoint_with(2000));
        UNIT_ASSERT(store_open(&store, &ram) == STORE_OK);
        UNIT_EXPECT(open_with_last_block_changed(changes[i]) == STORE_OK);
        UNIT_EXPECT_INT_EQ(store.root.header.epoch, 1);
        UNIT_EXPECT(strstr(store.rejected, "run-list block") != NULL);
    }
}

/* A stale pointer (a CRC other than the block's) is refused like any other. */
UNIT_TEST(run_list_block_with_a_bad_checksum_is_refused)
{
    UNIT_ASSERT(checkpoint_with(2000));
    UNIT_ASSERT(store_open(&store, &ram) == STORE_OK);
    struct cairn_run_list_block *last = block_at(store.root.run_list.last.block);
    last->oids[3] ^= 1;
    UNIT_ASSERT(visit_run_list() == STORE_CORRUPT);
    UNIT_EXPECT(strstr(store.error, "checksum") != NULL);
    UNIT_ASSERT(store_open(&store, &ram) == STORE_OK);
    UNIT_EXPECT_INT_EQ(store.root.header.epoch, 1);
}

static struct cairn_superblock super;

/* A root of a 16-segment log, 3000 OIDs, 640 processes and a chain of count OIDs. */
static void make_root(uint32_t count)
{
    memset(&super, 0, sizeof(super));
    memset(&root, 0, sizeof(root));
    super.log_start = LOG_START;
    super.segment_blocks = SEGMENT_BLOCKS;
    super.segment_count = SEGMENTS;
    super.device_blocks = DEVICE_BLOCKS;
    root.header.block = 40;
    root.map_root.block = 39;
    root.map_depth = 1;
    root.log_head = 41;
    root.oid_limit = 3000;
    root.process_count = CAIRN_DISK_PROCESSES;
    for (uint32_t i = 0; i < CAIRN_DISK_PROCESSES; i++)
        root.processes[i] = i + 1;
    root.run_list.count = count;
    root.run_list.last.block = count ? 38 : 0;
}

UNIT_TEST(root_run_list_fields_are_checked)
{
    static char why[200];
    make_root(1000);
    UNIT_EXPECT(format_check_root_fields(&root, &super, why, sizeof(why)));
    make_root(0);
    UNIT_EXPECT(format_check_root_fields(&root, &super, why, sizeof(why)));
    root.run_list.last.block = 38;              /* a pointer with no chain */
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
    make_root(3000 - CAIRN_DISK_PROCESSES);     /* more processes than OIDs below the limit */
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
    UNIT_EXPECT(strstr(why, "run-list chain") != NULL);
    make_root(0xFFFFFFFFu);                     /* a count that would overflow 32 bits */
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
    make_root(1000);
    root.run_list.last.block = 3;               /* outside the log */
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
    make_root(1000);
    root.process_count = 600;                   /* a chain after a processes[] not full */
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
    make_root(1000);
    root.run_list.reserved = 1;
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
}

/* issue 15 item 6: a root record naming one process twice queued it twice at resume. */
UNIT_TEST(root_processes_named_twice_or_outside_the_map_are_refused)
{
    static char why[200];
    make_root(0);
    root.processes[400] = root.processes[7];
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
    UNIT_EXPECT(strstr(why, "twice") != NULL);
    make_root(0);
    root.processes[9] = 3000;
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
    make_root(0);
    root.processes[9] = 0;
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
}

UNIT_TEST(oid_sort_finds_duplicates)
{
    uint32_t oids[] = { 9, 3, 7, 1, 3, 8 };
    format_sort_oids(oids, 6);
    for (uint32_t i = 1; i < 6; i++)
        UNIT_EXPECT(oids[i - 1] <= oids[i]);
    UNIT_EXPECT_INT_EQ(format_find_duplicate_oid(oids, 6), 3);
    uint32_t distinct[] = { 5, 4, 6 };
    format_sort_oids(distinct, 3);
    UNIT_EXPECT_INT_EQ(format_find_duplicate_oid(distinct, 3), 0);
    format_sort_oids(NULL, 0);
}

/* --- the statuses of trouble ------------------------------------------------------------- */

static uint8_t object_block[CAIRN_DISK_BLOCK_SIZE] __attribute__((aligned(16)));

/* Until 2026-12-02 a full log was STORE_IO_ERROR, which store.h defines as a failed read. */
UNIT_TEST(writer_says_the_log_is_full)
{
    UNIT_ASSERT(writer_ready());
    int status = STORE_OK;
    for (uint32_t oid = 1; oid <= SEGMENTS * SEGMENT_BLOCKS && status == STORE_OK; oid++)
        status = writer_put_object(&writer, oid, 1, CAIRN_TYPE_PAGE, 0, object_block,
                                   WRITER_RAW_BLOCK);
    UNIT_EXPECT_STORE_STATUS(status, STORE_LOG_FULL);
    UNIT_EXPECT(strstr(writer.error, "the log is full") != NULL);
}

UNIT_TEST(writer_says_a_write_failed)
{
    UNIT_ASSERT(writer_ready());
    failing = BLOCK_WRITE;
    UNIT_EXPECT_STORE_STATUS(writer_put_object(&writer, 1, 1, CAIRN_TYPE_PAGE, 0, object_block,
                                               WRITER_RAW_BLOCK), STORE_OK);    /* gathered */
    root = store.root;
    UNIT_EXPECT_STORE_STATUS(writer_commit(&writer, &root), STORE_WRITE_ERROR);
    UNIT_EXPECT(strstr(writer.error, "write failed") != NULL);
    failing = BLOCK_FLUSH;
    writer_begin(&writer);
    UNIT_EXPECT_STORE_STATUS(writer_commit(&writer, &root), STORE_WRITE_ERROR);
    UNIT_EXPECT(strstr(writer.error, "flush failed") != NULL);
}

UNIT_TEST(store_says_a_read_failed)
{
    UNIT_ASSERT(writer_ready());
    failing = BLOCK_READ;
    struct cairn_root_record read_root;
    UNIT_EXPECT_STORE_STATUS(store_read_root_at(&store, store.super.root.block, &read_root),
                             STORE_READ_ERROR);
    failing = -1;
}

UNIT_TEST(store_statuses_have_distinct_names)
{
    for (int status = 0; status < STORE_STATUS_COUNT; status++) {
        UNIT_EXPECT(strcmp(store_status_name(status), "unknown status") != 0);
        for (int other = 0; other < status; other++)
            UNIT_EXPECT(strcmp(store_status_name(status), store_status_name(other)) != 0);
    }
    UNIT_EXPECT_STR_EQ(store_status_name(STORE_LOG_FULL), "log full");
    UNIT_EXPECT_STR_EQ(store_status_name(STORE_STATUS_COUNT), "unknown status");
    UNIT_EXPECT_STR_EQ(store_status_name(-1), "unknown status");
}
