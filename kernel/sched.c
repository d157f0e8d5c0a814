/*
 * The scheduler: priority round robin over ready processes.
 *
 * Run queues, the sleep list and the frame-wait list live only in RAM: a
 * blocked process is one whose next instruction is its trap, so after a
 * restore every process is simply made ready and blocks again by itself.
 * The kernel is not preemptible; the timer only sets a flag, and switching
 * happens in sched_run on the way out to user mode.
 */
#include <stddef.h>
#include <arch/abi_registers.h>
#include <arch/context.h>
#include <arch/platform.h>
#include <kernel/ckpt.h>
#include <kernel/console.h>
#include <kernel/foreground.h>
#include <kernel/klog.h>
#include <kernel/memory.h>
#include <kernel/nic.h>
#include <kernel/objstore.h>
#include <kernel/output_commit.h>
#include <kernel/obj/objects.h>
#include <kernel/process.h>
#include <kernel/reclaim.h>
#include <kernel/sched.h>
#include <kernel/stats.h>
#include <kernel/tick.h>
#include <kernel/time.h>

struct process *process_current;
struct kernel_stats stats;

struct queue {
    struct process *head, *tail;
};

static struct queue run_queues[CAIRN_PRIORITIES];
static struct queue sleepers;           /* BLOCK_SLEEP */
static struct queue frame_waiters;      /* BLOCK_FRAME */
static struct queue sync_waiters;       /* BLOCK_SYNC */
static struct queue output_waiters;     /* BLOCK_OUTPUT */
static struct queue input_waiters;      /* BLOCK_INPUT */
static struct queue console_waiters;    /* BLOCK_CONSOLE */
static struct queue interrupt_waiters;  /* BLOCK_INTERRUPT */
static struct queue nic_waiters;        /* BLOCK_NIC */
static volatile int preemption_wanted;  /* set by the timer */
static struct process *last_entered;    /* the process whose registers the CPU last had */
/* The low 32 bits of platform_ticks() when sched_run's last pass began (sched_hand_over). */
static uint32_t pass_tick_low;
static int handed_over;                 /* process_current came from sched_hand_over */
static uint32_t ready_count;            /* processes on the run queues */

static int sched_higher_ready(int priority);

static void queue_push(struct queue *queue, struct process *process)
{
    process->queue_next = NULL;
    if (queue->tail)
        queue->tail->queue_next = process;
    else
        queue->head = process;
    queue->tail = process;
}

static struct process *queue_pop(struct queue *queue)
{
    struct process *process = queue->head;
    if (process) {
        queue->head = process->queue_next;
        if (!queue->head)
            queue->tail = NULL;
        process->queue_next = NULL;
    }
    return process;
}

/* Takes process off queue; 0 if it was not on it. */
static int queue_remove(struct queue *queue, struct process *process)
{
    struct process *previous = NULL;
    for (struct process *p = queue->head; p; previous = p, p = p->queue_next) {
        if (p != process)
            continue;
        if (previous)
            previous->queue_next = p->queue_next;
        else
            queue->head = p->queue_next;
        if (queue->tail == p)
            queue->tail = previous;
        p->queue_next = NULL;
        return 1;
    }
    return 0;
}

void sched_make_ready(struct process *process)
{
    process->state = PROCESS_READY;
    process->block_reason = BLOCK_NONE;
    queue_push(&run_queues[process->priority], process);
    ready_count++;
}

static void sched_park(struct process *process, enum block_reason reason)
{
    process->state = PROCESS_BLOCKED;
    process->block_reason = (uint8_t)reason;
    if (reason == BLOCK_SLEEP)
        queue_push(&sleepers, process);
    else if (reason == BLOCK_FRAME)
        queue_push(&frame_waiters, process);
    else if (reason == BLOCK_SYNC)
        queue_push(&sync_waiters, process);
    else if (reason == BLOCK_OUTPUT)
        queue_push(&output_waiters, process);
    else if (reason == BLOCK_INPUT)
        queue_push(&input_waiters, process);
    else if (reason == BLOCK_CONSOLE)
        queue_push(&console_waiters, process);
    else if (reason == BLOCK_INTERRUPT)
        queue_push(&interrupt_waiters, process);
    else if (reason == BLOCK_NIC)
        queue_push(&nic_waiters, process);
    if (process == process_current)
        process_current = NULL;
}

void sched_block_call(struct process *process, enum block_reason reason)
{
    context_rewind_call(&process->context);
    process->restarts++;
    stats.restarts++;
    sched_park(process, reason);
}

void sched_block_instruction(struct process *process, enum block_reason reason)
{
    process->restarts++;
    stats.restarts++;
    sched_park(process, reason);
}

