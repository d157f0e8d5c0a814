/*
 * Checking one whole checkpoint: what `cairn-img verify` does for the newest
 * and the previous checkpoint, and what the crash explorer and the fuzzers
 * run on every image they make.
 *
 *   1. the object map, walked from the root record: every interior node and
 *      leaf through its checked pointer (type, CRC, own block, epoch no newer
 *      than the root's); pointers and entries past the OID limit must be zero
 *   2. every map entry (the checks store_lookup makes), then every object:
 *      its block's CRC32C; records through store_read_record (header, OID,
 *      type, version) and, for processes, the kernel's field checks; Space
 *      node levels; every stored capability (a live version must name an
 *      object of the capability's type)
 *   3. the log: no block is referred to twice; nothing lies after the root
 *      record in the root's own segment (the writer's unwritten tail)
 *   4. the root record's own references: bank, the program table (each block through
 *      its checked pointer, each program's Pages inside the map, no name twice), data,
 *      and the run list (processes[] and its chain of run-list blocks: each a Process,
 *      none twice)
 *   5. reachability from the root record through live capabilities (a figure)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../checkpoint/crc32c.h"
#include "../checkpoint/format.h"
#include "image_check.h"

static uint8_t check_buffer[CAIRN_MAP_MAX_DEPTH + 1][CAIRN_DISK_BLOCK_SIZE]
    __attribute__((aligned(16)));
static struct cairn_object_record check_record;

const char *image_type_name(uint32_t type)
{
    static const char *const names[] = { "free", "process", "endpoint", "page", "space", "bank",
                                         "nic" };
    _Static_assert(sizeof(names) / sizeof(names[0]) == CAIRN_TYPE_COUNT, "a name for every type");
    return type < CAIRN_TYPE_COUNT ? names[type] : "unknown";
}

static void check_problem(struct image_check *check, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void check_problem(struct image_check *check, const char *format, ...)
{
    char line[400];
    int length = snprintf(line, sizeof(line), "%s", check->label ? check->label : "");
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(line + length, sizeof(line) - (size_t)length, format, arguments);
    va_end(arguments);
    check->problems++;
    if (check->report)
        check->report(check->context, line);
}

int image_check_init(struct image_check *check, struct store *store)
{
    memset(check, 0, sizeof(*check));
    check->store = store;
    check->device_blocks = store->device->block_count;
    check->referenced = calloc(check->device_blocks + 1, 1);
    check->referrer = calloc(check->device_blocks + 1, sizeof(uint32_t));
    return check->referenced && check->referrer ? 0 : -1;
}

static void image_check_free_banks(struct image_check *check)
{
    free(check->made_objects);
    free(check->made_units);
    free(check->said_objects);
    free(check->said_used);
    free(check->child_used);
}

void image_check_free(struct image_check *check)
{
    free(check->referenced);
    free(check->referrer);
    free(check->entries);
    free(check->known);
    free(check->reached);
    free(check->edges);
    image_check_free_banks(check);
    memset(check, 0, sizeof(*check));
}

static int check_reserve(struct image_check *check, uint32_t oid_limit)
{
    if (oid_limit <= check->capacity)
        return 0;
    free(check->entries);
    free(check->known);
    free(check->reached);
    image_check_free_banks(check);
    check->entries = calloc(oid_limit, sizeof(*check->entries));
    check->known = calloc(oid_limit, 1);
    check->reached = calloc(oid_limit, 1);
    check->made_objects = calloc(oid_limit, sizeof(uint32_t));
    check->made_units = calloc(oid_limit, sizeof(uint32_t));
    check->said_objects = calloc(oid_limit, sizeof(uint32_t));
    check->said_used = calloc(oid_limit, sizeof(uint32_t));
    check->child_used = calloc(oid_limit, sizeof(uint32_t));
    check->capacity = check->entries && check->known && check->reached && check->made_objects &&
                      check->made_units && check->said_objects && check->said_used &&
                      check->child_used ? oid_limit : 0;
    return check->capacity ? 0 : -1;
}

static const char *reference_name(uint8_t kind)
{
    static const char *const names[] = { "nothing", "the root record", "the object map", "OID",
                                         "held console output block", "run-list block",
                                         "program-table block", "held network frames block" };
    return names[kind < sizeof(names) / sizeof(names[0]) ? kind : 0];
}

/* Notes that the checkpoint refers to block; two references to one block are a problem (0). */
static int check_reference(struct image_check *check, uint32_t block, uint8_t kind, uint32_t oid)
{
    if (block >= check->device_blocks)
        return 1;                       /* reported by whoever reads it */
    if (check->referenced[block]) {
        check_problem(check, "block %u is used twice: by %s %u and by %s %u", block,
                      reference_name(check->referenced[block]), check->referrer[block],
                      reference_name(kind), oid);
        return 0;
    }
    check->referenced[block] = kind;
    check->referrer[block] = oid;
    check->blocks++;
    check->object_blocks += kind == REFERENCE_OBJECT;
    return 1;
}

