/* Building a process from a static i386 ELF program: Space tree, Pages, stack and start info. */
#ifndef KERNEL_LOADER_H
#define KERNEL_LOADER_H

#include <stdint.h>
#include <cairn/abi.h>

struct bank;
struct process;

struct loader_request {
    const char *name;
    /* The ELF file: read_page copies its index-th 4 KiB page into buffer (zeros past its end)
     * and returns CAIRN_OK, or CAIRN_E_DAMAGED (logged) when that page cannot be read. */
    int (*read_page)(const void *file, uint32_t index, uint8_t *buffer);
    const void *file;
    uint32_t size;              /* bytes of the ELF file */
    struct bank *bank;          /* the program gets a sub-bank of it, which pays for every
                                   object made (and goes when the process ends) */
    int argc;
    const char *const *argv;
    uint32_t program_count;     /* for init's start info */
    uint32_t data_first_page;   /* the store's data set (OID of its first Page), or 0 */
    uint32_t data_pages;
    uint32_t data_version;
    uint64_t data_checksum;
    int for_a_call;             /* PROGRAM_LOAD: the caller hears why from the status, so running
                                 * out of memory or quota is logged at debug level only */
    uint8_t bank_rights;        /* the rights the program gets on its bank: at most those of
                                   the capability that paid (0 is taken as all, for the kernel) */
};

/* Frames are short now: nothing was built; the load can be tried again when frames come. Like
 * the kernel's own outcomes of a call (enum syscall_outcome), it is no ABI status. */
enum loader_outcome { LOADER_WAIT = 0x200 };
_Static_assert((int)LOADER_WAIT >= (int)CAIRN_STATUS_COUNT, "LOADER_WAIT is no ABI status");

/*
 * Makes an embryo process (not started) in *made. Returns CAIRN_OK; LOADER_WAIT;
 * CAIRN_E_QUOTA (the bank's quota is spent); CAIRN_E_NO_MEMORY (the program
 * needs more frames than the machine has); CAIRN_E_DAMAGED (the file is not a
 * loadable program or a page of it failed its check; logged). Whatever fails
 * leaves nothing behind.
 */
int loader_create_process(const struct loader_request *request, struct process **made);

#endif
