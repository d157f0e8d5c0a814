/*
 * The on-disk format of a Cairn image, version 3 (docs/disk-format.md).
 *
 *   block 0        superblock A      \  the newer valid one names the newest
 *   block 1        superblock B      /  root record; they alternate
 *   blocks 2, 3    release records: how much program output has reached the console
 *                  and how many held network frames have gone to the card
 *   blocks 4..15   reserved (zero)
 *   blocks 16..    the log: segments of segment_blocks blocks, written in order
 *
 *   superblock --> root record --> object map (radix tree of map blocks)
 *                      |                --> OID: block, CRC32C, version, bank, type
 *                      +--> program table: up to 9 program-table blocks, each named by a
 *                      |    checked pointer (name, first Page OID, length of each program)
 *                      +--> processes to resume (OIDs): 640 here, the rest in a
 *                      |    chain of run-list blocks in the log, newest block first
 *                      +--> held console output (raw blocks in the log)
 *                      +--> held network frames (raw blocks in the log)
 *                      +--> banks being reclaimed (OIDs), the NIC object (OID)
 *
 * All fields are little-endian and fixed-width. Every metadata block starts
 * with struct cairn_block_header (magic, type, CRC32C of the block, epoch,
 * its own block number, format version). Page and Space-node blocks are
 * 4096 raw bytes; they are checked through the CRC32C that the map entry
 * pointing at them carries. Everything read from a disk is checked before
 * it is used: magic, type, CRC, format version, block numbers against the
 * device size, OIDs against oid_limit, types against the map.
 */
#ifndef CAIRN_DISK_FORMAT_H
#define CAIRN_DISK_FORMAT_H

#include <stdint.h>

#define CAIRN_DISK_MAGIC 0x474D494E52494143ull   /* "CAIRNIMG" */
#define CAIRN_DISK_FORMAT_VERSION 3u   /* 3: the program table in its own blocks (2: map
                                          entries name the bank of each object) */
#define CAIRN_DISK_BLOCK_SIZE 4096u
#define CAIRN_DISK_SUPERBLOCK_A 0u
#define CAIRN_DISK_SUPERBLOCK_B 1u
#define CAIRN_DISK_RELEASE_A 2u
#define CAIRN_DISK_RELEASE_B 3u
#define CAIRN_DISK_LOG_START 16u
#define CAIRN_DISK_SEGMENT_BLOCKS 256u        /* 1 MiB segments */

/* Feature flags: an unknown incompatible bit makes the image unusable. */
/* The image holds objects of CAIRN_TYPE_NIC (the system's network card), which a kernel
 * before them would call damaged: set in the superblock from the snapshot that first stages one. */
#define CAIRN_DISK_INCOMPAT_NIC 1u
#define CAIRN_DISK_INCOMPAT_KNOWN CAIRN_DISK_INCOMPAT_NIC
#define CAIRN_DISK_COMPAT_KNOWN 0u

enum cairn_block_type {
    CAIRN_BLOCK_SUPERBLOCK = 1,
    CAIRN_BLOCK_ROOT = 2,
    CAIRN_BLOCK_MAP_LEAF = 3,
    CAIRN_BLOCK_MAP_INTERIOR = 4,
    CAIRN_BLOCK_OBJECT = 5,         /* a Process, Endpoint or Bank record */
    CAIRN_BLOCK_RELEASE = 6,        /* a release record (blocks 2 and 3) */
    CAIRN_BLOCK_RUN_LIST = 7,       /* processes to resume beyond the root record's 640 */
    CAIRN_BLOCK_PROGRAM_TABLE = 8,  /* 126 entries of the program table */
};

struct cairn_block_header {
    uint64_t magic;                 /* CAIRN_DISK_MAGIC */
    uint32_t type;                  /* enum cairn_block_type */
    uint32_t crc32c;                /* CRC32C of the whole block, this field taken as 0 */
    uint64_t epoch;                 /* the checkpoint that wrote the block */
    uint32_t block;                 /* where it belongs: catches misplaced writes */
    uint32_t format_version;        /* CAIRN_DISK_FORMAT_VERSION */
};
_Static_assert(sizeof(struct cairn_block_header) == 32, "block header");

