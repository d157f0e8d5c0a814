/* The host unit-test harness: test registration (UNIT_TEST) and the checks a test makes. */
#ifndef TESTS_UNIT_UNIT_H
#define TESTS_UNIT_UNIT_H

#include <stddef.h>

struct unit_test {
    const char *name;
    void (*run)(void);
    const char *known_bug;      /* NULL, or the kernel bug that makes this test fail until fixed */
    struct unit_test *next;     /* registration order */
};

/* Called by the constructors UNIT_TEST generates, before main. */
void unit_register(struct unit_test *test);

#define UNIT_TEST_DEFINE(name, known_bug)                                                   \
    static void unit_test_##name(void);                                                     \
    static struct unit_test unit_entry_##name = { #name, unit_test_##name, known_bug, NULL }; \
    __attribute__((constructor)) static void unit_register_##name(void)                     \
    {                                                                                       \
        unit_register(&unit_entry_##name);                                                  \
    }                                                                                       \
    static void unit_test_##name(void)

/* Defines and registers a test: UNIT_TEST(name) { ...checks... } */
#define UNIT_TEST(name) UNIT_TEST_DEFINE(name, NULL)

/*
 * A test that shows a known kernel bug: it is expected to fail, and the runner
 * reports it as a failure once it passes, so that the marker gets removed.
 */
#define UNIT_KNOWN_BUG(name, why) UNIT_TEST_DEFINE(name, why)

/* Records a failed check (printing file:line and the message); returns passed. */
int unit_check(int passed, const char *file, int line, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
int unit_check_int_equal(long long actual, long long expected, const char *actual_text,
                         const char *expected_text, const char *file, int line);
int unit_check_store_status(int actual, int expected, const char *actual_text, const char *file,
                            int line);
int unit_check_string_equal(const char *actual, const char *expected, const char *actual_text,
                            const char *expected_text, const char *file, int line);

#define UNIT_EXPECT(condition) \
    unit_check(!!(condition), __FILE__, __LINE__, "expected %s", #condition)
#define UNIT_EXPECT_INT_EQ(actual, expected)                                              \
    unit_check_int_equal((long long)(actual), (long long)(expected), #actual, #expected, \
                         __FILE__, __LINE__)
/* Compares two enum store_status values and names both when they differ. */
#define UNIT_EXPECT_STORE_STATUS(actual, expected) \
    unit_check_store_status((actual), (expected), #actual, __FILE__, __LINE__)
#define UNIT_EXPECT_STR_EQ(actual, expected) \
    unit_check_string_equal((actual), (expected), #actual, #expected, __FILE__, __LINE__)

/* Like UNIT_EXPECT, but ends the test (which must return void) when the check fails. */
#define UNIT_ASSERT(condition)          \
    do {                                \
        if (!UNIT_EXPECT(condition))    \
            return;                     \
    } while (0)

#endif
