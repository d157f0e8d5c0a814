/* fuzz: N random system calls (argv[1], argv[2] = seed); each must come back with a status code. */
#include <cairn/user.h>

/*
 * Call numbers are random in 0 .. CAIRN_CALL_COUNT+5 and argument registers
 * random with a bias towards slot numbers, small numbers and edge addresses.
 * fuzz_call_is_safe then drops or tames the few calls that would end or
 * wedge this program rather than test the kernel: EXIT, a blocking IPC call
 * on an endpoint only this program holds, CONSOLE_WAIT, a long sleep, anything that
 * removes, overwrites or restricts slots 0-2 (or copies them, so that no
 * other slot ever names this process, its space or its bank), mapping over
 * this program's own memory, and the kernel writing into it. On the network
 * (the NIC in slot 3, and copies of it) a receive waits briefly at most and a
 * send is only ever refused: random bytes never leave the machine.
 */
enum { DEFAULT_CALLS = 10000, DEFAULT_SEED = 1 };
enum { PROGRESS_EVERY = 50000 };    /* a line "fuzz: at N" this often, to follow it across restarts */
enum { STATUS_UNKNOWN = CAIRN_STATUS_COUNT, STATUS_BUCKETS };

/* How many calls returned each status; STATUS_UNKNOWN counts numbers abi.h does not define. */
static uint32_t status_counts[STATUS_BUCKETS];

/* Where CAIRN_STATS writes when its random pointer would hit this program's own memory. */
static uint8_t stats_scratch[CAIRN_PAGE_SIZE] __attribute__((aligned(16)));

static const uint32_t edge_values[] = {
    0, 1, 2, 3, 63, 64, 0xFF, 1024, 1025, 0x1000, 0x7FFFFFFF, 0x80000000u, 0xFFFFFFFFu,
    0x00100000, CAIRN_USER_BASE - CAIRN_PAGE_SIZE, CAIRN_USER_BASE, CAIRN_USER_END,
    USER_UNMAPPED_ADDRESS, USER_FREE_START, CAIRN_STACK_TOP, CAIRN_STACK_TOP - 8,
};

static uint32_t random_argument(void)
{
    switch (random_below(8)) {
    case 0: case 1: return random_below(16);   /* where most of the objects it makes end up */
    case 2: return random_below(CAIRN_CLIST_SLOTS + 8);
    case 3: return random_below(16);
    case 4: return edge_values[random_below(sizeof edge_values / sizeof edge_values[0])];
    case 5: return random_next() & ~(uint32_t)(CAIRN_PAGE_SIZE - 1);
    default: return random_next();
    }
}

static int ranges_overlap(uint64_t start, uint64_t length, uint64_t other_start, uint64_t other_end)
{
    return start < other_end && start + length > other_start;
}

/* This program's memory: image, stack, heap (unused, but kept clear) and the never-mapped hole. */
static int is_own_memory(uint32_t address, uint32_t length)
{
    return ranges_overlap(address, length, (uintptr_t)user_image_start,
                          (uintptr_t)user_image_end) ||
           ranges_overlap(address, length, USER_STACK_BOTTOM, CAIRN_STACK_TOP) ||
           ranges_overlap(address, length, USER_UNMAPPED_ADDRESS, USER_HEAP_END);
}

static int is_endpoint(uint32_t slot)
{
    struct cairn_cap_info info;
    return cairn_cap_info(slot, &info) == CAIRN_OK && info.type == CAIRN_TYPE_ENDPOINT;
}

/* Clamps a sleep to a time already past, or rarely 1-3 ms from now (a sleep waits for a 10 ms tick). */
static void sleep_make_short(struct cairn_registers *call)
{
    uint64_t now = clock_now_ns();
    uint64_t deadline = random_below(64) != 0 ? now / 2 : now + random_below(3 * NS_PER_MS);
    call->ebx = (uint32_t)deadline;
    call->ecx = (uint32_t)(deadline >> 32);
}

/* The kernel may read anything, but must write (STATS) only outside this program's memory. */
static void memory_arguments_make_safe(struct cairn_registers *call)
{
    if (call->eax == CAIRN_CONSOLE_WRITE && call->ecx <= CAIRN_CONSOLE_WRITE_MAX &&
        call->ebx >= CAIRN_USER_BASE && !ranges_overlap(call->ebx, call->ecx,
                                                        USER_UNMAPPED_ADDRESS, USER_HEAP_START))
        call->ecx = 0;          /* no random bytes of mapped memory on the console */
    if (call->eax == CAIRN_PROCESS_INFO && is_own_memory(call->ecx, call->edx)) {
        call->ecx = (uint32_t)stats_scratch;
        call->edx %= sizeof stats_scratch + 1;
    }
    if ((call->eax == CAIRN_STATS || call->eax == CAIRN_CLOCK) &&
        is_own_memory(call->ebx, call->ecx)) {
        call->ebx = (uint32_t)stats_scratch;
        call->ecx %= sizeof stats_scratch + 1;
    }
    if ((call->eax == CAIRN_NIC_RECEIVE || call->eax == CAIRN_NIC_INFO) &&
        is_own_memory(call->ecx, call->edx)) {
        call->ecx = (uint32_t)stats_scratch;
        call->edx %= sizeof stats_scratch + 1;
    }
}

