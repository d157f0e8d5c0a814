/* Output commit: held output is released once the checkpoint covering it is durable. */
#ifndef KERNEL_OUTPUT_COMMIT_H
#define KERNEL_OUTPUT_COMMIT_H

#include <stdint.h>

/* At boot, after the checkpoint writer is set up (or found impossible): output commit on or
 * off, from the option and whether checkpoints can be taken; logs which. */
void output_commit_setup(void);

/* At boot, after output_commit_setup, on a system booted from its store: shows the output the
 * resumed checkpoint held that the release records say was never released, and starts the
 * release records at the position that output ends. */
void output_commit_resume(void);

/* Checkpoint epoch is durable (holding: it holds output): every held item of epoch or older
 * may go. The first batch goes now, the rest in steps between time slices. */
void output_commit_release(uint64_t epoch, int holding);

/* Between time slices: reports a failed record write, and makes the records durable once all
 * the output that may go has gone. */
void output_commit_poll(void);

/* No checkpoint can commit from now on: release records stop, output commit goes off (held
 * output goes out at once) and programs waiting for room to hold output go on. */
void output_commit_stop(void);

#endif
