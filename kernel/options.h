/* Typed kernel command-line options: one table (name, type, default, range, help) and its parser. */
#ifndef KERNEL_OPTIONS_H
#define KERNEL_OPTIONS_H

#include <stddef.h>

enum option_type {
    OPTION_BOOL,                /* storage: int, 0 or 1 */
    OPTION_INT,                 /* storage: long, within [minimum, maximum] */
    OPTION_STRING,              /* storage: char[OPTION_STRING_SIZE] */
};

enum { OPTION_STRING_SIZE = 128 };

struct option {
    const char *name;
    enum option_type type;
    const char *default_value;  /* in the same text form as on the command line */
    long minimum, maximum;      /* OPTION_INT only */
    const char *help;
    void *storage;
};

/* Receives one complete warning line (without newline). */
typedef void (*option_warning_fn)(const char *message);

/* Sets every option in table to its default value. */
void options_set_defaults(const struct option *table, size_t count);

/*
 * Applies the space-separated NAME=VALUE words of command_line to table.
 * A bare NAME sets a boolean to 1. An unknown name, a missing value, a
 * malformed or out-of-range value or an over-long string gives one warning
 * naming the option and leaves that option as it was. Returns the number
 * of warnings.
 */
int options_parse(const struct option *table, size_t count, const char *command_line,
                  option_warning_fn warn);

/* Parses a decimal or 0x-prefixed integer, with an optional leading '-'. */
int options_parse_long(const char *text, long *value);

#endif
