/* Root-record bounds the fuzzers showed were missing: each a check in format_check_root_fields. */
#include <string.h>
#include "unit.h"
#include "checkpoint/format.h"

static struct cairn_superblock super;
static struct cairn_root_record root;
static char why[200];

/* A sound root of a 64-segment log with a one-leaf map of 100 OIDs and a program table of one
 * block. */
static void make_sound_root(void)
{
    memset(&super, 0, sizeof(super));
    memset(&root, 0, sizeof(root));
    super.log_start = CAIRN_DISK_LOG_START;
    super.segment_blocks = CAIRN_DISK_SEGMENT_BLOCKS;
    super.segment_count = 64;
    super.device_blocks = CAIRN_DISK_LOG_START + 64 * CAIRN_DISK_SEGMENT_BLOCKS;
    root.header.block = 40;
    root.map_root.block = 39;
    root.log_head = 41;
    root.oid_limit = 100;
    root.programs.count = 1;
    root.programs.blocks[0] = (struct cairn_block_pointer){ 38, 0x1234 };
}

UNIT_TEST(root_sound_fields_pass)
{
    make_sound_root();
    UNIT_EXPECT(format_check_root_fields(&root, &super, why, sizeof(why)));
}

/* fuzz_image: a data set of 2^31 pages made cairn-img verify print a line per page. */
UNIT_TEST(root_data_set_outside_the_map_is_refused)
{
    make_sound_root();
    root.data.first_page = 50;
    root.data.page_count = 0x80000000u;
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
    UNIT_EXPECT(strstr(why, "outside its object map") != NULL);
    root.data.page_count = 50;                  /* OIDs 50 .. 99: inside */
    UNIT_EXPECT(format_check_root_fields(&root, &super, why, sizeof(why)));
}

/* The program table: at most 1,024 programs, the blocks it uses in the log, no others. */
UNIT_TEST(root_program_table_that_does_not_fit_is_refused)
{
    make_sound_root();
    root.programs.count = CAIRN_DISK_PROGRAMS + 1;
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
    UNIT_EXPECT(strstr(why, "program table that does not fit") != NULL);
    root.programs.count = CAIRN_DISK_PROGRAM_BLOCK_ENTRIES + 1;     /* two blocks, one pointer */
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
    root.programs.blocks[1] = (struct cairn_block_pointer){ 37, 1 };
    UNIT_EXPECT(format_check_root_fields(&root, &super, why, sizeof(why)));
    root.programs.blocks[1].block = 3;          /* a release record's block: not in the log */
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
    root.programs.count = 1;                    /* a second pointer for one block's programs */
    root.programs.blocks[1].block = 37;
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
    root.programs.blocks[1] = (struct cairn_block_pointer){ 0, 0 };
    root.programs.reserved = 1;
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
    root.programs.reserved = 0;
    UNIT_EXPECT(format_check_root_fields(&root, &super, why, sizeof(why)));
}

/* A depth-0 map holds 254 OIDs; a larger limit made store_lookup wrap onto other OIDs. */
UNIT_TEST(root_oid_limit_beyond_its_map_depth_is_refused)
{
    make_sound_root();
    root.oid_limit = 300;
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
    UNIT_EXPECT(strstr(why, "more OIDs than its object map can hold") != NULL);
    root.map_depth = 1;
    UNIT_EXPECT(format_check_root_fields(&root, &super, why, sizeof(why)));
}

/* Held console output: at most 64 KiB, its blocks in the log, no pointer beyond its length. */
UNIT_TEST(root_console_output_out_of_bounds_is_refused)
{
    make_sound_root();
    root.console.length = 5000;                 /* two blocks */
    root.console.blocks[0].block = 30;
    root.console.blocks[1].block = 31;
    UNIT_EXPECT(format_check_root_fields(&root, &super, why, sizeof(why)));
    root.console.blocks[1].block = 3;           /* a release record's block: not in the log */
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
    UNIT_EXPECT(strstr(why, "console output") != NULL);
    root.console.blocks[1].block = 31;
    root.console.blocks[2].crc32c = 1;          /* a third pointer for two blocks of bytes */
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
    root.console.blocks[2].crc32c = 0;
    root.console.length = CAIRN_DISK_CONSOLE_BLOCKS * 4096 + 1;
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
    root.console.length = 0;
    root.console.blocks[0].block = root.console.blocks[1].block = 0;
    UNIT_EXPECT(format_check_root_fields(&root, &super, why, sizeof(why)));
}

/* The console's foreground: two OIDs of the map, or none; one half alone makes no sense. */
UNIT_TEST(root_console_foreground_outside_the_map_is_refused)
{
    make_sound_root();
    root.foreground = (struct cairn_disk_foreground){ 60, 1, 50, 1 };
    UNIT_EXPECT(format_check_root_fields(&root, &super, why, sizeof(why)));
    root.foreground.reader = 100;
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
    UNIT_EXPECT(strstr(why, "console foreground") != NULL);
    root.foreground.reader = 0;
    UNIT_EXPECT(!format_check_root_fields(&root, &super, why, sizeof(why)));
}

/* Held network frames: checked apart from the root (frames that fail are dropped, the checkpoint
 * is used), for length, count and blocks. */
UNIT_TEST(held_frames_bounds)
{
    make_sound_root();
    UNIT_EXPECT(format_check_held_frames(&root, &super));       /* none */
    root.frames.position = 1000;
    root.frames.length = 2 * (2 + 60);
    root.frames.count = 2;
    root.frames.blocks[0].block = 50;
    UNIT_EXPECT(format_check_held_frames(&root, &super));
    root.frames.count = 20;         /* more frames than the bytes could hold */
    UNIT_EXPECT(!format_check_held_frames(&root, &super));
    root.frames.count = 0;          /* bytes but no frames */
    UNIT_EXPECT(!format_check_held_frames(&root, &super));
    root.frames.count = 2;
    root.frames.blocks[0].block = 3;    /* outside the log */
    UNIT_EXPECT(!format_check_held_frames(&root, &super));
    root.frames.blocks[0].block = 50;
    root.frames.blocks[1].block = 51;   /* a block the length does not use */
    UNIT_EXPECT(!format_check_held_frames(&root, &super));
    root.frames.blocks[1].block = 0;
    root.frames.length = CAIRN_DISK_FRAME_BLOCKS * CAIRN_DISK_BLOCK_SIZE + 1;
    UNIT_EXPECT(!format_check_held_frames(&root, &super));
    root.frames.length = 2 * (2 + 60);
    root.frames.position = UINT64_MAX - 10;     /* the stream would wrap */
    UNIT_EXPECT(!format_check_held_frames(&root, &super));
}