static void check_block_epoch(struct image_check *check, const void *block, const char *what)
{
    const struct cairn_block_header *header = block;
    if (header->epoch > check->store->root.header.epoch)
        check_problem(check, "%s at block %u has epoch %llu, newer than its checkpoint's %llu",
                      what, header->block, (unsigned long long)header->epoch,
                      (unsigned long long)check->store->root.header.epoch);
}

static void check_leaf(struct image_check *check, const struct cairn_map_leaf *leaf, uint64_t first)
{
    static const struct cairn_map_entry zero;
    uint64_t limit = check->store->root.oid_limit;
    for (uint32_t i = 0; i < CAIRN_MAP_LEAF_ENTRIES; i++) {
        uint64_t oid = first + i;
        const struct cairn_map_entry *entry = &leaf->entries[i];
        if (oid == 0 || oid >= limit) {
            if (memcmp(entry, &zero, sizeof(zero)) != 0)
                check_problem(check, "map leaf at block %u has an entry for OID %llu, outside "
                              "the map (1 .. %llu)", leaf->header.block, (unsigned long long)oid,
                              (unsigned long long)limit - 1);
            continue;
        }
        if (store_check_entry(check->store, oid, entry) != STORE_OK) {
            check_problem(check, "%s", check->store->error);
            continue;
        }
        check->entries[oid] = *entry;
        check->known[oid] = 1;
    }
}

/* Walks the map node at level that covers OIDs [first, first + span). */
static void check_map_node(struct image_check *check, struct cairn_block_pointer pointer,
                           uint32_t level, uint64_t first, uint64_t span)
{
    struct store *store = check->store;
    uint32_t depth = store->root.map_depth;
    void *block = check_buffer[level];
    if (store_read_map_block(store, pointer, level, depth, block) != STORE_OK) {
        check_problem(check, "%s (OIDs %llu .. %llu unreadable)", store->error,
                      (unsigned long long)first, (unsigned long long)(first + span - 1));
        return;
    }
    check_reference(check, pointer.block, REFERENCE_MAP, 0);
    check_block_epoch(check, block, level == depth ? "map leaf" : "map interior node");
    if (level == depth) {
        check_leaf(check, block, first);
        return;
    }
    uint64_t child_span = span / CAIRN_MAP_INTERIOR_CHILDREN;
    for (uint32_t c = 0; c < CAIRN_MAP_INTERIOR_CHILDREN; c++) {
        struct cairn_block_pointer child = ((struct cairn_map_interior *)block)->children[c];
        uint64_t child_first = first + c * child_span;
        if (child_first >= store->root.oid_limit) {
            if (child.block || child.crc32c)
                check_problem(check, "map interior node at block %u has child %u, past the OID "
                              "limit %llu", pointer.block, c,
                              (unsigned long long)store->root.oid_limit);
            continue;
        }
        check_map_node(check, child, level + 1, child_first, child_span);
        /* The recursion reused deeper buffers only; this level's block is intact. */
    }
}

