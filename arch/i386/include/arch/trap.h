/* The trap frame built by trap_entry.S, and the trap vectors of the i386 port. */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <stdint.h>

enum {
    TRAP_DIVIDE = 0,
    TRAP_DEBUG = 1,
    TRAP_NMI = 2,
    TRAP_BREAKPOINT = 3,
    TRAP_INVALID_OPCODE = 6,
    TRAP_DOUBLE_FAULT = 8,
    TRAP_GENERAL_PROTECTION = 13,
    TRAP_PAGE_FAULT = 14,
    TRAP_EXCEPTION_COUNT = 32,
    TRAP_IRQ_BASE = 32,         /* the PIC's 16 lines follow */
    TRAP_SYSCALL = 0x80,
};

/* Field order is the push order of trap_entry.S read backwards. */
struct trap_frame {
    uint32_t gs, fs, es, ds;
    uint32_t edi, esi, ebp, esp_at_pusha, ebx, edx, ecx, eax;
    uint32_t vector, error_code;
    uint32_t eip, cs, eflags;
    uint32_t user_esp, user_ss;  /* only present when the trap came from user mode */
};

static inline int trap_from_user(const struct trap_frame *frame)
{
    return (frame->cs & 3) == 3;
}

/* The C handler called by every stub. */
void trap_dispatch(struct trap_frame *frame);

/* A trap from user mode (arch/i386/user.c); does not return. */
void trap_user(struct trap_frame *frame) __attribute__((noreturn));
/* A device interrupt on 8259 line irq: its end of interrupt, then its handler (arch/i386/pc/irq.c). */
void trap_device_interrupt(int irq);
const char *trap_exception_name(uint32_t vector);
void arch_user_init(void);

/* Leaves the kernel by restoring frame; does not return. */
void trap_enter_frame(struct trap_frame *frame) __attribute__((noreturn));

void idt_init(void);
void gdt_init(void);
void tss_set_kernel_stack(uint32_t stack_top);
/* Where a trap from user mode starts the kernel stack; the frame to leave by sits just below. */
uint32_t tss_kernel_stack_top(void);

/* Segment selectors of the GDT built by gdt.c. */
enum {
    SELECTOR_KERNEL_CODE = 0x08,
    SELECTOR_KERNEL_DATA = 0x10,
    SELECTOR_USER_CODE = 0x18 | 3,
    SELECTOR_USER_DATA = 0x20 | 3,
    SELECTOR_TSS = 0x28,
};

#endif
