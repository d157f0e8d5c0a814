/*
 * Endpoints and IPC: SEND, RECEIVE, CALL, REPLY, REPLY_RECEIVE, WAIT_REPLY.
 *
 * A message is four words (ecx, edx, esi, edi) and at most one capability
 * (slot in ebp). Everything a waiting partner wants to send is still in its
 * saved registers, because a blocked call is rewound to its trap with its
 * inputs intact; so whoever arrives second completes both calls at once.
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
#include <kernel/process.h>
#include <kernel/reclaim.h>
#include <kernel/string.h>

enum { MESSAGE_FIRST = CONTEXT_ECX, MESSAGE_LAST = CONTEXT_EDI };

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

/* The endpoint a process's call names in ebx, if its capability still has rights. */
static struct endpoint *ipc_endpoint_of(struct process *process, uint8_t rights,
                                        uint32_t *badge, int *status)
{
    struct capability *cap = process_slot(process, context_get(&process->context, CONTEXT_EBX));
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

/* Checks the capability a sender offers in ebp: CAIRN_OK when none or usable. */
static int ipc_check_offered_cap(struct process *sender, const struct capability *endpoint_cap)
{
    uint32_t slot = context_get(&sender->context, CONTEXT_EBP);
    if (slot == CAIRN_NO_SLOT)
        return CAIRN_OK;
    if (!process_slot(sender, slot))
        return CAIRN_E_BAD_SLOT;
    if (endpoint_cap && !(endpoint_cap->rights & CAIRN_RIGHT_GRANT))
        return CAIRN_E_NO_RIGHTS;
    return CAIRN_OK;
}

/* Copies the message (words and offered capability) from sender to receiver's result registers. */
static void ipc_transfer(struct process *sender, struct process *receiver, uint32_t badge)
{
    for (int r = MESSAGE_FIRST; r <= MESSAGE_LAST; r++)
        context_set(&receiver->context, r, context_get(&sender->context, r));
    context_set(&receiver->context, CONTEXT_EBX, badge);
    uint32_t offered = context_get(&sender->context, CONTEXT_EBP);
    const struct capability *from = offered != CAIRN_NO_SLOT ? process_slot(sender, offered) : NULL;
    struct capability *to = process_slot(receiver, receiver->receive_slot);
    /* An empty slot carries nothing: the receiver's slot keeps what it holds. */
    int carried = from && from->type != CAIRN_TYPE_NONE && to != NULL;
    if (carried)
        *to = *from;
    context_set(&receiver->context, CONTEXT_EBP, (uint32_t)carried);
}

/* After a message left a sender: SEND is done; CALL moves on to wait for the reply. */
static void ipc_sender_sent(struct process *sender, struct process *receiver)
{
    if (context_get(&sender->context, CONTEXT_EAX) == CAIRN_CALL) {
        sender->call_cookie++;
        receiver->reply_to = (struct reply_target){ sender->object.oid, sender->object.version,
                                                    sender->call_cookie };
        context_set(&sender->context, CONTEXT_EAX, CAIRN_WAIT_REPLY);
        if (sender == process_current)
            sched_block_call(sender, BLOCK_REPLY);
        else
            sender->block_reason = BLOCK_REPLY;     /* already rewound to its trap */
    } else {
        receiver->reply_to = (struct reply_target){ 0, 0, 0 };
        if (sender == process_current)
            context_set(&sender->context, CONTEXT_EAX, CAIRN_OK);
        else
            sched_finish_call(sender, CAIRN_OK);
    }
}

/* Is a queued sender's call still a valid send to endpoint? Returns its badge. */
static int ipc_sender_still_valid(struct process *sender, struct endpoint *endpoint,
                                  uint32_t *badge)
{
    int status;
    struct capability *cap = process_slot(sender, context_get(&sender->context, CONTEXT_EBX));
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

/* SEND and CALL by the current process. */
static int endpoint_send(struct process *sender)
{
    uint32_t badge;
    int status;
    struct endpoint *endpoint = ipc_endpoint_of(sender, CAIRN_RIGHT_SEND, &badge, &status);
    if (!endpoint)
        return status;
    status = ipc_check_offered_cap(sender,
                                   process_slot(sender, context_get(&sender->context, CONTEXT_EBX)));
    if (status != CAIRN_OK)
        return status;
    struct process *receiver = ipc_take_receiver(endpoint);
    if (!receiver) {
        queue_append(&endpoint->senders, &endpoint->senders_tail, sender);
        sender->waiting_on = endpoint;
        sched_block_call(sender, BLOCK_SEND);
        return CAIRN_OK;
    }
    ipc_transfer(sender, receiver, badge);
    ipc_sender_sent(sender, receiver);
    sched_finish_call(receiver, CAIRN_OK);
    return (int)context_get(&sender->context, CONTEXT_EAX);
}

/* RECEIVE by the current process. */
static int endpoint_receive(struct process *receiver)
{
    uint32_t badge;
    int status;
    struct endpoint *endpoint = ipc_endpoint_of(receiver, CAIRN_RIGHT_RECEIVE, &badge, &status);
    if (!endpoint)
        return status;
    struct process *sender = ipc_take_sender(endpoint, &badge);
    if (!sender) {
        queue_append(&endpoint->receivers, &endpoint->receivers_tail, receiver);
        receiver->waiting_on = endpoint;
        sched_block_call(receiver, BLOCK_RECEIVE);
        return CAIRN_OK;
    }
    ipc_transfer(sender, receiver, badge);
    ipc_sender_sent(sender, receiver);
    return CAIRN_OK;
}

/* The caller waiting for this process's reply, if it still waits for exactly that call. */
static struct process *ipc_waiting_caller(struct process *replier)
{
    struct reply_target *target = &replier->reply_to;
    if (!target->caller)
        return NULL;
    struct process *caller = (struct process *)object_lookup(target->caller, target->version);
    if (!caller || caller->object.type != CAIRN_TYPE_PROCESS || reclaim_doomed(&caller->object) ||
        caller->call_cookie != target->cookie ||
        context_get(&caller->context, CONTEXT_EAX) != CAIRN_WAIT_REPLY ||
        (caller->state != PROCESS_BLOCKED && caller->state != PROCESS_READY))
        return NULL;
    return caller;
}

/* REPLY by the current process. */
static int endpoint_reply(struct process *replier)
{
    int status = ipc_check_offered_cap(replier, NULL);
    if (status != CAIRN_OK)
        return status;
    struct process *caller = ipc_waiting_caller(replier);
    replier->reply_to = (struct reply_target){ 0, 0, 0 };
    if (!caller)
        return CAIRN_E_NO_PARTNER;
    ipc_transfer(replier, caller, 0);
    sched_finish_call(caller, CAIRN_OK);
    return CAIRN_OK;
}

/* REPLY_RECEIVE: the reply commits first; the call then becomes a plain RECEIVE. */
static int endpoint_reply_receive(struct process *process)
{
    uint32_t badge;
    int status;
    if (!ipc_endpoint_of(process, CAIRN_RIGHT_RECEIVE, &badge, &status))
        return status;
    status = ipc_check_offered_cap(process, NULL);
    if (status != CAIRN_OK)
        return status;
    endpoint_reply(process);
    context_set(&process->context, CONTEXT_EAX, CAIRN_RECEIVE);
    return endpoint_receive(process);
}

/* WAIT_REPLY: the reply, when it comes, completes this call from the replier's side. */
static int endpoint_wait_reply(struct process *caller)
{
    sched_block_call(caller, BLOCK_REPLY);
    return CAIRN_OK;
}

int endpoint_invoke(struct process *caller, uint32_t call)
{
    switch (call) {
    case CAIRN_SEND: case CAIRN_CALL: return endpoint_send(caller);
    case CAIRN_RECEIVE: return endpoint_receive(caller);
    case CAIRN_REPLY: return endpoint_reply(caller);
    case CAIRN_REPLY_RECEIVE: return endpoint_reply_receive(caller);
    case CAIRN_WAIT_REPLY: return endpoint_wait_reply(caller);
    default: return CAIRN_E_BAD_CALL;
    }
}
