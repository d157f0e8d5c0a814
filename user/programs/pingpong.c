/* pingpong: CALL round trips from a child in its own address space; argv[1] = round trips (10000; 0: forever). */
#include <cairn/user.h>

/*
 * The child CALLs with a counter, this process answers counter+1 with
 * REPLY_RECEIVE, and the child sends the answer back next time:
 *
 *   child:  CALL {PING, 0} ----> parent: checks 0, replies {PING, 1}
 *           CALL {PING, 1} ----> parent: checks 1, replies {PING, 2}  ...
 *           CALL {DONE, N, all replies were right} --> parent: checks, REPLY
 */
enum { SLOT_ENDPOINT = 8, SLOT_CHILD_SPACE = 9, SLOT_CHILD = 10 };
enum { CHILD_SLOT_ENDPOINT = 8 };           /* in the child's c-list */
enum { MESSAGE_PING = 1, MESSAGE_DONE = 2 };
enum { CHILD_STACK_PAGES = 4, DEFAULT_ROUND_TRIPS = 10000 };
enum { PROGRESS_EVERY = 10000 };            /* forever: a line "pingpong: at N" this often */

/* Runs in the child's space, from cairn_process_entry. */
static int child_main(void *argument)
{
    uint32_t round_trips = (uint32_t)argument;
    uint32_t value = 0, replies_right = 1;
    for (uint32_t i = 0; round_trips == 0 || i < round_trips; i++) {
        struct cairn_message request = { .word = { MESSAGE_PING, value, 0, 0 } }, reply;
        uint32_t status = cairn_call(CHILD_SLOT_ENDPOINT, &request, CAIRN_NO_SLOT, &reply);
        if (status != CAIRN_OK || reply.word[0] != MESSAGE_PING || reply.word[1] != value + 1)
            replies_right = 0;
        value++;
    }
    struct cairn_message done = { .word = { MESSAGE_DONE, value, replies_right, 0 } }, reply;
    cairn_call(CHILD_SLOT_ENDPOINT, &done, CAIRN_NO_SLOT, &reply);
    return replies_right ? 0 : 1;
}

static uint32_t child_start(uint32_t round_trips)
{
    uint32_t status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_SPACE, SLOT_CHILD_SPACE);
    if (status == CAIRN_OK)
        status = space_copy_image(SLOT_CHILD_SPACE, CHILD_STACK_PAGES);
    if (status == CAIRN_OK)
        status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_PROCESS, SLOT_CHILD);
    if (status == CAIRN_OK)
        status = cairn_process_setup(SLOT_CHILD, SLOT_CHILD_SPACE, (uint32_t)cairn_process_entry,
                                     CAIRN_STACK_TOP, USER_PRIORITY);
    if (status == CAIRN_OK)
        status = cairn_process_give(SLOT_CHILD, SLOT_ENDPOINT, CHILD_SLOT_ENDPOINT);
    if (status == CAIRN_OK)
        status = cairn_process_start(SLOT_CHILD, (uint32_t)child_main, round_trips);
    return status;
}

/* Answers PINGs until DONE; returns 1 if every counter was the one expected. */
static int serve(uint32_t round_trips, uint64_t *elapsed_ns)
{
    struct cairn_message message;
    uint32_t expected = 0, counters_right = 1;
    uint32_t status = cairn_receive(SLOT_ENDPOINT, &message);
    uint64_t start = clock_now_ns();
    while (status == CAIRN_OK && message.word[0] == MESSAGE_PING) {
        if (message.word[1] != expected)
            counters_right = 0;
        expected++;
        if (round_trips == 0 && expected % PROGRESS_EVERY == 0) {
            if (!counters_right) {
                printf("pingpong: FAILED: counter %u, expected %u\n", message.word[1],
                       expected - 1);
                return 0;
            }
            printf("pingpong: at %u\n", expected);
        }
        struct cairn_message reply = { .word = { MESSAGE_PING, message.word[1] + 1, 0, 0 } };
        status = cairn_reply_receive(SLOT_ENDPOINT, &reply, CAIRN_NO_SLOT, &message);
    }
    if (status != CAIRN_OK) {
        printf("pingpong: FAILED receiving after %u round trips: %s\n", expected,
               status_name(status));
        return 0;
    }
    *elapsed_ns = clock_now_ns() - start;
    struct cairn_message acknowledgement = { .word = { MESSAGE_DONE, 0, 0, 0 } };
    cairn_reply(&acknowledgement, CAIRN_NO_SLOT);
    if (message.word[0] != MESSAGE_DONE || message.word[1] != round_trips || !message.word[2] ||
        expected != round_trips || !counters_right) {
        printf("pingpong: FAILED: %u round trips seen, child counted %u, counters %s, replies %s\n",
               expected, message.word[1], counters_right ? "right" : "wrong",
               message.word[2] ? "right" : "wrong");
        return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    uint32_t round_trips = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : DEFAULT_ROUND_TRIPS;
    uint32_t status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_ENDPOINT, SLOT_ENDPOINT);
    if (status == CAIRN_OK)
        status = child_start(round_trips);
    if (status != CAIRN_OK) {
        printf("pingpong: FAILED to start the child: %s\n", status_name(status));
        return 1;
    }
    uint64_t elapsed_ns;
    if (!serve(round_trips, &elapsed_ns))
        return 1;
    printf("pingpong: %u round trips\n", round_trips);
    if (round_trips)
        printf("pingpong: %llu ns per round trip\n",
               (unsigned long long)(elapsed_ns / round_trips));
    return 0;
}
