/*
 * mkimage: builds a fresh Cairn image (format 3) from user programs.
 *
 *   mkimage -o IMAGE [--size MIB] [--data-mib N] [--data-seed S] PROGRAM.elf...
 *
 * The image holds the root Bank (OID 1), each program's ELF file as Pages
 * with consecutive OIDs, an optional read-only data set of N MiB of
 * pseudo-random bytes (for demand-paging tests), the object map and a root
 * record marked fresh, so that the first boot builds init and the run=
 * programs. Objects are laid out in the log in OID order, then the program
 * table (126 programs a block, at most 1,024 programs), then the map, then
 * the root record; superblock A points at it and B is left blank.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cairn/abi.h>
#include <cairn/disk_format.h>
#include "../checkpoint/crc32c.h"
#include "host_crc32c.h"
#include "../checkpoint/format.h"
#include "../checkpoint/store.h"

enum { EPOCH = 1, DEFAULT_SIZE_MIB = 64, BANK_OID = 1 };

struct image {
    int fd;
    const char *path;
    uint32_t next_block;                /* next free block of the log */
    uint32_t device_blocks;
    struct cairn_map_entry *entries;    /* indexed by OID */
    uint32_t oid_limit;
    struct cairn_disk_program programs[CAIRN_DISK_PROGRAMS];   /* the program table */
    struct cairn_root_record root;
};

static void die(const char *format, const char *detail)
{
    fprintf(stderr, "mkimage: ");
    fprintf(stderr, format, detail);
    fprintf(stderr, "\n");
    exit(1);
}

static uint32_t image_write_block(struct image *image, const void *block)
{
    if (image->next_block >= image->device_blocks)
        die("the image is too small for its contents; use a larger --size%s", "");
    uint32_t number = image->next_block++;
    if (pwrite(image->fd, block, CAIRN_DISK_BLOCK_SIZE, (off_t)number * CAIRN_DISK_BLOCK_SIZE) !=
        CAIRN_DISK_BLOCK_SIZE)
        die("cannot write %s", image->path);
    return number;
}

/* Writes a raw object block (a Page) and records it in the map. */
static void image_add_page(struct image *image, uint32_t oid, const void *data)
{
    uint32_t block = image_write_block(image, data);
    image->entries[oid] = (struct cairn_map_entry){ .block = block,
        .crc32c = crc32c(data, CAIRN_DISK_BLOCK_SIZE), .version = 1, .type = CAIRN_TYPE_PAGE };
}

/* The superblock's geometry fields for an image of image->device_blocks. */
static void image_geometry(const struct image *image, struct cairn_superblock *super)
{
    super->block_size = CAIRN_DISK_BLOCK_SIZE;
    super->device_blocks = image->device_blocks;
    super->log_start = CAIRN_DISK_LOG_START;
    super->segment_blocks = CAIRN_DISK_SEGMENT_BLOCKS;
    super->segment_count = (image->device_blocks - CAIRN_DISK_LOG_START) / CAIRN_DISK_SEGMENT_BLOCKS;
}

/* The root bank, written once every other object is made: its limit is what the store can
 * hold (format_store_capacity) less the blocks the image's own objects keep. */
static void image_add_bank(struct image *image)
{
    static struct cairn_object_record record;
    struct cairn_superblock super = { 0 };
    image_geometry(image, &super);
    uint32_t capacity = format_store_capacity(&super), kept = image->oid_limit - 1;
    if (capacity <= kept)
        die("the image is too small to hold anything beyond its programs; use a larger --size%s",
            "");
    memset(&record, 0, sizeof(record));
    record.oid = BANK_OID;
    record.version = 1;
    record.type = CAIRN_TYPE_BANK;
    record.bank_limit = capacity - kept;
    format_seal_block(&record, CAIRN_BLOCK_OBJECT, EPOCH, image->next_block);
    uint32_t block = image_write_block(image, &record);
    image->entries[BANK_OID] = (struct cairn_map_entry){
        .block = block, .crc32c = crc32c(&record, CAIRN_DISK_BLOCK_SIZE), .version = 1,
        .type = CAIRN_TYPE_BANK };
    image->root.bank = BANK_OID;
}

