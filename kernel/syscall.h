/* System-call dispatch and the user-memory access that calls use. */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include <stdint.h>
#include <cairn/abi.h>

struct process;

/* Handles the call in process's saved registers (process is the current one). */
void syscall_handle(struct process *process);

/* Internal status: the call needs a free frame; block and re-execute it later. */
enum { SYSCALL_WAIT_FRAME = -1 };

/* Copy between the caller's address space and the kernel; CAIRN_OK,
 * CAIRN_E_BAD_ADDRESS or SYSCALL_WAIT_FRAME, and nothing copied unless OK. */
int user_copy_in(struct process *process, void *to, uint32_t from, uint32_t length);
int user_copy_out(struct process *process, uint32_t to, const void *from, uint32_t length);

/* The call's argument register index (CONTEXT_*), and the object named by the slot in it,
 * resolved for type and rights (a status, and *object when CAIRN_OK). */
struct object;
uint32_t syscall_argument(struct process *process, int index);
int syscall_argument_object(struct process *process, int index, enum cairn_type type,
                            uint8_t rights, struct object **object);

/* Each object type's one entry point: runs call (a CAIRN_* number) for the caller. */
int endpoint_invoke(struct process *caller, uint32_t call);
int bank_invoke(struct process *caller, uint32_t call);
int space_invoke(struct process *caller, uint32_t call);
int process_invoke(struct process *caller, uint32_t call);

#endif
