/* Memory and string primitives for the freestanding kernel. */
#include <stdint.h>
#include <arch/cpu.h>
#include <kernel/string.h>

/* Word at a time when both pointers are 4-byte aligned, which kernel structures are. */
void *memcpy(void *destination, const void *source, size_t length)
{
    unsigned char *d = destination;
    const unsigned char *s = source;
    if ((((uintptr_t)d | (uintptr_t)s) & 3) == 0) {
        cpu_copy_words(d, s, (uint32_t)(length / 4));
        d += length & ~(size_t)3;
        s += length & ~(size_t)3;
        length &= 3;
    }
    while (length--)
        *d++ = *s++;
    return destination;
}

void *memmove(void *destination, const void *source, size_t length)
{
    unsigned char *d = destination;
    const unsigned char *s = source;
    if (d < s) {
        while (length--)
            *d++ = *s++;
    } else {
        while (length--)
            d[length] = s[length];
    }
    return destination;
}

void *memset(void *destination, int value, size_t length)
{
    unsigned char *d = destination;
    if (((uintptr_t)d & 3) == 0) {
        cpu_fill_words(d, (unsigned char)value * 0x01010101u, (uint32_t)(length / 4));
        d += length & ~(size_t)3;
        length &= 3;
    }
    while (length--)
        *d++ = (unsigned char)value;
    return destination;
}

int memcmp(const void *a, const void *b, size_t length)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < length; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}

size_t strlen(const char *text)
{
    size_t length = 0;
    while (text[length])
        length++;
    return length;
}

size_t strnlen(const char *text, size_t limit)
{
    size_t length = 0;
    while (length < limit && text[length])
        length++;
    return length;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        if (a[i] != b[i] || !a[i])
            return (unsigned char)a[i] - (unsigned char)b[i];
    }
    return 0;
}

char *strchr(const char *text, int c)
{
    for (;; text++) {
        if (*text == (char)c)
            return (char *)text;
        if (!*text)
            return NULL;
    }
}

size_t strlcpy(char *destination, const char *source, size_t size)
{
    size_t length = strlen(source);
    if (size) {
        size_t copy = length < size - 1 ? length : size - 1;
        memcpy(destination, source, copy);
        destination[copy] = 0;
    }
    return length;
}

void *memchr(const void *block, int byte, size_t length)
{
    const unsigned char *bytes = block;
    for (size_t i = 0; i < length; i++)
        if (bytes[i] == (unsigned char)byte)
            return (void *)(bytes + i);
    return NULL;
}
