/*
 * Crash-point tests of the checkpoint writer on the host.
 *
 * A workload of 600 checkpoints (objects written, rewritten and freed, with
 * the cleaner reusing a small log; over 2,000 write requests) runs over a RAM
 * block device that records every write and flush. Then, for every cut point
 * k (the power fails after the k-th request), the image is rebuilt from the
 * writes made durable by the last flush plus a subset of the writes pending
 * since: every subset, each with every choice of one torn write (blocks up to
 * a random one of its blocks written, then half of that block), when at most
 * EXHAUSTIVE_PENDING writes are pending, else SAMPLED_CUTS random ones. The
 * store code must recover the last durably committed checkpoint (or the next,
 * if its superblock reached the disk), with every object equal to the model
 * of that checkpoint; the checkpoint before it, the fallback, is checked too,
 * and no pending write may touch a block either of them needs. Each
 * checkpoint also holds up to three blocks of console output (as the kernel's
 * held program output), checked the same way.
 *
 * Banks: OIDs 1..BANKS are Banks (1 the root), forming trees up to three
 * deep; every Page names the bank that made it, and each bank's record counts
 * its objects and the units below it. Banks are destroyed now and then: the
 * root record lists them, and the workload reclaims their trees a few objects
 * a checkpoint, as kernel/reclaim.c does. At every cut the recovered
 * checkpoint must hold exactly the model's banks, owners, counts and list of
 * banks being reclaimed; no object may name a bank that is gone (nothing of a
 * finished reclaim survives); and each bank's counts must equal what the map
 * says it and its sub-banks hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cairn/abi.h>
#include "unit.h"
#include "checkpoint/crc32c.h"
#include "checkpoint/format.h"
#include "checkpoint/writer.h"
#include "tools/host_shim.h"

enum {
    SEGMENT_BLOCKS = 32, SEGMENTS = 16, LOG_START = CAIRN_DISK_LOG_START,
    DEVICE_BLOCKS = LOG_START + SEGMENT_BLOCKS * SEGMENTS,
    OBJECTS = 250, HOT_OBJECTS = 40, CHECKPOINTS = 600, MAX_OPERATIONS = 20000,
    BANKS = 20, ROOT_BANK = 1, BANK_DEPTH_MAX = 3, RECLAIM_STEP = 8, FIRST_PAGE = BANKS + 1,
};

struct operation {
    int flush;                      /* 1: a flush; 0: a write of count blocks at block */
    uint32_t block, count;
    uint8_t *data;
};

/* A block device in RAM that records what it is asked to do. */
struct ram_device {
    struct block_device device;
    uint8_t *blocks;
    struct operation *log;
    uint32_t logged;
    uint8_t *read;              /* when not NULL: read[b] = 1 once block b was read */
};

static int ram_submit(struct block_device *device, struct block_request *request)
{
    struct ram_device *ram = device->driver;
    struct operation *op = &ram->log[ram->logged++];
    memset(op, 0, sizeof(*op));
    if (request->operation == BLOCK_FLUSH) {
        op->flush = 1;
    } else if (request->operation == BLOCK_WRITE) {
        size_t bytes = (size_t)request->count * BLOCK_SIZE;
        op->block = (uint32_t)request->block;
        op->count = request->count;
        op->data = malloc(bytes);
        memcpy(op->data, request->buffer, bytes);
        memcpy(ram->blocks + request->block * BLOCK_SIZE, request->buffer, bytes);
    } else {
        ram->logged--;
        if (ram->read)
            memset(ram->read + request->block, 1, request->count);
        memcpy(request->buffer, ram->blocks + request->block * BLOCK_SIZE,
               (size_t)request->count * BLOCK_SIZE);
    }
    request->done(request, BLOCK_OK);
    return BLOCK_OK;
}

static void ram_init(struct ram_device *ram, uint8_t *blocks, struct operation *log)
{
    memset(ram, 0, sizeof(*ram));
    ram->blocks = blocks;
    ram->log = log;
    ram->device.name = "ram";
    ram->device.block_count = DEVICE_BLOCKS;
    ram->device.can_flush = 1;
    ram->device.max_blocks = 64;
    ram->device.submit = ram_submit;
    ram->device.driver = ram;
}

/* The model: what each committed epoch holds, per OID (0 = free, else the epoch written). */
static uint32_t model[CHECKPOINTS + 2][OBJECTS + 1];
static uint32_t current[OBJECTS + 1];   /* a Page's version (0: free); banks: see below */

/* A Bank of the workload: version 0 when there is none at its OID. */
struct bank_model {
    uint32_t version, parent, objects, used, depth;
    uint8_t dirty;              /* its record must be written by this checkpoint */
};
static struct bank_model banks[BANKS + 1];
static uint8_t owner_of[OBJECTS + 1];   /* the bank that made each live Page */
static uint32_t dying[CAIRN_DISK_DYING_BANKS], dying_count;
static struct bank_model model_banks[CHECKPOINTS + 2][BANKS + 1];
static uint8_t model_owner[CHECKPOINTS + 2][OBJECTS + 1];
static uint32_t model_dying[CHECKPOINTS + 2][CAIRN_DISK_DYING_BANKS];
static uint32_t model_dying_count[CHECKPOINTS + 2];
static uint64_t commit_epoch_at_op[MAX_OPERATIONS];    /* epoch durable after op i */

static void object_block(uint8_t *block, uint32_t oid, uint32_t written)
{
    for (uint32_t i = 0; i < BLOCK_SIZE / 4; i++)
        ((uint32_t *)block)[i] = oid * 2654435761u ^ written * 40503u ^ i;
}

