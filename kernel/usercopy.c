/*
 * Copying to and from user memory through the Space tree.
 *
 * Check, then commit: every page of the range is looked up (and given a
 * frame) before a single byte moves, so a bad address anywhere in the range
 * means no effect at all, and a missing frame means the call waits and runs
 * again. Kernel addresses (below CAIRN_USER_BASE) are never user memory.
 * A call's decode step copies in (reading changes nothing a program sees) and
 * prepares what it will copy out (user_buffer_prepare_out); its invoke step
 * copies out (user_buffer_write), which cannot fail.
 */
#include <stddef.h>
#include <kernel/fault.h>
#include <kernel/memory.h>
#include <kernel/obj/objects.h>
#include <kernel/process.h>
#include <kernel/string.h>
#include <kernel/syscall.h>

/* Resolves the frames behind [address, address+length); fills frames[]. */
static syscall_result_t user_resolve(struct process *process, uint32_t address, uint32_t length,
                                     uint8_t rights, uint32_t *frames)
{
    if (length == 0)
        return CAIRN_OK;
    if (address < CAIRN_USER_BASE || address + length < address ||
        address + length > CAIRN_USER_END)
        return CAIRN_E_BAD_ADDRESS;
    uint32_t first = address & ~0xFFFu, last = (address + length - 1) & ~0xFFFu;
    if ((last - first) / FRAME_SIZE >= USER_COPY_MAX_PAGES)
        return CAIRN_E_BAD_ARGUMENT;
    struct space *root = process_space(process);
    if (!root)
        return CAIRN_E_BAD_ADDRESS;
    /* Every page is looked up before any is touched: a bad address in the range leaves no
     * effect (no copy for the checkpoint, no page marked changed). */
    struct page *pages[USER_COPY_MAX_PAGES];
    uint32_t count = (last - first) / FRAME_SIZE + 1;
    for (uint32_t i = 0; i < count; i++)
        if (space_lookup(root, first + i * FRAME_SIZE, rights, &pages[i]) != CAIRN_OK)
            return CAIRN_E_BAD_ADDRESS;
    for (uint32_t i = 0; i < count; i++) {
        /* A page about to be written is copied first if the checkpoint still needs it. A wait
         * here leaves the pages before it so prepared, as the call's rerun would. */
        frames[i] = (rights & CAIRN_RIGHT_WRITE) ? page_frame_for_write(pages[i])
                                                 : page_frame(pages[i]);
        if (!frames[i])
            return SYSCALL_WAIT_FRAME;
    }
    return CAIRN_OK;
}

/* Which way user_copy_frames moves bytes. */
enum user_copy_direction { USER_COPY_IN, USER_COPY_OUT };

/* Moves bytes between kernel memory and the resolved frames. */
static void user_copy_frames(const uint32_t *frames, uint32_t address, uint8_t *kernel,
                             uint32_t length, enum user_copy_direction direction)
{
    uint32_t offset = address & 0xFFFu;
    for (uint32_t i = 0; length; i++) {
        uint32_t chunk = FRAME_SIZE - offset < length ? FRAME_SIZE - offset : length;
        uint8_t *user = (uint8_t *)memory_physical_to_pointer(frames[i]) + offset;
        if (direction == USER_COPY_OUT)
            memcpy(user, kernel, chunk);
        else
            memcpy(kernel, user, chunk);
        kernel += chunk;
        length -= chunk;
        offset = 0;
    }
}

syscall_result_t user_copy_in(struct process *process, void *to, uint32_t from, uint32_t length)
{
    uint32_t frames[USER_COPY_MAX_PAGES];
    syscall_result_t status = user_resolve(process, from, length, CAIRN_RIGHT_READ, frames);
    if (status == CAIRN_OK)
        user_copy_frames(frames, from, to, length, USER_COPY_IN);
    return status;
}

syscall_result_t user_buffer_prepare_out(struct process *process, uint32_t to, uint32_t length,
                                         struct user_buffer *buffer)
{
    buffer->address = to;
    buffer->length = length;
    return user_resolve(process, to, length, CAIRN_RIGHT_READ | CAIRN_RIGHT_WRITE,
                        buffer->frames);
}

void user_buffer_write(const struct user_buffer *buffer, const void *from)
{
    user_copy_frames(buffer->frames, buffer->address, (uint8_t *)from, buffer->length,
                     USER_COPY_OUT);
}
