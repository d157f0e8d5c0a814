/* Kernel time: the persistent monotonic clock, and the wall clock that jumps across power-off. */
#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include <stdint.h>

/* Monotonic nanoseconds: persistent, it goes on from the resumed checkpoint's value. */
uint64_t time_monotonic_nanoseconds(void);

/* Wall-clock nanoseconds since 1970 UTC: the real-time clock at boot plus monotonic time
 * since; 0 when the machine has no real-time clock. */
uint64_t time_wall_nanoseconds(void);

/* Called once at boot: reads the real-time clock. */
void time_init(void);

/* Called once at boot with the resumed checkpoint's clocks (wall 0: not known). */
void time_resume_from(uint64_t monotonic_ns, uint64_t wall_ns);

/* "YYYY-MM-DD hh:mm:ss UTC" (or "unknown" for 0). */
void time_format_wall(char *text, uint32_t size, uint64_t wall_ns);

/* The wall clock when this boot began; the clocks of the checkpoint it resumed (0: none). */
extern uint64_t time_boot_wall_ns, time_resumed_wall_ns, time_resumed_monotonic_ns;

#endif
