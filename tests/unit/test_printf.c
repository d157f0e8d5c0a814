/* Host tests of kernel/printf.c: format_string and format_print against the C library's vsnprintf. */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <kernel/printf.h>
#include "unit.h"

enum { FORMAT_BUFFER_MAX = 512, GUARD_BYTES = 16, FILL_BYTE = 0x5A };

static int bytes_all_equal(const char *bytes, size_t count, unsigned char value)
{
    for (size_t i = 0; i < count; i++)
        if ((unsigned char)bytes[i] != value)
            return 0;
    return 1;
}

/* Checks format_string against vsnprintf for one format into a buffer of size bytes. */
static void expect_format_like_libc_v(const char *file, int line, size_t size, const char *format,
                                      va_list arguments)
{
    char expected[FORMAT_BUFFER_MAX + GUARD_BYTES], actual[FORMAT_BUFFER_MAX + GUARD_BYTES];
    if (!unit_check(size <= FORMAT_BUFFER_MAX, file, line, "test buffer too large"))
        return;
    memset(expected, FILL_BYTE, sizeof(expected));
    memset(actual, FILL_BYTE, sizeof(actual));
    va_list copy;
    va_copy(copy, arguments);
    int expected_length = vsnprintf(expected, size, format, arguments);
    int actual_length = format_string(actual, size, format, copy);
    va_end(copy);
    unit_check(actual_length == expected_length, file, line,
               "format \"%s\" (size %zu) returned %d, libc %d", format, size, actual_length,
               expected_length);
    if (size > 0)
        unit_check(strcmp(actual, expected) == 0, file, line,
                   "format \"%s\" (size %zu) gave \"%s\", libc \"%s\"", format, size, actual,
                   expected);
    unit_check(bytes_all_equal(actual + size, GUARD_BYTES, FILL_BYTE), file, line,
               "format \"%s\" wrote past the %zu-byte buffer", format, size);
}

static void expect_format_like_libc(const char *file, int line, size_t size,
                                    const char *format, ...)
    __attribute__((format(printf, 4, 5)));

static void expect_format_like_libc(const char *file, int line, size_t size,
                                    const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    expect_format_like_libc_v(file, line, size, format, arguments);
    va_end(arguments);
}

#define EXPECT_FORMAT(...) expect_format_like_libc(__FILE__, __LINE__, 256, __VA_ARGS__)
#define EXPECT_FORMAT_SIZED(size, ...) expect_format_like_libc(__FILE__, __LINE__, size, __VA_ARGS__)

UNIT_TEST(format_plain_text_and_percent)
{
    EXPECT_FORMAT("%s", "");
    EXPECT_FORMAT("hello, world");
    EXPECT_FORMAT("100%%");
    EXPECT_FORMAT("%%d%%");
    EXPECT_FORMAT("a%%b%%%%c");
}

UNIT_TEST(format_signed_decimal)
{
    static const int values[] = { 0, 1, -1, 9, 10, -10, 42, 123456789, INT_MAX, INT_MIN };
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        EXPECT_FORMAT("%d", values[i]);
        EXPECT_FORMAT("[%i]", values[i]);
    }
}

UNIT_TEST(format_unsigned_hex_octal)
{
    static const unsigned values[] = { 0, 1, 7, 8, 15, 16, 255, 0xdeadbeefu, UINT_MAX };
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
        EXPECT_FORMAT("%u %x %X %o", values[i], values[i], values[i], values[i]);
}

UNIT_TEST(format_char_and_string)
{
    EXPECT_FORMAT("%c%c%c", 'a', 'B', '~');
    EXPECT_FORMAT("[%3c][%-3c][%1c]", 'x', 'y', 'z');
    EXPECT_FORMAT("%s|%s|%s", "text", "", "with space");
    EXPECT_FORMAT("[%10s][%-10s][%2s]", "right", "left", "longer than width");
    EXPECT_FORMAT("[%.2s][%.0s][%.10s][%8.3s][%-8.3s]", "abcdef", "abc", "short", "abcdef", "xyz");
}

UNIT_TEST(format_null_string_prints_null)
{
    const char *volatile nothing = NULL;   /* volatile: keeps GCC from rejecting a known NULL */
    char text[32];
    UNIT_EXPECT_INT_EQ(format_print(text, sizeof(text), "[%s]", nothing), 8);
    UNIT_EXPECT_STR_EQ(text, "[(null)]");
}

UNIT_TEST(format_pointer)
{
    int local;
    EXPECT_FORMAT("%p", (void *)0x1234);
    EXPECT_FORMAT("%p", (void *)&local);
    EXPECT_FORMAT("%p", (void *)UINTPTR_MAX);
    EXPECT_FORMAT("[%20p][%-20p]", (void *)0xabc, (void *)0xabc);
}

