/* Kernel time: the persistent monotonic clock (the checkpoint's value plus timer ticks since
 * boot) and the wall clock (the real-time clock read at boot plus monotonic time since). */
#include <arch/platform.h>
#include <kernel/printf.h>
#include <kernel/time.h>

/* Monotonic nanoseconds at the checkpoint this boot resumed (0 on a fresh system). */
uint64_t time_resumed_monotonic_ns;
/* Wall-clock ns since 1970: when this boot began (from the real-time clock, 0 if none), and
 * when the checkpoint it resumed was taken (0: fresh system, or not known). */
uint64_t time_boot_wall_ns, time_resumed_wall_ns;

void time_init(void)
{
    time_boot_wall_ns = platform_wall_clock_ns();
}

void time_resume_from(uint64_t monotonic_ns, uint64_t wall_ns)
{
    time_resumed_monotonic_ns = monotonic_ns;
    time_resumed_wall_ns = wall_ns;
}

uint64_t time_monotonic_nanoseconds(void)
{
    uint64_t ticks = platform_ticks();
    uint32_t into = platform_nanoseconds_into_tick();
    if (platform_ticks() != ticks) {    /* a tick came in between: read both again */
        ticks = platform_ticks();
        into = platform_nanoseconds_into_tick();
    }
    uint32_t hz = platform_tick_hz();
    return time_resumed_monotonic_ns + (hz ? ticks * (1000000000ull / hz) + into : 0);
}

uint64_t time_wall_nanoseconds(void)
{
    if (!time_boot_wall_ns)
        return 0;
    return time_boot_wall_ns + (time_monotonic_nanoseconds() - time_resumed_monotonic_ns);
}

void time_format_wall(char *text, uint32_t size, uint64_t wall_ns)
{
    if (!wall_ns) {
        format_print(text, size, "unknown");
        return;
    }
    uint64_t seconds = wall_ns / 1000000000ull;
    uint32_t days = (uint32_t)(seconds / 86400), of_day = (uint32_t)(seconds % 86400);
    /* Civil date from days since 1970-01-01 (proleptic Gregorian). */
    uint32_t z = days + 719468, era = z / 146097, day_of_era = z - era * 146097;
    uint32_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 -
                            day_of_era / 146096) / 365;
    uint32_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    uint32_t mp = (5 * day_of_year + 2) / 153, day = day_of_year - (153 * mp + 2) / 5 + 1;
    uint32_t month = mp < 10 ? mp + 3 : mp - 9, year = year_of_era + era * 400 + (month <= 2);
    format_print(text, size, "%04u-%02u-%02u %02u:%02u:%02u UTC", year, month, day,
                 of_day / 3600, of_day / 60 % 60, of_day % 60);
}
