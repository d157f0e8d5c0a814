/* Host tests of the on-disk format code: CRC32C vectors, sealing and checking blocks, map paths. */
#include <string.h>
#include <cairn/abi.h>
#include "unit.h"
#include "checkpoint/crc32c.h"
#include "tools/host_crc32c.h"
#include "checkpoint/format.h"
#include "checkpoint/store.h"

static uint8_t block[CAIRN_DISK_BLOCK_SIZE] __attribute__((aligned(16)));
static char why[256];

/* Each way: the tables, and the host's crc32 instruction where it has one. */
UNIT_TEST(crc32c_known_vectors)
{
    crc32c_function *const ways[] = { NULL, host_crc32c() };
    uint8_t bytes[32];
    for (size_t way = 0; way < 2; way++) {
        crc32c_use(ways[way]);
        UNIT_EXPECT_INT_EQ(crc32c("123456789", 9), 0xE3069283u);
        memset(bytes, 0, sizeof(bytes));
        UNIT_EXPECT_INT_EQ(crc32c(bytes, 32), 0x8A9136AAu);
        memset(bytes, 0xFF, sizeof(bytes));
        UNIT_EXPECT_INT_EQ(crc32c(bytes, 32), 0x62A8AB43u);
        for (int i = 0; i < 32; i++)
            bytes[i] = (uint8_t)i;
        UNIT_EXPECT_INT_EQ(crc32c(bytes, 32), 0x46DD794Eu);
        UNIT_EXPECT_INT_EQ(crc32c("", 0), 0u);
    }
    host_crc32c_choose();
}

UNIT_TEST(crc32c_update_in_pieces_matches_whole)
{
    const char *text = "The disk is untrusted input.";
    uint32_t whole = crc32c(text, strlen(text));
    uint32_t pieces = crc32c_update(crc32c_update(0, text, 7), text + 7, strlen(text) - 7);
    UNIT_EXPECT_INT_EQ(pieces, whole);
}

static void sealed_leaf(uint32_t number)
{
    memset(block, 0, sizeof(block));
    struct cairn_map_leaf *leaf = (struct cairn_map_leaf *)block;
    leaf->entries[3] = (struct cairn_map_entry){ .block = 99, .crc32c = 0x1234, .version = 2,
                                                 .type = CAIRN_TYPE_PAGE };
    format_seal_block(block, CAIRN_BLOCK_MAP_LEAF, 7, number);
}

UNIT_TEST(sealed_block_checks_and_round_trips)
{
    sealed_leaf(40);
    UNIT_EXPECT(format_check_block(block, CAIRN_BLOCK_MAP_LEAF, 40, why, sizeof(why)));
    const struct cairn_map_leaf *leaf = (const struct cairn_map_leaf *)block;
    UNIT_EXPECT_INT_EQ(leaf->header.epoch, 7u);
    UNIT_EXPECT_INT_EQ(leaf->entries[3].block, 99u);
    UNIT_EXPECT_INT_EQ(leaf->entries[3].version, 2u);
}

UNIT_TEST(check_names_each_kind_of_damage)
{
    sealed_leaf(40);
    block[100] ^= 1;
    UNIT_EXPECT(!format_check_block(block, CAIRN_BLOCK_MAP_LEAF, 40, why, sizeof(why)));
    UNIT_EXPECT(strstr(why, "bad checksum") != NULL);

    sealed_leaf(40);
    UNIT_EXPECT(!format_check_block(block, CAIRN_BLOCK_ROOT, 40, why, sizeof(why)));
    UNIT_EXPECT(strstr(why, "is a map leaf where a root record was expected") != NULL);

    sealed_leaf(41);
    UNIT_EXPECT(!format_check_block(block, CAIRN_BLOCK_MAP_LEAF, 40, why, sizeof(why)));
    UNIT_EXPECT(strstr(why, "misplaced") != NULL);

    sealed_leaf(40);
    ((struct cairn_block_header *)block)->format_version = 1;   /* an image from before banks */
    ((struct cairn_block_header *)block)->crc32c = format_block_crc(block);
    UNIT_EXPECT(!format_check_block(block, CAIRN_BLOCK_MAP_LEAF, 40, why, sizeof(why)));
    UNIT_EXPECT(strstr(why, "format version 1") != NULL);

    memset(block, 0, sizeof(block));
    UNIT_EXPECT(!format_check_block(block, CAIRN_BLOCK_MAP_LEAF, 40, why, sizeof(why)));
    UNIT_EXPECT(strstr(why, "not a Cairn block") != NULL);
}