/* A reference to a checked block. */
struct cairn_block_pointer {
    uint32_t block;                 /* 0 = none */
    uint32_t crc32c;                /* of the 4096 bytes of the block */
};
_Static_assert(sizeof(struct cairn_block_pointer) == 8, "block pointer");

struct cairn_superblock {
    struct cairn_block_header header;   /* CAIRN_BLOCK_SUPERBLOCK; epoch = root record's */
    uint32_t feature_compat;
    uint32_t feature_incompat;
    uint32_t block_size;            /* CAIRN_DISK_BLOCK_SIZE */
    uint32_t device_blocks;         /* blocks the image was made with */
    uint32_t log_start;             /* first block of the log */
    uint32_t segment_blocks;        /* blocks per log segment */
    uint32_t segment_count;         /* segments in the log */
    uint32_t copy;                  /* 0 for A, 1 for B */
    struct cairn_block_pointer root;    /* the newest root record */
    uint8_t reserved[CAIRN_DISK_BLOCK_SIZE - 32 - 40];
};
_Static_assert(sizeof(struct cairn_superblock) == CAIRN_DISK_BLOCK_SIZE, "superblock");

/* One OID in the object map. */
struct cairn_map_entry {
    uint32_t block;                 /* the object's block; 0 = no data on disk */
    uint32_t crc32c;                /* of that block */
    uint32_t version;               /* the OID's current version */
    uint32_t bank;                  /* OID of the Bank that made the object (0: none, the image's own) */
    uint32_t bank_version;          /* that Bank's version */
    uint8_t type;                   /* enum cairn_type; CAIRN_TYPE_NONE = a free OID */
    uint8_t flags;                  /* a Space node's level (CAIRN_MAP_FLAGS_LEVEL_MASK); else 0 */
    uint16_t reserved;
};
_Static_assert(sizeof(struct cairn_map_entry) == 24, "map entry");

/* A free OID at this version is retired: its versions are used up, so it is never handed out
 * again (an object there would let capabilities of an earlier object with its OID work). */
#define CAIRN_VERSION_RETIRED 0xFFFFFFFFu

#define CAIRN_MAP_LEAF_ENTRIES 169u
#define CAIRN_MAP_INTERIOR_CHILDREN 508u
#define CAIRN_MAP_MAX_DEPTH 4u

/* OIDs [first, first+169) of the map. */
struct cairn_map_leaf {
    struct cairn_block_header header;   /* CAIRN_BLOCK_MAP_LEAF */
    struct cairn_map_entry entries[CAIRN_MAP_LEAF_ENTRIES];
    uint8_t reserved[CAIRN_DISK_BLOCK_SIZE - 32 - 24 * CAIRN_MAP_LEAF_ENTRIES];
};
_Static_assert(sizeof(struct cairn_map_leaf) == CAIRN_DISK_BLOCK_SIZE, "map leaf");

struct cairn_map_interior {
    struct cairn_block_header header;   /* CAIRN_BLOCK_MAP_INTERIOR */
    struct cairn_block_pointer children[CAIRN_MAP_INTERIOR_CHILDREN];
};
_Static_assert(sizeof(struct cairn_map_interior) == CAIRN_DISK_BLOCK_SIZE, "map interior");

#define CAIRN_DISK_PROGRAMS 1024u      /* programs an image holds at most (docs/disk-format.md) */
#define CAIRN_DISK_PROGRAM_NAME 20u
#define CAIRN_DISK_PROGRAM_BLOCK_ENTRIES 126u  /* programs one program-table block holds */
#define CAIRN_DISK_PROGRAM_BLOCKS 9u   /* ceil(1024 / 126): pointers in the root record */
#define CAIRN_DISK_PROCESSES 640u
#define CAIRN_DISK_DYING_BANKS 16u     /* banks being reclaimed at once, at most */

/* A program stored in the image: its ELF file in Pages with consecutive OIDs. */
struct cairn_disk_program {
    char name[CAIRN_DISK_PROGRAM_NAME]; /* NUL-terminated */
    uint32_t first_page;            /* OID of the first Page */
    uint32_t size;                  /* bytes of the ELF file (at least 1) */
    uint32_t reserved;              /* 0 */
};
_Static_assert(sizeof(struct cairn_disk_program) == 32, "program entry");

