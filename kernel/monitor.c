/* The kernel monitor: echoes console input lines until user programs take the console over. */
#include <arch/platform.h>
#include <kernel/console.h>
#include <kernel/klog.h>
#include <kernel/monitor.h>

enum { MONITOR_LINE_SIZE = 128 };

static void monitor_handle_byte(char *line, int *length, int byte)
{
    if (byte == '\r' || byte == '\n') {
        if (*length == 0)
            return;
        line[*length] = 0;
        kprintf("echo: %s\n", line);
        *length = 0;
    } else if ((byte == 8 || byte == 127) && *length > 0) {
        (*length)--;
    } else if (byte >= ' ' && byte < 127 && *length < MONITOR_LINE_SIZE - 1) {
        line[(*length)++] = (char)byte;
    }
}

void monitor_run(void)
{
    char line[MONITOR_LINE_SIZE];
    int length = 0;
    klog(KLOG_INFO, "kernel monitor: each line typed on the console is echoed back");
    for (;;) {
        int byte;
        while ((byte = console_input_pop()) >= 0)
            monitor_handle_byte(line, &length, byte);
        platform_idle();
    }
}
