/*
 * The image fuzzers' input: a sparse image.
 *
 *   u8 flags (bit 0: reseal: recompute every CRC a block or pointer carries, bottom up, so
 *            that mutations get past the checksums), u32 device blocks (at most 4096),
 *   then records of a u32 block number and its 4096 bytes (at most 64).
 *
 * Blocks not given read as zeros. tests/fuzz/corpus/ holds small real images in this form
 * (tests/fuzz/make-seed turns an image file into one; tests/fuzz/make-run-list-seed makes
 * one whose run list has a chain of run-list blocks). Built twice: FUZZ_RECOVERY runs the
 * kernel's recovery (store_open, the release records, then writer_load_map over both
 * checkpoints), otherwise store_open, the release records, map lookups of every OID, object
 * reads, and the full check of cairn-img verify (which reads the held console output and the
 * run list's chain; store_open reads the chain too).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "checkpoint/crc32c.h"
#include "checkpoint/format.h"
#include "checkpoint/store.h"
#include "checkpoint/writer.h"
#include "tools/host_shim.h"
#include "tools/image_check.h"

enum { MAX_BLOCKS = 64, MAX_DEVICE = 4096, RUN_LIST_PASSES = 4 };

static uint32_t numbers[MAX_BLOCKS], present;
static uint8_t blocks[MAX_BLOCKS][CAIRN_DISK_BLOCK_SIZE] __attribute__((aligned(16)));

static uint8_t *find_block(uint64_t number)
{
    for (uint32_t i = 0; i < present; i++)
        if (numbers[i] == number)
            return blocks[i];
    return NULL;
}

static int fuzz_submit(struct block_device *device, struct block_request *request)
{
    if (request->operation != BLOCK_FLUSH &&
        (request->count == 0 || request->block + request->count > device->block_count))
        return BLOCK_OUT_OF_RANGE;
    if (request->operation == BLOCK_READ) {
        for (uint32_t i = 0; i < request->count; i++) {
            uint8_t *block = find_block(request->block + i);
            uint8_t *to = (uint8_t *)request->buffer + (size_t)i * CAIRN_DISK_BLOCK_SIZE;
            if (block)
                memcpy(to, block, CAIRN_DISK_BLOCK_SIZE);
            else
                memset(to, 0, CAIRN_DISK_BLOCK_SIZE);
        }
    }
    request->done(request, BLOCK_OK);
    return BLOCK_OK;
}

static struct block_device fuzz_device = {
    .name = "fuzz", .can_flush = 1, .max_blocks = 64, .submit = fuzz_submit,
};

static uint32_t crc_of(uint32_t number)
{
    uint8_t *block = find_block(number);
    static const uint8_t zero[CAIRN_DISK_BLOCK_SIZE];
    return crc32c(block ? block : zero, CAIRN_DISK_BLOCK_SIZE);
}

static void reseal_header(uint8_t *block)
{
    struct cairn_block_header *header = (void *)block;
    header->crc32c = format_block_crc(block);
}

static void reseal_type(uint32_t type)
{
    for (uint32_t i = 0; i < present; i++) {
        struct cairn_block_header *header = (void *)blocks[i];
        if (header->magic != CAIRN_DISK_MAGIC || header->type != type)
            continue;
        if (type == CAIRN_BLOCK_MAP_LEAF) {
            struct cairn_map_leaf *leaf = (void *)blocks[i];
            for (uint32_t e = 0; e < CAIRN_MAP_LEAF_ENTRIES; e++)
                if (leaf->entries[e].block)
                    leaf->entries[e].crc32c = crc_of(leaf->entries[e].block);
        } else if (type == CAIRN_BLOCK_MAP_INTERIOR) {
            struct cairn_map_interior *node = (void *)blocks[i];
            for (uint32_t c = 0; c < CAIRN_MAP_INTERIOR_CHILDREN; c++)
                if (node->children[c].block)
                    node->children[c].crc32c = crc_of(node->children[c].block);
        } else if (type == CAIRN_BLOCK_ROOT) {
            struct cairn_root_record *root = (void *)blocks[i];
            root->map_root.crc32c = crc_of(root->map_root.block);
            for (uint32_t c = 0; c < CAIRN_DISK_CONSOLE_BLOCKS; c++)
                if (root->console.blocks[c].block)
                    root->console.blocks[c].crc32c = crc_of(root->console.blocks[c].block);
            if (root->run_list.last.block)
                root->run_list.last.crc32c = crc_of(root->run_list.last.block);
        } else if (type == CAIRN_BLOCK_RUN_LIST) {
            struct cairn_run_list_block *chain = (void *)blocks[i];
            if (chain->previous.block)
                chain->previous.crc32c = crc_of(chain->previous.block);
        } else if (type == CAIRN_BLOCK_SUPERBLOCK) {
            struct cairn_superblock *super = (void *)blocks[i];
            super->root.crc32c = crc_of(super->root.block);
        }
        reseal_header(blocks[i]);
    }
}

static void reseal_all(void)
{
    reseal_type(CAIRN_BLOCK_OBJECT);
    reseal_type(CAIRN_BLOCK_RELEASE);
    for (uint32_t pass = 0; pass < RUN_LIST_PASSES; pass++)   /* a chain, one link a pass */
        reseal_type(CAIRN_BLOCK_RUN_LIST);
    reseal_type(CAIRN_BLOCK_MAP_LEAF);
    for (uint32_t level = 0; level < CAIRN_MAP_MAX_DEPTH; level++)
        reseal_type(CAIRN_BLOCK_MAP_INTERIOR);
    reseal_type(CAIRN_BLOCK_ROOT);
    reseal_type(CAIRN_BLOCK_SUPERBLOCK);
}

