/* The console: the kernel's marked log, programs' held output (output commit), and input bytes. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

/* The kernel's own log: out at once, every line marked "[k] ". */
void console_write(const char *text, size_t length);

/* Program output of process writer (an OID): held until checkpoint epoch commits (at once
 * when output commit is off). The caller checks console_held_room first: the call waits
 * rather than drop bytes. A writer that wrote the newest held bytes gets no room while more
 * than half of the ring is held, so that other programs can still write. */
void console_program_write(const char *text, size_t length, uint64_t epoch, uint64_t writer);
uint32_t console_held_room(uint64_t writer);

/* The output of every epoch up to committed_epoch may go: console_release_step sends it. */
void console_release(uint64_t committed_epoch);
/* Sends one bounded batch of the output that may go; 0 when none waits (nothing done). */
int console_release_step(void);
int console_release_waiting(void);
/* Sends everything held at once, committed or not (output commit is being turned off). */
void console_release_all(void);

/*
 * Told of every batch of held output the port gets: prepare(through) before
 * the batch goes out (through: the stream position just past it), record()
 * once it is at the serial port, before it goes to the screen; caught_up()
 * after a step that left no output waiting to go. Any may be NULL.
 */
struct console_recorder {
    void (*prepare)(uint64_t through);
    void (*record)(void);
    void (*caught_up)(void);
};
void console_set_recorder(const struct console_recorder *recorder);

/* For a snapshot: the stream position of the first byte held and how many bytes are held;
 * pin keeps them (and what follows) from being written over while steps send them, until
 * unpin; copy takes length bytes from stream position on (at or after the pinned ones). */
uint64_t console_held_position(void);
uint32_t console_held_length(void);
void console_held_pin(void);
void console_held_unpin(void);
void console_held_copy(uint64_t position, void *buffer, uint32_t length);

/* At boot, before any program writes: the stream position of the next byte, then bytes a
 * resumed checkpoint held that never reached the port, shown at once (they are durable). */
void console_set_position(uint64_t position);
void console_show_stored(const char *text, uint32_t length);

/* Is output held that no committed checkpoint covers yet, and since when (monotonic ns)?
 * For the output_delay trigger. */
int console_held_waiting(uint64_t *since_ns);

/* Output commit is on from boot; turning it off releases what is held, for good. */
void console_stop_output_commit(void);
int console_output_commit(void);

/* Program bytes written to the port since boot; releases of held output, and how long the
 * oldest byte of each had been held (monotonic ns: summed, and the longest). */
extern uint32_t console_bytes_released, console_releases;
extern uint64_t console_held_ns_total, console_held_ns_max;

/* Queues an input byte; a byte that does not fit is dropped and counted. */
void console_input_push(uint8_t byte);
/* A byte from the keyboard side (the receive interrupt): Ctrl-C is counted, never queued. */
void console_input_receive(uint8_t byte);
/* Ctrl-C bytes received since boot (kernel/foreground.c gives them to the console's holder). */
uint32_t console_input_interrupts(void);

/* Takes one received byte; returns -1 when none is waiting. */
int console_input_pop(void);

/* Bytes waiting; whether a whole line (ended by '\n' or '\r') is waiting. */
uint32_t console_input_waiting(void);
int console_input_has_line(void);

/* Copies up to size waiting bytes (line: up to and with the first line end, given as '\n')
 * without taking them; returns how many. console_input_consume then takes them. */
uint32_t console_input_peek(char *buffer, uint32_t size, int line);
void console_input_consume(uint32_t count);

/* Bytes dropped because the input ring was full. */
uint32_t console_input_dropped(void);

#endif
