/*
 * The checkpoint writer.
 *
 *   writer_begin          epoch = committed + 1
 *   writer_put_object...  blocks appended at log_head, gathered 16 at a time
 *   writer_run_list_...   the run list: 640 OIDs in the root, the rest in a chain of
 *                         run-list blocks, each pointing back at the one before
 *   writer_commit         1. remaining data blocks, program-table blocks the cleaner moves,
 *                            changed map leaves, interior nodes
 *   (or writer_commit_    2. FLUSH
 *    begin, then one      3. root record            4. FLUSH
 *    writer_commit_step   5. the other superblock   6. FLUSH: "durable"
 *    per step)            7. segment accounting for the next checkpoint: "committed"
 *
 * Nothing the last two committed checkpoints refer to is ever overwritten:
 * blocks go into segments neither of them uses (or the unwritten tail of the
 * segment being filled), and the superblock written is the one the previous
 * checkpoint did not use. A crash before step 6 completes leaves the
 * previous checkpoint in force.
 *
 * Segments: after each commit, SEGMENT_NEWEST marks the segments holding a
 * block the new checkpoint refers to (map entries, leaves, the program
 * table's blocks, and everything written by it), SEGMENT_PREVIOUS those of
 * the one before. The program table is written once (by mkimage) and every
 * root record after carries its pointers on, so its blocks count as live
 * data for the cleaner, which moves them like map leaves. The cleaner
 * makes the caller rewrite the objects of the emptiest used segment, so that
 * two checkpoints later that segment is free again.
 */
#include <kernel/printf.h>
#include <kernel/string.h>
#include "crc32c.h"
#include "format.h"
#include "writer.h"

static uint32_t writer_log_end(const struct writer *writer)
{
    const struct cairn_superblock *super = &writer->store->super;
    return super->log_start + super->segment_blocks * super->segment_count;
}

static uint32_t writer_segment_of(const struct writer *writer, uint32_t block)
{
    const struct cairn_superblock *super = &writer->store->super;
    return (block - super->log_start) / super->segment_blocks;
}

static uint32_t writer_segment_start(const struct writer *writer, uint32_t segment)
{
    const struct cairn_superblock *super = &writer->store->super;
    return super->log_start + segment * super->segment_blocks;
}

/* What writer_mark counts besides setting the bit: an object's block is live data the cleaner
 * must move; map and metadata blocks are not. */
enum writer_mark_count { WRITER_MARK_ONLY, WRITER_COUNT_LIVE };

static void writer_mark(struct writer *writer, uint32_t block, uint8_t bit,
                        enum writer_mark_count count)
{
    if (block < writer->store->super.log_start || block >= writer_log_end(writer))
        return;
    uint32_t segment = writer_segment_of(writer, block);
    writer->segment_used[segment] |= bit;
    if (count == WRITER_COUNT_LIVE)
        writer->segment_live[segment]++;
}

/* What writer_mark_chain_block marks: the writer, and with which bit. */
struct writer_mark_request {
    struct writer *writer;
    uint8_t bit;
};

static int writer_segment_free(const struct writer *writer, uint32_t segment)
{
    return !(writer->segment_used[segment] & (SEGMENT_NEWEST | SEGMENT_PREVIOUS | SEGMENT_WRITING));
}

uint32_t writer_free_segments(const struct writer *writer)
{
    uint32_t free = 0;
    for (uint32_t s = 0; s < writer->segment_count; s++)
        free += writer_segment_free(writer, s);
    return free;
}

uint32_t writer_log_room(const struct writer *writer)
{
    return writer_free_segments(writer) * writer->store->super.segment_blocks;
}

/* Is leaf l one of the committed map's that writer_load_step is still to make? */
static int writer_leaf_left_to_load(const struct writer *writer, uint32_t l)
{
    return writer->load_pass != WRITER_LOAD_DONE && l < writer->stored_leaves &&
           !writer->leaves[l];
}

int writer_reserve(struct writer *writer, uint32_t oids)
{
    uint32_t needed = oids / CAIRN_MAP_LEAF_ENTRIES + 1;
    if (needed > writer->leaf_slots) {
        uint32_t slots = writer->leaf_slots ? writer->leaf_slots : 16;
        while (slots < needed)
            slots *= 2;
        struct writer_leaf **grown = writer->zalloc(slots * sizeof(*grown));
        if (!grown)
            return 0;
        if (writer->leaves)
            memcpy(grown, writer->leaves, writer->leaves_allocated * sizeof(*grown));
        writer->release(writer->leaves);
        writer->leaves = grown;
        writer->leaf_slots = slots;
    }
    while (writer->leaves_allocated < needed) {
        uint32_t l = writer->leaves_allocated;
        if (!writer_leaf_left_to_load(writer, l)) {
            struct writer_leaf *leaf = writer->zalloc(sizeof(*leaf));
            if (!leaf)
                return 0;
            writer->leaves[l] = leaf;
        }
        writer->leaves_allocated++;
        writer->capacity = writer->leaves_allocated * CAIRN_MAP_LEAF_ENTRIES;
    }
    return 1;
}

