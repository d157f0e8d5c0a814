/* Names of the status codes of enum cairn_status, for messages. */
#include <cairn/user.h>

static const char *const status_names[] = {
    [CAIRN_OK] = "OK",
    [CAIRN_E_BAD_CALL] = "E_BAD_CALL",
    [CAIRN_E_BAD_SLOT] = "E_BAD_SLOT",
    [CAIRN_E_EMPTY] = "E_EMPTY",
    [CAIRN_E_STALE] = "E_STALE",
    [CAIRN_E_WRONG_TYPE] = "E_WRONG_TYPE",
    [CAIRN_E_NO_RIGHTS] = "E_NO_RIGHTS",
    [CAIRN_E_BAD_ADDRESS] = "E_BAD_ADDRESS",
    [CAIRN_E_BAD_ARGUMENT] = "E_BAD_ARGUMENT",
    [CAIRN_E_QUOTA] = "E_QUOTA",
    [CAIRN_E_NO_MEMORY] = "E_NO_MEMORY",
    [CAIRN_E_NO_PARTNER] = "E_NO_PARTNER",
    [CAIRN_E_BUSY] = "E_BUSY",
    [CAIRN_E_EXISTS] = "E_EXISTS",
    [CAIRN_E_NOT_DURABLE] = "E_NOT_DURABLE",
    [CAIRN_E_NOT_FOUND] = "E_NOT_FOUND",
    [CAIRN_E_DAMAGED] = "E_DAMAGED",
    [CAIRN_E_TIMED_OUT] = "E_TIMED_OUT",
    [CAIRN_E_NO_DEVICE] = "E_NO_DEVICE",
};
_Static_assert(sizeof status_names / sizeof status_names[0] == CAIRN_STATUS_COUNT,
               "a name for every status");

const char *status_name(uint32_t status)
{
    if (status < sizeof status_names / sizeof status_names[0] && status_names[status])
        return status_names[status];
    return "E_UNKNOWN";
}
