/* Host tests of kernel/cpu_share.c: checkpoint work gets at most its per cent of the time
 * programs had, an idle CPU is free, the credit has a cap, and STATS' recent figures. */
#include <stdint.h>
#include "kernel/cpu_share.h"
#include "unit.h"

/*
 * A simulated CPU: each step programs run for a quantum, then checkpoint work runs for as
 * long as the credit allows (in pieces of a given size, the last one overshooting).
 */
struct simulation {
    struct cpu_share share;
    uint64_t cycles, idle;
    uint64_t program, checkpoint;
};

static void simulate_programs(struct simulation *s, uint64_t cycles)
{
    s->cycles += cycles;
    s->program += cycles;
}

static void simulate_idle(struct simulation *s, uint64_t cycles)
{
    s->cycles += cycles;
    s->idle += cycles;
}

/* Checkpoint work while programs are ready, as the writer's slices do it. */
static void simulate_slice(struct simulation *s, uint64_t piece, uint64_t cap)
{
    cpu_share_accrue(&s->share, s->cycles, s->idle, cap);
    uint64_t limit = cpu_share_available(&s->share), took = 0;
    while (took < limit) {
        took += piece;
        s->cycles += piece;
    }
    s->checkpoint += took;
    cpu_share_charge(&s->share, took, 0);
}

UNIT_TEST(cpu_share_keeps_checkpoints_to_their_per_cent_of_program_time)
{
    static const uint32_t percents[] = { 1, 5, 10, 50, 100 };
    for (unsigned i = 0; i < sizeof(percents) / sizeof(percents[0]); i++) {
        struct simulation s = { .cycles = 5000, .idle = 7 };
        cpu_share_init(&s.share, percents[i], s.cycles, s.idle);
        for (int step = 0; step < 10000; step++) {
            simulate_programs(&s, 1000000);
            simulate_slice(&s, 30000, 0);
        }
        /* At most the per cent, and all of it used: the work always had more to do. */
        uint64_t bound = s.program * percents[i] / 100;
        UNIT_EXPECT(s.checkpoint <= bound + 30000);
        UNIT_EXPECT(s.checkpoint + 30000 >= bound);
        UNIT_EXPECT_INT_EQ(s.share.program_total, s.program);
        UNIT_EXPECT_INT_EQ(s.share.charged_total, s.checkpoint);
    }
}

UNIT_TEST(cpu_share_neither_charges_nor_pays_for_an_idle_cpu)
{
    struct simulation s = { 0 };
    cpu_share_init(&s.share, 10, 0, 0);
    simulate_idle(&s, 50000000);
    cpu_share_accrue(&s.share, s.cycles, s.idle, 0);
    UNIT_EXPECT(!cpu_share_allows(&s.share));        /* idle time earns nothing */
    /* Work while no program was ready, part of it waiting for the disk, is free. */
    s.cycles += 3000000;
    s.idle += 1000000;
    cpu_share_free(&s.share, 3000000, 1000000);
    simulate_programs(&s, 2000000);
    cpu_share_accrue(&s.share, s.cycles, s.idle, 0);
    UNIT_EXPECT_INT_EQ(s.share.program_total, 2000000);
    UNIT_EXPECT_INT_EQ(cpu_share_available(&s.share), 200000);
    UNIT_EXPECT_INT_EQ(s.share.charged_total, 0);
    /* Charged work that waited for the disk is charged whole, and its wait is not idle time
     * the programs had. */
    s.cycles += 500000;
    s.idle += 400000;
    cpu_share_charge(&s.share, 500000, 400000);
    cpu_share_accrue(&s.share, s.cycles, s.idle, 0);
    UNIT_EXPECT_INT_EQ(s.share.credit, (200000 - 500000) * 100);   /* hundredths */
    UNIT_EXPECT_INT_EQ(s.share.program_total, 2000000);
    UNIT_EXPECT(!cpu_share_allows(&s.share));
    UNIT_EXPECT_INT_EQ(cpu_share_available(&s.share), 0);
}

