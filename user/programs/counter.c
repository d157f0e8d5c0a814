/* counter: prints "counter: N" every 100 ms of monotonic time, on absolute deadlines; argv[1] = optional last N. */
#include <cairn/user.h>

#define COUNTER_PERIOD_NS (100 * NS_PER_MS)

int main(int argc, char **argv)
{
    uint32_t limit = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 0;   /* 0: forever */
    uint64_t start = clock_now_ns();
    for (uint32_t count = 1;; count++) {
        printf("counter: %u\n", count);
        if (count == limit)
            return 0;
        /* Absolute deadlines: a late wake-up does not push the later lines back. */
        uint32_t status = cairn_sleep_until(start + (uint64_t)count * COUNTER_PERIOD_NS);
        if (status != CAIRN_OK) {
            printf("counter: FAILED sleep: %s\n", status_name(status));
            return 1;
        }
    }
}
