/* The command-line option parser: words to typed values, with one warning per bad word. */
#include <stdint.h>
#include <kernel/options.h>
#include <kernel/printf.h>
#include <kernel/string.h>

enum { WORD_SIZE = 256 };

int options_parse_long(const char *text, long *value)
{
    int negative = 0;
    unsigned base = 10;
    if (*text == '-') {
        negative = 1;
        text++;
    }
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text += 2;
    }
    if (!*text)
        return 0;
    unsigned long magnitude = 0;
    for (; *text; text++) {
        unsigned digit;
        if (*text >= '0' && *text <= '9') digit = (unsigned)(*text - '0');
        else if (base == 16 && *text >= 'a' && *text <= 'f') digit = (unsigned)(*text - 'a' + 10);
        else if (base == 16 && *text >= 'A' && *text <= 'F') digit = (unsigned)(*text - 'A' + 10);
        else return 0;
        unsigned long limit = (unsigned long)INT32_MAX + (unsigned long)negative;
        if (digit >= base || magnitude > (limit - digit) / base)
            return 0;
        magnitude = magnitude * base + digit;
    }
    *value = negative ? (long)(0 - magnitude) : (long)magnitude;
    return 1;
}

static int parse_bool(const char *text, int *value)
{
    static const char *const truths[] = { "1", "true", "yes", "on" };
    static const char *const lies[] = { "0", "false", "no", "off" };
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(text, truths[i]) == 0) { *value = 1; return 1; }
        if (strcmp(text, lies[i]) == 0) { *value = 0; return 1; }
    }
    return 0;
}

static void warn_format(option_warning_fn warn, const char *format, const char *a, const char *b)
{
    char message[WORD_SIZE * 2 + 128];
    format_print(message, sizeof(message), format, a, b);
    warn(message);
}

/* Stores value into option; returns 0 (and warns) when it does not fit the option's type. */
static int option_apply(const struct option *option, const char *value, option_warning_fn warn)
{
    switch (option->type) {
    case OPTION_BOOL:
        if (!value)
            return *(int *)option->storage = 1;
        if (parse_bool(value, (int *)option->storage))
            return 1;
        warn_format(warn, "option '%s' wants a boolean (on/off), got '%s'; ignored",
                    option->name, value);
        return 0;
    case OPTION_INT: {
        long number;
        if (!value) {
            warn_format(warn, "option '%s' wants a value (%s=NUMBER); ignored",
                        option->name, option->name);
            return 0;
        }
        if (!options_parse_long(value, &number) || number < option->minimum ||
            number > option->maximum) {
            char message[WORD_SIZE * 2 + 128];
            format_print(message, sizeof(message),
                         "option '%s' wants a whole number from %ld to %ld, got '%s'; ignored",
                         option->name, option->minimum, option->maximum, value);
            warn(message);
            return 0;
        }
        *(long *)option->storage = number;
        return 1;
    }
    case OPTION_STRING:
        if (!value) {
            warn_format(warn, "option '%s' wants a value (%s=TEXT); ignored",
                        option->name, option->name);
            return 0;
        }
        if (strlen(value) >= OPTION_STRING_SIZE) {
            warn_format(warn, "option '%s' value is too long ('%s'); ignored", option->name, value);
            return 0;
        }
        strlcpy(option->storage, value, OPTION_STRING_SIZE);
        return 1;
    }
    return 0;
}

static void warn_nothing(const char *message)
{
    (void)message;
}

void options_set_defaults(const struct option *table, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const struct option *option = &table[i];
        if (option->type == OPTION_BOOL)
            *(int *)option->storage = 0;
        else if (option->type == OPTION_INT)
            *(long *)option->storage = 0;
        else
            ((char *)option->storage)[0] = 0;
        /* A bad default is a kernel bug: the host tests check every default. */
        if (option->default_value)
            option_apply(option, option->default_value, warn_nothing);
    }
}

static const struct option *option_find(const struct option *table, size_t count,
                                        const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

/* Copies the next space-separated word into word; returns the text after it. */
static const char *next_word(const char *text, char *word, size_t size, int *truncated)
{
    while (*text == ' ' || *text == '\t' || *text == '\n')
        text++;
    size_t length = 0;
    *truncated = 0;
    while (*text && *text != ' ' && *text != '\t' && *text != '\n') {
        if (length < size - 1)
            word[length++] = *text;
        else
            *truncated = 1;
        text++;
    }
    word[length] = 0;
    return text;
}

int options_parse(const struct option *table, size_t count, const char *command_line,
                  option_warning_fn warn)
{
    int warnings = 0;
    char word[WORD_SIZE];
    if (!warn)
        warn = warn_nothing;
    int truncated;
    for (const char *p = next_word(command_line, word, sizeof(word), &truncated); word[0];
         p = next_word(p, word, sizeof(word), &truncated)) {
        char *equals = strchr(word, '=');
        const char *value = NULL;
        if (equals) {
            *equals = 0;
            value = equals + 1;
        }
        const struct option *option = option_find(table, count, word);
        if (!option) {
            warn_format(warn, "unknown option '%s'; ignored (boot with 'help' to list options)",
                        word, NULL);
            warnings++;
        } else if (truncated) {
            warn_format(warn, "option '%s' value is too long; ignored", word, NULL);
            warnings++;
        } else if (!option_apply(option, value, warn)) {
            warnings++;
        }
    }
    return warnings;
}
