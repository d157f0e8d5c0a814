/* Process objects: creation, SETUP/GIVE/START, destruction, and stopping a process after a user fault. */
#include <stddef.h>
#include <cairn/disk_format.h>
#include <kernel/foreground.h>
#include <kernel/heap.h>
#include <kernel/klog.h>
#include <kernel/obj/objects.h>
#include <kernel/panic.h>
#include <kernel/process.h>
#include <kernel/reclaim.h>
#include <kernel/sched.h>
#include <kernel/stats.h>
#include <kernel/string.h>
#include <kernel/syscall.h>

static struct process *all_processes;

static void process_link(struct process *process)
{
    process->all_previous = NULL;
    process->all_next = all_processes;
    if (all_processes)
        all_processes->all_previous = process;
    all_processes = process;
}

static void process_unlink(struct process *process)
{
    if (process->all_previous)
        process->all_previous->all_next = process->all_next;
    else
        all_processes = process->all_next;
    if (process->all_next)
        process->all_next->all_previous = process->all_previous;
}

struct process *process_first(void)
{
    return all_processes;
}

struct process *process_create(void)
{
    struct process *process =
        (struct process *)object_create(CAIRN_TYPE_PROCESS, sizeof(struct process));
    if (!process)
        return NULL;
    process->state = PROCESS_EMBRYO;
    process->priority = 4;
    process->receive_slot = CAIRN_NO_SLOT;
    strlcpy(process->name, process_current ? process_current->name : "process",
            sizeof(process->name));
    context_init(&process->context, 0, 0);
    stats.processes++;
    process_link(process);
    return process;
}

static void process_destroy(struct process *process)
{
    if (process->state == PROCESS_BLOCKED || process->state == PROCESS_READY)
        sched_unqueue(process);
    if (process == process_current)
        process_current = NULL;
    foreground_forget(process);
    stats.processes--;
    process_unlink(process);
    object_free(&process->object);
}

void process_fault(struct process *process, const char *what, uint32_t address)
{
    if (address == PROCESS_FAULT_NO_ADDRESS)
        klog(KLOG_INFO, "process %llu (%s): %s at eip %#x; stopped",
             (unsigned long long)process->object.oid, process->name, what,
             context_pc(&process->context));
    else
        klog(KLOG_INFO, "process %llu (%s): %s at address %#x, eip %#x; stopped",
             (unsigned long long)process->object.oid, process->name, what, address,
             context_pc(&process->context));
    if (process->state == PROCESS_BLOCKED || process->state == PROCESS_READY)
        sched_unqueue(process);
    if (process == process_current)
        process_current = NULL;
    process->state = PROCESS_FAULTED;
    foreground_forget(process);
    stats.user_faults++;
}

/* The stored form of a process (struct cairn_object_record): registers, c-list, state. */
void process_to_record(const struct process *process, struct cairn_object_record *record)
{
    _Static_assert(sizeof(struct capability) == sizeof(struct cairn_disk_capability), "caps");
    const struct user_context *context = &process->context;
    memcpy(record->context.registers, context->registers, sizeof(record->context.registers));
    record->context.esp = context->esp;
    record->context.eip = context->eip;
    record->context.eflags = context->eflags;
    memcpy(record->context.fpu, context->fpu, sizeof(record->context.fpu));
    memcpy(&record->space, &process->space, sizeof(record->space));
    memcpy(record->clist, process->clist, sizeof(record->clist));
    record->state = process->state == PROCESS_EMBRYO || process->state == PROCESS_FAULTED
                    ? process->state : PROCESS_READY;   /* blocked ones re-execute their trap */
    record->priority = process->priority;
    record->receive_slot = process->receive_slot;
    record->call_cookie = process->call_cookie;
    record->reply_caller = process->reply_to.caller;
    record->reply_version = process->reply_to.version;
    record->reply_cookie = process->reply_to.cookie;
    memcpy(record->name, process->name, sizeof(record->name));
}

