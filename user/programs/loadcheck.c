/* loadcheck: a PROGRAM_LOAD that runs out of quota half-way must give back every unit it used. */
#include <cairn/user.h>

/*
 * For quota q = 1, 2, ... a sub-bank of quota q pays for loading "counter"
 * until one is big enough. Each refused load must leave its sub-bank as it
 * was: exactly q pages can then be made from it and not one more. A load
 * that kept what it built before running out would leave fewer. The pages
 * and the sub-bank are destroyed after each round, so the next round starts
 * from the same parent quota. Prints "loadcheck: ok, counter needs N units".
 */
enum { SLOT_SUB_BANK = 8, SLOT_LOADED = 9, SLOT_FIRST_PAGE = 10, QUOTA_MAX = 48 };
enum { PAGE_SLOTS = QUOTA_MAX + 1 };

static const char program[] = "counter 1";

/* Makes pages from the sub-bank until it refuses; destroys them; returns how many were made. */
static uint32_t pages_the_bank_pays_for(void)
{
    uint32_t made = 0;
    while (made < PAGE_SLOTS &&
           cairn_create(SLOT_SUB_BANK, CAIRN_TYPE_PAGE, SLOT_FIRST_PAGE + made) == CAIRN_OK)
        made++;
    for (uint32_t i = 0; i < made; i++)
        cairn_destroy(SLOT_FIRST_PAGE + i);
    return made;
}

int main(void)
{
    for (uint32_t quota = 1; quota <= QUOTA_MAX; quota++) {
        uint32_t status = cairn_create_bank(CAIRN_SLOT_BANK, SLOT_SUB_BANK, quota);
        if (status != CAIRN_OK) {
            printf("loadcheck: FAILED: a bank of quota %u: %s\n", quota, status_name(status));
            return 1;
        }
        status = cairn_program_load(SLOT_SUB_BANK, program, sizeof(program) - 1, SLOT_LOADED);
        if (status == CAIRN_OK) {
            cairn_destroy(SLOT_LOADED);
            cairn_destroy(SLOT_SUB_BANK);
            printf("loadcheck: ok, counter needs %u units\n", quota);
            return 0;
        }
        uint32_t left = pages_the_bank_pays_for();
        if (status != CAIRN_E_QUOTA || left != quota) {
            printf("loadcheck: FAILED: with quota %u the load answered %s and left %u units\n",
                   quota, status_name(status), left);
            return 1;
        }
        cairn_destroy(SLOT_SUB_BANK);
    }
    printf("loadcheck: FAILED: counter did not load with a quota of %u\n", QUOTA_MAX);
    return 1;
}
