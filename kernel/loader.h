/* Building a process from a static i386 ELF program: Space tree, Pages, stack and start info. */
#ifndef KERNEL_LOADER_H
#define KERNEL_LOADER_H

#include <stdint.h>

struct bank;
struct process;

struct loader_request {
    const char *name;
    const uint8_t *image;       /* the ELF file in kernel memory */
    uint32_t size;
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

/* Makes an embryo process (not started); returns NULL after logging why. */
struct process *loader_create_process(const struct loader_request *request);

#endif
