/*
 * The store's read side.
 *
 * Opening: read superblocks A and B; a candidate is usable when its own
 * checks pass, its root record's CRC matches the superblock's pointer and
 * passes its checks, and the map root is readable and sound. The usable
 * candidate with the newest epoch wins; if the newest superblock was not
 * usable, why is kept in store->rejected. Nothing read is trusted before
 * it is checked; a candidate's run list (its chain of run-list blocks) is
 * read and checked too, so a damaged chain falls back to the other copy.
 *
 * Lookup: the object map is a radix tree; leaves hold 169 entries,
 * interior nodes 508 children. A depth-d map covers 169 * 508^d OIDs.
 */
#include <kernel/printf.h>
#include <kernel/string.h>
#include "crc32c.h"
#include "format.h"
#include <cairn/abi.h>
#include "store.h"

static int store_read_block(struct store *store, uint32_t block, void *buffer)
{
    if (block >= store->device->block_count) {
        format_print(store->error, sizeof(store->error),
                     "block %u is beyond the end of the disk (%llu blocks)", block,
                     (unsigned long long)store->device->block_count);
        return STORE_CORRUPT;
    }
    if (blockdev_wait(store->device, BLOCK_READ, block, 1, buffer) != BLOCK_OK) {
        format_print(store->error, sizeof(store->error), "I/O error reading block %u", block);
        return STORE_READ_ERROR;
    }
    return STORE_OK;
}

const char *store_status_name(int status)
{
    static const char *const names[STORE_STATUS_COUNT] = {
        [STORE_OK] = "ok",
        [STORE_READ_ERROR] = "read error",
        [STORE_NOT_CAIRN] = "not a Cairn image",
        [STORE_CORRUPT] = "corrupt",
        [STORE_NOT_FOUND] = "not found",
        [STORE_WRITE_ERROR] = "write error",
        [STORE_LOG_FULL] = "log full",
        [STORE_NO_MEMORY] = "out of memory",
    };
    return status >= 0 && status < STORE_STATUS_COUNT && names[status] ? names[status]
                                                                        : "unknown status";
}

/* Reads a metadata block through a checked pointer; checks type and CRC. */
static int store_read_pointer(struct store *store, struct cairn_block_pointer pointer,
                              uint32_t type, void *buffer)
{
    int status = store_read_block(store, pointer.block, buffer);
    if (status != STORE_OK)
        return status;
    if (!format_check_block(buffer, type, pointer.block, store->error, sizeof(store->error)))
        return STORE_CORRUPT;
    if (crc32c(buffer, CAIRN_DISK_BLOCK_SIZE) != pointer.crc32c) {
        format_print(store->error, sizeof(store->error),
                     "%s at block %u does not match the checksum its parent recorded",
                     format_block_type_name(type), pointer.block);
        return STORE_CORRUPT;
    }
    return STORE_OK;
}

static uint32_t store_map_block_type(uint32_t level, uint32_t depth)
{
    return level == depth ? CAIRN_BLOCK_MAP_LEAF : CAIRN_BLOCK_MAP_INTERIOR;
}

/* Reads block index of root's run-list chain through pointer into store->run_list; checks it
 * against super's geometry. */
static int store_read_run_list_block(struct store *store, const struct cairn_root_record *root,
                                     const struct cairn_superblock *super,
                                     struct cairn_block_pointer pointer, uint32_t index)
{
    int status = store_read_pointer(store, pointer, CAIRN_BLOCK_RUN_LIST, &store->run_list);
    if (status != STORE_OK)
        return status;
    if (!format_check_run_list_block(&store->run_list, root, super, index, store->error,
                                     sizeof(store->error)))
        return STORE_CORRUPT;
    return STORE_OK;
}

/*
 * The run list of root: processes[], then the chain from its last block back
 * to block 0. The number of blocks comes from the root's count (checked), so
 * the walk ends whatever the back pointers say, and each block must carry
 * the index it is read as.
 */
