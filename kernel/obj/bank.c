/* Banks: creating objects against a quota, and destroying any object with a refund to its bank. */
#include <stddef.h>
#include <kernel/ckpt.h>
#include <kernel/obj/objects.h>
#include <kernel/panic.h>
#include <kernel/process.h>
#include <kernel/syscall.h>

struct bank *bank_create_root(uint32_t quota)
{
    struct bank *bank = (struct bank *)object_create(CAIRN_TYPE_BANK, sizeof(struct bank));
    if (bank)
        bank->quota = quota;
    return bank;
}

/* Makes an object of type; NULL when kernel memory is short. */
static struct object *bank_make(enum cairn_type type, uint32_t sub_quota)
{
    switch (type) {
    case CAIRN_TYPE_PROCESS: return (struct object *)process_create();
    case CAIRN_TYPE_ENDPOINT: return (struct object *)endpoint_create();
    case CAIRN_TYPE_PAGE: return (struct object *)page_create();
    case CAIRN_TYPE_SPACE: return (struct object *)space_create(0);
    case CAIRN_TYPE_BANK: return (struct object *)bank_create_root(sub_quota);
    default: panic("bank_make: no constructor for object type %u", type);
    }
}

int bank_create_object(struct bank *bank, enum cairn_type type, uint32_t sub_quota,
                       struct object **created)
{
    if (type <= CAIRN_TYPE_NONE || type >= CAIRN_TYPE_COUNT)
        return CAIRN_E_BAD_ARGUMENT;
    uint32_t cost = 1 + (type == CAIRN_TYPE_BANK ? sub_quota : 0);
    if (cost < sub_quota || bank->quota < cost)
        return CAIRN_E_QUOTA;
    struct object *object = bank_make(type, sub_quota);
    if (!object)
        return CAIRN_E_NO_MEMORY;
    bank->quota -= cost;
    ckpt_note_change(&bank->object);
    object->bank = bank->object.oid;
    object->bank_version = bank->object.version;
    *created = object;
    return CAIRN_OK;
}

/* Gives the object's unit (and a bank's unspent quota) back to the bank it came from. */
void bank_refund(struct object *object)
{
    struct bank *bank = (struct bank *)object_lookup(object->bank, object->bank_version);
    if (!bank || bank->object.type != CAIRN_TYPE_BANK)
        return;
    uint32_t refund = 1 + (object->type == CAIRN_TYPE_BANK ? ((struct bank *)object)->quota : 0);
    bank->quota += refund;
    ckpt_note_change(&bank->object);
}

void object_destroy(struct object *object)
{
    bank_refund(object);
    switch (object->type) {
    case CAIRN_TYPE_PROCESS: process_destroy((struct process *)object); break;
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
