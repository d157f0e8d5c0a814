/*
 * The system-call ABI shared by the kernel and user programs.
 *
 * Trap: `int $0x80`, two bytes. In: eax = call number, arguments in ebx,
 * ecx, edx, esi, edi, ebp (in that order). Out: eax = status (enum
 * cairn_status); results in ebx, ecx, edx, esi, edi, ebp as each call says;
 * registers a call does not name as results are left as they were.
 *
 * Restart rule: a call that must wait (for an IPC partner, for a time, for a
 * free frame) is rolled back: the process blocks with its eip on the int
 * instruction and every input register as the program set it, and executes
 * the call again from the top when woken. A call's effects all happen at one
 * commit point after every check; before it nothing is changed. A call that
 * has two phases (CALL = send then wait for the reply; REPLY_RECEIVE = reply
 * then receive) rewrites eax to the second phase's call number when the first
 * phase commits, so a restart never repeats the first phase.
 */
#ifndef CAIRN_ABI_H
#define CAIRN_ABI_H

#include <stdint.h>

enum cairn_call {
    CAIRN_NULL = 0,             /* nothing; for measuring the trap */
    CAIRN_YIELD = 1,            /* let another ready process of the same priority run */
    CAIRN_EXIT = 2,             /* ebx = status; never returns */
    CAIRN_SLEEP_UNTIL = 3,      /* ebx:ecx = monotonic ns (low:high); returns once reached */
    CAIRN_TIME = 4,             /* out ebx:ecx = monotonic ns (low:high) */
    CAIRN_CONSOLE_WRITE = 5,    /* ebx = buffer, ecx = length (<= CAIRN_CONSOLE_WRITE_MAX) */
    CAIRN_STATS = 6,            /* ebx = struct cairn_stats *, ecx = its size */

    CAIRN_CAP_COPY = 7,         /* ebx = from slot, ecx = to slot */
    CAIRN_CAP_MOVE = 8,         /* ebx = from slot, ecx = to slot */
    CAIRN_CAP_DELETE = 9,       /* ebx = slot */
    CAIRN_CAP_RESTRICT = 10,    /* ebx = slot, ecx = rights to keep (others dropped) */
    CAIRN_CAP_BADGE = 11,       /* ebx = endpoint slot with badge 0, ecx = to slot, edx = badge */
    CAIRN_CAP_INFO = 12,        /* ebx = slot; out ebx = type, ecx = rights, edx = badge */

    CAIRN_SEND = 13,            /* ebx = endpoint, ecx..edi = 4 words, ebp = cap slot or CAIRN_NO_SLOT */
    CAIRN_RECEIVE = 14,         /* ebx = endpoint; out ebx = badge, ecx..edi = words, ebp = 1 if a cap came */
    CAIRN_CALL = 15,            /* as SEND, then waits for the reply; out as RECEIVE (ebx = 0) */
    CAIRN_REPLY = 16,           /* ecx..edi = words, ebp = cap slot or CAIRN_NO_SLOT */
    CAIRN_REPLY_RECEIVE = 17,   /* as REPLY, then as RECEIVE on ebx */
    CAIRN_WAIT_REPLY = 18,      /* the second phase of CALL */
    CAIRN_SET_RECEIVE_SLOT = 19,/* ebx = slot where received capabilities go, or CAIRN_NO_SLOT */

