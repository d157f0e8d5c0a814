/* System-call dispatch and the user-memory access that calls use. */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include <stdint.h>
#include <arch/abi_registers.h>
#include <cairn/abi.h>
#include <kernel/sched.h>

struct process;

/* Handles the call in process's saved registers (process is the current one). */
void syscall_handle(struct process *process);

/*
 * Every call is two steps, and the commit point is the boundary between them:
 *
 *   decode   reads the registers, checks everything, has at hand every object
 *            and frame the call needs, and fills the call's argument struct.
 *            It changes nothing a program or a checkpoint could see, and
 *            returns CAIRN_OK, a status (the call's answer), SYSCALL_WAIT_FRAME,
 *            or SYSCALL_WAITING (from syscall_wait).
 *   invoke   makes every effect from that struct and sets the results. It
 *            cannot fail or wait, and asserts what decode promised.
 *
 * What decode steps, the types' entry points and the handlers return is a
 * syscall_result_t: either an ABI status (enum cairn_status, the call's
 * answer, which syscall_handle puts in the caller's status register) or one
 * of the kernel's own outcomes below, which never reach a program. These lie
 * above every ABI status, in an enum of their own, so a wait is never taken
 * for a status, and the compiler refuses one where an enum cairn_status is
 * expected (-Wenum-conversion: sched_finish_call, sched_finish_syncs).
 */
enum syscall_outcome {
    SYSCALL_WAIT_FRAME = 0x100,     /* the call needs a free frame: syscall_handle blocks it with
                                       BLOCK_FRAME, and it runs again once woken */
    SYSCALL_WAITING,                /* syscall_wait already rewound the call to its trap and
                                       parked the caller */
};
_Static_assert((int)SYSCALL_WAIT_FRAME >= (int)CAIRN_STATUS_COUNT,
               "the kernel's outcomes are no ABI status");

/* An enum cairn_status or an enum syscall_outcome. */
typedef int syscall_result_t;

/* A decode step that must wait: rewinds the call to its trap, parks the caller for reason and
 * returns SYSCALL_WAITING; the call runs again from the top once the caller is woken. */
syscall_result_t syscall_wait(struct process *process, enum block_reason reason);

/* Copies length bytes of the caller's memory at from into the kernel: CAIRN_OK,
 * CAIRN_E_BAD_ADDRESS, CAIRN_E_BAD_ARGUMENT (more than USER_COPY_MAX_PAGES pages) or
 * SYSCALL_WAIT_FRAME, and nothing copied unless OK. Changes nothing: decode may call it. */
syscall_result_t user_copy_in(struct process *process, void *to, uint32_t from, uint32_t length);

/* A user buffer a call's invoke step will fill: checked and its frames at hand. */
enum { USER_COPY_MAX_PAGES = 4 };   /* calls copy at most 4 pages */
struct user_buffer {
    uint32_t address, length;
    uint32_t frames[USER_COPY_MAX_PAGES];
};
/* Decode: the buffer [to, to + length) of the caller, writable; the statuses of user_copy_in.
 * A page the checkpoint still needs is copied for it now (page_frame_for_write). */
syscall_result_t user_buffer_prepare_out(struct process *process, uint32_t to, uint32_t length,
                                         struct user_buffer *buffer);
/* Invoke: copies buffer->length bytes from the kernel into the prepared buffer. */
void user_buffer_write(const struct user_buffer *buffer, const void *from);

/* The value in the caller's register (a REGISTER_* of arch/abi_registers.h), and the object
 * named by the slot in it, resolved for type and rights (a status, and *object when
 * CAIRN_OK). */
struct object;
uint32_t syscall_argument(struct process *process, int index);
int syscall_argument_object(struct process *process, int index, enum cairn_type type,
                            uint8_t rights, struct object **object);

/* The IPC fast path (kernel/obj/endpoint.c): 1 when it made the whole of the caller's CALL or
 * REPLY_RECEIVE (the caller then waits at its trap, as after syscall_wait); 0, having changed
 * nothing, when the call must take the general path. It never touches the store. */
int endpoint_fast_path(struct process *caller);

/* Each object type's one entry point: runs call (a CAIRN_* number) for the caller. */
syscall_result_t endpoint_invoke(struct process *caller, uint32_t call);
syscall_result_t bank_invoke(struct process *caller, uint32_t call);
syscall_result_t space_invoke(struct process *caller, uint32_t call);
syscall_result_t process_invoke(struct process *caller, uint32_t call);
/* The calls on the caller's own c-list (kernel/clist.c): CAP_*, SET_RECEIVE_SLOT, DESTROY. */
syscall_result_t clist_invoke(struct process *caller, uint32_t call);
syscall_result_t nic_invoke(struct process *caller, uint32_t call);

#endif
