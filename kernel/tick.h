/* The timer tick as the portable kernel sees it. */
#ifndef KERNEL_TICK_H
#define KERNEL_TICK_H

/* Called from the timer interrupt, in interrupt context: only sets flags and counts. */
void tick_handle(void);

#endif
