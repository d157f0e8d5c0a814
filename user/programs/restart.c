/* restart: makes calls wait (no IPC partner, a sleep, no free frame) and checks each re-ran exactly once. */
#include <cairn/user.h>

/*
 * A call that must wait is rolled back to its trap and executed again when
 * woken (abi.h), which CAIRN_STATS counts in restarts and my_restarts.
 *
 *   ipc:   a thread RECEIVEs on an endpoint nobody sends to yet; 100 ms
 *          later this process SENDs two messages; the thread must get the
 *          first, then the second (no duplicate), after >= 1 restart.
 *   sleep: SLEEP_UNTIL now + 50 ms returns at or after the deadline, after
 *          >= 1 restart.
 *   frame: this process takes frames until few are free; a thread then
 *          creates, maps and writes more pages than remain, so it waits for
 *          frames; 200 ms later this process frees its frames; the thread
 *          must finish with every page holding its value, after >= 1 restart.
 *          (A checkpoint started by the shortage may make the thread's own
 *          pages clean and evictable sooner: then it finishes before the
 *          release, but only after waiting, which its restarts show.)
 *
 * The frames are held as Space nodes, because 64 slots could not hold
 * thousands of page capabilities: every node of a space is a frame, so one
 * untouched page mapped once per 1 MiB into spare spaces takes one frame
 * per MAP, and destroying the (few) spare spaces frees them all at once.
 */
enum { SLOT_ENDPOINT = 8, SLOT_CHILD = 9, SLOT_HOG_PAGE = 10 };
enum { SLOT_HOG_FIRST_SPACE = 11, SLOT_HOG_END = USER_SLOT_SCRATCH };   /* spare spaces */
enum { CHILD_SLOT_ENDPOINT = 8 };            /* in the child's c-list */
enum { CHILD_STACK_SIZE = 16384, CHILD_TIMEOUT_MS = 10000 };
enum { MESSAGE_FIRST = 1, MESSAGE_SECOND = 2 };
#define RESTART_MAGIC 0x52535452u           /* "RSTR" */

/* The frame test: where the child's pages go, and the distance between the held leaf nodes. */
#define CHILD_PAGES_START USER_FREE_START
#define CHILD_PAGES_END USER_FREE_END
#define HOG_STRIDE 0x100000u                /* one leaf Space node covers 1 MiB */
/* The child asks for more than the pages already clean could give back: the change limit
 * (format_change_limit) starts checkpoints while the hog takes its frames, so the programs'
 * older pages are clean and evictable by then. */
enum { HOG_LEAVE_FRAMES = 64, CHILD_EXTRA_PAGES = 256 };
enum { NO_MEMORY_RETRIES = 2000, NO_MEMORY_RETRY_MS = 5 };

/* What a child thread found; the parent reads it once done is set. */
struct child_report {
    volatile uint32_t done;
    uint32_t status;
    uint32_t restarts;          /* the child's my_restarts across the call that had to wait */
    uint32_t word[2];           /* ipc: word 0 of the two messages received */
    uint32_t pages;             /* frame: pages made and written */
    uint32_t pages_right;       /* frame: pages that held their value afterwards */
};

static struct child_report child_report;

static uint32_t my_restarts(void)
{
    struct cairn_stats stats;
    return cairn_stats(&stats) == CAIRN_OK ? stats.my_restarts : 0;
}

static uint32_t free_frames(void)
{
    struct cairn_stats stats;
    return cairn_stats(&stats) == CAIRN_OK ? stats.free_frames : 0;
}

/* A thread in SLOT_CHILD that may use the endpoint, this space and the bank; started if entry. */
static uint32_t child_start(struct thread *thread, int (*entry)(void *))
{
    memset(&child_report, 0, sizeof child_report);
    cairn_cap_delete(SLOT_CHILD);
    uint32_t status = thread_create(thread, SLOT_CHILD, CHILD_STACK_SIZE);
    if (status == CAIRN_OK)
        status = cairn_process_give(SLOT_CHILD, SLOT_ENDPOINT, CHILD_SLOT_ENDPOINT);
    if (status == CAIRN_OK)
        status = cairn_process_give(SLOT_CHILD, CAIRN_SLOT_SPACE, CAIRN_SLOT_SPACE);
    if (status == CAIRN_OK)
        status = cairn_process_give(SLOT_CHILD, CAIRN_SLOT_BANK, CAIRN_SLOT_BANK);
    if (status == CAIRN_OK && entry)
        status = thread_start(thread, entry, NULL);
    return status;
}

/* Polls for the child's report without blocking forever; 1 once it is in. */
static int child_wait(void)
{
    for (uint32_t waited = 0; !child_report.done && waited < CHILD_TIMEOUT_MS; waited += 10)
        clock_sleep_ns(10 * NS_PER_MS);
    return child_report.done;
}

