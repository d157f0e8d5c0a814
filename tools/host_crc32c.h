/* The host tools' CRC32C: the CPU's crc32 instruction where it has SSE4.2, else the tables. */
#ifndef TOOLS_HOST_CRC32C_H
#define TOOLS_HOST_CRC32C_H

#include "../checkpoint/crc32c.h"

/* The host CPU's own way, or NULL. */
crc32c_function *host_crc32c(void);
/* crc32c_use(host_crc32c()): what every tool does first. */
void host_crc32c_choose(void);

#endif
