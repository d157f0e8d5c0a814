/* memwrite: a memory-writing workload for the checkpoint slowdown figure; prints its elapsed time. */
#include <cairn/user.h>

/*
 * memwrite MIB PASSES: PASSES times over a working set of MIB MiB, store one
 * word in every page, then SEQUENTIAL_BYTES of sequential words at the start
 * of the page (so every page is dirtied in every pass, as a program that
 * touches all its data would). The first pass, which also maps the heap,
 * is not timed. Prints the elapsed monotonic time and rdtsc cycles of the
 * timed passes, and how many checkpoints and user page faults happened
 * meanwhile (from STATS). Everything is printed before a final SYNC, so the
 * lines are covered by a checkpoint even when the period is off.
 *
 * memwrite MIB 0: after the first pass, prints "memwrite: running", SYNCs,
 * and then writes passes forever (the running guest of QEMU's savevm figure).
 *
 * memwrite kv MIB SETS: the key-value workload. A table of MIB MiB of 64-byte
 * slots, each a key, the number of the set that wrote it and a value of 14
 * words derived from both (so a torn or stale slot shows). A key goes to one
 * slot (key modulo the slot count; a set replaces what was there, as in a
 * cache). The table is filled once, untimed; then SETS sets of random keys,
 * each writing its slot and the header page's count of sets: two pages
 * dirtied per set, one of them always the same. Prints "kvset:" lines with
 * the same figures, after checking every slot.
 */
enum { SEQUENTIAL_BYTES = 256 };

static void memwrite_pass(uint32_t *memory, size_t size, uint32_t pass)
{
    for (size_t offset = 0; offset < size; offset += CAIRN_PAGE_SIZE) {
        uint32_t *page = memory + offset / sizeof(uint32_t);
        page[CAIRN_PAGE_SIZE / sizeof(uint32_t) - 1] = pass;
        for (uint32_t i = 0; i < SEQUENTIAL_BYTES / sizeof(uint32_t); i++)
            page[i] = pass + i;
    }
}

/* Every word memwrite_pass stored in the last pass holds what it should. */
static int memwrite_check(const uint32_t *memory, size_t size, uint32_t pass)
{
    for (size_t offset = 0; offset < size; offset += CAIRN_PAGE_SIZE) {
        const uint32_t *page = memory + offset / sizeof(uint32_t);
        if (page[CAIRN_PAGE_SIZE / sizeof(uint32_t) - 1] != pass || page[1] != pass + 1)
            return 0;
    }
    return 1;
}

/*
 * Prints "HEAD ns=... max_share=... charged=...": the timed part's elapsed time and cycles,
 * and from STATS before and after it the checkpoints taken, the blocks they wrote, the user
 * page faults, the share of the CPU the kernel charged to checkpoints (against the programs'
 * own cycles), the period they achieved, the bound and the cycles charged.
 */
static void print_figures(const char *head, uint64_t elapsed_ns, uint64_t cycles,
                          const struct cairn_stats *before, const struct cairn_stats *after)
{
    uint64_t charged = after->checkpoint_cycles - before->checkpoint_cycles;
    uint64_t program = after->program_cycles - before->program_cycles;
    uint32_t checkpoints = after->checkpoints - before->checkpoints;
    printf("%s ns=%llu cycles=%llu checkpoints=%u blocks=%u faults=%u share_permille=%llu "
           "period_us=%llu max_share=%u charged=%llu\n", head, (unsigned long long)elapsed_ns,
           (unsigned long long)cycles, checkpoints,
           after->checkpoint_blocks - before->checkpoint_blocks,
           after->page_faults - before->page_faults,
           (unsigned long long)(program ? charged * 1000 / program : 0),
           (unsigned long long)(checkpoints ? elapsed_ns / 1000 / checkpoints : 0),
           after->max_share, (unsigned long long)charged);
}

enum { VALUE_WORDS = 14 };

struct slot {
    uint32_t key;
    uint32_t set;               /* the set that wrote it (0: the fill) */
    uint32_t value[VALUE_WORDS];
};

