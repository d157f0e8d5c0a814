/*
 * cairn-img: looks into a Cairn image with the kernel's own store code (docs/tools.md).
 *
 *   cairn-img info IMAGE              the geometry, the checkpoints still in the log, which boots
 *   cairn-img verify [--strict] IMAGE every checksum, map entry, object and capability of the
 *                                     newest and the previous checkpoint; one line per problem
 *   cairn-img ls IMAGE                objects by type
 *   cairn-img ps IMAGE                processes: saved registers and state
 *   cairn-img dump IMAGE OID          one object, readable
 *   cairn-img rollback IMAGE EPOCH    makes the image boot an older checkpoint still in the log
 *
 * ls, ps, dump and verify take --epoch N to read an older checkpoint still in the log.
 * Exit status: 0 sound / done, 1 a problem or a refusal (one line each), 2 wrong usage.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../checkpoint/crc32c.h"
#include "host_crc32c.h"
#include "../checkpoint/format.h"
#include "host_blockdev.h"
#include "image_check.h"

static struct store store;
static struct host_blockdev device;
static const char *image_path;
static uint8_t buffer[CAIRN_DISK_BLOCK_SIZE] __attribute__((aligned(16)));

/* A root record found in the log, with what a full check of its checkpoint found. */
struct found_root {
    struct cairn_root_record root;
    unsigned problems;
    char first_problem[400];
    uint32_t objects, blocks, written;
};

static struct found_root *found;
static uint32_t found_count;

static uint32_t log_end(void)
{
    return store.super.log_start + store.super.segment_blocks * store.super.segment_count;
}

static void report_line(void *context, const char *line)
{
    (void)context;
    printf("problem: %s\n", line);
}

static void keep_first(void *context, const char *line)
{
    struct found_root *root = context;
    if (!root->first_problem[0])
        snprintf(root->first_problem, sizeof(root->first_problem), "%s", line);
}

static int compare_epochs(const void *a, const void *b)
{
    const struct found_root *x = a, *y = b;
    if (x->root.header.epoch != y->root.header.epoch)
        return x->root.header.epoch < y->root.header.epoch ? 1 : -1;
    return x->root.header.block < y->root.header.block ? -1 : 1;
}

/* Every root record in the log whose own checks pass, each fully checked, newest first. */
static int scan_roots(struct image_check *check)
{
    struct cairn_root_record candidate;
    const struct cairn_root_record saved = store.root;
    uint32_t capacity = 0;
    uint32_t end = log_end() < device.device.block_count ? log_end()
                                                          : (uint32_t)device.device.block_count;
    for (uint32_t block = store.super.log_start; block < end; block++) {
        if (blockdev_wait(&device.device, BLOCK_READ, block, 1, buffer) != BLOCK_OK)
            continue;
        const struct cairn_block_header *header = (const void *)buffer;
        char why[STORE_MESSAGE_SIZE];
        if (header->magic != CAIRN_DISK_MAGIC || header->type != CAIRN_BLOCK_ROOT)
            continue;
        /* Its own checks only: a root whose map is gone is listed as damaged. */
        memcpy(&candidate, buffer, sizeof(candidate));
        if (!format_check_block(&candidate, CAIRN_BLOCK_ROOT, block, why, sizeof(why)) ||
            !format_check_root_fields(&candidate, &store.super, why, sizeof(why)))
            continue;
        if (found_count == capacity) {
            capacity = capacity ? capacity * 2 : 64;
            struct found_root *grown = realloc(found, capacity * sizeof(*found));
            if (!grown)
                return -1;
            found = grown;
        }
        struct found_root *entry = &found[found_count++];
        memset(entry, 0, sizeof(*entry));
        entry->root = candidate;
        check->report = keep_first;
        check->context = entry;
        entry->problems = image_check_checkpoint(check, &candidate);
        entry->blocks = check->blocks;
        for (uint32_t type = 1; type < CAIRN_TYPE_COUNT; type++)
            entry->objects += check->objects[type];
    }
    qsort(found, found_count, sizeof(*found), compare_epochs);
    store_use_root(&store, &saved);
    return 0;
}

