/* Host tests of checkpoint/blockdev.c: the request checks every driver shares, and blockdev_wait. */
#include <stdint.h>
#include <stddef.h>
#include <checkpoint/blockdev.h>
#include "unit.h"

/* A fake device: it remembers the last request, and completes it in submit or later. */
struct fake_device {
    struct block_device device;
    int complete_in_submit;             /* 1: done() before submit returns */
    enum block_status result;           /* what done() reports */
    struct block_request *pending;      /* accepted, done() not yet called */
    int submits;
};

static struct fake_device *fake_now;    /* the device blockdev_wait_idle completes */

static int fake_submit(struct block_device *device, struct block_request *request)
{
    struct fake_device *fake = device->driver;
    fake->submits++;
    int checked = blockdev_check_request(device, request);
    if (checked != BLOCK_OK)
        return checked;
    if (fake->complete_in_submit)
        request->done(request, fake->result);
    else
        fake->pending = request;
    return BLOCK_OK;
}

/* The idle hook: the "interrupt" that completes the pending request. */
static void fake_idle_completes(void)
{
    struct block_request *request = fake_now->pending;
    fake_now->pending = NULL;
    if (request)
        request->done(request, fake_now->result);
}

static void fake_init(struct fake_device *fake, int complete_in_submit)
{
    *fake = (struct fake_device){ 0 };
    fake->device = (struct block_device){ "fake", 100, 1, 16, fake_submit, fake };
    fake->complete_in_submit = complete_in_submit;
    fake->result = BLOCK_OK;
}

static int check(struct fake_device *fake, enum block_operation operation, uint64_t block,
                 uint32_t count, void *buffer)
{
    struct block_request request = { operation, block, count, buffer, NULL, NULL, NULL };
    return blockdev_check_request(&fake->device, &request);
}

UNIT_TEST(blockdev_check_accepts_requests_inside_the_device)
{
    static uint32_t buffer[16 * BLOCK_SIZE / 4];
    struct fake_device fake;
    fake_init(&fake, 1);
    UNIT_EXPECT_INT_EQ(check(&fake, BLOCK_READ, 0, 1, buffer), BLOCK_OK);
    UNIT_EXPECT_INT_EQ(check(&fake, BLOCK_WRITE, 84, 16, buffer), BLOCK_OK);
    UNIT_EXPECT_INT_EQ(check(&fake, BLOCK_READ, 99, 1, buffer), BLOCK_OK);
    UNIT_EXPECT_INT_EQ(check(&fake, BLOCK_FLUSH, 0, 0, NULL), BLOCK_OK);
}

UNIT_TEST(blockdev_check_rejects_ranges_past_the_end)
{
    static uint32_t buffer[2 * BLOCK_SIZE / 4];
    struct fake_device fake;
    fake_init(&fake, 1);
    UNIT_EXPECT_INT_EQ(check(&fake, BLOCK_READ, 100, 1, buffer), BLOCK_OUT_OF_RANGE);
    UNIT_EXPECT_INT_EQ(check(&fake, BLOCK_WRITE, 99, 2, buffer), BLOCK_OUT_OF_RANGE);
    UNIT_EXPECT_INT_EQ(check(&fake, BLOCK_READ, UINT64_MAX, 1, buffer), BLOCK_OUT_OF_RANGE);
    UNIT_EXPECT_INT_EQ(check(&fake, BLOCK_READ, 1, UINT32_MAX, buffer), BLOCK_OUT_OF_RANGE);
}

UNIT_TEST(blockdev_check_rejects_what_no_driver_carries)
{
    static uint32_t buffer[17 * BLOCK_SIZE / 4];
    struct fake_device fake;
    fake_init(&fake, 1);
    UNIT_EXPECT_INT_EQ(check(&fake, BLOCK_READ, 0, 0, buffer), BLOCK_UNSUPPORTED);
    UNIT_EXPECT_INT_EQ(check(&fake, BLOCK_READ, 0, 17, buffer), BLOCK_UNSUPPORTED);
    UNIT_EXPECT_INT_EQ(check(&fake, BLOCK_READ, 0, 1, NULL), BLOCK_UNSUPPORTED);
    UNIT_EXPECT_INT_EQ(check(&fake, BLOCK_READ, 0, 1, (char *)buffer + 2), BLOCK_UNSUPPORTED);
    UNIT_EXPECT_INT_EQ(check(&fake, BLOCK_FLUSH, 0, 1, NULL), BLOCK_UNSUPPORTED);
    UNIT_EXPECT_INT_EQ(check(&fake, (enum block_operation)7, 0, 1, buffer), BLOCK_UNSUPPORTED);
    fake.device.can_flush = 0;
    UNIT_EXPECT_INT_EQ(check(&fake, BLOCK_FLUSH, 0, 0, NULL), BLOCK_UNSUPPORTED);
}

UNIT_TEST(blockdev_wait_returns_the_status_of_a_request_done_in_submit)
{
    static uint32_t buffer[BLOCK_SIZE / 4];
    struct fake_device fake;
    fake_init(&fake, 1);
    blockdev_wait_idle = NULL;
    UNIT_EXPECT_INT_EQ(blockdev_wait(&fake.device, BLOCK_READ, 3, 1, buffer), BLOCK_OK);
    fake.result = BLOCK_ERROR;
    UNIT_EXPECT_INT_EQ(blockdev_wait(&fake.device, BLOCK_WRITE, 3, 1, buffer), BLOCK_ERROR);
    UNIT_EXPECT_INT_EQ(fake.submits, 2);
}

UNIT_TEST(blockdev_wait_idles_until_a_later_completion)
{
    struct fake_device fake;
    fake_init(&fake, 0);
    fake_now = &fake;
    blockdev_wait_idle = fake_idle_completes;
    fake.result = BLOCK_UNSUPPORTED;
    UNIT_EXPECT_INT_EQ(blockdev_wait(&fake.device, BLOCK_FLUSH, 0, 0, NULL), BLOCK_UNSUPPORTED);
    UNIT_EXPECT(fake.pending == NULL);
    blockdev_wait_idle = NULL;
}

UNIT_TEST(blockdev_wait_passes_on_a_refused_submit)
{
    static uint32_t buffer[BLOCK_SIZE / 4];
    struct fake_device fake;
    fake_init(&fake, 0);
    blockdev_wait_idle = NULL;      /* a refused request must not be waited for */
    UNIT_EXPECT_INT_EQ(blockdev_wait(&fake.device, BLOCK_READ, 100, 1, buffer), BLOCK_OUT_OF_RANGE);
    UNIT_EXPECT(fake.pending == NULL);
}
