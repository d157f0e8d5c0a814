/* clock: sleeps N s (default 2) of monotonic time, then says what both clocks did meanwhile. */
#include <cairn/user.h>

/*
 * The monotonic clock is persistent: a power cut during the sleep does not
 * shorten or lengthen it, so the program wakes after N s of running time in
 * all. The wall clock is not: it jumps by the time the machine was off, and
 * the restart counter says a restart happened. The "woke" line gives both
 * elapsed times (wall minus monotonic is the time spent powered off, to the
 * 1 s resolution of the real-time clock) and the restart counter before and
 * after. The first CLOCK is kept in memory, which persists with the process.
 */
static struct cairn_clock before;

static int64_t difference_ns(uint64_t later, uint64_t earlier)
{
    return (int64_t)(later - earlier);
}

int main(int argc, char **argv)
{
    uint32_t seconds = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 2;
    uint32_t status = cairn_clock(&before);
    if (status != CAIRN_OK) {
        printf("clock: FAILED: CLOCK returned %s\n", status_name(status));
        return 1;
    }
    printf("clock: sleeping %u s from monotonic %llu ns, wall %llu ns, restart %u\n", seconds,
           (unsigned long long)before.monotonic_ns, (unsigned long long)before.wall_ns,
           before.restart_count);
    status = cairn_sleep_until(before.monotonic_ns + seconds * 1000 * NS_PER_MS);
    struct cairn_clock after;
    if (status == CAIRN_OK)
        status = cairn_clock(&after);
    if (status != CAIRN_OK) {
        printf("clock: FAILED: %s\n", status_name(status));
        return 1;
    }
    printf("clock: woke after %lld ns monotonic, %lld ns wall; restart %u (was %u); this boot "
           "began at wall %llu ns and resumed a checkpoint taken at wall %llu ns, monotonic %llu ns\n",
           (long long)difference_ns(after.monotonic_ns, before.monotonic_ns),
           (long long)difference_ns(after.wall_ns, before.wall_ns), after.restart_count,
           before.restart_count, (unsigned long long)after.restart_wall_ns,
           (unsigned long long)after.checkpoint_wall_ns,
           (unsigned long long)after.checkpoint_monotonic_ns);
    return 0;
}
