/* Checkpoints of the whole system to the store: change tracking, snapshot, write-out, commit. */
#ifndef KERNEL_CKPT_H
#define KERNEL_CKPT_H

#include <stdint.h>

struct object;
struct page;

/*
 * The phases of one checkpoint (kernel/ckpt.c draws them). The pause is
 * ckpt_phase_snapshot, run from IDLE; each later phase is a function that
 * does one bounded step, so that programs run between steps.
 */
enum ckpt_phase {
    CKPT_IDLE,                  /* no checkpoint being written; changes collect */
    CKPT_LOAD,                  /* after boot: reading the committed maps into the writer */
    CKPT_WRITE_STAGED,          /* the small objects the pause copied */
    CKPT_WRITE_PAGES,           /* the frozen pages */
    CKPT_RELOCATE,              /* the cleaner's victims, copied block to block */
    CKPT_WRITE_CONSOLE,         /* the program output held at the snapshot */
    CKPT_WRITE_FRAMES,          /* the network frames held at the snapshot */
    CKPT_COMMIT,                /* the steps of the writer's commit (checkpoint/writer.h) */
};

/* Sets up the writer over the open store; its copy of the object map is read in steps once
 * programs run (CKPT_LOAD in kernel/ckpt.c). */
void ckpt_init(void);

/* Whether processes are ready when the scheduler calls ckpt_maybe. */
enum ckpt_cpu {
    CKPT_PROGRAMS_READY,        /* the writer gets its slice only when due */
    CKPT_CPU_IDLE,              /* no process is ready: the writer may use the CPU */
};

/* Called on every pass of the scheduler: starts a checkpoint when one is due, and gives the
 * writer its time. */
void ckpt_maybe(enum ckpt_cpu cpu);
/* The first program has been entered: from the next tick the writer takes its share of the
 * CPU (at boot it waits, so that reading the map never delays the first resumed instruction). */
void ckpt_programs_entered(void);

/* A write fault of process, trapped at these cycles, did checkpoint work (it noticed a page's
 * first change since the snapshot, or copied a frozen page): charged to the checkpoints' share
 * of the CPU (ckpt.max_share) from the trap on, and, when the scheduler enters that process
 * straight after (ckpt_fault_answered, called while ckpt_fault_process is set), until then. */
struct process;
void ckpt_fault_noticed(const struct process *process, uint64_t trapped);
extern const struct process *ckpt_fault_process;    /* NULL: no such fault being answered */
void ckpt_fault_answered(const struct process *entering);
/* Would a write to the page now be checkpoint work: its first change since the snapshot, or a
 * copy of it frozen? */
int ckpt_write_notices(const struct page *page);

/* The share for STATS: totals since boot, and over the last 8 periods. */
struct ckpt_share_figures {
    uint64_t checkpoint_cycles;     /* charged to checkpoints while programs were ready */
    uint64_t program_cycles;        /* programs' own */
    uint32_t period_us;             /* the mean period achieved between snapshots */
    uint32_t share_permille;        /* charged, in per mille of the programs' cycles */
    uint32_t max_share;             /* ckpt.max_share, per cent */
    uint32_t snapshot_age_us;       /* since the newest snapshot (0: none yet) */
};
void ckpt_share_figures(struct ckpt_share_figures *figures);

/* Can checkpoints be taken (a store that flushes, no failed write)? Is one being written? */
int ckpt_enabled(void);
/* "" while checkpoints are taken; else why not, in words (for STATS and the log). */
const char *ckpt_off_reason(void);
int ckpt_busy(void);

/* The epoch of the checkpoint that will cover what happens now (SYNC waits for it). */
uint64_t ckpt_open_epoch(void);

/* The object changed: the next checkpoint writes it. */
void ckpt_note_change(struct object *object);
/* The object is being freed: off the change lists. */
void ckpt_note_free(struct object *object);
/* Its OID is free at version from now on. */
void ckpt_note_free_oid(uint32_t oid, uint32_t version);

/* Makes the checkpoint map able to describe OIDs [0, oid_limit); 0 without memory. */
int ckpt_reserve_oids(uint32_t oid_limit);
/* A page is being destroyed: if the checkpoint being written still needs it, it is written now. */
void ckpt_page_destroying(struct page *page);
/* A page being loaded (oid at version, its committed block in page->disk_block): if the
 * write-out under way has copied it elsewhere, the page moves there when it commits. */
void ckpt_page_loaded(struct page *page, uint64_t oid, uint32_t version);
/* May object change now? Yes when it is already among the changes the next checkpoint writes
 * or when they are fewer than the store's change limit (format_change_limit); no means the
 * caller waits, as for a frame, until a checkpoint has taken them. */
int ckpt_may_change(const struct object *object);
/* Changed objects one checkpoint takes at most (0xFFFFFFFF without checkpoints). */
uint32_t ckpt_change_limit(void);
/* Is there room for count more changed objects (new ones) before the change limit? */
int ckpt_change_room(uint32_t count);
/* The newest map entry of an OID that is only on disk (what the next checkpoint keeps of it);
 * 0 when unknown. ckpt_stored_entries_ready says whether the map can be asked yet. */
struct cairn_map_entry;
int ckpt_stored_entry(uint64_t oid, struct cairn_map_entry *entry);
int ckpt_stored_entries_ready(void);
/* Does the checkpoint being written still need the page's current contents (copy before writing)? */
int ckpt_page_frozen(const struct page *page);

/* Checkpoints committed since boot, blocks they wrote, pages copied because written while frozen. */
extern uint32_t ckpt_count, ckpt_blocks, ckpt_copies;
/* The last checkpoint: its snapshot pause and its time from snapshot to durable, in CPU cycles;
 * the blocks it wrote. */
extern uint32_t ckpt_last_pause_cycles, ckpt_last_commit_cycles, ckpt_last_blocks;

#endif
