/*
 * The system-call ABI's registers on i386, named by their role.
 *
 * The one place that says which register carries what (docs/abi.md, "Trap
 * and registers", and its table of calls). Portable code reads and writes a
 * process's registers only through these names, with syscall_argument,
 * context_get and context_set; the i386 names stay in arch/.
 *
 *   eax   in: the call                  out: the status
 *   ebx   argument 1: as a rule the capability invoked (its slot)
 *   ecx   argument 2  \
 *   edx   argument 3   | IPC: the four message words
 *   esi   argument 4   |
 *   edi   argument 5  /
 *   ebp   argument 6: IPC: the slot of the capability sent; out: did one arrive
 *
 * Results go back in the argument registers, as each call says below.
 */
#ifndef ARCH_ABI_REGISTERS_H
#define ARCH_ABI_REGISTERS_H

#include <arch/context.h>

/* What every call has, and the positions of the arguments and results. */
enum abi_register {
    REGISTER_CALL = CONTEXT_EAX,        /* in: the call number (enum cairn_call) */
    REGISTER_STATUS = CONTEXT_EAX,      /* out: the status (enum cairn_status) */
    REGISTER_ARGUMENT_1 = CONTEXT_EBX,
    REGISTER_ARGUMENT_2 = CONTEXT_ECX,
    REGISTER_ARGUMENT_3 = CONTEXT_EDX,
    REGISTER_ARGUMENT_4 = CONTEXT_ESI,
    REGISTER_ARGUMENT_5 = CONTEXT_EDI,
    REGISTER_ARGUMENT_6 = CONTEXT_EBP,
    REGISTER_CAP = REGISTER_ARGUMENT_1, /* in: the slot of the capability the call invokes */
};

/* IPC (SEND, RECEIVE, CALL, REPLY, REPLY_RECEIVE, WAIT_REPLY). */
enum {
    REGISTER_ENDPOINT = REGISTER_CAP,           /* in: the endpoint's slot */
    REGISTER_BADGE = REGISTER_ARGUMENT_1,       /* out: the badge of the sender's capability */
    REGISTER_MESSAGE_FIRST = REGISTER_ARGUMENT_2,   /* the four words: first ... */
    REGISTER_MESSAGE_LAST = REGISTER_ARGUMENT_5,    /* ... last, in register order */
    REGISTER_MESSAGE_CAP = REGISTER_ARGUMENT_6, /* in: the slot of the capability sent, or
                                                   CAIRN_NO_SLOT; out: 1 if one arrived */
};

/* Each call's own arguments (in) and results (out), in the order of docs/abi.md's table. */
enum {
    REGISTER_EXIT_STATUS = REGISTER_ARGUMENT_1,
    REGISTER_SLEEP_DEADLINE_LOW = REGISTER_ARGUMENT_1,  /* monotonic ns, low word */
    REGISTER_SLEEP_DEADLINE_HIGH = REGISTER_ARGUMENT_2,
    REGISTER_TIME_NOW_LOW = REGISTER_ARGUMENT_1,        /* out: monotonic ns, low word */
    REGISTER_TIME_NOW_HIGH = REGISTER_ARGUMENT_2,
    REGISTER_CONSOLE_WRITE_BUFFER = REGISTER_ARGUMENT_1,
    REGISTER_CONSOLE_WRITE_LENGTH = REGISTER_ARGUMENT_2,
    REGISTER_STATS_BUFFER = REGISTER_ARGUMENT_1,
    REGISTER_STATS_SIZE = REGISTER_ARGUMENT_2,

    REGISTER_CAP_FROM = REGISTER_ARGUMENT_1,    /* CAP_COPY, CAP_MOVE, CAP_BADGE */
    REGISTER_CAP_TO = REGISTER_ARGUMENT_2,      /* CAP_COPY, CAP_MOVE, CAP_BADGE */
    REGISTER_CAP_SLOT = REGISTER_ARGUMENT_1,    /* CAP_DELETE, CAP_RESTRICT, CAP_INFO, DESTROY */
    REGISTER_CAP_RIGHTS_KEPT = REGISTER_ARGUMENT_2,     /* CAP_RESTRICT */
    REGISTER_CAP_BADGE = REGISTER_ARGUMENT_3,   /* CAP_BADGE: the badge to set */
    REGISTER_CAP_INFO_TYPE = REGISTER_ARGUMENT_1,       /* CAP_INFO, out */
    REGISTER_CAP_INFO_RIGHTS = REGISTER_ARGUMENT_2,
    REGISTER_CAP_INFO_BADGE = REGISTER_ARGUMENT_3,
    REGISTER_RECEIVE_SLOT = REGISTER_ARGUMENT_1,        /* SET_RECEIVE_SLOT */

