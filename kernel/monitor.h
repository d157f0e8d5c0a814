/* The kernel monitor: what the console does while no user program exists yet. */
#ifndef KERNEL_MONITOR_H
#define KERNEL_MONITOR_H

/* Echoes each line typed on the console, for ever. */
void monitor_run(void) __attribute__((noreturn));

#endif
