/* Copies this program's image into another address space, page by page, for a child that runs there. */
#include <cairn/user.h>

/*
 * Each page is made here, filled through USER_WINDOW_ADDRESS in this space,
 * then moved over:
 *
 *   CREATE page -> MAP at window (this space) -> copy -> UNMAP window
 *     -> MAP at the same address in the other space -> drop the capability
 */
static uint32_t space_copy_page(uint32_t space_slot, uintptr_t address, uint32_t rights)
{
    uint32_t status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_PAGE, USER_SLOT_SCRATCH);
    if (status != CAIRN_OK)
        return status;
    status = cairn_map(CAIRN_SLOT_SPACE, USER_WINDOW_ADDRESS, USER_SLOT_SCRATCH,
                       CAIRN_RIGHT_READ | CAIRN_RIGHT_WRITE, CAIRN_SLOT_BANK);
    if (status == CAIRN_OK) {
        memcpy((void *)USER_WINDOW_ADDRESS, (const void *)address, CAIRN_PAGE_SIZE);
        status = cairn_unmap(CAIRN_SLOT_SPACE, USER_WINDOW_ADDRESS);
    }
    if (status == CAIRN_OK)
        status = cairn_map(space_slot, address, USER_SLOT_SCRATCH, rights, CAIRN_SLOT_BANK);
    if (status != CAIRN_OK)
        cairn_destroy(USER_SLOT_SCRATCH);
    cairn_cap_delete(USER_SLOT_SCRATCH);
    return status;
}

static uint32_t space_copy_range(uint32_t space_slot, uintptr_t start, uintptr_t end,
                                 uint32_t rights)
{
    for (uintptr_t address = start; address < end; address += CAIRN_PAGE_SIZE) {
        uint32_t status = space_copy_page(space_slot, address, rights);
        if (status != CAIRN_OK)
            return status;
    }
    return CAIRN_OK;
}

/* Zero-filled stack pages below CAIRN_STACK_TOP in the other space. */
static uint32_t space_map_stack(uint32_t space_slot, uint32_t stack_pages)
{
    for (uint32_t i = 1; i <= stack_pages; i++) {
        uint32_t status = page_map_new(space_slot, CAIRN_STACK_TOP - i * CAIRN_PAGE_SIZE,
                                       CAIRN_RIGHT_READ | CAIRN_RIGHT_WRITE);
        if (status != CAIRN_OK)
            return status;
    }
    return CAIRN_OK;
}

uint32_t space_copy_image(uint32_t space_slot, uint32_t stack_pages)
{
    uintptr_t data_start = (uintptr_t)user_data_start;
    uint32_t status = space_copy_range(space_slot, (uintptr_t)user_image_start, data_start,
                                       CAIRN_RIGHT_READ);
    if (status == CAIRN_OK)
        status = space_copy_range(space_slot, data_start, (uintptr_t)user_image_end,
                                  CAIRN_RIGHT_READ | CAIRN_RIGHT_WRITE);
    if (status == CAIRN_OK)
        status = space_map_stack(space_slot, stack_pages);
    return status;
}
