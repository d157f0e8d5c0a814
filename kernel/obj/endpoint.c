/*
 * Endpoints and IPC: SEND, RECEIVE, CALL, REPLY, REPLY_RECEIVE, WAIT_REPLY.
 *
 * A message is four words (REGISTER_MESSAGE_FIRST ... _LAST) and at most one
 * capability (its slot in REGISTER_MESSAGE_CAP; arch/abi_registers.h).
 * Everything a waiting partner wants to send is still in its saved registers,
 * because a blocked call is rewound to its trap with its inputs intact; so
 * whoever arrives second completes both calls at once (the one that arrives
 * second decodes the call of both and invokes the transfer).
 * Queued partners are checked again when they are reached: if what they
 * asked for no longer holds, they are woken to re-execute and get their
 * error themselves.
 *
 *   caller C: CALL ----(send phase)----> eax := WAIT_REPLY, blocked
 *   server S: RECEIVE <- words, S.reply_to := (C, C.call_cookie)
 *   server S: REPLY -> C's results set, eip past the trap, C ready
 */
#include <stddef.h>
#include <kernel/heap.h>
#include <kernel/obj/objects.h>
#include <kernel/panic.h>
#include <kernel/process.h>
#include <kernel/reclaim.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/syscall.h>

struct endpoint *endpoint_create(void)
{
    return (struct endpoint *)object_create(CAIRN_TYPE_ENDPOINT, sizeof(struct endpoint));
}

static void queue_append(struct process **head, struct process **tail, struct process *process)
{
    process->queue_next = NULL;
    if (*tail)
        (*tail)->queue_next = process;
    else
        *head = process;
    *tail = process;
}

static void queue_remove(struct process **head, struct process **tail, struct process *process)
{
    struct process *previous = NULL;
    for (struct process *p = *head; p; previous = p, p = p->queue_next) {
        if (p != process)
            continue;
        if (previous)
            previous->queue_next = p->queue_next;
        else
            *head = p->queue_next;
        if (*tail == p)
            *tail = previous;
        p->queue_next = NULL;
        return;
    }
}

void endpoint_remove_waiter(struct endpoint *endpoint, struct process *process)
{
    queue_remove(&endpoint->senders, &endpoint->senders_tail, process);
    queue_remove(&endpoint->receivers, &endpoint->receivers_tail, process);
}

/* DESTROY or a reclaim: its units back; its waiters run their calls again and find it gone. */
static void endpoint_destroy(struct object *object)
{
    struct endpoint *endpoint = (struct endpoint *)object;
    bank_refund(object);
    struct process *queues[2] = { endpoint->senders, endpoint->receivers };
    for (int q = 0; q < 2; q++) {
        for (struct process *p = queues[q], *next; p; p = next) {
            next = p->queue_next;
            p->waiting_on = NULL;
            sched_wake(p);      /* it re-executes and finds its capability stale */
        }
    }
    object_free(&endpoint->object);
}

static struct object *endpoint_make(struct bank *bank, uint32_t limit)
{
    (void)bank;
    (void)limit;
    return (struct object *)endpoint_create();
}

/* A stored Endpoint: its record has no body, and its queues start empty. */
static struct object *endpoint_from_record(const struct cairn_object_record *record,
                                           const char **damage)
{
    (void)record;
    (void)damage;
    return kzalloc(sizeof(struct endpoint));
}

/* Nothing to stage and no fields in its record: the record says only that it exists. */
const struct object_ops endpoint_ops = {
    .make = endpoint_make,
    .destroy = endpoint_destroy,
    .from_record = endpoint_from_record,
};

/* The endpoint a process's call names, if its capability still has rights. */
static struct endpoint *ipc_endpoint_of(struct process *process, uint8_t rights,
                                        uint32_t *badge, int *status)
{
    struct capability *cap = process_slot(process,
                                          context_get(&process->context, REGISTER_ENDPOINT));
    struct object *object;
    if (!cap) {
        *status = CAIRN_E_BAD_SLOT;
        return NULL;
    }
    *status = capability_resolve(cap, CAIRN_TYPE_ENDPOINT, rights, &object);
    if (*status != CAIRN_OK)
        return NULL;
    *badge = cap->badge;
    return (struct endpoint *)object;
}