/* A fresh image: empty map leaf, root record (epoch 1), superblock A. */
/* The program table of the image (written once, as mkimage does, and carried on by every
 * checkpoint): TABLE_PROGRAMS programs in two blocks, "prog<i>", each one Page at OID 1. */
enum { TABLE_PROGRAMS = CAIRN_DISK_PROGRAM_BLOCK_ENTRIES + 4, TABLE_FIRST = LOG_START + 1 };

static void table_block_fresh(struct cairn_program_table_block *block, uint32_t index)
{
    uint32_t first = index * CAIRN_DISK_PROGRAM_BLOCK_ENTRIES;
    block->index = index;
    block->count = TABLE_PROGRAMS - first < CAIRN_DISK_PROGRAM_BLOCK_ENTRIES
                   ? TABLE_PROGRAMS - first : CAIRN_DISK_PROGRAM_BLOCK_ENTRIES;
    for (uint32_t i = 0; i < block->count; i++) {
        snprintf(block->programs[i].name, sizeof(block->programs[i].name), "prog%u", first + i);
        block->programs[i].first_page = 1;
        block->programs[i].size = 1;
    }
    format_seal_block(block, CAIRN_BLOCK_PROGRAM_TABLE, 1, TABLE_FIRST + index);
}

static void image_fresh(uint8_t *blocks)
{
    memset(blocks, 0, (size_t)DEVICE_BLOCKS * BLOCK_SIZE);
    struct cairn_map_leaf *leaf = (void *)(blocks + LOG_START * BLOCK_SIZE);
    format_seal_block(leaf, CAIRN_BLOCK_MAP_LEAF, 1, LOG_START);
    struct cairn_root_record *root = (void *)(blocks + (TABLE_FIRST + 2) * BLOCK_SIZE);
    root->oid_limit = 2;            /* OID 1 free: the programs' Page lies inside the map */
    root->map_root = (struct cairn_block_pointer){ LOG_START, crc32c(leaf, BLOCK_SIZE) };
    root->log_head = TABLE_FIRST + 3;
    root->programs.count = TABLE_PROGRAMS;
    for (uint32_t index = 0; index < 2; index++) {
        void *block = blocks + (TABLE_FIRST + index) * BLOCK_SIZE;
        table_block_fresh(block, index);
        root->programs.blocks[index] = (struct cairn_block_pointer){ TABLE_FIRST + index,
                                                                     crc32c(block, BLOCK_SIZE) };
    }
    format_seal_block(root, CAIRN_BLOCK_ROOT, 1, TABLE_FIRST + 2);
    struct cairn_superblock *super = (void *)blocks;
    super->block_size = BLOCK_SIZE;
    super->device_blocks = DEVICE_BLOCKS;
    super->log_start = LOG_START;
    super->segment_blocks = SEGMENT_BLOCKS;
    super->segment_count = SEGMENTS;
    super->root = (struct cairn_block_pointer){ TABLE_FIRST + 2, crc32c(root, BLOCK_SIZE) };
    format_seal_block(super, CAIRN_BLOCK_SUPERBLOCK, 1, 0);
}

/* Every checkpoint carries the image's program table: both blocks sound, all its programs. */
static int program_table_matches(struct store *store, uint64_t epoch, char *why)
{
    uint32_t found = 0;
    for (uint32_t index = 0; index < 2; index++) {
        if (store->root.programs.count != TABLE_PROGRAMS ||
            store_read_program_block(store, &store->root, index) != STORE_OK) {
            sprintf(why, "epoch %llu: program-table block %u: %s", (unsigned long long)epoch,
                    index, store->error);
            return 0;
        }
        found += store->program_block.count;
    }
    char last[CAIRN_DISK_PROGRAM_NAME];
    snprintf(last, sizeof(last), "prog%u", TABLE_PROGRAMS - 1);
    const struct cairn_disk_program *last_entry =     /* block 1's last entry */
        &store->program_block.programs[TABLE_PROGRAMS - CAIRN_DISK_PROGRAM_BLOCK_ENTRIES - 1];
    if (found != TABLE_PROGRAMS || strcmp(last_entry->name, last) != 0) {
        sprintf(why, "epoch %llu: the program table has %u programs, the last not %s",
                (unsigned long long)epoch, found, last);
        return 0;
    }
    return 1;
}

/* The console output checkpoint epoch holds: its length and its bytes. */
enum { CONSOLE_MAX = 3 * BLOCK_SIZE };

static uint32_t console_length(uint64_t epoch)
{
    return (uint32_t)(epoch * 1531u % (CONSOLE_MAX + 1));
}

static void console_fill(uint8_t *block, uint64_t epoch, uint32_t index)
{
    memset(block, 0, BLOCK_SIZE);
    for (uint32_t i = 0; i < BLOCK_SIZE && index * BLOCK_SIZE + i < console_length(epoch); i++)
        block[i] = (uint8_t)('a' + (epoch + index * BLOCK_SIZE + i) % 26);
}

static struct writer writer;
static uint8_t *relocated;

static void relocate(uint64_t oid, void *data)
{
    (void)data;
    relocated[oid] = 1;
}

static uint8_t block_buffer[BLOCK_SIZE] __attribute__((aligned(16)));

static int bank_listed(uint32_t bank)
{
    for (uint32_t i = 0; i < dying_count; i++)
        if (dying[i] == bank)
            return 1;
    return 0;
}

