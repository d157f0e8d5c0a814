/* makemany: creates objects of one type until it has N or its bank refuses; says how many. */
#include <cairn/user.h>

/*
 * `makemany TYPE N [hold]`, TYPE endpoint, page, bank or process. Each new
 * object's capability overwrites the last one's, so the objects live on
 * unreachable, owned by this program's bank alone: what a careless or
 * hostile program leaves behind. A line every 1,000 objects; at the end
 * "makemany: made N TYPEs" or "makemany: refused after N TYPEs: STATUS".
 * With `hold` it then sleeps until it is killed; otherwise it exits, and
 * its bank gives everything back. `makemany malloc MIB`: malloc of MIB MiB,
 * every page written, free, and malloc of it again: "makemany: malloc, free,
 * malloc of MIB MiB: ok", or which malloc returned NULL.
 */
enum { SLOT_SCRATCH = 8, REPORT_EVERY = 1000, HOLD_MS = 1000 };

static const struct { const char *name; uint32_t type; } types[] = {
    { "endpoint", CAIRN_TYPE_ENDPOINT }, { "page", CAIRN_TYPE_PAGE },
    { "bank", CAIRN_TYPE_BANK }, { "process", CAIRN_TYPE_PROCESS },
};

static uint32_t makemany_type(const char *name)
{
    for (uint32_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(types[i].name, name) == 0)
            return types[i].type;
    return CAIRN_TYPE_NONE;
}

static uint32_t makemany_create(uint32_t type)
{
    if (type == CAIRN_TYPE_BANK)
        return cairn_create_bank(CAIRN_SLOT_BANK, SLOT_SCRATCH, CAIRN_BANK_UNLIMITED);
    return cairn_create(CAIRN_SLOT_BANK, type, SLOT_SCRATCH);
}

/* Writes a word in every page of size bytes at memory. */
static void makemany_touch(volatile uint8_t *memory, size_t size)
{
    for (size_t offset = 0; offset < size; offset += CAIRN_PAGE_SIZE)
        memory[offset] = (uint8_t)(offset >> 12);
}

static int makemany_malloc(uint32_t mebibytes)
{
    size_t size = (size_t)mebibytes << 20;
    for (int round = 1; round <= 2; round++) {
        uint8_t *memory = malloc(size);
        if (!memory) {
            printf("makemany: malloc %d of %u MiB refused (NULL)\n", round, mebibytes);
            return 0;
        }
        makemany_touch(memory, size);
        if (round == 1)
            free(memory);
    }
    printf("makemany: malloc, free, malloc of %u MiB: ok\n", mebibytes);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "malloc") == 0)
        return makemany_malloc((uint32_t)strtoul(argv[2], NULL, 0));
    uint32_t type = argc > 1 ? makemany_type(argv[1]) : CAIRN_TYPE_NONE;
    uint32_t wanted = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 0;
    if (type == CAIRN_TYPE_NONE || wanted == 0) {
        printf("makemany: usage: makemany endpoint|page|bank|process N [hold], or malloc MIB\n");
        return 2;
    }
    uint32_t made = 0, status = CAIRN_OK;
    while (made < wanted && (status = makemany_create(type)) == CAIRN_OK)
        if (++made % REPORT_EVERY == 0)
            printf("makemany: %u %ss\n", made, argv[1]);
    if (status != CAIRN_OK)
        printf("makemany: refused after %u %ss: %s\n", made, argv[1], status_name(status));
    else
        printf("makemany: made %u %ss\n", made, argv[1]);
    while (argc > 3 && strcmp(argv[3], "hold") == 0)
        clock_sleep_ns((uint64_t)HOLD_MS * NS_PER_MS);
    return 0;
}
