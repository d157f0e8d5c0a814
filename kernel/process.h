/* Processes: user registers plus a c-list and an address space, and their states. */
#ifndef KERNEL_PROCESS_H
#define KERNEL_PROCESS_H

#include <stddef.h>
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
    uint8_t block_reason;               /* enum block_reason (kernel/sched.h) */
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

struct process *process_create(void);
/* Every process in RAM (all of them: processes are never evicted), linked by all_next. */
struct process *process_first(void);

/* The capability in slot, or NULL when the slot number is out of range. */
static inline struct capability *process_slot(struct process *process, uint32_t slot)
{
    return slot < CAIRN_CLIST_SLOTS ? &process->clist[slot] : NULL;
}

/* The stored form of a process; process_from_record returns NULL for a record that makes no sense. */
struct cairn_object_record;
void process_to_record(const struct process *process, struct cairn_object_record *record);
struct process *process_from_record(const struct cairn_object_record *record);

/* Stops a process after a user fault, with one log line naming the faulting address, if any. */
#define PROCESS_FAULT_NO_ADDRESS 0xFFFFFFFFu
void process_fault(struct process *process, const char *what, uint32_t address);

#endif
