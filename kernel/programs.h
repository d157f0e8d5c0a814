/* Starting the system: init and the run= programs from the boot modules. */
#ifndef KERNEL_PROGRAMS_H
#define KERNEL_PROGRAMS_H

#include <kernel/boot_info.h>

/* Builds init and the run= processes, then enters the scheduler; returns only without init. */
void programs_start(const struct boot_info *info);

/* PROGRAM_LOAD: an embryo of the stored program "name arg arg" (split in place), paid by bank,
 * in *made. Returns CAIRN_OK, CAIRN_E_NOT_FOUND when the image has no such program, or what
 * loader_create_process returns (LOADER_WAIT: frames are short, nothing was left behind). */
struct bank;
struct process;
int programs_load_command(struct bank *bank, uint8_t bank_rights, char *command,
                          struct process **made);

#endif