/* Blocks each intact checkpoint refers to that the next older intact one does not. */
static void count_written(struct image_check *check)
{
    uint8_t *newer = calloc(check->device_blocks + 1, 1);
    const struct cairn_root_record saved = store.root;
    if (!newer)
        return;
    for (uint32_t i = found_count; i-- > 0;) {
        if (found[i].problems)
            continue;
        check->report = NULL;
        image_check_checkpoint(check, &found[i].root);
        /* check->referenced now holds this checkpoint; newer holds the next older one. */
        uint32_t written = 0;
        for (uint64_t b = 0; b < check->device_blocks; b++) {
            written += check->referenced[b] && !newer[b];
            newer[b] = check->referenced[b];
        }
        found[i].written = written;
    }
    store_use_root(&store, &saved);
    free(newer);
}

static void print_size(uint64_t bytes)
{
    if (bytes >= 10u << 20)
        printf("%7.1f MiB", (double)bytes / (1 << 20));
    else
        printf("%7.1f KiB", (double)bytes / 1024);
}

static const char *root_state(const struct found_root *entry, int *booted_seen)
{
    uint64_t booted = store.root.header.epoch;
    if (entry->problems)
        return "damaged";
    if (entry->root.header.block == store.super.root.block)
        return *booted_seen = 1, "boots";
    if (store.older_usable && entry->root.header.block == store.older_root.header.block)
        return "previous";
    if (entry->root.header.epoch >= booted)
        return "abandoned";     /* never committed, or left behind by a rollback */
    return "intact";
}

static void print_checkpoints(void)
{
    int booted_seen = 0;
    uint32_t intact = 0;
    printf("checkpoints in the log, newest first (%u root records):\n", found_count);
    printf("  %8s  %10s  %11s  %11s  %7s  %6s  %s\n", "epoch", "age", "size", "written",
           "objects", "root", "state");
    for (uint32_t i = 0; i < found_count; i++) {
        const struct found_root *entry = &found[i];
        double age = ((double)store.root.monotonic_ns - (double)entry->root.monotonic_ns) / 1e9;
        printf("  %8llu  %8.2f s  ", (unsigned long long)entry->root.header.epoch, age);
        print_size((uint64_t)entry->blocks * CAIRN_DISK_BLOCK_SIZE);
        printf("  ");
        print_size((uint64_t)entry->written * CAIRN_DISK_BLOCK_SIZE);
        printf("  %7u  %6u  %s", entry->objects, entry->root.header.block,
               root_state(entry, &booted_seen));
        if (entry->problems)
            printf(" (%u problems; first: %s)", entry->problems, entry->first_problem);
        printf("\n");
        intact += !entry->problems;
    }
    printf("intact checkpoints: %u (rollback can boot any of them)\n", intact);
    if (!booted_seen)
        printf("note: the booted checkpoint's root record was not found intact by the scan\n");
}

static void print_segments(struct image_check *check)
{
    uint32_t count = store.super.segment_count;
    uint8_t *newest = calloc(count, 1), *previous = calloc(count, 1);
    if (!newest || !previous) {
        free(newest);
        free(previous);
        return;
    }
    const struct cairn_root_record saved = store.root;
    check->report = NULL;
    image_check_checkpoint(check, &saved);
    uint32_t used = image_check_segments_used(check, newest), more = 0;
    if (store.older_usable) {
        image_check_checkpoint(check, &store.older_root);
        image_check_segments_used(check, previous);
        for (uint32_t s = 0; s < count; s++)
            more += previous[s] && !newest[s];
    }
    store_use_root(&store, &saved);
    printf("segments: %u used by the booted checkpoint, %u more by the previous one, %u free\n",
           used, more, count - used - more);
    free(newest);
    free(previous);
}

/* The output the checkpoint held, and how much of it the release records say was shown. */
static void print_console(const struct cairn_root_record *root)
{
    uint64_t end = root->console.position + root->console.length, released;
    uint32_t newest;
    printf("held output: %u bytes (stream bytes %llu to %llu)", root->console.length,
           (unsigned long long)root->console.position, (unsigned long long)end);
    if (store_read_released(&store, &released, &newest) != STORE_OK) {
        printf("; no release record: a boot shows all of it\n");
        return;
    }
    uint64_t from = released < root->console.position ? root->console.position
                  : released > end ? end : released;
    printf("; release record (block %u): shown up to byte %llu, so a boot shows %llu bytes\n",
           newest, (unsigned long long)released, (unsigned long long)(end - from));
}

