/* The kernel's own log: immediate, leveled, written straight to the console. */
#ifndef KERNEL_KLOG_H
#define KERNEL_KLOG_H

enum klog_level { KLOG_ERROR, KLOG_WARNING, KLOG_INFO, KLOG_DEBUG };

/* Messages above this level are dropped (option loglevel). */
extern long klog_threshold;

/* Plain formatted output, no prefix, always shown. */
void kprintf(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* One log line at a level; "warning: " and "error: " prefixes are added. */
void klog(enum klog_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Per-subsystem debug switches, free when off: DEBUG(timer) kprintf(...). */
extern unsigned long debug_flags;
enum { DEBUG_timer = 1 << 0, DEBUG_memory = 1 << 1, DEBUG_trap = 1 << 2, DEBUG_net = 1 << 3 };
#define DEBUG(subsystem) if (debug_flags & DEBUG_##subsystem)

#endif
