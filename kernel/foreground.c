/*
 * The console's foreground: which process reads console input, who chose it, and Ctrl-C.
 *
 *   holder   the process that chose the foreground (the shell); the console comes back to it
 *   reader   the one process CONSOLE_READ serves: the holder itself, or a process the
 *            holder has a capability to (its foreground job)
 *
 *   CONSOLE_FOREGROUND(slot)      caller becomes holder, the process in slot the reader
 *   CONSOLE_FOREGROUND(NO_SLOT)   caller becomes holder and reader (takes the console back)
 *   reader gone                   reader = holder   (exited, destroyed, stopped by a fault)
 *   holder gone                   nobody holds it: every process may read
 *
 * While a process holds the console only the holder may choose again. A
 * process that may not read waits at its trap (BLOCK_CONSOLE) and reads
 * again when the foreground changes. With no holder (a fresh system, or
 * programs run= started alone) every process may read, as before anyone
 * chose.
 *
 * Ctrl-C (CAIRN_CONSOLE_INTERRUPT_BYTE) never reaches programs as input:
 * kernel/console.c counts it, and the interrupts not yet taken are the
 * holder's (CONSOLE_WAIT, which also returns once the reader is gone).
 * Choosing the foreground drops interrupts typed before it. Like all input
 * they are not part of a checkpoint; the holder and the reader are (the
 * root record's `foreground`), so a job in front when the power went is
 * still in front, and can still be interrupted, after the restart.
 *
 * Processes are referred to by OID and version and looked up when needed,
 * so a process destroyed or stopped is never used: foreground_settle makes
 * the lazy state explicit at the start of each call, foreground_forget
 * does it at once (and wakes the waiters) when a process goes.
 */
#include <cairn/disk_format.h>
#include <kernel/console.h>
#include <kernel/foreground.h>
#include <kernel/obj/objects.h>
#include <kernel/panic.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <kernel/syscall.h>

struct foreground_ref {
    oid_t oid;                  /* 0: none */
    uint32_t version;
};

static struct foreground_ref holder, reader;   /* both none, or both set */
static uint32_t interrupts_taken;   /* console_input_interrupts() when the holder last took them */

static struct foreground_ref foreground_ref_of(const struct process *process)
{
    return (struct foreground_ref){ process->object.oid, process->object.version };
}

static int foreground_is(const struct foreground_ref *ref, const struct process *process)
{
    return ref->oid && ref->oid == process->object.oid && ref->version == process->object.version;
}

/* Is the process named there alive (in RAM, not stopped by a fault)? Never touches the disk. */
static int foreground_alive(const struct foreground_ref *ref)
{
    uint32_t version;
    if (!ref->oid || object_oid_state(ref->oid, &version) != OBJECT_OID_LIVE ||
        version != ref->version)
        return 0;
    struct object *object = object_lookup(ref->oid, ref->version);
    return object && object->type == CAIRN_TYPE_PROCESS &&
           ((struct process *)object)->state != PROCESS_FAULTED;
}

static void foreground_change(struct foreground_ref new_holder, struct foreground_ref new_reader)
{
    holder = new_holder;
    reader = new_reader;
    sched_wake_console_waiters();
}

/* A holder that is gone frees the console; a reader that is gone hands it back. */
static void foreground_settle(void)
{
    if (holder.oid && !foreground_alive(&holder))
        foreground_change((struct foreground_ref){ 0, 0 }, (struct foreground_ref){ 0, 0 });
    else if (reader.oid && !foreground_alive(&reader))
        foreground_change(holder, holder);
}

int foreground_may_read(struct process *process)
{
    foreground_settle();
    return !holder.oid || foreground_is(&reader, process);
}

int foreground_interrupt_pending(void)
{
    return holder.oid && console_input_interrupts() != interrupts_taken;
}

void foreground_forget(struct process *process)
{
    if (foreground_is(&holder, process))
        foreground_change((struct foreground_ref){ 0, 0 }, (struct foreground_ref){ 0, 0 });
    else if (foreground_is(&reader, process))
        foreground_change(holder, holder);
}

