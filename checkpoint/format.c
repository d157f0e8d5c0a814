/* Sealing and checking on-disk blocks: every check names what is wrong and the values found. */
#include <kernel/printf.h>
#include <kernel/string.h>
#include <cairn/abi.h>
#include "crc32c.h"
#include "format.h"

const char *format_block_type_name(uint32_t type)
{
    switch (type) {
    case CAIRN_BLOCK_SUPERBLOCK: return "superblock";
    case CAIRN_BLOCK_ROOT: return "root record";
    case CAIRN_BLOCK_MAP_LEAF: return "map leaf";
    case CAIRN_BLOCK_MAP_INTERIOR: return "map interior node";
    case CAIRN_BLOCK_OBJECT: return "object record";
    case CAIRN_BLOCK_RELEASE: return "release record";
    case CAIRN_BLOCK_RUN_LIST: return "run-list block";
    case CAIRN_BLOCK_PROGRAM_TABLE: return "program-table block";
    default: return "unknown block type";
    }
}

uint32_t format_block_crc(const void *block)
{
    const struct cairn_block_header *header = block;
    const uint8_t *bytes = block;
    size_t crc_offset = (const uint8_t *)&header->crc32c - bytes;
    static const uint8_t zero[4];
    uint32_t crc = crc32c_update(0, bytes, crc_offset);
    crc = crc32c_update(crc, zero, sizeof(zero));
    return crc32c_update(crc, bytes + crc_offset + 4, CAIRN_DISK_BLOCK_SIZE - crc_offset - 4);
}

void format_seal_block(void *block, uint32_t type, uint64_t epoch, uint32_t block_number)
{
    struct cairn_block_header *header = block;
    header->magic = CAIRN_DISK_MAGIC;
    header->type = type;
    header->epoch = epoch;
    header->block = block_number;
    header->format_version = CAIRN_DISK_FORMAT_VERSION;
    header->crc32c = format_block_crc(block);
}

/* Why an image of an older format version cannot be read, in words ("" for other versions). */
static const char *format_old_version_note(uint32_t version)
{
    switch (version) {
    case 1: return " (version 1 images come from before banks owned their objects: make a new image)";
    case 2: return " (version 2 images keep at most 32 programs in the root record: make a new "
                   "image)";
    default: return "";
    }
}

int format_check_block(const void *block, uint32_t type, uint32_t block_number, char *why,
                       size_t why_size)
{
    const struct cairn_block_header *header = block;
    if (header->magic != CAIRN_DISK_MAGIC) {
        format_print(why, why_size, "block %u is not a Cairn block (no magic)", block_number);
        return 0;
    }
    if (header->format_version != CAIRN_DISK_FORMAT_VERSION) {
        format_print(why, why_size, "block %u has format version %u; this kernel reads version %u%s",
                     block_number, header->format_version, CAIRN_DISK_FORMAT_VERSION,
                     format_old_version_note(header->format_version));
        return 0;
    }
    uint32_t crc = format_block_crc(block);
    if (crc != header->crc32c) {
        format_print(why, why_size, "block %u: bad checksum (stored %#x, computed %#x)",
                     block_number, header->crc32c, crc);
        return 0;
    }
    if (header->type != type) {
        format_print(why, why_size, "block %u is a %s where a %s was expected", block_number,
                     format_block_type_name(header->type), format_block_type_name(type));
        return 0;
    }
    if (header->block != block_number) {
        format_print(why, why_size, "block %u says it belongs at block %u (misplaced write)",
                     block_number, header->block);
        return 0;
    }
    return 1;
}

int format_check_superblock(const struct cairn_superblock *super, uint32_t block_number,
                            uint64_t device_blocks, char *why, size_t why_size)
{
    if (!format_check_block(super, CAIRN_BLOCK_SUPERBLOCK, block_number, why, why_size))
        return 0;
    const char *problem = NULL;
    uint64_t log_end = (uint64_t)super->log_start +
                       (uint64_t)super->segment_blocks * super->segment_count;
    if (super->feature_incompat & ~CAIRN_DISK_INCOMPAT_KNOWN)
        problem = "uses incompatible features this kernel does not know";
    else if (super->block_size != CAIRN_DISK_BLOCK_SIZE)
        problem = "has a block size other than 4096";
    else if (super->log_start < CAIRN_DISK_LOG_START || super->segment_blocks == 0 ||
             log_end > super->device_blocks)
        problem = "has a log outside the image";
    else if (super->segment_blocks > CAIRN_DISK_SEGMENT_BLOCKS)
        problem = "has segments of more than 256 blocks (the cleaner moves at most four of "
                  "256 blocks a checkpoint)";
    else if (super->device_blocks > device_blocks)
        problem = "describes an image larger than this disk (truncated image?)";
    else if (super->root.block < super->log_start || super->root.block >= log_end)
        problem = "points at a root record outside the log";
    if (problem) {
        format_print(why, why_size, "superblock at block %u %s", block_number, problem);
        return 0;
    }
    return 1;
}