/*
 * The program table: programs i * 126 .. i * 126 + 125 are in block i, which
 * the root record names by a checked pointer. The blocks are written once (by
 * mkimage) and every checkpoint's root record carries the same pointers on,
 * so they live as long as a root record names them; the cleaner moves one
 * that lies in a segment it empties (a new copy, a new pointer). An array of
 * pointers rather than a chain, so that moving one block changes only its
 * pointer. count fixes how many blocks are used: ceil(count / 126); the
 * pointers past them are zero.
 */
struct cairn_disk_program_table {
    uint32_t count;                 /* programs, at most CAIRN_DISK_PROGRAMS */
    uint32_t reserved;              /* 0 */
    struct cairn_block_pointer blocks[CAIRN_DISK_PROGRAM_BLOCKS];
};
_Static_assert(sizeof(struct cairn_disk_program_table) == 80, "program table in the root record");

/* One block of the program table (struct cairn_disk_program_table). */
struct cairn_program_table_block {
    struct cairn_block_header header;   /* CAIRN_BLOCK_PROGRAM_TABLE; epoch: the checkpoint (or
                                           mkimage) that wrote it, no newer than its root's */
    uint32_t index;                 /* its place in the table, from 0 */
    uint32_t count;                 /* entries used: 126 in every block but the last */
    uint32_t reserved[2];           /* 0 */
    struct cairn_disk_program programs[CAIRN_DISK_PROGRAM_BLOCK_ENTRIES];  /* unused ones zero */
    uint8_t reserved_end[CAIRN_DISK_BLOCK_SIZE - 48 - 32 * CAIRN_DISK_PROGRAM_BLOCK_ENTRIES];
};
_Static_assert(sizeof(struct cairn_program_table_block) == CAIRN_DISK_BLOCK_SIZE,
               "program-table block");
_Static_assert(CAIRN_DISK_PROGRAM_BLOCKS * CAIRN_DISK_PROGRAM_BLOCK_ENTRIES >= CAIRN_DISK_PROGRAMS,
               "the table's blocks hold CAIRN_DISK_PROGRAMS programs");

/* A read-only data set every program started on a fresh image sees at CAIRN_DATA_BASE. */
struct cairn_disk_data {
    uint32_t first_page;            /* OID of the first Page; pages have consecutive OIDs */
    uint32_t page_count;
    uint64_t checksum;              /* FNV-1a 64 of all the bytes, for programs to check */
};
_Static_assert(sizeof(struct cairn_disk_data) == 16, "data entry");

#define CAIRN_ROOT_FRESH 1u         /* never booted: apply run= */

#define CAIRN_DISK_CONSOLE_BLOCKS 16u  /* 64 KiB: the kernel's whole ring of held output */

/*
 * Program output a checkpoint holds (output commit): written before its
 * snapshot and not yet shown then. A resumed system shows what of it the
 * release records do not cover. Positions count held program output bytes
 * since the image was made.
 */
struct cairn_disk_console {
    uint64_t position;              /* stream position of the first byte */
    uint32_t length;                /* bytes; at most CAIRN_DISK_CONSOLE_BLOCKS * 4096 */
    uint32_t reserved;
    struct cairn_block_pointer blocks[CAIRN_DISK_CONSOLE_BLOCKS];   /* raw bytes in the log */
};
_Static_assert(sizeof(struct cairn_disk_console) == 144, "held console output");

/*
 * The console's foreground (kernel/foreground.c): the one process that may
 * read console input, and the process that chose it, to which the console
 * goes back. All zero: no one chose, every process may read.
 */
struct cairn_disk_foreground {
    uint32_t reader;                /* OID of the process that reads the console (0: none) */
    uint32_t reader_version;
    uint32_t holder;                /* OID of the process that set it (0: none) */
    uint32_t holder_version;
};
_Static_assert(sizeof(struct cairn_disk_foreground) == 16, "console foreground");

/*
 * The run list beyond the root record's processes[]: when a checkpoint has
 * more than CAIRN_DISK_PROCESSES processes, the rest of their OIDs are in a
 * chain of run-list blocks the same checkpoint wrote (its epoch). Block i of
 * the chain holds OIDs i * CAIRN_DISK_RUN_LIST_OIDS onwards of the rest;
 * each block points back at block i - 1, and the root record at the last
 * one, so a chain is written in one pass and read from its end. `count`
 * fixes how many blocks there are, so a reader stops whatever the pointers
 * say. No chain: count 0 and a zero pointer (processes[] is not full).
 */
