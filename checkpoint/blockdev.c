/* The portable side of the block-device interface: the checks drivers share, and blockdev_wait. */
#include <stddef.h>
#include <checkpoint/blockdev.h>

/* How blockdev_wait passes time until a completion; NULL: it just re-checks. */
void (*blockdev_wait_idle)(void);

int blockdev_check_request(const struct block_device *device, const struct block_request *request)
{
    switch (request->operation) {
    case BLOCK_FLUSH:
        return device->can_flush && request->count == 0 ? BLOCK_OK : BLOCK_UNSUPPORTED;
    case BLOCK_READ:
    case BLOCK_WRITE:
        if (request->block >= device->block_count
            || request->count > device->block_count - request->block)
            return BLOCK_OUT_OF_RANGE;
        if (request->count == 0 || request->count > device->max_blocks)
            return BLOCK_UNSUPPORTED;
        if (request->buffer == NULL || (uintptr_t)request->buffer % 4 != 0)
            return BLOCK_UNSUPPORTED;
        return BLOCK_OK;
    }
    return BLOCK_UNSUPPORTED;
}

/* What the waiter watches: set by blockdev_wait_done, possibly from an interrupt. */
struct blockdev_waiter {
    volatile int finished;
    volatile enum block_status status;
};

static void blockdev_wait_done(struct block_request *request, enum block_status status)
{
    struct blockdev_waiter *waiter = request->context;
    waiter->status = status;
    waiter->finished = 1;
}

int blockdev_wait(struct block_device *device, enum block_operation operation, uint64_t block,
                  uint32_t count, void *buffer)
{
    struct blockdev_waiter waiter = { 0, BLOCK_OK };
    struct block_request request = {
        .operation = operation, .block = block, .count = count, .buffer = buffer,
        .done = blockdev_wait_done, .context = &waiter, .next = NULL,
    };
    int submitted = device->submit(device, &request);
    if (submitted != BLOCK_OK)
        return submitted;
    while (!waiter.finished)
        if (blockdev_wait_idle)
            blockdev_wait_idle();
    return waiter.status;
}
