/* printf-style formatting into a bounded buffer; portable, with no dependency beyond the compiler's headers. */
#include <stdint.h>
#include <kernel/printf.h>

/* Output cursor: characters past size-1 are counted but dropped. */
struct format_output {
    char *buffer;
    size_t size;
    size_t length;
};

struct format_spec {
    int left, zero, plus, space, alternate;
    int is_signed;              /* %d or %i: the '+' and ' ' flags apply */
    int width;
    int precision;              /* -1 when absent */
    int length;                 /* 0, 'H' (hh), 'h', 'l', 'L' (ll), 'z', 't', 'j' */
};

static void output_char(struct format_output *out, char c)
{
    if (out->size && out->length < out->size - 1)
        out->buffer[out->length] = c;
    out->length++;
}

static void output_repeat(struct format_output *out, char c, int count)
{
    while (count-- > 0)
        output_char(out, c);
}

static void output_padded(struct format_output *out, const struct format_spec *spec,
                          const char *text, int length)
{
    int padding = spec->width > length ? spec->width - length : 0;
    if (!spec->left)
        output_repeat(out, ' ', padding);
    for (int i = 0; i < length; i++)
        output_char(out, text[i]);
    if (spec->left)
        output_repeat(out, ' ', padding);
}

/* Formats one integer already reduced to magnitude and sign. */
static void output_number(struct format_output *out, const struct format_spec *spec,
                          uint64_t magnitude, int negative, unsigned base, int upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char text[24];
    int count = 0;
    while (magnitude) {
        text[count++] = digits[magnitude % base];
        magnitude /= base;
    }
    int precision = spec->precision < 0 ? 1 : spec->precision;
    int zeros = precision > count ? precision - count : 0;
    if (base == 8 && spec->alternate && zeros == 0 && (count == 0 || text[count - 1] != '0'))
        zeros = 1;
    const char *prefix = "";
    if (negative)
        prefix = "-";
    else if (spec->plus && base == 10 && spec->is_signed)
        prefix = "+";
    else if (spec->space && base == 10 && spec->is_signed)
        prefix = " ";
    if (base == 16 && spec->alternate && count > 0)
        prefix = upper ? "0X" : "0x";
    int prefix_length = 0;
    while (prefix[prefix_length])
        prefix_length++;
    int total = prefix_length + zeros + count;
    int padding = spec->width > total ? spec->width - total : 0;
    if (spec->zero && !spec->left && spec->precision < 0) {
        zeros += padding;
        padding = 0;
    }
    if (!spec->left)
        output_repeat(out, ' ', padding);
    for (int i = 0; i < prefix_length; i++)
        output_char(out, prefix[i]);
    output_repeat(out, '0', zeros);
    while (count)
        output_char(out, text[--count]);
    if (spec->left)
        output_repeat(out, ' ', padding);
}

static const char *parse_flags(const char *p, struct format_spec *spec)
{
    for (;; p++) {
        if (*p == '-') spec->left = 1;
        else if (*p == '0') spec->zero = 1;
        else if (*p == '+') spec->plus = 1;
        else if (*p == ' ') spec->space = 1;
        else if (*p == '#') spec->alternate = 1;
        else return p;
    }
}

static const char *parse_spec(const char *p, struct format_spec *spec, va_list *arguments)
{
    p = parse_flags(p, spec);
    if (*p == '*') {
        spec->width = va_arg(*arguments, int);
        if (spec->width < 0) {
            spec->left = 1;
            spec->width = -spec->width;
        }
        p++;
    } else {
        while (*p >= '0' && *p <= '9')
            spec->width = spec->width * 10 + (*p++ - '0');
    }
    spec->precision = -1;
    if (*p == '.') {
        p++;
        spec->precision = 0;
        if (*p == '*') {
            spec->precision = va_arg(*arguments, int);
            if (spec->precision < 0)
                spec->precision = -1;
            p++;
        } else {
            while (*p >= '0' && *p <= '9')
                spec->precision = spec->precision * 10 + (*p++ - '0');
        }
    }
    if (p[0] == 'h' && p[1] == 'h') { spec->length = 'H'; p += 2; }
    else if (p[0] == 'l' && p[1] == 'l') { spec->length = 'L'; p += 2; }
    else if (*p == 'h' || *p == 'l' || *p == 'z' || *p == 't' || *p == 'j') spec->length = *p++;
    return p;
}

