/* The 8254 programmable interval timer on IRQ 0: the kernel's tick. */
#include <stdint.h>
#include <arch/cpu.h>
#include <arch/pc.h>

enum {
    PIT_CHANNEL0 = 0x40,
    PIT_COMMAND = 0x43,
    PIT_FREQUENCY_HZ = 1193182,
    PIT_MODE_RATE = 0x34,       /* channel 0, low then high byte, mode 2 */
};

/* Ticks since boot; one tick is 1/pit_tick_hz seconds. */
volatile uint64_t pit_ticks;
/* Programmed tick rate in Hz. */
static uint32_t pit_tick_hz;

void pit_init(uint32_t hz)
{
    uint32_t divisor = PIT_FREQUENCY_HZ / hz;
    if (divisor < 1)
        divisor = 1;
    if (divisor > 65535)
        divisor = 65535;
    pit_tick_hz = PIT_FREQUENCY_HZ / divisor;
    outb(PIT_COMMAND, PIT_MODE_RATE);
    outb(PIT_CHANNEL0, divisor & 0xFF);
    outb(PIT_CHANNEL0, (divisor >> 8) & 0xFF);
    pic_enable_line(IRQ_TIMER);
}

uint32_t pit_rate_hz(void)
{
    return pit_tick_hz;
}

enum { CALIBRATION_START = 4, CALIBRATION_TICKS = 16 };

/* The cycle counter at the last tick, and how far it moves in one tick (0: not measured yet). */
static uint64_t tick_cycles_at, calibration_cycles_at;
static uint64_t cycles_per_tick;

void pit_tick(void)
{
    pit_ticks++;
    tick_cycles_at = cpu_rdtsc();
    if (pit_ticks == CALIBRATION_START)
        calibration_cycles_at = tick_cycles_at;
    else if (pit_ticks == CALIBRATION_START + CALIBRATION_TICKS)
        cycles_per_tick = (tick_cycles_at - calibration_cycles_at) / CALIBRATION_TICKS;
}

uint64_t pit_cycles_per_tick(void)
{
    return cycles_per_tick;
}

uint32_t pit_nanoseconds_into_tick(void)
{
    if (!cycles_per_tick || !pit_tick_hz)
        return 0;
    uint64_t tick_ns = 1000000000ull / pit_tick_hz;
    uint64_t since = cpu_rdtsc() - tick_cycles_at;
    uint64_t ns = since >= cycles_per_tick ? tick_ns : since * tick_ns / cycles_per_tick;
    return (uint32_t)(ns < tick_ns ? ns : tick_ns - 1);    /* never reaches the next tick */
}