void writer_release_map(struct writer *writer)
{
    for (uint32_t l = 0; l < writer->leaves_allocated; l++)
        writer->release(writer->leaves[l]);
    writer->release(writer->leaves);
    writer->leaves = NULL;
    writer->leaves_allocated = writer->leaf_slots = writer->capacity = 0;
}

/* The leaves of the map of the store's current root. */
static uint32_t writer_root_leaves(const struct store *store)
{
    return (uint32_t)((store->root.oid_limit + CAIRN_MAP_LEAF_ENTRIES - 1) / CAIRN_MAP_LEAF_ENTRIES);
}

/*
 * One leaf of the store's current root: marks with bit the segments of its
 * entries' blocks and of the map blocks above them; for the newest
 * checkpoint also copies the entries into writer->map and notes the leaf.
 */
static int writer_load_leaf(struct writer *writer, uint32_t leaf, uint8_t bit)
{
    struct store *store = writer->store;
    if (bit == SEGMENT_NEWEST && !writer->leaves[leaf]) {
        void *(*zalloc)(size_t) = writer->zalloc_kept ? writer->zalloc_kept : writer->zalloc;
        writer->leaves[leaf] = zalloc(sizeof(struct writer_leaf));
        if (!writer->leaves[leaf]) {
            format_print(writer->error, sizeof(writer->error),
                         "no memory for leaf %u of the checkpoint writer's map", leaf);
            return STORE_NO_MEMORY;
        }
    }
    uint64_t first = (uint64_t)leaf * CAIRN_MAP_LEAF_ENTRIES, limit = store->root.oid_limit;
    for (uint64_t oid = first ? first : 1; oid < first + CAIRN_MAP_LEAF_ENTRIES && oid < limit;
         oid++) {
        struct cairn_map_entry entry;
        int status = store_lookup(store, oid, &entry);
        if (status != STORE_OK) {
            strlcpy(writer->error, store->error, sizeof(writer->error));
            return status;
        }
        if (bit == SEGMENT_NEWEST)
            *writer_entry(writer, oid) = entry;
        writer_mark(writer, entry.block, bit,
                    bit == SEGMENT_NEWEST ? WRITER_COUNT_LIVE : WRITER_MARK_ONLY);
    }
    for (uint32_t level = 0; level <= store->root.map_depth; level++)
        writer_mark(writer, store->map_cached[level], bit, WRITER_MARK_ONLY);
    if (bit == SEGMENT_NEWEST) {
        /* store_lookup left this leaf's block in the cache of the deepest level. */
        uint32_t depth = store->root.map_depth;
        writer->leaves[leaf]->block = (struct cairn_block_pointer){
            store->map_cached[depth], crc32c(store->map_cache[depth], CAIRN_DISK_BLOCK_SIZE) };
        writer->leaves[leaf]->changed = 0;
    }
    return STORE_OK;
}

static void writer_mark_chain_block(uint32_t block, void *data)
{
    struct writer_mark_request *request = data;
    writer_mark(request->writer, block, request->bit, WRITER_MARK_ONLY);
}

/* Marks with bit the segments of root's program-table blocks; the newest checkpoint's count as
 * live blocks, which the cleaner must move. */
static void writer_mark_program_blocks(struct writer *writer, const struct cairn_root_record *root,
                                       uint8_t bit)
{
    uint32_t used = format_program_blocks(root);
    for (uint32_t i = 0; i < used && i < CAIRN_DISK_PROGRAM_BLOCKS; i++)
        writer_mark(writer, root->programs.blocks[i].block, bit,
                    bit == SEGMENT_NEWEST ? WRITER_COUNT_LIVE : WRITER_MARK_ONLY);
}

/*
 * Marks with bit the segments of the blocks the store's current root names
 * besides its map: the root itself, the map root, the program table, held
 * console output and network frames, and the run list's chain (read again
 * here: it is not in the map).
 */
