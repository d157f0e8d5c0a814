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
#include <checkpoint/format.h>
#include <kernel/ckpt.h>
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
    object->bank = bank->object.oid;
    object->bank_version = bank->object.version;
    bank->objects++;
    bank_account(bank, bank_cost((enum cairn_type)object->type));
}

/* Makes an object of type; NULL when kernel memory is short. */
static struct object *bank_make(struct bank *bank, enum cairn_type type, uint32_t limit)
{
    switch (type) {
    case CAIRN_TYPE_PROCESS: return (struct object *)process_create();
    case CAIRN_TYPE_ENDPOINT: return (struct object *)endpoint_create();
    case CAIRN_TYPE_PAGE: return (struct object *)page_create();
    case CAIRN_TYPE_SPACE: return (struct object *)space_create(0);
    case CAIRN_TYPE_BANK: {
        struct bank *made = bank_create_root(limit);
        if (made)
            made->depth = (uint8_t)(bank->depth + 1);
        return (struct object *)made;
    }
    default: panic("bank_make: no constructor for object type %u", type);
    }
}

int bank_create_object(struct bank *bank, enum cairn_type type, uint32_t limit,
                       struct object **created)
{
    if (type <= CAIRN_TYPE_NONE || type >= CAIRN_TYPE_COUNT)
        return CAIRN_E_BAD_ARGUMENT;
    if (type == CAIRN_TYPE_BANK && bank->depth + 1u >= CAIRN_BANK_DEPTH_MAX)
        return CAIRN_E_QUOTA;
    if (reclaim_doomed(&bank->object))
        return CAIRN_E_STALE;
    int status = bank_check_room(bank, bank_cost(type));
    if (status != CAIRN_OK)
        return status;
    if (!ckpt_change_room(1))
        return CAIRN_E_NO_MEMORY;   /* the caller waits for the checkpoint, as for a frame */
    struct object *object = bank_make(bank, type, limit);
    if (!object)
        return CAIRN_E_NO_MEMORY;
    bank_adopt(bank, object);
    *created = object;
    return CAIRN_OK;
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

/* A process a program load made ends: the bank made for it goes, with all it made. */
static void bank_end_program(struct bank *bank, const struct process *process)
{
    if (bank && bank->program && bank->program == (uint32_t)process->object.oid)
        reclaim_start(bank);
}

void object_destroy(struct object *object)
{
    if (object->type == CAIRN_TYPE_BANK) {
        reclaim_start((struct bank *)object);   /* it goes once all it made is gone */
        return;
    }
    struct bank *bank = bank_of(object);
    bank_refund(object);
    switch (object->type) {
    case CAIRN_TYPE_PROCESS:
        bank_end_program(bank, (struct process *)object);
        process_destroy((struct process *)object);
        break;
    case CAIRN_TYPE_ENDPOINT: endpoint_destroy((struct endpoint *)object); break;
    case CAIRN_TYPE_PAGE: page_destroy((struct page *)object); break;
    case CAIRN_TYPE_SPACE: space_destroy((struct space *)object); break;
    default: object_free(object); break;
    }
}

/* CREATE: a new object from the bank in ebx, its capability in slot edx. */
static int bank_call_create(struct process *process)
{
    struct object *bank, *created;
    int status = syscall_argument_object(process, CONTEXT_EBX, CAIRN_TYPE_BANK, CAIRN_RIGHT_WRITE, &bank);
    if (status != CAIRN_OK)
        return status;
    struct capability *to = process_slot(process, syscall_argument(process, CONTEXT_EDX));
    if (!to)
        return CAIRN_E_BAD_SLOT;
    status = bank_create_object((struct bank *)bank, (enum cairn_type)syscall_argument(process, CONTEXT_ECX),
                                syscall_argument(process, CONTEXT_ESI), &created);
    if (status == CAIRN_E_NO_MEMORY)
        return SYSCALL_WAIT_FRAME;
    if (status == CAIRN_OK)
        *to = capability_to(created, CAIRN_RIGHTS_ALL);
    return status;
}


int bank_invoke(struct process *caller, uint32_t call)
{
    switch (call) {
    case CAIRN_CREATE: return bank_call_create(caller);
    default: return CAIRN_E_BAD_CALL;
    }
}