uint64_t format_map_capacity(uint32_t depth)
{
    uint64_t capacity = CAIRN_MAP_LEAF_ENTRIES;
    for (uint32_t level = 0; level < depth && level < CAIRN_MAP_MAX_DEPTH; level++)
        capacity *= CAIRN_MAP_INTERIOR_CHILDREN;
    return capacity;
}

/* Do the data set's Pages (consecutive OIDs) lie inside the map? (The programs' are checked
 * with their program-table blocks.) */
static int format_root_pages_in_map(const struct cairn_root_record *root)
{
    return !root->data.page_count ||
           (root->data.first_page != 0 &&
            (uint64_t)root->data.first_page + root->data.page_count <= root->oid_limit);
}

/* Is the held console output of a root record within bounds, its blocks in the log? */
static int format_root_console_sound(const struct cairn_root_record *root, uint64_t log_start,
                                     uint64_t log_end)
{
    const struct cairn_disk_console *console = &root->console;
    if (console->length > CAIRN_DISK_CONSOLE_BLOCKS * CAIRN_DISK_BLOCK_SIZE ||
        console->position > UINT64_MAX - console->length)
        return 0;
    uint32_t used = (console->length + CAIRN_DISK_BLOCK_SIZE - 1) / CAIRN_DISK_BLOCK_SIZE;
    for (uint32_t i = 0; i < CAIRN_DISK_CONSOLE_BLOCKS; i++) {
        uint32_t block = console->blocks[i].block;
        if (i < used ? block < log_start || block >= log_end
                     : block != 0 || console->blocks[i].crc32c != 0)
            return 0;
    }
    return 1;
}

int format_check_held_frames(const struct cairn_root_record *root,
                             const struct cairn_superblock *super)
{
    const struct cairn_disk_frames *frames = &root->frames;
    uint64_t log_end = (uint64_t)super->log_start +
                       (uint64_t)super->segment_blocks * super->segment_count;
    if (frames->length > CAIRN_DISK_FRAME_BLOCKS * CAIRN_DISK_BLOCK_SIZE ||
        frames->position > UINT64_MAX - frames->length ||
        (uint64_t)frames->count * (2 + CAIRN_NIC_FRAME_MIN) > frames->length ||
        (frames->count == 0) != (frames->length == 0))
        return 0;
    uint32_t used = (frames->length + CAIRN_DISK_BLOCK_SIZE - 1) / CAIRN_DISK_BLOCK_SIZE;
    for (uint32_t i = 0; i < CAIRN_DISK_FRAME_BLOCKS; i++) {
        uint32_t block = frames->blocks[i].block;
        if (i < used ? block < super->log_start || block >= log_end
                     : block != 0 || frames->blocks[i].crc32c != 0)
            return 0;
    }
    return 1;
}

/* The banks being reclaimed: at most CAIRN_DISK_DYING_BANKS, each an OID of the map, once. */
static int format_root_dying_sound(const struct cairn_root_record *root)
{
    if (root->dying_count > CAIRN_DISK_DYING_BANKS)
        return 0;
    for (uint32_t i = 0; i < root->dying_count; i++) {
        if (root->dying_banks[i] == 0 || root->dying_banks[i] >= root->oid_limit)
            return 0;
        for (uint32_t j = 0; j < i; j++)
            if (root->dying_banks[j] == root->dying_banks[i])
                return 0;
    }
    return 1;
}

uint32_t format_run_list_blocks(const struct cairn_root_record *root)
{
    return (uint32_t)(((uint64_t)root->run_list.count + CAIRN_DISK_RUN_LIST_OIDS - 1) /
                      CAIRN_DISK_RUN_LIST_OIDS);
}