/* Is bank, or one above it, being reclaimed? */
static int bank_doomed(uint32_t bank)
{
    for (uint32_t steps = 0; bank && steps <= BANK_DEPTH_MAX; steps++, bank = banks[bank].parent)
        if (bank_listed(bank))
            return 1;
    return 0;
}

/* Adds units (or, negative, takes them back) to bank and every bank above it. */
static void bank_account(uint32_t bank, int units)
{
    for (; bank; bank = banks[bank].parent) {
        banks[bank].used = (uint32_t)((int)banks[bank].used + units);
        banks[bank].dirty = 1;
    }
}

static void bank_charge(uint32_t bank)
{
    banks[bank].objects++;
    bank_account(bank, 1);
}

static void bank_refund(uint32_t bank)
{
    banks[bank].objects--;
    bank_account(bank, -1);
}

/* A live bank nothing is reclaiming, below BANK_DEPTH_MAX when deeper is asked for. */
static uint32_t bank_pick(unsigned *seed, int for_a_bank)
{
    for (int tries = 0; tries < 8; tries++) {
        uint32_t bank = 1 + (uint32_t)rand_r(seed) % BANKS;
        if (banks[bank].version && !bank_doomed(bank) &&
            (!for_a_bank || banks[bank].depth < BANK_DEPTH_MAX))
            return bank;
    }
    return ROOT_BANK;
}

/* Now and then a bank is destroyed (listed) and a free bank OID gets a new bank. */
static void bank_events(uint32_t epoch, unsigned *seed)
{
    if (epoch == 2)
        banks[ROOT_BANK] = (struct bank_model){ .version = epoch, .dirty = 1 };
    uint32_t victim = 2 + (uint32_t)rand_r(seed) % (BANKS - 1);
    if (rand_r(seed) % 6 == 0 && banks[victim].version && !bank_doomed(victim) &&
        dying_count < CAIRN_DISK_DYING_BANKS)
        dying[dying_count++] = victim;
    for (uint32_t bank = 2; bank <= BANKS; bank++) {
        if (banks[bank].version || rand_r(seed) % 10)
            continue;
        uint32_t parent = bank_pick(seed, 1);
        banks[bank] = (struct bank_model){ .version = epoch, .parent = parent,
                                           .depth = banks[parent].depth + 1, .dirty = 1 };
        bank_charge(parent);
    }
}

/* Frees a bank that made nothing still live; it leaves the list if it was on it. */
static uint32_t banks_reclaimed;

static void bank_free(uint32_t bank, uint32_t epoch)
{
    banks_reclaimed++;
    for (uint32_t i = 0; i < dying_count; i++)
        if (dying[i] == bank) {
            memmove(&dying[i], &dying[i + 1], (dying_count - i - 1) * sizeof(dying[0]));
            dying_count--;
            break;
        }
    bank_refund(banks[bank].parent);
    banks[bank] = (struct bank_model){ 0 };
    writer_put_entry(&writer, bank, epoch, CAIRN_TYPE_NONE);
}

/* A few doomed objects go: Pages first, then banks that made nothing still live. */
static void reclaim_step(uint32_t epoch)
{
    uint32_t done = 0;
    for (uint32_t oid = FIRST_PAGE; oid <= OBJECTS && done < RECLAIM_STEP; oid++) {
        if (!current[oid] || !bank_doomed(owner_of[oid]))
            continue;
        bank_refund(owner_of[oid]);
        current[oid] = 0;
        writer_put_entry(&writer, oid, epoch, CAIRN_TYPE_NONE);
        done++;
    }
    for (uint32_t bank = 2; bank <= BANKS && done < RECLAIM_STEP; bank++)
        if (banks[bank].version && bank_doomed(bank) && banks[bank].objects == 0) {
            bank_free(bank, epoch);
            done++;
        }
}

/* Writes the record of every bank whose counts changed (or that the cleaner moves). */
static int banks_write(void)
{
    static struct cairn_object_record record;
    for (uint32_t bank = 1; bank <= BANKS; bank++) {
        const struct bank_model *b = &banks[bank];
        if (!b->version || !(b->dirty || relocated[bank]))
            continue;
        memset(&record, 0, sizeof(record));
        record.oid = bank;
        record.version = b->version;
        record.type = CAIRN_TYPE_BANK;
        record.bank = b->parent;
        record.bank_version = b->parent ? banks[b->parent].version : 0;
        record.bank_limit = CAIRN_BANK_UNLIMITED;
        record.bank_used = b->used;
        record.bank_objects = b->objects;
        record.bank_depth = b->depth;
        if (writer_put_object(&writer, bank, b->version, CAIRN_TYPE_BANK, 0, &record,
                              WRITER_OBJECT_RECORD) != STORE_OK)
            return 0;
        writer_set_owner(&writer, bank, (uint32_t)record.bank, record.bank_version);
        banks[bank].dirty = 0;
    }
    return 1;
}

