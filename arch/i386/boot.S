/* Boot entry: the Multiboot2 and Multiboot1 headers, the boot stack, and the jump to C. */

#define MB2_MAGIC        0xE85250D6
#define MB2_ARCH_I386    0
#define MB1_MAGIC        0x1BADB002
#define MB1_FLAGS        0x00000003   /* page-align modules, want a memory map */

    .section .multiboot, "a"
    .balign 8
multiboot2_header:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long multiboot2_header_end - multiboot2_header
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (multiboot2_header_end - multiboot2_header))
    /* end tag */
    .word 0
    .word 0
    .long 8
multiboot2_header_end:

    .balign 4
multiboot1_header:
    .long MB1_MAGIC
    .long MB1_FLAGS
    .long -(MB1_MAGIC + MB1_FLAGS)

    .section .bss
    .balign 16
    .globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
    .skip 16384
boot_stack_top:

    .section .text
    .globl _start
    .type _start, @function
_start:
    cli
    cld
    movl $boot_stack_top, %esp
    xorl %ebp, %ebp            /* the stack trace stops here */
    pushl $0                   /* eflags: interrupts off, clean flags */
    popfl
    pushl %ebx                 /* boot information */
    pushl %eax                 /* boot loader magic */
    call arch_boot
1:  cli
    hlt
    jmp 1b
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
