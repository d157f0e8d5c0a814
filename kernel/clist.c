/*
 * The calls on the caller's own c-list: CAP_COPY, CAP_MOVE, CAP_DELETE,
 * CAP_RESTRICT, CAP_BADGE, CAP_INFO, SET_RECEIVE_SLOT and DESTROY.
 *
 * Each is a decode step (checks, the slots found) and an invoke step (the
 * change), as every call is (kernel/syscall.h). None of them waits but
 * DESTROY, while too many banks are being reclaimed.
 */
#include <kernel/obj/objects.h>
#include <kernel/panic.h>
#include <kernel/process.h>
#include <kernel/string.h>
#include <kernel/syscall.h>

/* Two slots of the caller's: from (holding a capability) and to. */
struct capability_pair {
    struct capability *from, *to;
};

/* CAP_COPY, CAP_MOVE: from must hold a capability. */
static syscall_result_t capability_decode_pair(struct process *process,
                                               struct capability_pair *pair)
{
    pair->from = process_slot(process, syscall_argument(process, REGISTER_CAP_FROM));
    pair->to = process_slot(process, syscall_argument(process, REGISTER_CAP_TO));
    if (!pair->from || !pair->to)
        return CAIRN_E_BAD_SLOT;
    return pair->from->type == CAIRN_TYPE_NONE ? CAIRN_E_EMPTY : CAIRN_OK;
}

static void capability_invoke_copy(const struct capability_pair *pair)
{
    *pair->to = *pair->from;
}

static void capability_invoke_move(const struct capability_pair *pair)
{
    if (pair->from == pair->to)
        return;
    *pair->to = *pair->from;
    memset(pair->from, 0, sizeof(*pair->from));
}

static syscall_result_t capability_call_copy(struct process *process)
{
    struct capability_pair pair;
    int status = capability_decode_pair(process, &pair);
    if (status == CAIRN_OK)
        capability_invoke_copy(&pair);
    return status;
}

static syscall_result_t capability_call_move(struct process *process)
{
    struct capability_pair pair;
    int status = capability_decode_pair(process, &pair);
    if (status == CAIRN_OK)
        capability_invoke_move(&pair);
    return status;
}

/* CAP_DELETE, CAP_RESTRICT: a slot that holds a capability (CAP_RESTRICT's rights to keep are
 * any bits). */
static syscall_result_t capability_decode_slot(struct process *process, struct capability **slot)
{
    *slot = process_slot(process, syscall_argument(process, REGISTER_CAP_SLOT));
    if (!*slot)
        return CAIRN_E_BAD_SLOT;
    return (*slot)->type == CAIRN_TYPE_NONE ? CAIRN_E_EMPTY : CAIRN_OK;
}

static void capability_invoke_delete(struct capability *slot)
{
    memset(slot, 0, sizeof(*slot));
}

static syscall_result_t capability_call_delete(struct process *process)
{
    struct capability *slot;
    int status = capability_decode_slot(process, &slot);
    if (status == CAIRN_OK)
        capability_invoke_delete(slot);
    return status;
}

/* CAP_RESTRICT's effect: the rights not kept dropped. */
static void capability_invoke_restrict(struct capability *slot, uint8_t kept)
{
    slot->rights &= kept;
}

static syscall_result_t capability_call_restrict(struct process *process)
{
    struct capability *slot;
    int status = capability_decode_slot(process, &slot);
    if (status == CAIRN_OK)
        capability_invoke_restrict(slot,
                                   (uint8_t)syscall_argument(process, REGISTER_CAP_RIGHTS_KEPT));
    return status;
}

/* CAP_BADGE: an endpoint's capability with badge 0 (from), and the slot for the badged copy. */
static syscall_result_t capability_decode_badge(struct process *process,
                                                struct capability_pair *pair)
{
    struct object *endpoint;
    int status = syscall_argument_object(process, REGISTER_CAP_FROM, CAIRN_TYPE_ENDPOINT, 0,
                                         &endpoint);
    pair->to = process_slot(process, syscall_argument(process, REGISTER_CAP_TO));
    if (status != CAIRN_OK)
        return status;
    if (!pair->to)
        return CAIRN_E_BAD_SLOT;
    pair->from = process_slot(process, syscall_argument(process, REGISTER_CAP_FROM));
    return pair->from->badge != 0 ? CAIRN_E_NO_RIGHTS : CAIRN_OK;   /* a badge is set once */
}