static uint64_t capability_oid(const struct cairn_disk_capability *capability)
{
    return capability->oid_low | (uint64_t)capability->oid_high << 32;
}

static void check_add_edge(struct image_check *check, uint32_t from, uint32_t to)
{
    if (check->edge_count == check->edge_capacity) {
        uint32_t capacity = check->edge_capacity ? check->edge_capacity * 2 : 1024;
        struct image_edge *edges = realloc(check->edges, capacity * sizeof(*edges));
        if (!edges)
            return;                     /* reachability is a figure: it may come out low */
        check->edges = edges;
        check->edge_capacity = capacity;
    }
    check->edges[check->edge_count++] = (struct image_edge){ from, to };
}

/* A stored capability: empty, stale (an older version: fine), or naming a live object. */
static void check_capability(struct image_check *check, uint64_t holder, uint32_t slot,
                             const struct cairn_disk_capability *capability)
{
    if (capability->type == CAIRN_TYPE_NONE)
        return;
    uint64_t oid = capability_oid(capability);
    if (capability->type >= CAIRN_TYPE_COUNT) {
        check_problem(check, "OID %llu slot %u holds a capability of unknown type %u",
                      (unsigned long long)holder, slot, capability->type);
        return;
    }
    if (oid == 0 || oid >= check->store->root.oid_limit || !check->known[oid])
        return;
    const struct cairn_map_entry *target = &check->entries[oid];
    if (target->version != capability->version || target->type == CAIRN_TYPE_NONE)
        return;                         /* stale: the object was destroyed since */
    if (target->type != capability->type) {
        check_problem(check, "OID %llu slot %u names OID %llu as a %s, but it is a %s",
                      (unsigned long long)holder, slot, (unsigned long long)oid,
                      image_type_name(capability->type), image_type_name(target->type));
        return;
    }
    check_add_edge(check, (uint32_t)holder, (uint32_t)oid);
}

static void check_space(struct image_check *check, uint64_t oid, const struct cairn_map_entry *entry,
                        const uint8_t *block)
{
    if ((entry->flags & CAIRN_MAP_FLAGS_LEVEL_MASK) > 2 || (entry->flags & ~CAIRN_MAP_FLAGS_LEVEL_MASK))
        check_problem(check, "space node OID %llu has impossible map flags %#x",
                      (unsigned long long)oid, entry->flags);
    const struct cairn_disk_capability *slots = (const void *)block;
    for (uint32_t slot = 0; slot < CAIRN_DISK_BLOCK_SIZE / sizeof(*slots); slot++)
        check_capability(check, oid, slot, &slots[slot]);
}

static void check_record_object(struct image_check *check, uint64_t oid,
                                const struct cairn_map_entry *entry)
{
    struct store *store = check->store;
    if (store_read_record(store, oid, entry, &check_record) != STORE_OK) {
        check_problem(check, "%s", store->error);
        return;
    }
    check_block_epoch(check, &check_record, "object record");
    if (entry->type == CAIRN_TYPE_BANK) {
        check->said_objects[oid] = check_record.bank_objects;
        check->said_used[oid] = check_record.bank_used;
        if (check_record.bank_used > check_record.bank_limit)
            check_problem(check, "bank OID %llu holds %u units, beyond its limit of %u",
                          (unsigned long long)oid, check_record.bank_used, check_record.bank_limit);
    }
    if (entry->type != CAIRN_TYPE_PROCESS)
        return;
    char why[STORE_MESSAGE_SIZE];
    if (!format_check_process_record(&check_record, why, sizeof(why)))
        check_problem(check, "%s", why);
    check_capability(check, oid, 0xFFFF, &check_record.space);
    for (uint32_t slot = 0; slot < 64; slot++)
        check_capability(check, oid, slot, &check_record.clist[slot]);
}

