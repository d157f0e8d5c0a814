/* The kernel object types other than Process: Endpoint, Page, Space node, Bank, NIC, and their operations. */
#ifndef KERNEL_OBJ_OBJECTS_H
#define KERNEL_OBJ_OBJECTS_H

#include <stdint.h>
#include <kernel/object.h>

struct process;

/* Page: 4 KiB of data; the frame is allocated, zeroed, on first use. */
struct page {
    struct object object;
    uint32_t frame;             /* physical address; 0 = not in RAM (zeros, or on disk) */
    uint32_t disk_block;        /* where its data lives on disk; 0 = nowhere (zero-filled) */
    uint32_t disk_crc;          /* CRC32C of that block */
    uint32_t use_stamp;         /* the operation that last used it (kept from eviction) */
    uint8_t dirty;              /* written since it came from disk: cannot be evicted */
    uint8_t pad[3];
    uint32_t frozen_frame;      /* the checkpoint's copy, written to the log; 0 = none */
    struct page *resident_next, *resident_previous;    /* eviction order (RAM only) */
};

/*
 * Space node: one level of an address-space map, 256 capability slots in a
 * frame of their own. A root (level 0) splits the 4 GiB space in 16 slots of
 * 256 MiB, level 1 in 256 slots of 1 MiB, level 2 (leaf) in 256 slots that
 * hold Page capabilities. Intermediate nodes are created by MAP and belong
 * to their root. The hardware page directory is a cache of the tree.
 */
enum { SPACE_LEVELS = 3, SPACE_SLOTS = 256 };

struct space {
    struct object object;
    uint32_t slots_frame;       /* physical address of struct capability[SPACE_SLOTS] */
    uint8_t level;              /* 0 root, 1, 2 leaf */
    uint8_t pad[3];
    uint32_t hw_directory;      /* root only: hardware page directory (cache, 0 = none yet) */
    uint32_t hw_generation;     /* root only: the snapshot its directory was made read-only for */
    struct space *hw_next, *hw_previous;    /* roots that have a hardware directory */
};

/* NIC: the system's network card (kernel/obj/nic.c); nothing persistent but that it exists. */
struct nic {
    struct object object;
};

/* Endpoint: a rendezvous point; its queues are rebuilt by blocked callers re-executing. */
struct endpoint {
    struct object object;
    struct process *senders, *senders_tail;
    struct process *receivers, *receivers_tail;
};

/*
 * Bank: the right to create objects. A unit is one block of the store; an
 * object costs what it keeps on disk (bank_cost). A bank's limit bounds what
 * it and its sub-banks hold together, and every bank above it must have the
 * room too; the root bank's limit is what the store can hold. Destroying a
 * bank destroys everything made from it and from its sub-banks
 * (kernel/reclaim.c).
 */
struct bank {
    struct object object;
    uint32_t limit;             /* units it and its sub-banks may hold (CAIRN_BANK_UNLIMITED: no
                                   limit of its own) */
    uint32_t used;              /* units its objects and its sub-banks' hold now */
    uint32_t objects;           /* objects made from it directly that are still live */
    uint32_t program;           /* the process a program load made it for (0: none): when that
                                   process ends, the bank goes */
    uint8_t depth;              /* 0 the root bank; a sub-bank is one deeper than its parent */
    uint8_t pad[3];
};

/*
 * What the generic code does to an object, by type: one table of these per
 * type, each in its type's file (process_ops in kernel/obj/process.c, ...),
 * indexed by type in kernel/obj/types.c. Creation and destruction go through
 * it (bank_create_object, object_destroy, object_check_destroy), the
 * checkpoint's pause and write-out (ckpt_stage in kernel/ckpt.c,
 * ckpt_write_small and ckpt_relocate in kernel/ckpt_objects.c) and loading
 * (objstore_load). A type is stored either as an object record (struct
 * cairn_object_record, sealed by the writer: it has from_record) or as one
 * raw block of data (Page, Space node: it has from_block). What a type costs
 * in the store is format_object_units (checkpoint/format.c), shared with the
 * host tools.
 * Pages stay special on the write path: their own change list and
 * ckpt_write_page, never staged; Processes are all staged at every pause,
 * with the run list.
 */
struct cairn_map_entry;
struct cairn_object_record;

struct object_ops {
    /* CREATE's type-specific check, before any room is taken: CAIRN_OK or the status to
     * return (NULL: none). */
    int (*check_make)(const struct bank *bank);
    /* A new object made from bank (limit: a new Bank's); NULL when kernel memory is short. */
    struct object *(*make)(struct bank *bank, uint32_t limit);
    /* DESTROY's and EXIT's type-specific check, in their decode steps: CAIRN_OK, a status,
     * or SYSCALL_WAIT_FRAME (NULL: none). */
    int (*check_destroy)(struct object *object);
    /* Destroys the object: gives its units back (bank_refund) and frees it with what only it
     * holds. A Bank's starts its reclamation instead (kernel/reclaim.c). */
    void (*destroy)(struct object *object);
    /* What the pause copies of the object (NULL: nothing; *size its bytes) and the flags of
     * its map entry (*flags, a Space node's level). NULL: the type has no data to copy. */
    const void *(*stage)(struct object *object, uint32_t *size, uint8_t *flags);
    /* A record type's fields, from what stage copied (NULL: only the common fields). */
    void (*to_record)(const void *data, struct cairn_object_record *record);
    /* A record type's object from its checked record (type, bank and OID are filled in by
     * objstore_load); NULL when memory is short, or with *damage set when the record makes
     * no sense. */
    struct object *(*from_record)(const struct cairn_object_record *record, const char **damage);
    /* A raw-block type's object from its map entry (its data read now or on first use); NULL
     * when memory is short, or after objstore_note_damage. */
    struct object *(*from_block)(oid_t oid, const struct cairn_map_entry *entry);
};

