/* The few CPU instructions user programs need directly: the time-stamp counter and deliberate faults. */

    .section .text

/* uint64_t cpu_timestamp(void): rdtsc (guest instructions under QEMU -icount). */
    .globl cpu_timestamp
cpu_timestamp:
    rdtsc
    ret

/* void cpu_fault_divide(void): divides by zero. */
    .globl cpu_fault_divide
cpu_fault_divide:
    movl $1, %eax
    xorl %edx, %edx
    xorl %ecx, %ecx
    divl %ecx
    ret

/* void cpu_fault_opcode(void): an undefined instruction. */
    .globl cpu_fault_opcode
cpu_fault_opcode:
    ud2
    ret

/* void cpu_fault_privileged(void): hlt, which faults (#GP) at privilege level 3. */
    .globl cpu_fault_privileged
cpu_fault_privileged:
    hlt
    ret

/* void cpu_write_address(uintptr_t address, uint32_t value): a store the optimizer cannot drop. */
    .globl cpu_write_address
cpu_write_address:
    movl 4(%esp), %ecx
    movl 8(%esp), %eax
    movl %eax, (%ecx)
    ret

    .section .note.GNU-stack, "", @progbits
