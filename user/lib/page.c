/* Fresh pages: created from this process's bank, mapped, and their capability dropped again. */
#include <cairn/user.h>

/* The mapping keeps the page; the c-list has only 64 slots, so its capability goes. */
uint32_t page_map_new(uint32_t space_slot, uint32_t address, uint32_t rights)
{
    uint32_t status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_PAGE, USER_SLOT_SCRATCH);
    if (status != CAIRN_OK)
        return status;
    status = cairn_map(space_slot, address, USER_SLOT_SCRATCH, rights, CAIRN_SLOT_BANK);
    if (status != CAIRN_OK) {
        cairn_destroy(USER_SLOT_SCRATCH);       /* unmapped and unnamed: give it back to the bank */
        cairn_cap_delete(USER_SLOT_SCRATCH);
        return status;
    }
    return cairn_cap_delete(USER_SLOT_SCRATCH);
}

void page_touch_range(uintptr_t start, uintptr_t end)
{
    for (uintptr_t address = start & ~(uintptr_t)(CAIRN_PAGE_SIZE - 1); address < end;
         address += CAIRN_PAGE_SIZE) {
        volatile char *byte = (volatile char *)address;
        *byte = *byte;
    }
}
