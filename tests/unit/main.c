/* The host unit-test runner: --list, --known-bugs, --run NAME, or every test with a summary. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "unit.h"
#include "checkpoint/store.h"

static struct unit_test *unit_first;
static struct unit_test **unit_last = &unit_first;
/* Checks that failed in the test now running. */
static int unit_failed_checks;

void unit_register(struct unit_test *test)
{
    *unit_last = test;
    unit_last = &test->next;
}

int unit_check(int passed, const char *file, int line, const char *format, ...)
{
    if (passed)
        return 1;
    unit_failed_checks++;
    printf("    # %s:%d: ", file, line);
    va_list arguments;
    va_start(arguments, format);
    vprintf(format, arguments);
    va_end(arguments);
    printf("\n");
    fflush(stdout);
    return 0;
}

int unit_check_int_equal(long long actual, long long expected, const char *actual_text,
                         const char *expected_text, const char *file, int line)
{
    return unit_check(actual == expected, file, line, "expected %s == %s, got %lld, want %lld",
                      actual_text, expected_text, actual, expected);
}

int unit_check_store_status(int actual, int expected, const char *actual_text, const char *file,
                            int line)
{
    return unit_check(actual == expected, file, line, "expected %s to be %s, got %s",
                      actual_text, store_status_name(expected), store_status_name(actual));
}

int unit_check_string_equal(const char *actual, const char *expected, const char *actual_text,
                            const char *expected_text, const char *file, int line)
{
    int equal = actual && expected ? strcmp(actual, expected) == 0 : actual == expected;
    return unit_check(equal, file, line, "expected %s == %s, got \"%s\", want \"%s\"",
                      actual_text, expected_text, actual ? actual : "(null)",
                      expected ? expected : "(null)");
}

static struct unit_test *unit_find(const char *name)
{
    for (struct unit_test *test = unit_first; test; test = test->next)
        if (strcmp(test->name, name) == 0)
            return test;
    return NULL;
}

/* Two tests of one name would make --run ambiguous. */
static int unit_names_unique(void)
{
    for (struct unit_test *test = unit_first; test; test = test->next) {
        if (unit_find(test->name) != test) {
            fprintf(stderr, "unit-tests: two tests are named '%s'\n", test->name);
            return 0;
        }
    }
    return 1;
}

/* Runs one test and prints its result line; returns 1 when it passed. */
static int unit_run_one(const struct unit_test *test)
{
    unit_failed_checks = 0;
    test->run();
    int passed = unit_failed_checks == 0;
    printf("%s - %s\n", passed ? "ok" : "not ok", test->name);
    fflush(stdout);
    return passed;
}

/* Runs every test; a known bug that still fails counts neither as passed nor as failed. */
static int unit_run_all(void)
{
    int passed = 0, failed = 0, known = 0;
    for (struct unit_test *test = unit_first; test; test = test->next) {
        int ok = unit_run_one(test);
        if (test->known_bug && !ok) {
            printf("# known bug, expected to fail: %s: %s\n", test->name, test->known_bug);
            known++;
        } else if (test->known_bug) {
            printf("# %s passes now: remove its UNIT_KNOWN_BUG marker\n", test->name);
            failed++;
        } else {
            passed += ok;
            failed += !ok;
        }
    }
    if (known)
        printf("# %d known bugs still fail\n", known);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

static void unit_print_usage(void)
{
    fprintf(stderr, "usage: unit-tests [--list | --known-bugs | --run NAME]\n"
                    "  (no argument: run every test, then print 'N passed, N failed')\n");
}

int main(int argc, char **argv)
{
    if (!unit_names_unique())
        return 2;
    if (argc == 1)
        return unit_run_all();
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (struct unit_test *test = unit_first; test; test = test->next)
            printf("%s\n", test->name);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--known-bugs") == 0) {
        for (struct unit_test *test = unit_first; test; test = test->next)
            if (test->known_bug)
                printf("%s\t%s\n", test->name, test->known_bug);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "--run") == 0) {
        struct unit_test *test = unit_find(argv[2]);
        if (!test) {
            fprintf(stderr, "unit-tests: no test named '%s' (see --list)\n", argv[2]);
            return 2;
        }
        return unit_run_one(test) ? 0 : 1;
    }
    unit_print_usage();
    return 2;
}
