/* Formatted output: snprintf into buffers and printf to the console, over kernel/printf.c. */
#include <cairn/user.h>
#include <kernel/printf.h>

int vsnprintf(char *buffer, size_t size, const char *format, va_list arguments)
{
    return format_string(buffer, size, format, arguments);
}

int snprintf(char *buffer, size_t size, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    int length = format_string(buffer, size, format, arguments);
    va_end(arguments);
    return length;
}

/* One console write per call, cut at CAIRN_CONSOLE_WRITE_MAX, so that a line stays whole. */
int vprintf(const char *format, va_list arguments)
{
    char text[CAIRN_CONSOLE_WRITE_MAX + 1];
    int length = format_string(text, sizeof text, format, arguments);
    if (length > CAIRN_CONSOLE_WRITE_MAX)
        length = CAIRN_CONSOLE_WRITE_MAX;
    if (cairn_console_write(text, (uint32_t)length) != CAIRN_OK)
        return -1;
    return length;
}

int printf(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    int length = vprintf(format, arguments);
    va_end(arguments);
    return length;
}

int puts(const char *text)
{
    return printf("%s\n", text);
}
