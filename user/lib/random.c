/* Pseudo-random numbers: Marsaglia's xorshift32, one sequence per process. */
#include <cairn/libc.h>

/* The generator's state; never 0, which xorshift would keep forever. */
static uint32_t random_state = 2463534242u;

void random_seed(uint32_t seed)
{
    random_state = seed ? seed : 2463534242u;
}

uint32_t random_next(void)
{
    uint32_t x = random_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    random_state = x;
    return x;
}

uint32_t random_below(uint32_t limit)
{
    return limit ? random_next() % limit : 0;
}