static int store_walk_run_list(struct store *store, const struct cairn_root_record *root,
                               const struct cairn_superblock *super,
                               const struct store_run_list_visitor *visitor)
{
    for (uint32_t i = 0; i < root->process_count && i < CAIRN_DISK_PROCESSES; i++)
        if (visitor->oid)
            visitor->oid(root->processes[i], visitor->data);
    struct cairn_block_pointer pointer = root->run_list.last;
    for (uint32_t index = format_run_list_blocks(root); index-- > 0;) {
        int status = store_read_run_list_block(store, root, super, pointer, index);
        if (status != STORE_OK)
            return status;
        if (visitor->block)
            visitor->block(pointer.block, visitor->data);
        for (uint32_t i = 0; i < store->run_list.count && visitor->oid; i++)
            visitor->oid(store->run_list.oids[i], visitor->data);
        pointer = store->run_list.previous;
    }
    return STORE_OK;
}

static int store_check_run_list(struct store *store, const struct cairn_root_record *root,
                                const struct cairn_superblock *super)
{
    static const struct store_run_list_visitor nothing = { NULL, NULL, NULL };
    return store_walk_run_list(store, root, super, &nothing);
}

int store_visit_run_list(struct store *store, const struct cairn_root_record *root,
                         const struct store_run_list_visitor *visitor)
{
    return store_walk_run_list(store, root, &store->super, visitor);
}

/* Checks one superblock and everything it names; fills candidate root on success. */
static int store_check_candidate(struct store *store, uint32_t block,
                                 struct cairn_superblock *super, struct cairn_root_record *root)
{
    int status = store_read_block(store, block, super);
    if (status != STORE_OK)
        return status;
    if (!format_check_superblock(super, block, store->device->block_count, store->error,
                                 sizeof(store->error)))
        return STORE_CORRUPT;
    status = store_read_pointer(store, super->root, CAIRN_BLOCK_ROOT, root);
    if (status != STORE_OK)
        return status;
    if (!format_check_root(root, super, store->error, sizeof(store->error)))
        return STORE_CORRUPT;
    status = store_check_run_list(store, root, super);
    if (status != STORE_OK)
        return status;
    return store_read_pointer(store, root->map_root, store_map_block_type(0, root->map_depth),
                              store->scratch);
}

static int store_block_is_blank(const uint8_t *block)
{
    for (uint32_t i = 0; i < CAIRN_DISK_BLOCK_SIZE; i++)
        if (block[i])
            return 0;
    return 1;
}

/* No candidate was usable: say why in the most helpful words. */
static int store_explain_failure(struct store *store, const char *why_a, const char *why_b)
{
    const struct cairn_block_header *header = (const void *)&store->super;
    if (store_read_block(store, CAIRN_DISK_SUPERBLOCK_A, &store->super) == STORE_OK &&
        store_block_is_blank((const uint8_t *)&store->super)) {
        format_print(store->error, sizeof(store->error),
                     "the disk is blank (block 0 is all zeros): not a Cairn image");
        return STORE_NOT_CAIRN;
    }
    if (header->magic != CAIRN_DISK_MAGIC) {
        format_print(store->error, sizeof(store->error),
                     "not a Cairn image (no Cairn magic in block 0)");
        return STORE_NOT_CAIRN;
    }
    format_print(store->error, sizeof(store->error), "no usable checkpoint: A: %s; B: %s", why_a,
                 why_b);
    return STORE_CORRUPT;
}

