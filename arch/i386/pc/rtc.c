/* The CMOS real-time clock (MC146818 registers behind ports 0x70/0x71), read once at boot. */
#include <stdint.h>
#include <arch/cpu.h>
#include <arch/platform.h>

enum {
    CMOS_INDEX = 0x70, CMOS_DATA = 0x71,
    CMOS_NMI_OFF = 0x80,        /* kept set while we index, so no NMI lands in between */
    RTC_SECONDS = 0x00, RTC_MINUTES = 0x02, RTC_HOURS = 0x04,
    RTC_DAY = 0x07, RTC_MONTH = 0x08, RTC_YEAR = 0x09, RTC_CENTURY = 0x32,
    RTC_STATUS_A = 0x0A, RTC_STATUS_B = 0x0B,
    STATUS_A_UPDATING = 0x80, STATUS_B_BINARY = 0x04, STATUS_B_24_HOUR = 0x02,
    HOUR_PM = 0x80,
};

struct rtc_time {
    uint32_t second, minute, hour, day, month, year, century;
};

static uint8_t cmos_read(uint8_t index)
{
    outb(CMOS_INDEX, CMOS_NMI_OFF | index);
    return inb(CMOS_DATA);
}

static void rtc_read_raw(struct rtc_time *time)
{
    for (int spins = 0; spins < 100000 && (cmos_read(RTC_STATUS_A) & STATUS_A_UPDATING); spins++)
        ;
    time->second = cmos_read(RTC_SECONDS);
    time->minute = cmos_read(RTC_MINUTES);
    time->hour = cmos_read(RTC_HOURS);
    time->day = cmos_read(RTC_DAY);
    time->month = cmos_read(RTC_MONTH);
    time->year = cmos_read(RTC_YEAR);
    time->century = cmos_read(RTC_CENTURY);
}

static uint32_t bcd(uint32_t value)
{
    return (value & 0x0F) + (value >> 4) * 10;
}

/* Days from 1970-01-01 to year-month-day (proleptic Gregorian). */
static int64_t days_since_epoch(int64_t year, uint32_t month, uint32_t day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    uint32_t year_of_era = (uint32_t)(year - era * 400);
    uint32_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    uint32_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + (int64_t)day_of_era - 719468;
}

uint64_t platform_wall_clock_ns(void)
{
    struct rtc_time first, second;
    rtc_read_raw(&second);
    do {                        /* read until two reads agree: no update in between */
        first = second;
        rtc_read_raw(&second);
    } while (first.second != second.second || first.minute != second.minute ||
             first.hour != second.hour || first.day != second.day);
    uint8_t status = cmos_read(RTC_STATUS_B);
    uint32_t pm = second.hour & HOUR_PM;
    second.hour &= ~(uint32_t)HOUR_PM;
    if (!(status & STATUS_B_BINARY)) {
        second.second = bcd(second.second);
        second.minute = bcd(second.minute);
        second.hour = bcd(second.hour);
        second.day = bcd(second.day);
        second.month = bcd(second.month);
        second.year = bcd(second.year);
        second.century = bcd(second.century);
    }
    if (!(status & STATUS_B_24_HOUR))
        second.hour = (second.hour % 12) + (pm ? 12 : 0);
    if (second.month < 1 || second.month > 12 || second.day < 1 || second.day > 31 ||
        second.hour > 23 || second.minute > 59 || second.second > 60)
        return 0;               /* no clock there, or nonsense: the wall clock is unknown */
    uint32_t year = (second.century >= 19 && second.century <= 99 ? second.century : 20) * 100 +
                    second.year;
    int64_t days = days_since_epoch(year, second.month, second.day);
    int64_t seconds = days * 86400 + second.hour * 3600 + second.minute * 60 + second.second;
    return seconds > 0 ? (uint64_t)seconds * 1000000000ull : 0;
}
