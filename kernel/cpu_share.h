/*
 * A bounded share of the CPU for checkpoint work: a budget of cycles, portable and host-tested.
 *
 * Programs earn the budget as they run: every cycle the CPU was neither idle
 * nor doing checkpoint work adds percent/100 of a cycle to the credit, up to
 * a cap (so a long quiet time does not buy a long burst). Checkpoint work
 * done while programs are ready (the pause, the writer's slices, the faults
 * that only tell the kernel a page changed) is charged against it after the
 * fact, waits for the disk included; while the credit is below one cycle the
 * checkpoint code waits. Work the budget did not allow (kernel/ckpt.c names
 * it) is charged too, but the debt it leaves stops at the cap: it can delay
 * the next checkpoint by at most the time programs need to earn the cap
 * back, never for ever. Work the budget allowed is paid back in full. Over any stretch of time, then, checkpoints take at
 * most percent per cent of the time programs got (plus one step's overshoot
 * and the cap), so programs are slowed by at most about that much. Work done
 * while no program is ready is free: it is neither charged nor earns.
 */
#ifndef KERNEL_CPU_SHARE_H
#define KERNEL_CPU_SHARE_H

#include <stdint.h>

enum { CPU_SHARE_SAMPLES = 9 };     /* the last 8 periods between checkpoints, for STATS */

/* The totals at one snapshot, to tell the period achieved and the share taken since. */
struct cpu_share_sample {
    uint64_t nanoseconds;           /* monotonic time */
    uint64_t charged, program;      /* charged_total and program_total, then */
};

struct cpu_share {
    uint32_t percent;               /* the bound, in per cent of the programs' time (1 to 100) */
    int64_t credit;                 /* hundredths of the cycles checkpoint work may still take
                                       (no division when it grows); below one cycle: it waits */
    uint64_t seen_cycles, seen_idle;    /* the cycle and idle counters at the last accrual */
    uint64_t taken_unseen;          /* checkpoint work's cycles since the last accrual */
    uint64_t taken_idle_unseen;     /* ...of which the CPU idled (waiting for the disk) */
    uint64_t taken_total;           /* cycles of checkpoint work since the start, charged or free */
    uint64_t charged_total;         /* ...of which charged */
    uint64_t program_total;         /* cycles programs had since the start */
    struct cpu_share_sample samples[CPU_SHARE_SAMPLES];
    uint32_t sample_count;          /* samples taken (the ring holds the newest) */
};

/* Starts with no credit at the counters' present values. */
void cpu_share_init(struct cpu_share *share, uint32_t percent, uint64_t cycles, uint64_t idle);

/* Adds what programs earned since the last accrual: cycles is the cycle counter now, idle the
 * cycles spent idle since the start (both only grow); cap bounds the credit (0: no bound,
 * while the caller cannot tell the cap yet). */
void cpu_share_accrue(struct cpu_share *share, uint64_t cycles, uint64_t idle, uint64_t cap);

/* Checkpoint work took cycles, idle of them waiting, while programs were ready (charged) or
 * while none was (free). */
void cpu_share_charge(struct cpu_share *share, uint64_t cycles, uint64_t idle);
void cpu_share_free(struct cpu_share *share, uint64_t cycles, uint64_t idle);
/* Charged work the budget did not allow: the credit goes no lower than -cap for it. */
void cpu_share_charge_unasked(struct cpu_share *share, uint64_t cycles, uint64_t idle,
                              uint64_t cap);

/* May checkpoint work take the CPU from programs now? For how many cycles at most? */
int cpu_share_allows(const struct cpu_share *share);
uint64_t cpu_share_available(const struct cpu_share *share);

/* A checkpoint's snapshot, at monotonic time nanoseconds: one sample. */
void cpu_share_sample(struct cpu_share *share, uint64_t nanoseconds);

/* The monotonic time of the newest sample; 0 before the first. */
uint64_t cpu_share_newest_ns(const struct cpu_share *share);

/* Over the recent samples: the mean period between snapshots in ns, and the share charged to
 * checkpoints in per mille of the programs' time. Both 0 before there are two samples. */
void cpu_share_recent(const struct cpu_share *share, uint64_t *period_ns, uint32_t *permille);

#endif
