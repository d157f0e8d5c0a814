/* The restore policy after a restart: objects loaded on first touch (lazy) or all before resuming (eager). */
#ifndef KERNEL_RESTORE_H
#define KERNEL_RESTORE_H

/*
 * Applies option restore= on a resumed system, before its first process
 * runs: with 'eager', loads every object of the store and every stored
 * Page's data, stopping (with one log line) when free frames run low. An
 * unknown value gives one warning and means 'lazy'. Does nothing without a
 * store or on a fresh image.
 */
void restore_apply(void);

#endif
