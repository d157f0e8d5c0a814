/* The host's CRC32C with SSE4.2's crc32 instruction, through GCC's builtins (host_crc32c.h). */
#include "host_crc32c.h"

#if defined(__x86_64__) || defined(__i386__)

__attribute__((target("sse4.2"))) static inline uint32_t step_byte(uint32_t crc, uint8_t byte)
{
    return __builtin_ia32_crc32qi(crc, byte);
}

__attribute__((target("sse4.2"))) static inline uint32_t step_word(uint32_t crc, uint32_t word)
{
    return __builtin_ia32_crc32si(crc, word);
}

__attribute__((target("sse4.2"))) static uint32_t host_crc32c_instruction(uint32_t crc,
                                                                          const void *data,
                                                                          size_t length)
{
    return crc32c_by_steps(crc, data, length, step_byte, step_word);
}

crc32c_function *host_crc32c(void)
{
    return __builtin_cpu_supports("sse4.2") ? host_crc32c_instruction : NULL;
}

#else

crc32c_function *host_crc32c(void)
{
    return NULL;
}

#endif

void host_crc32c_choose(void)
{
    crc32c_use(host_crc32c());
}