/* Moves oids[at] down the heap oids[0, count) until neither child is larger. */
static void format_sift_down(uint32_t *oids, uint32_t at, uint32_t count)
{
    for (;;) {
        uint32_t largest = at, left = 2 * at + 1, right = 2 * at + 2;
        if (left < count && oids[left] > oids[largest])
            largest = left;
        if (right < count && oids[right] > oids[largest])
            largest = right;
        if (largest == at)
            return;
        uint32_t swap = oids[at];
        oids[at] = oids[largest];
        oids[largest] = swap;
        at = largest;
    }
}

void format_sort_oids(uint32_t *oids, uint32_t count)
{
    for (uint32_t at = count / 2; at-- > 0;)
        format_sift_down(oids, at, count);
    for (uint32_t end = count; end > 1; end--) {
        uint32_t largest = oids[0];
        oids[0] = oids[end - 1];
        oids[end - 1] = largest;
        format_sift_down(oids, 0, end - 1);
    }
}

uint32_t format_find_duplicate_oid(const uint32_t *sorted, uint32_t count)
{
    for (uint32_t i = 1; i < count; i++)
        if (sorted[i] == sorted[i - 1])
            return sorted[i];
    return 0;
}

/* Are the root record's own process OIDs inside the map, each named once? */
static int format_root_processes_sound(const struct cairn_root_record *root)
{
    static uint32_t sorted[CAIRN_DISK_PROCESSES];  /* one caller at a time, like the store */
    uint32_t count = root->process_count;
    for (uint32_t i = 0; i < count; i++) {
        if (root->processes[i] == 0 || root->processes[i] >= root->oid_limit)
            return 0;
        sorted[i] = root->processes[i];
    }
    format_sort_oids(sorted, count);
    return format_find_duplicate_oid(sorted, count) == 0;
}

/* Does the run list's chain fit: only after a full processes[], every OID distinct inside the
 * map (so no more of them than OIDs), its last block in the log? */
static int format_root_run_list_sound(const struct cairn_root_record *root, uint64_t log_start,
                                      uint64_t log_end)
{
    const struct cairn_disk_run_list *chain = &root->run_list;
    if (chain->reserved)
        return 0;
    if (chain->count == 0)
        return chain->last.block == 0 && chain->last.crc32c == 0;
    return root->process_count == CAIRN_DISK_PROCESSES &&
           (uint64_t)root->process_count + chain->count < root->oid_limit &&
           format_run_list_blocks(root) <= log_end - log_start &&
           chain->last.block >= log_start && chain->last.block < log_end;
}

int format_check_run_list_block(const struct cairn_run_list_block *block,
                                const struct cairn_root_record *root,
                                const struct cairn_superblock *super, uint32_t index, char *why,
                                size_t why_size)
{
    uint64_t log_end = (uint64_t)super->log_start +
                       (uint64_t)super->segment_blocks * super->segment_count;
    uint32_t blocks = format_run_list_blocks(root);
    uint32_t count = index + 1 < blocks ? CAIRN_DISK_RUN_LIST_OIDS
                   : root->run_list.count - index * CAIRN_DISK_RUN_LIST_OIDS;
    const struct cairn_block_pointer *previous = &block->previous;
    const char *problem = NULL;
    if (block->header.epoch != root->header.epoch)
        problem = "has another epoch than its root record";
    else if (block->index != index || block->count != count)
        problem = "is out of place in its chain (index or count)";
    else if (index == 0 ? previous->block != 0 || previous->crc32c != 0
                        : previous->block < super->log_start || previous->block >= log_end)
        problem = "points back outside the log";
    for (uint32_t i = 0; !problem && i < CAIRN_DISK_RUN_LIST_OIDS; i++)
        if (i < count ? block->oids[i] == 0 || block->oids[i] >= root->oid_limit
                      : block->oids[i] != 0)
            problem = "names an OID outside the map";
    if (problem) {
        format_print(why, why_size, "run-list block %u at block %u %s", index,
                     block->header.block, problem);
        return 0;
    }
    return 1;
}

uint32_t format_program_blocks(const struct cairn_root_record *root)
{
    return (uint32_t)(((uint64_t)root->programs.count + CAIRN_DISK_PROGRAM_BLOCK_ENTRIES - 1) /
                      CAIRN_DISK_PROGRAM_BLOCK_ENTRIES);
}

/* Does the program table fit: at most CAIRN_DISK_PROGRAMS, the blocks it uses in the log,
 * the pointers past them zero? */
