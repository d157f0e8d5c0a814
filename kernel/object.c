/*
 * The object table: OID to object.
 *
 * OIDs are small integers handed out densely, so the table is an array
 * indexed by OID, kept in chunks of 256 entries (3 KiB, one frame each)
 * under a directory that doubles when full: the table grows one frame at a
 * time and never needs adjacent free frames, which a machine full of pages
 * does not have. A chunk is made when one of its OIDs is first used, so the
 * stored OIDs cost a directory slot per 256 at boot, and a frame only once
 * one of them is touched; a chunk not made holds only empty entries. An entry keeps its OID's current
 * version even while no object lives there; destroying an object bumps the
 * version and puts the OID on a free list, so a reused OID never answers to
 * an old capability. An OID whose version reaches CAIRN_VERSION_RETIRED is
 * retired instead: it stays free for ever, since one more version would wrap
 * to 0 ("ask the store") and then to versions old capabilities still carry.
 *
 * OIDs below the store's limit belong to objects on disk: their entries
 * start out empty (version 0, "ask the store"), and a lookup that finds
 * one loads the object through objstore_load. The store's free OIDs join
 * the free list when a lookup or the checkpoint writer's reading of the
 * map finds them (object_mark_missing), so they are handed out again.
 */
#include <stddef.h>
#include <cairn/disk_format.h>
#include <kernel/ckpt.h>
#include <kernel/heap.h>
#include <kernel/object.h>
#include <kernel/objstore.h>
#include <kernel/panic.h>
#include <kernel/reclaim.h>
#include <kernel/string.h>

enum { CHUNK_SHIFT = OBJECT_CHUNK_SHIFT, CHUNK_ENTRIES = 1 << CHUNK_SHIFT,
       INITIAL_CHUNK_SLOTS = 16 };

struct object_entry **object_chunks;    /* [oid >> CHUNK_SHIFT], NULL until made; OID 0 unused */
static uint32_t chunk_count;            /* chunks the directory covers, made or not */
static uint32_t chunks_made;            /* of those, made (for the in-kernel tests) */
static uint32_t chunk_slots;            /* room in the directory */
uint32_t object_oids_used;              /* OIDs ever handed out + 1 */
static uint32_t free_oid_head;          /* first free OID, 0 = none */
static uint32_t live_objects;
uint32_t object_frees;
static uint32_t store_limit;            /* OIDs below this may live on disk */

/* The entry of oid (below chunk_count * CHUNK_ENTRIES), or NULL while its chunk is not made:
 * then the entry is empty (version 0: on disk, or never used). */
static struct object_entry *entry_find(uint32_t oid)
{
    struct object_entry *chunk = object_chunks[oid >> CHUNK_SHIFT];
    return chunk ? &chunk[oid & (CHUNK_ENTRIES - 1)] : NULL;
}

/* The entry of oid, making its chunk if need be; NULL without memory. */
static struct object_entry *entry_make(uint32_t oid)
{
    struct object_entry **chunk = &object_chunks[oid >> CHUNK_SHIFT];
    if (!*chunk) {
        *chunk = kzalloc(CHUNK_ENTRIES * sizeof(**chunk));
        chunks_made += *chunk != NULL;
    }
    return *chunk ? &(*chunk)[oid & (CHUNK_ENTRIES - 1)] : NULL;
}

/* The entry of oid, which is made: a live object's, a free OID's or one just taken. */
static struct object_entry *entry_of(uint32_t oid)
{
    struct object_entry *entry = entry_find(oid);
    assert(entry);
    return entry;
}

/* Directory slots for the chunks up to oid's (a bigger directory when full); 0 without memory. */
static int object_table_cover(uint32_t oid)
{
    uint32_t needed = oid / CHUNK_ENTRIES + 1;
    if (needed > chunk_slots) {
        uint32_t slots = chunk_slots ? chunk_slots : INITIAL_CHUNK_SLOTS;
        while (slots < needed)
            slots *= 2;
        struct object_entry **grown = kzalloc(slots * sizeof(*grown));
        if (!grown)
            return 0;
        if (object_chunks) {
            memcpy(grown, object_chunks, chunk_slots * sizeof(*grown));
            kfree(object_chunks);
        }
        object_chunks = grown;
        chunk_slots = slots;
    }
    if (chunk_count < needed)
        chunk_count = needed;
    return 1;
}

/* An OID for a new object: a freed one, or the next never used (0 without memory). */
static uint32_t object_table_take_oid(void)
{
    if (free_oid_head) {
        uint32_t oid = free_oid_head;
        free_oid_head = entry_of(oid)->next_free;
        return oid;
    }
    if (object_oids_used == 0)
        object_oids_used = 1;         /* OID 0 is never used */
    if (!object_table_cover(object_oids_used) || !entry_make(object_oids_used))
        return 0;
    if (!ckpt_reserve_oids(object_oids_used + 1))
        return 0;
    entry_of(object_oids_used)->version = 1;
    return object_oids_used++;
}