/* The bank a live object names must be a live Bank of the map: its units are counted there. */
static void check_owner(struct image_check *check, uint64_t oid, const struct cairn_map_entry *entry)
{
    uint32_t units = format_object_units(entry->type);
    check->live_units += units;
    if (!entry->bank)
        return;
    if (entry->bank >= check->store->root.oid_limit || !check->known[entry->bank] ||
        check->entries[entry->bank].type != CAIRN_TYPE_BANK ||
        check->entries[entry->bank].version != entry->bank_version) {
        check_problem(check, "OID %llu (%s) names bank OID %u version %u, which is not a live Bank",
                      (unsigned long long)oid, image_type_name(entry->type), entry->bank,
                      entry->bank_version);
        return;
    }
    check->made_objects[entry->bank]++;
    check->made_units[entry->bank] += units;
}

static void check_object(struct image_check *check, uint64_t oid)
{
    static uint8_t block[CAIRN_DISK_BLOCK_SIZE] __attribute__((aligned(16)));
    const struct cairn_map_entry *entry = &check->entries[oid];
    check->objects[entry->type]++;
    if (entry->type == CAIRN_TYPE_NONE) {
        if (entry->block)
            check_problem(check, "OID %llu is free but has block %u", (unsigned long long)oid,
                          entry->block);
        return;
    }
    check_owner(check, oid, entry);
    if (entry->type != CAIRN_TYPE_SPACE && entry->flags)
        check_problem(check, "OID %llu (%s) has map flags %#x", (unsigned long long)oid,
                      image_type_name(entry->type), entry->flags);
    if (!entry->block) {
        if (entry->type != CAIRN_TYPE_PAGE)     /* a never-written Page reads as zeros */
            check_problem(check, "OID %llu (%s) has no block", (unsigned long long)oid,
                          image_type_name(entry->type));
        return;
    }
    if (!check_reference(check, entry->block, REFERENCE_OBJECT, (uint32_t)oid))
        return;                         /* its contents were checked as the first user's */
    if (entry->type == CAIRN_TYPE_PAGE || entry->type == CAIRN_TYPE_SPACE) {
        if (store_read_entry(check->store, oid, entry, block) != STORE_OK)
            check_problem(check, "%s", check->store->error);
        else if (entry->type == CAIRN_TYPE_SPACE)
            check_space(check, oid, entry, block);
        return;
    }
    check_record_object(check, oid, entry);
}

/* Each bank's record must count what the map says it made, and its sub-banks' units. */
static void check_accounting(struct image_check *check, uint32_t limit)
{
    for (uint32_t oid = 1; oid < limit; oid++) {
        const struct cairn_map_entry *entry = &check->entries[oid];
        if (check->known[oid] && entry->type == CAIRN_TYPE_BANK && entry->bank &&
            entry->bank < limit)
            check->child_used[entry->bank] += check->said_used[oid];
    }
    for (uint32_t oid = 1; oid < limit; oid++) {
        if (!check->known[oid] || check->entries[oid].type != CAIRN_TYPE_BANK)
            continue;
        uint32_t used = check->made_units[oid] + check->child_used[oid];
        if (check->said_objects[oid] != check->made_objects[oid] || check->said_used[oid] != used)
            check_problem(check, "bank OID %u says it made %u objects holding %u units; the map "
                          "has %u objects holding %u units", oid, check->said_objects[oid],
                          check->said_used[oid], check->made_objects[oid], used);
    }
}

/* The root's own references must name live objects of the right type. */
static void check_root_reference(struct image_check *check, uint64_t oid, uint32_t type,
                                 const char *what)
{
    struct store *store = check->store;
    if (oid == 0 || oid >= store->root.oid_limit) {
        check_problem(check, "the root record's %s names OID %llu, outside the map", what,
                      (unsigned long long)oid);
        return;
    }
    if (check->known[oid] && check->entries[oid].type != type) {
        check_problem(check, "the root record's %s names OID %llu, a %s, not a %s", what,
                      (unsigned long long)oid, image_type_name(check->entries[oid].type),
                      image_type_name(type));
        return;
    }
    check->reached[oid] = 1;
}