static int format_root_programs_sound(const struct cairn_root_record *root, uint64_t log_start,
                                      uint64_t log_end)
{
    const struct cairn_disk_program_table *table = &root->programs;
    if (table->reserved || table->count > CAIRN_DISK_PROGRAMS)
        return 0;
    uint32_t used = format_program_blocks(root);
    for (uint32_t i = 0; i < CAIRN_DISK_PROGRAM_BLOCKS; i++) {
        uint32_t block = table->blocks[i].block;
        if (i < used ? block < log_start || block >= log_end
                     : block != 0 || table->blocks[i].crc32c != 0)
            return 0;
    }
    return 1;
}

/* What is wrong with one program of the table, in words, or NULL. */
static const char *format_program_problem(const struct cairn_disk_program *program,
                                          uint64_t oid_limit)
{
    const char *end = memchr(program->name, 0, sizeof(program->name));
    if (!end)
        return "has a name that is not NUL-terminated";
    if (end == program->name)
        return "has an empty name";
    for (const char *rest = end; rest < program->name + sizeof(program->name); rest++)
        if (*rest)
            return "has bytes after the NUL of its name";
    /* 64-bit: a size near 4 GiB must not wrap to zero pages. */
    uint64_t pages = ((uint64_t)program->size + CAIRN_DISK_BLOCK_SIZE - 1) / CAIRN_DISK_BLOCK_SIZE;
    if (program->size == 0)
        return "is empty (size 0)";
    if (program->first_page == 0 || (uint64_t)program->first_page + pages > oid_limit)
        return "has pages outside the object map (first page or size)";
    if (program->reserved)
        return "has a reserved field that is not zero";
    return NULL;
}

int format_check_program(const struct cairn_disk_program *program, uint64_t oid_limit,
                         char *why, size_t why_size)
{
    const char *problem = format_program_problem(program, oid_limit);
    if (problem)
        format_print(why, why_size, "program '%.*s' %s", (int)sizeof(program->name),
                     program->name, problem);
    return problem == NULL;
}

int format_check_program_block(const struct cairn_program_table_block *block,
                               const struct cairn_root_record *root, uint32_t index, char *why,
                               size_t why_size)
{
    static const struct cairn_disk_program unused;
    uint32_t blocks = format_program_blocks(root);
    uint32_t count = index + 1 < blocks ? CAIRN_DISK_PROGRAM_BLOCK_ENTRIES
                   : root->programs.count - index * CAIRN_DISK_PROGRAM_BLOCK_ENTRIES;
    const char *problem = NULL;
    char entry_why[120];     /* one program's problem, inside the block's message */
    if (block->header.epoch > root->header.epoch)
        problem = "is newer than its root record";
    else if (block->index != index || block->count != count)
        problem = "is out of place in the table (index or count)";
    else if (block->reserved[0] || block->reserved[1])
        problem = "has reserved fields that are not zero";
    for (uint32_t i = 0; !problem && i < CAIRN_DISK_PROGRAM_BLOCK_ENTRIES; i++) {
        if (i >= count) {
            if (memcmp(&block->programs[i], &unused, sizeof(unused)) != 0)
                problem = "has an entry past its count";
        } else if (!format_check_program(&block->programs[i], root->oid_limit, entry_why,
                                         sizeof(entry_why))) {
            format_print(why, why_size, "program-table block %u at block %u: entry %u: %s",
                         index, block->header.block, i, entry_why);
            return 0;
        }
    }
    if (problem) {
        format_print(why, why_size, "program-table block %u at block %u %s", index,
                     block->header.block, problem);
        return 0;
    }
    return 1;
}

uint32_t format_object_units(uint32_t type)
{
    return type == CAIRN_TYPE_PROCESS ? 3 : 1;
}

uint32_t format_change_limit(const struct cairn_superblock *super)
{
    return super->segment_blocks * super->segment_count / 16;
}

uint32_t format_store_capacity(const struct cairn_superblock *super)
{
    uint64_t log = (uint64_t)super->segment_blocks * super->segment_count;
    uint64_t reserve = (CAIRN_CLEANER_RESERVE_SEGMENTS + 1) * (uint64_t)super->segment_blocks;
    uint64_t map = 3 * (log / CAIRN_MAP_LEAF_ENTRIES + CAIRN_MAP_MAX_DEPTH + 4);
    uint64_t kept = 2 * (uint64_t)format_change_limit(super) + reserve + map;
    /* A quarter of the rest stays garbage the cleaner need not copy: segments it cleans are
     * then at most three quarters live, so cleaning frees room faster than it takes it. */
    return log > kept ? (uint32_t)((log - kept) / 4 * 3) : 0;
}

