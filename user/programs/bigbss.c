/* bigbss: a program whose zeroed data alone is more pages than one checkpoint of the default store takes. */
#include <cairn/user.h>

/*
 * 8 MiB of BSS: 2,048 Pages made by one load, more than the 1,008 changed
 * objects a checkpoint of the 64 MiB image takes. The load is refused
 * (E_QUOTA, with a kernel line saying why) instead of waiting for ever; on a
 * big enough store it runs and says "bigbss: ran".
 */
static uint8_t big[8 << 20];

int main(void)
{
    big[sizeof(big) - 1] = 1;
    printf("bigbss: ran\n");
    return big[0];
}
