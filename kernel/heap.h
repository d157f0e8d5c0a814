/* The kernel heap: small blocks from size-class pages, large ones from adjacent frames. */
#ifndef KERNEL_HEAP_H
#define KERNEL_HEAP_H

#include <stddef.h>

/* Returns zeroed memory, or NULL when memory is exhausted. */
void *kzalloc(size_t size);
void kfree(void *block);

/* Bytes handed out and not yet freed. */
size_t heap_bytes_in_use(void);

#endif
