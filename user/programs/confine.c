/* confine: tries to reach what it holds no capability for; every attempt must be refused with the right status. */
#include <cairn/user.h>

/*
 * Each attempt is one system call with fixed registers, after an optional
 * preparation that makes the capability it misuses. Attempts that would
 * block if the kernel wrongly allowed them (SENDs) go to an endpoint on
 * which a helper thread waits in RECEIVE, so that a wrong answer shows up
 * as OK instead of a hang.
 */
enum {
    SLOT_ENDPOINT = 8, SLOT_PAGE = 9, SLOT_HELPER = 10, SLOT_COPY = 11,
    SLOT_DOOMED = 12, SLOT_EMPTY = 40,
};
enum { HELPER_SLOT_ENDPOINT = 8, HELPER_SLOT_RECEIVED = 9 };    /* in the helper's c-list */
enum { MESSAGE_PROBE = 1, MESSAGE_STOP = 2 };
#define KERNEL_ADDRESS 0x00100000u

/* Messages that reached the helper although they should have been refused. */
static volatile uint32_t helper_stray_messages;

static int helper_main(void *unused)
{
    (void)unused;
    struct cairn_message message;
    cairn_set_receive_slot(HELPER_SLOT_RECEIVED);
    while (cairn_receive(HELPER_SLOT_ENDPOINT, &message) == CAIRN_OK &&
           message.word[0] != MESSAGE_STOP)
        helper_stray_messages++;
    return 0;
}

/* A copy of from_slot in SLOT_COPY with only rights; the attempt then uses SLOT_COPY. */
static uint32_t copy_restricted(uint32_t from_slot, uint32_t rights)
{
    cairn_cap_delete(SLOT_COPY);
    uint32_t status = cairn_cap_copy(from_slot, SLOT_COPY);
    if (status == CAIRN_OK)
        status = cairn_cap_restrict(SLOT_COPY, rights);
    if (status != CAIRN_OK)
        printf("confine: setup: restricted copy of slot %u: %s\n", from_slot, status_name(status));
    return status;
}

/* Preparations: each leaves a capability in SLOT_COPY for the attempt's call to use. */
static uint32_t prepare_without_send(void)
{
    return copy_restricted(SLOT_ENDPOINT, CAIRN_RIGHTS_ALL & ~CAIRN_RIGHT_SEND);
}

static uint32_t prepare_send_only(void)
{
    return copy_restricted(SLOT_ENDPOINT, CAIRN_RIGHT_SEND);
}

static uint32_t prepare_without_destroy(void)
{
    return copy_restricted(SLOT_ENDPOINT, CAIRN_RIGHT_SEND | CAIRN_RIGHT_RECEIVE);
}

/* Restricting again with every right must not bring the dropped ones back. */
static uint32_t prepare_regained_rights(void)
{
    uint32_t status = copy_restricted(SLOT_ENDPOINT, CAIRN_RIGHT_SEND);
    if (status == CAIRN_OK)
        cairn_cap_restrict(SLOT_COPY, CAIRN_RIGHTS_ALL);
    return status;
}

static uint32_t prepare_nic_receive_only(void)
{
    return copy_restricted(CAIRN_SLOT_NIC, CAIRN_RIGHT_RECEIVE);
}

static uint32_t prepare_nic_send_only(void)
{
    return copy_restricted(CAIRN_SLOT_NIC, CAIRN_RIGHT_SEND);
}

static uint32_t prepare_read_only_page(void)
{
    return copy_restricted(SLOT_PAGE, CAIRN_RIGHT_READ);
}

static uint32_t prepare_read_only_space(void)
{
    return copy_restricted(CAIRN_SLOT_SPACE, CAIRN_RIGHT_READ);
}

/* Creates an object in SLOT_DOOMED, copies it to SLOT_COPY and destroys the original. */
static uint32_t make_stale_copy(uint32_t type)
{
    cairn_cap_delete(SLOT_COPY);
    uint32_t status = cairn_create(CAIRN_SLOT_BANK, type, SLOT_DOOMED);
    if (status == CAIRN_OK)
        status = cairn_cap_copy(SLOT_DOOMED, SLOT_COPY);
    if (status == CAIRN_OK)
        status = cairn_destroy(SLOT_DOOMED);
    cairn_cap_delete(SLOT_DOOMED);
    if (status != CAIRN_OK)
        printf("confine: setup: stale copy: %s\n", status_name(status));
    return status;
}