    CAIRN_CREATE = 20,          /* ebx = bank, ecx = type, edx = to slot, esi = limit (banks only) */
    CAIRN_DESTROY = 21,         /* ebx = slot (needs CAIRN_RIGHT_DESTROY) */
    CAIRN_MAP = 22,             /* ebx = space, ecx = address, edx = page, esi = rights, edi = bank */
    CAIRN_UNMAP = 23,           /* ebx = space, ecx = address */
    CAIRN_PROCESS_SETUP = 24,   /* ebx = process, ecx = space, edx = eip, esi = esp, edi = priority */
    CAIRN_PROCESS_GIVE = 25,    /* ebx = process, ecx = my slot, edx = its slot (a copy) */
    CAIRN_PROCESS_START = 26,   /* ebx = process, ecx = its eax, edx = its ebx */
    CAIRN_SYNC = 27,            /* returns once a checkpoint covering everything before it is durable */
    CAIRN_CONSOLE_READ = 28,    /* ebx = buffer, ecx = size, edx = CAIRN_CONSOLE_BYTES or _LINE;
                                   out ebx = bytes read; waits until input is there */
    CAIRN_CLOCK = 29,           /* ebx = struct cairn_clock *, ecx = its size */
    CAIRN_PROCESS_INFO = 30,    /* ebx = index (0, 1, ...), ecx = struct cairn_process_info *,
                                   edx = its size; E_NOT_FOUND past the last process */
    CAIRN_PROGRAM_LOAD = 31,    /* ebx = bank, ecx = "name arg..." (spaces), edx = its length,
                                   esi = slot for the new process (an embryo: PROCESS_START it) */
    CAIRN_CONSOLE_FOREGROUND = 32,  /* ebx = process slot (needs WRITE), or CAIRN_NO_SLOT for the
                                       caller: that process alone reads the console, and the
                                       caller holds it (it comes back to the caller) */
    CAIRN_CONSOLE_WAIT = 33,    /* the holder: waits until Ctrl-C or the foreground process is
                                   gone; out ebx = CAIRN_CONSOLE_INTERRUPTED or _ENDED */
    CAIRN_NIC_SEND = 34,        /* ebx = NIC slot (needs CAIRN_RIGHT_SEND), ecx = frame, edx = its
                                   length (CAIRN_NIC_FRAME_MIN..CAIRN_NIC_FRAME_MAX, Ethernet
                                   header included, no FCS): held until the checkpoint that
                                   produced it is durable, then sent; waits (restartably) while
                                   the hold is full */
    CAIRN_NIC_RECEIVE = 35,     /* ebx = NIC slot (needs CAIRN_RIGHT_RECEIVE), ecx = buffer, edx =
                                   its size (>= CAIRN_NIC_FRAME_MAX), esi:edi = deadline in
                                   monotonic ns (low:high; 0: do not wait; ~0ull: no deadline);
                                   out ebx = the frame's length; CAIRN_E_TIMED_OUT when the
                                   deadline passed with no frame */
    CAIRN_NIC_INFO = 36,        /* ebx = NIC slot, ecx = struct cairn_nic_info *, edx = its size */

    CAIRN_CALL_COUNT = 37,
};

enum cairn_status {
    CAIRN_OK = 0,
    CAIRN_E_BAD_CALL = 1,       /* no such call number */
    CAIRN_E_BAD_SLOT = 2,       /* slot number out of range */
    CAIRN_E_EMPTY = 3,          /* no capability in that slot */
    CAIRN_E_STALE = 4,          /* the object was destroyed (version mismatch) */
    CAIRN_E_WRONG_TYPE = 5,     /* the capability is for another kind of object */
    CAIRN_E_NO_RIGHTS = 6,      /* the capability lacks a right the call needs */
    CAIRN_E_BAD_ADDRESS = 7,    /* a user buffer is not mapped, or mapped read-only */
    CAIRN_E_BAD_ARGUMENT = 8,   /* an argument out of range */
    CAIRN_E_QUOTA = 9,          /* the bank has no quota left */
    CAIRN_E_NO_MEMORY = 10,     /* kernel memory exhausted and nothing to wait for */
    CAIRN_E_NO_PARTNER = 11,    /* REPLY with no caller waiting */
    CAIRN_E_BUSY = 12,          /* the object is in a state that forbids this (e.g. started twice) */
    CAIRN_E_EXISTS = 13,        /* something is already mapped there */
    CAIRN_E_NOT_DURABLE = 14,   /* SYNC: no store to write to, or the checkpoint failed */
    CAIRN_E_NOT_FOUND = 15,     /* no such program, or no process at that index */
    CAIRN_E_DAMAGED = 16,       /* something the call needed failed its check on the disk
                                   (the kernel log names its OID and block) */
    CAIRN_E_TIMED_OUT = 17,     /* NIC_RECEIVE: the deadline passed with no frame */
    CAIRN_E_NO_DEVICE = 18,     /* the NIC object exists but this boot has no NIC device */

    CAIRN_STATUS_COUNT = 19,    /* one more than the last status */
};

/* Object types (also capability types). */
enum cairn_type {
    CAIRN_TYPE_NONE = 0,
    CAIRN_TYPE_PROCESS = 1,
    CAIRN_TYPE_ENDPOINT = 2,
    CAIRN_TYPE_PAGE = 3,
    CAIRN_TYPE_SPACE = 4,
    CAIRN_TYPE_BANK = 5,
    CAIRN_TYPE_NIC = 6,         /* the system's network card: one per system, made by the kernel */
    CAIRN_TYPE_COUNT = 7,
};

