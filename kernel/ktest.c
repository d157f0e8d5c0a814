/* The in-kernel test runner: selects registered tests and reports each as one KTAP line. */
#include <kernel/klog.h>
#include <kernel/ktest.h>
#include <kernel/string.h>

extern const struct ktest ktest_table_start[], ktest_table_end[];

void ktest_expect(struct ktest_context *context, int passed, const char *condition,
                  const char *file, int line)
{
    if (passed)
        return;
    context->failures++;
    kprintf("    # %s:%d: expected %s\n", file, line, condition);
}

/* Is the test one of the comma-separated words of selection (or is selection "all" and the
 * test one that runs without a store)? */
static int ktest_selected(const char *selection, const struct ktest *test)
{
    if (strcmp(selection, "all") == 0)
        return !test->needs_store;
    const char *name = test->name;
    size_t length = strlen(name);
    for (const char *p = selection; *p;) {
        const char *end = strchr(p, ',');
        size_t word = end ? (size_t)(end - p) : strlen(p);
        if (word == length && strncmp(p, name, length) == 0)
            return 1;
        p += word + (end ? 1 : 0);
    }
    return 0;
}

int ktest_needs_store(const char *selection)
{
    for (const struct ktest *test = ktest_table_start; test < ktest_table_end; test++)
        if (test->needs_store && ktest_selected(selection, test))
            return 1;
    return 0;
}

int ktest_run(const char *selection)
{
    int planned = 0, number = 0, failed = 0;
    for (const struct ktest *test = ktest_table_start; test < ktest_table_end; test++)
        planned += ktest_selected(selection, test);
    kprintf("KTAP version 1\n1..%d\n", planned);
    for (const struct ktest *test = ktest_table_start; test < ktest_table_end; test++) {
        if (!ktest_selected(selection, test))
            continue;
        struct ktest_context context = { 0 };
        test->run(&context);
        number++;
        kprintf("%sok %d %s\n", context.failures ? "not " : "", number, test->name);
        failed += context.failures != 0;
    }
    kprintf("# ktest: %d passed, %d failed\n", number - failed, failed);
    if (planned == 0)
        klog(KLOG_WARNING, "ktest: no test matches '%s'", selection);
    return failed + (planned == 0);
}
