/* Writing a checkpoint: object blocks appended to the log, the changed map leaves, root record, superblock. */
#ifndef CHECKPOINT_WRITER_H
#define CHECKPOINT_WRITER_H

#include <stdint.h>
#include <cairn/disk_format.h>
#include <kernel/panic.h>
#include "format.h"
#include "store.h"

enum { WRITER_BATCH_BLOCKS = 64 };     /* blocks gathered into one write request (256 KiB) */
/* Batch buffers: the writer gathers into one while the disk takes the write of the other. */
enum { WRITER_BATCH_BUFFERS = 2 };

/* The batch write on its way to the disk (at most one). */
struct writer_flight {
    struct block_request request;
    volatile int finished;              /* set by the completion, maybe in an interrupt */
    volatile int status;                /* enum block_status */
    int active;                         /* submitted and not yet waited for */
};

/*
 * The steps of committing one checkpoint, in order, each named by what it
 * does. writer_begin opens a checkpoint: the caller appends its objects.
 * writer_commit_begin ends that; then each writer_commit_step takes the step
 * in next_step and says how far the commit has come (enum writer_progress).
 */
enum writer_step {
    WRITER_APPEND_OBJECTS,      /* no commit under way: the caller appends object blocks */
    WRITER_WRITE_MAP,           /* the gathered blocks, changed map leaves, interior nodes */
    WRITER_FLUSH_DATA,          /* every data and map block durable */
    WRITER_WRITE_ROOT,          /* the root record */
    WRITER_FLUSH_ROOT,
    WRITER_WRITE_SUPERBLOCK,    /* the superblock copy not in use, then a flush */
    WRITER_SHIFT_SEGMENTS,      /* segment accounting for the next checkpoint */
};

/* What writer_commit_step announces, so that its caller need not watch the steps. */
enum writer_progress {
    WRITER_MORE,                /* steps remain (or the step failed) */
    WRITER_DURABLE,             /* the superblock naming the new root record is on the disk:
                                   this checkpoint is the one in force */
    WRITER_COMMITTED,           /* the commit is over: the writer is ready for the next one */
};

/*
 * The writer's view of the store: the whole object map in RAM, leaf by leaf
 * (entries and the pointers to the current leaf blocks), what changed since
 * the last commit, and the next free block of the log. The memory comes
 * from the caller: its zalloc and release functions, and the arrays it sets.
 *
 * What the writer keeps of one leaf of the map: its entries as the next
 * checkpoint will write them, the block the committed map has for it, and
 * whether it must be written again. One leaf fits a kernel heap block of
 * one frame, so the map grows a frame at a time and never needs a run of
 * adjacent free frames (a machine full of pages has none). The leaves of
 * the committed map are made as writer_load_step reads them, not before: a
 * resumed system does not wait for a map of every stored OID to be zeroed.
 */
struct writer_leaf {
    struct cairn_map_entry entries[CAIRN_MAP_LEAF_ENTRIES];
    struct cairn_block_pointer block;   /* the committed leaf; block 0: never written */
    uint8_t changed;                    /* 1 = rewrite this leaf */
};

_Static_assert(sizeof(struct writer_leaf) <= 4096 - 16, "a writer leaf and a heap header fit a frame");

