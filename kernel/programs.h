/* Starting the system: init and the run= programs from the boot modules. */
#ifndef KERNEL_PROGRAMS_H
#define KERNEL_PROGRAMS_H

#include <kernel/boot_info.h>

/* Builds init and the run= processes, then enters the scheduler; returns only without init. */
void programs_start(const struct boot_info *info);

/* PROGRAM_LOAD: an embryo of the stored program "name arg arg" (split in place), paid by bank;
 * NULL when there is no such program (*found = 0) or it could not be built. */
struct bank;
struct process *programs_load_command(struct bank *bank, uint8_t bank_rights, char *command,
                                      int *found);

#endif
