/* The user runtime above the system calls: address map, start info, fresh pages, threads, space copies, console lines, clock. */
#ifndef CAIRN_USER_RUNTIME_H
#define CAIRN_USER_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <cairn/abi.h>

/*
 * A program's address space, as this runtime uses it:
 *
 *   0x40000000  image: text + rodata (read-only), then data + bss (user.ld)
 *   0x60000000  USER_WINDOW_ADDRESS: one page, mapped only while filling a page for another space
 *   0x70000000  USER_UNMAPPED_ADDRESS: never mapped; tests point here to be refused
 *   0x80000000  USER_HEAP_START .. USER_HEAP_END: malloc's pages
 *   0xA0000000  USER_FREE_START .. USER_FREE_END: a program's own mappings
 *   0xBFFEF000  the stack: CAIRN_STACK_PAGES pages below CAIRN_STACK_TOP
 */
#define USER_WINDOW_ADDRESS 0x60000000u
#define USER_UNMAPPED_ADDRESS 0x70000000u
#define USER_HEAP_START 0x80000000u
#define USER_HEAP_END 0xA0000000u
#define USER_FREE_START 0xA0000000u
#define USER_FREE_END 0xBF000000u
#define USER_STACK_BOTTOM (CAIRN_STACK_TOP - CAIRN_STACK_PAGES * CAIRN_PAGE_SIZE)

/* The c-list slot the runtime uses for a page capability between CREATE and MAP. */
#define USER_SLOT_SCRATCH (CAIRN_CLIST_SLOTS - 1)

/* Priority of the processes the runtime starts (0 lowest .. 7 highest). */
#define USER_PRIORITY 4

#define NS_PER_MS 1000000ull

/* Set by crt0 before main: the kernel's start info on this program's stack. */
extern struct cairn_start_info *cairn_start_info;

/* From user.ld: text and rodata up to user_text_end; data and bss from the page user_data_start. */
extern char user_image_start[], user_text_end[], user_data_start[], user_image_end[];

/* "OK", "E_EMPTY", ...; "E_UNKNOWN" for a number abi.h does not name. */
const char *status_name(uint32_t status);

/* user/lib/page.c: creates a zero-filled page from CAIRN_SLOT_BANK and maps it at address. */
uint32_t page_map_new(uint32_t space_slot, uint32_t address, uint32_t rights);
/* Writes one byte of each page in [start, end) (keeping its value), so each has a frame now. */
void page_touch_range(uintptr_t start, uintptr_t end);

/*
 * user/lib/thread.c: a thread is a process that shares this address space
 * (CAIRN_SLOT_SPACE), with a stack from malloc. thread_create makes and sets
 * it up; give it capabilities with cairn_process_give, then thread_start runs
 * entry(argument) in it and CAIRN_EXITs with entry's result.
 */
struct thread {
    uint32_t process_slot;
    void *stack;                /* from malloc; free it only once the thread has exited */
};

uint32_t thread_create(struct thread *thread, uint32_t process_slot, size_t stack_size);
uint32_t thread_start(struct thread *thread, int (*entry)(void *), void *argument);

/*
 * user/lib/space.c: fills another address space with a copy of this
 * program's image as it is now (text read-only, data and bss writable), like
 * fork, plus a fresh stack of stack_pages below CAIRN_STACK_TOP. A process
 * set up in that space with eip = cairn_process_entry and esp =
 * CAIRN_STACK_TOP can run any function of this program, started with
 * cairn_process_start(process, (uint32_t)entry, argument); it must not use
 * malloc (its heap is not copied) and gets only the capabilities given to it.
 */
uint32_t space_copy_image(uint32_t space_slot, uint32_t stack_pages);

/* user/lib/cpu.S: the time-stamp counter and deliberate faults (for bench and crash). */
uint64_t cpu_timestamp(void);
void cpu_fault_divide(void);
void cpu_fault_opcode(void);
void cpu_fault_privileged(void);
void cpu_write_address(uintptr_t address, uint32_t value);

/*
 * user/lib/console.c: waits for one line of console input and stores it in
 * buffer without its '\n', always terminated (size >= 1). A line longer than
 * size - 1 bytes is cut there and its rest is read and dropped. Returns the
 * stored length, or -1 when CONSOLE_READ fails.
 */
int console_read_line(char *buffer, size_t size);

/* user/lib/clock.c: the monotonic clock in ns (0 if CAIRN_TIME fails), and relative sleeps. */
uint64_t clock_now_ns(void);
uint32_t clock_sleep_ns(uint64_t duration_ns);
/* Writes wall_ns (nanoseconds since 1970, UTC) as "YYYY-MM-DD HH:MM:SS UTC"; needs 24 bytes. */
void clock_format_wall(char *text, size_t size, uint64_t wall_ns);

#endif
