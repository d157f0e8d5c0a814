/* Reading whole lines from the console (CONSOLE_READ in line mode). */
#include <cairn/user.h>

/* CONSOLE_READ takes at most this much at once. */
#define CONSOLE_READ_MAX CAIRN_CONSOLE_WRITE_MAX

int console_read_line(char *buffer, size_t size)
{
    char discard[64];       /* the rest of a line too long for buffer */
    size_t length = 0;
    for (;;) {
        size_t room = size - 1 - length;
        char *into = room ? buffer + length : discard;
        uint32_t want = room ? (room < CONSOLE_READ_MAX ? room : CONSOLE_READ_MAX) : sizeof discard;
        uint32_t count;
        uint32_t status = cairn_console_read(into, want, CAIRN_CONSOLE_LINE, &count);
        if (status != CAIRN_OK)
            return -1;
        int ended = count && into[count - 1] == '\n';
        if (room)
            length += count - ended;
        if (ended) {
            buffer[length] = '\0';
            return (int)length;
        }
    }
}