/* The network frames the checkpoint held, and how far the release records say they went. */
static void print_frames(const struct cairn_root_record *root)
{
    static struct cairn_release_record record;
    uint32_t newest;
    if (!root->frames.count && !root->frames.length)
        return;
    printf("held frames: %u (%u stream bytes from %llu)", root->frames.count, root->frames.length,
           (unsigned long long)root->frames.position);
    if (store_read_release_record(&store, &record, &newest) != STORE_OK)
        printf("; no release record: a boot sends all of them\n");
    else
        printf("; release record (block %u): sent up to stream byte %llu\n", newest,
               (unsigned long long)record.frames_released);
}

/* What the booted checkpoint keeps, and the root bank's share of what the store can hold. */
static void print_live(struct image_check *check)
{
    static struct cairn_object_record bank;
    struct cairn_root_record root = store.root;
    image_check_checkpoint(check, &root);
    uint32_t live = 0;
    for (uint32_t type = 1; type < CAIRN_TYPE_COUNT; type++)
        live += check->objects[type];
    printf("live: %u objects in %u blocks, %u units; the store holds %u units; map, root and "
           "held output %u blocks\n", live, check->object_blocks, check->live_units,
           format_store_capacity(&store.super), check->blocks - check->object_blocks);
    struct cairn_map_entry entry;
    if (store_lookup(&store, root.bank, &entry) == STORE_OK && entry.type == CAIRN_TYPE_BANK &&
        store_read_record(&store, root.bank, &entry, &bank) == STORE_OK)
        printf("root bank: OID %u, limit %u units, %u used by %u objects and their banks\n",
               root.bank, bank.bank_limit, bank.bank_used, bank.bank_objects);
    if (root.dying_count)
        printf("reclaiming: %u destroyed bank%s\n", root.dying_count,
               root.dying_count == 1 ? "" : "s");
}

/* How many processes the checkpoint resumes, and where their OIDs are. */
static void print_run_list(const struct cairn_root_record *root)
{
    if (!root->run_list.count) {
        printf("processes to resume: %u\n", root->process_count);
        return;
    }
    printf("processes to resume: %llu (%u in the root record, %u in a chain of %u run-list "
           "blocks ending at block %u)\n",
           (unsigned long long)root->process_count + root->run_list.count, root->process_count,
           root->run_list.count, format_run_list_blocks(root), root->run_list.last.block);
}

/* The program table, a line per program, read a block at a time through its checked pointers. */
static void print_programs(const struct cairn_root_record *root)
{
    printf("programs: %u in %u program-table block%s\n", root->programs.count,
           format_program_blocks(root), format_program_blocks(root) == 1 ? "" : "s");
    for (uint32_t index = 0; index < format_program_blocks(root); index++) {
        if (store_read_program_block(&store, root, index) != STORE_OK) {
            printf("program table: %s\n", store.error);
            continue;
        }
        const struct cairn_program_table_block *block = &store.program_block;
        for (uint32_t i = 0; i < block->count; i++)
            printf("program: %-12.20s %u bytes from page OID %u\n", block->programs[i].name,
                   block->programs[i].size, block->programs[i].first_page);
    }
}

