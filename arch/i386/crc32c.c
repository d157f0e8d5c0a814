/* CRC32C with SSE4.2's crc32 instruction, where CPUID offers it (kernel/main.c chooses). */
#include <arch/cpu.h>
#include <arch/platform.h>
#include <checkpoint/crc32c.h>

int platform_has_crc32c(void)
{
    uint32_t a, b, c, d;
    cpu_cpuid(1, &a, &b, &c, &d);
    return (c & CPUID_ECX_SSE4_2) != 0;
}

uint32_t platform_crc32c(uint32_t crc, const void *data, size_t length)
{
    return crc32c_by_steps(crc, data, length, cpu_crc32c_byte, cpu_crc32c_word);
}
