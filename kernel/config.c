/* The kernel command-line option table: every option's name, type, default, range and help. */
#include <kernel/config.h>
#include <kernel/klog.h>
#include <kernel/string.h>

struct kernel_config config;

const struct option config_options[] = {
    { "help", OPTION_BOOL, "off", 0, 0, "print this table at boot", &config.help },
    { "loglevel", OPTION_INT, "2", 0, 3, "kernel log detail: 0 errors, 1 warnings, 2 info, 3 debug",
      &config.loglevel },
    { "debug", OPTION_STRING, "", 0, 0, "debug switches, comma-separated: timer,memory,trap,net",
      config.debug },
    { "tick_hz", OPTION_INT, "100", 10, 10000, "timer interrupts per second", &config.tick_hz },
    { "ktest", OPTION_STRING, "", 0, 0,
      "run in-kernel tests ('all' or comma-separated names), report KTAP, then exit",
      config.ktest },
    { "fault", OPTION_STRING, "", 0, 0,
      "fault on purpose at boot (page, divide, opcode, gp, panic), for tests", config.fault },
    { "run", OPTION_STRING, "", 0, 0,
      "programs for init to start, comma-separated; NAME or NAME:ARG:ARG", config.run },
    { "ckpt.interval", OPTION_INT, "100", 0, 60000,
      "milliseconds between checkpoints (0: none)", &config.ckpt_interval },
    { "ckpt.mode", OPTION_STRING, "cow", 0, 0,
      "snapshot policy: 'cow' (freeze dirty pages, copy only those written during the write-out) "
      "or 'copy' (copy every dirty page during the pause)", config.ckpt_mode },
    { "ckpt.dirty_mib", OPTION_INT, "16", 0, 4096,
      "start a checkpoint early once this many MiB of pages are dirty (0: no limit)",
      &config.ckpt_dirty_mib },
    { "ckpt.max_share", OPTION_INT, "10", 1, 100,
      "per cent of the programs' CPU time checkpoints may take while programs are ready "
      "(the pause, the write-out, the faults that notice changes); beyond it the period stretches",
      &config.ckpt_max_share },
    { "output_commit", OPTION_BOOL, "on", 0, 0,
      "hold what programs write until the checkpoint covering it is durable (off: show it at "
      "once, for debugging)", &config.output_commit },
    { "ckpt.output_delay", OPTION_INT, "5", 0, 60000,
      "milliseconds held output may wait before it starts a checkpoint", &config.ckpt_output_delay },
    { "restore", OPTION_STRING, "lazy", 0, 0,
      "after a restart: 'lazy' (load objects on first touch) or 'eager' (load every object "
      "and page before resuming)", config.restore },
    { "boot", OPTION_STRING, "disk", 0, 0,
      "where the system comes from: 'disk' (the store) or 'modules' (GRUB modules, nothing kept)",
      config.boot },
    { "cut", OPTION_STRING, "", 0, 0,
      "stop the machine as a power cut would, for tests: WHERE:N at the Nth checkpoint of this "
      "boot that holds output; WHERE is durable (committed, none of its output shown), line (its "
      "first line at the serial port, not yet recorded), recorded (that line recorded) or frames (N "
      "counts the checkpoints holding network frames: committed, none of its frames sent)",
      config.cut },
    { "net.ip", OPTION_STRING, "10.0.2.15/24", 0, 0,
      "the guest's IPv4 address and prefix length, ADDR/PREFIX, which NIC_INFO gives the "
      "network programs", config.net_ip },
    { "diskbench", OPTION_INT, "0", 0, 4096,
      "measure the disk's sequential bandwidth over its first N MiB (overwriting them), "
      "then exit; 0: off", &config.diskbench },
    { "monitor", OPTION_BOOL, "off", 0, 0,
      "start the kernel's echo monitor instead of init (console debugging)", &config.monitor },
};

const unsigned config_option_count = sizeof(config_options) / sizeof(config_options[0]);

static void config_warn(const char *message)
{
    klog(KLOG_WARNING, "%s", message);
}

static void config_apply_debug_switches(void)
{
    static const struct { const char *name; unsigned long flag; } switches[] = {
        { "timer", DEBUG_timer }, { "memory", DEBUG_memory }, { "trap", DEBUG_trap },
        { "net", DEBUG_net },
    };
    const char *p = config.debug;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t length = end ? (size_t)(end - p) : strlen(p);
        unsigned i;
        for (i = 0; i < sizeof(switches) / sizeof(switches[0]); i++) {
            if (strlen(switches[i].name) == length && strncmp(switches[i].name, p, length) == 0) {
                debug_flags |= switches[i].flag;
                break;
            }
        }
        if (i == sizeof(switches) / sizeof(switches[0]))
            klog(KLOG_WARNING, "option 'debug': unknown switch '%.*s'; ignored", (int)length, p);
        p += length + (end ? 1 : 0);
    }
}

int config_parse(const char *command_line)
{
    options_set_defaults(config_options, config_option_count);
    int warnings = options_parse(config_options, config_option_count, command_line, config_warn);
    klog_threshold = config.loglevel;
    config_apply_debug_switches();
    return warnings;
}

void config_print_help(void)
{
    static const char *const type_names[] = { "on/off", "number", "text" };
    kprintf("kernel command-line options (NAME=VALUE, separated by spaces):\n");
    for (unsigned i = 0; i < config_option_count; i++) {
        const struct option *option = &config_options[i];
        kprintf("  %-10s %-6s default '%s'", option->name, type_names[option->type],
                option->default_value);
        if (option->type == OPTION_INT)
            kprintf(", %ld..%ld", option->minimum, option->maximum);
        kprintf("\n      %s\n", option->help);
    }
}