UNIT_TEST(cpu_share_credit_stops_at_its_cap)
{
    struct simulation s = { 0 };
    cpu_share_init(&s.share, 50, 0, 0);
    simulate_programs(&s, 1000000000);
    cpu_share_accrue(&s.share, s.cycles, s.idle, 4000000);
    UNIT_EXPECT_INT_EQ(cpu_share_available(&s.share), 4000000);
    s.cycles += 4000001;
    cpu_share_charge(&s.share, 4000001, 0);
    UNIT_EXPECT(!cpu_share_allows(&s.share));
    simulate_programs(&s, 2);
    cpu_share_accrue(&s.share, s.cycles, s.idle, 4000000);
    UNIT_EXPECT_INT_EQ(cpu_share_available(&s.share), 0);       /* -1 + 2 * 50% = 0 */
    simulate_programs(&s, 2);
    cpu_share_accrue(&s.share, s.cycles, s.idle, 4000000);
    UNIT_EXPECT_INT_EQ(cpu_share_available(&s.share), 1);
}

UNIT_TEST(cpu_share_recent_gives_the_period_and_the_share_of_the_last_eight)
{
    struct cpu_share share;
    cpu_share_init(&share, 10, 0, 0);
    uint64_t period;
    uint32_t figure;
    cpu_share_recent(&share, &period, &figure);
    UNIT_EXPECT_INT_EQ(period, 0);
    UNIT_EXPECT_INT_EQ(figure, 0);
    uint64_t cycles = 0;
    /* Twenty periods: the first twelve 1 ms apart at 5%, the last eight 3 ms at 8%. */
    for (int i = 0; i < 20; i++) {
        int late = i >= 12;
        uint64_t program = 1000000, charged = program * (late ? 8 : 5) / 100;
        cycles += program;
        cpu_share_accrue(&share, cycles, 0, 0);
        cycles += charged;
        cpu_share_charge(&share, charged, 0);
        cpu_share_sample(&share, (uint64_t)(i < 12 ? i : 11 + (i - 11) * 3) * 1000000);
    }
    cpu_share_recent(&share, &period, &figure);
    UNIT_EXPECT_INT_EQ(period, 3000000);
    UNIT_EXPECT_INT_EQ(figure, 80);
}

UNIT_TEST(cpu_share_debt_of_unasked_work_stops_at_the_cap)
{
    /* Work the budget did not allow (a SYNC loop, frame waiters, faults) leaves at most the cap
     * as a debt: programs earn the next checkpoint back in cap / per cent of their time. */
    struct simulation s = { 0 };
    cpu_share_init(&s.share, 10, 0, 0);
    s.cycles += 900000000;
    cpu_share_charge_unasked(&s.share, 900000000, 0, 1000000);
    UNIT_EXPECT_INT_EQ(s.share.credit, -1000000LL * 100);
    UNIT_EXPECT_INT_EQ(s.share.charged_total, 900000000);   /* the figures keep it all */
    simulate_programs(&s, 10000000);
    cpu_share_accrue(&s.share, s.cycles, s.idle, 1000000);
    UNIT_EXPECT(!cpu_share_allows(&s.share));
    simulate_programs(&s, 10);
    cpu_share_accrue(&s.share, s.cycles, s.idle, 1000000);
    UNIT_EXPECT_INT_EQ(cpu_share_available(&s.share), 1);
    /* Work the budget allowed is paid back whole, however deep. */
    s.cycles += 900000000;
    cpu_share_charge(&s.share, 900000000, 0);
    cpu_share_accrue(&s.share, s.cycles, s.idle, 1000000);
    UNIT_EXPECT_INT_EQ(s.share.credit, (1 - 900000000LL) * 100);
    /* A debt already deeper than the cap is not made shallower by more unasked work. */
    cpu_share_charge_unasked(&s.share, 5, 0, 1000000);
    UNIT_EXPECT_INT_EQ(s.share.credit, (1 - 900000000LL) * 100);
}
