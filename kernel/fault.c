/* User page faults: look the address up in the Space tree, then fill the hardware page table. */
#include <stddef.h>
#include <arch/mmu.h>
#include <kernel/fault.h>
#include <kernel/obj/objects.h>
#include <kernel/objstore.h>
#include <kernel/process.h>
#include <kernel/stats.h>

struct space *process_space(struct process *process)
{
    /* Every entry to user mode asks: the last answer holds while no object was freed since
     * (so the pointer is good) and the capability still names that object. */
    const struct capability *cap = &process->space;
    struct space *cached = process->space_cached;
    if (cached && process->space_cached_frees == object_frees && cap->type == CAIRN_TYPE_SPACE &&
        capability_oid(cap) == cached->object.oid && cap->version == cached->object.version)
        return cached;
    struct object *space;
    if (capability_resolve(cap, CAIRN_TYPE_SPACE, 0, &space) != CAIRN_OK) {
        process->space_cached = NULL;
        process_fault(process, "address space destroyed", PROCESS_FAULT_NO_ADDRESS);
        return NULL;
    }
    process->space_cached = (struct space *)space;
    process->space_cached_frees = object_frees;
    return (struct space *)space;
}

uint32_t process_hardware_directory(struct process *process)
{
    struct space *root = process_space(process);
    if (!root)
        return 0;
    uint32_t directory = space_hardware_directory(root);
    if (!directory)
        sched_block_instruction(process, BLOCK_FRAME);
    return directory;
}

void fault_page(struct process *process, uint32_t address, int write)
{
    objstore_begin_operation();
    struct space *root = process_space(process);
    if (!root)
        return;
    struct page *page;
    uint8_t rights = CAIRN_RIGHT_READ | (write ? CAIRN_RIGHT_WRITE : 0);
    if (space_lookup(root, address, rights, &page) != CAIRN_OK) {
        int mapped = space_lookup(root, address, CAIRN_RIGHT_READ, &page) == CAIRN_OK;
        process_fault(process, mapped ? "page fault (write to a read-only page)"
                                      : "page fault (nothing mapped)", address);
        return;
    }
    /* Writable only on a write fault: the first write after a snapshot must be seen. */
    uint32_t frame = write ? page_frame_for_write(page) : page_frame(page);
    uint32_t directory = frame ? space_hardware_directory(root) : 0;
    if (!directory || !mmu_map_page(directory, address & ~0xFFFu, frame, write)) {
        sched_block_instruction(process, BLOCK_FRAME);   /* the instruction runs again */
        return;
    }
    stats.page_faults++;
}