int store_open(struct store *store, struct block_device *device)
{
    memset(store, 0, sizeof(*store));
    store->device = device;
    if (device->block_count <= CAIRN_DISK_LOG_START) {
        format_print(store->error, sizeof(store->error),
                     "the disk is too small to hold a Cairn image (%llu blocks of 4 KiB)",
                     (unsigned long long)device->block_count);
        return STORE_NOT_CAIRN;
    }
    static struct cairn_superblock supers[2];
    static struct cairn_root_record roots[2];
    char why[2][STORE_MESSAGE_SIZE];
    int usable[2];
    for (int copy = 0; copy < 2; copy++) {
        usable[copy] = store_check_candidate(store, (uint32_t)copy, &supers[copy],
                                             &roots[copy]) == STORE_OK;
        strlcpy(why[copy], usable[copy] ? "" : store->error, sizeof(why[copy]));
    }
    if (!usable[0] && !usable[1])
        return store_explain_failure(store, why[0], why[1]);
    int chosen = !usable[0] || (usable[1] && supers[1].header.epoch > supers[0].header.epoch);
    int other = !chosen;
    /* A newer-looking superblock that was not usable is reported, not silently skipped. */
    if (!usable[other] && supers[other].header.magic == CAIRN_DISK_MAGIC &&
        supers[other].header.epoch > supers[chosen].header.epoch)
        format_print(store->rejected, sizeof(store->rejected), "epoch %llu (superblock %c): %s",
                     (unsigned long long)supers[other].header.epoch, other ? 'B' : 'A',
                     why[other]);
    store->super = supers[chosen];
    store->root = roots[chosen];
    store->older_usable = usable[other];
    if (usable[other])
        store->older_root = roots[other];
    store->superblock_block = (uint32_t)chosen;
    store->error[0] = 0;
    return STORE_OK;
}

int store_find_geometry(struct store *store, struct block_device *device)
{
    memset(store, 0, sizeof(*store));
    store->device = device;
    for (uint32_t copy = 0; copy < 2 && copy < device->block_count; copy++) {
        if (store_read_block(store, copy, &store->super) == STORE_OK &&
            format_check_superblock(&store->super, copy, device->block_count, store->error,
                                    sizeof(store->error))) {
            store->superblock_block = copy;
            store->error[0] = 0;
            return STORE_OK;
        }
    }
    memset(&store->super, 0, sizeof(store->super));
    format_print(store->error, sizeof(store->error), "neither superblock gives the image's geometry");
    return STORE_CORRUPT;
}

int store_read_root_at(struct store *store, uint32_t block, struct cairn_root_record *root)
{
    int status = store_read_block(store, block, root);
    if (status != STORE_OK)
        return status;
    if (!format_check_block(root, CAIRN_BLOCK_ROOT, block, store->error, sizeof(store->error)) ||
        !format_check_root_fields(root, &store->super, store->error, sizeof(store->error)))
        return STORE_CORRUPT;
    status = store_check_run_list(store, root, &store->super);
    if (status != STORE_OK)
        return status;
    return store_read_pointer(store, root->map_root, store_map_block_type(0, root->map_depth),
                              store->scratch);
}

void store_use_root(struct store *store, const struct cairn_root_record *root)
{
    store->root = *root;
    for (uint32_t level = 0; level <= CAIRN_MAP_MAX_DEPTH; level++)
        store->map_cached[level] = 0;
}

int store_read_map_block(struct store *store, struct cairn_block_pointer pointer, uint32_t level,
                         uint32_t depth, void *buffer)
{
    return store_read_pointer(store, pointer, store_map_block_type(level, depth), buffer);
}

uint32_t store_map_depth_for(uint64_t oid_limit)
{
    uint64_t capacity = CAIRN_MAP_LEAF_ENTRIES;
    uint32_t depth = 0;
    while (capacity < oid_limit && depth < CAIRN_MAP_MAX_DEPTH) {
        capacity *= CAIRN_MAP_INTERIOR_CHILDREN;
        depth++;
    }
    return depth;
}

void store_map_path(uint64_t oid, uint32_t depth, uint32_t *indices)
{
    uint64_t leaf = oid / CAIRN_MAP_LEAF_ENTRIES;
    indices[depth] = (uint32_t)(oid % CAIRN_MAP_LEAF_ENTRIES);
    for (uint32_t level = depth; level > 0; level--) {
        indices[level - 1] = (uint32_t)(leaf % CAIRN_MAP_INTERIOR_CHILDREN);
        leaf /= CAIRN_MAP_INTERIOR_CHILDREN;
    }
}