static int writer_mark_root_blocks(struct writer *writer, uint8_t bit)
{
    struct store *store = writer->store;
    const struct cairn_root_record *root = &store->root;
    writer_mark(writer, root->header.block, bit, WRITER_MARK_ONLY);
    writer_mark_program_blocks(writer, root, bit);
    writer_mark(writer, root->map_root.block, bit, WRITER_MARK_ONLY);
    for (uint32_t i = 0; i < CAIRN_DISK_CONSOLE_BLOCKS; i++)
        writer_mark(writer, root->console.blocks[i].block, bit, WRITER_MARK_ONLY);
    for (uint32_t i = 0; i < CAIRN_DISK_FRAME_BLOCKS; i++)
        writer_mark(writer, root->frames.blocks[i].block, bit, WRITER_MARK_ONLY);
    struct writer_mark_request request = { writer, bit };
    struct store_run_list_visitor visitor = { NULL, writer_mark_chain_block, &request };
    int status = store_visit_run_list(store, root, &visitor);
    if (status != STORE_OK)
        strlcpy(writer->error, store->error, sizeof(writer->error));
    return status;
}

static void writer_forget_map_cache(struct store *store)
{
    for (uint32_t level = 0; level <= CAIRN_MAP_MAX_DEPTH; level++)
        store->map_cached[level] = 0;
}

int writer_load_begin(struct writer *writer)
{
    struct store *store = writer->store;
    writer->oid_limit = (uint32_t)store->root.oid_limit;
    writer->log_head = store->root.log_head;
    writer->segment_count = store->super.segment_count;
    writer->load_pass = store->older_usable ? WRITER_LOAD_PREVIOUS : WRITER_LOAD_NEWEST;
    writer->load_leaf = 0;
    writer->stored_leaves = writer_root_leaves(store);
    if (!writer_reserve(writer, writer->oid_limit)) {      /* slots only: the leaves wait */
        format_print(writer->error, sizeof(writer->error),
                     "no memory for the checkpoint writer's map of %u OIDs", writer->oid_limit);
        return STORE_NO_MEMORY;
    }
    return STORE_OK;
}

int writer_load_step(struct writer *writer)
{
    struct store *store = writer->store;
    int status = STORE_OK;
    if (writer->load_pass == WRITER_LOAD_PREVIOUS) {
        struct cairn_root_record newest = store->root;
        store->root = store->older_root;        /* read the previous checkpoint's map */
        writer_forget_map_cache(store);
        if (writer->load_leaf < writer_root_leaves(store)) {
            status = writer_load_leaf(writer, writer->load_leaf, SEGMENT_PREVIOUS);
            writer->load_leaf += status == STORE_OK;
        } else {
            status = writer_mark_root_blocks(writer, SEGMENT_PREVIOUS);
            writer->load_pass = WRITER_LOAD_NEWEST;
            writer->load_leaf = 0;
        }
        store->root = newest;
        writer_forget_map_cache(store);
    } else if (writer->load_pass == WRITER_LOAD_NEWEST) {
        if (writer->load_leaf < writer_root_leaves(store)) {
            status = writer_load_leaf(writer, writer->load_leaf, SEGMENT_NEWEST);
            writer->load_leaf += status == STORE_OK;     /* STORE_NO_MEMORY: this leaf again */
        } else {
            status = writer_mark_root_blocks(writer, SEGMENT_NEWEST);
            writer->load_pass = WRITER_LOAD_DONE;
        }
    }
    return status;
}

int writer_load_map(struct writer *writer)
{
    int begun = writer_load_begin(writer);
    if (begun != STORE_OK)
        return begun;
    while (writer->load_pass != WRITER_LOAD_DONE) {
        int status = writer_load_step(writer);
        if (status != STORE_OK)
            return status;
    }
    return STORE_OK;
}

void writer_begin(struct writer *writer)
{
    writer->epoch = writer->store->root.header.epoch + 1;
    writer->batch_count = 0;
    writer->blocks_written = 0;
    writer->next_step = WRITER_APPEND_OBJECTS;
    writer->error[0] = 0;
}

/* A write or a flush the device failed: what and where, in writer->error. */
static int writer_fail(struct writer *writer, const char *what, uint32_t block)
{
    format_print(writer->error, sizeof(writer->error), "%s (block %u)", what, block);
    return STORE_WRITE_ERROR;
}

static uint8_t *writer_batch_buffer(struct writer *writer)
{
    return writer->batch + writer->batch_buffer * WRITER_BATCH_BLOCKS * CAIRN_DISK_BLOCK_SIZE;
}

static void writer_flight_done(struct block_request *request, enum block_status status)
{
    struct writer_flight *flight = request->context;
    flight->status = status;
    flight->finished = 1;
}

