/* dirty: writes N MiB of its memory, then asks for a checkpoint, and reports the kernel's pause. */
#include <cairn/user.h>

enum { ROUNDS = 2 };

int main(int argc, char **argv)
{
    uint32_t mebibytes = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 1;
    size_t size = (size_t)mebibytes << 20;
    uint8_t *memory = malloc(size);
    if (!memory) {
        printf("dirty: FAILED: no %u MiB\n", mebibytes);
        return 1;
    }
    /* Printed at the end: with output commit, a line would start a checkpoint of its own. */
    struct cairn_stats figures[ROUNDS + 1];
    uint64_t sync_ns[ROUNDS + 1];
    for (uint32_t round = 0; round <= ROUNDS; round++) {
        for (size_t i = 0; i < size; i += CAIRN_PAGE_SIZE)
            memory[i] = (uint8_t)(round + i / CAIRN_PAGE_SIZE);
        uint64_t before = clock_now_ns();
        uint32_t status = cairn_sync();
        uint64_t after = clock_now_ns();
        struct cairn_stats stats;
        cairn_stats(&stats);
        if (status != CAIRN_OK) {
            printf("dirty: FAILED: sync returned %s\n", status_name(status));
            return 1;
        }
        figures[round] = stats;
        sync_ns[round] = after - before;
    }
    for (uint32_t round = 1; round <= ROUNDS; round++)  /* round 0 also maps the heap */
        printf("dirty: mib=%u pause_cycles=%u blocks=%u sync_ns=%llu checkpoints=%u\n", mebibytes,
               figures[round].last_pause_cycles, figures[round].last_blocks,
               (unsigned long long)sync_ns[round], figures[round].checkpoints);
    printf("dirty: done\n");
    return 0;
}