static void check_root_pages(struct image_check *check, uint64_t first, uint64_t pages,
                             const char *what)
{
    if (first == 0 || first + pages > check->store->root.oid_limit) {     /* one line, not one a page */
        check_problem(check, "the root record's %s names OIDs %llu .. %llu, outside the map", what,
                      (unsigned long long)first, (unsigned long long)(first + pages - 1));
        return;
    }
    for (uint64_t page = 0; page < pages; page++)
        check_root_reference(check, first + page, CAIRN_TYPE_PAGE, what);
}

/* What reading a run list collects: every OID in order, and the chain's blocks. */
struct run_list_reading {
    uint32_t *oids;
    uint32_t count, capacity, blocks;
    struct image_check *check;      /* NULL: blocks are not counted as references */
};

static void run_list_note_oid(uint32_t oid, void *data)
{
    struct run_list_reading *reading = data;
    if (reading->count < reading->capacity)
        reading->oids[reading->count++] = oid;
}

static void run_list_note_block(uint32_t block, void *data)
{
    struct run_list_reading *reading = data;
    if (reading->check)
        check_reference(reading->check, block, REFERENCE_RUN_LIST, reading->blocks);
    reading->blocks++;
}

static int run_list_read(struct store *store, const struct cairn_root_record *root,
                         struct run_list_reading *reading)
{
    reading->capacity = root->process_count + root->run_list.count;    /* both checked */
    reading->oids = malloc(((size_t)reading->capacity + 1) * sizeof(uint32_t));
    if (!reading->oids) {
        snprintf(store->error, sizeof(store->error), "out of memory for a run list of %u OIDs",
                 reading->capacity);
        return -1;
    }
    struct store_run_list_visitor visitor = { run_list_note_oid, run_list_note_block, reading };
    return store_visit_run_list(store, root, &visitor) == STORE_OK ? 0 : -1;
}

int image_read_run_list(struct store *store, const struct cairn_root_record *root,
                        uint32_t **oids, uint32_t *count)
{
    struct run_list_reading reading = { NULL, 0, 0, 0, NULL };
    int status = run_list_read(store, root, &reading);
    *oids = reading.oids;
    *count = reading.count;
    return status;
}

/* The run list: its chain's blocks, each process it names (a Process, named once). */
static void check_run_list(struct image_check *check, const struct cairn_root_record *root)
{
    struct run_list_reading reading = { NULL, 0, 0, 0, check };
    if (run_list_read(check->store, root, &reading) != 0) {
        check_problem(check, "run list: %s", check->store->error);
        free(reading.oids);
        return;
    }
    for (uint32_t i = 0; i < reading.count; i++)
        check_root_reference(check, reading.oids[i], CAIRN_TYPE_PROCESS, "process list");
    format_sort_oids(reading.oids, reading.count);
    uint32_t twice = format_find_duplicate_oid(reading.oids, reading.count);
    if (twice)
        check_problem(check, "the root record's run list names process OID %u more than once",
                      twice);
    free(reading.oids);
}

static int compare_names(const void *a, const void *b)
{
    return strncmp(a, b, CAIRN_DISK_PROGRAM_NAME);
}

/* The program table: every block through its checked pointer (format_check_program_block),
 * each program's Pages, and no name twice (the kernel finds programs by name). */
