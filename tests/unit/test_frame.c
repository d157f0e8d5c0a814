/* Host tests of kernel/frame.c: ranges, allocation, freeing, and a randomized check against a model. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <kernel/frame.h>
#include "unit.h"

/* An allocator over a heap bitmap of exactly frame_bitmap_bytes, so ASan catches overruns. */
struct frame_fixture {
    struct frame_allocator allocator;
    uint32_t *bitmap;
};

static void fixture_start(struct frame_fixture *fixture, uint32_t frame_count)
{
    fixture->bitmap = malloc(frame_bitmap_bytes(frame_count) + 1);  /* malloc(0) may be NULL */
    frame_allocator_init(&fixture->allocator, fixture->bitmap, frame_count);
}

static void fixture_end(struct frame_fixture *fixture)
{
    free(fixture->bitmap);
}

static uint64_t frame_address(uint32_t frame)
{
    return (uint64_t)frame * FRAME_SIZE;
}

/* Number of frames in [first, end) that frame_is_free reports free. */
static uint32_t free_frames_between(const struct frame_allocator *allocator, uint32_t first,
                                    uint32_t end)
{
    uint32_t count = 0;
    for (uint32_t frame = first; frame < end; frame++)
        count += frame_is_free(allocator, frame) != 0;
    return count;
}

UNIT_TEST(frame_bitmap_bytes_rounds_up_to_words)
{
    UNIT_EXPECT_INT_EQ(frame_bitmap_bytes(0), 0);
    UNIT_EXPECT_INT_EQ(frame_bitmap_bytes(1), 4);
    UNIT_EXPECT_INT_EQ(frame_bitmap_bytes(32), 4);
    UNIT_EXPECT_INT_EQ(frame_bitmap_bytes(33), 8);
    UNIT_EXPECT_INT_EQ(frame_bitmap_bytes(262144), 32768);
}

UNIT_TEST(frame_init_marks_everything_used)
{
    struct frame_fixture fixture;
    fixture_start(&fixture, 100);
    uint32_t frame = 12345;
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 0);
    UNIT_EXPECT_INT_EQ(free_frames_between(&fixture.allocator, 0, 100), 0);
    UNIT_EXPECT_INT_EQ(frame_alloc(&fixture.allocator, &frame), 0);
    UNIT_EXPECT_INT_EQ(frame_alloc_contiguous(&fixture.allocator, 1, &frame), 0);
    UNIT_EXPECT_INT_EQ(frame_free(&fixture.allocator, 100), 0);
    fixture_end(&fixture);
}

UNIT_TEST(frame_release_whole_pages)
{
    struct frame_fixture fixture;
    fixture_start(&fixture, 64);
    frame_release_range(&fixture.allocator, frame_address(2), 3 * FRAME_SIZE);
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 3);
    UNIT_EXPECT(!frame_is_free(&fixture.allocator, 1));
    UNIT_EXPECT(frame_is_free(&fixture.allocator, 2) && frame_is_free(&fixture.allocator, 4));
    UNIT_EXPECT(!frame_is_free(&fixture.allocator, 5));
    frame_release_range(&fixture.allocator, frame_address(3), 3 * FRAME_SIZE);
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 4);   /* frames 2..5, none counted twice */
    fixture_end(&fixture);
}

/* Kept frames: no allocation takes them until they are given back, and no more can be kept
 * than are free (the writer's map keeps its leaves' frames at boot, then makes them later). */
