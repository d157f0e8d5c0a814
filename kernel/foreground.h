/* The console's foreground: which process reads console input, who chose it, and Ctrl-C. */
#ifndef KERNEL_FOREGROUND_H
#define KERNEL_FOREGROUND_H

#include <stdint.h>
#include <kernel/syscall.h>

struct process;
struct cairn_disk_foreground;

/* May process take console input now? (Everyone may while no process holds the console.) */
int foreground_may_read(struct process *process);
/* Has Ctrl-C been typed that the holder has not taken yet? */
int foreground_interrupt_pending(void);
/* The process is gone (destroyed, or stopped by a fault): the console goes back or is freed. */
void foreground_forget(struct process *process);

/* The state as a checkpoint stores it, and as a resumed system finds it. */
void foreground_to_disk(struct cairn_disk_foreground *stored);
void foreground_from_disk(const struct cairn_disk_foreground *stored);

/* CONSOLE_FOREGROUND and CONSOLE_WAIT. */
syscall_result_t foreground_invoke(struct process *caller, uint32_t call);

#endif
