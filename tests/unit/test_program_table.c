/*
 * The program table in its own blocks: format_check_program_block on crafted
 * blocks (every damage a crafted image can carry behind right checksums), the
 * store reading the table through its checked pointers, and the cleaner
 * moving the table's blocks out of a segment it empties.
 *
 * The image, on a RAM device: an empty map leaf, then a program table of 200
 * programs in two blocks (126 + 74; program i is "p<i>", one Page at OID
 * 1 + i % 160: the map's free OIDs, which these checks do not look at),
 * then the root record of epoch 1 (169 OIDs) and superblock A.
 */
#include <stdio.h>
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
    DEVICE_BLOCKS = LOG_START + SEGMENT_BLOCKS * SEGMENTS, PROGRAMS = 200, OID_LIMIT = 400,
    TABLE_FIRST = LOG_START + 1, ROOT_BLOCK = LOG_START + 3,
};

static uint8_t *disk;

static int ram_submit(struct block_device *device, struct block_request *request)
{
    (void)device;
    uint8_t *at = disk + request->block * CAIRN_DISK_BLOCK_SIZE;
    size_t bytes = (size_t)request->count * CAIRN_DISK_BLOCK_SIZE;
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

/* Block index of the table (programs index * 126 ..), sealed at number with epoch. */
static void make_table_block(struct cairn_program_table_block *block, uint32_t index,
                             uint32_t number, uint64_t epoch)
{
    memset(block, 0, sizeof(*block));
    uint32_t first = index * CAIRN_DISK_PROGRAM_BLOCK_ENTRIES;
    block->index = index;
    block->count = PROGRAMS - first < CAIRN_DISK_PROGRAM_BLOCK_ENTRIES
                   ? PROGRAMS - first : CAIRN_DISK_PROGRAM_BLOCK_ENTRIES;
    for (uint32_t i = 0; i < block->count; i++) {
        struct cairn_disk_program *program = &block->programs[i];
        snprintf(program->name, sizeof(program->name), "p%u", first + i);
        program->first_page = 1 + (first + i) % 160;    /* inside a one-leaf map */
        program->size = 100;
    }
    format_seal_block(block, CAIRN_BLOCK_PROGRAM_TABLE, epoch, number);
}

/* The root's log head: where the next checkpoint writes. */
static void image_with_table(uint32_t log_head)
{
    if (!disk)
        disk = malloc((size_t)DEVICE_BLOCKS * CAIRN_DISK_BLOCK_SIZE);
    memset(disk, 0, (size_t)DEVICE_BLOCKS * CAIRN_DISK_BLOCK_SIZE);
    format_seal_block(block_at(LOG_START), CAIRN_BLOCK_MAP_LEAF, 1, LOG_START);
    struct cairn_root_record *root = block_at(ROOT_BLOCK);
    root->oid_limit = CAIRN_MAP_LEAF_ENTRIES;
    root->map_root = (struct cairn_block_pointer){ LOG_START, crc32c(block_at(LOG_START),
                                                                      CAIRN_DISK_BLOCK_SIZE) };
    root->log_head = log_head;
    root->programs.count = PROGRAMS;
    for (uint32_t index = 0; index < 2; index++) {
        make_table_block(block_at(TABLE_FIRST + index), index, TABLE_FIRST + index, 1);
        root->programs.blocks[index] = (struct cairn_block_pointer){
            TABLE_FIRST + index, crc32c(block_at(TABLE_FIRST + index), CAIRN_DISK_BLOCK_SIZE) };
    }
    format_seal_block(root, CAIRN_BLOCK_ROOT, 1, ROOT_BLOCK);
    struct cairn_superblock *super = block_at(0);
    super->block_size = CAIRN_DISK_BLOCK_SIZE;
    super->device_blocks = DEVICE_BLOCKS;
    super->log_start = LOG_START;
    super->segment_blocks = SEGMENT_BLOCKS;
    super->segment_count = SEGMENTS;
    super->root = (struct cairn_block_pointer){ ROOT_BLOCK, crc32c(root, CAIRN_DISK_BLOCK_SIZE) };
    format_seal_block(super, CAIRN_BLOCK_SUPERBLOCK, 1, 0);
}

static struct cairn_root_record root;
static struct cairn_program_table_block table_block;
static char why[200];

/* A root of OID_LIMIT OIDs and epoch 5 whose table has PROGRAMS programs; its block 1. */
static void make_sound_block(void)
{
    memset(&root, 0, sizeof(root));
    root.header.epoch = 5;
    root.oid_limit = OID_LIMIT;
    root.programs.count = PROGRAMS;
    make_table_block(&table_block, 1, 50, 3);
}

static int block_passes(void)
{
    return format_check_program_block(&table_block, &root, 1, why, sizeof(why));
}

UNIT_TEST(program_table_sound_block_passes)
{
    make_sound_block();
    UNIT_EXPECT(block_passes());
    table_block.header.epoch = 5;               /* written by the root's own checkpoint */
    UNIT_EXPECT(block_passes());
}

UNIT_TEST(program_table_block_out_of_place_is_refused)
{
    make_sound_block();
    table_block.header.epoch = 6;
    UNIT_EXPECT(!block_passes());
    UNIT_EXPECT(strstr(why, "newer than its root record") != NULL);
    make_sound_block();
    UNIT_EXPECT(!format_check_program_block(&table_block, &root, 0, why, sizeof(why)));
    UNIT_EXPECT(strstr(why, "out of place") != NULL);
    table_block.count = CAIRN_DISK_PROGRAM_BLOCK_ENTRIES;   /* the last block says it is full */
    UNIT_EXPECT(!block_passes());
    make_sound_block();
    table_block.reserved[1] = 7;
    UNIT_EXPECT(!block_passes());
    make_sound_block();
    table_block.programs[PROGRAMS - CAIRN_DISK_PROGRAM_BLOCK_ENTRIES].size = 1;     /* past count */
    UNIT_EXPECT(!block_passes());
    UNIT_EXPECT(strstr(why, "entry past its count") != NULL);
}

UNIT_TEST(program_table_names_that_are_not_names_are_refused)
{
    make_sound_block();
    memset(table_block.programs[3].name, 'x', CAIRN_DISK_PROGRAM_NAME);
    UNIT_EXPECT(!block_passes());
    UNIT_EXPECT(strstr(why, "entry 3: program 'xxxxxxxxxxxxxxxxxxxx' has a name that is not "
                            "NUL-terminated") != NULL);
    make_sound_block();
    memset(table_block.programs[0].name, 0, CAIRN_DISK_PROGRAM_NAME);
    UNIT_EXPECT(!block_passes());
    UNIT_EXPECT(strstr(why, "empty name") != NULL);
    make_sound_block();
    table_block.programs[0].name[10] = 'z';     /* "p126", then NULs, then a stray byte */
    UNIT_EXPECT(!block_passes());
    UNIT_EXPECT(strstr(why, "bytes after the NUL") != NULL);
}

UNIT_TEST(program_table_pages_outside_the_map_are_refused)
{
    make_sound_block();
    table_block.programs[5].first_page = 0;
    UNIT_EXPECT(!block_passes());
    UNIT_EXPECT(strstr(why, "pages outside the object map") != NULL);
    make_sound_block();
    table_block.programs[5].first_page = OID_LIMIT - 1;
    table_block.programs[5].size = 4097;        /* two pages: the second is OID_LIMIT */
    UNIT_EXPECT(!block_passes());
    table_block.programs[5].size = 4096;
    UNIT_EXPECT(block_passes());
    table_block.programs[5].size = 0xFFFFF001u;     /* would wrap to 0 pages in 32 bits */
    table_block.programs[5].first_page = 1;
    UNIT_EXPECT(!block_passes());
    table_block.programs[5].size = 0;
    UNIT_EXPECT(!block_passes());
    UNIT_EXPECT(strstr(why, "is empty") != NULL);
    make_sound_block();
    table_block.programs[5].reserved = 1;
    UNIT_EXPECT(!block_passes());
}

UNIT_TEST(program_table_is_read_through_checked_pointers)
{
    static struct store store;
    struct cairn_disk_program program;
    image_with_table(ROOT_BLOCK + 1);
    UNIT_ASSERT(store_open(&store, &ram) == STORE_OK);
    UNIT_EXPECT_INT_EQ(format_program_blocks(&store.root), 2);
    UNIT_ASSERT(store_find_program(&store, &store.root, "p150", &program) == STORE_OK);
    UNIT_EXPECT_INT_EQ(program.first_page, 151);
    UNIT_EXPECT_STORE_STATUS(store_find_program(&store, &store.root, "p200", &program),
                             STORE_NOT_FOUND);
    /* A byte of block 1 changes (its CRC32C resealed): the root's pointer no longer matches. */
    struct cairn_program_table_block *stored = block_at(TABLE_FIRST + 1);
    stored->programs[0].size = 200;
    format_seal_block(stored, CAIRN_BLOCK_PROGRAM_TABLE, 1, TABLE_FIRST + 1);
    UNIT_EXPECT_STORE_STATUS(store_find_program(&store, &store.root, "p150", &program),
                             STORE_CORRUPT);
    UNIT_EXPECT(strstr(store.error, "does not match the checksum its parent recorded") != NULL);
    UNIT_ASSERT(store_find_program(&store, &store.root, "p20", &program) == STORE_OK);  /* block 0 */
    memset(stored, 0, CAIRN_DISK_BLOCK_SIZE);
    UNIT_EXPECT_STORE_STATUS(store_read_program_block(&store, &store.root, 1), STORE_CORRUPT);
    UNIT_EXPECT_STORE_STATUS(store_read_program_block(&store, &store.root, 2), STORE_NOT_FOUND);
}

static void relocate_nothing(uint64_t oid, void *data)
{
    (void)oid;
    (void)data;
}

/*
 * Segment 0 holds the map, the table and the root; the root's log head is
 * segment 1, and segments 2.. are made full of live blocks, so the cleaner
 * must take segment 0. The next checkpoint carries the table on in copies
 * in segment 1; with segment 0 then wiped, the store still finds program 150.
 */
UNIT_TEST(program_table_is_moved_by_the_cleaner)
{
    static struct store store;
    static struct writer writer;
    struct cairn_disk_program program;
    image_with_table(LOG_START + SEGMENT_BLOCKS);
    UNIT_ASSERT(store_open(&store, &ram) == STORE_OK);
    writer = (struct writer){ .store = &store, .zalloc = host_zalloc, .release = free };
    writer.batch = malloc(WRITER_BATCH_BUFFERS * WRITER_BATCH_BLOCKS * CAIRN_DISK_BLOCK_SIZE);
    writer.segment_live = calloc(SEGMENTS, sizeof(uint16_t));
    writer.segment_used = calloc(SEGMENTS, 1);
    UNIT_ASSERT(writer_reserve(&writer, CAIRN_MAP_LEAF_ENTRIES));
    UNIT_ASSERT(writer_load_map(&writer) == STORE_OK);
    UNIT_EXPECT_INT_EQ(writer.segment_live[0], 2);      /* the table's blocks are live data */
    for (uint32_t s = 2; s < SEGMENTS; s++) {
        writer.segment_used[s] = SEGMENT_NEWEST;
        writer.segment_live[s] = SEGMENT_BLOCKS;
    }
    UNIT_EXPECT_INT_EQ(writer_clean(&writer, 0, relocate_nothing, NULL), 1);
    UNIT_EXPECT_INT_EQ(writer.programs_moving, 3);
    writer_begin(&writer);
    root = store.root;
    UNIT_ASSERT(writer_commit(&writer, &root) == STORE_OK);
    for (uint32_t index = 0; index < 2; index++) {
        UNIT_EXPECT(store.root.programs.blocks[index].block >= LOG_START + SEGMENT_BLOCKS);
        UNIT_EXPECT(store.root.programs.blocks[index].block < LOG_START + 2 * SEGMENT_BLOCKS);
    }
    UNIT_EXPECT(!(writer.segment_used[0] & SEGMENT_NEWEST));
    UNIT_EXPECT(writer.segment_used[1] & SEGMENT_NEWEST);
    /* The copies count as live data of segment 1 (no object is there), so it stays in use
     * after the next commits, and the cleaner moves them again when it takes segment 1. */
    UNIT_EXPECT_INT_EQ(writer.segment_live[1], 2);
    memset(block_at(LOG_START), 0, (size_t)SEGMENT_BLOCKS * CAIRN_DISK_BLOCK_SIZE);
    UNIT_ASSERT(store_open(&store, &ram) == STORE_OK);
    UNIT_EXPECT_INT_EQ(store.root.header.epoch, 2);
    UNIT_ASSERT(store_find_program(&store, &store.root, "p150", &program) == STORE_OK);
    UNIT_EXPECT_INT_EQ(program.first_page, 151);
    writer_release_map(&writer);
    free(writer.batch);
    free(writer.segment_live);
    free(writer.segment_used);
}
