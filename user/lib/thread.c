/* Threads: processes that share this address space, each on a stack from malloc. */
#include <cairn/user.h>

uint32_t thread_create(struct thread *thread, uint32_t process_slot, size_t stack_size)
{
    thread->process_slot = process_slot;
    thread->stack = malloc(stack_size);
    if (!thread->stack)
        return CAIRN_E_NO_MEMORY;
    uint32_t status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_PROCESS, process_slot);
    if (status != CAIRN_OK)
        return status;
    uintptr_t stack_top = ((uintptr_t)thread->stack + stack_size) & ~(uintptr_t)15;
    return cairn_process_setup(process_slot, CAIRN_SLOT_SPACE, (uint32_t)cairn_process_entry,
                               (uint32_t)stack_top, USER_PRIORITY);
}

uint32_t thread_start(struct thread *thread, int (*entry)(void *), void *argument)
{
    return cairn_process_start(thread->process_slot, (uint32_t)entry, (uint32_t)argument);
}
