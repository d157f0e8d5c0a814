/* User page faults: look the address up in the Space tree, then fill the hardware page table. */
#include <stddef.h>
#include <arch/mmu.h>
#include <arch/platform.h>
#include <kernel/ckpt.h>
#include <kernel/fault.h>
#include <kernel/obj/objects.h>
#include <kernel/objstore.h>
#include <kernel/printf.h>
#include <kernel/process.h>
#include <kernel/reclaim.h>
#include <kernel/sched.h>
#include <kernel/stats.h>

struct space *process_space(struct process *process)
{
    /* Every entry to user mode asks: the last answer holds while no object was freed since
     * (so the pointer is good) and no bank is being reclaimed (so it is not doomed). Only
     * PROCESS_SETUP changes the space of a process that has one (the loader makes new ones),
     * and it drops the answer. */
    const struct capability *cap = &process->space;
    struct space *cached = process->space_cached;
    if (cached && process->space_cached_frees == object_frees && !reclaim_dying_count)
        return cached;
    struct object *space;
    if (capability_resolve(cap, CAIRN_TYPE_SPACE, 0, &space) != CAIRN_OK) {
        process->space_cached = NULL;
        /* Left on disk for want of memory, or damaged there: the caller decides. */
        if (!objstore_operation_short_of_memory() && !objstore_operation_damage())
            process_fault(process, "address space destroyed", PROCESS_FAULT_NO_ADDRESS);
        return NULL;
    }
    process->space_cached = (struct space *)space;
    process->space_cached_frees = object_frees;
    return (struct space *)space;
}

/*
 * What the store could not give the fault at address: the process waits for
 * frames (its instruction runs again), or, when a block failed its check, only
 * this process stops, its log line naming the OID and the block. Returns 1 when
 * it dealt with the fault.
 */
static int fault_store_trouble(struct process *process, uint32_t address)
{
    const struct objstore_damage *damage = objstore_operation_damage();
    if (damage) {
        char what[112];
        format_print(what, sizeof(what), "page fault (OID %llu at block %u failed its check on "
                     "the disk)", (unsigned long long)damage->oid, damage->block);
        process_fault(process, what, address);
        return 1;
    }
    if (objstore_operation_short_of_memory()) {
        sched_block_instruction(process, BLOCK_FRAME);
        return 1;
    }
    return 0;
}

uint32_t process_hardware_directory_find(struct process *process)
{
    objstore_clear_trouble();       /* no call is in flight on the way to user mode */
    struct space *root = process_space(process);
    if (!root) {
        if (process->state != PROCESS_FAULTED)
            fault_store_trouble(process, PROCESS_FAULT_NO_ADDRESS);
        return 0;
    }
    uint32_t directory = space_hardware_directory(root);
    if (!directory)
        sched_block_instruction(process, BLOCK_FRAME);
    return directory;
}

void fault_page(struct process *process, uint32_t address, enum fault_access access,
                uint64_t trapped)
{
    int write = access != FAULT_READ;
    objstore_begin_operation();
    struct space *root = process_space(process);
    if (!root) {
        if (process->state != PROCESS_FAULTED)
            fault_store_trouble(process, address);
        return;
    }
    struct page *page;
    uint8_t rights = CAIRN_RIGHT_READ | (write ? CAIRN_RIGHT_WRITE : 0);
    if (space_lookup(root, address, rights, &page) != CAIRN_OK) {
        if (fault_store_trouble(process, address))
            return;
        int mapped = space_lookup(root, address, CAIRN_RIGHT_READ, &page) == CAIRN_OK;
        process_fault(process, mapped ? "page fault (write to a read-only page)"
                                      : "page fault (nothing mapped)", address);
        return;
    }
    /* Writable only on a write fault: the first write after a snapshot must be seen. A write
     * to a page mapped read-only that sees a first change, or copies a frozen page, is there
     * only for the checkpoints: charged to their share of the CPU. */
    int noticing = access == FAULT_WRITE_PROTECTED && ckpt_write_notices(page);
    uint32_t frame = write ? page_frame_for_write(page) : page_frame(page);
    if (!frame && fault_store_trouble(process, address))
        return;
    uint32_t directory = frame ? space_hardware_directory(root) : 0;
    if (!directory || !mmu_map_page(directory, address & ~0xFFFu, frame, write)) {
        sched_block_instruction(process, BLOCK_FRAME);   /* the instruction runs again */
        return;
    }
    stats.page_faults++;
    if (noticing)
        ckpt_fault_noticed(process, trapped);
}