struct process *process_from_record(const struct cairn_object_record *record)
{
    if (record->state > PROCESS_FAULTED || record->priority >= CAIRN_PRIORITIES ||
        (record->receive_slot != CAIRN_NO_SLOT && record->receive_slot >= CAIRN_CLIST_SLOTS))
        return NULL;
    struct process *process = kzalloc(sizeof(struct process));
    if (!process)
        return NULL;
    process->object.type = CAIRN_TYPE_PROCESS;
    struct user_context *context = &process->context;
    memcpy(context->registers, record->context.registers, sizeof(context->registers));
    context->esp = record->context.esp;
    context->eip = record->context.eip;
    context->eflags = record->context.eflags;
    memcpy(context->fpu, record->context.fpu, sizeof(context->fpu));
    if (!context_fpu_sound(context)) {     /* fxrstor of it would fault in the kernel */
        kfree(process);
        return NULL;
    }
    memcpy(&process->space, &record->space, sizeof(process->space));
    memcpy(process->clist, record->clist, sizeof(process->clist));
    process->state = record->state;
    process->priority = record->priority;
    process->receive_slot = record->receive_slot;
    process->call_cookie = record->call_cookie;
    process->reply_to = (struct reply_target){ record->reply_caller, record->reply_version,
                                               record->reply_cookie };
    memcpy(process->name, record->name, sizeof(process->name));
    process->name[PROCESS_NAME_SIZE - 1] = 0;
    stats.processes++;
    process_link(process);
    return process;
}

static struct object *process_make(struct bank *bank, uint32_t limit)
{
    (void)bank;
    (void)limit;
    return (struct object *)process_create();
}

/* A process a program load made takes its bank with it, which may have to wait while too many
 * banks are being reclaimed (kernel/reclaim.c). */
static int process_check_destroy(struct object *object)
{
    struct bank *bank = bank_of(object);
    if (!bank || bank->program != (uint32_t)object->oid)
        return CAIRN_OK;
    int status = reclaim_check_start(bank);
    return status == CAIRN_E_BAD_ARGUMENT ? CAIRN_OK : status;
}

/* DESTROY, EXIT or a reclaim: its units back, the bank a program load made for it goes. */
static void process_object_destroy(struct object *object)
{
    struct bank *bank = bank_of(object);
    bank_refund(object);
    bank_program_ended(bank, (struct process *)object);
    process_destroy((struct process *)object);
}

/* Registers change all the time: the pause copies the whole struct (ckpt_stage_processes). */
static const void *process_stage(struct object *object, uint32_t *size, uint8_t *flags)
{
    (void)flags;
    *size = sizeof(struct process);
    return object;
}

static void process_stage_to_record(const void *data, struct cairn_object_record *record)
{
    process_to_record(data, record);
}

static struct object *process_load_record(const struct cairn_object_record *record,
                                          const char **damage)
{
    struct process *process = process_from_record(record);
    if (!process)
        *damage = "a Process in an impossible state";
    return (struct object *)process;
}

/* The process the call names, with WRITE. */
static int argument_process(struct process *process, struct process **target)
{
    return syscall_argument_object(process, REGISTER_PROCESS, CAIRN_TYPE_PROCESS,
                                   CAIRN_RIGHT_WRITE, (struct object **)target);
}

/* What PROCESS_SETUP's decode step checked, for its invoke step. */
struct process_setup_arguments {
    struct process *target;     /* an embryo */
    struct capability space;    /* a root Space's capability, badge 0 */
    uint32_t eip, esp;
    uint8_t priority;           /* below CAIRN_PRIORITIES */
};

/* SETUP: an embryo, a root Space, its entry point, stack and priority. */
static syscall_result_t process_decode_setup(struct process *process,
                                             struct process_setup_arguments *setup)
{
    int status = argument_process(process, &setup->target);
    struct capability *space_cap = process_slot(process,
                                                syscall_argument(process, REGISTER_SETUP_SPACE));
    if (status != CAIRN_OK)
        return status;
    if (!space_cap)
        return CAIRN_E_BAD_SLOT;
    struct object *space;
    status = capability_resolve(space_cap, CAIRN_TYPE_SPACE, 0, &space);
    if (status != CAIRN_OK)
        return status;
    uint32_t priority = syscall_argument(process, REGISTER_SETUP_PRIORITY);
    if (((struct space *)space)->level != 0 || priority >= CAIRN_PRIORITIES)
        return CAIRN_E_BAD_ARGUMENT;
    if (setup->target->state != PROCESS_EMBRYO)
        return CAIRN_E_BUSY;
    setup->space = *space_cap;
    setup->space.badge = 0;
    setup->eip = syscall_argument(process, REGISTER_SETUP_EIP);
    setup->esp = syscall_argument(process, REGISTER_SETUP_ESP);
    setup->priority = (uint8_t)priority;
    return CAIRN_OK;
}