static void check_programs(struct image_check *check, const struct cairn_root_record *root)
{
    static char names[CAIRN_DISK_PROGRAMS][CAIRN_DISK_PROGRAM_NAME];
    struct store *store = check->store;
    uint32_t named = 0;
    for (uint32_t index = 0; index < format_program_blocks(root); index++) {
        if (!check_reference(check, root->programs.blocks[index].block, REFERENCE_PROGRAM_TABLE,
                             index))
            continue;
        if (store_read_program_block(store, root, index) != STORE_OK) {
            check_problem(check, "%s", store->error);
            continue;
        }
        const struct cairn_program_table_block *block = &store->program_block;
        for (uint32_t i = 0; i < block->count && named < CAIRN_DISK_PROGRAMS; i++) {
            const struct cairn_disk_program *program = &block->programs[i];
            memcpy(names[named++], program->name, CAIRN_DISK_PROGRAM_NAME);
            check_root_pages(check, program->first_page,
                             (program->size + CAIRN_DISK_BLOCK_SIZE - 1) / CAIRN_DISK_BLOCK_SIZE,
                             "program table");
        }
    }
    qsort(names, named, CAIRN_DISK_PROGRAM_NAME, compare_names);
    for (uint32_t i = 1; i < named; i++)
        if (compare_names(names[i - 1], names[i]) == 0) {
            check_problem(check, "the program table names '%.20s' more than once", names[i]);
            return;
        }
}

static void check_root_references(struct image_check *check)
{
    const struct cairn_root_record *root = &check->store->root;
    if (root->bank)
        check_root_reference(check, root->bank, CAIRN_TYPE_BANK, "bank");
    check_run_list(check, root);
    check_programs(check, root);
    if (root->data.page_count)
        check_root_pages(check, root->data.first_page, root->data.page_count, "data set");
}

/* The program output the checkpoint holds: its blocks, each with the CRC32C the root gave it. */
static void check_console(struct image_check *check, const struct cairn_root_record *root)
{
    static uint8_t block[CAIRN_DISK_BLOCK_SIZE];
    uint32_t used = (root->console.length + CAIRN_DISK_BLOCK_SIZE - 1) / CAIRN_DISK_BLOCK_SIZE;
    for (uint32_t i = 0; i < used && i < CAIRN_DISK_CONSOLE_BLOCKS; i++) {
        if (!check_reference(check, root->console.blocks[i].block, REFERENCE_CONSOLE, i))
            continue;
        if (store_read_console(check->store, root, i, block) != STORE_OK)
            check_problem(check, "%s", check->store->error);
    }
}

/* The network frames the checkpoint holds: the field's bounds, its blocks and their CRC32C.
 * Frames that fail are dropped at a boot, never used: a problem of the image all the same. */
static void check_frames(struct image_check *check, const struct cairn_root_record *root)
{
    static uint8_t block[CAIRN_DISK_BLOCK_SIZE];
    if (!format_check_held_frames(root, &check->store->super)) {
        check_problem(check, "root record at block %u holds network frames beyond %u blocks, "
                      "outside the log, or with a count that does not fit", root->header.block,
                      CAIRN_DISK_FRAME_BLOCKS);
        return;
    }
    uint32_t used = (root->frames.length + CAIRN_DISK_BLOCK_SIZE - 1) / CAIRN_DISK_BLOCK_SIZE;
    for (uint32_t i = 0; i < used; i++) {
        if (!check_reference(check, root->frames.blocks[i].block, REFERENCE_FRAMES, i))
            continue;
        if (store_read_frames(check->store, root, i, block) != STORE_OK)
            check_problem(check, "%s", check->store->error);
    }
}

/* The writer appends up to the root record: the rest of the root's segment is unwritten. */
static void check_log_head(struct image_check *check)
{
    const struct store *store = check->store;
    const struct cairn_superblock *super = &store->super;
    uint32_t root_block = store->root.header.block;
    if (store->root.log_head != root_block + 1)
        check_problem(check, "root record at block %u has log head %u (should be %u)", root_block,
                      store->root.log_head, root_block + 1);
    uint32_t segment_end = super->log_start +
        ((root_block - super->log_start) / super->segment_blocks + 1) * super->segment_blocks;
    for (uint32_t block = root_block + 1; block < segment_end && block < check->device_blocks;
         block++)
        if (check->referenced[block])
            check_problem(check, "block %u (used by %s %u) lies past the log head %u", block,
                          reference_name(check->referenced[block]), check->referrer[block],
                          root_block + 1);
}