static int load_input(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    uint32_t device_blocks;
    memcpy(&device_blocks, data + 1, 4);
    fuzz_device.block_count = device_blocks % (MAX_DEVICE + 1);
    present = 0;
    for (size_t at = 5; at + 4 <= size && present < MAX_BLOCKS; at += 4 + CAIRN_DISK_BLOCK_SIZE) {
        memcpy(&numbers[present], data + at, 4);
        size_t length = size - at - 4 < CAIRN_DISK_BLOCK_SIZE ? size - at - 4 : CAIRN_DISK_BLOCK_SIZE;
        memset(blocks[present], 0, CAIRN_DISK_BLOCK_SIZE);
        memcpy(blocks[present], data + at + 4, length);
        present++;
    }
    if (data[0] & 1)
        reseal_all();
    return 1;
}

static struct store store;

#ifdef FUZZ_RECOVERY
static void recover(void)
{
    static struct writer writer;
    uint32_t limit = (uint32_t)store.root.oid_limit;
    if (store.older_usable && store.older_root.oid_limit > limit)
        limit = (uint32_t)store.older_root.oid_limit;
    if (limit > 1u << 16)
        return;
    memset(&writer, 0, sizeof(writer));
    writer.store = &store;
    writer.zalloc = host_zalloc;
    writer.release = free;
    writer.segment_live = calloc(store.super.segment_count + 1, sizeof(uint16_t));
    writer.segment_used = calloc(store.super.segment_count + 1, 1);
    if (writer_reserve(&writer, limit + 1) && writer.segment_live && writer.segment_used &&
        writer_load_map(&writer) == STORE_OK)
        writer_free_segments(&writer);
    writer_release_map(&writer);
    free(writer.segment_live);
    free(writer.segment_used);
}
#else
static void recover(void)
{
    static struct image_check check;
    static uint8_t buffer[CAIRN_DISK_BLOCK_SIZE] __attribute__((aligned(16)));
    struct cairn_map_entry entry;
    for (uint64_t oid = 0; oid <= store.root.oid_limit && oid < 4096; oid++)
        if (store_lookup(&store, oid, &entry) == STORE_OK && entry.block)
            store_read_entry(&store, oid, &entry, buffer);
    if (image_check_init(&check, &store) == 0) {
        const struct cairn_root_record newest = store.root, older = store.older_root;
        int older_usable = store.older_usable;
        if (newest.oid_limit <= 1u << 16)
            image_check_checkpoint(&check, &newest);
        if (older_usable && older.oid_limit <= 1u << 16)
            image_check_checkpoint(&check, &older);
    }
    image_check_free(&check);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!load_input(data, size))
        return 0;
    if (store_open(&store, &fuzz_device) == STORE_OK) {
        uint64_t released;
        uint32_t newest;
        store_read_released(&store, &released, &newest);    /* as a boot does */
        recover();
    }
    return 0;
}
