/* In-kernel tests: KTEST(name) registers a test; ktest_run reports KTAP over the console. */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

struct ktest_context {
    int failures;
};

struct ktest {
    const char *name;
    void (*run)(struct ktest_context *context);
    int needs_store;            /* runs after the store and the checkpoint writer are up */
};

#define KTEST_ENTRY(test_name, store)                                                 \
    static void ktest_##test_name(struct ktest_context *context);                     \
    static const struct ktest ktest_entry_##test_name                                 \
        __attribute__((used, section(".ktest_table"), aligned(4))) = {                \
            #test_name, ktest_##test_name, store };                                   \
    static void ktest_##test_name(struct ktest_context *context)

#define KTEST(test_name) KTEST_ENTRY(test_name, 0)
/* A test of the store or the checkpoints: boot it on an image with --snapshot (or a scratch
 * copy), by name; `ktest=all` leaves it out. */
#define KTEST_WITH_STORE(test_name) KTEST_ENTRY(test_name, 1)

/* Records a failure (with the condition, file and line) when condition is false. */
#define KTEST_EXPECT(condition) \
    ktest_expect(context, (condition) != 0, #condition, __FILE__, __LINE__)

void ktest_expect(struct ktest_context *context, int passed, const char *condition,
                  const char *file, int line);

/* Runs the tests selected by selection ("all", every test without a store, or comma-separated
 * names); returns failures. */
int ktest_run(const char *selection);
/* Does selection name a test that needs the store (so the store boots before the tests run)? */
int ktest_needs_store(const char *selection);

#endif
