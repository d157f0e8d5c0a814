/* shell: a command line on the console that persists like every process: its history, variables and jobs survive power cuts. */
#include <cairn/user.h>

/*
 * Nothing here is saved by hand: the history, the variables and the job
 * table are ordinary memory, and the kernel's checkpoints keep them. After a
 * power cut the shell resumes waiting for its next line; background jobs
 * resume with it. Jobs are processes this shell started (PROGRAM_LOAD, then
 * PROCESS_START); it holds their capabilities in slots 8.., which is what
 * lets `kill` destroy them.
 *
 * The shell holds the console (CONSOLE_FOREGROUND): at its prompt it alone
 * reads the lines typed, so a background job never takes them. A
 * foreground job is made the console's reader while the shell waits for it
 * (CONSOLE_WAIT), which returns when the job is gone or Ctrl-C is typed;
 * then the shell destroys the job and takes the console back. Both waits
 * are ordinary blocked calls, so a job in front when the power went is
 * still in front, and can still be stopped, after the restart.
 */
enum { LINE_MAX = 200, HISTORY = 32, VARIABLES = 16, NAME_MAX = 24, VALUE_MAX = 64 };
enum { JOB_FIRST_SLOT = CAIRN_SLOT_FIRST_FREE, JOBS = 16, WAIT_POLL_MS = 20 };

static char history[HISTORY][LINE_MAX];
static uint32_t history_count;          /* lines entered since the first boot */
static struct { char name[NAME_MAX], value[VALUE_MAX]; } variables[VARIABLES];
static struct { uint32_t pid; char command[LINE_MAX]; } jobs[JOBS];

static const char *const state_names[] = { "embryo", "ready", "running", "blocked", "stopped" };

static void command_help(void)
{
    printf("commands: help, ps, run PROGRAM [ARGS] [&], jobs, kill JOB|PID, stats, sync, time,\n"
           "          mem, history, set NAME VALUE, vars, echo TEXT ($NAME is replaced)\n"
           "          Ctrl-C stops the job in front (a background job never reads the console)\n"
           "demos:    run counter &     a steady counter        run shm &      shared pages\n"
           "          run pingpong 0 &  IPC partners counting   run clock 30 & both clocks\n"
           "          run life &        life on the VGA screen  run hog 64     more than RAM\n"
           "          run kv            a key-value store (set KEY VALUE, get KEY, quit)\n"
           "then cut the power (close QEMU) and boot again: everything goes on.\n");
}

static void command_ps(void)
{
    printf("  pid  state     pages  restarts  name\n");
    struct cairn_process_info info;
    for (uint32_t i = 0; cairn_process_info(i, &info) == CAIRN_OK; i++)
        printf("%5u  %-8s %6u  %8u  %s\n", info.oid,
               info.state < 5 ? state_names[info.state] : "?", info.pages, info.restarts,
               info.name);
}

/* Is the process with this pid still there? */
static int process_alive(uint32_t pid)
{
    struct cairn_process_info info;
    for (uint32_t i = 0; cairn_process_info(i, &info) == CAIRN_OK; i++)
        if (info.oid == pid)
            return info.state != 4;
    return 0;
}

static int job_free_index(void)
{
    for (int j = 0; j < JOBS; j++)
        if (!jobs[j].pid || !process_alive(jobs[j].pid))
            return j;
    return -1;
}

/* A foreground job reads the console until it ends or Ctrl-C stops it; then it is the shell's. */
static void job_wait_foreground(int job)
{
    uint32_t slot = JOB_FIRST_SLOT + (uint32_t)job, why = CAIRN_CONSOLE_ENDED;
    uint32_t status = cairn_console_foreground(slot);
    if (status == CAIRN_OK)
        status = cairn_console_wait(&why);
    if (status != CAIRN_OK && status != CAIRN_E_STALE)     /* the console is not the shell's */
        while (process_alive(jobs[job].pid))
            clock_sleep_ns((uint64_t)WAIT_POLL_MS * NS_PER_MS);
    if (why == CAIRN_CONSOLE_INTERRUPTED) {
        status = cairn_destroy(slot);
        printf("^C\n[%d] %s: %s\n", job + 1, jobs[job].command,
               status == CAIRN_OK ? "stopped" : status_name(status));
    }
    cairn_console_foreground(CAIRN_NO_SLOT);
    jobs[job].pid = 0;
}

