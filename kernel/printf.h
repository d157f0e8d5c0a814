/* printf-style formatting into a buffer, shared by the kernel log, user runtime and host tests. */
#ifndef KERNEL_PRINTF_H
#define KERNEL_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Supports %d %i %u %x %X %o %c %s %p %%, the flags '-' '0' ' ' '+' '#',
 * a width and a precision (both may be '*'), and the length modifiers
 * hh h l ll z t j. Writes at most size-1 characters plus a NUL (when
 * size > 0) and returns the length the whole output would have had.
 */
int format_string(char *buffer, size_t size, const char *format, va_list arguments);
int format_print(char *buffer, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#endif
