/* What the checkpoint's files share: its state, in one struct, and the calls between them. */
#ifndef KERNEL_CKPT_INTERNAL_H
#define KERNEL_CKPT_INTERNAL_H

/*
 * Only kernel/ckpt.c (the state machine), kernel/ckpt_changes.c (the change
 * lists), kernel/ckpt_objects.c (what is written of each object) and
 * kernel/ckpt_ktests.c include this; the rest of the kernel has kernel/ckpt.h.
 */
#include <stdint.h>
#include <cairn/disk_format.h>
#include <checkpoint/writer.h>
#include <kernel/ckpt.h>
#include <kernel/cpu_share.h>
#include <kernel/obj/objects.h>

enum {
    CKPT_PENDING_FREES = 1024,  /* OIDs freed during a write-out, recorded after its commit */
    CKPT_RELOCATIONS = WRITER_VICTIMS_MAX * CAIRN_DISK_SEGMENT_BLOCKS,
    CKPT_WRITTEN = 2,           /* the change list of pages given their new blocks at the commit */
};

/* Objects changed since a snapshot, or frozen by one; linked through object->change_*. */
struct change_list {
    struct object *head;
    uint32_t count;
};

/* A small object as the pause saw it, waiting to be written. */
struct ckpt_staged {
    struct ckpt_staged *next;
    struct object header;
    uint8_t flags;              /* of its map entry: a Space node's level */
    uint8_t data[] __attribute__((aligned(16)));   /* what its type's stage op gave: Process:
                                                      struct process; Bank: struct bank;
                                                      Space: slots */
};

/* The checkpoint's whole state (as xv6's struct log is its log's). */
struct checkpoint {
    /* Page-aligned: QEMU with O_DIRECT (tools/cairn-qemu --aio native) takes a write straight
     * from guest memory only when its buffer is aligned, and copies it through a worker
     * thread, later, when not (docs/abi.md, the output window). */
    uint8_t console_block[CAIRN_DISK_BLOCK_SIZE] __attribute__((aligned(4096)));
    /* The run-list block the pause is filling (processes beyond the root record's 640). */
    struct cairn_run_list_block run_list_block __attribute__((aligned(4096)));
    uint8_t relocation_block[CAIRN_DISK_BLOCK_SIZE];    /* an object the cleaner moves */

    struct writer writer;               /* the log writer and its copy of the object map */
    int ready;                          /* the writer is set up and no write has failed */
    char off_reason[72];                /* why checkpoints are off, when they are */
    int copy_mode;                      /* ckpt.mode=copy */
    enum ckpt_phase phase;
    uint64_t next_ns;                   /* monotonic time of the next periodic checkpoint */
    uint64_t next_slice_tick;           /* while programs run, the writer waits for this tick */
    uint64_t snapshot_cycles;           /* when the checkpoint being written was taken */
    uint64_t tick_checked;              /* the tick in which ckpt_due last read the clock */
    struct cpu_share share;             /* the CPU checkpoints may take (ckpt.max_share) */
    uint64_t share_cap;                 /* its credit's bound in cycles; 0 until measured */
    uint64_t share_refused_tick;        /* the tick in which the budget last said no */

    /* Change lists (kernel/ckpt_changes.c): Pages on one pair, other types on the other. */
    struct change_list changed_pages[2], changed_others[2];
    int open_list;                      /* the pair collecting changes now; open_list ^ 1 frozen */
    struct change_list written_pages;   /* written or moved by this write-out (CKPT_WRITTEN) */
    uint32_t change_limit;              /* changed objects one checkpoint may write; 0: none */

    /* The checkpoint being written. */
    struct ckpt_staged *staged;         /* the small objects the pause copied */
    struct cairn_root_record root;      /* its root record */
    struct cairn_object_record record;  /* the record of the small object being written */
    uint32_t pending_frees[CKPT_PENDING_FREES], pending_free_count;
    int frees_lost;                     /* pending_frees overflowed: walk the table next time */
    uint32_t relocations[CKPT_RELOCATIONS], relocation_count, relocation_next;
    uint32_t console_next;              /* the next held-output block to write */
    uint32_t frames_next;               /* the next held-frames block to write */
};

extern struct checkpoint ckpt;

/* kernel/ckpt.c: the pause, one bounded step of the write-out, and what a failed write does. */
void ckpt_phase_snapshot(void);
int ckpt_step(void);
void ckpt_fail(const char *when);

/* kernel/ckpt_changes.c: takes object off change list index (0, 1 or CKPT_WRITTEN); puts a
 * page whose stored copy is moving on CKPT_WRITTEN. */
void ckpt_list_remove(struct object *object, int index);
void ckpt_page_pending(struct page *page);

/* kernel/ckpt_objects.c: what is written of each object, and what the commit (or a failure)
 * makes of what was written. */
int ckpt_write_small(const struct object *header, uint8_t flags, const void *data);
int ckpt_write_staged(struct ckpt_staged *item);
int ckpt_write_page(struct page *page);
int ckpt_relocate(uint32_t oid);
void ckpt_page_moved(uint32_t oid);
void ckpt_pages_committed(void);
void ckpt_objects_not_committed(void);
/* Freed OIDs into the writer's map: all of them (after pending_frees overflowed), those freed
 * during the write-out, and at boot the committed map's free ones into the object table. */
void ckpt_record_freed_oids(void);
void ckpt_record_pending_frees(void);
void ckpt_adopt_free_oids(void);

#endif
