/* pingpong: CALL round trips from a child in its own address space; argv[1] = round trips (10000; 0: forever), or edges. */
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

/*
 * pingpong edges: CALL and REPLY_RECEIVE at the edges of the kernel's IPC
 * fast path (kernel/obj/endpoint.c), each answered as the general path
 * answers it. A server thread answers every CALL with {word 0 + 1, the badge it saw,
 * whether a capability came}. This process then checks, in order:
 *
 *   waiting:   a CALL before the server receives (it sleeps first) waits, then is answered
 *   fast:      2,000 round trips, each answer right
 *   badge:     a badged capability's badge reaches the server, an unbadged one gives 0
 *   carry:     a capability offered each way arrives (the general path carries it)
 *   refused:   an empty slot, a capability without SEND, a Bank, a slot out of range:
 *              E_EMPTY, E_NO_RIGHTS, E_WRONG_TYPE, E_BAD_SLOT, as always
 *   fairness:  a thread of the same priority that only yields runs at least once per
 *              round trip (it is ahead of the partner on the run queue)
 *   dead:      a caller destroyed while the server holds its reply: the reply goes nowhere,
 *              the server receives the next CALL and answers it
 *   destroyed: the endpoint destroyed under the waiting server: its RECEIVE fails
 */
enum {
    EDGE_SLOT_ENDPOINT = CAIRN_SLOT_FIRST_FREE, EDGE_SLOT_SERVER, EDGE_SLOT_BADGED,
    EDGE_SLOT_RESTRICTED, EDGE_SLOT_YIELDER, EDGE_SLOT_DOOMED, EDGE_SLOT_RECEIVED,
};
enum { SERVER_RECEIVE_SLOT = 20 };          /* in the server's c-list */
enum { ASK_ANSWER, ASK_HOLD, ASK_CAPABILITY_BACK };     /* word 1 of a request */
enum { STACK_SIZE = 16384, FAST_ROUND_TRIPS = 2000, FAIRNESS_ROUND_TRIPS = 200 };
enum { BADGE = 77, WAIT_YIELDS = 1000000 };

static struct thread server, yielder, doomed;
static volatile uint32_t server_holding, server_release, server_done, server_status;
static volatile uint32_t yields, yielder_stop;

static int server_main(void *argument)
{
    (void)argument;
    struct cairn_message message;
    cairn_set_receive_slot(SERVER_RECEIVE_SLOT);
    cairn_sleep_until(clock_now_ns() + 20000000);   /* a CALL comes before the RECEIVE */
    uint32_t status = cairn_receive(EDGE_SLOT_ENDPOINT, &message);
    while (status == CAIRN_OK) {
        struct cairn_message reply = { .word = { message.word[0] + 1, message.badge,
                                                 message.cap_arrived, 0 } };
        if (message.word[1] == ASK_HOLD) {
            server_holding = 1;
            while (!server_release)
                cairn_yield();
        }
        uint32_t offered = message.word[1] == ASK_CAPABILITY_BACK ? SERVER_RECEIVE_SLOT
                                                                  : CAIRN_NO_SLOT;
        status = cairn_reply_receive(EDGE_SLOT_ENDPOINT, &reply, offered, &message);
    }
    server_status = status;
    server_done = 1;
    return 0;
}

static int yielder_main(void *argument)
{
    (void)argument;
    while (!yielder_stop) {
        yields++;
        cairn_yield();
    }
    return 0;
}

/* A caller the server will hold, destroyed before it is answered. */
static int doomed_main(void *argument)
{
    (void)argument;
    struct cairn_message request = { .word = { 0, ASK_HOLD, 0, 0 } }, reply;
    cairn_call(EDGE_SLOT_ENDPOINT, &request, CAIRN_NO_SLOT, &reply);
    return 0;
}

static int failed(const char *what, uint32_t status)
{
    printf("pingpong: edges: FAILED %s: %s\n", what, status_name(status));
    return 1;
}

/* One CALL on slot asking for ask: its status, and the reply. */
static uint32_t ask(uint32_t slot, uint32_t word, uint32_t ask_for, uint32_t offered,
                    struct cairn_message *reply)
{
    struct cairn_message request = { .word = { word, ask_for, 0, 0 } };
    return cairn_call(slot, &request, offered, reply);
}

/* A CALL on slot whose answer must be right, with badge and capability as expected. */
static int ask_right(uint32_t slot, uint32_t word, uint32_t badge, uint32_t carried)
{
    struct cairn_message reply;
    uint32_t status = ask(slot, word, ASK_ANSWER, CAIRN_NO_SLOT, &reply);
    return status == CAIRN_OK && reply.word[0] == word + 1 && reply.word[1] == badge &&
           reply.word[2] == carried;
}

static int start_thread(struct thread *thread, uint32_t slot, int (*entry)(void *))
{
    uint32_t status = thread_create(thread, slot, STACK_SIZE);
    if (status == CAIRN_OK)
        status = cairn_process_give(slot, EDGE_SLOT_ENDPOINT, EDGE_SLOT_ENDPOINT);
    if (status == CAIRN_OK)
        status = thread_start(thread, entry, NULL);
    return status == CAIRN_OK;
}

static int wait_for(volatile uint32_t *flag)
{
    for (uint32_t i = 0; i < WAIT_YIELDS && !*flag; i++)
        cairn_yield();
    return *flag != 0;
}