UNIT_TEST(frame_kept_frames_stay_free_until_given_back)
{
    struct frame_fixture fixture;
    fixture_start(&fixture, 64);
    frame_release_range(&fixture.allocator, frame_address(8), 4 * FRAME_SIZE);
    uint32_t frame = 0, first = 0;
    UNIT_EXPECT(!frame_keep(&fixture.allocator, 5));
    UNIT_EXPECT(frame_keep(&fixture.allocator, 3));
    UNIT_EXPECT_INT_EQ(frame_available(&fixture.allocator), 1);
    UNIT_EXPECT(!frame_alloc_contiguous(&fixture.allocator, 2, &first));
    UNIT_EXPECT(frame_alloc(&fixture.allocator, &frame));
    UNIT_EXPECT(!frame_alloc(&fixture.allocator, &frame));      /* the rest are kept */
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 3);
    frame_unkeep(&fixture.allocator, 1);
    UNIT_EXPECT(frame_alloc(&fixture.allocator, &frame));
    UNIT_EXPECT(!frame_alloc(&fixture.allocator, &frame));
    frame_unkeep(&fixture.allocator, 10);      /* more than are kept: only those go */
    UNIT_EXPECT_INT_EQ(fixture.allocator.kept_count, 0);
    UNIT_EXPECT(frame_alloc_contiguous(&fixture.allocator, 2, &first));
    fixture_end(&fixture);
}

UNIT_TEST(frame_release_partial_pages_round_inward)
{
    struct frame_fixture fixture;
    fixture_start(&fixture, 64);
    frame_release_range(&fixture.allocator, 100, 2 * FRAME_SIZE);        /* [100, 8292) */
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 1);
    UNIT_EXPECT(frame_is_free(&fixture.allocator, 1));
    UNIT_EXPECT(!frame_is_free(&fixture.allocator, 0) && !frame_is_free(&fixture.allocator, 2));
    frame_release_range(&fixture.allocator, frame_address(10) + 1, FRAME_SIZE - 1);
    frame_release_range(&fixture.allocator, frame_address(20) + 1, FRAME_SIZE);
    frame_release_range(&fixture.allocator, frame_address(30), FRAME_SIZE - 1);
    frame_release_range(&fixture.allocator, frame_address(40), 0);
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 1);
    frame_release_range(&fixture.allocator, frame_address(50) - 1, FRAME_SIZE + 2);
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 2);
    UNIT_EXPECT(frame_is_free(&fixture.allocator, 50));
    fixture_end(&fixture);
}

UNIT_TEST(frame_release_past_the_end_is_clamped)
{
    struct frame_fixture fixture;
    fixture_start(&fixture, 40);
    frame_release_range(&fixture.allocator, frame_address(30), 1ull << 40);
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 10);
    frame_release_range(&fixture.allocator, frame_address(1000), 100 * FRAME_SIZE);
    frame_release_range(&fixture.allocator, 0, UINT64_MAX);
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 40);
    UNIT_EXPECT(!frame_is_free(&fixture.allocator, 40));
    fixture_end(&fixture);
}

UNIT_TEST(frame_reserve_partial_pages_round_outward)
{
    struct frame_fixture fixture;
    fixture_start(&fixture, 64);
    frame_release_range(&fixture.allocator, 0, frame_address(64));
    frame_reserve_range(&fixture.allocator, frame_address(1) + 1, 1);
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 63);
    UNIT_EXPECT(!frame_is_free(&fixture.allocator, 1));
    UNIT_EXPECT(frame_is_free(&fixture.allocator, 0) && frame_is_free(&fixture.allocator, 2));
    frame_reserve_range(&fixture.allocator, frame_address(5) - 1, 2);    /* touches 4 and 5 */
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 61);
    UNIT_EXPECT(!frame_is_free(&fixture.allocator, 4) && !frame_is_free(&fixture.allocator, 5));
    frame_reserve_range(&fixture.allocator, frame_address(10), FRAME_SIZE);
    UNIT_EXPECT(!frame_is_free(&fixture.allocator, 10) && frame_is_free(&fixture.allocator, 11));
    frame_reserve_range(&fixture.allocator, frame_address(20), 0);
    UNIT_EXPECT(frame_is_free(&fixture.allocator, 20));
    frame_reserve_range(&fixture.allocator, frame_address(1), FRAME_SIZE);   /* already used */
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 60);
    fixture_end(&fixture);
}