/* Waits until the batch write in flight, if any, has completed. */
static int writer_wait_flight(struct writer *writer)
{
    struct writer_flight *flight = &writer->flight;
    if (!flight->active)
        return STORE_OK;
    while (!flight->finished)
        if (blockdev_wait_idle)
            blockdev_wait_idle();
    flight->active = 0;
    return flight->status == BLOCK_OK
           ? STORE_OK : writer_fail(writer, "write failed", (uint32_t)flight->request.block);
}

/* Starts the write of the gathered batch (once the one before it is done) and gathers into
 * the other buffer: the writer copies and checksums while the disk writes. */
static int writer_send_batch(struct writer *writer)
{
    if (!writer->batch_count)
        return STORE_OK;
    int status = writer_wait_flight(writer);
    if (status != STORE_OK)
        return status;
    struct writer_flight *flight = &writer->flight;
    flight->request = (struct block_request){
        .operation = BLOCK_WRITE, .block = writer->batch_first, .count = writer->batch_count,
        .buffer = writer_batch_buffer(writer), .done = writer_flight_done, .context = flight,
    };
    flight->finished = 0;
    flight->status = BLOCK_OK;
    writer->blocks_written += writer->batch_count;
    writer->batch_count = 0;
    if (writer->store->device->submit(writer->store->device, &flight->request) != BLOCK_OK)
        return writer_fail(writer, "write failed", writer->batch_first);
    flight->active = 1;
    writer->batch_buffer = (writer->batch_buffer + 1) % WRITER_BATCH_BUFFERS;
    return STORE_OK;
}

/* Everything gathered so far is on the disk (not yet flushed). */
static int writer_drain(struct writer *writer)
{
    int status = writer_send_batch(writer);
    if (status != STORE_OK)
        return status;
    return writer_wait_flight(writer);
}

/* Moves log_head to the start of the next free segment; STORE_LOG_FULL when there is none. */
static int writer_next_segment(struct writer *writer)
{
    uint32_t current = writer->log_head >= writer_log_end(writer)
                       ? writer->segment_count - 1 : writer_segment_of(writer, writer->log_head);
    for (uint32_t step = 1; step <= writer->segment_count; step++) {
        uint32_t segment = (current + step) % writer->segment_count;
        if (writer_segment_free(writer, segment)) {
            writer->log_head = writer_segment_start(writer, segment);
            return STORE_OK;
        }
    }
    format_print(writer->error, sizeof(writer->error),
                 "the log is full: live data and the last two checkpoints fill all %u segments",
                 writer->segment_count);
    return STORE_LOG_FULL;
}

/*
 * Makes log_head a block that may be written (moving to a free segment when
 * the open one is full or not writable) and puts it in *next; STORE_LOG_FULL
 * when no segment is free, STORE_WRITE_ERROR when the batch sent before
 * moving failed. Blocks that carry their own number are sealed with *next.
 */
static int writer_next_block(struct writer *writer, uint32_t *next)
{
    int segment_end = writer->log_head >= writer_log_end(writer) ||
                      (writer->log_head - writer->store->super.log_start) %
                          writer->store->super.segment_blocks == 0;
    if (segment_end && (writer->log_head >= writer_log_end(writer) ||
                        !writer_segment_free(writer, writer_segment_of(writer, writer->log_head)))) {
        int status = writer_send_batch(writer);
        if (status == STORE_OK)
            status = writer_next_segment(writer);
        if (status != STORE_OK)
            return status;
    }
    *next = writer->log_head;
    return STORE_OK;
}

/* Appends a block at log_head (gathering it) and puts its number in *number; the statuses of
 * writer_next_block. */
static int writer_append(struct writer *writer, const void *block, uint32_t *number)
{
    int status = writer_next_block(writer, number);
    if (status == STORE_OK && writer->batch_count == WRITER_BATCH_BLOCKS)
        status = writer_send_batch(writer);
    if (status != STORE_OK)
        return status;
    if (writer->batch_count == 0)
        writer->batch_first = writer->log_head;
    writer->segment_used[writer_segment_of(writer, writer->log_head)] |= SEGMENT_WRITING;
    memcpy(writer_batch_buffer(writer) + writer->batch_count * CAIRN_DISK_BLOCK_SIZE, block,
           CAIRN_DISK_BLOCK_SIZE);
    writer->batch_count++;
    writer->log_head++;
    return STORE_OK;
}

static void writer_set_entry(struct writer *writer, uint64_t oid, struct cairn_map_entry entry)
{
    *writer_entry(writer, oid) = entry;
    writer->leaves[(uint32_t)oid / CAIRN_MAP_LEAF_ENTRIES]->changed = 1;   /* below capacity */
    if (oid >= writer->oid_limit)
        writer->oid_limit = (uint32_t)oid + 1;
}