/* SETUP's effects: the embryo gets its space, registers and priority. */
static void process_invoke_setup(const struct process_setup_arguments *setup)
{
    struct process *target = setup->target;
    assert(target->state == PROCESS_EMBRYO && setup->priority < CAIRN_PRIORITIES);
    target->space = setup->space;
    target->space_cached = NULL;        /* process_space resolves the new one */
    context_init(&target->context, setup->eip, setup->esp);
    target->priority = setup->priority;
}

static syscall_result_t process_call_setup(struct process *process)
{
    struct process_setup_arguments setup;
    int status = process_decode_setup(process, &setup);
    if (status == CAIRN_OK)
        process_invoke_setup(&setup);
    return status;
}

/* What PROCESS_GIVE's decode step checked: a capability, and the target's slot for its copy. */
struct process_give_arguments {
    const struct capability *from;
    struct capability *to;
};

/* GIVE: the process, the caller's slot (not empty), the process's slot. */
static syscall_result_t process_decode_give(struct process *process,
                                            struct process_give_arguments *give)
{
    struct process *target;
    int status = argument_process(process, &target);
    give->from = process_slot(process, syscall_argument(process, REGISTER_GIVE_FROM));
    if (status != CAIRN_OK)
        return status;
    give->to = process_slot(target, syscall_argument(process, REGISTER_GIVE_TO));
    if (!give->from || !give->to)
        return CAIRN_E_BAD_SLOT;
    return give->from->type == CAIRN_TYPE_NONE ? CAIRN_E_EMPTY : CAIRN_OK;
}

/* GIVE's effect: the copy. */
static void process_invoke_give(const struct process_give_arguments *give)
{
    assert(give->from->type != CAIRN_TYPE_NONE);
    *give->to = *give->from;
}

static syscall_result_t process_call_give(struct process *process)
{
    struct process_give_arguments give;
    int status = process_decode_give(process, &give);
    if (status == CAIRN_OK)
        process_invoke_give(&give);
    return status;
}

/* What PROCESS_START's decode step checked: an embryo with a space, and its first registers. */
struct process_start_arguments {
    struct process *target;
    uint32_t first, second;
};

static syscall_result_t process_decode_start(struct process *process,
                                             struct process_start_arguments *start)
{
    int status = argument_process(process, &start->target);
    if (status != CAIRN_OK)
        return status;
    if (start->target->state != PROCESS_EMBRYO)
        return CAIRN_E_BUSY;
    if (start->target->space.type != CAIRN_TYPE_SPACE)
        return CAIRN_E_BAD_ARGUMENT;
    start->first = syscall_argument(process, REGISTER_START_FIRST);
    start->second = syscall_argument(process, REGISTER_START_SECOND);
    return CAIRN_OK;
}

/* START's effects: the embryo, its two registers set, becomes ready. */
static void process_invoke_start(const struct process_start_arguments *start)
{
    struct process *target = start->target;
    assert(target->state == PROCESS_EMBRYO);
    context_set(&target->context, REGISTER_STARTED_FIRST, start->first);
    context_set(&target->context, REGISTER_STARTED_SECOND, start->second);
    sched_make_ready(target);
}

static syscall_result_t process_call_start(struct process *process)
{
    struct process_start_arguments start;
    int status = process_decode_start(process, &start);
    if (status == CAIRN_OK)
        process_invoke_start(&start);
    return status;
}

syscall_result_t process_invoke(struct process *caller, uint32_t call)
{
    switch (call) {
    case CAIRN_PROCESS_SETUP: return process_call_setup(caller);
    case CAIRN_PROCESS_GIVE: return process_call_give(caller);
    case CAIRN_PROCESS_START: return process_call_start(caller);
    default: return CAIRN_E_BAD_CALL;
    }
}

const struct object_ops process_ops = {
    .make = process_make,
    .check_destroy = process_check_destroy,
    .destroy = process_object_destroy,
    .stage = process_stage,
    .to_record = process_stage_to_record,
    .from_record = process_load_record,
};
