/* Kernel objects: the common header, the object table (OID to object, with versions) and capabilities. */
#ifndef KERNEL_OBJECT_H
#define KERNEL_OBJECT_H

#include <stddef.h>
#include <stdint.h>
#include <cairn/abi.h>

/*
 * A capability: 16 bytes, only ever in kernel memory (c-lists, space
 * nodes). It names an object by OID and version; when the object is
 * destroyed its version moves on and every old capability stops working.
 */
struct capability {
    uint32_t oid_low;
    uint16_t oid_high;          /* OIDs are 48 bits */
    uint8_t type;               /* enum cairn_type; CAIRN_TYPE_NONE = empty */
    uint8_t rights;             /* enum cairn_rights */
    uint32_t version;
    uint32_t badge;
};

_Static_assert(sizeof(struct capability) == 16, "capabilities are 16 bytes");

typedef uint64_t oid_t;

/* Header at the start of every object. */
struct object {
    oid_t oid;
    uint32_t version;
    uint8_t type;               /* enum cairn_type */
    uint8_t changed;            /* bit n: on change list n (kernel/ckpt_changes.c): 0, 1 to be
                                   written, 2 written and waiting for the commit */
    uint8_t pad[2];
    oid_t bank;                 /* the bank refunded when the object is destroyed (0: none) */
    uint32_t bank_version;
    uint32_t pad2;
    /* Links of the change lists: the open one, the one being written, and (pages) the one
     * written and not yet committed (RAM only). */
    struct object *change_next[3], *change_previous[3];
};

/* Allocates and registers an object of size bytes with a fresh OID; NULL when memory is short. */
struct object *object_create(enum cairn_type type, uint32_t size);

/* Unregisters the object, bumps its OID's version (revoking every capability) and frees it. */
void object_free(struct object *object);
/* Objects freed since boot: a pointer kept from a lookup is still good while this is unchanged
 * (objects leave the table only through object_free). */
extern uint32_t object_frees;

/* The live object named by oid and version, or NULL. */
struct object *object_lookup(oid_t oid, uint32_t version);

/* The object table (kernel/object.c): chunks of entries by OID, made as OIDs are used. */
enum { OBJECT_CHUNK_SHIFT = 8 };
struct object_entry {
    struct object *object;      /* NULL when the OID is free */
    uint32_t version;           /* version the next object with this OID gets */
    uint32_t next_free;         /* free list link (an OID), 0 = end */
};
extern struct object_entry **object_chunks;
extern uint32_t object_oids_used;

/* The live object of that OID, version and type if it is in RAM, else NULL: unlike
 * object_lookup it never loads from the store (and says nothing of reclaim_doomed). Inline,
 * and the OID tested as two 32-bit halves (one 64-bit compare is several instructions on
 * i386): every IPC asks it twice or three times. */
static inline struct object *object_resident(oid_t oid, uint32_t version, enum cairn_type type)
{
    uint32_t low = (uint32_t)oid;
    if ((uint32_t)(oid >> 32) || low == 0 || low >= object_oids_used)
        return NULL;
    struct object_entry *chunk = object_chunks[low >> OBJECT_CHUNK_SHIFT];
    struct object *found = chunk ? chunk[low & ((1u << OBJECT_CHUNK_SHIFT) - 1)].object : NULL;
    if (!found || found->version != version || found->type != type)
        return NULL;
    return found;
}

/* Makes room for the store's OIDs [1, oid_limit): new objects get OIDs above them. */
int object_table_reserve_store(uint32_t oid_limit);

/* Registers an object loaded from the store under its own OID and version. */
void object_install(struct object *object, oid_t oid, uint32_t version);

/* Records that a store OID not yet looked at is free at version (the committed map says so):
 * a capability to an older version stays stale, and the OID is handed out again. */
void object_mark_missing(oid_t oid, uint32_t version);

/* What the table knows of an OID: its current version and whether an object lives there. */
enum { OBJECT_OID_UNUSED, OBJECT_OID_LIVE, OBJECT_OID_FREE, OBJECT_OID_ON_DISK };
int object_oid_state(oid_t oid, uint32_t *version);

/* One past the highest OID ever handed out or reserved for the store. */
uint32_t object_oid_limit(void);

/* Live objects, for statistics. */
uint32_t object_count(void);
/* Chunks of 256 table entries made so far (a chunk is made when one of its OIDs is first used). */
uint32_t object_table_chunks_made(void);

static inline oid_t capability_oid(const struct capability *cap)
{
    return (oid_t)cap->oid_high << 32 | cap->oid_low;
}

/* A capability with every right to object. */
struct capability capability_to(const struct object *object, uint8_t rights);

/*
 * Resolves cap for a call that needs an object of type (CAIRN_TYPE_NONE:
 * any) with all of rights; returns CAIRN_OK and the object, or the status
 * the call must return.
 */
int capability_resolve(const struct capability *cap, enum cairn_type type, uint8_t rights,
                       struct object **object);

#endif
