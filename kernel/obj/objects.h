/* The kernel object types other than Process: Endpoint, Page, Space node, Bank, and their operations. */
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

/* Creation and destruction, dispatched by type (kernel/obj/bank.c). limit: a new Bank's. */
int bank_create_object(struct bank *bank, enum cairn_type type, uint32_t limit,
                       struct object **created);
void object_destroy(struct object *object);
void bank_refund(struct object *object);
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
void page_destroy(struct page *page);

/* Space. */
struct space *space_create(uint8_t level);
void space_destroy(struct space *space);
/* The Page mapped at address in root with at least rights, or a status. */
int space_lookup(struct space *root, uint32_t address, uint8_t rights, struct page **page);
/* Maps page (capability with rights) at address, creating intermediate nodes from bank. */
int space_map(struct space *root, uint32_t address, const struct capability *page_cap,
              uint8_t rights, struct bank *bank);
int space_unmap(struct space *root, uint32_t address);
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
/* The root's hardware directory, created on first use; 0 when no frame is free. */
uint32_t space_hardware_directory(struct space *root);
struct capability *space_slots(struct space *space);

/* Endpoint. */
struct endpoint *endpoint_create(void);
void endpoint_destroy(struct endpoint *endpoint);
void endpoint_remove_waiter(struct endpoint *endpoint, struct process *process);

#endif