/* The operations of type, or NULL for CAIRN_TYPE_NONE and any number that is no type. */
const struct object_ops *object_type_ops(uint32_t type);
/* Stops the kernel at boot if a type's table lacks an operation every type must have. */
void object_types_check(void);
/* Is an object of type stored as an object record (else as a raw block)? */
int object_type_is_record(uint32_t type);

extern const struct object_ops process_ops, endpoint_ops, page_ops, space_ops, bank_ops, nic_ops;

/* Creation and destruction, through each type's operations (kernel/obj/bank.c). limit: a new
 * Bank's. */
int bank_create_object(struct bank *bank, enum cairn_type type, uint32_t limit,
                       struct object **created);
void object_destroy(struct object *object);
/* Can object be destroyed now? Its type's check_destroy says: CAIRN_OK, a status, or
 * SYSCALL_WAIT_FRAME (a bank, or a process that takes its program's bank with it, may have to
 * wait while too many banks are being reclaimed). For DESTROY's and EXIT's decode steps. */
int object_check_destroy(struct object *object);
/* Gives the object's units back to the bank that made it and to those above. */
void bank_refund(struct object *object);
/* A process ends (destroyed, or exited): if bank was made for it by a program load, the bank
 * goes, with all it made. */
void bank_program_ended(struct bank *bank, const struct process *process);
struct bank *bank_create_root(uint32_t limit);
/* Units an object of type keeps in the store. */
uint32_t bank_cost(enum cairn_type type);
/* CAIRN_OK when bank and every bank above it have room for units more, else E_QUOTA. */
int bank_check_room(struct bank *bank, uint32_t units);
/* Charges bank (and those above it) for object, made outside bank_create_object, and names
 * bank its maker; bank_check_room must have said yes. */
void bank_adopt(struct bank *bank, struct object *object);
/* A bank about to be freed gives back to those above it the units its counts still claim. */
void bank_release_units(struct bank *bank);
/* The bank that made object (loaded if it is on disk), or NULL. */
struct bank *bank_of(const struct object *object);

/* Page. */
struct page *page_create(void);
/* The page's frame, allocated and zeroed (or read from disk) on first use; 0 when no frame is
 * free, or when its block failed its check (then objstore_operation_damage says which). */
uint32_t page_frame(struct page *page);
/*
 * The frame of a page about to be written: as page_frame, and if the
 * checkpoint being written still needs the page's old contents, they are
 * copied first for the log (copy-on-write). Marks the page changed.
 * 0 when no frame is free: the caller waits and runs again.
 */
uint32_t page_frame_for_write(struct page *page);

/* Space. */
struct space *space_create(uint8_t level);
/* The Page mapped at address in root with at least rights, or a status. */
int space_lookup(struct space *root, uint32_t address, uint8_t rights, struct page **page);
/* Maps page (capability with rights) at address, creating intermediate nodes from bank: MAP's
 * decode and invoke steps (kernel/obj/space.c) for the kernel's own use (the loader). A status,
 * CAIRN_E_NO_MEMORY when the caller must wait, and no effect unless CAIRN_OK. */
int space_map(struct space *root, uint32_t address, const struct capability *page_cap,
              uint8_t rights, struct bank *bank);
/* Pages mapped in the address space of root (its Space nodes are loaded to count them). */
uint32_t space_count_pages(struct space *root);
/* Calls visit with every slot of root's tree that maps a page. */
void space_for_each_page(struct space *root, void (*visit)(struct capability *slot, void *data),
                         void *data);
/* Drops every hardware page table (after a Page was destroyed). */
void space_flush_all_hardware(void);
/* Makes every hardware mapping read-only, so that the next write to any page faults: each
 * directory when it is next used (space_hardware_directory), before any process runs on it. */
void space_protect_all_hardware(void);
/* The root's hardware directory, created on first use; 0 when no frame is free. Every entry
 * to user mode asks, so the answer that needs no work is inline. */
extern uint32_t space_protect_generation;
uint32_t space_hardware_directory_make(struct space *root);
static inline uint32_t space_hardware_directory(struct space *root)
{
    if (root->hw_directory && root->hw_generation == space_protect_generation)
        return root->hw_directory;
    return space_hardware_directory_make(root);
}
struct capability *space_slots(struct space *space);

/* Endpoint. */
struct endpoint *endpoint_create(void);
void endpoint_remove_waiter(struct endpoint *endpoint, struct process *process);

#endif
