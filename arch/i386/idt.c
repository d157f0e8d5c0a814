/* Interrupt descriptor table and trap_dispatch: exceptions, device interrupts and the system-call gate. */
#include <stdint.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include <kernel/klog.h>
#include <kernel/panic.h>

struct idt_entry {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t zero;
    uint8_t type_attributes;
    uint16_t offset_high;
} __attribute__((packed));

struct descriptor_pointer {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_entry) == 8, "IDT entries are 8 bytes");

enum {
    GATE_INTERRUPT_RING0 = 0x8E,   /* present, DPL 0, 32-bit interrupt gate */
    GATE_INTERRUPT_RING3 = 0xEE,   /* present, DPL 3: reachable with int from user mode */
};

extern const uint32_t trap_stub_table[48];
extern void trap_stub_128(void);

static struct idt_entry idt[256];

static const char *const exception_names[TRAP_EXCEPTION_COUNT] = {
    "divide error", "debug", "non-maskable interrupt", "breakpoint", "overflow",
    "bound range exceeded", "invalid opcode", "device not available", "double fault",
    "coprocessor segment overrun", "invalid TSS", "segment not present",
    "stack-segment fault", "general protection fault", "page fault", "reserved (15)",
    "x87 floating-point error", "alignment check", "machine check",
    "SIMD floating-point error", "virtualization exception", "control protection",
    "reserved (22)", "reserved (23)", "reserved (24)", "reserved (25)", "reserved (26)",
    "reserved (27)", "hypervisor injection", "VMM communication", "security exception",
    "reserved (31)",
};

static void idt_set(int vector, uint32_t handler, uint8_t attributes)
{
    idt[vector].offset_low = handler & 0xFFFF;
    idt[vector].selector = SELECTOR_KERNEL_CODE;
    idt[vector].zero = 0;
    idt[vector].type_attributes = attributes;
    idt[vector].offset_high = (handler >> 16) & 0xFFFF;
}

void idt_init(void)
{
    for (int vector = 0; vector < 48; vector++)
        idt_set(vector, trap_stub_table[vector], GATE_INTERRUPT_RING0);
    idt_set(TRAP_SYSCALL, (uint32_t)trap_stub_128, GATE_INTERRUPT_RING3);
    struct descriptor_pointer pointer = { sizeof(idt) - 1, (uint32_t)idt };
    cpu_load_idt(&pointer);
}

const char *trap_exception_name(uint32_t vector)
{
    return vector < TRAP_EXCEPTION_COUNT ? exception_names[vector] : "unknown trap";
}

/* Prints everything known about a fault taken in kernel mode, then stops the machine. */
static void __attribute__((noreturn)) trap_kernel_fault(struct trap_frame *frame)
{
    kprintf("\n*** KERNEL FAULT: %s (vector %u), error code %#x\n",
            trap_exception_name(frame->vector), frame->vector, frame->error_code);
    kprintf("eax=%08x ebx=%08x ecx=%08x edx=%08x\n", frame->eax, frame->ebx, frame->ecx, frame->edx);
    kprintf("esi=%08x edi=%08x ebp=%08x esp=%08x\n", frame->esi, frame->edi, frame->ebp,
            frame->esp_at_pusha + 12);
    kprintf("eip=%08x eflags=%08x cs=%04x ds=%04x es=%04x fs=%04x gs=%04x\n", frame->eip,
            frame->eflags, frame->cs, frame->ds, frame->es, frame->fs, frame->gs);
    kprintf("cr0=%08x cr2=%08x cr3=%08x cr4=%08x\n", cpu_read_cr0(), cpu_read_cr2(),
            cpu_read_cr3(), cpu_read_cr4());
    kprintf("stack trace:\n");
    panic_print_stack_trace_from(frame->eip, frame->ebp);
    kernel_exit(EXIT_PANIC);
}

void trap_dispatch(struct trap_frame *frame)
{
    if (frame->vector == TRAP_SYSCALL && trap_from_user(frame))
        trap_user(frame);       /* the most frequent first; it never returns */
    if (frame->vector >= TRAP_IRQ_BASE && frame->vector < TRAP_IRQ_BASE + 16) {
        if (trap_from_user(frame))
            trap_user(frame);   /* handles it, then schedules: a tick may preempt the program */
        trap_device_interrupt((int)frame->vector - TRAP_IRQ_BASE);
        return;
    }
    if (trap_from_user(frame))
        trap_user(frame);
    trap_kernel_fault(frame);
}
