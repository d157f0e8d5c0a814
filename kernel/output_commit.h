/* Output commit: held output is released once the checkpoint covering it is durable. */
#ifndef KERNEL_OUTPUT_COMMIT_H
#define KERNEL_OUTPUT_COMMIT_H

#include <stdint.h>
#include <cairn/disk_format.h>

/* At boot, after the checkpoint writer is set up (or found impossible): output commit on or
 * off, from the option and whether checkpoints can be taken; logs which. */
void output_commit_setup(void);

/* At boot, after output_commit_setup and nic_init, on a system booted from its store: shows
 * the output the resumed checkpoint held that the release records say was never released,
 * sends the frames it held that they say were never sent, and starts the release records at
 * the positions where those end. */
void output_commit_resume(void);

/* Checkpoint epoch is durable (holding: it holds console output; holding_frames: network
 * frames): every held item of epoch or older may go. The first batch of each channel goes now,
 * the rest in steps between time slices. */
void output_commit_release(uint64_t epoch, int holding, int holding_frames);

/* Between time slices: is held output of any channel free to go, and one bounded batch of each
 * (0: nothing went)? */
int output_commit_release_waiting(void);
int output_commit_release_step(void);

/* Is output held (of any channel) that no committed checkpoint covers yet, and since when
 * (monotonic ns: the oldest)? For the ckpt.output_delay trigger. */
int output_commit_held_waiting(uint64_t *since_ns);

/* Network frames (NIC_SEND). Room for one of length bytes in the hold (at most 64 frames and
 * 56 KiB with their lengths): SEND waits while there is none. hold_frame takes it, tagged
 * with the open checkpoint's epoch (sent at once when output commit is off). */
int output_commit_frame_room(uint32_t length);
void output_commit_hold_frame(const void *frame, uint32_t length);
/* Frames held now, and handed to the card since boot. */
uint32_t output_commit_frames_held(void);
extern uint32_t frames_sent;

/* For a snapshot: the held frame stream, pinned until unpin (CKPT_WRITE_FRAMES copies it,
 * length bytes from stream position on, in the meantime). */
void output_commit_frames_snapshot(struct cairn_disk_frames *disk);
void output_commit_frames_copy(uint64_t position, void *buffer, uint32_t length);
void output_commit_frames_unpin(void);

/* Between time slices: reports a failed record write, and makes the records durable once all
 * the output that may go has gone. */
void output_commit_poll(void);

/* No checkpoint can commit from now on: release records stop, output commit goes off (held
 * output goes out at once) and programs waiting for room to hold output go on. */
void output_commit_stop(void);

#endif
