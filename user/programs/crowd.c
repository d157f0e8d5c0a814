/* crowd:N: starts N threads (default 2000) that stay alive, and counts them again after every restart. */
#include <cairn/user.h>

/*
 * Each child holds the one endpoint badged with its index + 1 and CALLs it
 * forever: a child is always queued on the endpoint or waiting for its
 * reply. A round is the parent receiving calls until it has heard every
 * badge once (a child answered early may call again; it counts once).
 * The parent runs a round after starting the children and again whenever
 * the restart counter moves, and prints how many answered. Nothing here
 * saves anything: the children come back only if the kernel resumes them.
 */
enum { CHILDREN_DEFAULT = 2000, CHILDREN_MAX = 8192, CHILD_STACK_SIZE = 1024 };
enum { SLOT_ENDPOINT = 8, SLOT_CHILD = 9, SLOT_BADGED = 10 };
enum { CHILD_SLOT_ENDPOINT = 8 };           /* in each child's c-list */
enum { POLL_MS = 50 };

static uint8_t heard[CHILDREN_MAX];         /* index = badge - 1: answered in this round */

static int child_main(void *argument)
{
    struct cairn_message request = { .word = { (uint32_t)argument, 0, 0, 0 } }, reply;
    while (cairn_call(CHILD_SLOT_ENDPOINT, &request, CAIRN_NO_SLOT, &reply) == CAIRN_OK)
        continue;
    return 1;
}

/* Makes child index with its badged endpoint capability and starts it (we keep no capability). */
static uint32_t child_spawn(uint32_t index)
{
    struct thread thread;
    uint32_t status = thread_create(&thread, SLOT_CHILD, CHILD_STACK_SIZE);
    if (status == CAIRN_OK)
        status = cairn_cap_badge(SLOT_ENDPOINT, SLOT_BADGED, index + 1);
    if (status == CAIRN_OK)
        status = cairn_process_give(SLOT_CHILD, SLOT_BADGED, CHILD_SLOT_ENDPOINT);
    cairn_cap_delete(SLOT_BADGED);
    if (status == CAIRN_OK)
        status = thread_start(&thread, child_main, (void *)index);
    cairn_cap_delete(SLOT_CHILD);
    return status;
}

/* Receives calls until every child of children has called once; returns how many did. */
static uint32_t round_count(uint32_t children)
{
    struct cairn_message message, reply = { .word = { 0 } };
    memset(heard, 0, sizeof heard);
    uint32_t distinct = 0;
    uint32_t status = cairn_receive(SLOT_ENDPOINT, &message);
    while (status == CAIRN_OK) {
        uint32_t index = message.badge - 1;
        if (message.badge >= 1 && index < children && !heard[index]) {
            heard[index] = 1;
            distinct++;
        }
        if (distinct == children)
            break;
        status = cairn_reply_receive(SLOT_ENDPOINT, &reply, CAIRN_NO_SLOT, &message);
    }
    if (status != CAIRN_OK)
        printf("crowd: receive failed: %s\n", status_name(status));
    else
        cairn_reply(&reply, CAIRN_NO_SLOT);
    return distinct;
}

static uint32_t restart_count(void)
{
    struct cairn_stats stats;
    return cairn_stats(&stats) == CAIRN_OK ? stats.restart_count : 0;
}

static uint32_t children_wanted(int argc, char **argv)
{
    uint32_t wanted = argc > 1 ? (uint32_t)atoi(argv[1]) : CHILDREN_DEFAULT;
    return wanted == 0 || wanted > CHILDREN_MAX ? CHILDREN_DEFAULT : wanted;
}

int main(int argc, char **argv)
{
    uint32_t children = children_wanted(argc, argv);
    uint32_t status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_ENDPOINT, SLOT_ENDPOINT);
    uint32_t started = 0;
    for (; started < children && status == CAIRN_OK; started++)
        status = child_spawn(started);
    if (status != CAIRN_OK) {
        printf("crowd: FAILED to start child %u: %s\n", started - 1, status_name(status));
        return 1;
    }
    printf("crowd: %u children started, %u answered\n", children, round_count(children));
    uint32_t seen = restart_count();
    for (;;) {
        clock_sleep_ns(POLL_MS * NS_PER_MS);
        uint32_t now = restart_count();
        if (now == seen)
            continue;
        seen = now;
        printf("crowd: after restart %u, %u of %u children answered\n", now,
               round_count(children), children);
    }
}
