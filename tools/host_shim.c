/* Host-side stand-ins for kernel functions: strlcpy (glibc 2.36 lacks it) and kzalloc. */
#include <stdlib.h>
#include <string.h>
#include <kernel/string.h>
#include "host_shim.h"

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
