/* Host-side stand-ins for kernel functions: strlcpy (glibc 2.36 lacks it), kzalloc, panic. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kernel/panic.h>
#include <kernel/string.h>
#include "host_shim.h"

/* The store code's assert: a broken invariant of the caller's, never a disk's contents. */
void panic_at(const char *file, int line, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    fprintf(stderr, "panic at %s:%d: ", file, line);
    vfprintf(stderr, format, arguments);
    fprintf(stderr, "\n");
    va_end(arguments);
    abort();
}

size_t strlcpy(char *destination, const char *source, size_t size)
{
    size_t length = strlen(source);
    if (size) {
        size_t copied = length < size - 1 ? length : size - 1;
        memcpy(destination, source, copied);
        destination[copied] = 0;
    }
    return length;
}

void *host_zalloc(size_t size)
{
    return calloc(1, size);
}
