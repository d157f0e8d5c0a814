/* Host tests of kernel/options_parse.c: defaults, typed values, ranges, and the warnings for bad words. */
#include <stdio.h>
#include <string.h>
#include <kernel/options.h>
#include "unit.h"

enum { WARNINGS_KEPT = 8, WARNING_SIZE = 1024 };

static int flag_value;
static long count_value, offset_value, mask_value;
static char name_value[OPTION_STRING_SIZE], note_value[OPTION_STRING_SIZE];

static const struct option test_options[] = {
    { "flag", OPTION_BOOL, "off", 0, 0, "a switch", &flag_value },
    { "count", OPTION_INT, "10", 1, 1000, "a positive number", &count_value },
    { "offset", OPTION_INT, "-5", -50, 50, "a signed number", &offset_value },
    { "mask", OPTION_INT, "0x10", 0, 0xFFFF, "a hexadecimal number", &mask_value },
    { "name", OPTION_STRING, "cairn", 0, 0, "a text", name_value },
    { "note", OPTION_STRING, NULL, 0, 0, "a text without default", note_value },
};
enum { TEST_OPTION_COUNT = sizeof(test_options) / sizeof(test_options[0]) };

/* The warnings of the last parse, in order. */
static char warnings[WARNINGS_KEPT][WARNING_SIZE];
static int warning_count;

static void record_warning(const char *message)
{
    if (warning_count < WARNINGS_KEPT)
        snprintf(warnings[warning_count], WARNING_SIZE, "%s", message);
    warning_count++;
}

/* Fills the storage with junk, then applies the defaults, so each test starts the same. */
static void reset_options(void)
{
    flag_value = 7;
    count_value = offset_value = mask_value = 12345;
    memset(name_value, 'j', sizeof(name_value) - 1);
    memset(note_value, 'j', sizeof(note_value) - 1);
    options_set_defaults(test_options, TEST_OPTION_COUNT);
    warning_count = 0;
}

static int parse(const char *command_line)
{
    warning_count = 0;
    return options_parse(test_options, TEST_OPTION_COUNT, command_line, record_warning);
}

/* Was warning number index given, and does it name option in quotes? */
static int warning_names(int index, const char *option)
{
    char quoted[64];
    snprintf(quoted, sizeof(quoted), "'%s'", option);
    return index < warning_count && strstr(warnings[index], quoted) != NULL;
}

static void expect_defaults(const char *file, int line)
{
    unit_check(flag_value == 0, file, line, "flag is %d, default 0", flag_value);
    unit_check(count_value == 10, file, line, "count is %ld, default 10", count_value);
    unit_check(offset_value == -5, file, line, "offset is %ld, default -5", offset_value);
    unit_check(mask_value == 0x10, file, line, "mask is %ld, default 16", mask_value);
    unit_check(strcmp(name_value, "cairn") == 0, file, line, "name is '%s'", name_value);
    unit_check(note_value[0] == 0, file, line, "note is '%s', default empty", note_value);
}

#define EXPECT_DEFAULTS() expect_defaults(__FILE__, __LINE__)

UNIT_TEST(options_defaults_set_every_type)
{
    reset_options();
    EXPECT_DEFAULTS();
}

UNIT_TEST(options_empty_and_blank_lines_change_nothing)
{
    reset_options();
    UNIT_EXPECT_INT_EQ(parse(""), 0);
    UNIT_EXPECT_INT_EQ(parse("   \t \n "), 0);
    UNIT_EXPECT_INT_EQ(warning_count, 0);
    EXPECT_DEFAULTS();
}

UNIT_TEST(options_bool_bare_name_sets_it)
{
    reset_options();
    UNIT_EXPECT_INT_EQ(parse("flag"), 0);
    UNIT_EXPECT_INT_EQ(flag_value, 1);
}

UNIT_TEST(options_bool_words)
{
    static const struct { const char *word; int value; } cases[] = {
        { "flag=on", 1 }, { "flag=off", 0 }, { "flag=1", 1 }, { "flag=0", 0 },
        { "flag=yes", 1 }, { "flag=no", 0 }, { "flag=true", 1 }, { "flag=false", 0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        reset_options();
        flag_value = !cases[i].value;
        unit_check(parse(cases[i].word) == 0 && warning_count == 0, __FILE__, __LINE__,
                   "'%s' gave a warning", cases[i].word);
        unit_check(flag_value == cases[i].value, __FILE__, __LINE__, "'%s' gave flag=%d",
                   cases[i].word, flag_value);
    }
}

UNIT_TEST(options_bool_bad_value_warns_and_keeps_value)
{
    static const char *const lines[] = { "flag=maybe", "flag=", "flag=2", "flag=onn" };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        reset_options();
        flag_value = 1;
        unit_check(parse(lines[i]) == 1, __FILE__, __LINE__, "'%s' is not one warning",
                   lines[i]);
        UNIT_EXPECT(warning_names(0, "flag"));
        UNIT_EXPECT_INT_EQ(flag_value, 1);
    }
}