UNIT_TEST(format_flags)
{
    EXPECT_FORMAT("[%-6d][%06d][%+d][% d][%+d][% d]", 42, -42, 42, 42, -42, -42);
    EXPECT_FORMAT("[%+d][% d]", 0, 0);
    EXPECT_FORMAT("[%#x][%#X][%#o][%#x][%#o]", 255u, 255u, 8u, 0u, 0u);
    EXPECT_FORMAT("[%#10x][%#-10x][%#010x][%#010o]", 0xbeefu, 0xbeefu, 0xbeefu, 0777u);
    EXPECT_FORMAT("[%+06d][% 06d][%-+6d][%- 6d]", 42, 42, 42, 42);
    EXPECT_FORMAT("[%08u][%-8u][%08X]", 1234u, 1234u, 0xabcu);
}

UNIT_TEST(format_widths)
{
    EXPECT_FORMAT("[%5d][%-5d][%05d][%5d][%05d]", 12, 12, 12, -12, -12);
    EXPECT_FORMAT("[%1d][%2d][%3d]", 12345, -1, 999);
    EXPECT_FORMAT("[%40d][%-40u|]", INT_MIN, UINT_MAX);
    EXPECT_FORMAT("[%25lld][%025lld][%-25lld]", LLONG_MIN, LLONG_MIN, LLONG_MIN);
}

UNIT_TEST(format_precisions)
{
    EXPECT_FORMAT("[%.3d][%.3d][%.0d][%.0d][%.10u]", 7, -7, 0, 5, 42u);
    EXPECT_FORMAT("[%.5x][%#.5x][%#.3o][%#.0o][%#.0x]", 0xabu, 0xabu, 8u, 0u, 0u);
    EXPECT_FORMAT("[%8.3d][%-8.3d][%+.3d][% .3d]", 5, 5, 5, -5);
    EXPECT_FORMAT("[%5.0d][%+.0d][% .0d][%.0u][%.0x]", 0, 0, 0, 0u, 0u);
    EXPECT_FORMAT("[%.20d][%.15lld]", INT_MIN, LLONG_MIN);
}

UNIT_TEST(format_star_width_and_precision)
{
    EXPECT_FORMAT("[%*d][%*d][%-*d]", 6, 42, -6, 42, 6, 42);
    EXPECT_FORMAT("[%.*d][%.*d][%.*d]", 4, 42, 0, 0, -1, 42);
    EXPECT_FORMAT("[%*.*d][%-*.*x][%0*d]", 8, 5, -42, 8, 3, 0xfu, 7, -3);
    EXPECT_FORMAT("[%*s][%.*s][%*.*s]", 7, "abc", 2, "abcdef", -6, 3, "abcdef");
    EXPECT_FORMAT("[%*c]", 4, 'q');
}

UNIT_TEST(format_length_hh_and_h)
{
    EXPECT_FORMAT("%hhd %hhd %hhd %hhd", 127, 128, 200, -129);
    EXPECT_FORMAT("%hhu %hhx %hho %hhX", 255, 300, 511, 0x1ab);
    EXPECT_FORMAT("%hd %hd %hd", 32767, 32768, 70000);
    EXPECT_FORMAT("%hu %hx %ho", -1, 0x12345, 65536 + 8);
}

UNIT_TEST(format_length_l_and_ll)
{
    EXPECT_FORMAT("%ld %ld %ld", 0L, LONG_MAX, LONG_MIN);
    EXPECT_FORMAT("%lu %lx %lX %lo", ULONG_MAX, ULONG_MAX, 0xfedcba98UL, ULONG_MAX);
    EXPECT_FORMAT("%lld %lld %lld %lli", 0LL, LLONG_MAX, LLONG_MIN, -1LL);
    EXPECT_FORMAT("%llu %llx %llX %llo", ULLONG_MAX, ULLONG_MAX, 0x123456789abcdefULL,
                  ULLONG_MAX);
    EXPECT_FORMAT("[%+lld][% lld][%#llx][%#llo]", 1LL, 2LL, 0xffffffffffULL, 8ULL);
}

UNIT_TEST(format_length_z_t_j)
{
    EXPECT_FORMAT("%zu %zx %zu", SIZE_MAX, SIZE_MAX, (size_t)0);
    EXPECT_FORMAT("%zd %zd", (ssize_t)-1, (ssize_t)12345);
    EXPECT_FORMAT("%td %td", (ptrdiff_t)PTRDIFF_MIN, (ptrdiff_t)PTRDIFF_MAX);
    EXPECT_FORMAT("%jd %ju %jx", INTMAX_MIN, UINTMAX_MAX, UINTMAX_MAX);
}

UNIT_TEST(format_many_conversions_in_one_line)
{
    EXPECT_FORMAT("%s=%d (%#x) [%-6s] %c%c %5.1s %lld%% %u/%o %p", "key", -17, 0x2au, "ab",
                  'o', 'k', "zz", -99LL, 3u, 9u, (void *)0x10);
}

/*
 * Every combination of the signed flags, a width and a precision for %d and
 * %lld, including the ones where C ignores a flag ('0' with '-' or with a
 * precision, ' ' with '+'), which GCC refuses in a literal format.
 */