/* Checks the capability a sender offers: CAIRN_OK when none or usable. */
static int ipc_check_offered_cap(struct process *sender, const struct capability *endpoint_cap)
{
    uint32_t slot = context_get(&sender->context, REGISTER_MESSAGE_CAP);
    if (slot == CAIRN_NO_SLOT)
        return CAIRN_OK;
    if (!process_slot(sender, slot))
        return CAIRN_E_BAD_SLOT;
    if (endpoint_cap && !(endpoint_cap->rights & CAIRN_RIGHT_GRANT))
        return CAIRN_E_NO_RIGHTS;
    return CAIRN_OK;
}

/* Copies the message's words and the badge from sender to receiver's result registers. */
static void ipc_transfer_words(struct process *sender, struct process *receiver, uint32_t badge)
{
    for (int r = REGISTER_MESSAGE_FIRST; r <= REGISTER_MESSAGE_LAST; r++)
        context_set(&receiver->context, r, context_get(&sender->context, r));
    context_set(&receiver->context, REGISTER_BADGE, badge);
}

/* Copies the message (words and offered capability) from sender to receiver's result registers. */
static void ipc_transfer(struct process *sender, struct process *receiver, uint32_t badge)
{
    ipc_transfer_words(sender, receiver, badge);
    uint32_t offered = context_get(&sender->context, REGISTER_MESSAGE_CAP);
    const struct capability *from = offered != CAIRN_NO_SLOT ? process_slot(sender, offered) : NULL;
    struct capability *to = process_slot(receiver, receiver->receive_slot);
    /* An empty slot carries nothing: the receiver's slot keeps what it holds. */
    int carried = from && from->type != CAIRN_TYPE_NONE && to != NULL;
    if (carried)
        *to = *from;
    context_set(&receiver->context, REGISTER_MESSAGE_CAP, (uint32_t)carried);
}

/* After a message left a sender: SEND is done; CALL moves on to its second phase (the call
 * becomes WAIT_REPLY, so that a restart waits and never sends again). */
static void ipc_sender_sent(struct process *sender, struct process *receiver)
{
    if (context_get(&sender->context, REGISTER_CALL) == CAIRN_CALL) {
        sender->call_cookie++;
        receiver->reply_to = (struct reply_target){ sender->object.oid, sender->object.version,
                                                    sender->call_cookie };
        context_set(&sender->context, REGISTER_CALL, CAIRN_WAIT_REPLY);
        if (sender == process_current)
            sched_block_call(sender, BLOCK_REPLY);
        else
            sender->block_reason = BLOCK_REPLY;     /* already rewound to its trap */
    } else {
        receiver->reply_to = (struct reply_target){ 0, 0, 0 };
        if (sender == process_current)
            context_set(&sender->context, REGISTER_STATUS, CAIRN_OK);
        else
            sched_finish_call(sender, CAIRN_OK);
    }
}

/* Is a queued sender's call still a valid send to endpoint? Returns its badge. */
static int ipc_sender_still_valid(struct process *sender, struct endpoint *endpoint,
                                  uint32_t *badge)
{
    int status;
    struct capability *cap = process_slot(sender,
                                          context_get(&sender->context, REGISTER_ENDPOINT));
    struct endpoint *named = ipc_endpoint_of(sender, CAIRN_RIGHT_SEND, badge, &status);
    return named == endpoint && ipc_check_offered_cap(sender, cap) == CAIRN_OK &&
           !reclaim_doomed(&sender->object);    /* a destroyed bank's process sends nothing */
}

/* Takes the first queued partner still valid; wakes invalid ones to re-execute. */
static struct process *ipc_take_sender(struct endpoint *endpoint, uint32_t *badge)
{
    while (endpoint->senders) {
        struct process *sender = endpoint->senders;
        queue_remove(&endpoint->senders, &endpoint->senders_tail, sender);
        sender->waiting_on = NULL;
        if (ipc_sender_still_valid(sender, endpoint, badge))
            return sender;
        sched_wake(sender);
    }
    return NULL;
}

static struct process *ipc_take_receiver(struct endpoint *endpoint)
{
    while (endpoint->receivers) {
        struct process *receiver = endpoint->receivers;
        queue_remove(&endpoint->receivers, &endpoint->receivers_tail, receiver);
        receiver->waiting_on = NULL;
        uint32_t badge;
        int status;
        if (ipc_endpoint_of(receiver, CAIRN_RIGHT_RECEIVE, &badge, &status) == endpoint &&
            !reclaim_doomed(&receiver->object))
            return receiver;
        sched_wake(receiver);
    }
    return NULL;
}

