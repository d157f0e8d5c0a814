/*
 * System-call dispatch.
 *
 * THE RULE. Every call is two steps, and its commit point is the boundary
 * between them (kernel/syscall.h says it in full):
 *
 *     decode: validate arguments         -> a status, and no effect
 *             have every object and frame it needs at hand
 *                 (if not: SYSCALL_WAIT_FRAME, or syscall_wait: rewound to
 *                 the trap, blocked; it runs again later)
 *             make sure the partner is ready (IPC)
 *                 (if not: queued on the endpoint, syscall_wait)
 *             and fill the call's argument struct
 *     --- commit point: decode returned CAIRN_OK ---
 *     invoke: apply every effect from that struct, set the results; it
 *             cannot fail or wait, and asserts what decode promised
 *
 * So whenever the kernel is not running, every process is fully described by
 * its saved registers and the objects it holds: a blocked process is simply
 * one whose next instruction is its trap. There is one kernel stack and the
 * kernel never sleeps inside a call. A call with nothing to check (NULL,
 * YIELD, TIME) is its invoke step alone, and one that only waits (SYNC,
 * SLEEP_UNTIL, WAIT_REPLY) its decode step alone: its effect comes when
 * another part of the kernel completes it. The ABI is in include/cairn/abi.h,
 * docs/abi.md and, for the registers, arch/abi_registers.h.
 */
#include <kernel/ckpt.h>
#include <checkpoint/store.h>
#include <kernel/console.h>
#include <kernel/foreground.h>
#include <kernel/klog.h>
#include <kernel/loader.h>
#include <kernel/memory.h>
#include <kernel/nic.h>
#include <kernel/obj/objects.h>
#include <kernel/objstore.h>
#include <kernel/panic.h>
#include <kernel/process.h>
#include <kernel/programs.h>
#include <kernel/reclaim.h>
#include <kernel/sched.h>
#include <kernel/stats.h>
#include <kernel/string.h>
#include <kernel/syscall.h>
#include <kernel/time.h>

typedef syscall_result_t (*syscall_handler_t)(struct process *process);

uint32_t syscall_argument(struct process *process, int index)
{
    return context_get(&process->context, index);
}

int syscall_argument_object(struct process *process, int index, enum cairn_type type,
                            uint8_t rights, struct object **object)
{
    struct capability *cap = process_slot(process, syscall_argument(process, index));
    if (!cap)
        return CAIRN_E_BAD_SLOT;
    return capability_resolve(cap, type, rights, object);
}

syscall_result_t syscall_wait(struct process *process, enum block_reason reason)
{
    sched_block_call(process, reason);
    return SYSCALL_WAITING;
}

/* Calls on one object type go to that type's single entry point (kernel/obj/), the c-list's
 * to kernel/clist.c, the console's foreground to kernel/foreground.c, the NIC's to
 * kernel/obj/nic.c. */
static syscall_result_t call_endpoint(struct process *process)
{
    return endpoint_invoke(process, syscall_argument(process, REGISTER_CALL));
}

static syscall_result_t call_bank(struct process *process)
{
    return bank_invoke(process, syscall_argument(process, REGISTER_CALL));
}

static syscall_result_t call_space(struct process *process)
{
    return space_invoke(process, syscall_argument(process, REGISTER_CALL));
}

static syscall_result_t call_process(struct process *process)
{
    return process_invoke(process, syscall_argument(process, REGISTER_CALL));
}

static syscall_result_t call_clist(struct process *process)
{
    return clist_invoke(process, syscall_argument(process, REGISTER_CALL));
}

static syscall_result_t call_nic(struct process *process)
{
    return nic_invoke(process, syscall_argument(process, REGISTER_CALL));
}

static syscall_result_t call_foreground(struct process *process)
{
    return foreground_invoke(process, syscall_argument(process, REGISTER_CALL));
}

/* SYNC: only waits (at the trap) for the next checkpoint; ckpt completes the call once that
 * commits (sched_finish_syncs). */
static syscall_result_t call_sync(struct process *process)
{
    if (!ckpt_enabled())
        return CAIRN_E_NOT_DURABLE;
    process->sync_epoch = ckpt_open_epoch();    /* the checkpoint that covers this call */
    return syscall_wait(process, BLOCK_SYNC);
}

static syscall_result_t call_null(struct process *process)
{
    (void)process;
    return CAIRN_OK;
}

