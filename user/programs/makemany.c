/* makemany: creates objects of one type until it has N or its bank refuses; says how many. */
#include <cairn/user.h>

/*
 * `makemany TYPE N [hold]`, TYPE endpoint, page, bank or process. Each new
 * object's capability overwrites the last one's, so the objects live on
 * unreachable, owned by this program's bank alone: what a careless or
 * hostile program leaves behind. A line every 1,000 objects; at the end
 * "makemany: made N TYPEs" or "makemany: refused after N TYPEs: STATUS".
 * With `hold` it then sleeps until it is killed; otherwise it exits, and
 * its bank gives everything back.
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

int main(int argc, char **argv)
{
    uint32_t type = argc > 1 ? makemany_type(argv[1]) : CAIRN_TYPE_NONE;
    uint32_t wanted = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 0;
    if (type == CAIRN_TYPE_NONE || wanted == 0) {
        printf("makemany: usage: makemany endpoint|page|bank|process N [hold]\n");
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
