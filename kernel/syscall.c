/*
 * System-call dispatch.
 *
 * THE RULE. Every call is written check-then-commit:
 *
 *     validate arguments            -> a status, and no effect
 *     make sure every object and frame it needs is at hand
 *         (if not: rewind to the trap, block, return; it runs again later)
 *     make sure the partner is ready (IPC)
 *         (if not: rewind to the trap, queue on the endpoint, return)
 *     --- commit point: nothing below may fail or wait ---
 *     apply every effect, set the results
 *
 * So whenever the kernel is not running, every process is fully described by
 * its saved registers and the objects it holds: a blocked process is simply
 * one whose next instruction is its trap. There is one kernel stack and the
 * kernel never sleeps inside a call. The ABI is in include/cairn/abi.h and
 * docs/abi.md.
 */
#include <kernel/ckpt.h>
#include <checkpoint/store.h>
#include <kernel/console.h>
#include <kernel/foreground.h>
#include <kernel/klog.h>
#include <kernel/loader.h>
#include <kernel/memory.h>
#include <kernel/obj/objects.h>
#include <kernel/objstore.h>
#include <kernel/process.h>
#include <kernel/programs.h>
#include <kernel/reclaim.h>
#include <kernel/stats.h>
#include <kernel/string.h>
#include <kernel/syscall.h>
#include <kernel/time.h>

typedef int (*syscall_handler_t)(struct process *process);

uint32_t syscall_argument(struct process *process, int index)
{
    return context_get(&process->context, index);
}

static uint32_t argument(struct process *process, int index)
{
    return syscall_argument(process, index);
}

int syscall_argument_object(struct process *process, int index, enum cairn_type type,
                            uint8_t rights, struct object **object)
{
    struct capability *cap = process_slot(process, argument(process, index));
    if (!cap)
        return CAIRN_E_BAD_SLOT;
    return capability_resolve(cap, type, rights, object);
}

static int argument_object(struct process *process, int index, enum cairn_type type,
                           uint8_t rights, struct object **object)
{
    return syscall_argument_object(process, index, type, rights, object);
}

/* Calls on one object type go to that type's single entry point (kernel/obj/). */
static int call_endpoint(struct process *process)
{
    return endpoint_invoke(process, argument(process, CONTEXT_EAX));
}

static int call_bank(struct process *process)
{
    return bank_invoke(process, argument(process, CONTEXT_EAX));
}

static int call_space(struct process *process)
{
    return space_invoke(process, argument(process, CONTEXT_EAX));
}

static int call_process(struct process *process)
{
    return process_invoke(process, argument(process, CONTEXT_EAX));
}

/* The console's foreground (kernel/foreground.c). */
static int call_foreground(struct process *process)
{
    return foreground_invoke(process, argument(process, CONTEXT_EAX));
}

/* SYNC: wait (at the trap) for the next checkpoint; ckpt completes the call once it commits. */
static int call_sync(struct process *process)
{
    if (!ckpt_enabled())
        return CAIRN_E_NOT_DURABLE;
    process->sync_epoch = ckpt_open_epoch();    /* the checkpoint that covers this call */
    sched_block_call(process, BLOCK_SYNC);
    return CAIRN_OK;
}

static int call_null(struct process *process)
{
    (void)process;
    return CAIRN_OK;
}

static int call_yield(struct process *process)
{
    context_set(&process->context, CONTEXT_EAX, CAIRN_OK);
    sched_yield_current();
    return CAIRN_OK;
}

/* Can object be destroyed now? Its type's check_destroy says (a bank, or a process that takes
 * its program's bank with it, may have to wait while too many banks are being reclaimed). */
static int destroy_check(struct object *object)
{
    const struct object_ops *ops = object_type_ops(object->type);
    return ops->check_destroy ? ops->check_destroy(object) : CAIRN_OK;
}

