/* Checking one whole checkpoint of an image, for cairn-img verify, the crash explorer and the fuzzers. */
#ifndef TOOLS_IMAGE_CHECK_H
#define TOOLS_IMAGE_CHECK_H

#include <stdint.h>
#include <cairn/abi.h>
#include "../checkpoint/store.h"

enum image_reference {
    REFERENCE_NONE, REFERENCE_ROOT, REFERENCE_MAP, REFERENCE_OBJECT, REFERENCE_CONSOLE,
    REFERENCE_RUN_LIST, REFERENCE_PROGRAM_TABLE, REFERENCE_FRAMES,
};

/*
 * The state of a check. image_check_checkpoint reads everything one root
 * record refers to with the store code (checksums, map blocks, every map
 * entry, every object and capability, the log head) and calls report once
 * per problem, with a one-line message. The figures describe the last
 * checkpoint checked.
 */
struct image_check {
    struct store *store;
    void (*report)(void *context, const char *line);    /* NULL: count only */
    void *context;
    const char *label;              /* put before each problem ("" for none) */
    unsigned problems;              /* of the last checkpoint checked */
    uint32_t objects[CAIRN_TYPE_COUNT];     /* live map entries by type (free OIDs at 0) */
    uint32_t reachable;             /* live objects reachable from the root record */
    uint32_t blocks;                /* distinct blocks the checkpoint refers to */
    uint32_t object_blocks;         /* ... of which objects' (not the map, root or console) */
    uint64_t device_blocks;
    uint8_t *referenced;            /* [device_blocks] enum image_reference */
    uint32_t *referrer;             /* [device_blocks] the OID (or 0) that refers to the block */
    struct cairn_map_entry *entries;    /* [capacity]: the map, read */
    uint8_t *known;                 /* [capacity]: 1 when entries[oid] was read and is valid */
    uint8_t *reached;               /* [capacity] */
    /* Banks: per OID, what the map says each bank made directly (objects and units), and what
     * its record says (objects, and units with its sub-banks'). */
    uint32_t *made_objects, *made_units, *said_objects, *said_used, *child_used;
    uint32_t live_units;            /* units the checkpoint's objects keep, banked or not */
    uint32_t capacity;
    struct image_edge { uint32_t from, to; } *edges;    /* live capabilities, for reachability */
    uint32_t edge_count, edge_capacity;
};

/* Prepares a check of store's device; returns 0, or -1 when out of memory. */
int image_check_init(struct image_check *check, struct store *store);
void image_check_free(struct image_check *check);

/* Checks the checkpoint of root (made the store's current root); returns the problems found. */
unsigned image_check_checkpoint(struct image_check *check, const struct cairn_root_record *root);

/* Segments of the log holding a block the last checkpoint checked refers to. */
uint32_t image_check_segments_used(const struct image_check *check, uint8_t *used);

/* The whole run list of root (processes[], then its chain read from the end) in a malloc'd
 * array *oids of *count OIDs; returns 0, or -1 with the reason in store->error (the OIDs read
 * so far are in *oids, which the caller frees either way). */
int image_read_run_list(struct store *store, const struct cairn_root_record *root,
                        uint32_t **oids, uint32_t *count);

const char *image_type_name(uint32_t type);

#endif
