/* Memory and string primitives of the freestanding kernel (string.c), with the standard names. */
#ifndef KERNEL_STRING_H
#define KERNEL_STRING_H

#include <stddef.h>

void *memcpy(void *destination, const void *source, size_t length);
void *memmove(void *destination, const void *source, size_t length);
void *memchr(const void *block, int byte, size_t length);
void *memset(void *destination, int value, size_t length);
int memcmp(const void *a, const void *b, size_t length);
size_t strlen(const char *text);
size_t strnlen(const char *text, size_t limit);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t length);
char *strchr(const char *text, int c);
/* Copies at most size-1 bytes and always terminates; returns strlen(source). */
size_t strlcpy(char *destination, const char *source, size_t size);

#endif