static int call_exit(struct process *process)
{
    int check = destroy_check(&process->object);
    if (check != CAIRN_OK)
        return check;
    int status = (int)argument(process, CONTEXT_EBX);
    klog(status ? KLOG_INFO : KLOG_DEBUG, "process %llu (%s) exited with status %d",
         (unsigned long long)process->object.oid, process->name, status);
    object_destroy(&process->object);
    return CAIRN_OK;
}

static int call_sleep_until(struct process *process)
{
    uint64_t deadline = (uint64_t)argument(process, CONTEXT_ECX) << 32 |
                        argument(process, CONTEXT_EBX);
    if (time_monotonic_nanoseconds() < deadline)
        sched_block_call(process, BLOCK_SLEEP);
    return CAIRN_OK;
}

static int call_time(struct process *process)
{
    uint64_t now = time_monotonic_nanoseconds();
    context_set(&process->context, CONTEXT_EBX, (uint32_t)now);
    context_set(&process->context, CONTEXT_ECX, (uint32_t)(now >> 32));
    return CAIRN_OK;
}

static int call_console_write(struct process *process)
{
    char buffer[CAIRN_CONSOLE_WRITE_MAX];
    uint32_t length = argument(process, CONTEXT_ECX);
    if (length > CAIRN_CONSOLE_WRITE_MAX)
        return CAIRN_E_BAD_ARGUMENT;
    int status = user_copy_in(process, buffer, argument(process, CONTEXT_EBX), length);
    if (status != CAIRN_OK)
        return status;
    if (console_output_commit() && console_held_room(process->object.oid) < length) {
        sched_block_call(process, BLOCK_OUTPUT);    /* again once held output is released */
        return CAIRN_OK;
    }
    console_program_write(buffer, length, console_output_commit() ? ckpt_open_epoch() : 0,
                          process->object.oid);
    return CAIRN_OK;
}

/* CONSOLE_READ: waits (at the trap) until the caller may read and input is there; then takes
 * what fits. */
static int call_console_read(struct process *process)
{
    char buffer[CAIRN_CONSOLE_WRITE_MAX];
    uint32_t size = argument(process, CONTEXT_ECX), mode = argument(process, CONTEXT_EDX);
    if (size == 0 || size > CAIRN_CONSOLE_WRITE_MAX ||
        (mode != CAIRN_CONSOLE_BYTES && mode != CAIRN_CONSOLE_LINE))
        return CAIRN_E_BAD_ARGUMENT;
    if (!foreground_may_read(process)) {
        sched_block_call(process, BLOCK_CONSOLE);   /* again once the foreground changes */
        return CAIRN_OK;
    }
    int line = mode == CAIRN_CONSOLE_LINE;
    if (line ? !console_input_has_line() : !console_input_waiting()) {
        sched_block_call(process, BLOCK_INPUT);
        return CAIRN_OK;
    }
    uint32_t count = console_input_peek(buffer, size, line);
    int status = user_copy_out(process, argument(process, CONTEXT_EBX), buffer, count);
    if (status != CAIRN_OK)
        return status;
    console_input_consume(count);   /* commit: taken only once they reached the program */
    context_set(&process->context, CONTEXT_EBX, count);
    return CAIRN_OK;
}

static int call_clock(struct process *process)
{
    struct cairn_clock out = { 0 };
    uint32_t size = argument(process, CONTEXT_ECX);
    if (size > sizeof(out))
        return CAIRN_E_BAD_ARGUMENT;
    out.monotonic_ns = time_monotonic_nanoseconds();
    out.wall_ns = time_wall_nanoseconds();
    out.restart_wall_ns = time_boot_wall_ns;
    out.checkpoint_wall_ns = time_resumed_wall_ns;
    out.checkpoint_monotonic_ns = time_resumed_monotonic_ns;
    out.restart_count = objstore ? (uint32_t)objstore->root.restart_count : 0;
    return user_copy_out(process, argument(process, CONTEXT_EBX), &out, size);
}