static char *read_file(const char *path, uint32_t *size)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        die("cannot open %s", path);
    fseek(file, 0, SEEK_END);
    long length = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *data = calloc(1, (size_t)length + CAIRN_DISK_BLOCK_SIZE);
    if (!data || fread(data, 1, (size_t)length, file) != (size_t)length)
        die("cannot read %s", path);
    fclose(file);
    *size = (uint32_t)length;
    return data;
}

/* The program's name: the file name without directories and without ".elf", zero-padded (the
 * format checks that nothing follows the NUL). */
static void program_name(const char *path, char *name)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    strncpy(name, base, CAIRN_DISK_PROGRAM_NAME - 1);
    name[CAIRN_DISK_PROGRAM_NAME - 1] = 0;
    char *dot = strstr(name, ".elf");
    if (dot)
        memset(dot, 0, (size_t)(name + CAIRN_DISK_PROGRAM_NAME - dot));
}

static void image_add_program(struct image *image, const char *path)
{
    if (image->root.programs.count == CAIRN_DISK_PROGRAMS)
        die("too many programs (at most 1024): %s is one more", path);
    struct cairn_disk_program *program = &image->programs[image->root.programs.count];
    char *data = read_file(path, &program->size);
    program_name(path, program->name);
    if (program->size == 0)
        die("%s is empty: no program", path);
    if (program->name[0] == 0)
        die("%s gives a program no name", path);
    /* The kernel finds a program by its name: a second one of the same name could never run. */
    for (uint32_t i = 0; i < image->root.programs.count; i++)
        if (strcmp(image->programs[i].name, program->name) == 0)
            die("two programs are named '%s' (names come from the file names)", program->name);
    image->root.programs.count++;
    program->first_page = image->oid_limit;
    for (uint32_t offset = 0; offset < program->size; offset += CAIRN_DISK_BLOCK_SIZE)
        image_add_page(image, image->oid_limit++, data + offset);
    free(data);
}

/* N MiB of xorshift bytes; the FNV-1a 64 checksum goes into the root record. */
static void image_add_data(struct image *image, uint32_t mib, uint64_t seed)
{
    static uint64_t page[CAIRN_DISK_BLOCK_SIZE / 8];
    uint64_t state = seed ? seed : 1, checksum = 0xcbf29ce484222325ull;
    image->root.data.first_page = image->oid_limit;
    image->root.data.page_count = mib * 256;
    for (uint32_t p = 0; p < mib * 256; p++) {
        for (uint32_t i = 0; i < CAIRN_DISK_BLOCK_SIZE / 8; i++) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            page[i] = state;
        }
        const uint8_t *bytes = (const uint8_t *)page;
        for (uint32_t i = 0; i < CAIRN_DISK_BLOCK_SIZE; i++)
            checksum = (checksum ^ bytes[i]) * 0x100000001b3ull;
        image_add_page(image, image->oid_limit++, page);
    }
    image->root.data.checksum = checksum;
}

/* The program table: one sealed block per 126 programs, each named by a pointer in the root. */
static void image_write_program_table(struct image *image)
{
    static struct cairn_program_table_block block;
    uint32_t count = image->root.programs.count;
    for (uint32_t index = 0; index * CAIRN_DISK_PROGRAM_BLOCK_ENTRIES < count; index++) {
        uint32_t first = index * CAIRN_DISK_PROGRAM_BLOCK_ENTRIES;
        memset(&block, 0, sizeof(block));
        block.index = index;
        block.count = count - first < CAIRN_DISK_PROGRAM_BLOCK_ENTRIES
                      ? count - first : CAIRN_DISK_PROGRAM_BLOCK_ENTRIES;
        memcpy(block.programs, &image->programs[first], block.count * sizeof(block.programs[0]));
        format_seal_block(&block, CAIRN_BLOCK_PROGRAM_TABLE, EPOCH, image->next_block);
        uint32_t number = image_write_block(image, &block);
        image->root.programs.blocks[index] =
            (struct cairn_block_pointer){ number, crc32c(&block, sizeof(block)) };
    }
}

