/* spawn: starts 64 threads at once; each CALLs this process a few times through its own badged endpoint. */
#include <cairn/user.h>

/*
 * Child i (0..63) holds a capability to the one endpoint with badge i+1 and
 * sends CALLS_PER_CHILD messages {i, sequence, replies right so far, MAGIC};
 * each reply is {i, sequence+1}. The parent checks that every message's
 * badge matches its sender and that each child's sequences come in order.
 */
enum { CHILDREN = 64, CALLS_PER_CHILD = 3, CHILD_STACK_SIZE = 8192 };
enum { SLOT_ENDPOINT = 8, SLOT_CHILD = 9, SLOT_BADGED = 10 };
enum { CHILD_SLOT_ENDPOINT = 8 };           /* in each child's c-list */
#define SPAWN_MAGIC 0x5350574eu             /* "SPWN" */

/* Messages each child has sent so far, and whether any was out of place; index = badge-1. */
static uint32_t calls_seen[CHILDREN];
static int child_wrong[CHILDREN];

static int child_main(void *argument)
{
    uint32_t index = (uint32_t)argument;
    uint32_t replies_right = 1;
    for (uint32_t sequence = 0; sequence < CALLS_PER_CHILD; sequence++) {
        struct cairn_message request = { .word = { index, sequence, replies_right, SPAWN_MAGIC } };
        struct cairn_message reply;
        uint32_t status = cairn_call(CHILD_SLOT_ENDPOINT, &request, CAIRN_NO_SLOT, &reply);
        if (status != CAIRN_OK || reply.word[0] != index || reply.word[1] != sequence + 1)
            replies_right = 0;
    }
    return replies_right ? 0 : 1;
}

/* Makes child index with a badged endpoint capability and starts it, then drops its capability. */
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
    /* 64 children do not fit in the c-list; a started process runs on without our capability. */
    cairn_cap_delete(SLOT_CHILD);
    return status;
}

/* Records one message; the last message of a child also says whether all its replies were right. */
static void message_check(const struct cairn_message *message)
{
    uint32_t index = message->badge - 1;
    if (message->badge == 0 || message->badge > CHILDREN) {
        printf("spawn: message with unknown badge %u\n", message->badge);
        return;
    }
    uint32_t sequence = message->word[1];
    if (message->word[0] != index || sequence != calls_seen[index] ||
        message->word[3] != SPAWN_MAGIC)
        child_wrong[index] = 1;
    if (sequence == CALLS_PER_CHILD - 1 && !message->word[2])
        child_wrong[index] = 1;
    calls_seen[index]++;
}

/* Answers every expected call; the last gets a plain REPLY, so no receive is left waiting. */
static uint32_t serve(void)
{
    struct cairn_message message, reply = { .word = { 0 } };
    uint32_t status = cairn_receive(SLOT_ENDPOINT, &message);
    for (uint32_t served = 1; status == CAIRN_OK; served++) {
        message_check(&message);
        reply.word[0] = message.word[0];
        reply.word[1] = message.word[1] + 1;
        if (served == CHILDREN * CALLS_PER_CHILD)
            return cairn_reply(&reply, CAIRN_NO_SLOT);
        status = cairn_reply_receive(SLOT_ENDPOINT, &reply, CAIRN_NO_SLOT, &message);
    }
    return status;
}

static int results_report(void)
{
    uint32_t wrong = 0;
    for (uint32_t i = 0; i < CHILDREN; i++) {
        if (child_wrong[i] || calls_seen[i] != CALLS_PER_CHILD) {
            printf("spawn: child %u: %u of %u calls, %s\n", i, calls_seen[i], CALLS_PER_CHILD,
                   child_wrong[i] ? "out of order or wrong" : "in order");
            wrong++;
        }
    }
    if (wrong) {
        printf("spawn: FAILED: %u of %u children wrong\n", wrong, CHILDREN);
        return 1;
    }
    printf("spawn: %u processes done\n", CHILDREN);
    clock_sleep_ns(20 * NS_PER_MS);       /* lets the children finish exiting before we go */
    return 0;
}

int main(void)
{
    uint32_t status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_ENDPOINT, SLOT_ENDPOINT);
    for (uint32_t i = 0; i < CHILDREN && status == CAIRN_OK; i++) {
        status = child_spawn(i);
        if (status != CAIRN_OK)
            printf("spawn: FAILED to start child %u: %s\n", i, status_name(status));
    }
    if (status == CAIRN_OK)
        status = serve();
    if (status != CAIRN_OK) {
        printf("spawn: FAILED: %s\n", status_name(status));
        return 1;
    }
    return results_report();
}