static int command_info(struct image_check *check)
{
    const struct cairn_root_record *root = &store.root;
    uint64_t blocks = device.device.block_count;
    printf("image: %s\n", image_path);
    printf("format: version %u, %llu blocks of 4 KiB (%llu MiB), log of %u segments of %u blocks "
           "from block %u\n", store.super.header.format_version, (unsigned long long)blocks,
           (unsigned long long)blocks / 256, store.super.segment_count, store.super.segment_blocks,
           store.super.log_start);
    print_segments(check);
    printf("checkpoint: epoch %llu from superblock %c, root record at block %u%s\n",
           (unsigned long long)root->header.epoch, store.superblock_block ? 'B' : 'A',
           store.super.root.block, root->flags & CAIRN_ROOT_FRESH ? " (fresh: never booted)" : "");
    printf("why: the newest of the superblocks whose checksums, root record and map root verify");
    if (store.older_usable)
        printf("; superblock %c names the previous checkpoint, epoch %llu",
               store.superblock_block ? 'A' : 'B',
               (unsigned long long)store.older_root.header.epoch);
    printf("\n");
    if (store.rejected[0])
        printf("rejected newer checkpoint: %s\n", store.rejected);
    printf("objects: OIDs below %llu, map depth %u, log head at block %u, restarts %llu, "
           "clock %.3f s\n", (unsigned long long)root->oid_limit, root->map_depth, root->log_head,
           (unsigned long long)root->restart_count, (double)root->monotonic_ns / 1e9);
    print_programs(root);
    if (root->data.page_count)
        printf("data: %u pages from OID %u, checksum %#llx\n", root->data.page_count,
               root->data.first_page, (unsigned long long)root->data.checksum);
    print_run_list(root);
    print_live(check);
    if (root->foreground.holder)
        printf("console foreground: process %u reads the console, process %u holds it\n",
               root->foreground.reader, root->foreground.holder);
    print_console(root);
    print_frames(root);
    if (scan_roots(check) != 0)
        return 1;
    count_written(check);
    print_checkpoints();
    return 0;
}

/*
 * The superblock copy not in use, when it names no usable checkpoint: 0 when
 * it is usable or blank; 1 (a warning) when the superblock block itself fails
 * its checks, as a write torn by a power cut leaves it; 2 (a problem) when the
 * superblock is sound but what it names is not, which no crash can cause
 * (the writer flushes the root record and the map before the superblock).
 */
static int judge_other_superblock(char *why, size_t size)
{
    uint32_t copy = store.superblock_block ^ 1;
    static struct cairn_superblock other;
    static const struct cairn_superblock zero;
    why[0] = 0;
    if (store.older_usable || blockdev_wait(&device.device, BLOCK_READ, copy, 1, &other) != BLOCK_OK ||
        memcmp(&other, &zero, sizeof(other)) == 0)
        return 0;
    if (!format_check_superblock(&other, copy, device.device.block_count, why, size))
        return 1;
    if (store.rejected[0]) {
        snprintf(why, size, "superblock %c is sound, but its checkpoint is not: %s",
                 copy ? 'B' : 'A', store.rejected);
        return 2;
    }
    struct cairn_root_record root;
    const struct cairn_superblock saved = store.super;
    store.super = other;
    int status = store_read_root_at(&store, other.root.block, &root);
    store.super = saved;
    if (status != STORE_OK)
        snprintf(why, size, "superblock %c is sound, but its checkpoint is not: %s",
                 copy ? 'B' : 'A', store.error);
    else if (crc32c(&root, sizeof(root)) != other.root.crc32c)
        snprintf(why, size, "superblock %c's root record at block %u does not match its checksum",
                 copy ? 'B' : 'A', other.root.block);
    else if (format_check_root(&root, &other, why, size))
        snprintf(why, size, "superblock %c names a checkpoint store_open did not take",
                 copy ? 'B' : 'A');
    return 2;
}

static int command_verify(struct image_check *check, int strict, int epoch_given)
{
    const struct cairn_root_record newest = store.root;
    unsigned problems = 0, warnings = 0;
    char why[2 * STORE_MESSAGE_SIZE];
    check->report = report_line;
    check->label = "";
    problems += image_check_checkpoint(check, &newest);
    uint32_t counts[CAIRN_TYPE_COUNT], reachable = check->reachable;
    memcpy(counts, check->objects, sizeof(counts));
    if (store.older_usable && !epoch_given) {
        static char label[80];
        snprintf(label, sizeof(label), "previous checkpoint (epoch %llu): ",
                 (unsigned long long)store.older_root.header.epoch);
        check->label = label;
        problems += image_check_checkpoint(check, &store.older_root);
    }
    store_use_root(&store, &newest);
    int other = epoch_given ? 0 : judge_other_superblock(why, sizeof(why));
    if (other == 1) {
        printf("warning: superblock %c is not usable (as a power cut during its write leaves "
               "it): %s\n", store.superblock_block ? 'A' : 'B', why);
        warnings++;
    } else if (other == 2) {
        printf("problem: %s\n", why);
        problems++;
    }
    printf("checkpoint: epoch %llu\n", (unsigned long long)newest.header.epoch);
    for (uint32_t type = 1; type < CAIRN_TYPE_COUNT; type++)
        printf("%s objects: %u\n", image_type_name(type), counts[type]);
    printf("free OIDs: %u; reachable from the root record: %u\n", counts[0], reachable);
    if (strict)
        problems += warnings;
    printf("%u problem%s, %u warning%s\n", problems, problems == 1 ? "" : "s", warnings,
           warnings == 1 ? "" : "s");
    return problems ? 1 : 0;
}