struct header {
    uint32_t sets;              /* sets done */
    uint32_t pad[CAIRN_PAGE_SIZE / sizeof(uint32_t) - 1];   /* a page of its own */
};

static uint32_t value_word(uint32_t key, uint32_t set, uint32_t i)
{
    return (key ^ (set * 2654435761u)) + i;
}

static void slot_write(struct slot *slot, uint32_t key, uint32_t set)
{
    slot->key = key;
    slot->set = set;
    for (uint32_t i = 0; i < VALUE_WORDS; i++)
        slot->value[i] = value_word(key, set, i);
}

static int slot_good(const struct slot *slot, uint32_t slots, uint32_t index, uint32_t sets)
{
    if (slot->key % slots != index || slot->set > sets)
        return 0;
    for (uint32_t i = 0; i < VALUE_WORDS; i++)
        if (slot->value[i] != value_word(slot->key, slot->set, i))
            return 0;
    return 1;
}

static int kvset(int argc, char **argv)
{
    uint32_t mebibytes = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 64;
    uint32_t sets = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 0) : 1000000;
    uint32_t slots = (uint32_t)(((size_t)mebibytes << 20) / sizeof(struct slot));
    struct header *header = malloc(sizeof(*header));
    struct slot *table = malloc((size_t)slots * sizeof(struct slot));
    if (!header || !table || slots == 0) {
        printf("kvset: FAILED: no %u MiB\n", mebibytes);
        return 1;
    }
    for (uint32_t index = 0; index < slots; index++)
        slot_write(&table[index], index, 0);
    header->sets = 0;
    random_seed(2026);
    struct cairn_stats before, after;
    cairn_stats(&before);
    uint64_t start_ns = clock_now_ns();
    uint64_t start_cycles = cpu_timestamp();
    for (uint32_t set = 1; set <= sets; set++) {
        uint32_t key = random_next();
        slot_write(&table[key % slots], key, set);
        header->sets = set;
    }
    uint64_t cycles = cpu_timestamp() - start_cycles;
    uint64_t elapsed_ns = clock_now_ns() - start_ns;
    cairn_stats(&after);
    uint32_t bad = 0;
    for (uint32_t index = 0; index < slots; index++)
        bad += !slot_good(&table[index], slots, index, sets);
    if (bad || header->sets != sets) {
        printf("kvset: FAILED: %u slots of %u are wrong\n", bad, slots);
        return 1;
    }
    char head[48];
    snprintf(head, sizeof(head), "kvset: mib=%u sets=%u", mebibytes, sets);
    print_figures(head, elapsed_ns, cycles, &before, &after);
    printf("kvset: done\n");
    cairn_sync();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "kv") == 0)
        return kvset(argc, argv);
    uint32_t mebibytes = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 8;
    uint32_t passes = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 100;
    size_t size = (size_t)mebibytes << 20;
    uint32_t *memory = malloc(size);
    if (!memory) {
        printf("memwrite: FAILED: no %u MiB\n", mebibytes);
        return 1;
    }
    memwrite_pass(memory, size, 0);
    if (passes == 0) {
        printf("memwrite: running mib=%u\n", mebibytes);
        cairn_sync();
        for (uint32_t pass = 1;; pass++)
            memwrite_pass(memory, size, pass);
    }
    struct cairn_stats before, after;
    cairn_stats(&before);
    uint64_t start_ns = clock_now_ns();
    uint64_t start_cycles = cpu_timestamp();
    for (uint32_t pass = 1; pass <= passes; pass++)
        memwrite_pass(memory, size, pass);
    uint64_t cycles = cpu_timestamp() - start_cycles;
    uint64_t elapsed_ns = clock_now_ns() - start_ns;
    cairn_stats(&after);
    if (!memwrite_check(memory, size, passes)) {
        printf("memwrite: FAILED: the working set does not hold the last pass\n");
        return 1;
    }
    char head[48];
    snprintf(head, sizeof(head), "memwrite: mib=%u passes=%u", mebibytes, passes);
    print_figures(head, elapsed_ns, cycles, &before, &after);
    printf("memwrite: done\n");
    cairn_sync();
    return 0;
}