struct cairn_disk_run_list {
    uint32_t count;                 /* OIDs in the chain (after the 640 of processes[]) */
    uint32_t reserved;              /* 0 */
    struct cairn_block_pointer last;    /* the chain's last block (zero: no chain) */
};
_Static_assert(sizeof(struct cairn_disk_run_list) == 16, "run list beyond the root record");

#define CAIRN_DISK_FRAME_BLOCKS 14u    /* 56 KiB: the kernel's hold of frames, at most */

/*
 * Network frames a checkpoint holds (output commit), like its console output:
 * sent by programs before its snapshot and not yet handed to the card then.
 * The stream is the frames one after the other, each as a 16-bit
 * little-endian length (CAIRN_NIC_FRAME_MIN..CAIRN_NIC_FRAME_MAX) and its
 * bytes; positions count stream bytes since the image was made. A resumed
 * system sends the frames the release records do not cover. A reader checks
 * every length against the stream and the count, and drops the rest at the
 * first that does not fit.
 */
struct cairn_disk_frames {
    uint64_t position;              /* stream position of the first frame's length */
    uint32_t length;                /* stream bytes; at most CAIRN_DISK_FRAME_BLOCKS * 4096 */
    uint32_t count;                 /* frames in them */
    struct cairn_block_pointer blocks[CAIRN_DISK_FRAME_BLOCKS];     /* raw bytes in the log */
};
_Static_assert(sizeof(struct cairn_disk_frames) == 128, "held network frames");

/* The system's NIC object (kernel/obj/nic.c), made once; zero: not made yet. */
struct cairn_disk_nic {
    uint32_t oid;
    uint32_t version;
};
_Static_assert(sizeof(struct cairn_disk_nic) == 8, "the NIC object");

struct cairn_root_record {
    struct cairn_block_header header;   /* CAIRN_BLOCK_ROOT */
    uint64_t oid_limit;             /* OIDs below this are described by the map */
    struct cairn_block_pointer map_root;
    uint32_t map_depth;             /* 0: map_root is a leaf */
    uint32_t log_head;              /* next unwritten block of the log */
    uint32_t flags;                 /* CAIRN_ROOT_* */
    uint32_t reserved1;
    uint64_t monotonic_ns;          /* the persistent clock at this checkpoint */
    uint64_t restart_count;         /* boots of this image so far */
    uint32_t bank;                  /* OID of the root Bank */
    uint32_t reserved3;             /* 0 (version 2 had the program count here) */
    uint32_t process_count;         /* entries of processes[] in use */
    uint32_t reserved0;
    struct cairn_disk_data data;
    struct cairn_disk_program_table programs;   /* the image's programs, in their own blocks */
    uint32_t processes[CAIRN_DISK_PROCESSES];   /* OIDs of the processes to resume */
    uint32_t dying_count;           /* entries of dying_banks[] in use */
    uint32_t dying_banks[CAIRN_DISK_DYING_BANKS];   /* destroyed Banks whose objects are still
                                                       being reclaimed (OIDs), oldest first */
    uint32_t reserved2;
    uint64_t wall_ns;               /* the wall clock at this checkpoint, ns since 1970 (0: unknown) */
    struct cairn_disk_console console; /* output held at this checkpoint (zero: none) */
    struct cairn_disk_foreground foreground;    /* who reads the console (zero: anyone) */
    struct cairn_disk_run_list run_list;   /* processes beyond processes[] (zero: none) */
    struct cairn_disk_nic nic;      /* the system's NIC object (zero: none yet) */
    struct cairn_disk_frames frames;    /* network frames held at this checkpoint (zero: none) */
    uint8_t reserved[CAIRN_DISK_BLOCK_SIZE - 32 - 64 - 16 - 80 - 4 * 640 - 72 - 8 - 144 - 16 - 16
                     - 8 - 128];
};
_Static_assert(sizeof(struct cairn_root_record) == CAIRN_DISK_BLOCK_SIZE, "root record");

#define CAIRN_DISK_RUN_LIST_OIDS 1012u    /* OIDs one run-list block holds */