UNIT_TEST(frame_reserve_past_the_end_is_clamped)
{
    struct frame_fixture fixture;
    fixture_start(&fixture, 40);
    frame_release_range(&fixture.allocator, 0, frame_address(40));
    frame_reserve_range(&fixture.allocator, frame_address(35), 1ull << 40);
    frame_reserve_range(&fixture.allocator, frame_address(500), FRAME_SIZE);
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 35);
    UNIT_EXPECT_INT_EQ(free_frames_between(&fixture.allocator, 0, 40), 35);
    fixture_end(&fixture);
}

/* [4096, 2^64 - 1) touches every frame from 1 on; base + length + 4095 must not wrap. */
UNIT_TEST(frame_reserve_to_top_of_address_space)
{
    struct frame_fixture fixture;
    fixture_start(&fixture, 40);
    frame_release_range(&fixture.allocator, 0, frame_address(40));
    frame_reserve_range(&fixture.allocator, FRAME_SIZE, UINT64_MAX - FRAME_SIZE);
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 1);
    UNIT_EXPECT(frame_is_free(&fixture.allocator, 0) && !frame_is_free(&fixture.allocator, 1));
    fixture_end(&fixture);
}

UNIT_TEST(frame_alloc_until_exhausted)
{
    enum { COUNT = 100 };
    struct frame_fixture fixture;
    fixture_start(&fixture, COUNT);
    frame_release_range(&fixture.allocator, frame_address(10), frame_address(80));  /* 10..89 */
    uint8_t taken[COUNT] = { 0 };
    uint32_t frame;
    for (uint32_t i = 0; i < 80; i++) {
        UNIT_ASSERT(frame_alloc(&fixture.allocator, &frame));
        UNIT_ASSERT(frame >= 10 && frame < 90 && !taken[frame]);
        taken[frame] = 1;
        UNIT_EXPECT(!frame_is_free(&fixture.allocator, frame));
        UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 79 - i);
    }
    UNIT_EXPECT_INT_EQ(frame_alloc(&fixture.allocator, &frame), 0);
    UNIT_EXPECT_INT_EQ(frame_alloc(&fixture.allocator, &frame), 0);
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 0);
    UNIT_EXPECT_INT_EQ(frame_free(&fixture.allocator, 17), 1);    /* the only free frame */
    UNIT_EXPECT(frame_alloc(&fixture.allocator, &frame) && frame == 17);
    fixture_end(&fixture);
}

UNIT_TEST(frame_free_checks_state)
{
    struct frame_fixture fixture;
    fixture_start(&fixture, 50);
    frame_release_range(&fixture.allocator, 0, frame_address(50));
    UNIT_EXPECT_INT_EQ(frame_free(&fixture.allocator, 3), 0);      /* already free */
    UNIT_EXPECT_INT_EQ(frame_free(&fixture.allocator, 50), 0);     /* out of range */
    UNIT_EXPECT_INT_EQ(frame_free(&fixture.allocator, UINT32_MAX), 0);
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 50);
    uint32_t frame;
    UNIT_ASSERT(frame_alloc(&fixture.allocator, &frame));
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 49);
    UNIT_EXPECT_INT_EQ(frame_free(&fixture.allocator, frame), 1);
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 50);
    UNIT_EXPECT_INT_EQ(frame_free(&fixture.allocator, frame), 0);  /* double free */
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 50);
    fixture_end(&fixture);
}

UNIT_TEST(frame_contiguous_finds_the_only_run_past_holes)
{
    struct frame_fixture fixture;
    fixture_start(&fixture, 128);
    frame_release_range(&fixture.allocator, 0, frame_address(128));
    for (uint32_t frame = 0; frame < 128; frame += 4)     /* runs of 3 ... */
        if (frame != 44 && frame != 48)                    /* ... and 41..51, a run of 11 */
            frame_reserve_range(&fixture.allocator, frame_address(frame), 1);
    uint32_t free_before = fixture.allocator.free_count;
    uint32_t first = 999;
    UNIT_EXPECT_INT_EQ(frame_alloc_contiguous(&fixture.allocator, 12, &first), 0);
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, free_before);
    UNIT_ASSERT(frame_alloc_contiguous(&fixture.allocator, 11, &first));
    UNIT_EXPECT_INT_EQ(first, 41);
    UNIT_EXPECT_INT_EQ(free_frames_between(&fixture.allocator, 40, 53), 0);
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, free_before - 11);
    UNIT_ASSERT(frame_alloc_contiguous(&fixture.allocator, 3, &first));
    UNIT_EXPECT(first % 4 == 1 && free_frames_between(&fixture.allocator, first, first + 3) == 0);
    UNIT_EXPECT_INT_EQ(frame_alloc_contiguous(&fixture.allocator, 4, &first), 0);
    fixture_end(&fixture);
}