static int command_ls(struct image_check *check)
{
    check->report = NULL;
    image_check_checkpoint(check, &store.root);
    printf("checkpoint: epoch %llu, OIDs below %llu\n", (unsigned long long)store.root.header.epoch,
           (unsigned long long)store.root.oid_limit);
    for (uint32_t type = 1; type <= CAIRN_TYPE_COUNT; type++) {
        uint32_t shown = type % CAIRN_TYPE_COUNT;     /* free OIDs last */
        printf("%s: %u\n", shown ? image_type_name(shown) : "free OIDs", check->objects[shown]);
        for (uint64_t oid = 1; oid < store.root.oid_limit; oid++) {
            const struct cairn_map_entry *entry = &check->entries[oid];
            if (!check->known[oid] || entry->type != shown)
                continue;
            printf("  OID %-6llu version %-4u block %-6u", (unsigned long long)oid, entry->version,
                   entry->block);
            if (shown == CAIRN_TYPE_SPACE)
                printf(" level %u", entry->flags & CAIRN_MAP_FLAGS_LEVEL_MASK);
            printf("%s\n", check->reached[oid] ? "" : "  (unreachable)");
        }
    }
    for (uint64_t oid = 1; oid < store.root.oid_limit; oid++)
        if (!check->known[oid])
            printf("unreadable: OID %llu\n", (unsigned long long)oid);
    print_programs(&store.root);
    return check->problems ? 1 : 0;
}

static const char *state_name(uint32_t state)
{
    static const char *const names[] = { "embryo", "ready", "running", "blocked", "faulted" };
    return state <= CAIRN_DISK_PROCESS_STATE_MAX ? names[state] : "impossible";
}

static uint8_t *listed;              /* [oid_limit] for ps: 1 when the run list names the OID */
static uint32_t listed_count;        /* OIDs in the run list */

/* Notes every OID of the run list in listed; 0, or -1 when it cannot be read. */
static int run_list_load(void)
{
    uint32_t *oids, count;
    int status = image_read_run_list(&store, &store.root, &oids, &count);
    listed = calloc((size_t)store.root.oid_limit + 1, 1);
    if (!listed)
        status = -1;
    for (uint32_t i = 0; listed && i < count; i++)
        listed[oids[i]] = 1;
    listed_count = count;
    free(oids);
    return status;
}

static int in_run_list(uint64_t oid)
{
    return listed && oid < store.root.oid_limit && listed[oid];
}

static void print_capability(const char *what, const struct cairn_disk_capability *capability)
{
    printf("%s%s OID %llu version %u rights %#x badge %#x\n", what,
           image_type_name(capability->type),
           (unsigned long long)(capability->oid_low | (uint64_t)capability->oid_high << 32),
           capability->version, capability->rights, capability->badge);
}

static void print_process(uint64_t oid, const struct cairn_object_record *record)
{
    static const char *const names[] = { "eax", "ebx", "ecx", "edx", "esi", "edi", "ebp" };
    uint32_t capabilities = 0;
    for (uint32_t slot = 0; slot < 64; slot++)
        capabilities += record->clist[slot].type != CAIRN_TYPE_NONE;
    printf("process OID %llu \"%.16s\": %s, priority %u%s\n", (unsigned long long)oid,
           record->name, state_name(record->state), record->priority,
           in_run_list(oid) ? ", in the run list" : "");
    printf("  eip %08x  esp %08x  eflags %08x\n ", record->context.eip, record->context.esp,
           record->context.eflags);
    for (uint32_t r = 0; r < 7; r++)
        printf(" %s %08x", names[r], record->context.registers[r]);
    printf("\n");
    print_capability("  space: ", &record->space);
    printf("  c-list: %u capabilities; receive slot %d; call cookie %u; bank OID %llu\n",
           capabilities, (int)record->receive_slot, record->call_cookie,
           (unsigned long long)record->bank);
}