/* One block of the run list's chain (struct cairn_disk_run_list). */
struct cairn_run_list_block {
    struct cairn_block_header header;   /* CAIRN_BLOCK_RUN_LIST; epoch: its root record's */
    uint32_t index;                 /* its place in the chain, from 0 */
    uint32_t count;                 /* OIDs used: CAIRN_DISK_RUN_LIST_OIDS, fewer in the last */
    struct cairn_block_pointer previous;    /* block index - 1 (zero for block 0) */
    uint32_t oids[CAIRN_DISK_RUN_LIST_OIDS];    /* process OIDs; unused ones are 0 */
};
_Static_assert(sizeof(struct cairn_run_list_block) == CAIRN_DISK_BLOCK_SIZE, "run-list block");

/* A capability as stored (same layout as the kernel's). */
struct cairn_disk_capability {
    uint32_t oid_low;
    uint16_t oid_high;
    uint8_t type;
    uint8_t rights;
    uint32_t version;
    uint32_t badge;
};
_Static_assert(sizeof(struct cairn_disk_capability) == 16, "stored capability");

/* The registers of a process as stored: eax ebx ecx edx esi edi ebp, then esp, eip, eflags. */
/* MXCSR bits no CPU takes (bits 16-31): a record with one is damaged. The kernel also refuses
 * bits its own CPU does not take (its fxsave MXCSR_MASK). */
#define CAIRN_DISK_MXCSR_RESERVED 0xFFFF0000u

struct cairn_disk_context {
    uint32_t registers[7];
    uint32_t esp, eip, eflags;
    uint8_t fpu[512];               /* the fxsave image */
};
_Static_assert(sizeof(struct cairn_disk_context) == 552, "stored context");

/*
 * A Process, Endpoint or Bank. Fields after `bank_version` are used by the
 * types that have them and are zero otherwise.
 */
struct cairn_object_record {
    struct cairn_block_header header;   /* CAIRN_BLOCK_OBJECT */
    uint64_t oid;
    uint32_t version;
    uint32_t type;                  /* enum cairn_type */
    uint64_t bank;                  /* the Bank refunded when it is destroyed (0: none) */
    uint32_t bank_version;
    uint32_t bank_limit;            /* Bank: units it and its sub-banks may hold at most */
    /* Process: */
    struct cairn_disk_context context;
    struct cairn_disk_capability space;
    struct cairn_disk_capability clist[64];
    uint8_t state, priority, reserved0[2];
    uint32_t receive_slot;
    uint32_t call_cookie;
    uint32_t reply_version;
    uint64_t reply_caller;
    uint32_t reply_cookie;
    uint32_t reserved1;
    char name[16];
    /* Bank: */
    uint32_t bank_used;             /* units its objects and its sub-banks' hold now */
    uint32_t bank_objects;          /* objects made from it directly that are still live */
    uint32_t bank_program;          /* the process it was made for by a program load (0: none) */
    uint32_t bank_depth;            /* 0 the root bank; a sub-bank is one deeper than its parent */
    uint8_t reserved[CAIRN_DISK_BLOCK_SIZE - 32 - 32 - 552 - 16 - 1024 - 48 - 16];
};
_Static_assert(sizeof(struct cairn_object_record) == CAIRN_DISK_BLOCK_SIZE, "object record");

/*
 * A release record (blocks 2 and 3, written in turn): program output before
 * `released` has reached the console, and network frames before
 * `frames_released` have gone to the card. The kernel writes one after each
 * batch of held output it releases; both positions only grow, and the valid
 * copy with the larger pair (released first) counts.
 */
struct cairn_release_record {
    struct cairn_block_header header;   /* CAIRN_BLOCK_RELEASE; epoch: the checkpoint in force */
    uint64_t released;              /* stream position just past the last byte shown */
    uint64_t frames_released;       /* frame stream position just past the last frame sent */
    uint8_t reserved[CAIRN_DISK_BLOCK_SIZE - 32 - 8 - 8];
};
_Static_assert(sizeof(struct cairn_release_record) == CAIRN_DISK_BLOCK_SIZE, "release record");

/* Map entry flags of a Space node: its level (0 root, 1, 2 leaf). */
#define CAIRN_MAP_FLAGS_LEVEL_MASK 3u

#endif
