/*
 * Banks: creating objects against room in the store, and destroying objects with a refund.
 *
 * Every object names the bank that made it (object->bank, and its map entry
 * on disk). A unit is one block of the store: a Page, Space node, Endpoint
 * or Bank keeps one; a Process keeps three, since its record is rewritten by
 * every checkpoint and the log holds the last two besides the one being
 * written. A creation is charged to its bank and to every bank above it,
 * each of which must stay within its limit; the root bank's limit is what
 * the store can hold (format_store_capacity), so a creation the store could
 * not keep fails at once with E_QUOTA.
 *
 * Destroying a bank makes everything made from it and from its sub-banks
 * unreachable at once and reclaims it in bounded steps (kernel/reclaim.c).
 */
#include <stddef.h>
#include <cairn/disk_format.h>
#include <checkpoint/format.h>
#include <kernel/ckpt.h>
#include <kernel/heap.h>
#include <kernel/obj/objects.h>
#include <kernel/panic.h>
#include <kernel/process.h>
#include <kernel/reclaim.h>
#include <kernel/syscall.h>

struct bank *bank_create_root(uint32_t limit)
{
    struct bank *bank = (struct bank *)object_create(CAIRN_TYPE_BANK, sizeof(struct bank));
    if (bank)
        bank->limit = limit;
    return bank;
}

uint32_t bank_cost(enum cairn_type type)
{
    return format_object_units(type);
}

struct bank *bank_of(const struct object *object)
{
    if (!object->bank)
        return NULL;
    struct object *bank = object_lookup(object->bank, object->bank_version);
    return bank && bank->type == CAIRN_TYPE_BANK ? (struct bank *)bank : NULL;
}

/* The bank above bank, or NULL at the root (or a chain deeper than any bank can be). */
static struct bank *bank_parent(struct bank *bank, uint32_t *steps)
{
    if (++*steps > CAIRN_BANK_DEPTH_MAX)
        return NULL;
    return bank_of(&bank->object);
}

int bank_check_room(struct bank *bank, uint32_t units)
{
    uint32_t steps = 0;
    for (struct bank *b = bank; b; b = bank_parent(b, &steps))
        if (b->used > b->limit || b->limit - b->used < units)
            return CAIRN_E_QUOTA;
    return CAIRN_OK;
}

/* Adds units (or takes them back, with a negative count) to bank and every bank above it. */
static void bank_account(struct bank *bank, int64_t units)
{
    uint32_t steps = 0;
    for (struct bank *b = bank; b; b = bank_parent(b, &steps)) {
        int64_t used = (int64_t)b->used + units;
        b->used = used < 0 ? 0 : used > 0xFFFFFFFFll ? 0xFFFFFFFFu : (uint32_t)used;
        ckpt_note_change(&b->object);
    }
}

void bank_adopt(struct bank *bank, struct object *object)
{
    assert(bank_check_room(bank, bank_cost((enum cairn_type)object->type)) == CAIRN_OK);
    object->bank = bank->object.oid;
    object->bank_version = bank->object.version;
    bank->objects++;
    bank_account(bank, bank_cost((enum cairn_type)object->type));
}

/* CREATE's checks, and the object made, reachable from nowhere until bank_adopt. */
static int bank_create_prepare(struct bank *bank, enum cairn_type type, uint32_t limit,
                               struct object **made)
{
    const struct object_ops *ops = object_type_ops(type);
    if (!ops)
        return CAIRN_E_BAD_ARGUMENT;
    int status = ops->check_make ? ops->check_make(bank) : CAIRN_OK;
    if (status != CAIRN_OK)
        return status;
    if (reclaim_doomed(&bank->object))
        return CAIRN_E_STALE;
    status = bank_check_room(bank, bank_cost(type));
    if (status != CAIRN_OK)
        return status;
    if (!ckpt_change_room(1))
        return CAIRN_E_NO_MEMORY;   /* the caller waits for the checkpoint, as for a frame */
    *made = ops->make(bank, limit);
    return *made ? CAIRN_OK : CAIRN_E_NO_MEMORY;
}

int bank_create_object(struct bank *bank, enum cairn_type type, uint32_t limit,
                       struct object **created)
{
    int status = bank_create_prepare(bank, type, limit, created);
    if (status == CAIRN_OK)
        bank_adopt(bank, *created);
    return status;
}

/* Gives the object's units back to the bank that made it and to those above. */
void bank_refund(struct object *object)
{
    struct bank *bank = bank_of(object);
    if (!bank)
        return;
    if (bank->objects)
        bank->objects--;
    bank_account(bank, -(int64_t)bank_cost((enum cairn_type)object->type));
}

void bank_release_units(struct bank *bank)
{
    uint32_t own = bank->used;
    bank->used = 0;
    struct bank *parent = bank_of(&bank->object);
    if (own && parent)
        bank_account(parent, -(int64_t)own);    /* a count that lied: give back what it held */
}

