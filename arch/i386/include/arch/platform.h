/* The services the i386 port gives the portable kernel: exit, idle, time, console devices, paging,
 * the CPU's CRC32C. */
#ifndef ARCH_PLATFORM_H
#define ARCH_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <kernel/boot_info.h>

/* Sets up traps, the interrupt controller and the timer at tick_hz. */
void platform_init_interrupts(uint32_t tick_hz);

/* Turns on paging with the kernel's identity map of [0, direct_map_limit). */
void platform_init_paging(uint32_t direct_map_limit);

/* The CPU's own CRC32C (checkpoint/crc32c.h), or NULL when it has none; and its name. */
uint32_t platform_crc32c(uint32_t crc, const void *data, size_t length);
int platform_has_crc32c(void);
#define PLATFORM_CRC32C_NAME "the crc32 instruction (SSE4.2)"
#define PLATFORM_NO_CRC32C "the CPU has no SSE4.2"

/* Writes to every console device (serial and VGA); or to the serial port, or the screen, alone. */
void platform_console_write(const char *text, size_t length);
void platform_serial_write(const char *text, size_t length);
void platform_screen_write(const char *text, size_t length);

/* Ticks since boot and their rate. */
uint64_t platform_ticks(void);
/* Their low 32 bits, to see whether a tick came since a moment: one load, no interrupts
 * turned off (the timer's handler increments the whole count before anything reads it). */
extern volatile uint64_t pit_ticks;
static inline uint32_t platform_ticks_low(void)
{
    return (uint32_t)pit_ticks;
}

/* The CPU's cycle counter (guest instructions under QEMU -icount), and its value at kernel entry. */
uint64_t platform_cycles(void);
extern uint64_t platform_boot_cycles;
uint32_t platform_tick_hz(void);
/* How far the cycle counter moves in one tick, measured against the timer some ticks after
 * boot; 0 until then. */
uint64_t platform_cycles_per_tick(void);
/* Nanoseconds since the last tick (0 until the cycle counter is measured); below one tick. */
uint32_t platform_nanoseconds_into_tick(void);

/* The real-time clock, in ns since 1970-01-01 UTC; 0 when there is none (or it is nonsense). */
uint64_t platform_wall_clock_ns(void);

/* Waits for the next interrupt with interrupts enabled, then disables them again. */
void platform_idle(void);

/* Lets pending interrupts in for a moment (between bounded steps of kernel work). */
void platform_interrupt_window(void);
/* Cycles spent inside platform_idle since kernel entry (under -icount: virtual time skipped
 * while halted, not instructions). */
extern uint64_t platform_idle_cycles;

/* Stops the machine: QEMU exits with this status through isa-debug-exit. */
void platform_exit(int status) __attribute__((noreturn));

/* Makes the CPU fault on purpose (kind: "page", "divide", "opcode", "gp"); for tests. */
void platform_deliberate_fault(const char *kind);

/* Kernel's layout, from the linker script. */
extern char kernel_image_start[], kernel_image_end[], kernel_text_end[];

void kernel_main(struct boot_info *info) __attribute__((noreturn));

#endif