UNIT_TEST(map_depth_grows_with_oids)
{
    const uint64_t leaf = CAIRN_MAP_LEAF_ENTRIES;
    UNIT_EXPECT_INT_EQ(store_map_depth_for(1), 0u);
    UNIT_EXPECT_INT_EQ(store_map_depth_for(leaf), 0u);
    UNIT_EXPECT_INT_EQ(store_map_depth_for(leaf + 1), 1u);
    UNIT_EXPECT_INT_EQ(store_map_depth_for(leaf * 508), 1u);
    UNIT_EXPECT_INT_EQ(store_map_depth_for(leaf * 508 + 1), 2u);
}

UNIT_TEST(map_path_indexes_leaf_and_interior_nodes)
{
    const uint64_t leaf = CAIRN_MAP_LEAF_ENTRIES;
    uint32_t indices[CAIRN_MAP_MAX_DEPTH + 1];
    store_map_path(leaf - 1, 0, indices);
    UNIT_EXPECT_INT_EQ(indices[0], (uint32_t)leaf - 1);
    store_map_path(leaf * 5 + 7, 1, indices);
    UNIT_EXPECT_INT_EQ(indices[0], 5u);
    UNIT_EXPECT_INT_EQ(indices[1], 7u);
    store_map_path((leaf * 508) * 3 + leaf * 2 + 1, 2, indices);
    UNIT_EXPECT_INT_EQ(indices[0], 3u);
    UNIT_EXPECT_INT_EQ(indices[1], 2u);
    UNIT_EXPECT_INT_EQ(indices[2], 1u);
}

UNIT_TEST(superblock_geometry_checks)
{
    static struct cairn_superblock super;
    memset(&super, 0, sizeof(super));
    super.block_size = CAIRN_DISK_BLOCK_SIZE;
    super.device_blocks = 1024;
    super.log_start = CAIRN_DISK_LOG_START;
    super.segment_blocks = 256;
    super.segment_count = 3;
    super.root = (struct cairn_block_pointer){ 100, 0 };
    format_seal_block(&super, CAIRN_BLOCK_SUPERBLOCK, 1, 0);
    UNIT_EXPECT(format_check_superblock(&super, 0, 1024, why, sizeof(why)));
    UNIT_EXPECT(!format_check_superblock(&super, 0, 1000, why, sizeof(why)));
    UNIT_EXPECT(strstr(why, "truncated") != NULL);
    super.root.block = 5000;
    format_seal_block(&super, CAIRN_BLOCK_SUPERBLOCK, 1, 0);
    UNIT_EXPECT(!format_check_superblock(&super, 0, 1024, why, sizeof(why)));
    UNIT_EXPECT(strstr(why, "root record outside the log") != NULL);
    super.root.block = 100;
    super.feature_incompat = CAIRN_DISK_INCOMPAT_NIC;      /* known: fine */
    format_seal_block(&super, CAIRN_BLOCK_SUPERBLOCK, 1, 0);
    UNIT_EXPECT(format_check_superblock(&super, 0, 1024, why, sizeof(why)));
    super.feature_incompat = CAIRN_DISK_INCOMPAT_NIC << 1;  /* a bit this code does not know */
    format_seal_block(&super, CAIRN_BLOCK_SUPERBLOCK, 1, 0);
    UNIT_EXPECT(!format_check_superblock(&super, 0, 1024, why, sizeof(why)));
    UNIT_EXPECT(strstr(why, "incompatible features") != NULL);
    /* Issue 15, item 7: the cleaner's relocation list holds four segments of 256 blocks. */
    super.feature_incompat = 0;
    super.segment_blocks = 512;
    super.segment_count = 1;
    format_seal_block(&super, CAIRN_BLOCK_SUPERBLOCK, 1, 0);
    UNIT_EXPECT(!format_check_superblock(&super, 0, 1024, why, sizeof(why)));
    UNIT_EXPECT(strstr(why, "segments of more than 256 blocks") != NULL);
}

/* Issue 15, item 5: an fxsave image with reserved MXCSR bits would fault fxrstor in ring 0. */
UNIT_TEST(process_record_with_reserved_mxcsr_bits_is_refused)
{
    static struct cairn_object_record record;
    memset(&record, 0, sizeof(record));
    record.receive_slot = CAIRN_NO_SLOT;
    uint32_t mxcsr = 0x1F80;                /* the reset value: every exception masked */
    memcpy(record.context.fpu + 24, &mxcsr, sizeof(mxcsr));
    UNIT_EXPECT(format_check_process_record(&record, why, sizeof(why)));
    mxcsr |= 0x00010000;
    memcpy(record.context.fpu + 24, &mxcsr, sizeof(mxcsr));
    UNIT_EXPECT(!format_check_process_record(&record, why, sizeof(why)));
    UNIT_EXPECT(strstr(why, "reserved MXCSR bits") != NULL);
}
