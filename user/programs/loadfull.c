/* loadfull: fills RAM with dirty pages, then loads and starts a program while it is full. */
#include <cairn/user.h>

/*
 * Maps fresh pages at USER_FREE_START and writes every word of each (so they
 * are dirty: nothing can evict them before a checkpoint has written them)
 * until STATS shows at most FULL_FRAMES frames free, fewer than the program's
 * file has pages. Then, with RAM full, it asks PROGRAM_LOAD for "counter 3"
 * (argv[1] names another program) and starts what it got: the load may wait
 * for a checkpoint to clean some pages, or answer a status, but the kernel
 * goes on. Last, every page written is read back and checked. Prints
 * "loadfull: load answered STATUS after N restarts", "loadfull: full: ..."
 * and "loadfull: ok, N pages checked" (or a FAILED line). Then it waits for
 * the program it started to end: the program lives in a bank below this
 * one's, which would go with this process.
 */
enum { WORDS_PER_PAGE = CAIRN_PAGE_SIZE / sizeof(uint32_t), FULL_FRAMES = 8, SLOT_LOADED = 8 };

static uint32_t pattern(uint32_t page, uint32_t word)
{
    return (page * WORDS_PER_PAGE + word) * 2654435761u ^ 0x4c6f6164u;     /* "Load" */
}

static uint32_t free_frames(void)
{
    struct cairn_stats stats;
    cairn_stats(&stats);
    return stats.free_frames;
}

/* Maps and writes pages until at most FULL_FRAMES frames are free; returns how many, 0 on failure. */
static uint32_t loadfull_fill(volatile uint32_t *memory)
{
    uint32_t limit = (USER_FREE_END - USER_FREE_START) / CAIRN_PAGE_SIZE, page = 0;
    for (; page < limit && free_frames() > FULL_FRAMES; page++) {
        uint32_t address = (uint32_t)(memory + page * WORDS_PER_PAGE);
        uint32_t status = page_map_new(CAIRN_SLOT_SPACE, address,
                                       CAIRN_RIGHT_READ | CAIRN_RIGHT_WRITE);
        if (status != CAIRN_OK) {
            printf("loadfull: FAILED to map page %u: %s\n", page, status_name(status));
            return 0;
        }
        for (uint32_t word = 0; word < WORDS_PER_PAGE; word++)
            memory[page * WORDS_PER_PAGE + word] = pattern(page, word);
    }
    return page;
}

/* PROGRAM_LOAD of command while RAM is full, then PROCESS_START; returns the load's status. */
static uint32_t loadfull_load(const char *command)
{
    struct cairn_stats before, after;
    cairn_stats(&before);
    uint32_t status = cairn_program_load(CAIRN_SLOT_BANK, command, (uint32_t)strlen(command),
                                         SLOT_LOADED);
    cairn_stats(&after);
    printf("loadfull: load answered %s after %u restarts\n", status_name(status),
           after.my_restarts - before.my_restarts);
    if (status == CAIRN_OK && cairn_process_start(SLOT_LOADED, 0, 0) != CAIRN_OK)
        printf("loadfull: FAILED to start '%s'\n", command);
    return status;
}

static int loadfull_check(volatile uint32_t *memory, uint32_t pages)
{
    for (uint32_t page = 0; page < pages; page++)
        for (uint32_t word = 0; word < WORDS_PER_PAGE; word++)
            if (memory[page * WORDS_PER_PAGE + word] != pattern(page, word)) {
                printf("loadfull: FAILED page %u word %u\n", page, word);
                return 0;
            }
    return 1;
}

/* Is a process of that name listed and not stopped by a fault? */
static int program_running(const char *name)
{
    struct cairn_process_info info;
    for (uint32_t i = 0; cairn_process_info(i, &info) == CAIRN_OK; i++)
        if (strncmp(info.name, name, sizeof(info.name)) == 0 && info.state != 4)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    char command[64];
    snprintf(command, sizeof(command), "%s 3", argc > 1 ? argv[1] : "counter");
    volatile uint32_t *memory = (volatile uint32_t *)USER_FREE_START;
    printf("loadfull: filling RAM with dirty pages\n");
    uint32_t pages = loadfull_fill(memory);
    if (!pages)
        return 1;
    uint32_t left = free_frames();
    /* Nothing printed until the load: held output would start a checkpoint that cleans pages. */
    loadfull_load(command);
    printf("loadfull: full: %u pages written, %u frames were free\n", pages, left);
    if (!loadfull_check(memory, pages))
        return 1;
    printf("loadfull: ok, %u pages checked\n", pages);
    while (program_running(argc > 1 ? argv[1] : "counter"))
        clock_sleep_ns(50 * NS_PER_MS);
    return 0;
}