void bank_program_ended(struct bank *bank, const struct process *process)
{
    if (bank && bank->program && bank->program == (uint32_t)process->object.oid)
        reclaim_start(bank);
}

int object_check_destroy(struct object *object)
{
    const struct object_ops *ops = object_type_ops(object->type);
    return ops->check_destroy ? ops->check_destroy(object) : CAIRN_OK;
}

void object_destroy(struct object *object)
{
    object_type_ops(object->type)->destroy(object);
}

/* What CREATE's decode step found and made, for its invoke step. */
struct bank_create_arguments {
    struct bank *bank;
    struct object *made;        /* reachable from nowhere until invoke */
    struct capability *to;      /* the caller's slot for its capability */
};

/* CREATE: the bank, the type (and a new Bank's limit), and the slot for the capability. */
static syscall_result_t bank_decode_create(struct process *process,
                                           struct bank_create_arguments *create)
{
    struct object *bank;
    int status = syscall_argument_object(process, REGISTER_CREATE_BANK, CAIRN_TYPE_BANK,
                                         CAIRN_RIGHT_WRITE, &bank);
    if (status != CAIRN_OK)
        return status;
    create->bank = (struct bank *)bank;
    create->to = process_slot(process, syscall_argument(process, REGISTER_CREATE_TO));
    if (!create->to)
        return CAIRN_E_BAD_SLOT;
    status = bank_create_prepare(create->bank,
                                 (enum cairn_type)syscall_argument(process, REGISTER_CREATE_TYPE),
                                 syscall_argument(process, REGISTER_CREATE_LIMIT), &create->made);
    return status == CAIRN_E_NO_MEMORY ? SYSCALL_WAIT_FRAME : status;
}

/* CREATE's effects: the object paid for, its capability in the slot. */
static void bank_invoke_create(const struct bank_create_arguments *create)
{
    assert(create->made && !create->made->bank);
    bank_adopt(create->bank, create->made);
    *create->to = capability_to(create->made, CAIRN_RIGHTS_ALL);
}

static syscall_result_t bank_call_create(struct process *process)
{
    struct bank_create_arguments create;
    int status = bank_decode_create(process, &create);
    if (status == CAIRN_OK)
        bank_invoke_create(&create);
    return status;
}

syscall_result_t bank_invoke(struct process *caller, uint32_t call)
{
    switch (call) {
    case CAIRN_CREATE: return bank_call_create(caller);
    default: return CAIRN_E_BAD_CALL;
    }
}

/* A sub-bank is one deeper than its parent, and no deeper than CAIRN_BANK_DEPTH_MAX allows. */
static int bank_check_make(const struct bank *bank)
{
    return bank->depth + 1u >= CAIRN_BANK_DEPTH_MAX ? CAIRN_E_QUOTA : CAIRN_OK;
}

static struct object *bank_make(struct bank *bank, uint32_t limit)
{
    struct bank *made = bank_create_root(limit);
    if (made)
        made->depth = (uint8_t)(bank->depth + 1);
    return (struct object *)made;
}

/* DESTROY: it goes once all it made is gone; its units go back when reclaim frees it. */
static void bank_destroy(struct object *object)
{
    reclaim_start((struct bank *)object);
}

static int bank_check_destroy(struct object *object)
{
    return reclaim_check_start((struct bank *)object);
}

static const void *bank_stage(struct object *object, uint32_t *size, uint8_t *flags)
{
    (void)flags;
    *size = sizeof(struct bank);
    return object;
}

static void bank_to_record(const void *data, struct cairn_object_record *record)
{
    const struct bank *bank = data;
    record->bank_limit = bank->limit;
    record->bank_used = bank->used;
    record->bank_objects = bank->objects;
    record->bank_program = bank->program;
    record->bank_depth = bank->depth;
}

/* A stored Bank; its depth is held to CAIRN_BANK_DEPTH_MAX. */
static struct object *bank_from_record(const struct cairn_object_record *record,
                                       const char **damage)
{
    (void)damage;
    struct bank *bank = kzalloc(sizeof(struct bank));
    if (!bank)
        return NULL;
    bank->limit = record->bank_limit;
    bank->used = record->bank_used;
    bank->objects = record->bank_objects;
    bank->program = record->bank_program;
    bank->depth = (uint8_t)(record->bank_depth < CAIRN_BANK_DEPTH_MAX ? record->bank_depth
                                                                       : CAIRN_BANK_DEPTH_MAX);
    return &bank->object;
}

const struct object_ops bank_ops = {
    .check_make = bank_check_make,
    .make = bank_make,
    .check_destroy = bank_check_destroy,
    .destroy = bank_destroy,
    .stage = bank_stage,
    .to_record = bank_to_record,
    .from_record = bank_from_record,
};