static uint32_t prepare_stale_endpoint(void)
{
    return make_stale_copy(CAIRN_TYPE_ENDPOINT);
}

static uint32_t prepare_stale_page(void)
{
    return make_stale_copy(CAIRN_TYPE_PAGE);
}

/* One attempt: an optional preparation, then one system call that must fail with expected. */
struct attempt {
    const char *what;
    uint32_t (*prepare)(void);
    struct cairn_registers call;
    uint32_t expected;
    uint32_t also_accepted;     /* a second status that is just as right; CAIRN_OK for none */
};

#define RW (CAIRN_RIGHT_READ | CAIRN_RIGHT_WRITE)
#define BANK CAIRN_SLOT_BANK
#define SPACE CAIRN_SLOT_SPACE
#define NONE CAIRN_NO_SLOT
#define FREE(n) (USER_FREE_START + (n) * CAIRN_PAGE_SIZE)
#define STATS_SIZE sizeof(struct cairn_stats)

static const struct attempt attempts[] = {
    { "cap info on an empty slot", NULL,
      { CAIRN_CAP_INFO, SLOT_EMPTY, 0, 0, 0, 0, 0 }, CAIRN_E_EMPTY, CAIRN_OK },
    { "send on an empty slot", NULL,
      { CAIRN_SEND, SLOT_EMPTY, MESSAGE_PROBE, 0, 0, 0, NONE }, CAIRN_E_EMPTY, CAIRN_OK },
    { "cap info on slot 64", NULL,
      { CAIRN_CAP_INFO, 64, 0, 0, 0, 0, 0 }, CAIRN_E_BAD_SLOT, CAIRN_OK },
    { "cap info on slot 1000", NULL,
      { CAIRN_CAP_INFO, 1000, 0, 0, 0, 0, 0 }, CAIRN_E_BAD_SLOT, CAIRN_OK },
    { "destroy slot 0xFFFFFFFF", NULL,
      { CAIRN_DESTROY, 0xFFFFFFFFu, 0, 0, 0, 0, 0 }, CAIRN_E_BAD_SLOT, CAIRN_OK },
    { "copy into slot 64", NULL,
      { CAIRN_CAP_COPY, SLOT_ENDPOINT, 64, 0, 0, 0, 0 }, CAIRN_E_BAD_SLOT, CAIRN_OK },
    { "create into slot 1000", NULL,
      { CAIRN_CREATE, BANK, CAIRN_TYPE_ENDPOINT, 1000, 0, 0, 0 }, CAIRN_E_BAD_SLOT, CAIRN_OK },
    { "send on a bank", NULL,
      { CAIRN_SEND, BANK, MESSAGE_PROBE, 0, 0, 0, NONE }, CAIRN_E_WRONG_TYPE, CAIRN_OK },
    { "map an endpoint as a page", NULL,
      { CAIRN_MAP, SPACE, FREE(0), SLOT_ENDPOINT, RW, BANK, 0 }, CAIRN_E_WRONG_TYPE, CAIRN_OK },
    { "map into a bank as a space", NULL,
      { CAIRN_MAP, BANK, FREE(1), SLOT_PAGE, RW, BANK, 0 }, CAIRN_E_WRONG_TYPE, CAIRN_OK },
    { "create from an endpoint as a bank", NULL,
      { CAIRN_CREATE, SLOT_ENDPOINT, CAIRN_TYPE_ENDPOINT, SLOT_EMPTY, 0, 0, 0 },
      CAIRN_E_WRONG_TYPE, CAIRN_OK },
    { "start a bank as a process", NULL,
      { CAIRN_PROCESS_START, BANK, 0, 0, 0, 0, 0 }, CAIRN_E_WRONG_TYPE, CAIRN_OK },
    { "badge a page", NULL,
      { CAIRN_CAP_BADGE, SLOT_PAGE, SLOT_EMPTY, 7, 0, 0, 0 }, CAIRN_E_WRONG_TYPE, CAIRN_OK },
    { "send without the send right", prepare_without_send,
      { CAIRN_SEND, SLOT_COPY, MESSAGE_PROBE, 0, 0, 0, NONE }, CAIRN_E_NO_RIGHTS, CAIRN_OK },
    { "send a capability without the grant right", prepare_send_only,
      { CAIRN_SEND, SLOT_COPY, MESSAGE_PROBE, 0, 0, 0, SLOT_PAGE }, CAIRN_E_NO_RIGHTS, CAIRN_OK },
    { "destroy without the destroy right", prepare_without_destroy,
      { CAIRN_DESTROY, SLOT_COPY, 0, 0, 0, 0, 0 }, CAIRN_E_NO_RIGHTS, CAIRN_OK },
    { "destroy after restricting back to all rights", prepare_regained_rights,
      { CAIRN_DESTROY, SLOT_COPY, 0, 0, 0, 0, 0 }, CAIRN_E_NO_RIGHTS, CAIRN_OK },
    { "map a read-only page writable", prepare_read_only_page,
      { CAIRN_MAP, SPACE, FREE(2), SLOT_COPY, RW, BANK, 0 }, CAIRN_E_NO_RIGHTS, CAIRN_OK },
    { "map into a read-only space", prepare_read_only_space,
      { CAIRN_MAP, SLOT_COPY, FREE(3), SLOT_PAGE, RW, BANK, 0 }, CAIRN_E_NO_RIGHTS, CAIRN_OK },
    { "destroy through a stale endpoint capability", prepare_stale_endpoint,
      { CAIRN_DESTROY, SLOT_COPY, 0, 0, 0, 0, 0 }, CAIRN_E_STALE, CAIRN_OK },
    { "map through a stale page capability", prepare_stale_page,
      { CAIRN_MAP, SPACE, FREE(4), SLOT_COPY, RW, BANK, 0 }, CAIRN_E_STALE, CAIRN_OK },
    { "map at kernel address 0x00100000", NULL,
      { CAIRN_MAP, SPACE, KERNEL_ADDRESS, SLOT_PAGE, RW, BANK, 0 },
      CAIRN_E_BAD_ADDRESS, CAIRN_E_BAD_ARGUMENT },
    { "map at address 0", NULL,
      { CAIRN_MAP, SPACE, 0, SLOT_PAGE, RW, BANK, 0 }, CAIRN_E_BAD_ADDRESS, CAIRN_E_BAD_ARGUMENT },
    { "map at 0x3FFFF000", NULL,
      { CAIRN_MAP, SPACE, CAIRN_USER_BASE - CAIRN_PAGE_SIZE, SLOT_PAGE, RW, BANK, 0 },
      CAIRN_E_BAD_ADDRESS, CAIRN_E_BAD_ARGUMENT },
    { "map at CAIRN_USER_END", NULL,
      { CAIRN_MAP, SPACE, CAIRN_USER_END, SLOT_PAGE, RW, BANK, 0 },
      CAIRN_E_BAD_ADDRESS, CAIRN_E_BAD_ARGUMENT },
    { "unmap kernel address 0x00100000", NULL,
      { CAIRN_UNMAP, SPACE, KERNEL_ADDRESS, 0, 0, 0, 0 },
      CAIRN_E_BAD_ADDRESS, CAIRN_E_BAD_ARGUMENT },
    { "console write from a kernel address", NULL,
      { CAIRN_CONSOLE_WRITE, KERNEL_ADDRESS, 16, 0, 0, 0, 0 }, CAIRN_E_BAD_ADDRESS, CAIRN_OK },
    { "console write from an unmapped address", NULL,
      { CAIRN_CONSOLE_WRITE, USER_UNMAPPED_ADDRESS, 16, 0, 0, 0, 0 },
      CAIRN_E_BAD_ADDRESS, CAIRN_OK },
    { "console write across the stack top", NULL,
      { CAIRN_CONSOLE_WRITE, CAIRN_STACK_TOP - 8, 16, 0, 0, 0, 0 }, CAIRN_E_BAD_ADDRESS, CAIRN_OK },
    { "stats into read-only text", NULL,
      { CAIRN_STATS, (uint32_t)user_image_start, STATS_SIZE, 0, 0, 0, 0 },
      CAIRN_E_BAD_ADDRESS, CAIRN_OK },
    { "stats into kernel memory", NULL,
      { CAIRN_STATS, KERNEL_ADDRESS, STATS_SIZE, 0, 0, 0, 0 }, CAIRN_E_BAD_ADDRESS, CAIRN_OK },
    { "create a second NIC", NULL,
      { CAIRN_CREATE, BANK, CAIRN_TYPE_NIC, SLOT_EMPTY, 0, 0, 0 }, CAIRN_E_BAD_ARGUMENT, CAIRN_OK },
    { "destroy the system's NIC", NULL,
      { CAIRN_DESTROY, CAIRN_SLOT_NIC, 0, 0, 0, 0, 0 }, CAIRN_E_NO_RIGHTS, CAIRN_OK },
    { "nic send on an endpoint", NULL,
      { CAIRN_NIC_SEND, SLOT_ENDPOINT, FREE(0), 60, 0, 0, 0 }, CAIRN_E_WRONG_TYPE, CAIRN_OK },
    { "nic send without the send right", prepare_nic_receive_only,
      { CAIRN_NIC_SEND, SLOT_COPY, (uint32_t)user_image_start, 60, 0, 0, 0 },
      CAIRN_E_NO_RIGHTS, CAIRN_OK },
    { "nic receive without the receive right", prepare_nic_send_only,
      { CAIRN_NIC_RECEIVE, SLOT_COPY, KERNEL_ADDRESS, CAIRN_NIC_FRAME_MAX, 0, 0, 0 },
      CAIRN_E_NO_RIGHTS, CAIRN_OK },
    { "nic info into kernel memory", NULL,
      { CAIRN_NIC_INFO, CAIRN_SLOT_NIC, KERNEL_ADDRESS, sizeof(struct cairn_nic_info), 0, 0, 0 },
      CAIRN_E_BAD_ADDRESS, CAIRN_OK },
};

