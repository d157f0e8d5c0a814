/* CRC32C (Castagnoli), the checksum of every block of a Cairn image. */
#ifndef CHECKPOINT_CRC32C_H
#define CHECKPOINT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continues crc (start with 0) over length bytes. */
uint32_t crc32c_update(uint32_t crc, const void *data, size_t length);

static inline uint32_t crc32c(const void *data, size_t length)
{
    return crc32c_update(0, data, length);
}

#endif
