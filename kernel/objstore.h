/* The kernel's side of the store: the disk image at boot, objects loaded on first touch, clean pages evicted. */
#ifndef KERNEL_OBJSTORE_H
#define KERNEL_OBJSTORE_H

#include <stdint.h>
#include <kernel/object.h>

struct page;
struct store;

/* The open store, or NULL when the system was booted from boot modules. */
extern struct store *objstore;

/* Opens the system disk's store; a bad or missing image stops the kernel with a clear message. */
void objstore_boot(void);

/* Loads store OID oid into the object table (or records it as free). */
void objstore_load(oid_t oid);

/* Reads the block of oid's map entry into a 4 KiB buffer; 0, noted as damage, when it fails
 * its checksum or cannot be read. */
struct cairn_map_entry;
int objstore_read_block(oid_t oid, const struct cairn_map_entry *entry, void *buffer);

/* Fills frame with the page's data from the disk; 0, noted as damage, when the block is bad. */
int objstore_read_page(struct page *page, uint32_t frame);

/* A block that failed its check: its OID and its block (0: a block of the object map). */
struct objstore_damage {
    oid_t oid;
    uint32_t block;
};

/* Logs a block that failed its check and marks the current operation damaged. */
void objstore_note_damage(oid_t oid, uint32_t block, const char *why);
/* The first damaged block the current call or fault met, or NULL. */
const struct objstore_damage *objstore_operation_damage(void);
/* Did the current call or fault leave an object on disk for want of memory? */
int objstore_operation_short_of_memory(void);
/* Marks the current call or fault short of memory: it waits for frames and runs again. */
void objstore_note_short_of_memory(void);

/* Frees the frames of up to wanted clean, disk-backed pages not used by the current call; returns how many. */
uint32_t objstore_reclaim(uint32_t wanted);

/* Starts a call or fault: bumps the stamp that keeps its pages from eviction, clears its trouble. */
void objstore_begin_operation(void);

/* Forgets what the store could not do for the last operation (the way back to user mode). */
void objstore_clear_trouble(void);

/* Marks a page as used by the current operation (it will not be evicted until the next). */
void objstore_touch(struct page *page);

/* A checkpoint that wrote the page's frame (or moved its block) committed: the page goes to
 * the young end of the eviction order, evictable once it is clean. */
void objstore_page_written(struct page *page);

/* Takes a page off the eviction order (it is being destroyed). */
void objstore_forget(struct page *page);

/* The store's program of that name, read from the program table into *program: CAIRN_OK,
 * CAIRN_E_NOT_FOUND, or CAIRN_E_DAMAGED (logged) when a block of the table fails its check
 * or the program is larger than the disk. */
struct cairn_disk_program;
int objstore_find_program(const char *name, struct cairn_disk_program *program);
/* Reads page index of a stored program (file: its cairn_disk_program) into a 4 KiB buffer:
 * CAIRN_OK, or CAIRN_E_DAMAGED after logging the OID and block. */
int objstore_read_program_page(const void *file, uint32_t index, uint8_t *buffer);

/* Pages evicted and pages read from the disk since boot. */
extern uint32_t objstore_evictions, objstore_page_reads;

#endif