struct writer {
    struct store *store;                /* the committed state: superblock and root record */
    struct writer_leaf **leaves;        /* [leaves_allocated]: leaf l has OIDs from l * 169; NULL
                                         * while it is a stored leaf the load has yet to make */
    uint32_t leaves_allocated;          /* leaves made by writer_reserve, or left to the load */
    uint32_t stored_leaves;             /* leaves of the committed map (writer_load_begin) */
    uint32_t leaf_slots;                /* room in the leaves array */
    uint32_t capacity;                  /* OIDs the leaves can describe: leaves_allocated * 169 */
    void *(*zalloc)(size_t size);       /* the caller's memory: zeroed blocks, NULL when none */
    void *(*zalloc_kept)(size_t size);  /* for the stored leaves, memory set aside; NULL: zalloc */
    void (*release)(void *block);
    uint32_t oid_limit;                 /* OIDs in use: the map describes [1, oid_limit) */
    uint32_t log_head;                  /* next free block of the log */
    uint64_t epoch;                     /* of the checkpoint being written */
    uint8_t *batch;                     /* WRITER_BATCH_BUFFERS * WRITER_BATCH_BLOCKS * 4096 bytes */
    uint32_t batch_buffer;              /* the buffer gathering now (the other may be in flight) */
    uint32_t batch_first, batch_count;  /* blocks gathered and not yet sent */
    struct writer_flight flight;
    uint32_t blocks_written;            /* by this checkpoint, for statistics */
    enum writer_step next_step;         /* of the checkpoint being committed */
    int load_pass;                      /* enum writer_load_pass: reading the committed maps */
    uint32_t load_leaf;                 /* the next leaf that pass reads */
    struct cairn_block_pointer map_root, root_pointer;  /* made by WRITER_WRITE_MAP, _ROOT */
    /* Segments: which the last two committed checkpoints use; the rest may be written. */
    uint32_t segment_count;
    uint16_t *segment_live;             /* [segment_count] blocks the newest checkpoint refers to */
    uint8_t *segment_used;              /* [segment_count] SEGMENT_* bits */
    uint32_t segments_cleaned;          /* victims relocated since boot */
    uint32_t programs_moving;           /* bit i: program-table block i lies in a victim, so
                                           the next commit writes a copy of it */
    char error[STORE_MESSAGE_SIZE];
};

/* The map entry of oid, which must be below capacity (and, for a stored OID, loaded). */
static inline struct cairn_map_entry *writer_entry(struct writer *writer, uint64_t oid)
{
    assert(oid < writer->capacity);
    /* Below capacity, so 32 bits: a 64-bit division is a library call on i386, once a block. */
    uint32_t small = (uint32_t)oid;
    assert(writer->leaves[small / CAIRN_MAP_LEAF_ENTRIES]);
    return &writer->leaves[small / CAIRN_MAP_LEAF_ENTRIES]->entries[small % CAIRN_MAP_LEAF_ENTRIES];
}

/* Makes the map able to describe OIDs [0, oids) with zalloc; 0 when memory ran out (the
 * leaves made so far stay, and capacity says how far they reach). While the committed map
 * is being read, its leaves are left for writer_load_step to make. */
int writer_reserve(struct writer *writer, uint32_t oids);

/* Gives back everything writer_reserve made. */
void writer_release_map(struct writer *writer);

enum {
    SEGMENT_NEWEST = 1,                 /* holds blocks of the newest committed checkpoint */
    SEGMENT_PREVIOUS = 2,               /* holds blocks of the one before */
    SEGMENT_WRITING = 4,                /* written by the checkpoint in progress */
    SEGMENT_CLEANING = 8,               /* its objects are being rewritten by this checkpoint */
};

/* Reads the committed map into writer->leaves, making the leaves writer_reserve has not
 * made; segment_live and segment_used must hold the store's segment count. */
int writer_load_map(struct writer *writer);

/* The same in steps of one map leaf, so that a system resumes before its map is read:
 * writer_load_begin (room in writer->leaves for the stored leaves, each made by the step
 * that reads it; STORE_NO_MEMORY without it), then writer_load_step until load_pass is
 * WRITER_LOAD_DONE. A step that returns STORE_NO_MEMORY made no change: try it again. */
enum writer_load_pass { WRITER_LOAD_PREVIOUS, WRITER_LOAD_NEWEST, WRITER_LOAD_DONE };
int writer_load_begin(struct writer *writer);
int writer_load_step(struct writer *writer);

/* Segments neither of the last two checkpoints uses (free for writing). */
uint32_t writer_free_segments(const struct writer *writer);

enum { WRITER_FREE_RESERVE = CAIRN_CLEANER_RESERVE_SEGMENTS, WRITER_VICTIMS_MAX = 4, WRITER_COMMIT_SLACK = 8 };

