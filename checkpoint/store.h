/* The store's read side: choosing a superblock and root record, and looking OIDs up in the object map. */
#ifndef CHECKPOINT_STORE_H
#define CHECKPOINT_STORE_H

#include <stdint.h>
#include <cairn/disk_format.h>
#include "blockdev.h"

/* What the store's and the writer's calls return; store->error or writer->error says more. */
enum store_status {
    STORE_OK = 0,
    STORE_READ_ERROR,           /* the device failed a read */
    STORE_NOT_CAIRN,            /* no Cairn image on the device */
    STORE_CORRUPT,              /* a check failed: checksum, type, bounds, version */
    STORE_NOT_FOUND,            /* an OID the map does not describe */
    STORE_WRITE_ERROR,          /* the device failed a write or a flush (the writer) */
    STORE_LOG_FULL,             /* no segment is free to write into (the writer) */
    STORE_NO_MEMORY,            /* the caller's memory ran out; the step may be tried again */
    STORE_STATUS_COUNT
};

/* The name of a status in words ("log full"); "unknown status" for a value outside the enum. */
const char *store_status_name(int status);

enum { STORE_MESSAGE_SIZE = 200 };

struct store {
    struct block_device *device;
    struct cairn_superblock super;      /* the one in use */
    struct cairn_root_record root;      /* its root record */
    uint32_t superblock_block;          /* CAIRN_DISK_SUPERBLOCK_A or _B */
    struct cairn_root_record older_root;    /* the previous checkpoint, when older_usable */
    int older_usable;
    char rejected[STORE_MESSAGE_SIZE];  /* "epoch E (superblock X): why" of a newer superblock
                                           passed over ("" if none) */
    char error[STORE_MESSAGE_SIZE];     /* why the last failing call failed */
    /* Map blocks last read, one per level (0 = the root's level): a cache. */
    uint32_t map_cached[CAIRN_MAP_MAX_DEPTH + 1];
    uint32_t map_cached_crc[CAIRN_MAP_MAX_DEPTH + 1];   /* the CRC32C the cached block matched */
    uint8_t map_cache[CAIRN_MAP_MAX_DEPTH + 1][CAIRN_DISK_BLOCK_SIZE] __attribute__((aligned(16)));
    uint8_t scratch[CAIRN_DISK_BLOCK_SIZE] __attribute__((aligned(16)));
    struct cairn_run_list_block run_list;   /* the run-list block last read (store_visit_run_list) */
    struct cairn_program_table_block program_block; /* the program-table block last read */
};

/* Finds the newest usable checkpoint on device (checking superblock, root record, map root). */
int store_open(struct store *store, struct block_device *device);

/* The map entry of oid; STORE_NOT_FOUND for OIDs beyond the map. */
int store_lookup(struct store *store, uint64_t oid, struct cairn_map_entry *entry);

/* The checks store_lookup makes of an entry read from a leaf: a known type, a block in the log. */
int store_check_entry(struct store *store, uint64_t oid, const struct cairn_map_entry *entry);

/* Reads the block of a map entry into buffer (4096 bytes) and checks its CRC32C. */
int store_read_entry(struct store *store, uint64_t oid, const struct cairn_map_entry *entry,
                     void *buffer);

/* Reads and checks the object record (Bank) of oid. */
int store_read_record(struct store *store, uint64_t oid, const struct cairn_map_entry *entry,
                      struct cairn_object_record *record);

/* Reads block index of the console output root holds into buffer (4096 bytes); checks its CRC32C.
 * The root's fields were checked when it was read (format_check_root_fields). */
int store_read_console(struct store *store, const struct cairn_root_record *root, uint32_t index,
                       void *buffer);
/* Reads block index of the network frames root holds into buffer (4096 bytes): a block of the
 * log (format_check_held_frames said the field is sound), with its CRC32C. */
int store_read_frames(struct store *store, const struct cairn_root_record *root, uint32_t index,
                      void *buffer);

/* What store_visit_run_list calls: oid for every OID of the run list, block for the number of
 * each block of its chain, both with data (either may be NULL). */
struct store_run_list_visitor {
    void (*oid)(uint32_t oid, void *data);
    void (*block)(uint32_t block, void *data);
    void *data;
};

/*
 * Walks the run list of root (whose fields were checked): its processes[],
 * then its chain of run-list blocks, last block first, each read through its
 * checked pointer and checked (format_check_run_list_block) before its OIDs
 * are visited. OIDs are inside the map; the visitor finds duplicates. The
 * blocks are read into store->run_list, so the visitor may use the rest of
 * the store (look OIDs up, read objects).
 */
int store_visit_run_list(struct store *store, const struct cairn_root_record *root,
                         const struct store_run_list_visitor *visitor);

/* Reads block index of root's program table (root's fields checked) into store->program_block
 * through its checked pointer, and checks it (format_check_program_block); STORE_CORRUPT or
 * STORE_READ_ERROR with the reason in store->error. */
int store_read_program_block(struct store *store, const struct cairn_root_record *root,
                             uint32_t index);

/* The program of that name in root's program table, copied to *program (its entry checked):
 * STORE_OK; STORE_NOT_FOUND when no block read names it; or the status of the block that
 * failed its check (the blocks before it were searched). */
int store_find_program(struct store *store, const struct cairn_root_record *root,
                       const char *name, struct cairn_disk_program *program);

/* The newest valid release record (blocks 2 and 3): *released, the stream position output before
 * which reached the console, and the block it is in; STORE_NOT_FOUND when neither copy is valid. */
int store_read_released(struct store *store, uint64_t *released, uint32_t *newest);
/* The same, with the whole record (the frames' position too) copied into *record. */
int store_read_release_record(struct store *store, struct cairn_release_record *record,
                              uint32_t *newest);

/*
 * For tools that look at checkpoints other than the newest. store_find_geometry
 * fills store->super from the first superblock whose own checks pass (its root
 * record unchecked), for images store_open refused. store_read_root_at reads
 * the root record found at block (no parent pointer: its own CRC, its fields
 * against store->super, its map root). store_use_root makes lookups read the
 * map of root from then on.
 */
int store_find_geometry(struct store *store, struct block_device *device);
int store_read_root_at(struct store *store, uint32_t block, struct cairn_root_record *root);
void store_use_root(struct store *store, const struct cairn_root_record *root);

/* Reads a map block (leaf when level == depth, else interior) through a checked pointer. */
int store_read_map_block(struct store *store, struct cairn_block_pointer pointer, uint32_t level,
                         uint32_t depth, void *buffer);

/* Where an OID sits in a map of a given depth: the child index at each level. */
void store_map_path(uint64_t oid, uint32_t depth, uint32_t *indices);

/* The depth a map needs for oid_limit OIDs. */
uint32_t store_map_depth_for(uint64_t oid_limit);

#endif
