/* The PC devices the i386 port drives: PIC, PIT, 16550 UART, VGA text, fw_cfg, isa-debug-exit. */
#ifndef ARCH_PC_H
#define ARCH_PC_H

#include <stddef.h>
#include <stdint.h>

enum {
    IRQ_TIMER = 0,
    IRQ_COM1 = 4,
};

void pic_init(void);
void pic_enable_line(int irq);
void pic_end_of_interrupt(int irq);
int pic_is_spurious(int irq);

void pit_init(uint32_t hz);
uint32_t pit_rate_hz(void);
extern volatile uint64_t pit_ticks;
/* Counts a tick (from the timer interrupt); nanoseconds since the last one, from the cycle
 * counter once it has been measured against the timer (below one tick, so time never jumps). */
void pit_tick(void);
uint32_t pit_nanoseconds_into_tick(void);
/* How far the cycle counter moves in one tick; 0 until measured. */
uint64_t pit_cycles_per_tick(void);

void uart_init(void);
void uart_enable_receive_interrupt(void);
void uart_write(const char *text, size_t length);
void uart_handle_interrupt(void);

void vga_init(void);
void vga_write(const char *text, size_t length);

/* Copies the fw_cfg file NAME into buffer (NUL-terminated); returns its length or -1. */
int fwcfg_read_file(const char *name, char *buffer, size_t size);

/* Ends the QEMU run through isa-debug-exit; QEMU exits with 2*status+1. */
void debug_exit(uint32_t status);

#endif
