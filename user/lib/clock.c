/* The monotonic clock in nanoseconds, sleeping for a duration measured on it, and dates. */
#include <cairn/user.h>

uint64_t clock_now_ns(void)
{
    uint64_t now;
    if (cairn_time(&now) != CAIRN_OK)
        return 0;
    return now;
}

uint32_t clock_sleep_ns(uint64_t duration_ns)
{
    return cairn_sleep_until(clock_now_ns() + duration_ns);
}

static int clock_leap_year(uint32_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

void clock_format_wall(char *text, size_t size, uint64_t wall_ns)
{
    static const uint8_t month_days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    uint64_t seconds = wall_ns / 1000000000ull;
    uint32_t of_day = (uint32_t)(seconds % 86400), day = (uint32_t)(seconds / 86400);
    uint32_t year = 1970, month = 0;
    while (day >= 365u + (uint32_t)clock_leap_year(year))     /* counts whole years from 1970 */
        day -= 365u + (uint32_t)clock_leap_year(year++);
    while (day >= month_days[month] + (uint32_t)(month == 1 && clock_leap_year(year)))
        day -= month_days[month] + (uint32_t)(month == 1 && clock_leap_year(year)), month++;
    snprintf(text, size, "%04u-%02u-%02u %02u:%02u:%02u UTC", year, month + 1, day + 1,
             of_day / 3600, of_day / 60 % 60, of_day % 60);
}