/* Breadth-first from the objects the root record names, over the edges grouped by holder. */
static void check_reachability(struct image_check *check)
{
    uint32_t limit = (uint32_t)check->store->root.oid_limit;
    uint32_t *start = calloc((size_t)limit + 1, sizeof(uint32_t));
    uint32_t *targets = calloc((size_t)check->edge_count + 1, sizeof(uint32_t));
    uint32_t *queue = calloc((size_t)limit + 1, sizeof(uint32_t));
    if (start && targets && queue) {
        for (uint32_t e = 0; e < check->edge_count; e++)
            start[check->edges[e].from + 1]++;
        for (uint32_t oid = 0; oid < limit; oid++)
            start[oid + 1] += start[oid];
        for (uint32_t e = 0; e < check->edge_count; e++)
            targets[start[check->edges[e].from]++] = check->edges[e].to;
        for (uint32_t oid = limit; oid > 0; oid--)      /* undo the fill's advance */
            start[oid] = start[oid - 1];
        start[0] = 0;
        uint32_t head = 0, tail = 0;
        for (uint32_t oid = 1; oid < limit; oid++)
            if (check->reached[oid])
                queue[tail++] = oid;
        while (head < tail) {
            uint32_t from = queue[head++];
            for (uint32_t e = start[from]; e < start[from + 1]; e++)
                if (!check->reached[targets[e]]) {
                    check->reached[targets[e]] = 1;
                    queue[tail++] = targets[e];
                }
        }
    }
    free(start);
    free(targets);
    free(queue);
    for (uint32_t oid = 1; oid < limit; oid++)
        check->reachable += check->reached[oid] && check->known[oid] &&
                            check->entries[oid].type != CAIRN_TYPE_NONE;
}

unsigned image_check_checkpoint(struct image_check *check, const struct cairn_root_record *root)
{
    struct store *store = check->store;
    store_use_root(store, root);
    check->problems = check->blocks = check->reachable = check->edge_count = 0;
    check->object_blocks = 0;
    memset(check->objects, 0, sizeof(check->objects));
    memset(check->referenced, 0, check->device_blocks);
    uint32_t limit = (uint32_t)root->oid_limit;
    if (check_reserve(check, limit ? limit : 1) != 0) {
        check_problem(check, "out of memory for a map of %u OIDs", limit);
        return check->problems;
    }
    memset(check->known, 0, limit);
    memset(check->reached, 0, limit);
    check->live_units = 0;
    memset(check->made_objects, 0, limit * sizeof(uint32_t));
    memset(check->made_units, 0, limit * sizeof(uint32_t));
    memset(check->said_objects, 0, limit * sizeof(uint32_t));
    memset(check->said_used, 0, limit * sizeof(uint32_t));
    memset(check->child_used, 0, limit * sizeof(uint32_t));
    check_reference(check, root->header.block, REFERENCE_ROOT, 0);
    check_map_node(check, root->map_root, 0, 0, format_map_capacity(root->map_depth));
    for (uint64_t oid = 1; oid < limit; oid++)
        if (check->known[oid])
            check_object(check, oid);
    check_accounting(check, limit);
    check_console(check, root);
    check_frames(check, root);
    check_root_references(check);       /* before the log head: the run list's and the program
                                           table's blocks count */
    check_log_head(check);
    check_reachability(check);
    return check->problems;
}

uint32_t image_check_segments_used(const struct image_check *check, uint8_t *used)
{
    const struct cairn_superblock *super = &check->store->super;
    uint32_t count = 0;
    for (uint32_t segment = 0; segment < super->segment_count; segment++) {
        uint32_t start = super->log_start + segment * super->segment_blocks;
        uint8_t in_use = 0;
        for (uint32_t b = 0; b < super->segment_blocks && start + b < check->device_blocks; b++)
            if (check->referenced[start + b]) {
                in_use = 1;
                break;
            }
        if (used)
            used[segment] = in_use;
        count += in_use;
    }
    return count;
}