/* YIELD: answered at once, then the caller goes to the back of its run queue. */
static syscall_result_t call_yield(struct process *process)
{
    context_set(&process->context, REGISTER_STATUS, CAIRN_OK);
    sched_yield_current();
    return CAIRN_OK;
}

/* EXIT: the caller may go now (its type's check), with this status for the log. */
static syscall_result_t decode_exit(struct process *process, int *exit_status)
{
    *exit_status = (int)syscall_argument(process, REGISTER_EXIT_STATUS);
    return object_check_destroy(&process->object);
}

static void invoke_exit(struct process *process, int exit_status)
{
    klog(exit_status ? KLOG_INFO : KLOG_DEBUG, "process %llu (%s) exited with status %d",
         (unsigned long long)process->object.oid, process->name, exit_status);
    object_destroy(&process->object);
}

static syscall_result_t call_exit(struct process *process)
{
    int exit_status;
    syscall_result_t status = decode_exit(process, &exit_status);
    if (status == CAIRN_OK)
        invoke_exit(process, exit_status);
    return status;
}

/* SLEEP_UNTIL: only waits, until the deadline (sched_wake_sleepers reads it again). */
static syscall_result_t call_sleep_until(struct process *process)
{
    uint64_t deadline = (uint64_t)syscall_argument(process, REGISTER_SLEEP_DEADLINE_HIGH) << 32 |
                        syscall_argument(process, REGISTER_SLEEP_DEADLINE_LOW);
    if (time_monotonic_nanoseconds() < deadline)
        return syscall_wait(process, BLOCK_SLEEP);
    return CAIRN_OK;
}

static syscall_result_t call_time(struct process *process)
{
    uint64_t now = time_monotonic_nanoseconds();
    context_set(&process->context, REGISTER_TIME_NOW_LOW, (uint32_t)now);
    context_set(&process->context, REGISTER_TIME_NOW_HIGH, (uint32_t)(now >> 32));
    return CAIRN_OK;
}

/* What CONSOLE_WRITE's decode step copied in. */
struct console_write_arguments {
    char buffer[CAIRN_CONSOLE_WRITE_MAX];
    uint32_t length;
};

/* CONSOLE_WRITE: the bytes, and room for them in the held output (or it waits for a release). */
static syscall_result_t decode_console_write(struct process *process,
                                             struct console_write_arguments *write)
{
    write->length = syscall_argument(process, REGISTER_CONSOLE_WRITE_LENGTH);
    if (write->length > CAIRN_CONSOLE_WRITE_MAX)
        return CAIRN_E_BAD_ARGUMENT;
    syscall_result_t status =
        user_copy_in(process, write->buffer,
                     syscall_argument(process, REGISTER_CONSOLE_WRITE_BUFFER), write->length);
    if (status != CAIRN_OK)
        return status;
    if (console_output_commit() && console_held_room(process->object.oid) < write->length)
        return syscall_wait(process, BLOCK_OUTPUT);     /* again once held output is released */
    return CAIRN_OK;
}

static void invoke_console_write(struct process *process,
                                 const struct console_write_arguments *write)
{
    console_program_write(write->buffer, write->length,
                          console_output_commit() ? ckpt_open_epoch() : 0, process->object.oid);
}

static syscall_result_t call_console_write(struct process *process)
{
    struct console_write_arguments write;
    syscall_result_t status = decode_console_write(process, &write);
    if (status == CAIRN_OK)
        invoke_console_write(process, &write);
    return status;
}

/* What CONSOLE_READ's decode step found: the bytes it will take, and where they go. */
struct console_read_arguments {
    char buffer[CAIRN_CONSOLE_WRITE_MAX];
    uint32_t count;
    struct user_buffer to;
};

/* CONSOLE_READ: waits (at the trap) until the caller may read and input is there; then peeks
 * at what fits. */
static syscall_result_t decode_console_read(struct process *process,
                                            struct console_read_arguments *read)
{
    uint32_t size = syscall_argument(process, REGISTER_CONSOLE_READ_SIZE);
    uint32_t mode = syscall_argument(process, REGISTER_CONSOLE_READ_MODE);
    if (size == 0 || size > CAIRN_CONSOLE_WRITE_MAX ||
        (mode != CAIRN_CONSOLE_BYTES && mode != CAIRN_CONSOLE_LINE))
        return CAIRN_E_BAD_ARGUMENT;
    if (!foreground_may_read(process))
        return syscall_wait(process, BLOCK_CONSOLE);    /* again once the foreground changes */
    int line = mode == CAIRN_CONSOLE_LINE;
    if (line ? !console_input_has_line() : !console_input_waiting())
        return syscall_wait(process, BLOCK_INPUT);
    read->count = console_input_peek(read->buffer, size, line);
    return user_buffer_prepare_out(process,
                                   syscall_argument(process, REGISTER_CONSOLE_READ_BUFFER),
                                   read->count, &read->to);
}

