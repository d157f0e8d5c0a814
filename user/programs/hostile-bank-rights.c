/* hostile-bank-rights: tries to get back more rights on a bank than it paid a program load with. */
#include <cairn/user.h>

/*
 * The attack of issue 15, item 2. This program keeps only WRITE on a copy
 * of its bank, has PROGRAM_LOAD build an embryo paid with that copy, then
 * sets the embryo up with its own code (it holds the embryo with every
 * right) and has it send back the bank capability the kernel put in the
 * embryo's slot 2. That capability must carry no right the payment lacked:
 * DESTROY with it must be refused. Prints "hostile-bank-rights: refused: ..."
 * when the kernel holds, "hostile-bank-rights: FAILED: ..." when not.
 */
enum { SLOT_WEAK = 8, SLOT_CHILD = 9, SLOT_ENDPOINT = 10, SLOT_RECEIVED = 11 };
enum { CHILD_SLOT_ENDPOINT = 8, CHILD_STACK_SIZE = 8192 };
#define PAID_RIGHTS CAIRN_RIGHT_WRITE

static uint8_t child_stack[CHILD_STACK_SIZE] __attribute__((aligned(16)));

/* Runs in the embryo: sends its slot 2 (the bank the load gave it) back, then stays: when it
 * ends, that bank goes (it is the bank the load made for it). */
static int child_send_bank(void *unused)
{
    (void)unused;
    struct cairn_message message = { .word = { 1, 0, 0, 0 } };
    cairn_send(CHILD_SLOT_ENDPOINT, &message, CAIRN_SLOT_BANK);
    for (;;)
        clock_sleep_ns(1000 * NS_PER_MS);
    return 0;
}

/* The embryo of `spin`, paid with a WRITE-only bank, made to run child_send_bank. */
static uint32_t hostile_prepare(void)
{
    static const char command[] = "spin";
    uint32_t status = cairn_cap_copy(CAIRN_SLOT_BANK, SLOT_WEAK);
    if (status == CAIRN_OK)
        status = cairn_cap_restrict(SLOT_WEAK, PAID_RIGHTS);
    if (status == CAIRN_OK)
        status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_ENDPOINT, SLOT_ENDPOINT);
    if (status == CAIRN_OK)
        status = cairn_program_load(SLOT_WEAK, command, sizeof(command) - 1, SLOT_CHILD);
    if (status == CAIRN_OK)
        status = cairn_process_setup(SLOT_CHILD, CAIRN_SLOT_SPACE, (uint32_t)cairn_process_entry,
                                     (uint32_t)(child_stack + CHILD_STACK_SIZE), USER_PRIORITY);
    if (status == CAIRN_OK)
        status = cairn_process_give(SLOT_CHILD, SLOT_ENDPOINT, CHILD_SLOT_ENDPOINT);
    if (status == CAIRN_OK)
        status = cairn_set_receive_slot(SLOT_RECEIVED);
    if (status == CAIRN_OK)
        status = cairn_process_start(SLOT_CHILD, (uint32_t)child_send_bank, 0);
    return status;
}

int main(void)
{
    uint32_t status = hostile_prepare();
    struct cairn_message message;
    if (status == CAIRN_OK)
        status = cairn_receive(SLOT_ENDPOINT, &message);
    struct cairn_cap_info info = { 0 };
    if (status == CAIRN_OK)
        status = cairn_cap_info(SLOT_RECEIVED, &info);
    if (status != CAIRN_OK || info.type != CAIRN_TYPE_BANK) {
        printf("hostile-bank-rights: FAILED to set the attack up: %s (type %u)\n",
               status_name(status), info.type);
        return 1;
    }
    uint32_t destroyed = cairn_destroy(SLOT_RECEIVED);
    if ((info.rights & ~(uint32_t)PAID_RIGHTS) || destroyed == CAIRN_OK) {
        printf("hostile-bank-rights: FAILED: paid with rights %#x, got a bank back with %#x; "
               "DESTROY answered %s\n", PAID_RIGHTS, info.rights, status_name(destroyed));
        return 1;
    }
    printf("hostile-bank-rights: refused: paid with rights %#x, the program's bank has %#x; "
           "DESTROY answered %s\n", PAID_RIGHTS, info.rights, status_name(destroyed));
    return 0;
}
