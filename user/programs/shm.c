/* shm: a producer and a consumer in two address spaces pass numbered items through a ring in shared pages. */
#include <cairn/user.h>

/*
 * This process makes RING_PAGES pages and maps each of them at RING_ADDRESS
 * in its own space and in a child's (a copy of this program's image), so
 * both see one ring:
 *
 *   child (producer)                          this process (consumer)
 *   slot[produced % RING_SLOTS] = item(n)     checks slot[consumed % RING_SLOTS] == item(n)
 *   produced++                                checksum += item; consumed++
 *   ring full: YIELD                          ring empty: YIELD
 *
 * The two poll and yield; nothing else synchronises them, and nothing saves
 * the ring: it persists with the pages. After a power cut both resume from
 * the same checkpoint, so no item is lost or passed twice: the consumer checks
 * each item against item(n) in order. About every REPORT_MS of running time
 * it prints "shm: report K: N items, checksum 0x...": K counts the reports
 * (1, 2, 3... over every boot, each shown once), and the checksum is the sum
 * of items 0..N-1 modulo 2^32, which a host computes in closed form, so the
 * line says the consumer's state, as resumed, took each item once.
 * argv[1]: items to pass (default 0: forever).
 */
enum { RING_PAGES = 2, RING_SLOTS = 1024, CHILD_STACK_PAGES = 4 };
enum { REPORT_MS = 500, CLOCK_EVERY = 1 << 16 };   /* the clock is read once per CLOCK_EVERY items */
enum { SLOT_RING_PAGE = 8, SLOT_CHILD_SPACE = 9, SLOT_CHILD = 10 };
#define RING_ADDRESS USER_FREE_START

struct ring {
    volatile uint32_t produced;         /* items written so far */
    volatile uint32_t consumed;         /* items taken so far */
    volatile uint32_t slot[RING_SLOTS];
};

_Static_assert(sizeof(struct ring) <= RING_PAGES * CAIRN_PAGE_SIZE, "the ring fits its pages");

static struct ring *const ring = (struct ring *)RING_ADDRESS;

/* Item n: a value the host can compute (tests/qemu/test_demos.py does). */
static uint32_t item(uint32_t n)
{
    return n * 2654435761u + 0x9E3779B9u;
}

/* Stops the compiler from moving ring accesses across it (one CPU: no fence is needed). */
static inline void compiler_barrier(void)
{
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* Runs in the child's space, from cairn_process_entry. */
static int producer_main(void *argument)
{
    uint32_t limit = (uint32_t)argument;
    while (limit == 0 || ring->produced < limit) {
        uint32_t n = ring->produced;
        if (n - ring->consumed == RING_SLOTS) {
            cairn_yield();                          /* full */
            continue;
        }
        ring->slot[n % RING_SLOTS] = item(n);
        compiler_barrier();
        ring->produced = n + 1;
    }
    return 0;
}

/* Makes each ring page and maps it in both spaces; drops the page capability again. */
static uint32_t ring_share(void)
{
    for (uint32_t i = 0; i < RING_PAGES; i++) {
        uint32_t address = RING_ADDRESS + i * CAIRN_PAGE_SIZE;
        uint32_t rights = CAIRN_RIGHT_READ | CAIRN_RIGHT_WRITE;
        uint32_t status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_PAGE, SLOT_RING_PAGE);
        if (status == CAIRN_OK)
            status = cairn_map(CAIRN_SLOT_SPACE, address, SLOT_RING_PAGE, rights, CAIRN_SLOT_BANK);
        if (status == CAIRN_OK)
            status = cairn_map(SLOT_CHILD_SPACE, address, SLOT_RING_PAGE, rights, CAIRN_SLOT_BANK);
        cairn_cap_delete(SLOT_RING_PAGE);
        if (status != CAIRN_OK)
            return status;
    }
    return CAIRN_OK;
}

static uint32_t producer_start(uint32_t limit)
{
    uint32_t status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_SPACE, SLOT_CHILD_SPACE);
    if (status == CAIRN_OK)
        status = space_copy_image(SLOT_CHILD_SPACE, CHILD_STACK_PAGES);
    if (status == CAIRN_OK)
        status = ring_share();
    if (status == CAIRN_OK)
        status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_PROCESS, SLOT_CHILD);
    if (status == CAIRN_OK)
        status = cairn_process_setup(SLOT_CHILD, SLOT_CHILD_SPACE, (uint32_t)cairn_process_entry,
                                     CAIRN_STACK_TOP, USER_PRIORITY);
    if (status == CAIRN_OK)
        status = cairn_process_start(SLOT_CHILD, (uint32_t)producer_main, limit);
    return status;
}

/* Takes items until limit (0: forever); returns 0 at the first wrong item. The count of items
 * taken is 64-bit (at tens of millions a second a 32-bit one wraps within minutes); the ring's
 * indexes are its low 32 bits. */
static int consume(uint32_t limit)
{
    uint32_t checksum = 0, reports = 0;
    uint64_t next_report = clock_now_ns() + REPORT_MS * NS_PER_MS;
    for (uint64_t taken = 0; limit == 0 || taken < limit;) {
        uint32_t n = (uint32_t)taken;
        if (ring->produced == n) {
            cairn_yield();                          /* empty */
            continue;
        }
        uint32_t value = ring->slot[n % RING_SLOTS];
        if (value != item(n)) {
            printf("shm: FAILED item %llu holds 0x%08x, expected 0x%08x\n",
                   (unsigned long long)taken, value, item(n));
            return 0;
        }
        checksum += value;
        compiler_barrier();
        ring->consumed = n + 1;
        taken++;
        if (taken % CLOCK_EVERY == 0 && clock_now_ns() >= next_report) {
            printf("shm: report %u: %llu items, checksum 0x%08x\n", ++reports,
                   (unsigned long long)taken, checksum);
            next_report += REPORT_MS * NS_PER_MS;
        }
    }
    return 1;
}

int main(int argc, char **argv)
{
    uint32_t limit = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 0;
    uint32_t status = producer_start(limit);
    if (status != CAIRN_OK) {
        printf("shm: FAILED to start the producer: %s\n", status_name(status));
        return 1;
    }
    printf("shm: producer started, ring of %u slots in %u shared pages\n", RING_SLOTS, RING_PAGES);
    if (!consume(limit))
        return 1;
    printf("shm: done, %u items\n", limit);
    return 0;
}
