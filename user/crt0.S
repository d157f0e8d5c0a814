/* Program entry: from the kernel's start info on the stack to main(argc, argv), then CAIRN_EXIT. */

#define CAIRN_EXIT 2                    /* enum cairn_call in include/cairn/abi.h */

    .section .text.start, "ax"
    .globl _start
    .type _start, @function
/* esp = struct cairn_start_info * (argc, argv[], program_count, text). */
_start:
    mov %esp, %eax
    mov %eax, cairn_start_info
    xor %ebp, %ebp                      /* ends the frame-pointer chain for debuggers */
    and $-16, %esp                      /* the i386 System V ABI wants 16 at each call */
    sub $8, %esp
    lea 4(%eax), %ecx                   /* argv */
    push %ecx
    push (%eax)                         /* argc */
    call main
    mov %eax, %ebx
    mov $CAIRN_EXIT, %eax
    int $0x80
    ud2                                 /* CAIRN_EXIT never returns */
    .size _start, . - _start

    .bss
    .align 4
    .globl cairn_start_info
    .type cairn_start_info, @object
cairn_start_info:
    .long 0
    .size cairn_start_info, 4

    .section .note.GNU-stack, "", @progbits