static int command_ps(void)
{
    static struct cairn_object_record record;
    unsigned problems = 0, processes = 0;
    if (run_list_load() != 0) {
        printf("problem: run list: %s\n", store.error);
        problems++;
    }
    for (uint64_t oid = 1; oid < store.root.oid_limit; oid++) {
        struct cairn_map_entry entry;
        int status = store_lookup(&store, oid, &entry);
        if (status == STORE_OK && entry.type != CAIRN_TYPE_PROCESS)
            continue;
        if (status == STORE_OK)
            status = store_read_record(&store, oid, &entry, &record);
        if (status != STORE_OK) {
            printf("problem: %s\n", store.error);
            problems++;
            continue;
        }
        print_process(oid, &record);
        processes++;
    }
    printf("%u processes, %u in the run list\n", processes, listed_count);
    free(listed);
    listed = NULL;
    return problems ? 1 : 0;
}

static void print_hex(const uint8_t *bytes, uint32_t length)
{
    static const uint8_t zero[16];
    uint32_t skipped = 0;
    for (uint32_t offset = 0; offset < length; offset += 16) {
        if (memcmp(bytes + offset, zero, 16) == 0) {
            skipped++;
            continue;
        }
        if (skipped)
            printf("  ... %u all-zero lines\n", skipped);
        skipped = 0;
        printf("  %04x ", offset);
        for (uint32_t i = 0; i < 16; i++)
            printf(" %02x", bytes[offset + i]);
        printf("  ");
        for (uint32_t i = 0; i < 16; i++)
            putchar(isprint(bytes[offset + i]) ? bytes[offset + i] : '.');
        printf("\n");
    }
    if (skipped)
        printf("  ... %u all-zero lines\n", skipped);
}

static int dump_record(uint64_t oid, const struct cairn_map_entry *entry)
{
    static struct cairn_object_record record;
    if (store_read_record(&store, oid, entry, &record) != STORE_OK) {
        printf("problem: %s\n", store.error);
        return 1;
    }
    printf("record: epoch %llu, bank OID %llu version %u\n",
           (unsigned long long)record.header.epoch, (unsigned long long)record.bank,
           record.bank_version);
    if (entry->type == CAIRN_TYPE_BANK)
        printf("limit: %u, used: %u, objects: %u, depth: %u, program: %u\n", record.bank_limit,
               record.bank_used, record.bank_objects, record.bank_depth, record.bank_program);
    if (entry->type != CAIRN_TYPE_PROCESS)
        return 0;
    if (run_list_load() != 0)
        printf("problem: run list: %s\n", store.error);
    print_process(oid, &record);
    free(listed);
    listed = NULL;
    for (uint32_t slot = 0; slot < 64; slot++) {
        if (record.clist[slot].type == CAIRN_TYPE_NONE)
            continue;
        char what[32];
        snprintf(what, sizeof(what), "  slot %2u: ", slot);
        print_capability(what, &record.clist[slot]);
    }
    printf("  reply: caller OID %llu version %u cookie %u\n",
           (unsigned long long)record.reply_caller, record.reply_version, record.reply_cookie);
    return 0;
}

static int command_dump(const char *argument)
{
    char *end;
    errno = 0;
    unsigned long long oid = strtoull(argument, &end, 0);
    if (errno || *end || end == argument) {
        printf("cairn-img: '%s' is not an OID\n", argument);
        return 2;
    }
    struct cairn_map_entry entry;
    if (store_lookup(&store, oid, &entry) != STORE_OK) {
        printf("problem: %s\n", store.error);
        return 1;
    }
    printf("OID %llu: %s, version %u, block %u, CRC32C %#x, flags %#x\n", oid,
           image_type_name(entry.type), entry.version, entry.block, entry.crc32c, entry.flags);
    if (entry.type == CAIRN_TYPE_NONE)
        return 0;
    if (entry.type != CAIRN_TYPE_PAGE && entry.type != CAIRN_TYPE_SPACE)
        return dump_record(oid, &entry);
    if (!entry.block) {
        printf("never written: reads as zeros\n");
        return 0;
    }
    if (store_read_entry(&store, oid, &entry, buffer) != STORE_OK) {
        printf("problem: %s\n", store.error);
        return 1;
    }
    if (entry.type == CAIRN_TYPE_PAGE) {
        print_hex(buffer, CAIRN_DISK_BLOCK_SIZE);
        return 0;
    }
    const struct cairn_disk_capability *slots = (const void *)buffer;
    printf("space node, level %u\n", entry.flags & CAIRN_MAP_FLAGS_LEVEL_MASK);
    for (uint32_t slot = 0; slot < 256; slot++) {
        if (slots[slot].type == CAIRN_TYPE_NONE)
            continue;
        char what[32];
        snprintf(what, sizeof(what), "  slot %3u: ", slot);
        print_capability(what, &slots[slot]);
    }
    return 0;
}