/* A message that will go now: its sender and receiver, one of them the current process. */
struct endpoint_message {
    struct process *sender, *receiver;
    uint32_t badge;             /* of the sender's capability */
};

/* SEND and CALL: the endpoint (SEND right), the capability offered, and a receiver, or the
 * sender waits on the endpoint's queue. */
static syscall_result_t endpoint_decode_send(struct process *sender,
                                             struct endpoint_message *message)
{
    int status;
    *message = (struct endpoint_message){ .sender = sender };
    struct endpoint *endpoint = ipc_endpoint_of(sender, CAIRN_RIGHT_SEND, &message->badge,
                                                &status);
    if (!endpoint)
        return status;
    status = ipc_check_offered_cap(sender, process_slot(sender, context_get(&sender->context,
                                                                            REGISTER_ENDPOINT)));
    if (status != CAIRN_OK)
        return status;
    message->receiver = ipc_take_receiver(endpoint);
    if (!message->receiver) {
        queue_append(&endpoint->senders, &endpoint->senders_tail, sender);
        sender->waiting_on = endpoint;
        return syscall_wait(sender, BLOCK_SEND);
    }
    return CAIRN_OK;
}

/* The message goes: words and capability, then the sender's call is done (SEND) or waits for
 * the reply (CALL's second phase). */
static void endpoint_invoke_transfer(const struct endpoint_message *message)
{
    ipc_transfer(message->sender, message->receiver, message->badge);
    ipc_sender_sent(message->sender, message->receiver);
}

/* SEND's and CALL's effects: the message, and the receiver's RECEIVE completed. */
static void endpoint_invoke_send(const struct endpoint_message *message)
{
    endpoint_invoke_transfer(message);
    sched_finish_call(message->receiver, CAIRN_OK);
}

static syscall_result_t endpoint_call_send(struct process *sender)
{
    struct endpoint_message message;
    int status = endpoint_decode_send(sender, &message);
    if (status == CAIRN_OK)
        endpoint_invoke_send(&message);
    return status;
}

/* RECEIVE: the endpoint (RECEIVE right) and a sender still valid, or the receiver waits. */
static syscall_result_t endpoint_decode_receive(struct process *receiver,
                                                struct endpoint_message *message)
{
    int status;
    *message = (struct endpoint_message){ .receiver = receiver };
    struct endpoint *endpoint = ipc_endpoint_of(receiver, CAIRN_RIGHT_RECEIVE, &message->badge,
                                                &status);
    if (!endpoint)
        return status;
    message->sender = ipc_take_sender(endpoint, &message->badge);
    if (!message->sender) {
        queue_append(&endpoint->receivers, &endpoint->receivers_tail, receiver);
        receiver->waiting_on = endpoint;
        return syscall_wait(receiver, BLOCK_RECEIVE);
    }
    return CAIRN_OK;
}

/* RECEIVE's effects: the message, and the sender's SEND done or CALL waiting for the reply. */
static syscall_result_t endpoint_call_receive(struct process *receiver)
{
    struct endpoint_message message;
    int status = endpoint_decode_receive(receiver, &message);
    if (status == CAIRN_OK)
        endpoint_invoke_transfer(&message);
    return status;
}

/* Is caller (the object replier's reply target names, or NULL) still waiting for exactly
 * that call? */
static int ipc_caller_waits(const struct process *replier, const struct process *caller)
{
    const struct reply_target *target = &replier->reply_to;
    return caller && caller->object.type == CAIRN_TYPE_PROCESS &&
           !reclaim_doomed(&caller->object) && caller->call_cookie == target->cookie &&
           context_get(&caller->context, REGISTER_CALL) == CAIRN_WAIT_REPLY &&
           (caller->state == PROCESS_BLOCKED || caller->state == PROCESS_READY);
}

/* The caller waiting for this process's reply, if it still waits for exactly that call. */
static struct process *ipc_waiting_caller(struct process *replier)
{
    struct reply_target *target = &replier->reply_to;
    if (!target->caller)
        return NULL;
    struct process *caller = (struct process *)object_lookup(target->caller, target->version);
    return ipc_caller_waits(replier, caller) ? caller : NULL;
}

/*
 * REPLY: the capability offered, and the caller still waiting for exactly this
 * reply. The reply target is used up either way: one that finds no caller never
 * will (the caller is gone, stopped, or past that call), so forgetting it
 * changes nothing a later call could see.
 */