/* One checkpoint of the workload: rewrites, frees and relocations, then commit. */
static int workload_checkpoint(uint32_t epoch, unsigned *seed)
{
    memset(relocated, 0, OBJECTS + 1);
    /* The hot set and about one in 60 of the rest change each checkpoint. */
    writer_clean(&writer, HOT_OBJECTS / 2 + OBJECTS / 30 + CONSOLE_MAX / BLOCK_SIZE + BANKS / 2,
                 relocate, NULL);
    writer_begin(&writer);
    bank_events(epoch, seed);
    reclaim_step(epoch);
    for (uint32_t oid = FIRST_PAGE; oid <= OBJECTS; oid++) {
        /* A hot set changes often; the rest is written once and then rarely, so the
         * cleaner has to move it to keep segments free. A doomed page is unreachable:
         * nobody writes it, and only the reclaim frees it. */
        int change = epoch == 2 || rand_r(seed) % (oid < FIRST_PAGE + HOT_OBJECTS ? 2 : 60) == 0;
        if (current[oid] && bank_doomed(owner_of[oid]))
            change = 0;
        if (change && current[oid] && rand_r(seed) % 5 == 0) {
            bank_refund(owner_of[oid]);
            current[oid] = 0;
            writer_put_entry(&writer, oid, epoch, CAIRN_TYPE_NONE);
            continue;
        }
        if (change && !current[oid]) {
            owner_of[oid] = (uint8_t)bank_pick(seed, 0);
            bank_charge(owner_of[oid]);
        }
        if (change)
            current[oid] = epoch;
        if (change || (relocated[oid] && current[oid])) {
            object_block(block_buffer, oid, current[oid]);
            int status = writer_put_object(&writer, oid, current[oid], CAIRN_TYPE_PAGE, 0,
                                           block_buffer, WRITER_RAW_BLOCK);
            if (status == STORE_OK)
                writer_set_owner(&writer, oid, owner_of[oid], banks[owner_of[oid]].version);
            if (status != STORE_OK) {
                printf("    epoch %u: %s: %s (free segments %u)\n", epoch,
                       store_status_name(status), writer.error, writer_free_segments(&writer));
                for (uint32_t s = 0; s < SEGMENTS; s++)
                    printf(" %u:%u/%u", s, writer.segment_used[s], writer.segment_live[s]);
                printf("\n");
                return 0;
            }
        }
    }
    if (!banks_write()) {
        printf("    epoch %u: %s\n", epoch, writer.error);
        return 0;
    }
    static struct cairn_root_record root;
    root = writer.store->root;
    root.dying_count = dying_count;
    memset(root.dying_banks, 0, sizeof(root.dying_banks));
    memcpy(root.dying_banks, dying, dying_count * sizeof(dying[0]));
    memset(&root.console, 0, sizeof(root.console));
    root.console.position = (uint64_t)epoch * CONSOLE_MAX;
    root.console.length = console_length(epoch);
    for (uint32_t i = 0; i * BLOCK_SIZE < root.console.length; i++) {
        console_fill(block_buffer, epoch, i);
        if (writer_put_block(&writer, block_buffer, &root.console.blocks[i]) != STORE_OK) {
            printf("    epoch %u: %s\n", epoch, writer.error);
            return 0;
        }
    }
    int status = writer_commit(&writer, &root);
    if (status != STORE_OK) {
        uint32_t live = 0, counted = 0;
        for (uint32_t oid = 1; oid <= OBJECTS; oid++)
            live += current[oid] != 0;
        printf("    epoch %u: %s: %s (free segments %u, %u objects live)\n", epoch,
               store_status_name(status), writer.error, writer_free_segments(&writer), live);
        for (uint32_t s = 0; s < SEGMENTS; s++) {
            printf(" %u:%u/%u", s, writer.segment_used[s], writer.segment_live[s]);
            counted += writer.segment_live[s];
        }
        printf(" (%u live blocks counted)\n", counted);
        return 0;
    }
    memcpy(model[epoch], current, sizeof(current));
    memcpy(model_banks[epoch], banks, sizeof(banks));
    memcpy(model_owner[epoch], owner_of, sizeof(owner_of));
    memcpy(model_dying[epoch], dying, sizeof(dying));
    model_dying_count[epoch] = dying_count;
    return 1;
}

/* The banks of checkpoint epoch as the model has them: versions, owners, counts, the list. */
static int banks_match(struct store *store, uint64_t epoch, char *why)
{
    static struct cairn_object_record record;
    const struct bank_model *model_bank = model_banks[epoch];
    if (store->root.dying_count != model_dying_count[epoch] ||
        memcmp(store->root.dying_banks, model_dying[epoch],
               model_dying_count[epoch] * sizeof(uint32_t)) != 0) {
        sprintf(why, "epoch %llu lists %u banks being reclaimed, the model %u",
                (unsigned long long)epoch, store->root.dying_count, model_dying_count[epoch]);
        return 0;
    }
    for (uint32_t bank = 1; bank <= BANKS; bank++) {
        struct cairn_map_entry entry = { 0 };
        const struct bank_model *b = &model_bank[bank];
        if (bank < store->root.oid_limit && store_lookup(store, bank, &entry) != STORE_OK) {
            sprintf(why, "epoch %llu bank %u: %s", (unsigned long long)epoch, bank, store->error);
            return 0;
        }
        if (!b->version) {
            if (entry.type != CAIRN_TYPE_NONE) {
                sprintf(why, "epoch %llu: bank %u should be gone", (unsigned long long)epoch, bank);
                return 0;
            }
            continue;
        }
        if (entry.type != CAIRN_TYPE_BANK || entry.version != b->version ||
            entry.bank != b->parent ||
            entry.bank_version != (b->parent ? model_bank[b->parent].version : 0) ||
            store_read_record(store, bank, &entry, &record) != STORE_OK ||
            record.bank_objects != b->objects || record.bank_used != b->used) {
            sprintf(why, "epoch %llu: bank %u is not as the model has it (%s)",
                    (unsigned long long)epoch, bank, store->error);
            return 0;
        }
    }
    return 1;
}

/*
 * The store's own accounting, without the model: every live object names a
 * live bank, and each bank's record counts what the map says it made, its
 * units those and its sub-banks'.
 */
