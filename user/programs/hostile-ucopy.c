/* hostile-ucopy: a call that fails on a bad address must leave no effect on the pages before it. */
#include <cairn/user.h>

/*
 * Issue 15, item 10: copying out to user memory once prepared each page
 * (a copy for the checkpoint, the page marked changed) before looking up the
 * next, so STATS into a buffer that runs from a mapped page into an unmapped
 * one failed with E_BAD_ADDRESS but left the mapped page changed: the next
 * checkpoint wrote it again. Each round takes two checkpoints with nothing
 * between them but the program's own stack, then makes the failing call and
 * takes a third: the blocks the third writes must be no more than the
 * second's. A round can meet other writers (other processes), so the attack
 * is refused when any of ROUNDS rounds is equal; the unfixed kernel wrote
 * the extra block in every round. Prints "hostile-ucopy: refused: ..." or
 * "hostile-ucopy: FAILED: ...".
 */
enum { TARGET = 0x70000000, ROUNDS = 5 };

static uint32_t last_blocks(void)
{
    struct cairn_stats stats;
    cairn_stats(&stats);
    return stats.last_blocks;
}

int main(void)
{
    uint32_t status = page_map_new(CAIRN_SLOT_SPACE, TARGET, CAIRN_RIGHT_READ | CAIRN_RIGHT_WRITE);
    if (status != CAIRN_OK) {
        printf("hostile-ucopy: FAILED to map a page: %s\n", status_name(status));
        return 1;
    }
    *(volatile uint32_t *)TARGET = 1;
    /* STATS is 104 bytes: the last 52 fit in the page, the rest fall on the unmapped next one. */
    struct cairn_stats *across = (struct cairn_stats *)(TARGET + CAIRN_PAGE_SIZE - 52);
    uint32_t before[ROUNDS], after[ROUNDS], answers[ROUNDS], equal = 0;
    for (uint32_t round = 0; round < ROUNDS; round++) {
        cairn_sync();
        cairn_sync();
        before[round] = last_blocks();
        answers[round] = cairn_stats(across);
        cairn_sync();
        after[round] = last_blocks();
        equal += after[round] <= before[round];
    }
    for (uint32_t round = 0; round < ROUNDS; round++)
        printf("hostile-ucopy: round %u: %s; checkpoint blocks %u then %u\n", round + 1,
               status_name(answers[round]), before[round], after[round]);
    for (uint32_t round = 0; round < ROUNDS; round++)
        if (answers[round] != CAIRN_E_BAD_ADDRESS) {
            printf("hostile-ucopy: FAILED: STATS across the end of the page answered %s\n",
                   status_name(answers[round]));
            return 1;
        }
    if (equal == 0) {
        printf("hostile-ucopy: FAILED: every failed call left its page to be written again\n");
        return 1;
    }
    printf("hostile-ucopy: refused: the failed call changed nothing (%u of %u rounds)\n", equal,
           ROUNDS);
    return 0;
}