static syscall_result_t endpoint_decode_reply(struct process *replier,
                                              struct endpoint_message *message)
{
    int status = ipc_check_offered_cap(replier, NULL);
    if (status != CAIRN_OK)
        return status;
    struct process *caller = ipc_waiting_caller(replier);
    replier->reply_to = (struct reply_target){ 0, 0, 0 };
    if (!caller)
        return CAIRN_E_NO_PARTNER;
    *message = (struct endpoint_message){ .sender = replier, .receiver = caller, .badge = 0 };
    return CAIRN_OK;
}

/* REPLY's effects: the words and capability to the caller, whose CALL returns. */
static void endpoint_invoke_reply(const struct endpoint_message *message)
{
    uint8_t state = message->receiver->state;
    assert(state == PROCESS_BLOCKED || state == PROCESS_READY);
    ipc_transfer(message->sender, message->receiver, 0);
    sched_finish_call(message->receiver, CAIRN_OK);
}

static syscall_result_t endpoint_call_reply(struct process *replier)
{
    struct endpoint_message message;
    int status = endpoint_decode_reply(replier, &message);
    if (status == CAIRN_OK)
        endpoint_invoke_reply(&message);
    return status;
}

/* REPLY_RECEIVE: the endpoint (RECEIVE right) and the capability offered. */
static syscall_result_t endpoint_decode_reply_receive(struct process *process)
{
    uint32_t badge;
    int status;
    if (!ipc_endpoint_of(process, CAIRN_RIGHT_RECEIVE, &badge, &status))
        return status;
    return ipc_check_offered_cap(process, NULL);
}

/* Its first phase: the reply, if a caller waits for one; the call then becomes a RECEIVE,
 * its second phase, which may wait and restarts as RECEIVE. */
static syscall_result_t endpoint_call_reply_receive(struct process *process)
{
    int status = endpoint_decode_reply_receive(process);
    if (status != CAIRN_OK)
        return status;
    endpoint_call_reply(process);       /* CAIRN_E_NO_PARTNER: nobody to reply to */
    context_set(&process->context, REGISTER_CALL, CAIRN_RECEIVE);
    return endpoint_call_receive(process);
}

/* WAIT_REPLY: only waits; the reply, when it comes, completes the call from the replier's side
 * (endpoint_invoke_reply). */
static syscall_result_t endpoint_call_wait_reply(struct process *caller)
{
    return syscall_wait(caller, BLOCK_REPLY);
}

/*
 * The fast path: CALL to a receiver already waiting, and REPLY_RECEIVE to a
 * caller waiting for the reply when no sender waits (so the receive waits),
 * both with no capability offered and every object in RAM. Its decode step
 * checks exactly what the general path would find (and nothing more changes
 * when it declines: the general path then runs the call); its invoke step
 * makes the same effects, then hands the CPU straight to the partner
 * (sched_hand_over) when the scheduler would pick it next anyway.
 */

/* The endpoint a process's call names with rights, if it and its capability are at hand in
 * RAM (NULL: let the general path decide). */
static inline struct endpoint *ipc_fast_endpoint(struct process *process, uint8_t rights,
                                                 uint32_t *badge)
{
    const struct capability *cap =
        process_slot(process, context_get(&process->context, REGISTER_ENDPOINT));
    if (!cap || cap->type != CAIRN_TYPE_ENDPOINT || (cap->rights & rights) != rights)
        return NULL;
    struct object *object = object_resident(capability_oid(cap), cap->version, cap->type);
    if (!object || reclaim_doomed(object))
        return NULL;
    *badge = cap->badge;
    return (struct endpoint *)object;
}

/* Does process's call name endpoint, with rights? (The endpoint is live: a capability of its
 * type, OID and version names it.) */
static int ipc_fast_names(struct process *process, uint8_t rights,
                          const struct endpoint *endpoint)
{
    const struct capability *cap =
        process_slot(process, context_get(&process->context, REGISTER_ENDPOINT));
    return cap && cap->type == CAIRN_TYPE_ENDPOINT && (cap->rights & rights) == rights &&
           capability_oid(cap) == endpoint->object.oid && cap->version == endpoint->object.version;
}

/* The partner's blocked call returns CAIRN_OK, and it runs next if it may. */
static void ipc_fast_finish(struct process *partner)
{
    context_set(&partner->context, REGISTER_STATUS, CAIRN_OK);
    context_finish_call(&partner->context);
    sched_hand_over(partner);
}