static void command_run(char *arguments)
{
    size_t length = strlen(arguments);
    int background = length && arguments[length - 1] == '&';
    if (background)
        arguments[--length] = 0;
    while (length && arguments[length - 1] == ' ')
        arguments[--length] = 0;
    int job = job_free_index();
    if (!length || job < 0) {
        printf(job < 0 ? "run: no free job slot\n" : "run: which program?\n");
        return;
    }
    uint32_t slot = JOB_FIRST_SLOT + (uint32_t)job;
    uint32_t status = cairn_program_load(CAIRN_SLOT_BANK, arguments, (uint32_t)length, slot);
    if (status == CAIRN_OK)
        status = cairn_process_start(slot, 0, 0);
    if (status != CAIRN_OK) {
        printf("run: %s: %s\n", arguments, status_name(status));
        return;
    }
    struct cairn_process_info info;     /* the newest process is listed first */
    jobs[job].pid = cairn_process_info(0, &info) == CAIRN_OK ? info.oid : 0;
    strlcpy(jobs[job].command, arguments, sizeof(jobs[job].command));
    if (background)
        printf("[%d] %u %s\n", job + 1, jobs[job].pid, arguments);
    else
        job_wait_foreground(job);
}

static void command_jobs(void)
{
    for (int j = 0; j < JOBS; j++)
        if (jobs[j].pid && process_alive(jobs[j].pid))
            printf("[%d] %u %s\n", j + 1, jobs[j].pid, jobs[j].command);
}

/* The job named by its number (1..JOBS) or by its process's PID; -1 when there is none. */
static int job_find(const char *argument)
{
    uint32_t number = (uint32_t)strtoul(argument, NULL, 0);
    if (number >= 1 && number <= JOBS && jobs[number - 1].pid)
        return (int)number - 1;
    for (int j = 0; number && j < JOBS; j++)
        if (jobs[j].pid == number)
            return j;
    return -1;
}

static void command_kill(const char *argument)
{
    int job = job_find(argument);
    if (job < 0) {
        printf("kill: no job or PID %s (see jobs)\n", argument);
        return;
    }
    uint32_t status = cairn_destroy(JOB_FIRST_SLOT + (uint32_t)job);
    printf("kill: [%d] %s: %s\n", job + 1, jobs[job].command, status_name(status));
    jobs[job].pid = 0;
}

/* Why checkpoints are off ("" while they are on). */
static const char *checkpoints_off(struct cairn_stats *s)
{
    if (cairn_stats(s) != CAIRN_OK)
        return "";
    s->checkpoints_off[sizeof(s->checkpoints_off) - 1] = 0;
    return s->checkpoints_off;
}

/* Once, when checkpoints have gone off (a disk that fails a write): say so, and why. */
static void warn_if_checkpoints_off(void)
{
    static int warned;
    struct cairn_stats s;
    const char *why = checkpoints_off(&s);
    if (warned || !why[0])
        return;
    warned = 1;
    printf("warning: checkpoints are off (%s): nothing done from here on survives a power "
           "cut\n", why);
}

static void command_sync(void)
{
    uint32_t status = cairn_sync();
    struct cairn_stats s;
    const char *why = checkpoints_off(&s);
    if (status == CAIRN_OK)
        printf("sync: durable\n");
    else if (why[0])
        printf("sync: not durable (%s): checkpoints are off: %s\n", status_name(status), why);
    else
        printf("sync: not durable: %s\n", status_name(status));
}

static void command_stats(void)
{
    struct cairn_stats s;
    const char *why = checkpoints_off(&s);
    if (why[0])
        printf("checkpoints are off: %s\n", why);
    printf("checkpoints %u (%u blocks, %u KiB written), last pause %u cycles, "
           "last durable after %u cycles\n", s.checkpoints, s.checkpoint_blocks,
           s.checkpoint_blocks * 4, s.last_pause_cycles, s.last_commit_cycles);
    printf("pages loaded %u, evicted %u, copied on write %u; page faults %u\n", s.pages_loaded,
           s.pages_evicted, s.cow_copies, s.page_faults);
    printf("restarts of the system %u; system calls %u, restarted %u; processes %u, objects %u\n",
           s.restart_count, s.system_calls, s.restarts, s.processes, s.objects);
    printf("output held %u us on average, %u us at most, over %u releases\n",
           s.output_held_us_average, s.output_held_us_max, s.output_releases);
    printf("net: frames in %u, out %u, held %u, dropped %u\n", s.frames_in, s.frames_out,
           s.frames_held, s.frames_dropped);
    uint64_t since_boot = s.program_cycles ? s.checkpoint_cycles * 1000 / s.program_cycles : 0;
    printf("checkpoints' share of the CPU %u.%u%% of the programs' time lately (%llu.%llu%% "
           "since boot; at most %u%%), period achieved %u.%03u ms, last snapshot %u ms ago\n",
           s.share_permille / 10, s.share_permille % 10, (unsigned long long)(since_boot / 10),
           (unsigned long long)(since_boot % 10), s.max_share, s.period_us / 1000,
           s.period_us % 1000, s.snapshot_age_us / 1000);
}

