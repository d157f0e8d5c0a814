/* bench: the micro-benchmarks make bench reports: null system call, IPC round trip (CALL + REPLY_RECEIVE), page-in. */
#include <cairn/user.h>

enum {
    ENDPOINT_SLOT = CAIRN_SLOT_FIRST_FREE,
    PARTNER_SLOT = CAIRN_SLOT_FIRST_FREE + 1,
    DEFAULT_ROUNDS = 20000,
    BATCHES = 20,   /* each loop is timed in batches and the fastest batch counts */
};

static uint64_t bench_rdtsc(void)
{
    return cpu_timestamp();
}

/* One result line: cycles (guest instructions under -icount) and ns per operation. */
static void bench_report(const char *name, uint32_t rounds, uint64_t cycles, uint64_t ns)
{
    printf("bench: %s rounds=%u cycles_per_op=%llu ns_per_op=%llu\n", name, rounds,
           (unsigned long long)(cycles / rounds), (unsigned long long)(ns / rounds));
}

/* The fastest of the batches a loop was timed in: a checkpoint the kernel takes or writes
 * while the loop runs (the printed results start one) lands in some batch, not in all. */
struct bench_best {
    uint64_t cycles, ns;
    uint32_t rounds;
};

static void bench_batch_done(struct bench_best *best, uint32_t rounds, uint64_t cycles,
                             uint64_t ns)
{
    if (rounds && (!best->rounds || cycles * best->rounds < best->cycles * rounds)) {
        best->cycles = cycles;
        best->ns = ns;
        best->rounds = rounds;
    }
}

static void bench_null_call(uint32_t rounds)
{
    struct bench_best best = { 0 };
    for (uint32_t batch = 0; batch < BATCHES; batch++) {
        uint32_t count = rounds / BATCHES + (batch < rounds % BATCHES);
        uint64_t start_ns = clock_now_ns(), start = bench_rdtsc();
        for (uint32_t i = 0; i < count; i++)
            cairn_null();
        uint64_t cycles = bench_rdtsc() - start;
        bench_batch_done(&best, count, cycles, clock_now_ns() - start_ns);
    }
    bench_report("null_call", best.rounds, best.cycles, best.ns);
}

/* The server side: answers every call with the word it got plus one. */
static int bench_ipc_server(void *argument)
{
    (void)argument;
    struct cairn_message message, reply = { 0 };
    uint32_t status = cairn_receive(ENDPOINT_SLOT, &message);
    while (status == CAIRN_OK) {
        reply.word[0] = message.word[0] + 1;
        status = cairn_reply_receive(ENDPOINT_SLOT, &reply, CAIRN_NO_SLOT, &message);
    }
    return 1;
}

static int bench_ipc_round_trip(uint32_t rounds)
{
    struct thread server;
    if (cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_ENDPOINT, ENDPOINT_SLOT) != CAIRN_OK ||
        thread_create(&server, PARTNER_SLOT, 16384) != CAIRN_OK ||
        cairn_process_give(PARTNER_SLOT, ENDPOINT_SLOT, ENDPOINT_SLOT) != CAIRN_OK ||
        thread_start(&server, bench_ipc_server, NULL) != CAIRN_OK) {
        printf("bench: could not start the IPC partner\n");
        return 1;
    }
    struct cairn_message request = { 0 }, reply;
    cairn_call(ENDPOINT_SLOT, &request, CAIRN_NO_SLOT, &reply);    /* warm up */
    struct bench_best best = { 0 };
    for (uint32_t batch = 0, i = 0; batch < BATCHES; batch++) {
        uint32_t count = rounds / BATCHES + (batch < rounds % BATCHES), end = i + count;
        uint64_t start_ns = clock_now_ns(), start = bench_rdtsc();
        for (; i < end; i++) {
            request.word[0] = i;
            if (cairn_call(ENDPOINT_SLOT, &request, CAIRN_NO_SLOT, &reply) != CAIRN_OK ||
                reply.word[0] != i + 1) {
                printf("bench: IPC round trip %u came back wrong\n", i);
                return 1;
            }
        }
        uint64_t cycles = bench_rdtsc() - start;
        bench_batch_done(&best, count, cycles, clock_now_ns() - start_ns);
    }
    bench_report("ipc_round_trip", best.rounds, best.cycles, best.ns);
    cairn_destroy(PARTNER_SLOT);
    return 0;
}

/* Page-in latency: the first touch of each page of the image's data set reads it from disk. */
static void bench_page_in(uint32_t max_pages)
{
    const struct cairn_start_info *info = cairn_start_info;
    uint32_t pages = info->data_size / CAIRN_PAGE_SIZE;
    if (!info->data_address || pages == 0) {
        printf("bench: no data set in this image; page-in not measured\n");
        return;
    }
    if (pages > max_pages)
        pages = max_pages;
    const volatile uint8_t *data = (const volatile uint8_t *)(uintptr_t)info->data_address;
    uint32_t sum = 0;
    uint64_t start_ns = clock_now_ns(), start = bench_rdtsc();
    for (uint32_t i = 0; i < pages; i++)
        sum += data[i * CAIRN_PAGE_SIZE];
    uint64_t cycles = bench_rdtsc() - start;
    bench_report("page_in", pages, cycles, clock_now_ns() - start_ns);
    (void)sum;
}

int main(int argc, char **argv)
{
    uint32_t rounds = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : DEFAULT_ROUNDS;
    if (rounds == 0)
        rounds = DEFAULT_ROUNDS;
    bench_null_call(rounds);
    int failed = bench_ipc_round_trip(rounds);
    bench_page_in(argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 4096);
    printf("bench: done\n");
    return failed;
}
