/* The one system-call stub: loads eax..ebp from a struct cairn_registers, traps, stores them back. */

#define CAIRN_EXIT 2                    /* enum cairn_call in include/cairn/abi.h */

/*
 * uint32_t cairn_syscall(struct cairn_registers *registers)
 *
 * struct cairn_registers is { eax, ebx, ecx, edx, esi, edi, ebp }, 4 bytes
 * each. Every register the trap uses is an input, so the struct pointer
 * waits on the stack across `int $0x80`. A call that must wait is re-executed
 * by the kernel from the `int` with these same registers (abi.h), which needs
 * nothing from this stub. Returns eax (the status).
 */
    .text
    .globl cairn_syscall
    .type cairn_syscall, @function
cairn_syscall:
    push %ebp
    push %ebx
    push %esi
    push %edi
    mov 20(%esp), %eax
    push %eax                           /* the struct pointer, for after the trap */
    mov 4(%eax), %ebx
    mov 8(%eax), %ecx
    mov 12(%eax), %edx
    mov 16(%eax), %esi
    mov 20(%eax), %edi
    mov 24(%eax), %ebp
    mov 0(%eax), %eax
    int $0x80
    xchg %eax, (%esp)                   /* eax = struct pointer, stack = status */
    mov %ebx, 4(%eax)
    mov %ecx, 8(%eax)
    mov %edx, 12(%eax)
    mov %esi, 16(%eax)
    mov %edi, 20(%eax)
    mov %ebp, 24(%eax)
    pop %ecx
    mov %ecx, 0(%eax)
    mov %ecx, %eax
    pop %edi
    pop %esi
    pop %ebx
    pop %ebp
    ret
    .size cairn_syscall, . - cairn_syscall

/*
 * First instruction of a process made by thread_create or space_copy_image's
 * caller: CAIRN_PROCESS_START put the entry function in eax and its argument
 * in ebx. Runs int entry(void *argument) and exits with its result.
 */
    .globl cairn_process_entry
    .type cairn_process_entry, @function
cairn_process_entry:
    xor %ebp, %ebp
    and $-16, %esp
    sub $12, %esp
    push %ebx
    call *%eax
    mov %eax, %ebx
    mov $CAIRN_EXIT, %eax
    int $0x80
    ud2
    .size cairn_process_entry, . - cairn_process_entry

    .section .note.GNU-stack, "", @progbits
