/* The scheduler: ready processes by priority, why a process waits, and its wait queues. */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdint.h>
#include <cairn/abi.h>

struct process;

/* Why a blocked process waits: decides which queue holds it (none is persistent). */
enum block_reason {
    BLOCK_NONE,
    BLOCK_SEND,                 /* on an endpoint's sender queue */
    BLOCK_RECEIVE,              /* on an endpoint's receiver queue */
    BLOCK_REPLY,                /* for the reply to its CALL; on no queue */
    BLOCK_SLEEP,                /* on the sleep list */
    BLOCK_FRAME,                /* on the frame-wait list */
    BLOCK_SYNC,                 /* on the sync list, until the next checkpoint commits */
    BLOCK_OUTPUT,               /* CONSOLE_WRITE or NIC_SEND with the held output (or held
                                   frames) full: until a release */
    BLOCK_INPUT,                /* CONSOLE_READ with nothing to read: until input comes */
    BLOCK_CONSOLE,              /* CONSOLE_READ by a process not in front: until that changes */
    BLOCK_INTERRUPT,            /* CONSOLE_WAIT: until Ctrl-C, or the foreground process goes */
    BLOCK_NIC,                  /* NIC_RECEIVE with no frame: until one comes or the deadline */
};

/* The process the CPU runs (NULL while idle). */
extern struct process *process_current;

void sched_make_ready(struct process *process);
/* Blocks the current call: rewinds it to its trap and parks the process. */
void sched_block_call(struct process *process, enum block_reason reason);
/* Parks a process whose faulting instruction will simply run again. */
void sched_block_instruction(struct process *process, enum block_reason reason);
/* Takes a blocked process off whatever queue holds it (it stays blocked). */
void sched_unqueue(struct process *process);
/* Wakes a blocked process so that it re-executes its call. */
void sched_wake(struct process *process);
/* Completes a blocked process's call with status (its results already set) and readies it. */
void sched_finish_call(struct process *process, enum cairn_status status);
/* The partner of the current call runs next, without a pass of sched_run, if that pass would
 * pick it and do nothing else; else it is made ready (the IPC fast path, kernel/obj/endpoint.c). */
void sched_hand_over(struct process *process);
void sched_yield_current(void);
/* Wakes every process waiting for a frame. */
void sched_wake_frame_waiters(void);
/* SYNC: is anyone waiting, and completing them all once a checkpoint committed (or failed). */
int sched_sync_waiting(void);
/* Completes the SYNC callers that wait for checkpoint epoch or an earlier one. */
void sched_finish_syncs(enum cairn_status status, uint64_t epoch);
/* Is any process waiting for a frame? */
int sched_frame_waiting(void);
/* Wakes the writers waiting for room in the held output (it was released). */
void sched_wake_output_waiters(void);
/* Wakes the processes waiting for the console's foreground to change (it did). */
void sched_wake_console_waiters(void);
/* Wakes every process waiting in NIC_RECEIVE (the NIC object is gone). */
void sched_wake_nic_waiters(void);
/* Wakes sleepers whose deadline has passed; called outside interrupts. */
void sched_wake_sleepers(void);

/* Leaves the kernel into the next process (or idles until there is one). */
void sched_run(void) __attribute__((noreturn));

#endif