    REGISTER_CREATE_BANK = REGISTER_CAP,
    REGISTER_CREATE_TYPE = REGISTER_ARGUMENT_2,
    REGISTER_CREATE_TO = REGISTER_ARGUMENT_3,
    REGISTER_CREATE_LIMIT = REGISTER_ARGUMENT_4,        /* a new Bank's, in units */
    REGISTER_MAP_SPACE = REGISTER_CAP,                  /* MAP and UNMAP */
    REGISTER_MAP_ADDRESS = REGISTER_ARGUMENT_2,         /* MAP and UNMAP */
    REGISTER_MAP_PAGE = REGISTER_ARGUMENT_3,
    REGISTER_MAP_RIGHTS = REGISTER_ARGUMENT_4,
    REGISTER_MAP_BANK = REGISTER_ARGUMENT_5,            /* for new Space nodes, or CAIRN_NO_SLOT */

    REGISTER_PROCESS = REGISTER_CAP,    /* PROCESS_SETUP, PROCESS_GIVE, PROCESS_START */
    REGISTER_SETUP_SPACE = REGISTER_ARGUMENT_2,
    REGISTER_SETUP_EIP = REGISTER_ARGUMENT_3,
    REGISTER_SETUP_ESP = REGISTER_ARGUMENT_4,
    REGISTER_SETUP_PRIORITY = REGISTER_ARGUMENT_5,
    REGISTER_GIVE_FROM = REGISTER_ARGUMENT_2,   /* the caller's slot */
    REGISTER_GIVE_TO = REGISTER_ARGUMENT_3,     /* the target's slot */
    REGISTER_START_FIRST = REGISTER_ARGUMENT_2, /* what the started process finds in ... */
    REGISTER_START_SECOND = REGISTER_ARGUMENT_3,
    REGISTER_STARTED_FIRST = REGISTER_CALL,     /* ... these two of its registers */
    REGISTER_STARTED_SECOND = REGISTER_ARGUMENT_1,

    REGISTER_CONSOLE_READ_BUFFER = REGISTER_ARGUMENT_1,
    REGISTER_CONSOLE_READ_SIZE = REGISTER_ARGUMENT_2,
    REGISTER_CONSOLE_READ_MODE = REGISTER_ARGUMENT_3,
    REGISTER_CONSOLE_READ_COUNT = REGISTER_ARGUMENT_1,  /* out: bytes read */
    REGISTER_CLOCK_BUFFER = REGISTER_ARGUMENT_1,
    REGISTER_CLOCK_SIZE = REGISTER_ARGUMENT_2,
    REGISTER_PROCESS_INFO_INDEX = REGISTER_ARGUMENT_1,
    REGISTER_PROCESS_INFO_BUFFER = REGISTER_ARGUMENT_2,
    REGISTER_PROCESS_INFO_SIZE = REGISTER_ARGUMENT_3,
    REGISTER_PROGRAM_LOAD_BANK = REGISTER_CAP,
    REGISTER_PROGRAM_LOAD_COMMAND = REGISTER_ARGUMENT_2,
    REGISTER_PROGRAM_LOAD_LENGTH = REGISTER_ARGUMENT_3,
    REGISTER_PROGRAM_LOAD_TO = REGISTER_ARGUMENT_4,
    REGISTER_FOREGROUND_PROCESS = REGISTER_CAP,         /* or CAIRN_NO_SLOT: the caller */
    REGISTER_CONSOLE_WAIT_RESULT = REGISTER_ARGUMENT_1, /* out: INTERRUPTED or ENDED */
    REGISTER_NIC = REGISTER_CAP,                        /* NIC_SEND, NIC_RECEIVE, NIC_INFO */
    REGISTER_NIC_SEND_FRAME = REGISTER_ARGUMENT_2,
    REGISTER_NIC_SEND_LENGTH = REGISTER_ARGUMENT_3,
    REGISTER_NIC_RECEIVE_BUFFER = REGISTER_ARGUMENT_2,
    REGISTER_NIC_RECEIVE_SIZE = REGISTER_ARGUMENT_3,
    REGISTER_NIC_DEADLINE_LOW = REGISTER_ARGUMENT_4,    /* monotonic ns, low word */
    REGISTER_NIC_DEADLINE_HIGH = REGISTER_ARGUMENT_5,
    REGISTER_NIC_RECEIVE_LENGTH = REGISTER_ARGUMENT_1,  /* out: the frame's length */
    REGISTER_NIC_INFO_BUFFER = REGISTER_ARGUMENT_2,
    REGISTER_NIC_INFO_SIZE = REGISTER_ARGUMENT_3,
};

#endif