/* Writes superblock copy to name root (and flushes). */
static int write_superblock(uint32_t copy, const struct cairn_root_record *root)
{
    static struct cairn_superblock super;
    super = store.super;
    super.copy = copy;
    super.root = (struct cairn_block_pointer){ root->header.block, crc32c(root, sizeof(*root)) };
    format_seal_block(&super, CAIRN_BLOCK_SUPERBLOCK, root->header.epoch, copy);
    if (blockdev_wait(&device.device, BLOCK_WRITE, copy, 1, &super) != BLOCK_OK ||
        blockdev_wait(&device.device, BLOCK_FLUSH, 0, 0, NULL) != BLOCK_OK) {
        printf("cairn-img: %s: writing superblock %c failed\n", image_path, copy ? 'B' : 'A');
        return 1;
    }
    return 0;
}

static int refuse_rollback(unsigned long long epoch)
{
    const struct found_root *damaged = NULL;
    uint64_t oldest = 0, newest = 0;
    for (uint32_t i = 0; i < found_count; i++) {
        if (found[i].root.header.epoch == epoch && !damaged)
            damaged = &found[i];
        if (!found[i].problems) {
            oldest = found[i].root.header.epoch;
            newest = newest ? newest : found[i].root.header.epoch;
        }
    }
    if (damaged)
        printf("cairn-img: refusing: epoch %llu's root record is still at block %u, but its "
               "checkpoint is no longer intact: %s\n", epoch, damaged->root.header.block,
               damaged->first_problem);
    else if (newest)
        printf("cairn-img: refusing: epoch %llu is no longer in the log (intact checkpoints "
               "still in it: epochs %llu .. %llu)\n", epoch, (unsigned long long)oldest,
               (unsigned long long)newest);
    else
        printf("cairn-img: refusing: epoch %llu is no longer in the log, and no intact "
               "checkpoint is\n", epoch);
    return 1;
}

/*
 * Rollback: superblock copy "other" (not in use) is written first to name the
 * chosen checkpoint; the image still boots the newest one then. Then the copy
 * in use is written to name the intact checkpoint just older than the chosen
 * one (or the chosen one again), so the chosen one is the newest: each step
 * leaves a bootable image.
 */
static int command_rollback(struct image_check *check, const char *argument, int opened)
{
    char *end;
    errno = 0;
    unsigned long long epoch = strtoull(argument, &end, 0);
    if (errno || *end || end == argument) {
        printf("cairn-img: '%s' is not an epoch\n", argument);
        return 2;
    }
    if (scan_roots(check) != 0)
        return 1;
    const struct found_root *chosen = NULL, *partner = NULL;
    for (uint32_t i = 0; i < found_count; i++) {
        const struct found_root *entry = &found[i];
        if (entry->problems)
            continue;
        if (entry->root.header.epoch == epoch &&
            (!chosen || entry->root.restart_count > chosen->root.restart_count))
            chosen = entry;
        if (entry->root.header.epoch < epoch && !partner)
            partner = entry;
    }
    if (!chosen)
        return refuse_rollback(epoch);
    if (opened && store.super.root.block == chosen->root.header.block) {
        printf("cairn-img: %s already boots epoch %llu\n", image_path, epoch);
        return 0;
    }
    uint32_t in_use = opened ? store.superblock_block : CAIRN_DISK_SUPERBLOCK_B;
    if (write_superblock(in_use ^ 1, &chosen->root) ||
        write_superblock(in_use, partner ? &partner->root : &chosen->root))
        return 1;
    if (store_open(&store, &device.device) != STORE_OK ||
        store.root.header.block != chosen->root.header.block) {
        printf("cairn-img: %s: after the rollback the image does not boot epoch %llu: %s\n",
               image_path, epoch, store.error);
        return 1;
    }
    printf("rolled back: %s now boots epoch %llu (root record at block %u, superblock %c)",
           image_path, epoch, chosen->root.header.block, store.superblock_block ? 'B' : 'A');
    if (partner)
        printf("; the other superblock names epoch %llu",
               (unsigned long long)partner->root.header.epoch);
    printf("\n");
    return 0;
}

