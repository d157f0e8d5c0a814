/* The checkpoint's budget of CPU cycles (kernel/cpu_share.h says how it is earned and spent). */
#include <stddef.h>
#include <kernel/cpu_share.h>

void cpu_share_init(struct cpu_share *share, uint32_t percent, uint64_t cycles, uint64_t idle)
{
    *share = (struct cpu_share){ .percent = percent, .seen_cycles = cycles, .seen_idle = idle };
}

static uint64_t at_most(uint64_t value, uint64_t limit)
{
    return value < limit ? value : limit;
}

void cpu_share_accrue(struct cpu_share *share, uint64_t cycles, uint64_t idle, uint64_t cap)
{
    uint64_t elapsed = cycles - share->seen_cycles;
    uint64_t idle_since = idle - share->seen_idle;
    /* Idle outside checkpoint work, then the cycles neither idle nor checkpoint work. */
    uint64_t idle_alone = idle_since - at_most(share->taken_idle_unseen, idle_since);
    uint64_t busy = elapsed - at_most(idle_alone, elapsed);
    uint64_t program = busy - at_most(share->taken_unseen, busy);
    share->seen_cycles = cycles;
    share->seen_idle = idle;
    share->taken_unseen = 0;
    share->taken_idle_unseen = 0;
    share->program_total += program;
    share->credit += (int64_t)(program * share->percent);
    if (cap && share->credit > (int64_t)(cap * 100))
        share->credit = (int64_t)(cap * 100);
}

void cpu_share_free(struct cpu_share *share, uint64_t cycles, uint64_t idle)
{
    share->taken_unseen += cycles;
    share->taken_total += cycles;
    share->taken_idle_unseen += at_most(idle, cycles);
}

void cpu_share_charge(struct cpu_share *share, uint64_t cycles, uint64_t idle)
{
    cpu_share_free(share, cycles, idle);
    share->credit -= (int64_t)(cycles * 100);
    share->charged_total += cycles;
}

void cpu_share_charge_unasked(struct cpu_share *share, uint64_t cycles, uint64_t idle,
                              uint64_t cap)
{
    int64_t floor = -(int64_t)(cap * 100), before = share->credit;
    cpu_share_charge(share, cycles, idle);
    if (cap && share->credit < floor)
        share->credit = before < floor ? before : floor;    /* no deeper than the cap */
}

int cpu_share_allows(const struct cpu_share *share)
{
    return share->credit >= 100;   /* at least a whole cycle */
}

uint64_t cpu_share_available(const struct cpu_share *share)
{
    return share->credit > 0 ? (uint64_t)share->credit / 100 : 0;
}

void cpu_share_sample(struct cpu_share *share, uint64_t nanoseconds)
{
    share->samples[share->sample_count++ % CPU_SHARE_SAMPLES] = (struct cpu_share_sample){
        .nanoseconds = nanoseconds, .charged = share->charged_total,
        .program = share->program_total };
}

uint64_t cpu_share_newest_ns(const struct cpu_share *share)
{
    return share->sample_count
           ? share->samples[(share->sample_count - 1) % CPU_SHARE_SAMPLES].nanoseconds : 0;
}

void cpu_share_recent(const struct cpu_share *share, uint64_t *period_ns, uint32_t *permille)
{
    *period_ns = 0;
    *permille = 0;
    uint32_t count = share->sample_count;
    if (count < 2)
        return;
    uint32_t periods = count < CPU_SHARE_SAMPLES ? count - 1 : CPU_SHARE_SAMPLES - 1;
    const struct cpu_share_sample *newest = &share->samples[(count - 1) % CPU_SHARE_SAMPLES];
    const struct cpu_share_sample *oldest = &share->samples[(count - 1 - periods) %
                                                            CPU_SHARE_SAMPLES];
    *period_ns = (newest->nanoseconds - oldest->nanoseconds) / periods;
    uint64_t program = newest->program - oldest->program;
    uint64_t charged = newest->charged - oldest->charged;
    if (program)
        *permille = (uint32_t)at_most(charged * 1000 / program, 0xFFFFFFFFu);
}
