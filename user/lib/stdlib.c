/* exit and number parsing. */
#include <cairn/user.h>

void exit(int status)
{
    cairn_exit((uint32_t)status);
}

/* The value of digit character c, or 36 (too big for any base) when it is not one. */
static unsigned digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return (unsigned)(c - '0');
    if (c >= 'a' && c <= 'z')
        return (unsigned)(c - 'a' + 10);
    if (c >= 'A' && c <= 'Z')
        return (unsigned)(c - 'A' + 10);
    return 36;
}

/* Skips a 0x prefix for base 16 and picks the base for base 0. */
static const char *parse_base_prefix(const char *p, int *base)
{
    int hex_prefix = p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16;
    if ((*base == 0 || *base == 16) && hex_prefix) {
        *base = 16;
        return p + 2;
    }
    if (*base == 0)
        *base = p[0] == '0' ? 8 : 10;
    return p;
}

unsigned long strtoul(const char *text, char **end, int base)
{
    const char *p = text;
    while (*p == ' ' || *p == '\t')
        p++;
    int negative = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    unsigned long value = 0;
    const char *digits = p = parse_base_prefix(p, &base);
    if (base >= 2 && base <= 36) {
        for (unsigned digit; (digit = digit_value(*p)) < (unsigned)base; p++)
            value = value * (unsigned)base + digit;
    }
    if (end)
        *end = (char *)(p == digits ? text : p);
    return negative ? -value : value;
}

int atoi(const char *text)
{
    return (int)strtoul(text, NULL, 10);
}
