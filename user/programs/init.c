/* init: starts every process the kernel prepared from run= (slots 8..), then idles blocked in RECEIVE. */
#include <cairn/user.h>

/*
 * No call tells init another process's name, so it comes from init's own
 * argv when the kernel puts the names there (argv = init name1 name2 ...);
 * otherwise the program is named by its slot.
 */
static void program_name(int argc, char **argv, uint32_t index, char *name, size_t size)
{
    if (index + 1 < (uint32_t)argc)
        strlcpy(name, argv[index + 1], size);
    else
        snprintf(name, size, "program %u (slot %u)", index + 1,
                 CAIRN_SLOT_FIRST_FREE + index);
}

static uint32_t start_programs(int argc, char **argv)
{
    uint32_t count = cairn_start_info->program_count;
    if (count > CAIRN_CLIST_SLOTS - CAIRN_SLOT_FIRST_FREE - 1)
        count = CAIRN_CLIST_SLOTS - CAIRN_SLOT_FIRST_FREE - 1;
    for (uint32_t i = 0; i < count; i++) {
        char name[48];
        program_name(argc, argv, i, name, sizeof name);
        uint32_t status = cairn_process_start(CAIRN_SLOT_FIRST_FREE + i, 0, 0);
        if (status == CAIRN_OK)
            printf("init: started %s\n", name);
        else
            printf("init: cannot start %s: %s\n", name, status_name(status));
    }
    return count;
}

/* Waits forever without using the CPU: on an endpoint nobody else holds, or else in long sleeps. */
static __attribute__((noreturn)) void idle(uint32_t endpoint_slot)
{
    if (cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_ENDPOINT, endpoint_slot) == CAIRN_OK) {
        struct cairn_message message;
        while (cairn_receive(endpoint_slot, &message) == CAIRN_OK)
            continue;
    }
    for (;;)
        clock_sleep_ns(1000 * NS_PER_MS);
}

int main(int argc, char **argv)
{
    uint32_t count = start_programs(argc, argv);
    idle(CAIRN_SLOT_FIRST_FREE + count);
}