static int accounting_matches(struct store *store, uint64_t epoch, char *why)
{
    static struct cairn_object_record record;
    uint32_t made[BANKS + 1] = { 0 }, used[BANKS + 1] = { 0 }, said_used[BANKS + 1] = { 0 };
    uint32_t said_objects[BANKS + 1] = { 0 }, parent[BANKS + 1] = { 0 }, version[BANKS + 1] = { 0 };
    uint32_t limit = store->root.oid_limit > OBJECTS + 1 ? OBJECTS + 1 : (uint32_t)store->root.oid_limit;
    for (uint32_t bank = 1; bank <= BANKS && bank < limit; bank++) {
        struct cairn_map_entry entry;
        if (store_lookup(store, bank, &entry) != STORE_OK || entry.type != CAIRN_TYPE_BANK)
            continue;
        if (store_read_record(store, bank, &entry, &record) != STORE_OK)
            return 0;
        version[bank] = entry.version;
        parent[bank] = entry.bank;
        said_used[bank] = record.bank_used;
        said_objects[bank] = record.bank_objects;
    }
    for (uint32_t oid = 1; oid < limit; oid++) {
        struct cairn_map_entry entry;
        if (store_lookup(store, oid, &entry) != STORE_OK || entry.type == CAIRN_TYPE_NONE ||
            !entry.bank)
            continue;
        if (entry.bank > BANKS || !version[entry.bank] || version[entry.bank] != entry.bank_version) {
            sprintf(why, "epoch %llu: OID %u names bank %u, which is gone",
                    (unsigned long long)epoch, oid, entry.bank);
            return 0;
        }
        made[entry.bank]++;
    }
    for (uint32_t bank = 1; bank <= BANKS; bank++)
        used[bank] = made[bank];
    for (uint32_t bank = 1; bank <= BANKS; bank++)
        if (version[bank] && parent[bank] && parent[bank] <= BANKS)
            used[parent[bank]] += said_used[bank];
    for (uint32_t bank = 1; bank <= BANKS; bank++)
        if (version[bank] && (said_objects[bank] != made[bank] || said_used[bank] != used[bank])) {
            sprintf(why, "epoch %llu: bank %u says %u objects and %u units; the map has %u and %u",
                    (unsigned long long)epoch, bank, said_objects[bank], said_used[bank],
                    made[bank], used[bank]);
            return 0;
        }
    return 1;
}

/* Checks every object of the checkpoint store describes against the model of epoch. */
static int checkpoint_matches(struct store *store, uint64_t epoch, char *why)
{
    static uint8_t data[BLOCK_SIZE] __attribute__((aligned(16)));
    if (epoch > 1 && (store->root.console.length != console_length(epoch) ||
                      store->root.console.position != epoch * CONSOLE_MAX)) {
        sprintf(why, "epoch %llu holds %u bytes of console output, not %u",
                (unsigned long long)epoch, store->root.console.length, console_length(epoch));
        return 0;
    }
    for (uint32_t i = 0; epoch > 1 && i * BLOCK_SIZE < console_length(epoch); i++) {
        console_fill(block_buffer, epoch, i);
        if (store_read_console(store, &store->root, i, data) != STORE_OK ||
            memcmp(data, block_buffer, BLOCK_SIZE) != 0) {
            sprintf(why, "epoch %llu: console block %u is wrong: %s", (unsigned long long)epoch,
                    i, store->error);
            return 0;
        }
    }
    if (!program_table_matches(store, epoch, why))
        return 0;
    if (epoch > 1 && (!banks_match(store, epoch, why) || !accounting_matches(store, epoch, why)))
        return 0;
    for (uint32_t oid = FIRST_PAGE; oid <= OBJECTS && epoch > 1; oid++) {
        struct cairn_map_entry entry;
        uint32_t written = model[epoch][oid];
        if (oid >= store->root.oid_limit) {
            if (written) {
                sprintf(why, "OID %u missing at epoch %llu", oid, (unsigned long long)epoch);
                return 0;
            }
            continue;
        }
        if (store_lookup(store, oid, &entry) != STORE_OK ||
            (written && store_read_entry(store, oid, &entry, data) != STORE_OK)) {
            sprintf(why, "epoch %llu OID %u: %s", (unsigned long long)epoch, oid, store->error);
            return 0;
        }
        if (!written) {
            if (entry.type != CAIRN_TYPE_NONE) {
                sprintf(why, "epoch %llu: OID %u should be free", (unsigned long long)epoch, oid);
                return 0;
            }
            continue;
        }
        object_block(block_buffer, oid, written);
        uint32_t owner = model_owner[epoch][oid];
        if (entry.type != CAIRN_TYPE_PAGE || entry.version != written ||
            entry.bank != owner || entry.bank_version != model_banks[epoch][owner].version ||
            memcmp(data, block_buffer, BLOCK_SIZE) != 0) {
            sprintf(why, "epoch %llu OID %u holds the wrong data or version",
                    (unsigned long long)epoch, oid);
            return 0;
        }
    }
    return 1;
}

/*
 * Checks that the image recovers epoch low or high, with every object as the
 * model says. With used: also checks the checkpoint before the recovered one
 * (the fallback), and marks in used[0] the blocks the recovered checkpoint
 * needs (superblock, root record, map, objects) and in used[1] those the one
 * before needs apart from its superblock (the next commit's slot).
 */