int writer_put_block(struct writer *writer, const void *block, struct cairn_block_pointer *pointer)
{
    uint32_t crc = crc32c(block, CAIRN_DISK_BLOCK_SIZE);
    uint32_t number;
    int status = writer_append(writer, block, &number);
    if (status == STORE_OK)
        *pointer = (struct cairn_block_pointer){ number, crc };
    return status;
}

int writer_put_object(struct writer *writer, uint64_t oid, uint32_t version, uint8_t type,
                      uint8_t flags, void *block, enum writer_block_kind kind)
{
    if (oid == 0 || oid >= writer->capacity) {
        format_print(writer->error, sizeof(writer->error), "OID %llu beyond the writer's map",
                     (unsigned long long)oid);
        return STORE_CORRUPT;
    }
    uint32_t next;
    int status = writer_next_block(writer, &next);
    if (status != STORE_OK)
        return status;
    if (kind == WRITER_OBJECT_RECORD)
        format_seal_block(block, CAIRN_BLOCK_OBJECT, writer->epoch, next);
    struct cairn_block_pointer written;
    status = writer_put_block(writer, block, &written);
    if (status != STORE_OK)
        return status;
    writer_set_entry(writer, oid, (struct cairn_map_entry){ .block = written.block,
                     .crc32c = written.crc32c, .version = version, .type = type, .flags = flags });
    return STORE_OK;
}

void writer_put_entry(struct writer *writer, uint64_t oid, uint32_t version, uint8_t type)
{
    if (oid > 0 && oid < writer->capacity)
        writer_set_entry(writer, oid, (struct cairn_map_entry){ .version = version, .type = type });
}

void writer_set_owner(struct writer *writer, uint64_t oid, uint32_t bank, uint32_t bank_version)
{
    if (oid == 0 || oid >= writer->capacity)
        return;
    struct cairn_map_entry *entry = writer_entry(writer, oid);
    entry->bank = bank;
    entry->bank_version = bank_version;
    writer->leaves[(uint32_t)oid / CAIRN_MAP_LEAF_ENTRIES]->changed = 1;   /* below capacity */
}

int writer_put_metadata(struct writer *writer, void *block, uint32_t type,
                        struct cairn_block_pointer *pointer)
{
    uint32_t next;
    int status = writer_next_block(writer, &next);
    if (status != STORE_OK)
        return status;
    format_seal_block(block, type, writer->epoch, next);
    return writer_put_block(writer, block, pointer);
}

/* The chain block being filled goes to the log; the next one will point back at it. */
static int writer_run_list_write(struct writer *writer, struct cairn_root_record *root,
                                 struct cairn_run_list_block *block)
{
    struct cairn_block_pointer written;
    int status = writer_put_metadata(writer, block, CAIRN_BLOCK_RUN_LIST, &written);
    if (status != STORE_OK)
        return status;
    uint32_t index = block->index;
    memset(block, 0, sizeof(*block));
    block->index = index + 1;
    block->previous = written;
    root->run_list.last = written;
    return STORE_OK;
}

void writer_run_list_begin(struct cairn_root_record *root, struct cairn_run_list_block *block)
{
    root->process_count = 0;
    memset(root->processes, 0, sizeof(root->processes));
    root->run_list = (struct cairn_disk_run_list){ 0, 0, { 0, 0 } };
    memset(block, 0, sizeof(*block));
}

int writer_run_list_add(struct writer *writer, struct cairn_root_record *root,
                        struct cairn_run_list_block *block, uint32_t oid)
{
    if (root->process_count < CAIRN_DISK_PROCESSES) {
        root->processes[root->process_count++] = oid;
        return STORE_OK;
    }
    block->oids[block->count++] = oid;
    root->run_list.count++;
    return block->count == CAIRN_DISK_RUN_LIST_OIDS ? writer_run_list_write(writer, root, block)
                                                    : STORE_OK;
}

int writer_run_list_end(struct writer *writer, struct cairn_root_record *root,
                        struct cairn_run_list_block *block)
{
    return block->count ? writer_run_list_write(writer, root, block) : STORE_OK;
}