UNIT_TEST(frame_contiguous_run_at_the_end_and_limits)
{
    struct frame_fixture fixture;
    fixture_start(&fixture, 70);
    frame_release_range(&fixture.allocator, frame_address(60), frame_address(10));   /* 60..69 */
    frame_release_range(&fixture.allocator, frame_address(5), frame_address(3));     /* 5..7 */
    uint32_t first = 999;
    UNIT_EXPECT_INT_EQ(frame_alloc_contiguous(&fixture.allocator, 0, &first), 0);
    UNIT_EXPECT_INT_EQ(frame_alloc_contiguous(&fixture.allocator, 14, &first), 0);
    UNIT_ASSERT(frame_alloc_contiguous(&fixture.allocator, 10, &first));
    UNIT_EXPECT_INT_EQ(first, 60);
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 3);
    fixture_end(&fixture);
}

UNIT_TEST(frame_zero_frames)
{
    struct frame_fixture fixture;
    fixture_start(&fixture, 0);
    uint32_t frame;
    frame_release_range(&fixture.allocator, 0, 1 << 20);
    UNIT_EXPECT_INT_EQ(fixture.allocator.free_count, 0);
    UNIT_EXPECT_INT_EQ(frame_alloc(&fixture.allocator, &frame), 0);
    UNIT_EXPECT_INT_EQ(frame_free(&fixture.allocator, 0), 0);
    UNIT_EXPECT(!frame_is_free(&fixture.allocator, 0));
    fixture_end(&fixture);
}

/* The model: one bool per frame, changed by the same operations as the allocator. */
struct frame_model {
    uint32_t frame_count;
    uint8_t *free;
    uint32_t free_count;
};

static uint64_t random_state;

static uint32_t random_below(uint32_t limit)
{
    random_state ^= random_state << 13;     /* xorshift64 */
    random_state ^= random_state >> 7;
    random_state ^= random_state << 17;
    return limit ? (uint32_t)(random_state % limit) : 0;
}

static void model_set(struct frame_model *model, uint32_t frame, int is_free)
{
    if (frame >= model->frame_count || model->free[frame] == is_free)
        return;
    model->free[frame] = (uint8_t)is_free;
    model->free_count += is_free ? 1 : (uint32_t)-1;
}

static int model_run_free(const struct frame_model *model, uint32_t first, uint32_t count)
{
    if (first + count > model->frame_count)
        return 0;
    for (uint32_t frame = first; frame < first + count; frame++)
        if (!model->free[frame])
            return 0;
    return 1;
}

static int model_has_run(const struct frame_model *model, uint32_t count)
{
    for (uint32_t first = 0; first + count <= model->frame_count; first++)
        if (model_run_free(model, first, count))
            return 1;
    return 0;
}

/* Picks a byte range in or just past the frames, often with unaligned ends. */
static void random_range(const struct frame_model *model, uint64_t *base, uint64_t *length)
{
    *base = (uint64_t)random_below(model->frame_count + 4) * FRAME_SIZE;
    if (random_below(2))
        *base += random_below(FRAME_SIZE);
    *length = (uint64_t)random_below(24) * FRAME_SIZE;
    if (random_below(2))
        *length += random_below(FRAME_SIZE);
}

/* Frees the whole frames inside [base, base+length). */
static void model_release(struct frame_model *model, uint64_t base, uint64_t length)
{
    uint64_t end = (base + length) / FRAME_SIZE;
    for (uint64_t frame = (base + FRAME_SIZE - 1) / FRAME_SIZE;
         frame < end && frame < model->frame_count; frame++)
        model_set(model, (uint32_t)frame, 1);
}

