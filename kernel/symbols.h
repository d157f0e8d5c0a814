/* Kernel symbol table for stack traces, generated at link time (tools/gen-ksymbols). */
#ifndef KERNEL_SYMBOLS_H
#define KERNEL_SYMBOLS_H

#include <stdint.h>

struct ksymbol {
    uint32_t address;
    const char *name;
};

/* Sorted by address; filled in by the second link. */
extern const struct ksymbol ksymbol_table[];
extern const uint32_t ksymbol_count;

/* The function containing address and the offset into it; NULL when unknown. */
const char *ksymbol_lookup(uint32_t address, uint32_t *offset);

#endif