static int64_t fetch_signed(const struct format_spec *spec, va_list *arguments)
{
    switch (spec->length) {
    case 'H': return (signed char)va_arg(*arguments, int);
    case 'h': return (short)va_arg(*arguments, int);
    case 'l': return va_arg(*arguments, long);
    case 'L': return va_arg(*arguments, long long);
    case 'z': return (int64_t)va_arg(*arguments, size_t);
    case 't': return va_arg(*arguments, ptrdiff_t);
    case 'j': return va_arg(*arguments, intmax_t);
    default: return va_arg(*arguments, int);
    }
}

static uint64_t fetch_unsigned(const struct format_spec *spec, va_list *arguments)
{
    switch (spec->length) {
    case 'H': return (unsigned char)va_arg(*arguments, unsigned);
    case 'h': return (unsigned short)va_arg(*arguments, unsigned);
    case 'l': return va_arg(*arguments, unsigned long);
    case 'L': return va_arg(*arguments, unsigned long long);
    case 'z': return va_arg(*arguments, size_t);
    case 't': return (uint64_t)va_arg(*arguments, ptrdiff_t);
    case 'j': return va_arg(*arguments, uintmax_t);
    default: return va_arg(*arguments, unsigned);
    }
}

static void output_string(struct format_output *out, const struct format_spec *spec,
                          const char *text)
{
    if (!text)
        text = "(null)";
    int length = 0;
    while (text[length] && (spec->precision < 0 || length < spec->precision))
        length++;
    output_padded(out, spec, text, length);
}

/* Formats one conversion; returns 0 for an unknown conversion character. */
static int output_conversion(struct format_output *out, struct format_spec *spec,
                             char conversion, va_list *arguments)
{
    switch (conversion) {
    case 'd':
    case 'i': {
        int64_t value = fetch_signed(spec, arguments);
        spec->is_signed = 1;
        uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
        output_number(out, spec, magnitude, value < 0, 10, 0);
        return 1;
    }
    case 'u': output_number(out, spec, fetch_unsigned(spec, arguments), 0, 10, 0); return 1;
    case 'x': output_number(out, spec, fetch_unsigned(spec, arguments), 0, 16, 0); return 1;
    case 'X': output_number(out, spec, fetch_unsigned(spec, arguments), 0, 16, 1); return 1;
    case 'o': output_number(out, spec, fetch_unsigned(spec, arguments), 0, 8, 0); return 1;
    case 'p':
        spec->alternate = 1;
        output_number(out, spec, (uintptr_t)va_arg(*arguments, void *), 0, 16, 0);
        return 1;
    case 'c': {
        char c = (char)va_arg(*arguments, int);
        output_padded(out, spec, &c, 1);
        return 1;
    }
    case 's': output_string(out, spec, va_arg(*arguments, const char *)); return 1;
    case '%': output_char(out, '%'); return 1;
    default: return 0;
    }
}

int format_string(char *buffer, size_t size, const char *format, va_list arguments)
{
    struct format_output out = { buffer, size, 0 };
    va_list copy;
    va_copy(copy, arguments);
    for (const char *p = format; *p; p++) {
        if (*p != '%') {
            output_char(&out, *p);
            continue;
        }
        const char *start = p;
        struct format_spec spec = { 0 };
        p = parse_spec(p + 1, &spec, &copy);
        if (!*p) {
            p--;
            continue;
        }
        if (!output_conversion(&out, &spec, *p, &copy)) {
            for (const char *q = start; q <= p; q++)   /* unknown: print it as written */
                output_char(&out, *q);
        }
    }
    va_end(copy);
    if (size)
        buffer[out.length < size ? out.length : size - 1] = 0;
    return (int)out.length;
}

int format_print(char *buffer, size_t size, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    int length = format_string(buffer, size, format, arguments);
    va_end(arguments);
    return length;
}