static int child_receive_twice(void *unused)
{
    (void)unused;
    struct cairn_message first = { .word = { 0 } }, second = { .word = { 0 } };
    uint32_t before = my_restarts();
    uint32_t status = cairn_receive(CHILD_SLOT_ENDPOINT, &first);
    child_report.restarts = my_restarts() - before;
    if (status == CAIRN_OK)
        status = cairn_receive(CHILD_SLOT_ENDPOINT, &second);
    child_report.word[0] = first.word[1] == RESTART_MAGIC ? first.word[0] : 0;
    child_report.word[1] = second.word[1] == RESTART_MAGIC ? second.word[0] : 0;
    child_report.status = status;
    child_report.done = 1;
    return 0;
}

static int test_ipc(void)
{
    struct thread thread;
    uint32_t status = child_start(&thread, child_receive_twice);
    clock_sleep_ns(100 * NS_PER_MS);
    struct cairn_message message = { .word = { MESSAGE_FIRST, RESTART_MAGIC, 0, 0 } };
    if (status == CAIRN_OK)
        status = cairn_send(SLOT_ENDPOINT, &message, CAIRN_NO_SLOT);
    message.word[0] = MESSAGE_SECOND;
    if (status == CAIRN_OK)
        status = cairn_send(SLOT_ENDPOINT, &message, CAIRN_NO_SLOT);
    if (status != CAIRN_OK || !child_wait() || child_report.status != CAIRN_OK ||
        child_report.word[0] != MESSAGE_FIRST || child_report.word[1] != MESSAGE_SECOND ||
        child_report.restarts == 0) {
        printf("restart: FAILED ipc: %s, child %s %s, received %u then %u, restarts=%u\n",
               status_name(status), child_report.done ? "done" : "not done",
               status_name(child_report.status), child_report.word[0], child_report.word[1],
               child_report.restarts);
        return 0;
    }
    printf("restart: ipc ok restarts=%u\n", child_report.restarts);
    return 1;
}

static int test_sleep(void)
{
    uint32_t before = my_restarts();
    uint64_t start = clock_now_ns();
    uint32_t status = cairn_sleep_until(start + 50 * NS_PER_MS);
    uint64_t end = clock_now_ns();
    uint32_t restarts = my_restarts() - before;
    uint32_t slept_us = (uint32_t)((end - start) / 1000);
    if (status != CAIRN_OK || end < start + 50 * NS_PER_MS || restarts == 0) {
        printf("restart: FAILED sleep: %s, slept %u us of 50000, restarts=%u\n",
               status_name(status), slept_us, restarts);
        return 0;
    }
    printf("restart: sleep ok restarts=%u slept=%uus\n", restarts, slept_us);
    return 1;
}

/*
 * Maps a fresh page at page and writes value into it, retrying while the
 * kernel itself is out of memory; adds the restarts of the create, map and
 * write (not of the retry sleeps) to *restarts.
 */
static uint32_t page_take(volatile uint32_t *page, uint32_t value, uint32_t *restarts)
{
    uint32_t status = CAIRN_E_NO_MEMORY;
    for (uint32_t try = 0; try < NO_MEMORY_RETRIES && status == CAIRN_E_NO_MEMORY; try++) {
        uint32_t before = my_restarts();
        status = page_map_new(CAIRN_SLOT_SPACE, (uint32_t)page,
                              CAIRN_RIGHT_READ | CAIRN_RIGHT_WRITE);
        *restarts += my_restarts() - before;
        if (status == CAIRN_E_NO_MEMORY)
            clock_sleep_ns(NO_MEMORY_RETRY_MS * NS_PER_MS);
    }
    if (status != CAIRN_OK)
        return status;
    uint32_t before = my_restarts();
    *page = value;                          /* faults, and may wait for a frame */
    *restarts += my_restarts() - before;
    return CAIRN_OK;
}

/* Runs while frames are short: more pages than are free, each written with its own value. */
static int child_take_pages(void *unused)
{
    (void)unused;
    uint32_t wanted = free_frames() + CHILD_EXTRA_PAGES;
    uint32_t status = CAIRN_OK;
    const uint32_t words_per_page = CAIRN_PAGE_SIZE / sizeof(uint32_t);
    volatile uint32_t *first = (volatile uint32_t *)CHILD_PAGES_START;
    for (uint32_t i = 0; i < wanted && status == CAIRN_OK; i++) {
        if ((uintptr_t)(first + i * words_per_page) >= CHILD_PAGES_END)
            break;
        status = page_take(first + i * words_per_page, RESTART_MAGIC ^ i, &child_report.restarts);
        child_report.pages += status == CAIRN_OK;
    }
    for (uint32_t i = 0; i < child_report.pages; i++)
        child_report.pages_right += first[i * words_per_page] == (RESTART_MAGIC ^ i);
    child_report.status = status != CAIRN_OK || child_report.pages == wanted ? status
                                                                             : CAIRN_E_NO_MEMORY;
    child_report.done = 1;
    return 0;
}

