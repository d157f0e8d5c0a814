/* The kernel's own log: formatted, leveled lines written to the console at once. */
#include <stdarg.h>
#include <kernel/console.h>
#include <kernel/klog.h>
#include <kernel/printf.h>

enum { LINE_SIZE = 512 };

long klog_threshold = KLOG_INFO;
unsigned long debug_flags;

static void kvprintf(const char *prefix, const char *format, va_list arguments)
{
    char line[LINE_SIZE];
    int length = 0;
    while (prefix[length])
        length++;
    format_print(line, sizeof(line), "%s", prefix);
    int body = format_string(line + length, sizeof(line) - (size_t)length, format, arguments);
    length += body;
    if (length > LINE_SIZE - 1)
        length = LINE_SIZE - 1;
    console_write(line, (size_t)length);
}

void kprintf(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    kvprintf("", format, arguments);
    va_end(arguments);
}

void klog(enum klog_level level, const char *format, ...)
{
    static const char *const prefixes[] = { "error: ", "warning: ", "", "debug: " };
    if ((long)level > klog_threshold)
        return;
    va_list arguments;
    va_start(arguments, format);
    kvprintf(prefixes[level], format, arguments);
    va_end(arguments);
    console_write("\n", 1);
}