/* As known now: a process gone since is settled after the restore, as it would be here. */
void foreground_to_disk(struct cairn_disk_foreground *stored)
{
    *stored = (struct cairn_disk_foreground){ (uint32_t)reader.oid, reader.version,
                                              (uint32_t)holder.oid, holder.version };
}

void foreground_from_disk(const struct cairn_disk_foreground *stored)
{
    holder = (struct foreground_ref){ stored->holder, stored->holder_version };
    reader = (struct foreground_ref){ stored->reader, stored->reader_version };
    if (!holder.oid || !reader.oid)     /* format.c checks this; a half is none */
        holder = reader = (struct foreground_ref){ 0, 0 };
    interrupts_taken = console_input_interrupts();
}

/* CONSOLE_FOREGROUND: the process to put in front, the caller or one it names with WRITE. */
static syscall_result_t foreground_decode_set(struct process *caller, struct process **target)
{
    *target = caller;
    if (syscall_argument(caller, REGISTER_FOREGROUND_PROCESS) != CAIRN_NO_SLOT) {
        struct object *object;
        int status = syscall_argument_object(caller, REGISTER_FOREGROUND_PROCESS,
                                             CAIRN_TYPE_PROCESS, CAIRN_RIGHT_WRITE, &object);
        if (status != CAIRN_OK)
            return status;
        *target = (struct process *)object;
    }
    foreground_settle();
    if (holder.oid && !foreground_is(&holder, caller))
        return CAIRN_E_NO_RIGHTS;       /* another process holds the console */
    return (*target)->state == PROCESS_FAULTED ? CAIRN_E_BUSY : CAIRN_OK;
}

/* Its effects: the caller holds the console, target reads it, earlier Ctrl-C dropped. */
static void foreground_invoke_set(struct process *caller, struct process *target)
{
    assert(target->state != PROCESS_FAULTED);
    interrupts_taken = console_input_interrupts();
    foreground_change(foreground_ref_of(caller), foreground_ref_of(target));
}

static syscall_result_t foreground_call_set(struct process *caller)
{
    struct process *target;
    int status = foreground_decode_set(caller, &target);
    if (status == CAIRN_OK)
        foreground_invoke_set(caller, target);
    return status;
}

/* What CONSOLE_WAIT's decode step found: the Ctrl-C count now, or that the reader is gone. */
struct foreground_wait_arguments {
    uint32_t typed;             /* console_input_interrupts() */
    int ended;                  /* the console is the caller's again */
};

/* CONSOLE_WAIT: the holder only; waits (at the trap) for Ctrl-C or for its reader to be gone. */
static syscall_result_t foreground_decode_wait(struct process *caller,
                                               struct foreground_wait_arguments *wait)
{
    foreground_settle();
    if (!foreground_is(&holder, caller))
        return CAIRN_E_NO_RIGHTS;
    wait->typed = console_input_interrupts();
    wait->ended = foreground_is(&reader, caller);
    if (!wait->ended && wait->typed == interrupts_taken)
        return syscall_wait(caller, BLOCK_INTERRUPT);
    return CAIRN_OK;
}

/* Its effects: every Ctrl-C so far taken at once, and the answer in the result register. */
static void foreground_invoke_wait(struct process *caller,
                                   const struct foreground_wait_arguments *wait)
{
    if (!wait->ended)
        interrupts_taken = wait->typed;
    context_set(&caller->context, REGISTER_CONSOLE_WAIT_RESULT,
                wait->ended ? CAIRN_CONSOLE_ENDED : CAIRN_CONSOLE_INTERRUPTED);
}

static syscall_result_t foreground_call_wait(struct process *caller)
{
    struct foreground_wait_arguments wait;
    int status = foreground_decode_wait(caller, &wait);
    if (status == CAIRN_OK)
        foreground_invoke_wait(caller, &wait);
    return status;
}

syscall_result_t foreground_invoke(struct process *caller, uint32_t call)
{
    switch (call) {
    case CAIRN_CONSOLE_FOREGROUND: return foreground_call_set(caller);
    case CAIRN_CONSOLE_WAIT: return foreground_call_wait(caller);
    default: return CAIRN_E_BAD_CALL;
    }
}