/* The map block at level reached through pointer, from the cache or the disk. */
static int store_map_block(struct store *store, uint32_t level, struct cairn_block_pointer pointer,
                           const void **block)
{
    if (store->map_cached[level] != pointer.block || store->map_cached_crc[level] != pointer.crc32c) {
        store->map_cached[level] = 0;
        int status = store_read_pointer(store, pointer,
                                        store_map_block_type(level, store->root.map_depth),
                                        store->map_cache[level]);
        if (status != STORE_OK)
            return status;
        store->map_cached[level] = pointer.block;
        store->map_cached_crc[level] = pointer.crc32c;
    }
    *block = store->map_cache[level];
    return STORE_OK;
}

int store_lookup(struct store *store, uint64_t oid, struct cairn_map_entry *entry)
{
    if (oid == 0 || oid >= store->root.oid_limit) {
        format_print(store->error, sizeof(store->error), "OID %llu is not in the map (limit %llu)",
                     (unsigned long long)oid, (unsigned long long)store->root.oid_limit);
        return STORE_NOT_FOUND;
    }
    uint32_t depth = store->root.map_depth, indices[CAIRN_MAP_MAX_DEPTH + 1];
    store_map_path(oid, depth, indices);
    struct cairn_block_pointer pointer = store->root.map_root;
    const void *block;
    for (uint32_t level = 0; level < depth; level++) {
        int status = store_map_block(store, level, pointer, &block);
        if (status != STORE_OK)
            return status;
        pointer = ((const struct cairn_map_interior *)block)->children[indices[level]];
    }
    int status = store_map_block(store, depth, pointer, &block);
    if (status != STORE_OK)
        return status;
    *entry = ((const struct cairn_map_leaf *)block)->entries[indices[depth]];
    return store_check_entry(store, oid, entry);
}

int store_check_entry(struct store *store, uint64_t oid, const struct cairn_map_entry *entry)
{
    uint64_t log_end = (uint64_t)store->super.log_start +
                       (uint64_t)store->super.segment_blocks * store->super.segment_count;
    if (entry->type >= CAIRN_TYPE_COUNT || (entry->block && (entry->block < store->super.log_start ||
                                              entry->block >= log_end))) {
        format_print(store->error, sizeof(store->error),
                     "map entry of OID %llu is invalid (type %u, block %u)",
                     (unsigned long long)oid, entry->type, entry->block);
        return STORE_CORRUPT;
    }
    return STORE_OK;
}

int store_read_entry(struct store *store, uint64_t oid, const struct cairn_map_entry *entry,
                     void *buffer)
{
    int status = store_read_block(store, entry->block, buffer);
    if (status != STORE_OK)
        return status;
    if (crc32c(buffer, CAIRN_DISK_BLOCK_SIZE) != entry->crc32c) {
        format_print(store->error, sizeof(store->error),
                     "OID %llu at block %u: bad checksum", (unsigned long long)oid, entry->block);
        return STORE_CORRUPT;
    }
    return STORE_OK;
}

int store_read_record(struct store *store, uint64_t oid, const struct cairn_map_entry *entry,
                      struct cairn_object_record *record)
{
    int status = store_read_entry(store, oid, entry, record);
    if (status != STORE_OK)
        return status;
    if (!format_check_block(record, CAIRN_BLOCK_OBJECT, entry->block, store->error,
                            sizeof(store->error)))
        return STORE_CORRUPT;
    if (record->oid != oid || record->type != entry->type || record->version != entry->version) {
        format_print(store->error, sizeof(store->error),
                     "object record at block %u is not OID %llu of type %u", entry->block,
                     (unsigned long long)oid, entry->type);
        return STORE_CORRUPT;
    }
    return STORE_OK;
}