static void capability_invoke_badge(const struct capability_pair *pair, uint32_t badge)
{
    assert(pair->from->badge == 0);
    struct capability badged = *pair->from;
    badged.badge = badge;
    *pair->to = badged;
}

static syscall_result_t capability_call_badge(struct process *process)
{
    struct capability_pair pair;
    int status = capability_decode_badge(process, &pair);
    if (status == CAIRN_OK)
        capability_invoke_badge(&pair, syscall_argument(process, REGISTER_CAP_BADGE));
    return status;
}

/* CAP_INFO: a slot whose capability names a live object; its type, rights and badge out. */
static syscall_result_t capability_decode_info(struct process *process,
                                               const struct capability **slot)
{
    struct object *object;
    int status = syscall_argument_object(process, REGISTER_CAP_SLOT, CAIRN_TYPE_NONE, 0, &object);
    *slot = process_slot(process, syscall_argument(process, REGISTER_CAP_SLOT));
    return status;
}

static void capability_invoke_info(struct process *process, const struct capability *slot)
{
    context_set(&process->context, REGISTER_CAP_INFO_TYPE, slot->type);
    context_set(&process->context, REGISTER_CAP_INFO_RIGHTS, slot->rights);
    context_set(&process->context, REGISTER_CAP_INFO_BADGE, slot->badge);
}

static syscall_result_t capability_call_info(struct process *process)
{
    const struct capability *slot;
    int status = capability_decode_info(process, &slot);
    if (status == CAIRN_OK)
        capability_invoke_info(process, slot);
    return status;
}

/* SET_RECEIVE_SLOT: a slot number, or CAIRN_NO_SLOT (received capabilities are dropped). */
static syscall_result_t capability_decode_receive_slot(struct process *process, uint32_t *slot)
{
    *slot = syscall_argument(process, REGISTER_RECEIVE_SLOT);
    return *slot != CAIRN_NO_SLOT && *slot >= CAIRN_CLIST_SLOTS ? CAIRN_E_BAD_SLOT : CAIRN_OK;
}

static void capability_invoke_receive_slot(struct process *process, uint32_t slot)
{
    process->receive_slot = slot;
}

static syscall_result_t capability_call_set_receive_slot(struct process *process)
{
    uint32_t slot;
    int status = capability_decode_receive_slot(process, &slot);
    if (status == CAIRN_OK)
        capability_invoke_receive_slot(process, slot);
    return status;
}

/* DESTROY: a capability with DESTROY to an object its type lets go now. */
static syscall_result_t capability_decode_destroy(struct process *process, struct object **object)
{
    int status = syscall_argument_object(process, REGISTER_CAP_SLOT, CAIRN_TYPE_NONE,
                                         CAIRN_RIGHT_DESTROY, object);
    return status == CAIRN_OK ? object_check_destroy(*object) : status;
}

/* DESTROY's effects: the slot emptied, the call answered, then the object destroyed (it may
 * be the caller itself, which then never runs again). */
static void capability_invoke_destroy(struct process *process, struct object *object)
{
    memset(process_slot(process, syscall_argument(process, REGISTER_CAP_SLOT)), 0,
           sizeof(struct capability));
    context_set(&process->context, REGISTER_STATUS, CAIRN_OK);
    object_destroy(object);
}

static syscall_result_t capability_call_destroy(struct process *process)
{
    struct object *object;
    int status = capability_decode_destroy(process, &object);
    if (status == CAIRN_OK)
        capability_invoke_destroy(process, object);
    return status;
}

syscall_result_t clist_invoke(struct process *caller, uint32_t call)
{
    switch (call) {
    case CAIRN_CAP_COPY: return capability_call_copy(caller);
    case CAIRN_CAP_MOVE: return capability_call_move(caller);
    case CAIRN_CAP_DELETE: return capability_call_delete(caller);
    case CAIRN_CAP_RESTRICT: return capability_call_restrict(caller);
    case CAIRN_CAP_BADGE: return capability_call_badge(caller);
    case CAIRN_CAP_INFO: return capability_call_info(caller);
    case CAIRN_SET_RECEIVE_SLOT: return capability_call_set_receive_slot(caller);
    case CAIRN_DESTROY: return capability_call_destroy(caller);
    default: return CAIRN_E_BAD_CALL;
    }
}
