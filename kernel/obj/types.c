/* The table of object types: each type's operations (struct object_ops), indexed by type. */
#include <stddef.h>
#include <kernel/obj/objects.h>
#include <kernel/panic.h>

/* One entry per type; a new type adds its file's ops here, at its own number. */
static const struct object_ops *const object_types[] = {
    [CAIRN_TYPE_NONE] = NULL,
    [CAIRN_TYPE_PROCESS] = &process_ops,
    [CAIRN_TYPE_ENDPOINT] = &endpoint_ops,
    [CAIRN_TYPE_PAGE] = &page_ops,
    [CAIRN_TYPE_SPACE] = &space_ops,
    [CAIRN_TYPE_BANK] = &bank_ops,
    [CAIRN_TYPE_NIC] = &nic_ops,
};

_Static_assert(sizeof(object_types) / sizeof(object_types[0]) == CAIRN_TYPE_COUNT,
               "every object type below CAIRN_TYPE_COUNT has an entry in object_types");

const struct object_ops *object_type_ops(uint32_t type)
{
    return type < CAIRN_TYPE_COUNT ? object_types[type] : NULL;
}

int object_type_is_record(uint32_t type)
{
    const struct object_ops *ops = object_type_ops(type);
    return !ops || ops->from_record != NULL;    /* only the raw-block types are not */
}

void object_types_check(void)
{
    for (uint32_t type = CAIRN_TYPE_NONE + 1; type < CAIRN_TYPE_COUNT; type++) {
        const struct object_ops *ops = object_types[type];
        if (!ops || !ops->make || !ops->destroy || !ops->from_record == !ops->from_block)
            panic("object type %u: its object_ops lack make, destroy, or exactly one of "
                  "from_record and from_block", type);
    }
}
