/* hostile-flood: floods the console with short lines; with "sleep", times short sleeps beside it. */
#include <cairn/user.h>

/*
 * Issue 15, item 3: the kernel once released held output a line at a time,
 * each line costing a checksum and a synchronous disk write inside the
 * kernel, which cannot be preempted: 16,384 short lines stalled every other
 * process for seconds. Two roles, so that one program file serves both
 * sides (the image holds at most 32 programs):
 *
 *   hostile-flood[:LINES]       writes LINES (default 16384) numbered lines,
 *                               "flood N" (short, so that many fit in the
 *                               kernel's 64 KiB of held output), one CONSOLE_WRITE each,
 *                               as fast as it can, then "hostile-flood: wrote LINES lines"
 *   hostile-flood:sleep[:MS]    sleeps MS (default 10) ms of monotonic time, for ever,
 *                               and after each sleep prints
 *                               "hostile-flood: slept N late_us L max_us M", L how long
 *                               after its deadline it woke and M the longest so far
 *
 * Sleepers wake at timer ticks, so L is up to one tick (10 ms at the default
 * tick_hz=100) on an idle machine; more is time other work kept it waiting.
 */
#define DEFAULT_SLEEP_MS 10u
#define DEFAULT_LINES 16384u

static int flood_write(uint32_t lines)
{
    for (uint32_t i = 1; i <= lines; i++) {
        char line[24];
        int length = snprintf(line, sizeof line, "flood %u\n", i);
        uint32_t status = cairn_console_write(line, (uint32_t)length);
        if (status != CAIRN_OK) {
            printf("hostile-flood: FAILED: CONSOLE_WRITE returned %s\n", status_name(status));
            return 1;
        }
    }
    printf("hostile-flood: wrote %u lines\n", lines);
    return 0;
}

static int flood_sleep(uint32_t milliseconds)
{
    uint64_t longest_ns = 0;
    for (uint32_t i = 1;; i++) {
        uint64_t deadline = clock_now_ns() + milliseconds * NS_PER_MS;
        uint32_t status = cairn_sleep_until(deadline);
        uint64_t now = clock_now_ns();
        if (status != CAIRN_OK) {
            printf("hostile-flood: FAILED sleep: %s\n", status_name(status));
            return 1;
        }
        uint64_t late_ns = now > deadline ? now - deadline : 0;
        if (late_ns > longest_ns)
            longest_ns = late_ns;
        printf("hostile-flood: slept %u late_us %llu max_us %llu\n", i,
               (unsigned long long)(late_ns / 1000), (unsigned long long)(longest_ns / 1000));
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "sleep") == 0)
        return flood_sleep(argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : DEFAULT_SLEEP_MS);
    return flood_write(argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : DEFAULT_LINES);
}