static int recovery_matches(struct ram_device *ram, uint64_t low, uint64_t high, char *why,
                            uint8_t *used[2])
{
    static struct store store, older;
    if (store_open(&store, &ram->device) != STORE_OK) {
        sprintf(why, "no checkpoint recovered: %s", store.error);
        return 0;
    }
    uint64_t epoch = store.root.header.epoch;
    if (epoch < low || epoch > high) {
        sprintf(why, "recovered epoch %llu, expected %llu..%llu", (unsigned long long)epoch,
                (unsigned long long)low, (unsigned long long)high);
        return 0;
    }
    if (!used)
        return checkpoint_matches(&store, epoch, why);
    used[0][store.superblock_block] = used[0][store.super.root.block] = 1;
    ram->read = used[0];
    int matches = checkpoint_matches(&store, epoch, why);
    if (matches && store.older_usable) {
        older = store;                  /* the same store, seen through the older root */
        older.root = store.older_root;
        memset(older.map_cached, 0, sizeof(older.map_cached));
        uint64_t older_epoch = older.root.header.epoch;
        used[1][older.root.header.block] = 1;
        ram->read = used[1];
        if (older_epoch >= epoch) {
            sprintf(why, "the older checkpoint has epoch %llu, the newer %llu",
                    (unsigned long long)older_epoch, (unsigned long long)epoch);
            matches = 0;
        } else if (!checkpoint_matches(&older, older_epoch, why)) {
            matches = 0;
        }
    }
    ram->read = NULL;
    return matches;
}

/*
 * The image at a cut: the durable image (every write up to the last flush),
 * plus the pending writes (since that flush, before the cut) that were kept;
 * one of those may be torn: blocks before its torn block written, half of the
 * torn block, nothing after. The caller puts the pending blocks back after.
 */
struct cut {
    uint32_t kept;              /* bit i: pending write i reached the disk */
    int torn;                   /* the pending write that was torn, or -1 */
    uint32_t torn_block;        /* which of its blocks was half written */
};

static void cut_apply(uint8_t *blocks, const struct operation *log, const uint32_t *pending,
                      uint32_t pending_count, const struct cut *cut)
{
    for (uint32_t i = 0; i < pending_count; i++) {
        if (!((cut->kept >> i) & 1))
            continue;
        const struct operation *op = &log[pending[i]];
        size_t bytes = (size_t)op->count * BLOCK_SIZE;
        if (cut->torn == (int)i)
            bytes = (size_t)(cut->torn_block % op->count) * BLOCK_SIZE + BLOCK_SIZE / 2;
        memcpy(blocks + (size_t)op->block * BLOCK_SIZE, op->data, bytes);
    }
}

static void cut_undo(uint8_t *blocks, const uint8_t *durable, const struct operation *log,
                     const uint32_t *pending, uint32_t pending_count)
{
    for (uint32_t i = 0; i < pending_count; i++) {
        size_t offset = (size_t)log[pending[i]].block * BLOCK_SIZE;
        memcpy(blocks + offset, durable + offset, (size_t)log[pending[i]].count * BLOCK_SIZE);
    }
}

/* Does the cut change a block that recovering the durable image read? */
static int cut_touches(const struct operation *log, const uint32_t *pending,
                       uint32_t pending_count, const struct cut *cut, const uint8_t *read)
{
    for (uint32_t i = 0; i < pending_count; i++) {
        if (!((cut->kept >> i) & 1))
            continue;
        const struct operation *op = &log[pending[i]];
        uint32_t count = cut->torn == (int)i ? cut->torn_block % op->count + 1 : op->count;
        for (uint32_t b = 0; b < count; b++)
            if (read[op->block + b])
                return 1;
    }
    return 0;
}

enum {
    EXHAUSTIVE_PENDING = 5,     /* up to this many pending writes: every subset, every tear */
    SAMPLED_CUTS = 40,          /* beyond: this many random subsets, half of them with a tear */
    MAX_PENDING = 32,
};

/* The cuts to try after pending_count unflushed writes; returns how many were written. */
static uint32_t cut_variants(uint32_t pending_count, unsigned *seed, struct cut *cuts)
{
    uint32_t count = 0;
    if (pending_count <= EXHAUSTIVE_PENDING) {
        for (uint32_t kept = 0; kept < 1u << pending_count; kept++) {
            cuts[count++] = (struct cut){ kept, -1, 0 };
            for (uint32_t i = 0; i < pending_count; i++)
                if ((kept >> i) & 1)
                    cuts[count++] = (struct cut){ kept, (int)i, (uint32_t)rand_r(seed) };
        }
        return count;
    }
    uint32_t all = pending_count >= 32 ? 0xFFFFFFFFu : (1u << pending_count) - 1;
    cuts[count++] = (struct cut){ all, -1, 0 };          /* in order, nothing lost */
    cuts[count++] = (struct cut){ 0, -1, 0 };            /* nothing reached the disk */
    cuts[count++] = (struct cut){ all & ~1u, -1, 0 };    /* all but the first */
    cuts[count++] = (struct cut){ all, (int)pending_count - 1, (uint32_t)rand_r(seed) };
    while (count < SAMPLED_CUTS) {
        uint32_t kept = ((uint32_t)rand_r(seed) << 16 ^ (uint32_t)rand_r(seed)) & all;
        int torn = count % 2 && kept ? (int)(rand_r(seed) % pending_count) : -1;
        while (torn >= 0 && !((kept >> torn) & 1))
            torn = (torn + 1) % (int)pending_count;
        cuts[count++] = (struct cut){ kept, torn, (uint32_t)rand_r(seed) };
    }
    return count;
}