void sched_unqueue(struct process *process)
{
    if (process->state == PROCESS_READY) {
        /* One sched_run just picked is READY on no queue (a doomed one is destroyed so). */
        if (queue_remove(&run_queues[process->priority], process))
            ready_count--;
        return;
    }
    if (process->block_reason == BLOCK_SLEEP)
        queue_remove(&sleepers, process);
    else if (process->block_reason == BLOCK_FRAME)
        queue_remove(&frame_waiters, process);
    else if (process->block_reason == BLOCK_SYNC)
        queue_remove(&sync_waiters, process);
    else if (process->block_reason == BLOCK_OUTPUT)
        queue_remove(&output_waiters, process);
    else if (process->block_reason == BLOCK_INPUT)
        queue_remove(&input_waiters, process);
    else if (process->block_reason == BLOCK_CONSOLE)
        queue_remove(&console_waiters, process);
    else if (process->block_reason == BLOCK_INTERRUPT)
        queue_remove(&interrupt_waiters, process);
    else if (process->block_reason == BLOCK_NIC)
        queue_remove(&nic_waiters, process);
    else if (process->waiting_on)
        endpoint_remove_waiter(process->waiting_on, process);
    process->waiting_on = NULL;
}

void sched_wake(struct process *process)
{
    if (process->state != PROCESS_BLOCKED)
        return;
    sched_unqueue(process);
    sched_make_ready(process);
}

void sched_finish_call(struct process *process, enum cairn_status status)
{
    if (process == process_current) {
        context_set(&process->context, REGISTER_STATUS, status);
        return;
    }
    context_set(&process->context, REGISTER_STATUS, status);
    context_finish_call(&process->context);
    if (process->state == PROCESS_BLOCKED) {
        sched_unqueue(process);
        sched_make_ready(process);
    }
}

/*
 * The IPC fast path's switch: when the current call parked its caller, and a
 * pass of sched_run would find nothing to do this tick (its work is all per
 * tick or woken by interrupts, which take the full pass) and pick process
 * (no ready process at its priority or above), process runs next without
 * the run queue or the pass; otherwise it is made ready as usual.
 */
void sched_hand_over(struct process *process)
{
    if (process_current || preemption_wanted || platform_ticks_low() != pass_tick_low ||
        (ready_count && sched_higher_ready((int)process->priority - 1))) {
        sched_make_ready(process);
        return;
    }
    process->state = PROCESS_READY;
    process->block_reason = BLOCK_NONE;
    process_current = process;
    handed_over = 1;
}

void sched_yield_current(void)
{
    if (process_current) {
        sched_make_ready(process_current);
        process_current = NULL;
    }
}

void tick_handle(void)
{
    preemption_wanted = 1;
}

/* Every process of queue becomes ready again: each re-executes its call or instruction. */
static void sched_wake_queue(struct queue *queue)
{
    struct process *process;
    while ((process = queue_pop(queue)) != NULL)
        sched_make_ready(process);
}

void sched_wake_frame_waiters(void)
{
    sched_wake_queue(&frame_waiters);
}

void sched_wake_output_waiters(void)
{
    sched_wake_queue(&output_waiters);
}

void sched_wake_console_waiters(void)
{
    sched_wake_queue(&console_waiters);
    sched_wake_queue(&interrupt_waiters);
}

void sched_wake_nic_waiters(void)
{
    sched_wake_queue(&nic_waiters);
}

/* NIC_RECEIVE callers with a frame to take, or whose deadline has passed, run again. */
static void sched_wake_nic_due(void)
{
    uint64_t now = time_monotonic_nanoseconds();
    for (struct process *p = nic_waiters.head, *next; p; p = next) {
        next = p->queue_next;
        if (nic_receive_due(p, now))
            sched_wake(p);
    }
}

int sched_frame_waiting(void)
{
    return frame_waiters.head != NULL;
}

int sched_sync_waiting(void)
{
    return sync_waiters.head != NULL;
}

void sched_finish_syncs(enum cairn_status status, uint64_t epoch)
{
    for (struct process *p = sync_waiters.head, *next; p; p = next) {
        next = p->queue_next;
        if (p->sync_epoch > epoch)
            continue;               /* it waits for a later checkpoint */
        queue_remove(&sync_waiters, p);
        p->block_reason = BLOCK_NONE;
        context_set(&p->context, REGISTER_STATUS, status);
        context_finish_call(&p->context);
        sched_make_ready(p);
    }
}

void sched_wake_sleepers(void)
{
    uint64_t now = time_monotonic_nanoseconds();
    for (struct process *p = sleepers.head, *next; p; p = next) {
        next = p->queue_next;
        uint64_t deadline = (uint64_t)context_get(&p->context, REGISTER_SLEEP_DEADLINE_HIGH) << 32 |
                            context_get(&p->context, REGISTER_SLEEP_DEADLINE_LOW);
        if (deadline <= now)
            sched_wake(p);
    }
}

