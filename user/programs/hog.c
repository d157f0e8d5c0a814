/* hog: fills more memory than the machine has (default 64 MiB) with a pattern, then checks all of it. */
#include <cairn/user.h>

/*
 * Pass 1 maps fresh pages at USER_FREE_START and writes every word of them;
 * pass 2 reads every word back. With less RAM than that (e.g. --mem 32) the
 * kernel gets frames by evicting clean pages, whose contents are on disk
 * since a checkpoint; a page fault with no frame free waits at the faulting
 * instruction until a checkpoint has cleaned some. Word w of page p holds
 * pattern(p, w), so a page that came back from disk wrong, or another
 * page's contents, is found. More than the store can hold is refused at
 * once (E_QUOTA): hog says so and ends, and its bank gives all of it back. argv[1]: MiB (default 64); a line every
 * PROGRESS_MIB, "hog: ok" at the end. The frame figures come from STATS.
 */
enum { WORDS_PER_PAGE = CAIRN_PAGE_SIZE / sizeof(uint32_t), PAGES_PER_MIB = 256 };
enum { PROGRESS_MIB = 8, DEFAULT_MIB = 64 };

static uint32_t pattern(uint32_t page, uint32_t word)
{
    return (page * WORDS_PER_PAGE + word) * 2246822519u ^ 0x486f6721u;    /* "Hog!" */
}

static void progress(const char *done, uint32_t mebibytes)
{
    struct cairn_stats stats;
    cairn_stats(&stats);
    printf("hog: %s %u MiB (%u of %u frames free, %u checkpoints)\n", done, mebibytes,
           stats.free_frames, stats.total_frames, stats.checkpoints);
}

static int hog_fill(volatile uint32_t *memory, uint32_t pages)
{
    for (uint32_t page = 0; page < pages; page++) {
        uint32_t address = (uint32_t)(memory + page * WORDS_PER_PAGE);
        uint32_t status = page_map_new(CAIRN_SLOT_SPACE, address,
                                       CAIRN_RIGHT_READ | CAIRN_RIGHT_WRITE);
        if (status == CAIRN_E_QUOTA) {
            printf("hog: refused room after %u MiB: the store cannot hold more of my pages "
                   "(E_QUOTA); giving up\n", page / PAGES_PER_MIB);
            return 0;
        }
        if (status != CAIRN_OK) {
            printf("hog: FAILED to map page %u: %s\n", page, status_name(status));
            return 0;
        }
        for (uint32_t word = 0; word < WORDS_PER_PAGE; word++)
            memory[page * WORDS_PER_PAGE + word] = pattern(page, word);
        if ((page + 1) % (PROGRESS_MIB * PAGES_PER_MIB) == 0)
            progress("wrote", (page + 1) / PAGES_PER_MIB);
    }
    return 1;
}

static int hog_check(volatile uint32_t *memory, uint32_t pages)
{
    for (uint32_t page = 0; page < pages; page++) {
        for (uint32_t word = 0; word < WORDS_PER_PAGE; word++) {
            uint32_t value = memory[page * WORDS_PER_PAGE + word];
            if (value != pattern(page, word)) {
                printf("hog: FAILED page %u word %u holds 0x%08x, expected 0x%08x\n", page, word,
                       value, pattern(page, word));
                return 0;
            }
        }
        if ((page + 1) % (PROGRESS_MIB * PAGES_PER_MIB) == 0)
            progress("checked", (page + 1) / PAGES_PER_MIB);
    }
    return 1;
}

int main(int argc, char **argv)
{
    uint32_t mebibytes = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : DEFAULT_MIB;
    uint32_t pages = mebibytes * PAGES_PER_MIB;
    if (pages == 0 || pages > (USER_FREE_END - USER_FREE_START) / CAIRN_PAGE_SIZE) {
        printf("hog: FAILED: %u MiB does not fit between 0x%x and 0x%x\n", mebibytes,
               USER_FREE_START, USER_FREE_END);
        return 1;
    }
    struct cairn_stats stats;
    cairn_stats(&stats);
    printf("hog: filling %u MiB with %u MiB of frames in the machine\n", mebibytes,
           stats.total_frames / PAGES_PER_MIB);
    volatile uint32_t *memory = (volatile uint32_t *)USER_FREE_START;
    if (!hog_fill(memory, pages) || !hog_check(memory, pages))
        return 1;
    printf("hog: ok, %u MiB written and checked\n", mebibytes);
    return 0;
}