UNIT_TEST(crash_points_recover_a_committed_checkpoint)
{
    size_t size = (size_t)DEVICE_BLOCKS * BLOCK_SIZE;
    uint8_t *initial = malloc(size), *blocks = malloc(size), *durable = malloc(size);
    struct operation *log = calloc(MAX_OPERATIONS, sizeof(*log));
    static struct store store;
    struct ram_device ram;
    image_fresh(initial);
    memcpy(blocks, initial, size);
    ram_init(&ram, blocks, log);
    UNIT_ASSERT(store_open(&store, &ram.device) == STORE_OK);
    writer = (struct writer){ 0 };
    writer.store = &store;
    writer.zalloc = host_zalloc;
    writer.release = free;
    UNIT_ASSERT(writer_reserve(&writer, OBJECTS + 1));
    writer.batch = malloc(WRITER_BATCH_BUFFERS * WRITER_BATCH_BLOCKS * BLOCK_SIZE);
    writer.segment_live = calloc(SEGMENTS, sizeof(uint16_t));
    writer.segment_used = calloc(SEGMENTS, 1);
    relocated = calloc(OBJECTS + 1, 1);
    UNIT_ASSERT(writer_load_map(&writer) == STORE_OK);

    /* Run the workload, noting after which operation each epoch became durable. */
    unsigned seed = 12345;
    uint64_t durable_epoch = 1;
    uint32_t written_blocks = 0, write_requests = 0;
    for (uint32_t epoch = 2; epoch < CHECKPOINTS + 2; epoch++) {
        uint32_t before = ram.logged;
        UNIT_ASSERT(workload_checkpoint(epoch, &seed));
        for (uint32_t i = before; i < ram.logged; i++) {
            written_blocks += log[i].count;
            write_requests += !log[i].flush;
            commit_epoch_at_op[i] = durable_epoch;
        }
        durable_epoch = epoch;
        commit_epoch_at_op[ram.logged - 1] = epoch;  /* the last flush makes it durable */
    }
    UNIT_EXPECT(write_requests >= 2000);
    UNIT_EXPECT(writer.segments_cleaned > 0);
    /* The cleaner took the first segment at least once: the table lives in copies it made. */
    UNIT_EXPECT(store.root.programs.blocks[0].block != TABLE_FIRST);
    UNIT_EXPECT(store.root.programs.blocks[1].block != TABLE_FIRST + 1);
    UNIT_EXPECT(banks_reclaimed > 10);      /* the workload did destroy trees of banks */

    /*
     * Every cut point k (after k operations), with dropped and torn pending
     * writes. Once per flush interval the durable image is recovered with its
     * reads recorded, and the previous checkpoint checked too: a pending write
     * may touch none of the blocks those two checkpoints need (DESIGN 4: the
     * last committed checkpoint, and the one before it, stay intact), and
     * since recovery is a function of the blocks it reads, a cut that changes
     * none of them recovers the same, already checked state.
     */
    static struct cut cuts[(1u << EXHAUSTIVE_PENDING) * (EXHAUSTIVE_PENDING + 1) + SAMPLED_CUTS];
    uint32_t pending[MAX_PENDING], pending_count = 0, most_pending = 0;
    uint32_t states = 0, failures = 0, torn_states = 0, recovered = 0;
    uint8_t *read = calloc(DEVICE_BLOCKS, 1), *used_newest = calloc(DEVICE_BLOCKS, 1);
    uint8_t *used_older = calloc(DEVICE_BLOCKS, 1);
    uint8_t *used[2] = { used_newest, used_older };
    unsigned cut_seed = 777;
    char why[256];
    memcpy(durable, initial, size);
    memcpy(blocks, initial, size);
    for (uint32_t k = 0; k <= ram.logged && failures < 5; k++) {
        if (k > 0 && log[k - 1].flush) {
            /* Everything before a flush is on the disk for good. */
            for (uint32_t i = 0; i < pending_count; i++) {
                const struct operation *op = &log[pending[i]];
                size_t offset = (size_t)op->block * BLOCK_SIZE, bytes = (size_t)op->count * BLOCK_SIZE;
                memcpy(durable + offset, op->data, bytes);
                memcpy(blocks + offset, op->data, bytes);
            }
            pending_count = 0;
        } else if (k > 0) {
            UNIT_ASSERT(pending_count < MAX_PENDING);
            const struct operation *op = &log[k - 1];
            for (uint32_t b = op->block; b < op->block + op->count && failures < 5; b++) {
                if (used_newest[b] || used_older[b]) {
                    printf("    op %u writes block %u, which the %s committed checkpoint needs\n",
                           k - 1, b, used_newest[b] ? "last" : "next-to-last");
                    failures++;
                }
            }
            pending[pending_count++] = k - 1;
        }
        if (pending_count > most_pending)
            most_pending = pending_count;
        uint64_t low = k == 0 ? 1 : commit_epoch_at_op[k - 1];
        if (pending_count == 0) {
            memset(read, 0, DEVICE_BLOCKS);
            memset(used_newest, 0, DEVICE_BLOCKS);
            memset(used_older, 0, DEVICE_BLOCKS);
            ram.read = read;
            recovered++;
            if (!recovery_matches(&ram, low, low + 1, why, used)) {
                printf("    cut after op %u (nothing pending): %s\n", k, why);
                failures++;
            }
            ram.read = NULL;
            for (uint32_t b = 0; b < DEVICE_BLOCKS; b++)
                read[b] |= used_newest[b];      /* the lookups read these */
        }
        uint32_t count = cut_variants(pending_count, &cut_seed, cuts);
        for (uint32_t v = 0; v < count && failures < 5; v++) {
            states++;
            torn_states += cuts[v].torn >= 0;
            if (!cut_touches(log, pending, pending_count, &cuts[v], read))
                continue;
            cut_apply(blocks, log, pending, pending_count, &cuts[v]);
            recovered++;
            if (!recovery_matches(&ram, low, low + 1, why, NULL)) {
                printf("    cut after op %u (%u pending, kept %#x, torn %d): %s\n", k,
                       pending_count, cuts[v].kept, cuts[v].torn, why);
                failures++;
            }
            cut_undo(blocks, durable, log, pending, pending_count);
        }
    }
    printf("    %u crash states (%u with a torn write; %u recovered, the rest change no block "
           "that recovery reads) from %u operations: %u write requests, %u blocks, "
           "%u checkpoints, %u segments cleaned, %u destroyed banks reclaimed; at most %u "
           "writes pending a flush\n", states, torn_states, recovered, ram.logged,
           write_requests, written_blocks, CHECKPOINTS, writer.segments_cleaned,
           banks_reclaimed, most_pending);
    UNIT_EXPECT(failures == 0);
    UNIT_EXPECT(torn_states > 0);
    for (uint32_t i = 0; i < ram.logged; i++)
        free(log[i].data);
    free(log);
    free(initial);
    free(blocks);
    free(durable);
    writer_release_map(&writer);
    free(writer.batch);
    free(writer.segment_live);
    free(writer.segment_used);
    free(relocated);
    free(read);
    free(used_newest);
    free(used_older);
}