static int writer_write_leaves(struct writer *writer, uint32_t leaf_count)
{
    static struct cairn_map_leaf leaf;
    for (uint32_t l = 0; l < leaf_count; l++) {
        struct writer_leaf *kept = writer->leaves[l];
        if (!kept->changed && kept->block.block)
            continue;
        memset(&leaf, 0, sizeof(leaf));
        for (uint32_t i = 0; i < CAIRN_MAP_LEAF_ENTRIES; i++) {
            uint64_t oid = (uint64_t)l * CAIRN_MAP_LEAF_ENTRIES + i;
            if (oid < writer->oid_limit)
                leaf.entries[i] = kept->entries[i];
        }
        int status = writer_put_metadata(writer, &leaf, CAIRN_BLOCK_MAP_LEAF, &kept->block);
        if (status != STORE_OK)
            return status;
        kept->changed = 0;
    }
    return STORE_OK;
}

typedef struct cairn_block_pointer writer_level_t[2][CAIRN_MAP_INTERIOR_CHILDREN];

/* Child index of the nodes at depth d above the leaves: a leaf for d = 0, else a node of level. */
static struct cairn_block_pointer writer_child(const struct writer *writer, writer_level_t level,
                                               uint32_t d, uint32_t index)
{
    return d == 0 ? writer->leaves[index]->block : level[(d - 1) & 1][index];
}

/* Writes the interior levels above the leaves; returns the root pointer in *root. */
static int writer_write_interior(struct writer *writer, uint32_t count, uint32_t depth,
                                 struct cairn_block_pointer *root)
{
    static struct cairn_map_interior node;
    static writer_level_t level;
    if (depth > 2) {
        format_print(writer->error, sizeof(writer->error), "the map would need depth %u", depth);
        return STORE_CORRUPT;
    }
    for (uint32_t d = 0; d < depth; d++) {
        uint32_t parents = (count + CAIRN_MAP_INTERIOR_CHILDREN - 1) / CAIRN_MAP_INTERIOR_CHILDREN;
        for (uint32_t p = 0; p < parents; p++) {
            memset(&node, 0, sizeof(node));
            for (uint32_t c = 0; c < CAIRN_MAP_INTERIOR_CHILDREN &&
                                 p * CAIRN_MAP_INTERIOR_CHILDREN + c < count; c++)
                node.children[c] = writer_child(writer, level, d,
                                                p * CAIRN_MAP_INTERIOR_CHILDREN + c);
            int status = writer_put_metadata(writer, &node, CAIRN_BLOCK_MAP_INTERIOR,
                                             &level[d & 1][p]);
            if (status != STORE_OK)
                return status;
        }
        count = parents;
    }
    *root = writer_child(writer, level, depth, 0);
    return STORE_OK;
}

static int writer_flush(struct writer *writer)
{
    int status = writer_wait_flight(writer);    /* a flush covers completed writes only */
    if (status != STORE_OK)
        return status;
    if (blockdev_wait(writer->store->device, BLOCK_FLUSH, 0, 0, NULL) != BLOCK_OK)
        return writer_fail(writer, "flush failed", 0);
    return STORE_OK;
}

static int writer_write_root(struct writer *writer, struct cairn_root_record *root,
                             struct cairn_block_pointer *pointer)
{
    uint32_t next, appended;
    int status = writer_next_block(writer, &next);
    if (status != STORE_OK)
        return status;
    root->oid_limit = writer->oid_limit;
    root->log_head = next + 1;
    format_seal_block(root, CAIRN_BLOCK_ROOT, writer->epoch, next);
    *pointer = (struct cairn_block_pointer){ next, crc32c(root, CAIRN_DISK_BLOCK_SIZE) };
    status = writer_append(writer, root, &appended);
    if (status != STORE_OK)
        return status;
    return writer_drain(writer);
}

static int writer_write_superblock(struct writer *writer, struct cairn_block_pointer root)
{
    static struct cairn_superblock super;
    struct store *store = writer->store;
    super = store->super;
    uint32_t copy = store->superblock_block == CAIRN_DISK_SUPERBLOCK_A ? CAIRN_DISK_SUPERBLOCK_B
                                                                       : CAIRN_DISK_SUPERBLOCK_A;
    super.copy = copy;
    super.root = root;
    format_seal_block(&super, CAIRN_BLOCK_SUPERBLOCK, writer->epoch, copy);
    if (blockdev_wait(store->device, BLOCK_WRITE, copy, 1, &super) != BLOCK_OK)
        return writer_fail(writer, "superblock write failed", copy);
    int status = writer_flush(writer);
    if (status == STORE_OK) {
        store->super = super;
        store->superblock_block = copy;
    }
    return status;
}

/* The leaves of the map being written. */
static uint32_t writer_leaf_count(const struct writer *writer)
{
    return (writer->oid_limit + CAIRN_MAP_LEAF_ENTRIES - 1) / CAIRN_MAP_LEAF_ENTRIES;
}

