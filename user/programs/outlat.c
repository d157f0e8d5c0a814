/* outlat: answers every console line at once, for the output-latency benchmark; "stats" reports STATS. */
#include <cairn/user.h>

/*
 * Each line read is answered with one line, "outlat: got LINE", written
 * right away: with output commit on, the host sees it only once the
 * checkpoint covering that write has committed, so the host's round trip
 * (line sent to answer received) is the input path plus the time the answer
 * was held. "stats" answers with the kernel's own figures of how long
 * released output was held, over the answers since the previous "stats"
 * (average) and since boot (maximum), from STATS.
 */
static struct cairn_stats previous;

static void outlat_stats(void)
{
    struct cairn_stats now;
    cairn_stats(&now);
    uint32_t releases = now.output_releases - previous.output_releases;
    uint64_t held_us = (uint64_t)now.output_held_us_average * now.output_releases -
                       (uint64_t)previous.output_held_us_average * previous.output_releases;
    printf("outlat: releases=%u held_us_average=%llu held_us_max=%u bytes=%u checkpoints=%u\n",
           releases, (unsigned long long)(releases ? held_us / releases : 0),
           now.output_held_us_max, now.output_bytes - previous.output_bytes,
           now.checkpoints - previous.checkpoints);
    previous = now;
}

int main(void)
{
    static char line[128];
    cairn_stats(&previous);
    printf("outlat: ready\n");
    for (;;) {
        if (console_read_line(line, sizeof line) < 0) {
            printf("outlat: FAILED: console read refused\n");
            return 1;
        }
        if (strcmp(line, "stats") == 0)
            outlat_stats();
        else
            printf("outlat: got %s\n", line);
    }
}