/* Rights bits of a capability. */
enum cairn_rights {
    CAIRN_RIGHT_READ = 1 << 0,      /* pages: map readable */
    CAIRN_RIGHT_WRITE = 1 << 1,     /* pages: map writable; spaces, processes: modify */
    CAIRN_RIGHT_SEND = 1 << 2,      /* endpoints */
    CAIRN_RIGHT_RECEIVE = 1 << 3,   /* endpoints */
    CAIRN_RIGHT_GRANT = 1 << 4,     /* endpoints: may carry a capability */
    CAIRN_RIGHT_DESTROY = 1 << 5,   /* may destroy the object */
    CAIRN_RIGHTS_ALL = 0x3F,
};

/* Banks: CREATE of a Bank takes its limit in esi; this one means "no limit of its own" (the
 * banks above it still bound it). A tree of banks is at most CAIRN_BANK_DEPTH_MAX deep. */
#define CAIRN_BANK_UNLIMITED 0xFFFFFFFFu
#define CAIRN_BANK_DEPTH_MAX 16u

#define CAIRN_NO_SLOT 0xFFFFFFFFu
#define CAIRN_CLIST_SLOTS 64
#define CAIRN_CONSOLE_WRITE_MAX 1024
#define CAIRN_PAGE_SIZE 4096
#define CAIRN_PRIORITIES 8          /* 0 lowest .. 7 highest */

/* User address space: programs are linked at CAIRN_USER_BASE; below it is the kernel's. */
#define CAIRN_USER_BASE 0x40000000u
#define CAIRN_USER_END 0xFFFFF000u
#define CAIRN_STACK_TOP 0xBFFFF000u  /* initial esp of a program started by the kernel */
#define CAIRN_STACK_PAGES 16
#define CAIRN_DATA_BASE 0xC0000000u  /* where a program sees the image's read-only data set */

/* Conventional c-list slots of a program started by init. */
enum cairn_well_known_slot {
    CAIRN_SLOT_SELF = 0,        /* this process */
    CAIRN_SLOT_SPACE = 1,       /* this process's address space */
    CAIRN_SLOT_BANK = 2,        /* a bank to create objects from */
    CAIRN_SLOT_NIC = 3,         /* the system's NIC, in every program the kernel starts (init,
                                   run=); PROGRAM_LOAD copies the loading process's slot 3 into
                                   the new program's slot 3 (when it holds a NIC capability), so
                                   a parent that deletes its own slot 3 denies its children */
    CAIRN_SLOT_FIRST_FREE = 8,  /* slots from here on are the program's own */
};

struct cairn_stats {
    uint64_t monotonic_ns;      /* monotonic time now */
    uint32_t system_calls;      /* calls handled since boot */
    uint32_t restarts;          /* calls rolled back to wait, since boot */
    uint32_t my_restarts;       /* ...of which by the caller */
    uint32_t context_switches;
    uint32_t processes;         /* live processes */
    uint32_t objects;           /* live objects of every type */
    uint32_t free_frames;
    uint32_t total_frames;
    uint32_t page_faults;       /* user page faults resolved */
    uint32_t user_faults;       /* processes stopped by a fault */
    uint32_t my_pid;            /* the caller's process OID (low 32 bits) */
    uint32_t checkpoints;       /* committed since boot */
    uint32_t checkpoint_blocks; /* 4 KiB blocks they wrote */
    uint32_t last_pause_cycles; /* the last checkpoint's stop-the-world pause, in CPU cycles */
    uint32_t restart_count;     /* boots of this system that resumed a checkpoint */
    uint32_t last_blocks;       /* blocks the last checkpoint wrote */
    uint32_t cow_copies;        /* pages copied since boot because written while frozen */
    uint32_t last_commit_cycles;    /* the last checkpoint, from its snapshot to durable */
    uint32_t output_releases;   /* times held console output was released (output commit) */
    uint32_t output_held_us_average;    /* how long the oldest byte of a release was held */
    uint32_t output_held_us_max;
    uint32_t output_bytes;      /* program bytes written to the port since boot */
    uint32_t pages_loaded;      /* pages read from the disk since boot (first touch or after eviction) */
    uint32_t pages_evicted;     /* clean pages whose frames were taken back since boot */
    char checkpoints_off[72];   /* "" while checkpoints are taken; else why not, in words */
    /* The checkpoints' share of the CPU (ckpt.max_share), in cycles (guest instructions under
     * -icount): taken from programs while they were ready (the pause, the write-out, the
     * faults that noticed a change), and the programs' own, since boot. */
    uint64_t checkpoint_cycles;
    uint64_t program_cycles;
    uint32_t period_us;         /* the period achieved: mean time between the last 9 snapshots */
    uint32_t share_permille;    /* checkpoint_cycles over program_cycles, over those periods */
    uint32_t max_share;         /* the bound, in per cent (ckpt.max_share) */
    uint32_t snapshot_age_us;   /* since the newest snapshot (0: none yet), to see a stall */
    /* The network (the NIC object): frames since boot, and held now (output commit). */
    uint32_t frames_in;         /* received and queued for NIC_RECEIVE */
    uint32_t frames_out;        /* handed to the card */
    uint32_t frames_held;       /* sent by programs, not yet released: now */
    uint32_t frames_dropped;    /* received with the receive ring full */
};

