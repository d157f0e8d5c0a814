/* The user runtime's small C library: strings, console printf, malloc, numbers, pseudo-random numbers. */
#ifndef CAIRN_USER_LIBC_H
#define CAIRN_USER_LIBC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* user/lib/string.c */
void *memcpy(void *destination, const void *source, size_t length);
void *memmove(void *destination, const void *source, size_t length);
void *memset(void *destination, int value, size_t length);
int memcmp(const void *a, const void *b, size_t length);
size_t strlen(const char *text);
size_t strnlen(const char *text, size_t limit);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t length);
char *strchr(const char *text, int c);
/* Copies at most size-1 bytes and always terminates; returns strlen(source). */
size_t strlcpy(char *destination, const char *source, size_t size);

/*
 * user/lib/print.c: formatting is kernel/printf.c (%d %u %x %s %c %p, widths,
 * l/ll/z). printf writes each call's text with one console write of at most
 * CAIRN_CONSOLE_WRITE_MAX bytes (longer text is cut), so lines from
 * different processes do not interleave mid-line. Returns the length written,
 * or -1 when the console refused it.
 */
int printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *format, va_list arguments);
int snprintf(char *buffer, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buffer, size_t size, const char *format, va_list arguments);
/* Writes text and a newline. */
int puts(const char *text);

/*
 * user/lib/malloc.c: a first-fit heap on pages mapped on demand from
 * USER_HEAP_START (cairn/process.h); it uses slots CAIRN_SLOT_SPACE,
 * CAIRN_SLOT_BANK and USER_SLOT_SCRATCH. Not thread-safe: processes that
 * share a space must leave malloc to one of them.
 */
void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void *realloc(void *block, size_t size);
void free(void *block);

/* user/lib/stdlib.c */
__attribute__((noreturn)) void exit(int status);
/* Bases 0 (decimal, 0x hexadecimal or 0 octal), 2..36; stops at the first invalid character. */
unsigned long strtoul(const char *text, char **end, int base);
int atoi(const char *text);

/* user/lib/random.c: xorshift32; the same seed gives the same sequence. */
void random_seed(uint32_t seed);
uint32_t random_next(void);
/* Uniform enough in 0 .. limit-1 (0 when limit is 0). */
uint32_t random_below(uint32_t limit);

#endif