/* Release records: the valid copy with more output shown counts; a damaged copy is passed over. */
UNIT_TEST(release_record_newest_valid_copy_counts)
{
    static uint8_t blocks[DEVICE_BLOCKS * BLOCK_SIZE];
    static struct operation log[16];
    static struct ram_device ram;
    static struct store store;
    struct cairn_release_record *a = (void *)(blocks + CAIRN_DISK_RELEASE_A * BLOCK_SIZE);
    struct cairn_release_record *b = (void *)(blocks + CAIRN_DISK_RELEASE_B * BLOCK_SIZE);
    uint64_t released = 0;
    uint32_t newest = 0;
    image_fresh(blocks);
    ram_init(&ram, blocks, log);
    UNIT_ASSERT(store_open(&store, &ram.device) == STORE_OK);
    UNIT_EXPECT_INT_EQ(store_read_released(&store, &released, &newest), STORE_NOT_FOUND);
    a->released = 700;
    format_seal_block(a, CAIRN_BLOCK_RELEASE, 1, CAIRN_DISK_RELEASE_A);
    b->released = 900;
    format_seal_block(b, CAIRN_BLOCK_RELEASE, 1, CAIRN_DISK_RELEASE_B);
    UNIT_EXPECT_INT_EQ(store_read_released(&store, &released, &newest), STORE_OK);
    UNIT_EXPECT_INT_EQ(released, 900);
    UNIT_EXPECT_INT_EQ(newest, CAIRN_DISK_RELEASE_B);
    b->reserved[10] ^= 1;                   /* torn: the other copy counts */
    UNIT_EXPECT_INT_EQ(store_read_released(&store, &released, &newest), STORE_OK);
    UNIT_EXPECT_INT_EQ(released, 700);
    UNIT_EXPECT_INT_EQ(newest, CAIRN_DISK_RELEASE_A);
    format_seal_block(b, CAIRN_BLOCK_RELEASE, 1, CAIRN_DISK_RELEASE_A);   /* misplaced */
    UNIT_EXPECT_INT_EQ(store_read_released(&store, &released, &newest), STORE_OK);
    UNIT_EXPECT_INT_EQ(newest, CAIRN_DISK_RELEASE_A);
    UNIT_EXPECT_INT_EQ(released, 700);
}

/* With the console's position the same in both copies, the one with more frames sent counts. */
UNIT_TEST(release_record_frames_decide_between_equal_console_positions)
{
    static uint8_t blocks[DEVICE_BLOCKS * BLOCK_SIZE];
    static struct operation log[16];
    static struct ram_device ram;
    static struct store store;
    static struct cairn_release_record record;
    struct cairn_release_record *a = (void *)(blocks + CAIRN_DISK_RELEASE_A * BLOCK_SIZE);
    struct cairn_release_record *b = (void *)(blocks + CAIRN_DISK_RELEASE_B * BLOCK_SIZE);
    uint32_t newest = 0;
    image_fresh(blocks);
    ram_init(&ram, blocks, log);
    UNIT_ASSERT(store_open(&store, &ram.device) == STORE_OK);
    a->released = b->released = 500;
    a->frames_released = 3000;
    b->frames_released = 1000;
    format_seal_block(a, CAIRN_BLOCK_RELEASE, 1, CAIRN_DISK_RELEASE_A);
    format_seal_block(b, CAIRN_BLOCK_RELEASE, 1, CAIRN_DISK_RELEASE_B);
    UNIT_EXPECT_INT_EQ(store_read_release_record(&store, &record, &newest), STORE_OK);
    UNIT_EXPECT_INT_EQ(newest, CAIRN_DISK_RELEASE_A);
    UNIT_EXPECT_INT_EQ(record.frames_released, 3000);
    b->frames_released = 4000;
    format_seal_block(b, CAIRN_BLOCK_RELEASE, 1, CAIRN_DISK_RELEASE_B);
    UNIT_EXPECT_INT_EQ(store_read_release_record(&store, &record, &newest), STORE_OK);
    UNIT_EXPECT_INT_EQ(newest, CAIRN_DISK_RELEASE_B);
    UNIT_EXPECT_INT_EQ(record.frames_released, 4000);
    UNIT_EXPECT_INT_EQ(record.released, 500);
}