UNIT_TEST(format_signed_flag_width_precision_grid)
{
    static const char *const flags[] = { "", "-", "0", "+", " ", "-+", "0 ", "+0", "- ", "+ ", " +", "-0" };
    static const char *const sizes[] = { "", "1", "7", "22" };
    static const char *const precisions[] = { "", ".", ".0", ".1", ".5", ".21" };
    static const long long values[] = { 0, 1, -1, 123, -4567, INT_MAX, INT_MIN, LLONG_MIN };
    char format[32];
    for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
        for (size_t w = 0; w < sizeof(sizes) / sizeof(sizes[0]); w++)
            for (size_t p = 0; p < sizeof(precisions) / sizeof(precisions[0]); p++)
                for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
                    snprintf(format, sizeof(format), "[%%%s%s%sd]", flags[f], sizes[w],
                             precisions[p]);
                    if (values[v] >= INT_MIN && values[v] <= INT_MAX)
                        EXPECT_FORMAT(format, (int)values[v]);
                    snprintf(format, sizeof(format), "[%%%s%s%slld]", flags[f], sizes[w],
                             precisions[p]);
                    EXPECT_FORMAT(format, values[v]);
                }
}

/* Every combination of the unsigned flags, a width and a precision for %u %x %X %o. */
UNIT_TEST(format_unsigned_flag_width_precision_grid)
{
    static const char *const flags[] = { "", "-", "0", "#", "-#", "0#" };
    static const char *const sizes[] = { "", "1", "9", "14" };
    static const char *const precisions[] = { "", ".0", ".1", ".6", ".12" };
    static const char conversions[] = { 'u', 'x', 'X', 'o' };
    static const unsigned values[] = { 0, 1, 8, 0x7f, 0xdeadbeefu, UINT_MAX };
    char format[32];
    for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
        for (size_t w = 0; w < sizeof(sizes) / sizeof(sizes[0]); w++)
            for (size_t p = 0; p < sizeof(precisions) / sizeof(precisions[0]); p++)
                for (size_t c = 0; c < sizeof(conversions); c++) {
                    if (conversions[c] == 'u' && strchr(flags[f], '#'))
                        continue;   /* '#' is undefined for %u */
                    snprintf(format, sizeof(format), "[%%%s%s%s%c]", flags[f], sizes[w],
                             precisions[p], conversions[c]);
                    for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++)
                        EXPECT_FORMAT(format, values[v]);
                }
}

UNIT_TEST(format_truncation_into_small_buffers)
{
    for (size_t size = 1; size <= 14; size++) {
        EXPECT_FORMAT_SIZED(size, "hello");
        EXPECT_FORMAT_SIZED(size, "%#10x|", 0xbeefu);
        EXPECT_FORMAT_SIZED(size, "[%-8s]", "ab");
        EXPECT_FORMAT_SIZED(size, "%d", INT_MIN);
        EXPECT_FORMAT_SIZED(size, "%s%c%%", "abc", 'd');
    }
}

UNIT_TEST(format_truncation_keeps_full_length_and_terminates)
{
    char text[8];
    memset(text, 'x', sizeof(text));
    UNIT_EXPECT_INT_EQ(format_print(text, 4, "%s-%d", "abcdef", 12345), 12);
    UNIT_EXPECT_STR_EQ(text, "abc");
    UNIT_EXPECT(text[4] == 'x');
    memset(text, 'x', sizeof(text));
    UNIT_EXPECT_INT_EQ(format_print(text, 1, "%d", 7), 1);
    UNIT_EXPECT(text[0] == 0 && text[1] == 'x');
}

UNIT_TEST(format_size_zero_writes_nothing)
{
    char text[16];
    memset(text, 'x', sizeof(text));
    EXPECT_FORMAT_SIZED(0, "%s %d", "some text", 123);
    UNIT_EXPECT_INT_EQ(format_print(text, 0, "%s %d", "some text", 123), 13);
    UNIT_EXPECT(bytes_all_equal(text, sizeof(text), 'x'));
    UNIT_EXPECT_INT_EQ(format_print(NULL, 0, "%05d%s", 42, "abc"), 8);
}

static int format_through_va_list(char *buffer, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int format_through_va_list(char *buffer, size_t size, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    int length = format_string(buffer, size, format, arguments);
    va_end(arguments);
    return length;
}

UNIT_TEST(format_print_matches_format_string)
{
    char direct[64], through[64];
    int direct_length = format_print(direct, sizeof(direct), "%s|%-5d|%#o|%lld", "x", -3, 8u,
                                     LLONG_MAX);
    int through_length = format_through_va_list(through, sizeof(through), "%s|%-5d|%#o|%lld",
                                                "x", -3, 8u, LLONG_MAX);
    UNIT_EXPECT_STR_EQ(direct, "x|-3   |010|9223372036854775807");
    UNIT_EXPECT_STR_EQ(through, direct);
    UNIT_EXPECT_INT_EQ(direct_length, (int)strlen(direct));
    UNIT_EXPECT_INT_EQ(through_length, direct_length);
}

/* C: the '+' and ' ' flags affect signed conversions only; glibc ignores them elsewhere. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
UNIT_TEST(format_sign_flags_ignored_for_unsigned)
{
    EXPECT_FORMAT("[%+u][% u][%+x][% X][%+o][% o]", 5u, 5u, 5u, 5u, 5u, 5u);
}
#pragma GCC diagnostic pop