static void command_time(void)
{
    struct cairn_clock c;
    if (cairn_clock(&c) != CAIRN_OK)
        return;
    char wall[32];
    clock_format_wall(wall, sizeof(wall), c.wall_ns);
    printf("monotonic %llu ms; wall clock %s; restarts %u\n",
           (unsigned long long)(c.monotonic_ns / 1000000), wall, c.restart_count);
    /* The restart's wall time comes from the real-time clock, in whole seconds: it may read
     * a little before the checkpoint's, which counted on from one. */
    if (c.restart_count && c.checkpoint_wall_ns)
        printf("the last restart resumed a checkpoint taken %llu s before it\n",
               (unsigned long long)(c.restart_wall_ns > c.checkpoint_wall_ns
                                    ? (c.restart_wall_ns - c.checkpoint_wall_ns) / 1000000000 : 0));
}

static void command_mem(void)
{
    struct cairn_stats s;
    if (cairn_stats(&s) == CAIRN_OK)
        printf("frames: %u free of %u (%u KiB free)\n", s.free_frames, s.total_frames,
               s.free_frames * 4);
}

static void command_history(void)
{
    uint32_t first = history_count > HISTORY ? history_count - HISTORY : 0;
    for (uint32_t i = first; i < history_count; i++)
        printf("%5u  %s\n", i + 1, history[i % HISTORY]);
}

static const char *variable_get(const char *name)
{
    for (int v = 0; v < VARIABLES; v++)
        if (variables[v].name[0] && strcmp(variables[v].name, name) == 0)
            return variables[v].value;
    return "";
}

static void command_set(char *arguments)
{
    char *space = strchr(arguments, ' ');
    if (!space || space == arguments) {
        printf("set: usage: set NAME VALUE\n");
        return;
    }
    *space = 0;
    int slot = -1;
    for (int v = 0; v < VARIABLES; v++) {
        if (strcmp(variables[v].name, arguments) == 0 || (slot < 0 && !variables[v].name[0]))
            slot = v;
        if (strcmp(variables[v].name, arguments) == 0)
            break;
    }
    if (slot < 0) {
        printf("set: no room for another variable\n");
        return;
    }
    strlcpy(variables[slot].name, arguments, NAME_MAX);
    strlcpy(variables[slot].value, space + 1, VALUE_MAX);
}

static void command_vars(void)
{
    for (int v = 0; v < VARIABLES; v++)
        if (variables[v].name[0])
            printf("%s=%s\n", variables[v].name, variables[v].value);
}

/* echo, with $NAME replaced by the variable's value. */
static void command_echo(const char *text)
{
    char out[LINE_MAX + VALUE_MAX];
    size_t length = 0;
    while (*text && length < sizeof(out) - 1) {
        if (*text == '$') {
            char name[NAME_MAX];
            size_t n = 0;
            for (text++; *text && *text != ' ' && *text != '$' && n < NAME_MAX - 1; text++)
                name[n++] = *text;
            name[n] = 0;
            length += strlcpy(out + length, variable_get(name), sizeof(out) - length);
            if (length > sizeof(out) - 1)
                length = sizeof(out) - 1;
        } else {
            out[length++] = *text++;
        }
    }
    out[length] = 0;
    printf("%s\n", out);
}

static void shell_execute(char *line)
{
    char *arguments = strchr(line, ' ');
    if (arguments)
        *arguments++ = 0;
    else
        arguments = line + strlen(line);
    if (strcmp(line, "help") == 0) command_help();
    else if (strcmp(line, "ps") == 0) command_ps();
    else if (strcmp(line, "run") == 0) command_run(arguments);
    else if (strcmp(line, "jobs") == 0) command_jobs();
    else if (strcmp(line, "kill") == 0) command_kill(arguments);
    else if (strcmp(line, "stats") == 0) command_stats();
    else if (strcmp(line, "sync") == 0) command_sync();
    else if (strcmp(line, "time") == 0) command_time();
    else if (strcmp(line, "mem") == 0) command_mem();
    else if (strcmp(line, "history") == 0) command_history();
    else if (strcmp(line, "set") == 0) command_set(arguments);
    else if (strcmp(line, "vars") == 0) command_vars();
    else if (strcmp(line, "echo") == 0) command_echo(arguments);
    else if (line[0]) printf("%s: no such command (try help)\n", line);
}

int main(void)
{
    printf("Cairn shell: type help. Everything here survives a power cut.\n");
    cairn_console_foreground(CAIRN_NO_SLOT);    /* the console's lines are the shell's */
    char line[LINE_MAX];
    for (;;) {
        warn_if_checkpoints_off();
        printf("cairn> ");
        if (console_read_line(line, sizeof(line)) < 0)
            return 1;
        if (line[0]) {
            strlcpy(history[history_count % HISTORY], line, LINE_MAX);
            history_count++;
        }
        shell_execute(line);
    }
}