/* --epoch N: makes the intact checkpoint N the one read. */
static int select_epoch(struct image_check *check, unsigned long long epoch)
{
    if (store.root.header.epoch == epoch)
        return 0;
    if (scan_roots(check) != 0)
        return 1;
    for (uint32_t i = 0; i < found_count; i++)
        if (found[i].root.header.epoch == epoch && !found[i].problems) {
            store_use_root(&store, &found[i].root);
            return 0;
        }
    refuse_rollback(epoch);
    return 1;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: cairn-img info IMAGE\n"
            "       cairn-img verify [--strict] [--epoch N] IMAGE\n"
            "       cairn-img ls|ps [--epoch N] IMAGE\n"
            "       cairn-img dump [--epoch N] IMAGE OID\n"
            "       cairn-img rollback IMAGE EPOCH\n");
    return 2;
}

static int run(const char *command, int strict, int epoch_given, unsigned long long epoch,
               const char *argument)
{
    static struct image_check check;
    int writable = strcmp(command, "rollback") == 0;
    if (host_blockdev_open(&device, image_path, writable) != 0) {
        printf("cairn-img: %s: %s\n", image_path, strerror(errno));
        return 1;
    }
    int opened = store_open(&store, &device.device) == STORE_OK;
    if (!opened) {
        char why[STORE_MESSAGE_SIZE];
        snprintf(why, sizeof(why), "%s", store.error);
        printf("cairn-img: %s: %s\n", image_path, why);
        if (!writable || store_find_geometry(&store, &device.device) != STORE_OK)
            return 1;
        printf("cairn-img: looking for an older checkpoint with superblock %c's geometry\n",
               store.superblock_block ? 'B' : 'A');
    }
    if (image_check_init(&check, &store) != 0) {
        printf("cairn-img: out of memory\n");
        return 1;
    }
    if (writable)
        return command_rollback(&check, argument, opened);
    if (epoch_given && select_epoch(&check, epoch) != 0)
        return 1;
    if (strcmp(command, "info") == 0)
        return command_info(&check);
    if (strcmp(command, "verify") == 0)
        return command_verify(&check, strict, epoch_given);
    if (strcmp(command, "ls") == 0)
        return command_ls(&check);
    if (strcmp(command, "ps") == 0)
        return command_ps();
    return command_dump(argument);
}

int main(int argc, char **argv)
{
    static const char *const commands[] = { "info", "verify", "ls", "ps", "dump", "rollback" };
    static const int arguments[] = { 0, 0, 0, 0, 1, 1 };
    int strict = 0, epoch_given = 0, known = -1;
    unsigned long long epoch = 0;
    const char *positional[3];
    int count = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    host_crc32c_choose();       /* the crc32 instruction where the host has SSE4.2 */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--strict") == 0) {
            strict = 1;
        } else if (strcmp(argv[i], "--epoch") == 0 && i + 1 < argc) {
            char *end;
            epoch = strtoull(argv[++i], &end, 0);
            if (*end || end == argv[i])
                return usage();
            epoch_given = 1;
        } else if (count < 3) {
            positional[count++] = argv[i];
        } else {
            return usage();
        }
    }
    for (int c = 0; c < 6 && count > 0; c++)
        if (strcmp(positional[0], commands[c]) == 0)
            known = c;
    if (known < 0 || count != 2 + arguments[known])
        return usage();
    if ((strict && known != 1) || (epoch_given && (known == 0 || known == 5)))
        return usage();
    image_path = positional[1];
    return run(commands[known], strict, epoch_given, epoch, count == 3 ? positional[2] : NULL);
}
