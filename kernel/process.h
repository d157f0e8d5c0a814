/* Processes: user registers plus a c-list and an address space; states, queues and the scheduler. */
#ifndef KERNEL_PROCESS_H
#define KERNEL_PROCESS_H

#include <stdint.h>
#include <arch/context.h>
#include <kernel/object.h>

enum process_state {
    PROCESS_EMBRYO,             /* created, not started */
    PROCESS_READY,              /* on a run queue */
    PROCESS_RUNNING,            /* the current process */
    PROCESS_BLOCKED,            /* waiting; it re-executes its call (or instruction) when woken */
    PROCESS_FAULTED,            /* stopped by a user fault */
};

/* Why a blocked process waits: decides which queue holds it (none is persistent). */
enum block_reason {
    BLOCK_NONE,
    BLOCK_SEND,                 /* on an endpoint's sender queue */
    BLOCK_RECEIVE,              /* on an endpoint's receiver queue */
    BLOCK_REPLY,                /* for the reply to its CALL; on no queue */
    BLOCK_SLEEP,                /* on the sleep list */
    BLOCK_FRAME,                /* on the frame-wait list */
    BLOCK_SYNC,                 /* on the sync list, until the next checkpoint commits */
    BLOCK_OUTPUT,               /* CONSOLE_WRITE with the held output full: until a release */
    BLOCK_INPUT,                /* CONSOLE_READ with nothing to read: until input comes */
    BLOCK_CONSOLE,              /* CONSOLE_READ by a process not in front: until that changes */
    BLOCK_INTERRUPT,            /* CONSOLE_WAIT: until Ctrl-C, or the foreground process goes */
};

/* Who may receive this receiver's REPLY: the caller and that call's cookie. */
struct reply_target {
    oid_t caller;
    uint32_t version;
    uint32_t cookie;
};

enum { PROCESS_NAME_SIZE = 16 };

struct endpoint;

struct process {
    struct object object;
    struct user_context context;        /* persistent from here ... */
    struct capability space;            /* address-space root */
    struct capability clist[CAIRN_CLIST_SLOTS];
    uint8_t state;                      /* enum process_state */
    uint8_t priority;                   /* 0 .. CAIRN_PRIORITIES-1 */
    uint8_t block_reason;               /* enum block_reason */
    uint8_t pad;
    uint32_t receive_slot;              /* where a received capability goes */
    uint32_t call_cookie;               /* bumped by each CALL's send phase */
    struct reply_target reply_to;       /* set by receiving a CALL */
    char name[PROCESS_NAME_SIZE];       /* ... to here */
    /* Rebuilt after a restore, never stored: */
    struct process *queue_next;         /* run queue or wait queue link */
    struct endpoint *waiting_on;        /* BLOCK_SEND / BLOCK_RECEIVE */
    uint32_t restarts;                  /* calls rolled back, for statistics */
    uint64_t sync_epoch;                /* BLOCK_SYNC: the checkpoint that must commit first */
    struct process *all_next, *all_previous;    /* every process (process_first) */
    struct space *space_cached;         /* process->space resolved, while object_frees is */
    uint32_t space_cached_frees;        /* ... still this (see process_space) */
};

/* The process the CPU runs (NULL while idle). */
extern struct process *process_current;

struct process *process_create(void);
/* Every process in RAM (all of them: processes are never evicted), linked by all_next. */
struct process *process_first(void);

/* The capability in slot, or NULL when the slot number is out of range. */
struct capability *process_slot(struct process *process, uint32_t slot);

/* Scheduling. */
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
void sched_finish_call(struct process *process, uint32_t status);
void sched_yield_current(void);
void sched_request_preemption(void);
/* Wakes every process waiting for a frame. */
void sched_wake_frame_waiters(void);
/* SYNC: is anyone waiting, and completing them all once a checkpoint committed (or failed). */
int sched_sync_waiting(void);
/* Completes the SYNC callers that wait for checkpoint epoch or an earlier one. */
void sched_finish_syncs(uint32_t status, uint64_t epoch);
/* Is any process waiting for a frame? */
int sched_frame_waiting(void);
/* Wakes the writers waiting for room in the held output (it was released). */
void sched_wake_output_waiters(void);
/* Wakes the processes waiting for the console's foreground to change (it did). */
void sched_wake_console_waiters(void);
/* Wakes sleepers whose deadline has passed; called outside interrupts. */
void sched_wake_sleepers(void);

/* Leaves the kernel into the next process (or idles until there is one). */
void sched_run(void) __attribute__((noreturn));

/* The stored form of a process; process_from_record returns NULL for a record that makes no sense. */
struct cairn_object_record;
void process_to_record(const struct process *process, struct cairn_object_record *record);
struct process *process_from_record(const struct cairn_object_record *record);

/* Stops a process after a user fault, with one log line naming the faulting address, if any. */
#define PROCESS_FAULT_NO_ADDRESS 0xFFFFFFFFu
void process_fault(struct process *process, const char *what, uint32_t address);

#endif
