/* cut=WHERE:N: for tests, the boot stops as a power cut would at a named point of a release. */
#ifndef KERNEL_CUT_H
#define KERNEL_CUT_H

/*
 * The points of the release of one checkpoint's held output, in the order it
 * passes them; N counts the checkpoints holding output that became durable
 * this boot, and only the first batch of the Nth one's release is cut.
 */
enum cut_point {
    CUT_NONE,
    CUT_DURABLE,                /* the checkpoint is durable; none of its output has gone */
    CUT_LINE,                   /* its first batch is at the serial port, not yet recorded */
    CUT_RECORDED,               /* that batch's release record is on the disk */
    CUT_FRAMES,                 /* the Nth checkpoint holding network frames is durable; none
                                   of its frames has gone (N counts those checkpoints) */
};

/* Reads option cut (config.cut) and logs what the boot will do, or why the option is ignored. */
void cut_parse_option(void);

/* A checkpoint became durable (holding: it holds console output; holding_frames: network
 * frames); if it is the Nth of its kind for the point asked, the cut is armed until cut_disarm. */
void cut_arm(int holding, int holding_frames);
void cut_disarm(void);

/* Is the cut armed to stop at where (so that the caller first makes sure where is reached)? */
int cut_armed_for(enum cut_point where);

/* Stops the machine here, with every write made so far in the image, when armed for where. */
void cut_here(enum cut_point where);

#endif