/* Writes one level of map blocks; returns how many; pointers[] gets theirs. */
static uint32_t image_write_map_level(struct image *image, struct cairn_block_pointer *pointers,
                                      uint32_t children, int leaf)
{
    static uint8_t block[CAIRN_DISK_BLOCK_SIZE];
    uint32_t per_block = leaf ? CAIRN_MAP_LEAF_ENTRIES : CAIRN_MAP_INTERIOR_CHILDREN;
    uint32_t count = (children + per_block - 1) / per_block;
    for (uint32_t b = 0; b < count; b++) {
        memset(block, 0, sizeof(block));
        for (uint32_t i = 0; i < per_block && b * per_block + i < children; i++) {
            if (leaf)
                ((struct cairn_map_leaf *)block)->entries[i] = image->entries[b * per_block + i];
            else
                ((struct cairn_map_interior *)block)->children[i] = pointers[b * per_block + i];
        }
        format_seal_block(block, leaf ? CAIRN_BLOCK_MAP_LEAF : CAIRN_BLOCK_MAP_INTERIOR, EPOCH,
                          image->next_block);
        uint32_t number = image_write_block(image, block);
        pointers[b] = (struct cairn_block_pointer){ number, crc32c(block, sizeof(block)) };
    }
    return count;
}

static void image_write_map(struct image *image)
{
    uint32_t depth = store_map_depth_for(image->oid_limit);
    struct cairn_block_pointer *pointers =
        calloc(image->oid_limit / CAIRN_MAP_LEAF_ENTRIES + 1, sizeof(*pointers));
    uint32_t count = image_write_map_level(image, pointers, image->oid_limit, 1);
    for (uint32_t level = 0; level < depth; level++)
        count = image_write_map_level(image, pointers, count, 0);
    image->root.map_root = pointers[0];
    image->root.map_depth = depth;
    image->root.oid_limit = image->oid_limit;
    free(pointers);
}

static void image_finish(struct image *image)
{
    static struct cairn_root_record root;
    static struct cairn_superblock super;
    root = image->root;
    root.flags = CAIRN_ROOT_FRESH;
    root.log_head = image->next_block + 1;
    format_seal_block(&root, CAIRN_BLOCK_ROOT, EPOCH, image->next_block);
    uint32_t root_block = image_write_block(image, &root);
    super.feature_compat = 0;
    super.feature_incompat = 0;
    image_geometry(image, &super);
    super.copy = 0;
    super.root = (struct cairn_block_pointer){ root_block, crc32c(&root, sizeof(root)) };
    format_seal_block(&super, CAIRN_BLOCK_SUPERBLOCK, EPOCH, CAIRN_DISK_SUPERBLOCK_A);
    if (pwrite(image->fd, &super, sizeof(super), 0) != sizeof(super) || fsync(image->fd) != 0)
        die("cannot write the superblock of %s", image->path);
}

static void usage(void)
{
    fprintf(stderr, "usage: mkimage -o IMAGE [--size MIB] [--data-mib N] [--data-seed S] "
                    "PROGRAM.elf...\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static struct image image;
    uint32_t size_mib = DEFAULT_SIZE_MIB, data_mib = 0;
    uint64_t seed = 1;
    int first_program = argc;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) image.path = argv[++i];
        else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) size_mib = (uint32_t)atoi(argv[++i]);
        else if (strcmp(argv[i], "--data-mib") == 0 && i + 1 < argc) data_mib = (uint32_t)atoi(argv[++i]);
        else if (strcmp(argv[i], "--data-seed") == 0 && i + 1 < argc) seed = strtoull(argv[++i], 0, 0);
        else if (argv[i][0] == '-') usage();
        else { first_program = i; break; }
    }
    if (!image.path || first_program == argc || size_mib < 1)
        usage();
    host_crc32c_choose();       /* the crc32 instruction where the host has SSE4.2 */
    image.device_blocks = size_mib * 256;
    image.next_block = CAIRN_DISK_LOG_START;
    uint32_t max_oids = image.device_blocks + 2;
    image.entries = calloc(max_oids, sizeof(*image.entries));
    image.oid_limit = BANK_OID + 1;
    image.fd = open(image.path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (image.fd < 0 || ftruncate(image.fd, (off_t)image.device_blocks * CAIRN_DISK_BLOCK_SIZE))
        die("cannot create %s", image.path);
    for (int i = first_program; i < argc; i++)
        image_add_program(&image, argv[i]);
    if (data_mib)
        image_add_data(&image, data_mib, seed);
    image_add_bank(&image);
    image_write_program_table(&image);
    image_write_map(&image);
    image_finish(&image);
    close(image.fd);
    printf("mkimage: %s: %u MiB, %u programs, %u MiB of data, %u objects, %u blocks used\n",
           image.path, size_mib, image.root.programs.count, data_mib, image.oid_limit - 1,
           image.next_block);
    return 0;
}