/* PROCESS_INFO: the index-th process of the system. */
static int call_process_info(struct process *process)
{
    struct cairn_process_info out = { 0 };
    uint32_t index = argument(process, CONTEXT_EBX), size = argument(process, CONTEXT_EDX);
    if (size > sizeof(out))
        return CAIRN_E_BAD_ARGUMENT;
    struct process *target = process_first();
    for (uint32_t i = 0; target && i < index; i++)
        target = target->all_next;
    if (!target)
        return CAIRN_E_NOT_FOUND;
    out.oid = (uint32_t)target->object.oid;
    out.state = target->state;
    out.priority = target->priority;
    out.block_reason = target->block_reason;
    out.restarts = target->restarts;
    memcpy(out.name, target->name, sizeof(out.name));
    struct object *space;
    if (capability_resolve(&target->space, CAIRN_TYPE_SPACE, 0, &space) == CAIRN_OK)
        out.pages = space_count_pages((struct space *)space);
    return user_copy_out(process, argument(process, CONTEXT_ECX), &out, size);
}

/* PROGRAM_LOAD: builds an embryo of a stored program; the caller starts it. */
static int call_program_load(struct process *process)
{
    char command[CAIRN_PROGRAM_COMMAND_MAX + 1];
    struct object *bank;
    uint32_t length = argument(process, CONTEXT_EDX);
    int status = argument_object(process, CONTEXT_EBX, CAIRN_TYPE_BANK, CAIRN_RIGHT_WRITE, &bank);
    struct capability *to = process_slot(process, argument(process, CONTEXT_ESI));
    if (status != CAIRN_OK)
        return status;
    if (!to)
        return CAIRN_E_BAD_SLOT;
    if (length == 0 || length > CAIRN_PROGRAM_COMMAND_MAX)
        return CAIRN_E_BAD_ARGUMENT;
    status = user_copy_in(process, command, argument(process, CONTEXT_ECX), length);
    if (status != CAIRN_OK)
        return status;
    command[length] = 0;
    if (memchr(command, 0, length))
        return CAIRN_E_BAD_ARGUMENT;
    struct process *made;
    uint8_t rights = process_slot(process, argument(process, CONTEXT_EBX))->rights;
    status = programs_load_command((struct bank *)bank, rights, command, &made);
    if (status == LOADER_WAIT)
        return SYSCALL_WAIT_FRAME;      /* nothing was left behind; it runs again */
    if (status != CAIRN_OK)
        return status;
    *to = capability_to(&made->object, CAIRN_RIGHTS_ALL);
    return CAIRN_OK;
}

static int call_stats(struct process *process)
{
    struct cairn_stats out = { 0 };
    uint32_t size = argument(process, CONTEXT_ECX);
    if (size > sizeof(out))
        return CAIRN_E_BAD_ARGUMENT;
    out.monotonic_ns = time_monotonic_nanoseconds();
    out.system_calls = stats.system_calls;
    out.restarts = stats.restarts;
    out.my_restarts = process->restarts;
    out.context_switches = stats.context_switches;
    out.processes = stats.processes;
    out.objects = object_count();
    out.free_frames = memory_free_frames();
    out.total_frames = memory_total_frames();
    out.page_faults = stats.page_faults;
    out.user_faults = stats.user_faults;
    out.my_pid = (uint32_t)process->object.oid;
    out.checkpoints = ckpt_count;
    out.checkpoint_blocks = ckpt_blocks;
    out.last_pause_cycles = ckpt_last_pause_cycles;
    out.last_blocks = ckpt_last_blocks;
    out.cow_copies = ckpt_copies;
    out.last_commit_cycles = ckpt_last_commit_cycles;
    out.output_releases = console_releases;
    out.output_held_us_average = console_releases
        ? (uint32_t)(console_held_ns_total / console_releases / 1000) : 0;
    out.output_held_us_max = (uint32_t)(console_held_ns_max / 1000);
    out.output_bytes = console_bytes_released;
    out.pages_loaded = objstore_page_reads;
    out.pages_evicted = objstore_evictions;
    out.restart_count = objstore ? (uint32_t)objstore->root.restart_count : 0;
    strlcpy(out.checkpoints_off, ckpt_off_reason(), sizeof(out.checkpoints_off));
    return user_copy_out(process, argument(process, CONTEXT_EBX), &out, size);
}

