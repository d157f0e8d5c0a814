/* syncer: counts, and after each step asks for it to be durable (SYNC) before saying "synced N". */
#include <cairn/user.h>

/* Survives power cuts with the rest of the program's memory. */
static uint32_t step;

int main(int argc, char **argv)
{
    uint64_t pause_ms = argc > 1 ? strtoul(argv[1], NULL, 0) : 100;
    for (;;) {
        step++;
        uint32_t status = cairn_sync();
        if (status != CAIRN_OK) {
            printf("syncer: FAILED: sync returned %s\n", status_name(status));
            return 1;
        }
        printf("syncer: synced %u\n", step);
        clock_sleep_ns(pause_ms * NS_PER_MS);
    }
}
