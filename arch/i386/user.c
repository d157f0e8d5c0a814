/* User mode on i386: entering a process, saving it on a trap, FPU/SSE state, and user traps. */
#include <stdint.h>
#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/trap.h>
#include <kernel/fault.h>
#include <kernel/panic.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/syscall.h>

enum {
    EFLAGS_RESERVED = 1 << 1, EFLAGS_INTERRUPTS = 1 << 9,
    EFLAGS_USER_WRITABLE = 0x00000CD5,      /* CF PF AF ZF SF DF OF: what a program may set */
    CR0_MONITOR_COPROCESSOR = 1 << 1, CR0_EMULATION = 1 << 2, CR0_NUMERIC_ERROR = 1 << 5,
    CR4_OSFXSR = 1 << 9, CR4_OSXMMEXCPT = 1 << 10,
    CPUID_FXSR = 1 << 24,
    PAGE_FAULT_PRESENT = 1 << 0,    /* the page was mapped: its protection refused the access */
    PAGE_FAULT_WRITE = 1 << 1,
};

/* The FPU state every new process starts with (after fninit, SSE exceptions masked). */
static uint8_t fpu_initial_state[512] __attribute__((aligned(16)));
/* The MXCSR bits this CPU takes (fxsave's MXCSR_MASK, 0 there meaning 0xFFBF): fxrstor of any
 * other bit raises #GP in ring 0, so a stored state with one is refused (context_fpu_sound). */
static uint32_t mxcsr_mask = 0xFFBF;
enum { FXSAVE_MXCSR = 24, FXSAVE_MXCSR_MASK = 28 };

void arch_user_init(void)
{
    uint32_t a, b, c, d;
    cpu_cpuid(1, &a, &b, &c, &d);
    if (!(d & CPUID_FXSR))
        fatal("this CPU has no fxsave/fxrstor; Cairn needs a Pentium II or later");
    cpu_write_cr0((cpu_read_cr0() & ~(uint32_t)CR0_EMULATION) | CR0_MONITOR_COPROCESSOR |
                  CR0_NUMERIC_ERROR);
    cpu_write_cr4(cpu_read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    cpu_fpu_reset();
    cpu_fpu_save(fpu_initial_state);
    uint32_t mask;
    memcpy(&mask, fpu_initial_state + FXSAVE_MXCSR_MASK, sizeof(mask));
    mxcsr_mask = mask ? mask : 0xFFBF;
}

int context_fpu_sound(const struct user_context *context)
{
    uint32_t mxcsr;
    memcpy(&mxcsr, context->fpu + FXSAVE_MXCSR, sizeof(mxcsr));
    return (mxcsr & ~mxcsr_mask) == 0;
}

void context_init(struct user_context *context, uint32_t eip, uint32_t esp)
{
    memset(context->registers, 0, sizeof(context->registers));
    context->eip = eip;
    context->esp = esp;
    context->eflags = EFLAGS_RESERVED | EFLAGS_INTERRUPTS;
    memcpy(context->fpu, fpu_initial_state, sizeof(context->fpu));
}

static void context_save(struct user_context *context, const struct trap_frame *frame)
{
    context->registers[CONTEXT_EAX] = frame->eax;
    context->registers[CONTEXT_EBX] = frame->ebx;
    context->registers[CONTEXT_ECX] = frame->ecx;
    context->registers[CONTEXT_EDX] = frame->edx;
    context->registers[CONTEXT_ESI] = frame->esi;
    context->registers[CONTEXT_EDI] = frame->edi;
    context->registers[CONTEXT_EBP] = frame->ebp;
    context->eip = frame->eip;
    context->esp = frame->user_esp;
    context->eflags = frame->eflags;
    cpu_fpu_save(context->fpu);
}

void arch_enter_user(struct process *process)
{
    uint32_t directory = process_hardware_directory(process);
    if (!directory)
        return;         /* process_hardware_directory parked or stopped it */
    mmu_activate(directory);
    cpu_fpu_restore(process->context.fpu);
    struct trap_frame *frame = (struct trap_frame *)(tss_kernel_stack_top() - sizeof(*frame));
    const struct user_context *context = &process->context;
    frame->eax = context->registers[CONTEXT_EAX];
    frame->ebx = context->registers[CONTEXT_EBX];
    frame->ecx = context->registers[CONTEXT_ECX];
    frame->edx = context->registers[CONTEXT_EDX];
    frame->esi = context->registers[CONTEXT_ESI];
    frame->edi = context->registers[CONTEXT_EDI];
    frame->ebp = context->registers[CONTEXT_EBP];
    frame->gs = frame->fs = frame->es = frame->ds = SELECTOR_USER_DATA;
    frame->user_ss = SELECTOR_USER_DATA;
    frame->cs = SELECTOR_USER_CODE;
    frame->eip = context->eip;
    frame->user_esp = context->esp;
    frame->eflags = (context->eflags & EFLAGS_USER_WRITABLE) | EFLAGS_RESERVED | EFLAGS_INTERRUPTS;
    trap_enter_frame(frame);
}

static const char *user_fault_name(uint32_t vector)
{
    switch (vector) {
    case TRAP_DIVIDE: return "divide error";
    case TRAP_INVALID_OPCODE: return "invalid opcode";
    case TRAP_GENERAL_PROTECTION: return "general protection fault";
    case TRAP_PAGE_FAULT: return "page fault";
    default: return trap_exception_name(vector);
    }
}

static enum fault_access user_fault_access(uint32_t error_code)
{
    if (!(error_code & PAGE_FAULT_WRITE))
        return FAULT_READ;
    return (error_code & PAGE_FAULT_PRESENT) ? FAULT_WRITE_PROTECTED : FAULT_WRITE;
}

/* A trap taken in user mode: save the process, handle the trap, run whoever is next. */
void trap_user(struct trap_frame *frame)
{
    struct process *process = process_current;
    assert(process != NULL);
    context_save(&process->context, frame);
    if (frame->vector == TRAP_SYSCALL)     /* the most frequent first */
        syscall_handle(process);
    else if (frame->vector >= TRAP_IRQ_BASE && frame->vector < TRAP_IRQ_BASE + 16)
        trap_device_interrupt((int)frame->vector - TRAP_IRQ_BASE);
    else if (frame->vector == TRAP_PAGE_FAULT)
        fault_page(process, cpu_read_cr2(), user_fault_access(frame->error_code), cpu_rdtsc());
    else
        process_fault(process, user_fault_name(frame->vector), PROCESS_FAULT_NO_ADDRESS);
    sched_run();
}