/* After a commit: the old newest checkpoint becomes the previous one; count the new one's blocks. */
static void writer_shift_segments(struct writer *writer, uint32_t leaf_count)
{
    for (uint32_t s = 0; s < writer->segment_count; s++) {
        uint8_t used = writer->segment_used[s];
        writer->segment_used[s] = (uint8_t)(((used & SEGMENT_NEWEST) ? SEGMENT_PREVIOUS : 0) |
                                            ((used & SEGMENT_WRITING) ? SEGMENT_NEWEST : 0));
        writer->segment_live[s] = 0;
    }
    for (uint32_t oid = 1; oid < writer->oid_limit; oid++)
        writer_mark(writer, writer_entry(writer, oid)->block, SEGMENT_NEWEST, WRITER_COUNT_LIVE);
    for (uint32_t l = 0; l < leaf_count; l++)
        writer_mark(writer, writer->leaves[l]->block.block, SEGMENT_NEWEST, WRITER_MARK_ONLY);
    writer_mark_program_blocks(writer, &writer->store->root, SEGMENT_NEWEST);   /* carried on */
}

/* The used segment with the fewest live blocks that may be cleaned, or -1. */
static int writer_pick_victim(const struct writer *writer)
{
    uint32_t current = writer->log_head < writer_log_end(writer)
                       ? writer_segment_of(writer, writer->log_head) : writer->segment_count;
    int victim = -1;
    for (uint32_t s = 0; s < writer->segment_count; s++) {
        if (!(writer->segment_used[s] & SEGMENT_NEWEST) || s == current ||
            (writer->segment_used[s] & (SEGMENT_WRITING | SEGMENT_CLEANING)))
            continue;
        if (victim < 0 || writer->segment_live[s] < writer->segment_live[victim])
            victim = (int)s;
    }
    return victim;
}

static void writer_relocate_segment(struct writer *writer, uint32_t victim,
                                    void (*relocate)(uint64_t oid, void *data), void *data)
{
    for (uint32_t oid = 1; oid < writer->oid_limit; oid++) {
        uint32_t block = writer_entry(writer, oid)->block;
        if (block && block >= writer->store->super.log_start && block < writer_log_end(writer) &&
            writer_segment_of(writer, block) == victim)
            relocate(oid, data);
    }
    for (uint32_t l = 0; l < writer_leaf_count(writer); l++) {
        uint32_t block = writer->leaves[l]->block.block;
        if (block >= writer->store->super.log_start && block < writer_log_end(writer) &&
            writer_segment_of(writer, block) == victim)
            writer->leaves[l]->changed = 1;
    }
    const struct cairn_root_record *root = &writer->store->root;
    for (uint32_t i = 0; i < format_program_blocks(root) && i < CAIRN_DISK_PROGRAM_BLOCKS; i++) {
        uint32_t block = root->programs.blocks[i].block;
        if (block >= writer->store->super.log_start && block < writer_log_end(writer) &&
            writer_segment_of(writer, block) == victim)
            writer->programs_moving |= 1u << i;
    }
    writer->segments_cleaned++;
}

/* Blocks that may be written now: the rest of the open segment and every free one. */
static uint32_t writer_room_now(const struct writer *writer)
{
    uint32_t room = writer_log_room(writer);
    if (writer->log_head < writer_log_end(writer)) {
        uint32_t segment = writer_segment_of(writer, writer->log_head);
        if (!writer_segment_free(writer, segment))      /* a free one is counted already */
            room += writer_segment_start(writer, segment) + writer->store->super.segment_blocks -
                    writer->log_head;
    }
    return room;
}

int writer_clean(struct writer *writer, uint32_t planned,
                 void (*relocate)(uint64_t oid, void *data), void *data)
{
    uint32_t room = writer_room_now(writer);
    uint32_t needed = planned + writer_leaf_count(writer) + WRITER_COMMIT_SLACK;
    /* A segment cleaned now is free two commits later: keep room for two checkpoints the
     * size of this one besides the reserve, or large checkpoints outrun the cleaner. */
    uint32_t segment_blocks = writer->store->super.segment_blocks;
    uint32_t reserve = WRITER_FREE_RESERVE + 2 * ((needed + segment_blocks - 1) / segment_blocks);
    int cleaned = 0;
    while (writer_free_segments(writer) + (uint32_t)cleaned < reserve &&
           cleaned < WRITER_VICTIMS_MAX) {
        int victim = writer_pick_victim(writer);
        if (victim < 0 || needed + writer->segment_live[victim] > room)
            break;
        needed += writer->segment_live[victim];
        writer_relocate_segment(writer, (uint32_t)victim, relocate, data);
        writer->segment_used[victim] |= SEGMENT_CLEANING;   /* not picked twice */
        cleaned++;
    }
    return cleaned;
}