/* CALL: the endpoint, and the receiver at the head of its queue, still valid. */
static int endpoint_fast_decode_call(struct process *sender, struct endpoint_message *message)
{
    if (context_get(&sender->context, REGISTER_MESSAGE_CAP) != CAIRN_NO_SLOT)
        return 0;
    struct endpoint *endpoint = ipc_fast_endpoint(sender, CAIRN_RIGHT_SEND, &message->badge);
    struct process *receiver = endpoint ? endpoint->receivers : NULL;
    if (!receiver || reclaim_doomed(&receiver->object) ||
        !ipc_fast_names(receiver, CAIRN_RIGHT_RECEIVE, endpoint))
        return 0;
    message->sender = sender;
    message->receiver = receiver;
    return 1;
}

/* CALL's effects, as endpoint_call_send makes them: the receiver leaves the queue with the
 * message, the caller waits for the reply. */
static void endpoint_fast_invoke_call(const struct endpoint_message *message)
{
    struct process *receiver = message->receiver;
    struct endpoint *endpoint = receiver->waiting_on;
    queue_remove(&endpoint->receivers, &endpoint->receivers_tail, receiver);
    receiver->waiting_on = NULL;
    ipc_transfer_words(message->sender, receiver, message->badge);
    context_set(&receiver->context, REGISTER_MESSAGE_CAP, 0);     /* no capability came */
    ipc_sender_sent(message->sender, receiver);
    ipc_fast_finish(receiver);
}

static int endpoint_fast_call(struct process *sender)
{
    struct endpoint_message message;
    if (!endpoint_fast_decode_call(sender, &message))
        return 0;
    endpoint_fast_invoke_call(&message);
    return 1;
}

/* REPLY_RECEIVE: the endpoint with no sender waiting, and the caller, in RAM and blocked
 * (on no queue: BLOCK_REPLY) waiting for exactly this reply. */
static struct endpoint *endpoint_fast_decode_reply_receive(struct process *replier,
                                                           struct process **caller)
{
    uint32_t badge;
    const struct reply_target *target = &replier->reply_to;
    if (context_get(&replier->context, REGISTER_MESSAGE_CAP) != CAIRN_NO_SLOT)
        return NULL;
    struct endpoint *endpoint = ipc_fast_endpoint(replier, CAIRN_RIGHT_RECEIVE, &badge);
    if (!endpoint || endpoint->senders)
        return NULL;
    *caller = (struct process *)object_resident(target->caller, target->version,
                                                CAIRN_TYPE_PROCESS);
    if (!ipc_caller_waits(replier, *caller) || (*caller)->block_reason != BLOCK_REPLY)
        return NULL;
    return endpoint;
}

/* Its effects, as endpoint_call_reply_receive makes them: the reply reaches the caller, and
 * the replier waits on the endpoint's queue in its RECEIVE phase. */
static int endpoint_fast_reply_receive(struct process *replier)
{
    struct process *caller;
    struct endpoint *endpoint = endpoint_fast_decode_reply_receive(replier, &caller);
    if (!endpoint)
        return 0;
    replier->reply_to = (struct reply_target){ 0, 0, 0 };
    ipc_transfer_words(replier, caller, 0);
    context_set(&caller->context, REGISTER_MESSAGE_CAP, 0);
    context_set(&replier->context, REGISTER_CALL, CAIRN_RECEIVE);
    queue_append(&endpoint->receivers, &endpoint->receivers_tail, replier);
    replier->waiting_on = endpoint;
    syscall_wait(replier, BLOCK_RECEIVE);
    ipc_fast_finish(caller);
    return 1;
}

int endpoint_fast_path(struct process *caller)
{
    switch (context_get(&caller->context, REGISTER_CALL)) {
    case CAIRN_CALL: return endpoint_fast_call(caller);
    case CAIRN_REPLY_RECEIVE: return endpoint_fast_reply_receive(caller);
    default: return 0;
    }
}

syscall_result_t endpoint_invoke(struct process *caller, uint32_t call)
{
    switch (call) {
    case CAIRN_SEND: case CAIRN_CALL: return endpoint_call_send(caller);
    case CAIRN_RECEIVE: return endpoint_call_receive(caller);
    case CAIRN_REPLY: return endpoint_call_reply(caller);
    case CAIRN_REPLY_RECEIVE: return endpoint_call_reply_receive(caller);
    case CAIRN_WAIT_REPLY: return endpoint_call_wait_reply(caller);
    default: return CAIRN_E_BAD_CALL;
    }
}