UNIT_TEST(options_int_decimal_hex_negative)
{
    reset_options();
    UNIT_EXPECT_INT_EQ(parse("count=250 mask=0xBEEF offset=-17"), 0);
    UNIT_EXPECT_INT_EQ(count_value, 250);
    UNIT_EXPECT_INT_EQ(mask_value, 0xBEEF);
    UNIT_EXPECT_INT_EQ(offset_value, -17);
    UNIT_EXPECT_INT_EQ(parse("mask=0Xff count=0x3e8 offset=-0x32"), 0);
    UNIT_EXPECT_INT_EQ(mask_value, 0xff);
    UNIT_EXPECT_INT_EQ(count_value, 1000);
    UNIT_EXPECT_INT_EQ(offset_value, -50);
}

UNIT_TEST(options_int_range_ends_are_inclusive)
{
    reset_options();
    UNIT_EXPECT_INT_EQ(parse("count=1 offset=50 mask=0"), 0);
    UNIT_EXPECT(count_value == 1 && offset_value == 50 && mask_value == 0);
    UNIT_EXPECT_INT_EQ(parse("count=1000 offset=-50 mask=65535"), 0);
    UNIT_EXPECT(count_value == 1000 && offset_value == -50 && mask_value == 65535);
}

UNIT_TEST(options_int_out_of_range_warns_and_keeps_value)
{
    static const char *const lines[] = { "count=0", "count=1001", "count=-1", "offset=51",
                                         "offset=-51", "mask=0x10000", "mask=-1" };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        reset_options();
        unit_check(parse(lines[i]) == 1, __FILE__, __LINE__, "'%s' is not one warning",
                   lines[i]);
        char option[16];
        snprintf(option, sizeof(option), "%.*s", (int)strcspn(lines[i], "="), lines[i]);
        unit_check(warning_names(0, option), __FILE__, __LINE__, "'%s': warning '%s'",
                   lines[i], warnings[0]);
        EXPECT_DEFAULTS();
    }
}

UNIT_TEST(options_int_malformed_and_overflowing_warn)
{
    static const char *const lines[] = {
        "count=abc", "count=12abc", "count=", "count=0x", "count=-", "count=+5", "count=1.5",
        "count=99999999999999999999", "count=4294967306", "mask=0x1g", "offset=--1",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        reset_options();
        unit_check(parse(lines[i]) == 1, __FILE__, __LINE__, "'%s' is not one warning",
                   lines[i]);
        UNIT_EXPECT(warning_names(0, "count") || warning_names(0, "mask") ||
                    warning_names(0, "offset"));
        EXPECT_DEFAULTS();
    }
}

UNIT_TEST(options_int_warning_gives_range_and_value)
{
    reset_options();
    UNIT_EXPECT_INT_EQ(parse("count=abc"), 1);
    UNIT_EXPECT_STR_EQ(warnings[0],
                       "option 'count' wants a whole number from 1 to 1000, got 'abc'; ignored");
}

UNIT_TEST(options_missing_value_for_int_and_string_warns)
{
    reset_options();
    UNIT_EXPECT_INT_EQ(parse("count"), 1);
    UNIT_EXPECT(warning_names(0, "count"));
    UNIT_EXPECT_INT_EQ(parse("name"), 1);
    UNIT_EXPECT(warning_names(0, "name"));
    EXPECT_DEFAULTS();
}

UNIT_TEST(options_string_value_stored)
{
    reset_options();
    UNIT_EXPECT_INT_EQ(parse("name=kernel note=a,b,c"), 0);
    UNIT_EXPECT_STR_EQ(name_value, "kernel");
    UNIT_EXPECT_STR_EQ(note_value, "a,b,c");
    UNIT_EXPECT_INT_EQ(parse("note=key=value"), 0);
    UNIT_EXPECT_STR_EQ(note_value, "key=value");
}

UNIT_TEST(options_string_longest_fits_and_one_more_warns)
{
    char line[OPTION_STRING_SIZE + 16], longest[OPTION_STRING_SIZE];
    memset(longest, 'a', OPTION_STRING_SIZE - 1);
    longest[OPTION_STRING_SIZE - 1] = 0;
    reset_options();
    snprintf(line, sizeof(line), "name=%s", longest);
    UNIT_EXPECT_INT_EQ(parse(line), 0);
    UNIT_EXPECT_STR_EQ(name_value, longest);
    reset_options();
    snprintf(line, sizeof(line), "name=%sb", longest);
    UNIT_EXPECT_INT_EQ(parse(line), 1);
    UNIT_EXPECT(warning_names(0, "name"));
    UNIT_EXPECT_STR_EQ(name_value, "cairn");
}