/* Does the console's foreground name OIDs of the map, and both of them or neither? */
static int format_root_foreground_sound(const struct cairn_root_record *root)
{
    const struct cairn_disk_foreground *foreground = &root->foreground;
    if (!foreground->holder != !foreground->reader)
        return 0;
    return foreground->holder < root->oid_limit && foreground->reader < root->oid_limit;
}

int format_check_root_fields(const struct cairn_root_record *root,
                             const struct cairn_superblock *super, char *why, size_t why_size)
{
    uint64_t log_end = (uint64_t)super->log_start +
                       (uint64_t)super->segment_blocks * super->segment_count;
    const char *problem = NULL;
    if (root->map_depth > CAIRN_MAP_MAX_DEPTH)
        problem = "has an object map deeper than the format allows";
    else if (root->map_root.block < super->log_start || root->map_root.block >= log_end)
        problem = "points at an object map outside the log";
    else if (root->log_head < super->log_start || root->log_head > log_end)
        problem = "has a log head outside the log";
    else if (root->process_count > CAIRN_DISK_PROCESSES)
        problem = "lists more processes than fit";
    else if (root->oid_limit > 0xFFFFFFFFull)
        problem = "has an OID limit beyond 32 bits";
    else if (root->oid_limit > format_map_capacity(root->map_depth))
        problem = "has more OIDs than its object map can hold";
    else if ((root->oid_limit + CAIRN_MAP_LEAF_ENTRIES - 1) / CAIRN_MAP_LEAF_ENTRIES >
             log_end - super->log_start)
        problem = "has more OIDs than map leaves would fit in the log";
    else if (!format_root_pages_in_map(root))
        problem = "names data-set pages outside its object map";
    else if (!format_root_programs_sound(root, super->log_start, log_end))
        problem = "has a program table that does not fit (count, or blocks outside the log)";
    else if (!format_root_console_sound(root, super->log_start, log_end))
        problem = "holds console output beyond 64 KiB or outside the log";
    else if (!format_root_dying_sound(root))
        problem = "lists banks being reclaimed that are out of range or twice";
    else if (!format_root_foreground_sound(root))
        problem = "names a console foreground outside its object map";
    else if (!format_root_processes_sound(root))
        problem = "lists a process OID outside the map or twice";
    else if (!format_root_run_list_sound(root, super->log_start, log_end))
        problem = "has a run-list chain that does not fit (count, OIDs or block)";
    if (problem) {
        format_print(why, why_size, "root record at block %u %s", root->header.block, problem);
        return 0;
    }
    return 1;
}

int format_check_root(const struct cairn_root_record *root, const struct cairn_superblock *super,
                      char *why, size_t why_size)
{
    if (root->header.epoch != super->header.epoch) {
        format_print(why, why_size, "root record at block %u has another epoch than its superblock",
                     root->header.block);
        return 0;
    }
    return format_check_root_fields(root, super, why, why_size);
}

/* The MXCSR of a Process record's fxsave image (bytes 24..27). */
static uint32_t format_record_mxcsr(const struct cairn_object_record *record)
{
    const uint8_t *at = record->context.fpu + 24;
    return (uint32_t)at[0] | (uint32_t)at[1] << 8 | (uint32_t)at[2] << 16 | (uint32_t)at[3] << 24;
}

int format_check_process_record(const struct cairn_object_record *record, char *why,
                                size_t why_size)
{
    const char *problem = NULL;
    if (record->state > CAIRN_DISK_PROCESS_STATE_MAX)
        problem = "an impossible state";
    else if (record->priority >= CAIRN_PRIORITIES)
        problem = "an impossible priority";
    else if (record->receive_slot != CAIRN_NO_SLOT && record->receive_slot >= CAIRN_CLIST_SLOTS)
        problem = "a receive slot beyond its c-list";
    else if (format_record_mxcsr(record) & CAIRN_DISK_MXCSR_RESERVED)
        problem = "an FPU state with reserved MXCSR bits set";
    if (problem) {
        format_print(why, why_size, "process OID %llu at block %u has %s",
                     (unsigned long long)record->oid, record->header.block, problem);
        return 0;
    }
    return 1;
}