static int check_answers(void)
{
    if (!start_thread(&server, EDGE_SLOT_SERVER, server_main))
        return failed("starting the server", CAIRN_OK);
    if (!ask_right(EDGE_SLOT_ENDPOINT, 1, 0, 0))
        return failed("waiting: a CALL before the RECEIVE", CAIRN_OK);
    for (uint32_t i = 0; i < FAST_ROUND_TRIPS; i++)
        if (!ask_right(EDGE_SLOT_ENDPOINT, i, 0, 0))
            return failed("fast: a wrong answer", i);
    uint32_t status = cairn_cap_badge(EDGE_SLOT_ENDPOINT, EDGE_SLOT_BADGED, BADGE);
    if (status != CAIRN_OK || !ask_right(EDGE_SLOT_BADGED, 5, BADGE, 0) ||
        !ask_right(EDGE_SLOT_ENDPOINT, 6, 0, 0))
        return failed("badge", status);
    struct cairn_message reply;
    cairn_set_receive_slot(EDGE_SLOT_RECEIVED);
    status = ask(EDGE_SLOT_ENDPOINT, 7, ASK_CAPABILITY_BACK, EDGE_SLOT_BADGED, &reply);
    struct cairn_cap_info info;
    if (status != CAIRN_OK || reply.word[2] != 1 || !reply.cap_arrived ||
        cairn_cap_info(EDGE_SLOT_RECEIVED, &info) != CAIRN_OK || info.badge != BADGE)
        return failed("carry", status);
    return 0;
}

static int check_refusals(void)
{
    struct cairn_message reply;
    uint32_t status = cairn_cap_delete(EDGE_SLOT_BADGED);
    if (status != CAIRN_OK || (status = ask(EDGE_SLOT_BADGED, 8, ASK_ANSWER, CAIRN_NO_SLOT, &reply)) !=
        CAIRN_E_EMPTY)
        return failed("refused: an empty slot", status);
    cairn_cap_copy(EDGE_SLOT_ENDPOINT, EDGE_SLOT_RESTRICTED);
    cairn_cap_restrict(EDGE_SLOT_RESTRICTED, CAIRN_RIGHT_RECEIVE);
    if ((status = ask(EDGE_SLOT_RESTRICTED, 9, ASK_ANSWER, CAIRN_NO_SLOT, &reply)) != CAIRN_E_NO_RIGHTS)
        return failed("refused: no SEND right", status);
    if ((status = ask(CAIRN_SLOT_BANK, 10, ASK_ANSWER, CAIRN_NO_SLOT, &reply)) !=
        CAIRN_E_WRONG_TYPE)
        return failed("refused: a Bank", status);
    if ((status = ask(CAIRN_CLIST_SLOTS, 11, ASK_ANSWER, CAIRN_NO_SLOT, &reply)) !=
        CAIRN_E_BAD_SLOT)
        return failed("refused: a slot out of range", status);
    if (!ask_right(EDGE_SLOT_ENDPOINT, 12, 0, 0))
        return failed("refused: the next CALL", CAIRN_OK);
    return 0;
}

static int check_fairness(void)
{
    if (!start_thread(&yielder, EDGE_SLOT_YIELDER, yielder_main))
        return failed("starting the yielder", CAIRN_OK);
    wait_for(&yields);
    uint32_t before = yields;
    for (uint32_t i = 0; i < FAIRNESS_ROUND_TRIPS; i++)
        if (!ask_right(EDGE_SLOT_ENDPOINT, i, 0, 0))
            return failed("fairness: a wrong answer", i);
    uint32_t ran = yields - before;
    yielder_stop = 1;
    if (ran < FAIRNESS_ROUND_TRIPS) {
        printf("pingpong: edges: FAILED fairness: the yielder ran %u times in %u round trips\n", ran,
               FAIRNESS_ROUND_TRIPS);
        return 1;
    }
    return 0;
}

static int check_dead_caller(void)
{
    if (!start_thread(&doomed, EDGE_SLOT_DOOMED, doomed_main) || !wait_for(&server_holding))
        return failed("dead: the held caller", CAIRN_OK);
    uint32_t status = cairn_destroy(EDGE_SLOT_DOOMED);
    server_release = 1;
    if (status != CAIRN_OK || !ask_right(EDGE_SLOT_ENDPOINT, 13, 0, 0))
        return failed("dead: the CALL after it", status);
    status = cairn_destroy(EDGE_SLOT_ENDPOINT);
    if (status != CAIRN_OK || !wait_for(&server_done) || server_status == CAIRN_OK)
        return failed("destroyed: the server's RECEIVE", status ? status : server_status);
    printf("pingpong: edges: the server's RECEIVE on a destroyed endpoint: %s\n",
           status_name(server_status));
    return 0;
}

/* pingpong edges: every check above in turn. */
static int edges_main(void)
{
    uint32_t status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_ENDPOINT, EDGE_SLOT_ENDPOINT);
    if (status != CAIRN_OK)
        return failed("creating the endpoint", status);
    if (check_answers() || check_refusals() || check_fairness() || check_dead_caller())
        return 1;
    printf("pingpong: edges: ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "edges") == 0)
        return edges_main();
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