/* Two slots named by ebx (from) and ecx (to); from must hold a capability. */
static int slot_pair(struct process *process, struct capability **from, struct capability **to)
{
    *from = process_slot(process, argument(process, CONTEXT_EBX));
    *to = process_slot(process, argument(process, CONTEXT_ECX));
    if (!*from || !*to)
        return CAIRN_E_BAD_SLOT;
    return (*from)->type == CAIRN_TYPE_NONE ? CAIRN_E_EMPTY : CAIRN_OK;
}

static int call_cap_copy(struct process *process)
{
    struct capability *from, *to;
    int status = slot_pair(process, &from, &to);
    if (status == CAIRN_OK)
        *to = *from;
    return status;
}

static int call_cap_move(struct process *process)
{
    struct capability *from, *to;
    int status = slot_pair(process, &from, &to);
    if (status == CAIRN_OK && from != to) {
        *to = *from;
        memset(from, 0, sizeof(*from));
    }
    return status;
}

static int call_cap_delete(struct process *process)
{
    struct capability *cap = process_slot(process, argument(process, CONTEXT_EBX));
    if (!cap)
        return CAIRN_E_BAD_SLOT;
    if (cap->type == CAIRN_TYPE_NONE)
        return CAIRN_E_EMPTY;
    memset(cap, 0, sizeof(*cap));
    return CAIRN_OK;
}

static int call_cap_restrict(struct process *process)
{
    struct capability *cap = process_slot(process, argument(process, CONTEXT_EBX));
    if (!cap)
        return CAIRN_E_BAD_SLOT;
    if (cap->type == CAIRN_TYPE_NONE)
        return CAIRN_E_EMPTY;
    cap->rights &= (uint8_t)argument(process, CONTEXT_ECX);
    return CAIRN_OK;
}

static int call_cap_badge(struct process *process)
{
    struct object *endpoint;
    int status = argument_object(process, CONTEXT_EBX, CAIRN_TYPE_ENDPOINT, 0, &endpoint);
    struct capability *to = process_slot(process, argument(process, CONTEXT_ECX));
    if (status != CAIRN_OK)
        return status;
    if (!to)
        return CAIRN_E_BAD_SLOT;
    struct capability *from = process_slot(process, argument(process, CONTEXT_EBX));
    if (from->badge != 0)
        return CAIRN_E_NO_RIGHTS;   /* a badge is set once */
    struct capability badged = *from;
    badged.badge = argument(process, CONTEXT_EDX);
    *to = badged;
    return CAIRN_OK;
}

static int call_cap_info(struct process *process)
{
    struct object *object;
    int status = argument_object(process, CONTEXT_EBX, CAIRN_TYPE_NONE, 0, &object);
    if (status != CAIRN_OK)
        return status;
    struct capability *cap = process_slot(process, argument(process, CONTEXT_EBX));
    context_set(&process->context, CONTEXT_EBX, cap->type);
    context_set(&process->context, CONTEXT_ECX, cap->rights);
    context_set(&process->context, CONTEXT_EDX, cap->badge);
    return CAIRN_OK;
}

static int call_set_receive_slot(struct process *process)
{
    uint32_t slot = argument(process, CONTEXT_EBX);
    if (slot != CAIRN_NO_SLOT && slot >= CAIRN_CLIST_SLOTS)
        return CAIRN_E_BAD_SLOT;
    process->receive_slot = slot;
    return CAIRN_OK;
}

static int call_destroy(struct process *process)
{
    struct object *object;
    int status = argument_object(process, CONTEXT_EBX, CAIRN_TYPE_NONE, CAIRN_RIGHT_DESTROY,
                                 &object);
    if (status == CAIRN_OK)
        status = destroy_check(object);
    if (status != CAIRN_OK)
        return status;
    memset(process_slot(process, argument(process, CONTEXT_EBX)), 0, sizeof(struct capability));
    context_set(&process->context, CONTEXT_EAX, CAIRN_OK);
    object_destroy(object);     /* may be the caller itself */
    return CAIRN_OK;
}