enum { ATTEMPTS = sizeof attempts / sizeof attempts[0] };

/* Runs one attempt and prints its line; returns 1 if it was refused as expected. */
static int attempt_run(const struct attempt *attempt)
{
    if (attempt->prepare && attempt->prepare() != CAIRN_OK) {
        printf("confine: NOT tried (setup failed): %s\n", attempt->what);
        return 0;
    }
    struct cairn_registers registers = attempt->call;
    uint32_t status = cairn_syscall(&registers);
    int refused = status != CAIRN_OK &&
                  (status == attempt->expected || status == attempt->also_accepted);
    if (refused) {
        printf("confine: refused %s: %s\n", attempt->what, status_name(status));
        return 1;
    }
    printf("confine: NOT refused as expected: %s: %s (expected %s%s%s)\n", attempt->what,
           status_name(status), status_name(attempt->expected),
           attempt->also_accepted != CAIRN_OK ? " or " : "",
           attempt->also_accepted != CAIRN_OK ? status_name(attempt->also_accepted) : "");
    return 0;
}

/* The endpoint, the page and the helper thread receiving on the endpoint. */
static uint32_t setup(void)
{
    struct thread helper;
    uint32_t status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_ENDPOINT, SLOT_ENDPOINT);
    if (status == CAIRN_OK)
        status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_PAGE, SLOT_PAGE);
    if (status == CAIRN_OK)
        status = thread_create(&helper, SLOT_HELPER, 8192);
    if (status == CAIRN_OK)
        status = cairn_process_give(SLOT_HELPER, SLOT_ENDPOINT, HELPER_SLOT_ENDPOINT);
    if (status == CAIRN_OK)
        status = thread_start(&helper, helper_main, NULL);
    return status;
}

int main(void)
{
    uint32_t status = setup();
    if (status != CAIRN_OK) {
        printf("confine: FAILED setup: %s\n", status_name(status));
        return 1;
    }
    uint32_t refused = 0;
    for (uint32_t i = 0; i < ATTEMPTS; i++)
        refused += attempt_run(&attempts[i]);
    struct cairn_message stop = { .word = { MESSAGE_STOP, 0, 0, 0 } };
    cairn_send(SLOT_ENDPOINT, &stop, CAIRN_NO_SLOT);
    if (refused != ATTEMPTS || helper_stray_messages) {
        printf("confine: FAILED %u of %u attempts not refused as expected, %u stray messages\n",
               ATTEMPTS - refused, ATTEMPTS, helper_stray_messages);
        return 1;
    }
    printf("confine: all %u attempts refused\n", ATTEMPTS);
    return 0;
}