/* STATS fills as many bytes as asked for: 104 from programs built before checkpoints_off,
 * 176 from those built before checkpoint_cycles, 208 from those built before frames_in. */
_Static_assert(sizeof(struct cairn_stats) == 224, "cairn_stats is part of the ABI");

/* The network: one NIC object per system (slot CAIRN_SLOT_NIC). A frame is an Ethernet frame,
 * its 14-byte header included and no FCS. */
#define CAIRN_NIC_FRAME_MIN 14
#define CAIRN_NIC_FRAME_MAX 1514

/* NIC_INFO: the card, the address the command line gives it, and the frame counters. */
struct cairn_nic_info {
    uint8_t mac[6];
    uint8_t present;            /* 1: a device on this boot */
    uint8_t prefix;             /* net.ip's prefix length */
    uint32_t ip;                /* net.ip, network byte order (default 10.0.2.15/24) */
    uint32_t frames_in, frames_out, frames_held, frames_dropped;    /* since boot; held: now */
    uint32_t reserved[3];       /* 0 (the fields above take 28 bytes: 3 words make it 40) */
};
_Static_assert(sizeof(struct cairn_nic_info) == 40, "cairn_nic_info is part of the ABI");

/* CONSOLE_READ modes: whatever bytes are there (at least one), or one line ending in '\n'
 * (a '\r' from a terminal's Enter key is given as '\n'). */
enum { CAIRN_CONSOLE_BYTES = 0, CAIRN_CONSOLE_LINE = 1 };

/* CONSOLE_WAIT: why it returned. The console's interrupt byte (Ctrl-C) is never input. */
enum { CAIRN_CONSOLE_ENDED = 0, CAIRN_CONSOLE_INTERRUPTED = 1 };
#define CAIRN_CONSOLE_INTERRUPT_BYTE 0x03

/*
 * CLOCK: the two clocks and what the last restart did to them. The monotonic
 * clock is persistent: it goes on from the checkpoint's value, so it does
 * not count the time the machine was off. The wall clock is the CMOS clock
 * read at boot plus monotonic time since: across a power-off it jumps.
 */
struct cairn_clock {
    uint64_t monotonic_ns;      /* now */
    uint64_t wall_ns;           /* now, ns since 1970-01-01 UTC (0: no real-time clock) */
    uint64_t restart_wall_ns;   /* the wall clock when this boot began */
    uint64_t checkpoint_wall_ns;/* the wall clock when the checkpoint this boot resumed was
                                   taken (0: first boot, or not known) */
    uint64_t checkpoint_monotonic_ns;   /* the monotonic clock of that checkpoint */
    uint32_t restart_count;     /* boots of this system that resumed a checkpoint */
    uint32_t reserved;
};
_Static_assert(sizeof(struct cairn_clock) == 48, "cairn_clock is part of the ABI");

/* PROCESS_INFO: one process of the system (any process may list them all). */
struct cairn_process_info {
    uint32_t oid;               /* low 32 bits of its OID */
    uint8_t state;              /* 0 embryo, 1 ready, 2 running, 3 blocked, 4 stopped by a fault */
    uint8_t priority;
    uint8_t block_reason;       /* why it waits, when blocked (kernel/sched.h's order) */
    uint8_t reserved;
    uint32_t pages;             /* Pages mapped in its address space */
    uint32_t restarts;          /* calls it rolled back to wait, since this boot */
    char name[16];
};
_Static_assert(sizeof(struct cairn_process_info) == 32, "cairn_process_info is part of the ABI");
#define CAIRN_PROGRAM_COMMAND_MAX 255u

/* Initial registers of a program the kernel sets up (init and the run= programs):
 * esp points at struct cairn_start_info, which sits on the program's stack. */
#define CAIRN_ARGS_MAX 8
struct cairn_start_info {
    uint32_t argc;
    char *argv[CAIRN_ARGS_MAX + 1];
    uint32_t program_count;     /* init only: processes ready to start in slots 8.. */
    uint32_t data_address;      /* the image's read-only data set (0 if none), mapped here */
    uint32_t data_size;         /* its length in bytes */
    uint64_t data_checksum;     /* FNV-1a 64 of its bytes, as mkimage computed it */
    char text[256];             /* the strings argv points to */
};

#endif