/* Its effects: the bytes reach the program, and only then are they taken from the input. */
static void invoke_console_read(struct process *process,
                                const struct console_read_arguments *read)
{
    user_buffer_write(&read->to, read->buffer);
    console_input_consume(read->count);
    context_set(&process->context, REGISTER_CONSOLE_READ_COUNT, read->count);
}

static syscall_result_t call_console_read(struct process *process)
{
    struct console_read_arguments read;
    syscall_result_t status = decode_console_read(process, &read);
    if (status == CAIRN_OK)
        invoke_console_read(process, &read);
    return status;
}

/* CLOCK, STATS, PROCESS_INFO: the struct as decode filled it in, and the buffer it goes to. */
struct copy_out_arguments {
    const void *from;
    struct user_buffer to;
};

static void invoke_copy_out(const struct copy_out_arguments *copy)
{
    user_buffer_write(&copy->to, copy->from);
}

/* Runs a decode step that fills out and prepares its buffer, then the copy out. */
static syscall_result_t call_copy_out(struct process *process,
                                      syscall_result_t (*decode)(struct process *, void *,
                                                                 struct user_buffer *),
                                      void *out)
{
    struct copy_out_arguments copy = { .from = out };
    syscall_result_t status = decode(process, out, &copy.to);
    if (status == CAIRN_OK)
        invoke_copy_out(&copy);
    return status;
}

/* CLOCK: the clocks now, into a buffer of at most sizeof(struct cairn_clock). */
static syscall_result_t decode_clock(struct process *process, void *data,
                                     struct user_buffer *to)
{
    struct cairn_clock *out = data;
    uint32_t size = syscall_argument(process, REGISTER_CLOCK_SIZE);
    if (size > sizeof(*out))
        return CAIRN_E_BAD_ARGUMENT;
    out->monotonic_ns = time_monotonic_nanoseconds();
    out->wall_ns = time_wall_nanoseconds();
    out->restart_wall_ns = time_boot_wall_ns;
    out->checkpoint_wall_ns = time_resumed_wall_ns;
    out->checkpoint_monotonic_ns = time_resumed_monotonic_ns;
    out->restart_count = objstore ? (uint32_t)objstore->root.restart_count : 0;
    return user_buffer_prepare_out(process, syscall_argument(process, REGISTER_CLOCK_BUFFER),
                                   size, to);
}

static syscall_result_t call_clock(struct process *process)
{
    struct cairn_clock out = { 0 };
    return call_copy_out(process, decode_clock, &out);
}

/* PROCESS_INFO: the index-th process of the system. */
static syscall_result_t decode_process_info(struct process *process, void *data,
                                            struct user_buffer *to)
{
    struct cairn_process_info *out = data;
    uint32_t index = syscall_argument(process, REGISTER_PROCESS_INFO_INDEX);
    uint32_t size = syscall_argument(process, REGISTER_PROCESS_INFO_SIZE);
    if (size > sizeof(*out))
        return CAIRN_E_BAD_ARGUMENT;
    struct process *target = process_first();
    for (uint32_t i = 0; target && i < index; i++)
        target = target->all_next;
    if (!target)
        return CAIRN_E_NOT_FOUND;
    out->oid = (uint32_t)target->object.oid;
    out->state = target->state;
    out->priority = target->priority;
    out->block_reason = target->block_reason;
    out->restarts = target->restarts;
    memcpy(out->name, target->name, sizeof(out->name));
    struct object *space;
    if (capability_resolve(&target->space, CAIRN_TYPE_SPACE, 0, &space) == CAIRN_OK)
        out->pages = space_count_pages((struct space *)space);
    return user_buffer_prepare_out(process,
                                   syscall_argument(process, REGISTER_PROCESS_INFO_BUFFER),
                                   size, to);
}

static syscall_result_t call_process_info(struct process *process)
{
    struct cairn_process_info out = { 0 };
    return call_copy_out(process, decode_process_info, &out);
}