/* The highest-priority ready process, or NULL. */
static struct process *sched_pick(void)
{
    for (int priority = CAIRN_PRIORITIES - 1; priority >= 0; priority--) {
        struct process *process = queue_pop(&run_queues[priority]);
        if (process) {
            ready_count--;
            return process;
        }
    }
    return NULL;
}

static int sched_higher_ready(int priority)
{
    for (int p = CAIRN_PRIORITIES - 1; p > priority; p--)
        if (run_queues[p].head)
            return 1;
    return 0;
}

/* Logs, once per boot, how long the kernel took from its entry to the first user instruction;
 * from then on the checkpoint writer may have its slices while programs are ready. */
static int first_entry_noted;

static void sched_note_first_entry(void)
{
    first_entry_noted = 1;
    if (objstore)
        ckpt_programs_entered();
    uint64_t cycles = platform_cycles() - platform_boot_cycles;
    klog(KLOG_INFO, "first user instruction %llu cycles after kernel entry, %llu of them idle",
         (unsigned long long)cycles, (unsigned long long)platform_idle_cycles);
}

/* A batch of committed output to the console and the card; its room goes to the writers
 * waiting for it. 0 when nothing could go (the card has no room: its interrupt comes). */
static int sched_release_output_step(void)
{
    if (!output_commit_release_step())
        return 0;
    sched_wake_output_waiters();
    return 1;
}

/* Runs process_current; returns if it could not be entered (parked or stopped instead). */
static void sched_enter_current(void)
{
    if (!first_entry_noted)
        sched_note_first_entry();
    process_current->state = PROCESS_RUNNING;
    if (process_current != last_entered)
        stats.context_switches++;
    last_entered = process_current;
    if (ckpt_fault_process)
        ckpt_fault_answered(process_current);   /* its way back is the checkpoints' */
    arch_enter_user(process_current);
}

void sched_run(void)
{
    static uint32_t frees_seen;     /* memory_frees when the frame waiters were last woken */
    /* While processes run, reclaiming takes a step a tick, and so does releasing held output;
     * the first steps wait for the tick after the first pass, so that the resumed programs
     * run first. Static: every trap enters sched_run anew. */
    static uint64_t reclaimed_tick = UINT64_MAX, released_tick = UINT64_MAX;
    if (reclaimed_tick == UINT64_MAX)
        reclaimed_tick = released_tick = platform_ticks();
    if (handed_over) {
        handed_over = 0;
        sched_enter_current();
    }
    for (;;) {
        pass_tick_low = platform_ticks_low();
        /* Work done for checkpoints while no process is ready is free; a sleeper due at the
         * tick that has come is ready (and is not kept waiting for a slice of the writer). */
        if (preemption_wanted)
            sched_wake_sleepers();
        if (objstore)
            ckpt_maybe(process_current || sched_higher_ready(-1) ? CKPT_PROGRAMS_READY
                                                                 : CKPT_CPU_IDLE);
        if (reclaim_dying_count && platform_ticks() != reclaimed_tick) {
            reclaimed_tick = platform_ticks();
            reclaim_step();
        }
        if (output_commit_release_waiting() && platform_ticks() != released_tick) {
            released_tick = platform_ticks();
            sched_release_output_step();
        }
        if (input_waiters.head && console_input_waiting())
            sched_wake_queue(&input_waiters);
        if (interrupt_waiters.head && foreground_interrupt_pending())
            sched_wake_queue(&interrupt_waiters);
        if (nic_waiters.head && (nic_frames_waiting() || preemption_wanted))
            sched_wake_nic_due();       /* a frame came, or (on a tick) a deadline passed */
        if (memory_frees != frees_seen && frame_waiters.head) {
            frees_seen = memory_frees;
            sched_wake_frame_waiters();
        }
        if (preemption_wanted) {
            preemption_wanted = 0;
            sched_wake_sleepers();
            sched_yield_current();
        } else if (process_current && sched_higher_ready(process_current->priority)) {
            sched_yield_current();
        }
        if (!process_current)
            process_current = sched_pick();
        if (process_current && reclaim_doomed(&process_current->object)) {
            object_destroy(&process_current->object);  /* its bank was destroyed */
            continue;
        }
        if (process_current) {
            sched_enter_current();
            continue;           /* it could not be entered: parked or stopped instead */
        }
        if (output_commit_release_waiting() && sched_release_output_step())
            continue;                       /* nothing to run: held output goes out */
        if (objstore && ckpt_busy()) {
            ckpt_maybe(CKPT_CPU_IDLE);      /* nothing to run: the checkpoint writer has it */
            continue;
        }
        if (reclaim_dying_count && reclaim_step())
            continue;               /* nothing to run: reclaiming has the CPU */
        /* Processes wait for frames and pages a checkpoint made clean can be dropped: drop
         * them now (nothing else would, since no one is running to ask for a frame). */
        if (objstore && frame_waiters.head && objstore_reclaim(1))
            continue;
        platform_idle();
    }
}
