/* User page faults resolved from the Space tree, and a process's hardware page directory. */
#ifndef KERNEL_FAULT_H
#define KERNEL_FAULT_H

#include <stdint.h>
#include <kernel/object.h>
#include <kernel/objstore.h>
#include <kernel/obj/objects.h>
#include <kernel/process.h>
#include <kernel/reclaim.h>

/* What the faulting instruction did to its page. */
enum fault_access {
    FAULT_READ,
    FAULT_WRITE,                /* to a page not mapped in the hardware's tables */
    FAULT_WRITE_PROTECTED,      /* to a page they map read-only: after a snapshot, or a read */
};

/* Maps the page behind address, waits for a frame, or stops the process; trapped is the cycle
 * counter when the trap's handler began. */
void fault_page(struct process *process, uint32_t address, enum fault_access access,
                uint64_t trapped);

/* The process's address-space root, or NULL (and the process stopped) when it is gone. */
struct space *process_space(struct process *process);

/* The hardware directory to run process with; 0 when it was parked or stopped instead. */
uint32_t process_hardware_directory_find(struct process *process);

/* The same, inline for what every entry to user mode finds: the space process_space resolved
 * last time still good (no object freed, no bank being reclaimed since) and its directory
 * made and protected in this snapshot's generation. */
static inline uint32_t process_hardware_directory(struct process *process)
{
    struct space *root = process->space_cached;
    if (root && process->space_cached_frees == object_frees && !reclaim_dying_count &&
        root->hw_directory && root->hw_generation == space_protect_generation) {
        objstore_clear_trouble();       /* no call is in flight on the way to user mode */
        return root->hw_directory;
    }
    return process_hardware_directory_find(process);
}

#endif
