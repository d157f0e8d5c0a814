/* A process's user-mode CPU state on i386, and how the portable kernel reads and rewinds it. */
#ifndef ARCH_CONTEXT_H
#define ARCH_CONTEXT_H

#include <stdint.h>

/* Register indices: the system-call number and arguments/results, in ABI order. */
enum {
    CONTEXT_EAX = 0, CONTEXT_EBX, CONTEXT_ECX, CONTEXT_EDX, CONTEXT_ESI, CONTEXT_EDI,
    CONTEXT_EBP, CONTEXT_CALL_REGISTERS,
};

enum { CONTEXT_TRAP_LENGTH = 2 };   /* int $0x80 */

struct user_context {
    uint32_t registers[CONTEXT_CALL_REGISTERS]; /* eax ebx ecx edx esi edi ebp */
    uint32_t esp, eip, eflags;
    uint32_t pad;
    uint8_t fpu[512] __attribute__((aligned(16)));  /* fxsave image: x87, MMX, SSE */
};

/* Leaves the kernel into process at its saved registers; returns only when it could not be
 * entered (process_hardware_directory parked it or stopped it instead). */
struct process;
void arch_enter_user(struct process *process);

/* A new process: user segments, interrupts on, clean FPU. */
void context_init(struct user_context *context, uint32_t eip, uint32_t esp);
/* Can this CPU restore the context's FPU/SSE image (no MXCSR bit it does not take)? */
int context_fpu_sound(const struct user_context *context);

static inline uint32_t context_get(const struct user_context *context, int index)
{
    return context->registers[index];
}

static inline void context_set(struct user_context *context, int index, uint32_t value)
{
    context->registers[index] = value;
}

/* Points eip back at the trap so the call executes again from the top. */
static inline void context_rewind_call(struct user_context *context)
{
    context->eip -= CONTEXT_TRAP_LENGTH;
}

/* Moves eip past the trap: the call (completed for a blocked process) returns. */
static inline void context_finish_call(struct user_context *context)
{
    context->eip += CONTEXT_TRAP_LENGTH;
}

static inline uint32_t context_pc(const struct user_context *context)
{
    return context->eip;
}

#endif