/* Uses every frame touching [base, base+length). */
static void model_reserve(struct frame_model *model, uint64_t base, uint64_t length)
{
    if (length == 0)
        return;
    uint64_t last = (base + length - 1) / FRAME_SIZE;
    for (uint64_t frame = base / FRAME_SIZE; frame <= last && frame < model->frame_count; frame++)
        model_set(model, (uint32_t)frame, 0);
}

/* One random operation on both; returns 0 (after reporting) when they disagree. */
static int model_step(struct frame_allocator *allocator, struct frame_model *model, int step)
{
    uint32_t choice = random_below(10), frame = 0, count;
    uint64_t base, length;
    if (choice < 3) {
        int got = frame_alloc(allocator, &frame);
        if (!unit_check(got == (model->free_count > 0) && (!got || model_run_free(model, frame, 1)),
                        __FILE__, __LINE__, "step %d: frame_alloc gave %d, frame %u", step, got,
                        frame))
            return 0;
        if (got)
            model_set(model, frame, 0);
    } else if (choice < 4) {
        count = 1 + random_below(12);
        int got = frame_alloc_contiguous(allocator, count, &frame);
        if (!unit_check(got == model_has_run(model, count) &&
                        (!got || model_run_free(model, frame, count)),
                        __FILE__, __LINE__, "step %d: contiguous(%u) gave %d, frame %u", step,
                        count, got, frame))
            return 0;
        for (uint32_t i = 0; got && i < count; i++)
            model_set(model, frame + i, 0);
    } else if (choice < 7) {
        frame = random_below(model->frame_count + 3);
        for (uint32_t tries = 0; tries < 8 && frame < model->frame_count && model->free[frame];
             tries++)
            frame = random_below(model->frame_count);   /* prefer frames in use */
        int expected = frame < model->frame_count && !model->free[frame];
        int got = frame_free(allocator, frame);
        if (!unit_check(got == expected, __FILE__, __LINE__, "step %d: frame_free(%u) gave %d",
                        step, frame, got))
            return 0;
        model_set(model, frame, 1);
    } else if (choice < 8) {
        random_range(model, &base, &length);
        frame_release_range(allocator, base, length);
        model_release(model, base, length);
    } else {
        random_range(model, &base, &length);
        frame_reserve_range(allocator, base, length);
        model_reserve(model, base, length);
    }
    return 1;
}

static int model_matches(const struct frame_allocator *allocator,
                         const struct frame_model *model, int step)
{
    if (!unit_check(allocator->free_count == model->free_count, __FILE__, __LINE__,
                    "step %d: free_count %u, model %u", step, allocator->free_count,
                    model->free_count))
        return 0;
    for (uint32_t frame = 0; frame < model->frame_count + 2; frame++) {
        int expected = frame < model->frame_count && model->free[frame];
        if (!unit_check(!!frame_is_free(allocator, frame) == expected, __FILE__, __LINE__,
                        "step %d: frame %u free=%d, model %d", step, frame,
                        frame_is_free(allocator, frame), expected))
            return 0;
    }
    return 1;
}

static void model_check(uint32_t frame_count, uint64_t seed, int steps)
{
    struct frame_fixture fixture;
    struct frame_model model = { frame_count, calloc(frame_count + 1, 1), 0 };
    random_state = seed;
    fixture_start(&fixture, frame_count);
    for (int step = 0; step < steps; step++)
        if (!model_step(&fixture.allocator, &model, step) ||
            !model_matches(&fixture.allocator, &model, step))
            break;
    fixture_end(&fixture);
    free(model.free);
}

UNIT_TEST(frame_random_operations_match_model)
{
    static const uint32_t frame_counts[] = { 1, 31, 32, 33, 97, 300 };
    for (size_t i = 0; i < sizeof(frame_counts) / sizeof(frame_counts[0]); i++)
        model_check(frame_counts[i], 0x9E3779B97F4A7C15ull + i, 4000);
}
