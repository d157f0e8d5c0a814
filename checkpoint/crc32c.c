/* CRC32C (Castagnoli, reflected polynomial 0x82F63B78): the tables' way, eight bytes at a time
 * ("slicing by 8"), and the choice between it and a CPU's own (crc32c.h). */
#include "crc32c.h"

static crc32c_function *cpu_way;     /* NULL: the tables */

uint32_t crc32c_update(uint32_t crc, const void *data, size_t length)
{
    return cpu_way ? cpu_way(crc, data, length) : crc32c_table_update(crc, data, length);
}

void crc32c_use(crc32c_function *way)
{
    cpu_way = way;
}

int crc32c_uses_cpu(void)
{
    return cpu_way != NULL;
}

/* crc32c_tables[k][b]: the CRC of byte b followed by k zero bytes. */
static uint32_t crc32c_tables[8][256];
static int crc32c_tables_ready;

static void crc32c_build_tables(void)
{
    for (uint32_t byte = 0; byte < 256; byte++) {
        uint32_t crc = byte;
        for (int bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (crc & 1 ? 0x82F63B78u : 0);
        crc32c_tables[0][byte] = crc;
    }
    for (uint32_t byte = 0; byte < 256; byte++)
        for (int k = 1; k < 8; k++)
            crc32c_tables[k][byte] = (crc32c_tables[k - 1][byte] >> 8) ^
                                     crc32c_tables[0][crc32c_tables[k - 1][byte] & 0xFF];
    crc32c_tables_ready = 1;
}

static uint32_t crc32c_bytes(uint32_t crc, const uint8_t *bytes, size_t length)
{
    while (length--)
        crc = (crc >> 8) ^ crc32c_tables[0][(crc ^ *bytes++) & 0xFF];
    return crc;
}

uint32_t crc32c_table_update(uint32_t crc, const void *data, size_t length)
{
    const uint8_t *bytes = data;
    if (!crc32c_tables_ready)
        crc32c_build_tables();
    crc = ~crc;
    size_t head = (8 - ((uintptr_t)bytes & 7)) & 7;
    if (head > length)
        head = length;
    crc = crc32c_bytes(crc, bytes, head);
    bytes += head;
    length -= head;
    for (; length >= 8; length -= 8, bytes += 8) {
        /* Little-endian loads, byte by byte so any alignment and host order work. */
        uint32_t low = crc ^ ((uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 |
                              (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24);
        crc = crc32c_tables[7][low & 0xFF] ^ crc32c_tables[6][(low >> 8) & 0xFF] ^
              crc32c_tables[5][(low >> 16) & 0xFF] ^ crc32c_tables[4][low >> 24] ^
              crc32c_tables[3][bytes[4]] ^ crc32c_tables[2][bytes[5]] ^
              crc32c_tables[1][bytes[6]] ^ crc32c_tables[0][bytes[7]];
    }
    return ~crc32c_bytes(crc, bytes, length);
}
