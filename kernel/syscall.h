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
 * Internal statuses besides the ABI's (negative, never seen by a program):
 * SYSCALL_WAIT_FRAME, the call needs a free frame (syscall_handle blocks it
 * with BLOCK_FRAME, and it runs again); SYSCALL_WAITING, the call was already
 * rewound to its trap and parked by syscall_wait.
 */
enum { SYSCALL_WAIT_FRAME = -1, SYSCALL_WAITING = -2 };

/* A decode step that must wait: rewinds the call to its trap, parks the caller for reason and
 * returns SYSCALL_WAITING; the call runs again from the top once the caller is woken. */
int syscall_wait(struct process *process, enum block_reason reason);

/* Copies length bytes of the caller's memory at from into the kernel: CAIRN_OK,
 * CAIRN_E_BAD_ADDRESS, CAIRN_E_BAD_ARGUMENT (more than USER_COPY_MAX_PAGES pages) or
 * SYSCALL_WAIT_FRAME, and nothing copied unless OK. Changes nothing: decode may call it. */
int user_copy_in(struct process *process, void *to, uint32_t from, uint32_t length);

/* A user buffer a call's invoke step will fill: checked and its frames at hand. */
enum { USER_COPY_MAX_PAGES = 4 };   /* calls copy at most 4 pages */
struct user_buffer {
    uint32_t address, length;
    uint32_t frames[USER_COPY_MAX_PAGES];
};
/* Decode: the buffer [to, to + length) of the caller, writable; the statuses of user_copy_in.
 * A page the checkpoint still needs is copied for it now (page_frame_for_write). */
int user_buffer_prepare_out(struct process *process, uint32_t to, uint32_t length,
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

/* Each object type's one entry point: runs call (a CAIRN_* number) for the caller. */
int endpoint_invoke(struct process *caller, uint32_t call);
int bank_invoke(struct process *caller, uint32_t call);
int space_invoke(struct process *caller, uint32_t call);
int process_invoke(struct process *caller, uint32_t call);
/* The calls on the caller's own c-list (kernel/clist.c): CAP_*, SET_RECEIVE_SLOT, DESTROY. */
int clist_invoke(struct process *caller, uint32_t call);

#endif
