/*
 * CRC32C (Castagnoli), the checksum of every block of a Cairn image, two
 * ways: from tables, eight bytes a step (portable, any CPU), or with the
 * CPU's own instruction where it has one (SSE4.2's crc32 on x86: the kernel's
 * is arch/i386/crc32c.c, the host tools' tools/host_crc32c.c). Both give the
 * same value for the same bytes, so an image written on one CPU is read on
 * the other; a host unit test and ktest=crc32c_instruction_matches_table
 * check it.
 */
#ifndef CHECKPOINT_CRC32C_H
#define CHECKPOINT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t crc32c_function(uint32_t crc, const void *data, size_t length);

/* Continues crc (start with 0) over length bytes, the way crc32c_use chose (tables until
 * then). */
uint32_t crc32c_update(uint32_t crc, const void *data, size_t length);

static inline uint32_t crc32c(const void *data, size_t length)
{
    return crc32c_update(0, data, length);
}

/* From now on crc32c_update is cpu_way (the CPU's own), or the tables when NULL. */
void crc32c_use(crc32c_function *cpu_way);
int crc32c_uses_cpu(void);

/* The tables' way, always (for tests that compare). */
uint32_t crc32c_table_update(uint32_t crc, const void *data, size_t length);

/*
 * The loop of a CPU's way, over its two instructions (the CRC of crc followed by one byte,
 * or by four bytes in little-endian order): bytes up to a 4-byte boundary, words four at a
 * time (the loop's own compare and branch would otherwise cost as much as the CRC
 * instruction itself), words, the rest. Inlined with the caller's steps.
 */
static inline __attribute__((always_inline)) uint32_t
crc32c_by_steps(uint32_t crc, const void *data, size_t length,
                uint32_t (*step_byte)(uint32_t, uint8_t), uint32_t (*step_word)(uint32_t, uint32_t))
{
    const uint8_t *bytes = data;
    crc = ~crc;
    for (; length && ((uintptr_t)bytes & 3); length--)
        crc = step_byte(crc, *bytes++);
    for (; length >= 16; length -= 16, bytes += 16) {
        uint32_t first, second, third, fourth;     /* aligned: each one load (an array
                                                       would be copied to the stack) */
        __builtin_memcpy(&first, bytes, 4);
        __builtin_memcpy(&second, bytes + 4, 4);
        __builtin_memcpy(&third, bytes + 8, 4);
        __builtin_memcpy(&fourth, bytes + 12, 4);
        crc = step_word(step_word(step_word(step_word(crc, first), second), third), fourth);
    }
    for (; length >= 4; length -= 4, bytes += 4) {
        uint32_t word;
        __builtin_memcpy(&word, bytes, sizeof(word));      /* aligned: one load */
        crc = step_word(crc, word);
    }
    for (; length; length--)
        crc = step_byte(crc, *bytes++);
    return ~crc;
}

#endif
