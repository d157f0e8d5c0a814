/* Kernel-wide counters for the STATS call and the benchmarks. */
#ifndef KERNEL_STATS_H
#define KERNEL_STATS_H

#include <stdint.h>

struct kernel_stats {
    uint32_t system_calls;      /* calls handled since boot */
    uint32_t restarts;          /* calls rolled back to wait */
    uint32_t context_switches;  /* times a different process was entered */
    uint32_t processes;         /* live processes */
    uint32_t page_faults;       /* user page faults resolved */
    uint32_t user_faults;       /* processes stopped by a fault */
};

extern struct kernel_stats stats;

#endif
