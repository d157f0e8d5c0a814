/* Host-side stand-ins for what the kernel provides to the portable store code. */
#ifndef TOOLS_HOST_SHIM_H
#define TOOLS_HOST_SHIM_H

#include <stddef.h>

/* A zeroed block of size bytes, or NULL: the writer's zalloc on the host (kzalloc in the kernel). */
void *host_zalloc(size_t size);

#endif