struct object *object_create(enum cairn_type type, uint32_t size)
{
    struct object *object = kzalloc(size);
    if (!object)
        return NULL;
    uint32_t oid = object_table_take_oid();
    if (!oid) {
        kfree(object);
        return NULL;
    }
    entry_of(oid)->object = object;
    object->oid = oid;
    object->version = entry_of(oid)->version;
    object->type = (uint8_t)type;
    live_objects++;
    ckpt_note_change(object);       /* the next checkpoint must write it */
    return object;
}

void object_mark_missing(oid_t oid, uint32_t version)
{
    if (oid >= store_limit)
        return;             /* not the store's */
    struct object_entry *entry = entry_make((uint32_t)oid);
    if (!entry || entry->object || entry->version != 0)
        return;             /* known already (and on the free list if free); or no memory to
                             * note it, and then a lookup will find it free and mark it again */
    entry->version = version ? version : 1;
    if (version == CAIRN_VERSION_RETIRED)
        return;             /* free for ever */
    entry->next_free = free_oid_head;
    free_oid_head = (uint32_t)oid;
}

void object_free(struct object *object)
{
    uint32_t oid = (uint32_t)object->oid;
    struct object_entry *entry = entry_of(oid);
    assert(oid < object_oids_used && entry->object == object);
    ckpt_note_free(object);         /* off the change lists; its OID is free from now on */
    entry->object = NULL;
    if (entry->version >= CAIRN_VERSION_RETIRED - 1) {
        entry->version = CAIRN_VERSION_RETIRED;     /* retired: never on the free list again */
    } else {
        entry->version++;
        entry->next_free = free_oid_head;
        free_oid_head = oid;
    }
    live_objects--;
    object_frees++;
    ckpt_note_free_oid(oid, entry->version);
    kfree(object);
}

int object_table_reserve_store(uint32_t oid_limit)
{
    if (!object_table_cover(oid_limit))
        return 0;
    if (object_oids_used < oid_limit)
        object_oids_used = oid_limit;
    store_limit = oid_limit;
    return 1;
}

void object_install(struct object *object, oid_t oid, uint32_t version)
{
    struct object_entry *entry = entry_of((uint32_t)oid);
    assert(oid < store_limit && !entry->object);
    entry->object = object;
    entry->version = version;
    object->oid = oid;
    object->version = version;
    live_objects++;
}

struct object *object_lookup(oid_t oid, uint32_t version)
{
    if (oid == 0 || oid >= object_oids_used)
        return NULL;
    struct object_entry *entry = entry_find((uint32_t)oid);
    if (!entry && !(entry = entry_make((uint32_t)oid))) {
        objstore_note_short_of_memory();    /* the operation waits for frames */
        return NULL;
    }
    if (!entry->object && oid < store_limit && entry->version == 0)
        objstore_load(oid);     /* installs it, or marks the OID free */
    struct object *object = entry->object;
    if (!object || object->version != version)
        return NULL;
    return object;
}

int object_oid_state(oid_t oid, uint32_t *version)
{
    if (oid == 0 || oid >= object_oids_used)
        return OBJECT_OID_UNUSED;
    const struct object_entry *entry = entry_find((uint32_t)oid);
    *version = entry ? entry->version : 0;
    if (entry && entry->object)
        return OBJECT_OID_LIVE;
    return *version == 0 ? OBJECT_OID_ON_DISK : OBJECT_OID_FREE;
}

uint32_t object_oid_limit(void)
{
    return object_oids_used;
}

uint32_t object_table_chunks_made(void)
{
    return chunks_made;
}

uint32_t object_count(void)
{
    return live_objects;
}


struct capability capability_to(const struct object *object, uint8_t rights)
{
    struct capability cap = { 0 };
    cap.oid_low = (uint32_t)object->oid;
    cap.oid_high = (uint16_t)(object->oid >> 32);
    cap.type = object->type;
    cap.rights = rights;
    cap.version = object->version;
    return cap;
}

int capability_resolve(const struct capability *cap, enum cairn_type type, uint8_t rights,
                       struct object **object)
{
    if (cap->type == CAIRN_TYPE_NONE)
        return CAIRN_E_EMPTY;
    if (type != CAIRN_TYPE_NONE && cap->type != type)
        return CAIRN_E_WRONG_TYPE;
    if ((cap->rights & rights) != rights)
        return CAIRN_E_NO_RIGHTS;
    /* Fast path, every IPC takes it: a 32-bit OID whose object is in RAM. */
    struct object *found = object_resident(capability_oid(cap), cap->version, cap->type);
    if (found) {
        *object = found;
        return reclaim_doomed(found) ? CAIRN_E_STALE : CAIRN_OK;
    }
    *object = object_lookup(capability_oid(cap), cap->version);
    if (!*object || (*object)->type != cap->type || reclaim_doomed(*object))
        return CAIRN_E_STALE;
    return CAIRN_OK;
}
