/* Stopping the kernel: panic (broken invariant), fatal (clear refusal), stack traces. */
#include <stdarg.h>
#include <stdint.h>
#include <arch/platform.h>
#include <kernel/console.h>
#include <kernel/klog.h>
#include <kernel/panic.h>
#include <kernel/printf.h>
#include <kernel/symbols.h>

enum { STACK_TRACE_DEPTH = 32 };

const char *ksymbol_lookup(uint32_t address, uint32_t *offset)
{
    uint32_t low = 0, high = ksymbol_count;
    while (low < high) {        /* the last symbol at or below address */
        uint32_t middle = (low + high) / 2;
        if (ksymbol_table[middle].address <= address)
            low = middle + 1;
        else
            high = middle;
    }
    if (low == 0 || address >= (uint32_t)kernel_text_end)
        return 0;
    *offset = address - ksymbol_table[low - 1].address;
    return ksymbol_table[low - 1].name;
}

static void print_location(uint32_t address)
{
    uint32_t offset;
    const char *name = ksymbol_lookup(address, &offset);
    if (name)
        kprintf("  %08x  %s+%#x\n", address, name, offset);
    else
        kprintf("  %08x  ?\n", address);
}

static int frame_pointer_plausible(uint32_t frame_pointer)
{
    return frame_pointer >= (uint32_t)kernel_image_start &&
           frame_pointer < (uint32_t)kernel_image_end - 8 && (frame_pointer & 3) == 0;
}

void panic_print_stack_trace_from(unsigned long pc, unsigned long frame_pointer)
{
    print_location((uint32_t)pc);
    for (int depth = 0; depth < STACK_TRACE_DEPTH && frame_pointer_plausible(frame_pointer);
         depth++) {
        uint32_t *frame = (uint32_t *)frame_pointer;
        if (frame[1] == 0)
            break;
        print_location(frame[1] - 1);   /* the call, not the instruction after it */
        if (frame[0] <= frame_pointer)
            break;
        frame_pointer = frame[0];
    }
}

void kernel_exit(int status)
{
    platform_exit(status);
}

void panic_at(const char *file, int line, const char *format, ...)
{
    char message[256];
    va_list arguments;
    va_start(arguments, format);
    format_string(message, sizeof(message), format, arguments);
    va_end(arguments);
    kprintf("\n*** KERNEL PANIC at %s:%d: %s\nstack trace:\n", file, line, message);
    uint32_t frame_pointer = (uint32_t)(uintptr_t)__builtin_frame_address(0);
    panic_print_stack_trace_from((uint32_t)(uintptr_t)__builtin_return_address(0) - 1,
                                 *(uint32_t *)frame_pointer);
    kernel_exit(EXIT_PANIC);
}

void fatal_at(const char *file, int line, const char *format, ...)
{
    char message[256];
    va_list arguments;
    va_start(arguments, format);
    format_string(message, sizeof(message), format, arguments);
    va_end(arguments);
    kprintf("cairn: fatal: %s\n", message);
    DEBUG(trap) kprintf("  (raised at %s:%d)\n", file, line);
    kernel_exit(EXIT_FATAL);
}
