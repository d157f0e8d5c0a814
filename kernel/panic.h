/* Broken kernel invariants: assert, bug() for known gaps, fatal() for real stops. */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

/* Exit statuses seen by the host through isa-debug-exit (tools/cairn-qemu). */
enum exit_status {
    EXIT_SUCCESS_STATUS = 0,    /* clean stop, all tests passed */
    EXIT_TEST_FAILURE = 1,      /* an in-kernel test failed */
    EXIT_FATAL = 2,             /* fatal(): a clear, expected stop (bad image, no disk...) */
    EXIT_PANIC = 3,             /* a kernel fault or broken invariant */
    EXIT_CUT = 4,               /* cut=: the machine stopped on purpose, as a power cut would */
};

void panic_at(const char *file, int line, const char *format, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
void fatal_at(const char *file, int line, const char *format, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)
#define fatal(...) fatal_at(__FILE__, __LINE__, __VA_ARGS__)
#define bug(what) panic_at(__FILE__, __LINE__, "not implemented: %s", what)
#define assert(condition) \
    do { if (!(condition)) panic_at(__FILE__, __LINE__, "assertion failed: %s", #condition); } while (0)

/* Stops the machine with status; never returns. */
void kernel_exit(int status) __attribute__((noreturn));

/* Prints pc, then a frame-pointer stack trace starting at frame_pointer, with symbol names. */
void panic_print_stack_trace_from(unsigned long pc, unsigned long frame_pointer);

#endif
