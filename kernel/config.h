/* The kernel's configuration: the values of its command-line options (table in config.c). */
#ifndef KERNEL_CONFIG_H
#define KERNEL_CONFIG_H

#include <kernel/options.h>

struct kernel_config {
    int help;                           /* print the option table at boot */
    long loglevel;                      /* 0 errors .. 3 debug */
    char debug[OPTION_STRING_SIZE];     /* comma-separated debug switches */
    long tick_hz;                       /* timer interrupts per second */
    char ktest[OPTION_STRING_SIZE];     /* in-kernel tests to run ("all" or names), then exit */
    char fault[OPTION_STRING_SIZE];     /* deliberate kernel fault at boot, for tests */
    char run[OPTION_STRING_SIZE];       /* programs init starts on a fresh system */
    int monitor;                        /* run the kernel's echo monitor instead of init */
    long diskbench;                     /* MiB of the disk to measure (overwritten), then exit; 0: off */
    long ckpt_interval;                 /* ms between checkpoints; 0 = none */
    char ckpt_mode[OPTION_STRING_SIZE]; /* "cow": freeze dirty pages; "copy": copy them in the pause */
    long ckpt_dirty_mib;                /* dirty MiB that start a checkpoint early; 0 = no limit */
    long ckpt_max_share;                /* per cent of programs' CPU time checkpoints may take */
    char restore[OPTION_STRING_SIZE];   /* "lazy": load on first touch; "eager": all before resuming */
    int output_commit;                  /* hold program output until its checkpoint commits */
    long ckpt_output_delay;             /* ms held output may wait before it starts a checkpoint */
    char boot[OPTION_STRING_SIZE];      /* where the system comes from: "disk" or "modules" */
    char cut[OPTION_STRING_SIZE];       /* "WHERE:N": stop as a power cut would, for tests */
    char net_ip[OPTION_STRING_SIZE];    /* "ADDR/PREFIX": the guest's IPv4 address */
};

extern struct kernel_config config;

/* Parses command_line into config; prints one warning per bad option; returns warnings. */
int config_parse(const char *command_line);

/* Prints every option with its type, default, range and help. */
void config_print_help(void);

/* The option table, for tests. */
extern const struct option config_options[];
extern const unsigned config_option_count;

#endif