/* Gives every page this process will use while frames are short a frame now. */
static void own_memory_touch(const struct thread *child)
{
    volatile char stack_area[8 * CAIRN_PAGE_SIZE];
    for (size_t i = 0; i < sizeof stack_area; i += CAIRN_PAGE_SIZE)
        stack_area[i] = 0;
    page_touch_range((uintptr_t)user_data_start, (uintptr_t)user_image_end);
    page_touch_range((uintptr_t)child->stack, (uintptr_t)child->stack + CHILD_STACK_SIZE);
}

/* Frames held as the nodes of spare spaces; see the top of this file. */
struct hog {
    uint32_t spaces;            /* spare spaces made, in slots from SLOT_HOG_FIRST_SPACE */
    uint32_t address;           /* where the next MAP goes in the newest; < CAIRN_USER_BASE: full */
    uint32_t maps;
};

/* One more MAP of the (never touched) hog page, into a fresh 1 MiB of a spare space. */
static uint32_t hog_map(struct hog *hog)
{
    if (hog->address < CAIRN_USER_BASE) {
        if (SLOT_HOG_FIRST_SPACE + hog->spaces >= SLOT_HOG_END)
            return CAIRN_E_QUOTA;
        uint32_t status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_SPACE,
                                       SLOT_HOG_FIRST_SPACE + hog->spaces);
        if (status != CAIRN_OK)
            return status;
        hog->spaces++;
        hog->address = CAIRN_USER_BASE;
    }
    uint32_t status = cairn_map(SLOT_HOG_FIRST_SPACE + hog->spaces - 1, hog->address,
                                SLOT_HOG_PAGE, CAIRN_RIGHT_READ, CAIRN_SLOT_BANK);
    hog->address += HOG_STRIDE;             /* wraps to 0 after the last MiB: full */
    hog->maps += status == CAIRN_OK;
    return status;
}

/* Takes frames until about HOG_LEAVE_FRAMES are free; a batch takes at most half of the rest. */
static uint32_t hog_take(struct hog *hog)
{
    uint32_t status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_PAGE, SLOT_HOG_PAGE);
    while (status == CAIRN_OK) {
        uint32_t free = free_frames();
        if (free <= HOG_LEAVE_FRAMES)
            return CAIRN_OK;
        for (uint32_t batch = (free - HOG_LEAVE_FRAMES) / 4 + 1; batch && status == CAIRN_OK;
             batch--)
            status = hog_map(hog);
    }
    return status;
}

/* Destroys the spare spaces, which frees every frame they held. */
static uint32_t hog_release(const struct hog *hog)
{
    uint32_t status = CAIRN_OK;
    for (uint32_t i = 0; i < hog->spaces; i++) {
        uint32_t destroyed = cairn_destroy(SLOT_HOG_FIRST_SPACE + i);
        if (status == CAIRN_OK)
            status = destroyed;
    }
    cairn_destroy(SLOT_HOG_PAGE);
    return status;
}

/* The child, set up but not started, with its stack and our memory given frames, then the hog. */
static uint32_t frame_prepare(struct thread *thread, struct hog *hog)
{
    uint32_t status = child_start(thread, NULL);
    if (status != CAIRN_OK)
        return status;
    own_memory_touch(thread);
    return hog_take(hog);
}

static int test_frame(void)
{
    struct thread thread;
    struct hog hog = { 0, 0, 0 };
    uint32_t status = frame_prepare(&thread, &hog);
    uint32_t free_when_short = free_frames();
    if (status == CAIRN_OK)
        status = thread_start(&thread, child_take_pages, NULL);
    clock_sleep_ns(200 * NS_PER_MS);
    int waited = !child_report.done || child_report.restarts > 0;
    uint32_t released = hog_release(&hog);
    int done = status == CAIRN_OK && child_wait();
    if (!done || released != CAIRN_OK || !waited || child_report.status != CAIRN_OK ||
        child_report.pages_right != child_report.pages || child_report.restarts == 0) {
        printf("restart: FAILED frame: %s, held %u nodes in %u spaces leaving %u frames free, "
               "release %s, child %s: %s after %u pages (%u right), restarts=%u\n",
               status_name(status), hog.maps, hog.spaces, free_when_short,
               status_name(released), !done ? "not done" : waited ? "waited" : "did not wait",
               status_name(child_report.status), child_report.pages, child_report.pages_right,
               child_report.restarts);
        return 0;
    }
    printf("restart: frame ok restarts=%u pages=%u held=%u free=%u\n", child_report.restarts,
           child_report.pages, hog.maps, free_when_short);
    return 1;
}

int main(void)
{
    uint32_t status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_ENDPOINT, SLOT_ENDPOINT);
    if (status != CAIRN_OK) {
        printf("restart: FAILED to create an endpoint: %s\n", status_name(status));
        return 1;
    }
    int passed = test_ipc();
    passed += test_sleep();
    passed += test_frame();
    if (passed != 3) {
        printf("restart: FAILED %d of 3 paths\n", 3 - passed);
        return 1;
    }
    printf("restart: all paths ok\n");
    return 0;
}