int writer_block_cleaning(const struct writer *writer, uint32_t block)
{
    return block >= writer->store->super.log_start && block < writer_log_end(writer) &&
           (writer->segment_used[writer_segment_of(writer, block)] & SEGMENT_CLEANING);
}

/*
 * The program-table blocks the cleaner moves: each is read through root's
 * pointer and checked, then written again with this checkpoint's epoch and
 * its new block number, and root points at the copy. A block that fails its
 * check is left where it is (root keeps its pointer, so its segment stays in
 * use); the program loads that need it meet the damage.
 */
static int writer_move_program_blocks(struct writer *writer, struct cairn_root_record *root)
{
    struct store *store = writer->store;
    for (uint32_t i = 0; i < format_program_blocks(root) && i < CAIRN_DISK_PROGRAM_BLOCKS; i++) {
        if (!(writer->programs_moving & (1u << i)))
            continue;
        writer->programs_moving &= ~(1u << i);
        if (store_read_program_block(store, root, i) != STORE_OK)
            continue;
        int status = writer_put_metadata(writer, &store->program_block,
                                         CAIRN_BLOCK_PROGRAM_TABLE, &root->programs.blocks[i]);
        if (status != STORE_OK)
            return status;
    }
    writer->programs_moving = 0;
    return STORE_OK;
}

static int writer_step_map(struct writer *writer, struct cairn_root_record *root)
{
    uint32_t leaf_count = writer_leaf_count(writer);
    int status = writer_move_program_blocks(writer, root);
    if (status == STORE_OK)
        status = writer_write_leaves(writer, leaf_count);
    if (status == STORE_OK)
        status = writer_write_interior(writer, leaf_count, store_map_depth_for(writer->oid_limit),
                                       &writer->map_root);
    if (status == STORE_OK)
        status = writer_drain(writer);
    return status;
}

static int writer_step_root(struct writer *writer, struct cairn_root_record *root)
{
    root->map_root = writer->map_root;
    root->map_depth = store_map_depth_for(writer->oid_limit);
    return writer_write_root(writer, root, &writer->root_pointer);
}

/* The superblock names the new root: from here the new checkpoint is the one in force. */
static int writer_step_superblock(struct writer *writer, struct cairn_root_record *root)
{
    int status = writer_write_superblock(writer, writer->root_pointer);
    if (status == STORE_OK) {
        writer->store->root = *root;
        for (uint32_t level = 0; level <= CAIRN_MAP_MAX_DEPTH; level++)
            writer->store->map_cached[level] = 0;     /* the map moved */
    }
    return status;
}

void writer_commit_begin(struct writer *writer)
{
    writer->next_step = WRITER_WRITE_MAP;
}

int writer_commit_step(struct writer *writer, struct cairn_root_record *root,
                       enum writer_progress *progress)
{
    int status = STORE_OK;
    enum writer_step step = writer->next_step;
    *progress = WRITER_MORE;
    switch (step) {
    case WRITER_APPEND_OBJECTS: return STORE_OK;    /* no commit begun */
    case WRITER_WRITE_MAP: status = writer_step_map(writer, root); break;
    case WRITER_FLUSH_DATA: status = writer_flush(writer); break;
    case WRITER_WRITE_ROOT: status = writer_step_root(writer, root); break;
    case WRITER_FLUSH_ROOT: status = writer_flush(writer); break;
    case WRITER_WRITE_SUPERBLOCK: status = writer_step_superblock(writer, root); break;
    case WRITER_SHIFT_SEGMENTS: writer_shift_segments(writer, writer_leaf_count(writer)); break;
    }
    if (status != STORE_OK)
        return status;
    if (step == WRITER_WRITE_SUPERBLOCK)
        *progress = WRITER_DURABLE;
    if (step == WRITER_SHIFT_SEGMENTS) {
        *progress = WRITER_COMMITTED;
        writer->next_step = WRITER_APPEND_OBJECTS;
    } else {
        writer->next_step = step + 1;
    }
    return STORE_OK;
}

int writer_commit(struct writer *writer, struct cairn_root_record *root)
{
    enum writer_progress progress = WRITER_MORE;
    if (writer->next_step == WRITER_APPEND_OBJECTS)
        writer_commit_begin(writer);    /* else a commit under way goes on */
    while (progress != WRITER_COMMITTED) {
        int status = writer_commit_step(writer, root, &progress);
        if (status != STORE_OK)
            return status;
    }
    return STORE_OK;
}