/* STATS: the kernel's counters, into a buffer of at most sizeof(struct cairn_stats). */
static syscall_result_t decode_stats(struct process *process, void *data,
                                     struct user_buffer *to)
{
    struct cairn_stats *out = data;
    uint32_t size = syscall_argument(process, REGISTER_STATS_SIZE);
    if (size > sizeof(*out))
        return CAIRN_E_BAD_ARGUMENT;
    out->monotonic_ns = time_monotonic_nanoseconds();
    out->system_calls = stats.system_calls;
    out->restarts = stats.restarts;
    out->my_restarts = process->restarts;
    out->context_switches = stats.context_switches;
    out->processes = stats.processes;
    out->objects = object_count();
    out->free_frames = memory_free_frames();
    out->total_frames = memory_total_frames();
    out->page_faults = stats.page_faults;
    out->user_faults = stats.user_faults;
    out->my_pid = (uint32_t)process->object.oid;
    out->checkpoints = ckpt_count;
    out->checkpoint_blocks = ckpt_blocks;
    out->last_pause_cycles = ckpt_last_pause_cycles;
    out->last_blocks = ckpt_last_blocks;
    out->cow_copies = ckpt_copies;
    out->last_commit_cycles = ckpt_last_commit_cycles;
    out->output_releases = console_releases;
    out->output_held_us_average = console_releases
        ? (uint32_t)(console_held_ns_total / console_releases / 1000) : 0;
    out->output_held_us_max = (uint32_t)(console_held_ns_max / 1000);
    out->output_bytes = console_bytes_released;
    out->pages_loaded = objstore_page_reads;
    out->pages_evicted = objstore_evictions;
    out->restart_count = objstore ? (uint32_t)objstore->root.restart_count : 0;
    strlcpy(out->checkpoints_off, ckpt_off_reason(), sizeof(out->checkpoints_off));
    struct ckpt_share_figures share;
    ckpt_share_figures(&share);
    out->checkpoint_cycles = share.checkpoint_cycles;
    out->program_cycles = share.program_cycles;
    out->period_us = share.period_us;
    out->share_permille = share.share_permille;
    out->max_share = share.max_share;
    out->snapshot_age_us = share.snapshot_age_us;
    struct cairn_nic_info net = { 0 };
    nic_figures(&net);
    out->frames_in = net.frames_in;
    out->frames_out = net.frames_out;
    out->frames_held = net.frames_held;
    out->frames_dropped = net.frames_dropped;
    return user_buffer_prepare_out(process, syscall_argument(process, REGISTER_STATS_BUFFER),
                                   size, to);
}

static syscall_result_t call_stats(struct process *process)
{
    struct cairn_stats out = { 0 };
    return call_copy_out(process, decode_stats, &out);
}

/* What PROGRAM_LOAD's decode step built: an embryo reachable from nowhere, and the slot. */
struct program_load_arguments {
    struct process *made;
    struct capability *to;
};

/*
 * PROGRAM_LOAD: the bank, the command, the slot; then the embryo is built
 * (kernel/programs.c), with its own sub-bank, space and pages, none of them
 * reachable by any program until invoke puts its capability in the slot. A
 * load that fails or waits gives back everything it built first.
 */
static syscall_result_t decode_program_load(struct process *process,
                                            struct program_load_arguments *load)
{
    char command[CAIRN_PROGRAM_COMMAND_MAX + 1];
    struct object *bank;
    uint32_t length = syscall_argument(process, REGISTER_PROGRAM_LOAD_LENGTH);
    syscall_result_t status = syscall_argument_object(process, REGISTER_PROGRAM_LOAD_BANK,
                                                      CAIRN_TYPE_BANK, CAIRN_RIGHT_WRITE, &bank);
    load->to = process_slot(process, syscall_argument(process, REGISTER_PROGRAM_LOAD_TO));
    if (status != CAIRN_OK)
        return status;
    if (!load->to)
        return CAIRN_E_BAD_SLOT;
    if (length == 0 || length > CAIRN_PROGRAM_COMMAND_MAX)
        return CAIRN_E_BAD_ARGUMENT;
    status = user_copy_in(process, command,
                          syscall_argument(process, REGISTER_PROGRAM_LOAD_COMMAND), length);
    if (status != CAIRN_OK)
        return status;
    command[length] = 0;
    if (memchr(command, 0, length))
        return CAIRN_E_BAD_ARGUMENT;
    uint8_t rights =
        process_slot(process, syscall_argument(process, REGISTER_PROGRAM_LOAD_BANK))->rights;
    status = programs_load_command((struct bank *)bank, rights, command, &load->made);
    return status == LOADER_WAIT ? SYSCALL_WAIT_FRAME : status;    /* nothing was left behind */
}

