/* Trap entry and exit: one stub per vector builds a trap frame and calls trap_dispatch. */

/* Vectors where the CPU pushes an error code itself. */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21)

.macro TRAP_STUB vector
    .globl trap_stub_\vector
trap_stub_\vector:
    .if HAS_ERROR_CODE(\vector)
    .else
    pushl $0
    .endif
    pushl $\vector
    jmp trap_common
.endm

    .section .text
.altmacro
.macro TRAP_STUBS first, last
    TRAP_STUB %\first
    .if \last-\first
    TRAP_STUBS %(\first+1), \last
    .endif
.endm
    TRAP_STUBS 0, 47
    TRAP_STUB 128

trap_common:
    pushal
    pushl %ds
    pushl %es
    pushl %fs
    pushl %gs
    movl $0x10, %eax           /* kernel data selector */
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %fs
    movl %eax, %gs
    movl %esp, %eax
    pushl %eax                 /* struct trap_frame * */
    xorl %ebp, %ebp            /* stack traces start again from frame->ebp */
    call trap_dispatch
    addl $4, %esp
    .globl trap_return
trap_return:
    popl %gs
    popl %fs
    popl %es
    popl %ds
    popal
    addl $8, %esp              /* vector and error code */
    iretl

/* void trap_enter_frame(struct trap_frame *frame): leaves the kernel through frame. */
    .globl trap_enter_frame
trap_enter_frame:
    movl 4(%esp), %esp
    jmp trap_return

    .section .rodata
    .balign 4
    .globl trap_stub_table
.macro STUB_ADDRESS vector
    .long trap_stub_\vector
.endm
.macro STUB_ADDRESSES first, last
    STUB_ADDRESS %\first
    .if \last-\first
    STUB_ADDRESSES %(\first+1), \last
    .endif
.endm
trap_stub_table:
    STUB_ADDRESSES 0, 47

    .section .note.GNU-stack, "", @progbits
