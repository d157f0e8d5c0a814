/* Reclaiming destroyed banks: everything made from them and their sub-banks goes, in bounded steps. */
#ifndef KERNEL_RECLAIM_H
#define KERNEL_RECLAIM_H

#include <stdint.h>

struct bank;
struct object;
struct cairn_root_record;

/* Banks being reclaimed now (0 nearly always: then every check below costs one compare). */
extern uint32_t reclaim_dying_count;

int reclaim_doomed_slow(const struct object *object);

/* Is object unreachable because it, or a bank above the bank that made it, was destroyed? */
static inline int reclaim_doomed(const struct object *object)
{
    return reclaim_dying_count && reclaim_doomed_slow(object);
}

/* Before a call's commit point: CAIRN_OK when destroying bank may start now,
 * SYSCALL_WAIT_FRAME while CAIRN_DISK_DYING_BANKS others are being reclaimed,
 * CAIRN_E_BAD_ARGUMENT for the root bank, which is never destroyed. */
int reclaim_check_start(struct bank *bank);

/* Destroys bank: at once when it made nothing still live; otherwise it and all it made become
 * unreachable now and go step by step (reclaim_check_start must have said yes). */
void reclaim_start(struct bank *bank);

/* A bounded step of reclaiming: some OIDs visited, a few objects destroyed; 0 when there was
 * nothing to do (then an idle CPU may sleep). */
int reclaim_step(void);

/* Set while a step runs: page_destroy leaves the hardware flush to the step's end. */
extern int reclaim_in_step;

/* The banks being reclaimed, for a checkpoint's root record; at boot, from the resumed one
 * (whose fields format_check_root_fields checked). */
void reclaim_save(struct cairn_root_record *root);
void reclaim_resume(const struct cairn_root_record *root);

/* Objects destroyed and banks freed by reclaiming, since boot. */
extern uint32_t reclaim_objects, reclaim_banks;

#endif