static const syscall_handler_t syscall_handlers[CAIRN_CALL_COUNT] = {
    [CAIRN_NULL] = call_null,
    [CAIRN_YIELD] = call_yield,
    [CAIRN_EXIT] = call_exit,
    [CAIRN_SLEEP_UNTIL] = call_sleep_until,
    [CAIRN_TIME] = call_time,
    [CAIRN_CONSOLE_WRITE] = call_console_write,
    [CAIRN_STATS] = call_stats,
    [CAIRN_CAP_COPY] = call_cap_copy,
    [CAIRN_CAP_MOVE] = call_cap_move,
    [CAIRN_CAP_DELETE] = call_cap_delete,
    [CAIRN_CAP_RESTRICT] = call_cap_restrict,
    [CAIRN_CAP_BADGE] = call_cap_badge,
    [CAIRN_CAP_INFO] = call_cap_info,
    [CAIRN_SEND] = call_endpoint,
    [CAIRN_RECEIVE] = call_endpoint,
    [CAIRN_CALL] = call_endpoint,
    [CAIRN_REPLY] = call_endpoint,
    [CAIRN_REPLY_RECEIVE] = call_endpoint,
    [CAIRN_WAIT_REPLY] = call_endpoint,
    [CAIRN_SET_RECEIVE_SLOT] = call_set_receive_slot,
    [CAIRN_CREATE] = call_bank,
    [CAIRN_DESTROY] = call_destroy,
    [CAIRN_MAP] = call_space,
    [CAIRN_UNMAP] = call_space,
    [CAIRN_PROCESS_SETUP] = call_process,
    [CAIRN_PROCESS_GIVE] = call_process,
    [CAIRN_PROCESS_START] = call_process,
    [CAIRN_SYNC] = call_sync,
    [CAIRN_CONSOLE_READ] = call_console_read,
    [CAIRN_CLOCK] = call_clock,
    [CAIRN_PROCESS_INFO] = call_process_info,
    [CAIRN_PROGRAM_LOAD] = call_program_load,
    [CAIRN_CONSOLE_FOREGROUND] = call_foreground,
    [CAIRN_CONSOLE_WAIT] = call_foreground,
};

/*
 * A call that failed because of the store: CAIRN_E_DAMAGED when a block it
 * needed failed its check (the caller is named in the log), a wait for frames
 * when an object stayed on disk for want of memory. A failed call has had no
 * effect, so running it again is always safe.
 */
static int syscall_settle_store_trouble(struct process *process, int status)
{
    if (status == CAIRN_OK || process_current != process)
        return status;
    const struct objstore_damage *damage = objstore_operation_damage();
    if (damage) {
        klog(KLOG_INFO, "process %llu (%s): call %u needed OID %llu at block %u, which failed its "
             "check on the disk: E_DAMAGED", (unsigned long long)process->object.oid, process->name,
             argument(process, CONTEXT_EAX), (unsigned long long)damage->oid, damage->block);
        return CAIRN_E_DAMAGED;
    }
    return objstore_operation_short_of_memory() ? SYSCALL_WAIT_FRAME : status;
}

void syscall_handle(struct process *process)
{
    stats.system_calls++;
    objstore_begin_operation();
    uint32_t number = argument(process, CONTEXT_EAX);
    syscall_handler_t handler = number < CAIRN_CALL_COUNT ? syscall_handlers[number] : NULL;
    int status = handler ? handler(process) : CAIRN_E_BAD_CALL;
    status = syscall_settle_store_trouble(process, status);
    if (status == SYSCALL_WAIT_FRAME) {
        sched_block_call(process, BLOCK_FRAME);
        return;
    }
    if (process_current == process)     /* neither blocked, nor gone, nor yielded */
        context_set(&process->context, CONTEXT_EAX, (uint32_t)status);
}
