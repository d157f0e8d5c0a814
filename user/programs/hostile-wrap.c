/* hostile-wrap: a destroyed object's capability stays dead, also when its OID's versions run out. */
#include <cairn/user.h>

/*
 * Issue 15, item 9: an OID's 32-bit version once wrapped after 2^32
 * destroys, to 0 ("ask the store": the object came back from the last
 * checkpoint) and then to versions old capabilities carry. Each round makes
 * an Endpoint, keeps a copy of its capability, lets a checkpoint store it,
 * destroys it, and asks about the copy. Then it makes an Endpoint it keeps,
 * which takes the OID just freed, so each round's Endpoint takes the next
 * free OID: the rounds walk down the free list, which the program fills with
 * POOL free OIDs first. tests/qemu/test_banks.py runs it on an image whose
 * free OIDs were set to the last version (every CRC right): the rounds after
 * the resume get those OIDs if the kernel hands them out. Prints "hostile-wrap: round N: refused: E_STALE" per round, or
 * "hostile-wrap: FAILED: ..." when a destroyed Endpoint answers again.
 */
enum { SLOT_ENDPOINT = 8, SLOT_KEPT = 9, SLOT_SPACER = 10, SLOT_POOL = 16, POOL = 40,
       ROUND_NS = 50 * NS_PER_MS };

/* POOL Endpoints made and destroyed: their OIDs are free, on the free list and in the store. */
static uint32_t fill_free_list(void)
{
    uint32_t status = CAIRN_OK;
    for (uint32_t i = 0; i < POOL && status == CAIRN_OK; i++)
        status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_ENDPOINT, SLOT_POOL + i);
    for (uint32_t i = 0; i < POOL && status == CAIRN_OK; i++)
        status = cairn_destroy(SLOT_POOL + i);
    return status;
}

int main(void)
{
    uint32_t filled = fill_free_list();
    if (filled != CAIRN_OK) {
        printf("hostile-wrap: FAILED to fill the free list: %s\n", status_name(filled));
        return 1;
    }
    for (uint32_t round = 1;; round++) {
        uint32_t status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_ENDPOINT, SLOT_ENDPOINT);
        if (status == CAIRN_OK)
            status = cairn_cap_copy(SLOT_ENDPOINT, SLOT_KEPT);
        if (status == CAIRN_OK)
            status = cairn_sync();      /* the store holds the Endpoint, live */
        if (status == CAIRN_OK)
            status = cairn_destroy(SLOT_ENDPOINT);
        if (status != CAIRN_OK) {
            printf("hostile-wrap: FAILED to set round %u up: %s\n", round, status_name(status));
            return 1;
        }
        struct cairn_cap_info info;
        uint32_t kept = cairn_cap_info(SLOT_KEPT, &info);
        if (kept == CAIRN_OK) {
            printf("hostile-wrap: FAILED: round %u: the destroyed Endpoint answers again\n",
                   round);
            return 1;
        }
        printf("hostile-wrap: round %u: refused: %s\n", round, status_name(kept));
        cairn_cap_delete(SLOT_KEPT);
        /* The OID just freed: kept, so the next round takes another. */
        status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_ENDPOINT, SLOT_SPACER);
        if (status != CAIRN_OK) {
            printf("hostile-wrap: FAILED to keep an Endpoint: %s\n", status_name(status));
            return 1;
        }
        cairn_sleep_until(clock_now_ns() + ROUND_NS);
    }
}