/* The new program gets the caller's NIC capability in its slot 3, if the caller has one there. */
static void invoke_program_load(struct process *process, const struct program_load_arguments *load)
{
    assert(load->made->state == PROCESS_EMBRYO);
    if (process->clist[CAIRN_SLOT_NIC].type == CAIRN_TYPE_NIC)
        load->made->clist[CAIRN_SLOT_NIC] = process->clist[CAIRN_SLOT_NIC];
    *load->to = capability_to(&load->made->object, CAIRN_RIGHTS_ALL);
}

static syscall_result_t call_program_load(struct process *process)
{
    struct program_load_arguments load;
    syscall_result_t status = decode_program_load(process, &load);
    if (status == CAIRN_OK)
        invoke_program_load(process, &load);
    return status;
}

static const syscall_handler_t syscall_handlers[CAIRN_CALL_COUNT] = {
    [CAIRN_NULL] = call_null,
    [CAIRN_YIELD] = call_yield,
    [CAIRN_EXIT] = call_exit,
    [CAIRN_SLEEP_UNTIL] = call_sleep_until,
    [CAIRN_TIME] = call_time,
    [CAIRN_CONSOLE_WRITE] = call_console_write,
    [CAIRN_STATS] = call_stats,
    [CAIRN_CAP_COPY] = call_clist,
    [CAIRN_CAP_MOVE] = call_clist,
    [CAIRN_CAP_DELETE] = call_clist,
    [CAIRN_CAP_RESTRICT] = call_clist,
    [CAIRN_CAP_BADGE] = call_clist,
    [CAIRN_CAP_INFO] = call_clist,
    [CAIRN_SEND] = call_endpoint,
    [CAIRN_RECEIVE] = call_endpoint,
    [CAIRN_CALL] = call_endpoint,
    [CAIRN_REPLY] = call_endpoint,
    [CAIRN_REPLY_RECEIVE] = call_endpoint,
    [CAIRN_WAIT_REPLY] = call_endpoint,
    [CAIRN_SET_RECEIVE_SLOT] = call_clist,
    [CAIRN_CREATE] = call_bank,
    [CAIRN_DESTROY] = call_clist,
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
    [CAIRN_NIC_SEND] = call_nic,
    [CAIRN_NIC_RECEIVE] = call_nic,
    [CAIRN_NIC_INFO] = call_nic,
};

/*
 * A call that failed because of the store: CAIRN_E_DAMAGED when a block it
 * needed failed its check (the caller is named in the log), a wait for frames
 * when an object stayed on disk for want of memory. A failed call has had no
 * effect, so running it again is always safe.
 */
static syscall_result_t syscall_settle_store_trouble(struct process *process,
                                                     syscall_result_t status)
{
    if (status == CAIRN_OK || process_current != process)
        return status;
    const struct objstore_damage *damage = objstore_operation_damage();
    if (damage) {
        klog(KLOG_INFO, "process %llu (%s): call %u needed OID %llu at block %u, which failed its "
             "check on the disk: E_DAMAGED", (unsigned long long)process->object.oid, process->name,
             syscall_argument(process, REGISTER_CALL), (unsigned long long)damage->oid,
             damage->block);
        return CAIRN_E_DAMAGED;
    }
    return objstore_operation_short_of_memory() ? SYSCALL_WAIT_FRAME : status;
}

void syscall_handle(struct process *process)
{
    stats.system_calls++;
    uint32_t number = syscall_argument(process, REGISTER_CALL);
    if ((number == CAIRN_CALL || number == CAIRN_REPLY_RECEIVE) && endpoint_fast_path(process))
        return;         /* all done, and nothing from the store */
    objstore_begin_operation();
    syscall_handler_t handler = number < CAIRN_CALL_COUNT ? syscall_handlers[number] : NULL;
    syscall_result_t status = handler ? handler(process) : CAIRN_E_BAD_CALL;
    status = syscall_settle_store_trouble(process, status);
    if (status == SYSCALL_WAIT_FRAME) {
        sched_block_call(process, BLOCK_FRAME);
        return;
    }
    /* Neither blocked (SYSCALL_WAITING: syscall_wait parked the caller, so it is not current
     * and no outcome of the kernel's own reaches it), nor gone, nor yielded. */
    if (process_current == process)
        context_set(&process->context, REGISTER_STATUS, (uint32_t)status);
}
