/* Sealing and checking the blocks of the on-disk format (include/cairn/disk_format.h). */
#ifndef CHECKPOINT_FORMAT_H
#define CHECKPOINT_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <cairn/disk_format.h>

/* Fills in block's header (magic, type, epoch, own number, version) and its CRC32C. */
void format_seal_block(void *block, uint32_t type, uint64_t epoch, uint32_t block_number);

/* The CRC32C a header carries: of the block with the crc32c field taken as zero. */
uint32_t format_block_crc(const void *block);

/*
 * Checks a metadata block read from block_number: magic, format version,
 * type, CRC and own block number. Returns 1, or 0 with a one-line reason
 * in why (naming what is wrong, with the values found).
 */
int format_check_block(const void *block, uint32_t type, uint32_t block_number, char *why,
                       size_t why_size);

/* Checks a superblock's own fields against the device; same contract. */
int format_check_superblock(const struct cairn_superblock *super, uint32_t block_number,
                            uint64_t device_blocks, char *why, size_t why_size);

/* Checks a root record's fields against the superblock's geometry, and that it has the
 * superblock's epoch; same contract. */
int format_check_root(const struct cairn_root_record *root, const struct cairn_superblock *super,
                      char *why, size_t why_size);

/* OIDs a map of depth levels of interior nodes can describe: 169 x 508^depth. */
uint64_t format_map_capacity(uint32_t depth);

/* Are the network frames a root record holds within bounds (length, count, blocks in the log)?
 * Not part of format_check_root_fields: frames that fail are dropped (packet loss), and the
 * checkpoint is used all the same. The frames' own lengths are checked as they are read. */
int format_check_held_frames(const struct cairn_root_record *root,
                             const struct cairn_superblock *super);
/* The same checks of the fields alone, for a root record found in the log (not named by super). */
int format_check_root_fields(const struct cairn_root_record *root,
                             const struct cairn_superblock *super, char *why, size_t why_size);

/*
 * What a store of this geometry can hold. A checkpoint writes at most
 * format_change_limit blocks of changed objects, a sixteenth of the log
 * (writers wait beyond it), so the live objects, the two checkpoints the log
 * keeps besides them, the cleaner's free segments and the object map all fit,
 * with a quarter of what is left for garbage the cleaner need not move, when
 * the live objects take at most format_store_capacity blocks: the root bank's
 * limit.
 */
#define CAIRN_CLEANER_RESERVE_SEGMENTS 4u   /* = WRITER_FREE_RESERVE */
/* Units (blocks) an object of type keeps in the store, charged to its bank: one, and three for
 * a Process, whose record every checkpoint rewrites (the log keeps the last two besides). */
uint32_t format_object_units(uint32_t type);
uint32_t format_change_limit(const struct cairn_superblock *super);
uint32_t format_store_capacity(const struct cairn_superblock *super);

/* Blocks in the run list's chain of a root record (its fields checked). */
uint32_t format_run_list_blocks(const struct cairn_root_record *root);

/* Checks block index of root's run-list chain, read through its checked pointer (header and
 * CRC checked): its epoch, index, count, back pointer and OIDs (each inside the map, unused
 * slots zero). Duplicates across blocks are the reader's to find. Same contract. */
int format_check_run_list_block(const struct cairn_run_list_block *block,
                                const struct cairn_root_record *root,
                                const struct cairn_superblock *super, uint32_t index, char *why,
                                size_t why_size);

/* Blocks the program table of a root record uses (its fields checked): ceil(count / 126). */
uint32_t format_program_blocks(const struct cairn_root_record *root);

/* Checks one program of the table: a NUL-terminated, non-empty name with zeros after it, a
 * size of at least one byte, its Pages inside the map (OIDs below oid_limit), reserved zero.
 * Same contract. */
int format_check_program(const struct cairn_disk_program *program, uint64_t oid_limit,
                         char *why, size_t why_size);

/* Checks block index of root's program table, read through its checked pointer (header and
 * CRC checked): an epoch no newer than the root's, its index and count, reserved fields zero,
 * every used entry (format_check_program) and unused entries zero. Same contract. */
int format_check_program_block(const struct cairn_program_table_block *block,
                               const struct cairn_root_record *root, uint32_t index, char *why,
                               size_t why_size);

/* Sorts OIDs in place (heap sort: no recursion, no memory); the first OID found twice in a
 * sorted array, or 0 when all differ. */
void format_sort_oids(uint32_t *oids, uint32_t count);
uint32_t format_find_duplicate_oid(const uint32_t *sorted, uint32_t count);

/* A process record's state: 0 embryo .. 4 stopped by a fault (kernel/process.h). */
#define CAIRN_DISK_PROCESS_STATE_MAX 4u

/* Checks the fields of a Process record the kernel relies on (state, priority, receive slot). */
int format_check_process_record(const struct cairn_object_record *record, char *why,
                                size_t why_size);

const char *format_block_type_name(uint32_t type);

#endif