/*
 * The cleaner. A victim is the used segment with the fewest live blocks (not
 * one being written); relocate(oid) is called for every OID whose block lies
 * there, so that the caller rewrites those objects in this checkpoint, and map
 * leaves stored there are rewritten by the writer itself. Cleans victims (at
 * most WRITER_VICTIMS_MAX) while fewer than WRITER_FREE_RESERVE segments, plus
 * room for two checkpoints of planned blocks, are free, counting each victim
 * as freed; returns how many were cleaned.
 * planned: the blocks the checkpoint will write besides the relocations (its
 * changed objects). A victim is taken only if its live blocks, with planned,
 * the map and WRITER_COMMIT_SLACK, still fit in the room the log has now:
 * relocating costs room at once and frees the victim only two commits later,
 * so cleaning must never be what fills the log.
 */
int writer_clean(struct writer *writer, uint32_t planned,
                 void (*relocate)(uint64_t oid, void *data), void *data);

/* Blocks the log has left after log_head. */
uint32_t writer_log_room(const struct writer *writer);

/* Starts checkpoint epoch (the committed one + 1). */
void writer_begin(struct writer *writer);

/* What writer_put_object appends: a block as it is (a Page, a Space node), or an object
 * record (a Process, an Endpoint, a Bank), which it seals first. */
enum writer_block_kind { WRITER_RAW_BLOCK, WRITER_OBJECT_RECORD };

/* Appends one object's block and updates its map entry. */
int writer_put_object(struct writer *writer, uint64_t oid, uint32_t version, uint8_t type,
                      uint8_t flags, void *block, enum writer_block_kind kind);

/* Appends a block no map entry names (held console output): the root record of this checkpoint
 * points at it, so it lives as long as that root record does. */
int writer_put_block(struct writer *writer, const void *block, struct cairn_block_pointer *pointer);

/* Seals block (a metadata block of type, with this checkpoint's epoch and the block number it
 * gets) and appends it like writer_put_block (a run-list block of the root record). */
int writer_put_metadata(struct writer *writer, void *block, uint32_t type,
                        struct cairn_block_pointer *pointer);

/*
 * The run list of the checkpoint being written, one OID at a time (each
 * process once): writer_run_list_begin empties root's list, writer_run_list_add
 * puts an OID in processes[] while it has room and then in block, which goes
 * to the log (writer_put_metadata) each time it is full, and
 * writer_run_list_end writes the last, partly filled block. The root's
 * run_list then names the chain's last block. block is the caller's memory.
 */
void writer_run_list_begin(struct cairn_root_record *root, struct cairn_run_list_block *block);
int writer_run_list_add(struct writer *writer, struct cairn_root_record *root,
                        struct cairn_run_list_block *block, uint32_t oid);
int writer_run_list_end(struct writer *writer, struct cairn_root_record *root,
                        struct cairn_run_list_block *block);

/* Sets an OID's map entry without data: a free OID (type 0) or a never-written Page. */
void writer_put_entry(struct writer *writer, uint64_t oid, uint32_t version, uint8_t type);

/* Names the Bank that made oid in its map entry (after writer_put_object or _put_entry, which
 * leave it 0: no bank). */
void writer_set_owner(struct writer *writer, uint64_t oid, uint32_t bank, uint32_t bank_version);

/* Is block in a segment the cleaner is emptying (its objects must be written again)? */
int writer_block_cleaning(const struct writer *writer, uint32_t block);

/* Ends the appending of objects: the next writer_commit_step writes the map. */
void writer_commit_begin(struct writer *writer);

/* Takes the next step of the commit begun by writer_commit_begin and says in progress how far
 * the commit has come (WRITER_MORE when the step failed). */
int writer_commit_step(struct writer *writer, struct cairn_root_record *root,
                       enum writer_progress *progress);

/*
 * Makes the checkpoint durable, taking every step of its commit: writes the
 * gathered blocks and the changed map leaves and interior nodes, flushes,
 * writes the root record (from root, with the map filled in), flushes, then
 * writes the superblock copy the previous checkpoint did not use and flushes
 * again. Only then is the store's committed state updated.
 */
int writer_commit(struct writer *writer, struct cairn_root_record *root);

#endif
