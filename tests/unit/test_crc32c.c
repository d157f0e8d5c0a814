/* Host tests of checkpoint/crc32c.c and tools/host_crc32c.c: the tables and the crc32
 * instruction give the same checksum, so an image is read alike on a CPU with SSE4.2 and on one
 * without (the kernel's own instruction is checked by ktest=crc32c_instruction_matches_table);
 * the known vectors are in test_store.c, checked both ways. */
#include <stdint.h>
#include <stdlib.h>
#include "checkpoint/crc32c.h"
#include "tools/host_crc32c.h"
#include "unit.h"

enum { BYTES = 9000, CHECK_VALUE = 0xE3069283 };     /* CRC32C("123456789"), published */

UNIT_TEST(crc32c_instruction_matches_the_tables)
{
    crc32c_function *instruction = host_crc32c();
    if (!instruction)
        return;                         /* a host without SSE4.2: nothing to compare */
    UNIT_EXPECT_INT_EQ(instruction(0, "123456789", 9), CHECK_VALUE);
    uint8_t *bytes = malloc(BYTES + 8);
    UNIT_ASSERT(bytes != NULL);
    srand(2026);
    for (size_t i = 0; i < BYTES + 8; i++)
        bytes[i] = (uint8_t)rand();
    int differing = 0;
    for (size_t start = 0; start < 8; start++)
        for (size_t length = 0; length <= BYTES; length += 1 + length / 16) {
            uint32_t seed = (uint32_t)rand();
            differing += instruction(seed, bytes + start, length) !=
                         crc32c_table_update(seed, bytes + start, length);
        }
    UNIT_EXPECT_INT_EQ(differing, 0);
    free(bytes);
}

UNIT_TEST(crc32c_uses_the_way_chosen)
{
    crc32c_use(NULL);
    UNIT_EXPECT(!crc32c_uses_cpu());
    UNIT_EXPECT_INT_EQ(crc32c("123456789", 9), CHECK_VALUE);
    host_crc32c_choose();
    UNIT_EXPECT_INT_EQ(crc32c_uses_cpu(), host_crc32c() != NULL);
    UNIT_EXPECT_INT_EQ(crc32c("123456789", 9), CHECK_VALUE);
}
