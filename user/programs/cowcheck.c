/* cowcheck: rewrites N MiB generation after generation, checking each page held the previous one. */
#include <cairn/user.h>

/*
 * Before page i is rewritten with generation g, every word of it must still
 * hold g - 1. Checkpoints are taken while this runs (and copy the pages it
 * writes during a write-out); after a power cut it resumes mid-generation
 * from the last checkpoint. If a checkpoint ever stored a page newer or older
 * than the registers it stored with it, some page would hold the wrong
 * generation when its turn comes, and this program says so and stops.
 * argv[1]: MiB (default 4); argv[2]: generations to run (default 0: forever).
 */
enum { WORDS_PER_PAGE = CAIRN_PAGE_SIZE / sizeof(uint32_t) };

static int page_check_and_write(volatile uint32_t *page, uint32_t index, uint32_t generation)
{
    for (uint32_t w = 0; w < WORDS_PER_PAGE; w++) {
        if (page[w] != generation - 1) {
            printf("cowcheck: FAILED page %u word %u holds %u, expected %u\n", index, w, page[w],
                   generation - 1);
            return 0;
        }
    }
    for (uint32_t w = 0; w < WORDS_PER_PAGE; w++)
        page[w] = generation;
    return 1;
}

int main(int argc, char **argv)
{
    uint32_t mebibytes = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 4;
    uint32_t generations = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 0;
    uint32_t pages = mebibytes * (1024 * 1024 / CAIRN_PAGE_SIZE);
    volatile uint32_t *memory = malloc((size_t)pages * CAIRN_PAGE_SIZE);
    if (!memory) {
        printf("cowcheck: FAILED: no %u MiB\n", mebibytes);
        return 1;
    }
    for (uint32_t i = 0; i < pages * WORDS_PER_PAGE; i++)
        memory[i] = 0;      /* generation 0 */
    for (uint32_t generation = 1; generations == 0 || generation <= generations; generation++) {
        /* Every other generation runs backwards, so that writes meet the writer from both ends. */
        for (uint32_t step = 0; step < pages; step++) {
            uint32_t index = generation & 1 ? step : pages - 1 - step;
            if (!page_check_and_write(memory + index * WORDS_PER_PAGE, index, generation))
                return 1;
        }
        struct cairn_stats stats;
        cairn_stats(&stats);
        printf("cowcheck: generation %u ok (%u checkpoints, %u pages copied)\n", generation,
               stats.checkpoints, stats.cow_copies);
    }
    printf("cowcheck: done\n");
    return 0;
}
