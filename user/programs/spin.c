/* spin: computes for ever without a system call, so that only the timer can take the CPU from it. */
#include <cairn/user.h>

int main(void)
{
    volatile uint32_t turns = 0;
    for (;;)
        turns++;
}