/* NIC_RECEIVE: no deadline later than a few ms from now (frames may never come). */
static void receive_make_short(struct cairn_registers *call)
{
    uint64_t now = clock_now_ns();
    uint64_t deadline = random_below(4) ? 0 : now + random_below(3 * NS_PER_MS);
    call->esi = (uint32_t)deadline;
    call->edi = (uint32_t)(deadline >> 32);
}

/* 0 when the call must not be made; may change its arguments into a harmless version. */
static int fuzz_call_is_safe(struct cairn_registers *call)
{
    switch (call->eax) {
    case CAIRN_EXIT:
    case CAIRN_WAIT_REPLY:
    case CAIRN_CONSOLE_WAIT:    /* with a child it made the console's reader: waits for ever */
        return 0;
    case CAIRN_SEND: case CAIRN_RECEIVE: case CAIRN_CALL: case CAIRN_REPLY_RECEIVE:
        return !is_endpoint(call->ebx);
    case CAIRN_SLEEP_UNTIL:
        sleep_make_short(call);
        return 1;
    case CAIRN_CONSOLE_WRITE: case CAIRN_STATS: case CAIRN_CLOCK:
        memory_arguments_make_safe(call);
        return 1;
    case CAIRN_CONSOLE_READ:    /* no input ever comes: only its refusals are tried */
        if (call->edx == CAIRN_CONSOLE_BYTES || call->edx == CAIRN_CONSOLE_LINE)
            call->edx = 2 + random_below(3);
        return 1;
    case CAIRN_CAP_COPY: case CAIRN_CAP_MOVE: case CAIRN_CAP_BADGE:
        return call->ebx > CAIRN_SLOT_BANK && call->ecx > CAIRN_SLOT_BANK;
    case CAIRN_CAP_DELETE: case CAIRN_CAP_RESTRICT: case CAIRN_DESTROY:
        return call->ebx > CAIRN_SLOT_BANK;
    case CAIRN_CREATE:
        return call->edx > CAIRN_SLOT_BANK;
    case CAIRN_PROGRAM_LOAD:
        return call->esi > CAIRN_SLOT_BANK;
    case CAIRN_PROCESS_INFO: case CAIRN_NIC_INFO:
        memory_arguments_make_safe(call);
        return 1;
    case CAIRN_NIC_RECEIVE:
        memory_arguments_make_safe(call);
        receive_make_short(call);
        return 1;
    case CAIRN_NIC_SEND:        /* only its refusals: a length no frame has */
        if (call->edx >= CAIRN_NIC_FRAME_MIN && call->edx <= CAIRN_NIC_FRAME_MAX)
            call->edx = random_below(2) ? random_below(CAIRN_NIC_FRAME_MIN)
                                        : CAIRN_NIC_FRAME_MAX + 1 + random_below(64);
        return 1;
    case CAIRN_MAP: case CAIRN_UNMAP:
        return call->ebx != CAIRN_SLOT_SPACE ||
               !is_own_memory(call->ecx & ~0xFFFu, CAIRN_PAGE_SIZE);
    case CAIRN_PROCESS_SETUP:
        if (call->edi < CAIRN_PRIORITIES)
            call->edi = random_below(USER_PRIORITY);    /* a runaway child must not starve us */
        return call->ebx != CAIRN_SLOT_SELF && call->ecx != CAIRN_SLOT_SPACE;
    case CAIRN_PROCESS_GIVE: case CAIRN_PROCESS_START:
        return call->ebx != CAIRN_SLOT_SELF;
    default:
        return 1;
    }
}

static struct cairn_registers fuzz_call_make(void)
{
    struct cairn_registers call;
    do {
        call.eax = random_below(CAIRN_CALL_COUNT + 6);
        call.ebx = random_argument();
        call.ecx = random_argument();
        call.edx = random_argument();
        call.esi = random_argument();
        call.edi = random_argument();
        call.ebp = random_argument();
    } while (!fuzz_call_is_safe(&call));
    return call;
}

static int report(uint32_t calls)
{
    for (uint32_t status = 0; status < STATUS_BUCKETS; status++) {
        if (status_counts[status])
            printf("fuzz: %-16s %u\n", status_name(status), status_counts[status]);
    }
    if (status_counts[STATUS_UNKNOWN]) {
        printf("fuzz: FAILED: %u of %u calls returned a status abi.h does not define\n",
               status_counts[STATUS_UNKNOWN], calls);
        return 1;
    }
    printf("fuzz: %u calls, all answered\n", calls);
    return 0;
}

int main(int argc, char **argv)
{
    uint32_t calls = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : DEFAULT_CALLS;
    uint32_t seed = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : DEFAULT_SEED;
    printf("fuzz: seed %u, %u random calls\n", seed, calls);
    random_seed(seed);
    for (uint32_t i = 0; i < calls; i++) {
        struct cairn_registers call = fuzz_call_make();
        uint32_t status = cairn_syscall(&call);
        status_counts[status < STATUS_UNKNOWN ? status : STATUS_UNKNOWN]++;
        if ((i + 1) % PROGRESS_EVERY == 0 && i + 1 < calls)
            printf("fuzz: at %u\n", i + 1);
    }
    return report(calls);
}
