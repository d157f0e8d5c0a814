/* libFuzzer target: one block through every header, superblock, root record, program-table block
 * and process check. */
#include <stdint.h>
#include <string.h>
#include "checkpoint/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static union {
        uint8_t bytes[CAIRN_DISK_BLOCK_SIZE];
        struct cairn_superblock super;
        struct cairn_root_record root;
        struct cairn_object_record record;
        struct cairn_program_table_block programs;
    } block;
    /* A root the program-table checks measure the block against: 200 programs in two blocks. */
    static const struct cairn_root_record root = { .header.epoch = 4, .oid_limit = 1000,
                                                   .programs.count = 200 };
    char why[200];
    if (size < 8)
        return 0;
    uint32_t number, device_blocks;
    memcpy(&number, data, 4);
    memcpy(&device_blocks, data + 4, 4);
    memset(&block, 0, sizeof(block));
    memcpy(block.bytes, data + 8, size - 8 < sizeof(block) ? size - 8 : sizeof(block));
    if (number & 0x80000000u)                   /* half the inputs get a valid header */
        format_seal_block(&block, block.super.header.type, block.super.header.epoch,
                          number & 0x7FFFFFFF);
    for (uint32_t type = 0; type <= CAIRN_BLOCK_PROGRAM_TABLE + 1; type++)
        format_check_block(&block, type, number & 0x7FFFFFFF, why, sizeof(why));
    if (format_check_superblock(&block.super, number & 0x7FFFFFFF, device_blocks, why,
                                sizeof(why))) {
        format_check_root(&block.root, &block.super, why, sizeof(why));
        format_check_root_fields(&block.root, &block.super, why, sizeof(why));
        format_check_held_frames(&block.root, &block.super);
    }
    format_check_process_record(&block.record, why, sizeof(why));
    format_check_program_block(&block.programs, &root, block.programs.index % 2, why, sizeof(why));
    format_block_type_name(block.super.header.type);
    format_map_capacity(block.root.map_depth);
    return 0;
}