/* A raw block of held output (what: which channel's, for the message), with its CRC32C. */
static int store_read_held(struct store *store, struct cairn_block_pointer pointer, void *buffer,
                           const char *what)
{
    int status = store_read_block(store, pointer.block, buffer);
    if (status != STORE_OK)
        return status;
    if (crc32c(buffer, CAIRN_DISK_BLOCK_SIZE) != pointer.crc32c) {
        format_print(store->error, sizeof(store->error), "%s at block %u: bad checksum", what,
                     pointer.block);
        return STORE_CORRUPT;
    }
    return STORE_OK;
}

int store_read_program_block(struct store *store, const struct cairn_root_record *root,
                             uint32_t index)
{
    if (index >= format_program_blocks(root) || index >= CAIRN_DISK_PROGRAM_BLOCKS) {
        format_print(store->error, sizeof(store->error),
                     "program table has no block %u (%u programs)", index, root->programs.count);
        return STORE_NOT_FOUND;
    }
    int status = store_read_pointer(store, root->programs.blocks[index],
                                    CAIRN_BLOCK_PROGRAM_TABLE, &store->program_block);
    if (status != STORE_OK)
        return status;
    if (!format_check_program_block(&store->program_block, root, index, store->error,
                                    sizeof(store->error)))
        return STORE_CORRUPT;
    return STORE_OK;
}

int store_find_program(struct store *store, const struct cairn_root_record *root,
                       const char *name, struct cairn_disk_program *program)
{
    uint32_t blocks = format_program_blocks(root);
    for (uint32_t index = 0; index < blocks; index++) {
        int status = store_read_program_block(store, root, index);
        if (status != STORE_OK)
            return status;
        const struct cairn_program_table_block *block = &store->program_block;
        for (uint32_t i = 0; i < block->count; i++)
            if (strncmp(block->programs[i].name, name, CAIRN_DISK_PROGRAM_NAME) == 0) {
                *program = block->programs[i];
                return STORE_OK;
            }
    }
    format_print(store->error, sizeof(store->error), "no program named '%s'", name);
    return STORE_NOT_FOUND;
}

int store_read_console(struct store *store, const struct cairn_root_record *root, uint32_t index,
                       void *buffer)
{
    return store_read_held(store, root->console.blocks[index], buffer, "held console output");
}

int store_read_frames(struct store *store, const struct cairn_root_record *root, uint32_t index,
                      void *buffer)
{
    return store_read_held(store, root->frames.blocks[index], buffer, "held network frames");
}

int store_read_release_record(struct store *store, struct cairn_release_record *newest_record,
                              uint32_t *newest)
{
    static const uint32_t copies[2] = { CAIRN_DISK_RELEASE_A, CAIRN_DISK_RELEASE_B };
    const struct cairn_release_record *record = (const void *)store->scratch;
    int found = 0;
    char why[STORE_MESSAGE_SIZE] = "";
    for (uint32_t i = 0; i < 2; i++) {
        int status = store_read_block(store, copies[i], store->scratch);
        if (status != STORE_OK)
            return status;
        if (!format_check_block(record, CAIRN_BLOCK_RELEASE, copies[i], why, sizeof(why)))
            continue;
        /* Both positions only grow: the newer record has the larger pair. */
        if (!found || record->released > newest_record->released ||
            (record->released == newest_record->released &&
             record->frames_released > newest_record->frames_released)) {
            *newest_record = *record;
            *newest = copies[i];
        }
        found = 1;
    }
    if (found)
        return STORE_OK;
    format_print(store->error, sizeof(store->error), "no valid release record (%s)", why);
    return STORE_NOT_FOUND;
}

int store_read_released(struct store *store, uint64_t *released, uint32_t *newest)
{
    static struct cairn_release_record record;
    int status = store_read_release_record(store, &record, newest);
    if (status == STORE_OK)
        *released = record.released;
    return status;
}