UNIT_TEST(options_word_longer_than_parser_buffer_warns)
{
    char line[1200];
    reset_options();
    int length = snprintf(line, sizeof(line), "name=");
    memset(line + length, 'z', 1000);
    snprintf(line + length + 1000, sizeof(line) - (size_t)length - 1000, " count=7");
    UNIT_EXPECT_INT_EQ(parse(line), 1);
    UNIT_EXPECT(warning_names(0, "name"));
    UNIT_EXPECT_STR_EQ(name_value, "cairn");
    UNIT_EXPECT_INT_EQ(count_value, 7);
    reset_options();    /* cut short, "offset=000...0" would be a valid 0 */
    length = snprintf(line, sizeof(line), "offset=");
    memset(line + length, '0', 600);
    snprintf(line + length + 600, sizeof(line) - (size_t)length - 600, "9");
    UNIT_EXPECT_INT_EQ(parse(line), 1);
    UNIT_EXPECT(warning_names(0, "offset"));
    UNIT_EXPECT_INT_EQ(offset_value, -5);
}

UNIT_TEST(options_unknown_option_warns_and_others_apply)
{
    reset_options();
    UNIT_EXPECT_INT_EQ(parse("count=7 bogus=1 flag name=x"), 1);
    UNIT_EXPECT_INT_EQ(warning_count, 1);
    UNIT_EXPECT(warning_names(0, "bogus"));
    UNIT_EXPECT_INT_EQ(count_value, 7);
    UNIT_EXPECT_INT_EQ(flag_value, 1);
    UNIT_EXPECT_STR_EQ(name_value, "x");
}

UNIT_TEST(options_names_match_exactly)
{
    reset_options();
    UNIT_EXPECT_INT_EQ(parse("Count=5 coun=5 counts=5 FLAG"), 4);
    EXPECT_DEFAULTS();
}

UNIT_TEST(options_warning_count_matches_warnings)
{
    reset_options();
    int returned = parse("bogus count=abc flag=maybe name note=ok offset=99 mask=0x20");
    UNIT_EXPECT_INT_EQ(returned, 5);
    UNIT_EXPECT_INT_EQ(warning_count, returned);
    UNIT_EXPECT(warning_names(0, "bogus"));
    UNIT_EXPECT(warning_names(1, "count"));
    UNIT_EXPECT(warning_names(2, "flag"));
    UNIT_EXPECT(warning_names(3, "name"));
    UNIT_EXPECT(warning_names(4, "offset"));
    UNIT_EXPECT_STR_EQ(note_value, "ok");
    UNIT_EXPECT_INT_EQ(mask_value, 0x20);
}

UNIT_TEST(options_null_warning_function_still_counts)
{
    reset_options();
    UNIT_EXPECT_INT_EQ(options_parse(test_options, TEST_OPTION_COUNT, "bogus count=0 flag", NULL),
                       2);
    UNIT_EXPECT_INT_EQ(flag_value, 1);
}

UNIT_TEST(options_later_word_wins_and_bad_word_keeps_earlier)
{
    reset_options();
    UNIT_EXPECT_INT_EQ(parse("count=3 count=4"), 0);
    UNIT_EXPECT_INT_EQ(count_value, 4);
    UNIT_EXPECT_INT_EQ(parse("count=5 count=abc"), 1);
    UNIT_EXPECT_INT_EQ(count_value, 5);
}

UNIT_TEST(options_words_separated_by_any_blank)
{
    reset_options();
    UNIT_EXPECT_INT_EQ(parse("  count=9\tflag\n\nname=tabbed   "), 0);
    UNIT_EXPECT_INT_EQ(count_value, 9);
    UNIT_EXPECT_INT_EQ(flag_value, 1);
    UNIT_EXPECT_STR_EQ(name_value, "tabbed");
}

UNIT_TEST(options_parse_long_accepts)
{
    static const struct { const char *text; long value; } cases[] = {
        { "0", 0 }, { "-0", 0 }, { "7", 7 }, { "007", 7 }, { "-42", -42 }, { "0x0", 0 },
        { "0x1f", 31 }, { "0X1F", 31 }, { "0xAbC", 0xabc }, { "-0x10", -16 },
        { "2147483647", 2147483647L }, { "-2147483647", -2147483647L },
        { "0x7fffffff", 0x7fffffffL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long value = 99;
        int ok = options_parse_long(cases[i].text, &value);
        unit_check(ok && value == cases[i].value, __FILE__, __LINE__,
                   "'%s' gave ok=%d value=%ld, want %ld", cases[i].text, ok, value,
                   cases[i].value);
    }
}

UNIT_TEST(options_parse_long_rejects_and_leaves_value)
{
    static const char *const texts[] = {
        "", "-", "0x", "-0x", "+5", " 5", "5 ", "1a", "0x1g", "--1", "0x-1", "1e3", "12.0",
        "2147483648", "0x80000000", "99999999999999999999999", "0xffffffffffffffff",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        long value = 99;
        int ok = options_parse_long(texts[i], &value);
        unit_check(!ok && value == 99, __FILE__, __LINE__, "'%s' gave ok=%d value=%ld",
                   texts[i], ok, value);
    }
}
