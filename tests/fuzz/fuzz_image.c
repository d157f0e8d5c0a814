/*
 * The image fuzzers' input: a sparse image (FUZZ_FIELDS: edits of one, below).
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
 * reads, every program-table block, and the full check of cairn-img verify (which reads the
 * held console output, the program table and the run list's chain; store_open reads the chain
 * too).
 *
 * FUZZ_FIELDS (fuzz_fields) crafts hostile contents behind right checksums: its input edits
 * one of the seed images of tests/fuzz/corpus/image (read at start-up; CAIRN_FUZZ_BASES names
 * another directory), field by field, then reseals every CRC and runs both of the above:
 *
 *   u8 base (which seed image), then edits of 12 bytes:
 *   u8 kind (superblock, root record, map leaf, object record, run-list block, release record,
 *   program-table block),
 *   u8 which (the which-th block of that kind), u8 op (bits 0-1: width 1, 2 or 4 bytes;
 *   bits 2-3: set the value, add it, xor it, or set interesting[value]), u8 unused,
 *   u16 offset (in the block after its header), u16 unused, u32 value.
 *
 * So a mutation lands on a Process record's FPU state or state byte, a run-list entry, a map
 * entry's version or bank, a program's name, size or first page, the geometry in a superblock,
 * and still passes every CRC.
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
            for (uint32_t b = 0; b < CAIRN_DISK_PROGRAM_BLOCKS; b++)
                if (root->programs.blocks[b].block)
                    root->programs.blocks[b].crc32c = crc_of(root->programs.blocks[b].block);
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
    reseal_type(CAIRN_BLOCK_PROGRAM_TABLE);
    for (uint32_t pass = 0; pass < RUN_LIST_PASSES; pass++)   /* a chain, one link a pass */
        reseal_type(CAIRN_BLOCK_RUN_LIST);
    reseal_type(CAIRN_BLOCK_MAP_LEAF);
    for (uint32_t level = 0; level < CAIRN_MAP_MAX_DEPTH; level++)
        reseal_type(CAIRN_BLOCK_MAP_INTERIOR);
    reseal_type(CAIRN_BLOCK_ROOT);
    reseal_type(CAIRN_BLOCK_SUPERBLOCK);
}

static int load_sparse(const uint8_t *data, size_t size)
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

#ifdef FUZZ_FIELDS
#include <dirent.h>
#include <stdio.h>

enum { MAX_BASES = 16, EDIT_SIZE = 12, KINDS = 7 };

static uint8_t *bases[MAX_BASES];
static size_t base_sizes[MAX_BASES];
static uint32_t base_count;

static void read_base(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (!file || base_count == MAX_BASES) {
        if (file)
            fclose(file);
        return;
    }
    uint8_t *data = malloc(5 + (size_t)MAX_BLOCKS * (4 + CAIRN_DISK_BLOCK_SIZE));
    size_t size = data ? fread(data, 1, 5 + (size_t)MAX_BLOCKS * (4 + CAIRN_DISK_BLOCK_SIZE),
                               file) : 0;
    fclose(file);
    if (size < 5) {
        free(data);
        return;
    }
    bases[base_count] = data;
    base_sizes[base_count++] = size;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *directory = getenv("CAIRN_FUZZ_BASES");
    if (!directory)
        directory = "tests/fuzz/corpus/image";
    DIR *listing = opendir(directory);
    struct dirent *item;
    while (listing && (item = readdir(listing)) != NULL) {
        char path[512];
        if (item->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", directory, item->d_name);
        read_base(path);
    }
    if (listing)
        closedir(listing);
    if (base_count == 0) {
        fprintf(stderr, "fuzz_fields: no seed images in %s (set CAIRN_FUZZ_BASES)\n", directory);
        exit(1);
    }
    return 0;
}

/* The which-th present block of the kind (a block type), or NULL. */
static uint8_t *nth_block(uint32_t type, uint32_t which)
{
    uint32_t found = 0, count = 0;
    for (uint32_t i = 0; i < present; i++) {
        const struct cairn_block_header *header = (const void *)blocks[i];
        count += header->magic == CAIRN_DISK_MAGIC && header->type == type;
    }
    if (count == 0)
        return NULL;
    which %= count;
    for (uint32_t i = 0; i < present; i++) {
        const struct cairn_block_header *header = (const void *)blocks[i];
        if (header->magic == CAIRN_DISK_MAGIC && header->type == type && found++ == which)
            return blocks[i];
    }
    return NULL;
}

static void apply_edit(const uint8_t *edit)
{
    static const uint32_t kinds[KINDS] = { CAIRN_BLOCK_SUPERBLOCK, CAIRN_BLOCK_ROOT,
                                           CAIRN_BLOCK_MAP_LEAF, CAIRN_BLOCK_OBJECT,
                                           CAIRN_BLOCK_RUN_LIST, CAIRN_BLOCK_RELEASE,
                                           CAIRN_BLOCK_PROGRAM_TABLE };
    static const uint32_t interesting[16] = { 0, 1, 2, 0xFF, 0x100, 0x101, 0x280, 0x281, 0xFFFF,
                                              0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE,
                                              0xFFFFFFFF, CAIRN_DISK_BLOCK_SIZE, 0x3F5 };
    uint8_t *block = nth_block(kinds[edit[0] % KINDS], edit[1]);
    if (!block)
        return;
    uint32_t width = 1u << (edit[2] & 3);
    if (width > 4)
        width = 4;
    uint16_t offset;
    uint32_t value, old = 0;
    memcpy(&offset, edit + 4, 2);
    memcpy(&value, edit + 8, 4);
    size_t body = CAIRN_DISK_BLOCK_SIZE - sizeof(struct cairn_block_header);
    uint8_t *field = block + sizeof(struct cairn_block_header) + offset % (body - 3);
    memcpy(&old, field, width);
    switch ((edit[2] >> 2) & 3) {
    case 0: break;
    case 1: value += old; break;
    case 2: value ^= old; break;
    case 3: value = interesting[value % 16]; break;
    }
    memcpy(field, &value, width);
}

static int load_input(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint32_t base = data[0] % base_count;
    if (!load_sparse(bases[base], base_sizes[base]))
        return 0;
    for (size_t at = 1; at + EDIT_SIZE <= size; at += EDIT_SIZE)
        apply_edit(data + at);
    reseal_all();
    return 1;
}
#else
static int load_input(const uint8_t *data, size_t size)
{
    return load_sparse(data, size);
}
#endif

static struct store store;

#if defined(FUZZ_RECOVERY) || defined(FUZZ_FIELDS)
static void recover_map(void)
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
#endif

#ifndef FUZZ_RECOVERY
static void verify(void)
{
    static struct image_check check;
    static uint8_t buffer[CAIRN_DISK_BLOCK_SIZE] __attribute__((aligned(16)));
    struct cairn_map_entry entry;
    for (uint64_t oid = 0; oid <= store.root.oid_limit && oid < 4096; oid++)
        if (store_lookup(&store, oid, &entry) == STORE_OK && entry.block)
            store_read_entry(&store, oid, &entry, buffer);
    struct cairn_disk_program program;
    store_find_program(&store, &store.root, "init", &program);     /* as a fresh boot does */
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

static void recover(void)
{
#if defined(FUZZ_RECOVERY) || defined(FUZZ_FIELDS)
    recover_map();
#endif
#ifndef FUZZ_RECOVERY
    verify();
#endif
}

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
