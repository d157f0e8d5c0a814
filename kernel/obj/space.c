/* Space nodes: the persistent address-space tree, its lookups and the MAP and UNMAP operations. */
#include <stddef.h>
#include <arch/mmu.h>
#include <cairn/disk_format.h>
#include <kernel/heap.h>
#include <kernel/memory.h>
#include <kernel/ckpt.h>
#include <kernel/objstore.h>
#include <kernel/panic.h>
#include <kernel/obj/objects.h>
#include <kernel/process.h>
#include <kernel/string.h>
#include <kernel/syscall.h>

static const uint8_t level_shift[SPACE_LEVELS] = { 28, 20, 12 };

static uint32_t space_index(uint8_t level, uint32_t address)
{
    return (address >> level_shift[level]) & (SPACE_SLOTS - 1);
}

struct capability *space_slots(struct space *space)
{
    return memory_physical_to_pointer(space->slots_frame);
}

struct space *space_create(uint8_t level)
{
    uint32_t frame = memory_frame_alloc();
    if (!frame)
        return NULL;
    struct space *space = (struct space *)object_create(CAIRN_TYPE_SPACE, sizeof(struct space));
    if (!space) {
        memory_frame_free(frame);
        return NULL;
    }
    memset(memory_physical_to_pointer(frame), 0, FRAME_SIZE);
    space->slots_frame = frame;
    space->level = level;
    return space;
}

/* Roots with a hardware directory: a list, so that no walk over all objects is needed. */
static struct space *hardware_roots;

static void space_forget_hardware(struct space *space)
{
    if (space->hw_previous)
        space->hw_previous->hw_next = space->hw_next;
    else
        hardware_roots = space->hw_next;
    if (space->hw_next)
        space->hw_next->hw_previous = space->hw_previous;
    space->hw_next = space->hw_previous = NULL;
}

/* The child node in slot, if it is a live Space node of the next level. */
static struct space *space_child(struct space *node, uint32_t index)
{
    struct object *child;
    if (capability_resolve(&space_slots(node)[index], CAIRN_TYPE_SPACE, 0, &child) != CAIRN_OK)
        return NULL;
    struct space *space = (struct space *)child;
    return space->level == node->level + 1 ? space : NULL;
}

static void space_destroy(struct space *space);

/* DESTROY or a reclaim: its units back, then it and the intermediate nodes below it. */
static void space_object_destroy(struct object *object)
{
    bank_refund(object);
    space_destroy((struct space *)object);
}

/* A node and the nodes below it; a fresh node (no bank yet) has nothing to refund. */
static void space_destroy(struct space *space)
{
    if (space->level < SPACE_LEVELS - 1) {
        for (uint32_t i = 0; i < SPACE_SLOTS; i++) {
            struct space *child = space_child(space, i);
            if (child)              /* intermediate nodes belong to their root */
                space_object_destroy(&child->object);
        }
    }
    if (space->hw_directory) {
        space_forget_hardware(space);
        mmu_directory_destroy(space->hw_directory);
    }
    memory_frame_free(space->slots_frame);
    object_free(&space->object);
}

/* The leaf node covering address, or NULL. */
static struct space *space_leaf(struct space *root, uint32_t address)
{
    struct space *node = root;
    for (uint8_t level = 0; node && level < SPACE_LEVELS - 1; level++)
        node = space_child(node, space_index(level, address));
    return node;
}

int space_lookup(struct space *root, uint32_t address, uint8_t rights, struct page **page)
{
    if (address < CAIRN_USER_BASE)
        return CAIRN_E_BAD_ADDRESS;
    struct space *leaf = space_leaf(root, address);
    if (!leaf)
        return CAIRN_E_BAD_ADDRESS;
    struct object *object;
    const struct capability *cap = &space_slots(leaf)[space_index(2, address)];
    if (capability_resolve(cap, CAIRN_TYPE_PAGE, rights, &object) != CAIRN_OK)
        return CAIRN_E_BAD_ADDRESS;
    *page = (struct page *)object;
    return CAIRN_OK;
}

/* What MAP's decode step found and took, for its invoke step. */
struct space_map_arguments {
    struct space *root;
    uint32_t address;
    struct capability page;     /* what goes in the leaf's slot: rights set, badge 0 */
    struct bank *bank;          /* pays for the new nodes (NULL when none are missing) */
    uint32_t missing;           /* intermediate nodes to link, from fresh[0] down */
    struct space *fresh[SPACE_LEVELS - 1];  /* made, reachable from nowhere until invoke */
};

/* What UNMAP's decode step found. */
struct space_unmap_arguments {
    struct space *root;
    struct space *leaf;         /* its slot for address holds a capability */
    uint32_t address;
};

/* Counts the intermediate nodes a MAP at address would have to create. */
static uint32_t space_missing_nodes(struct space *root, uint32_t address)
{
    struct space *node = root;
    for (uint8_t level = 0; level < SPACE_LEVELS - 1; level++) {
        node = space_child(node, space_index(level, address));
        if (!node)
            return SPACE_LEVELS - 1 - level;
    }
    return 0;
}

/* Is a live Page mapped at address in root? */
static int space_page_mapped(struct space *root, uint32_t address)
{
    struct space *leaf = space_leaf(root, address);
    struct object *existing;
    return leaf && capability_resolve(&space_slots(leaf)[space_index(2, address)],
                                      CAIRN_TYPE_PAGE, 0, &existing) == CAIRN_OK;
}

/* MAP's checks on the tree, and the intermediate nodes it will link, made now (a wait, as
 * CAIRN_E_NO_MEMORY, when they cannot be). */
static int space_map_prepare(struct space *root, uint32_t address,
                             const struct capability *page_cap, uint8_t rights, struct bank *bank,
                             struct space_map_arguments *map)
{
    uint32_t missing = space_missing_nodes(root, address);
    if (missing && !bank)
        return CAIRN_E_EMPTY;
    if (missing && bank_check_room(bank, missing * bank_cost(CAIRN_TYPE_SPACE)) != CAIRN_OK)
        return CAIRN_E_QUOTA;
    if (missing && !ckpt_change_room(missing))
        return CAIRN_E_NO_MEMORY;   /* the caller waits for the next snapshot */
    if (space_page_mapped(root, address))   /* only where no node is missing */
        return CAIRN_E_EXISTS;
    *map = (struct space_map_arguments){ .root = root, .address = address, .page = *page_cap,
                                         .bank = bank, .missing = missing };
    map->page.rights = rights;
    map->page.badge = 0;
    for (uint32_t i = 0; i < missing; i++) {   /* nobody can reach them until invoke links them */
        map->fresh[i] = space_create((uint8_t)(SPACE_LEVELS - missing + i));
        if (!map->fresh[i]) {
            while (i--)
                space_destroy(map->fresh[i]);
            return CAIRN_E_NO_MEMORY;
        }
    }
    return CAIRN_OK;
}

/* MAP's effects: the new nodes linked (and paid for), then the page. */
static void space_map_invoke(const struct space_map_arguments *map)
{
    struct space *node = map->root;
    uint32_t next = 0;
    for (uint8_t level = 0; level < SPACE_LEVELS - 1; level++) {
        uint32_t index = space_index(level, map->address);
        struct space *child = space_child(node, index);
        if (!child) {
            assert(next < map->missing);
            child = map->fresh[next++];
            bank_adopt(map->bank, &child->object);
            space_slots(node)[index] = capability_to(&child->object, CAIRN_RIGHTS_ALL);
            ckpt_note_change(&node->object);
        }
        node = child;
    }
    assert(next == map->missing);
    space_slots(node)[space_index(2, map->address)] = map->page;
    ckpt_note_change(&node->object);
}

int space_map(struct space *root, uint32_t address, const struct capability *page_cap,
              uint8_t rights, struct bank *bank)
{
    struct space_map_arguments map;
    int status = space_map_prepare(root, address, page_cap, rights, bank, &map);
    if (status == CAIRN_OK)
        space_map_invoke(&map);
    return status;
}

/* UNMAP's checks: the slot of the page mapped at address, which must hold one. */
static int space_unmap_prepare(struct space *root, uint32_t address,
                               struct space_unmap_arguments *unmap)
{
    if (address < CAIRN_USER_BASE)
        return CAIRN_E_BAD_ADDRESS;
    struct space *leaf = space_leaf(root, address);
    if (!leaf)
        return CAIRN_E_BAD_ADDRESS;
    if (space_slots(leaf)[space_index(2, address)].type == CAIRN_TYPE_NONE)
        return CAIRN_E_BAD_ADDRESS;
    *unmap = (struct space_unmap_arguments){ .root = root, .leaf = leaf, .address = address };
    return CAIRN_OK;
}

/* UNMAP's effects: the slot emptied, the hardware mapping dropped. */
static void space_unmap_invoke(const struct space_unmap_arguments *unmap)
{
    struct capability *slot = &space_slots(unmap->leaf)[space_index(2, unmap->address)];
    assert(slot->type != CAIRN_TYPE_NONE);
    memset(slot, 0, sizeof(*slot));
    ckpt_note_change(&unmap->leaf->object);
    if (unmap->root->hw_directory)
        mmu_unmap_page(unmap->root->hw_directory, unmap->address);
}

void space_for_each_page(struct space *root, void (*visit)(struct capability *slot, void *data),
                         void *data)
{
    for (uint32_t top = 0; top < SPACE_SLOTS; top++) {
        struct space *middle = space_child(root, top);
        for (uint32_t i = 0; middle && i < SPACE_SLOTS; i++) {
            struct space *leaf = space_child(middle, i);
            for (uint32_t j = 0; leaf && j < SPACE_SLOTS; j++)
                if (space_slots(leaf)[j].type == CAIRN_TYPE_PAGE)
                    visit(&space_slots(leaf)[j], data);
        }
    }
}

static void space_count_one(struct capability *slot, void *data)
{
    (void)slot;
    (*(uint32_t *)data)++;
}

uint32_t space_count_pages(struct space *root)
{
    uint32_t pages = 0;
    space_for_each_page(root, space_count_one, &pages);
    return pages;
}

void space_flush_all_hardware(void)
{
    for (struct space *root = hardware_roots; root; root = root->hw_next)
        mmu_directory_clear_user(root->hw_directory);
}

/* Bumped by each snapshot; a directory protected in an older generation is protected on use. */
uint32_t space_protect_generation;

void space_protect_all_hardware(void)
{
    space_protect_generation++;   /* O(1): each directory is made read-only when next used */
}

uint32_t space_hardware_directory_make(struct space *root)
{
    if (!root->hw_directory) {
        root->hw_directory = mmu_directory_create();
        if (!root->hw_directory)
            return 0;
        root->hw_generation = space_protect_generation;
        root->hw_previous = NULL;
        root->hw_next = hardware_roots;
        if (hardware_roots)
            hardware_roots->hw_previous = root;
        hardware_roots = root;
    }
    if (root->hw_generation != space_protect_generation) {
        mmu_directory_protect_user(root->hw_directory);
        root->hw_generation = space_protect_generation;
    }
    return root->hw_directory;
}

/* The root Space named by the call, with the right to change it. */
static int argument_root_space(struct process *process, struct space **root)
{
    struct object *object;
    int status = syscall_argument_object(process, REGISTER_MAP_SPACE, CAIRN_TYPE_SPACE,
                                         CAIRN_RIGHT_WRITE, &object);
    if (status != CAIRN_OK)
        return status;
    *root = (struct space *)object;
    return (*root)->level == 0 ? CAIRN_OK : CAIRN_E_WRONG_TYPE;
}

static int map_check_address(uint32_t address)
{
    if ((address & 0xFFFu) || address < CAIRN_USER_BASE || address >= CAIRN_USER_END)
        return CAIRN_E_BAD_ADDRESS;
    return CAIRN_OK;
}

/* MAP: the space, the address, the page with rights, and the bank for new nodes. */
static syscall_result_t space_decode_map(struct process *process, struct space_map_arguments *map)
{
    struct space *root;
    struct object *page, *bank = NULL;
    uint32_t address = syscall_argument(process, REGISTER_MAP_ADDRESS);
    uint32_t rights = syscall_argument(process, REGISTER_MAP_RIGHTS);
    int status = argument_root_space(process, &root);
    if (status == CAIRN_OK)
        status = map_check_address(address);
    if (status == CAIRN_OK && (!(rights & CAIRN_RIGHT_READ) ||
                               (rights & ~(uint32_t)(CAIRN_RIGHT_READ | CAIRN_RIGHT_WRITE))))
        status = CAIRN_E_BAD_ARGUMENT;
    if (status == CAIRN_OK)
        status = syscall_argument_object(process, REGISTER_MAP_PAGE, CAIRN_TYPE_PAGE,
                                         (uint8_t)rights, &page);
    if (status == CAIRN_OK && syscall_argument(process, REGISTER_MAP_BANK) != CAIRN_NO_SLOT)
        status = syscall_argument_object(process, REGISTER_MAP_BANK, CAIRN_TYPE_BANK,
                                         CAIRN_RIGHT_WRITE, &bank);
    if (status != CAIRN_OK)
        return status;
    struct capability *page_cap = process_slot(process,
                                               syscall_argument(process, REGISTER_MAP_PAGE));
    status = space_map_prepare(root, address, page_cap, (uint8_t)rights, (struct bank *)bank, map);
    return status == CAIRN_E_NO_MEMORY ? SYSCALL_WAIT_FRAME : status;
}

static syscall_result_t space_call_map(struct process *process)
{
    struct space_map_arguments map;
    int status = space_decode_map(process, &map);
    if (status == CAIRN_OK)
        space_map_invoke(&map);
    return status;
}

/* UNMAP: the space and the address of a mapped page. */
static syscall_result_t space_decode_unmap(struct process *process,
                                           struct space_unmap_arguments *unmap)
{
    struct space *root;
    uint32_t address = syscall_argument(process, REGISTER_MAP_ADDRESS);
    int status = argument_root_space(process, &root);
    if (status == CAIRN_OK)
        status = map_check_address(address);
    return status == CAIRN_OK ? space_unmap_prepare(root, address, unmap) : status;
}

static syscall_result_t space_call_unmap(struct process *process)
{
    struct space_unmap_arguments unmap;
    int status = space_decode_unmap(process, &unmap);
    if (status == CAIRN_OK)
        space_unmap_invoke(&unmap);
    return status;
}

syscall_result_t space_invoke(struct process *caller, uint32_t call)
{
    switch (call) {
    case CAIRN_MAP: return space_call_map(caller);
    case CAIRN_UNMAP: return space_call_unmap(caller);
    default: return CAIRN_E_BAD_CALL;
    }
}

static struct object *space_make(struct bank *bank, uint32_t limit)
{
    (void)bank;
    (void)limit;
    return (struct object *)space_create(0);
}

/* The pause copies the 256 slots; the level goes in the map entry's flags. */
static const void *space_stage(struct object *object, uint32_t *size, uint8_t *flags)
{
    struct space *space = (struct space *)object;
    *size = SPACE_SLOTS * sizeof(struct capability);
    *flags = space->level;
    return space_slots(space);
}

/* A stored Space node: its 256 slots are the block itself; the level is in the map entry's
 * flags. */
static struct object *space_from_block(oid_t oid, const struct cairn_map_entry *entry)
{
    uint8_t level = entry->flags & CAIRN_MAP_FLAGS_LEVEL_MASK;
    if (level >= SPACE_LEVELS) {
        objstore_note_damage(oid, entry->block, "a Space node of an impossible level");
        return NULL;
    }
    uint32_t frame = memory_frame_alloc();
    struct space *space = frame ? kzalloc(sizeof(struct space)) : NULL;
    if (!space) {
        if (frame)
            memory_frame_free(frame);
        return NULL;
    }
    if (!objstore_read_block(oid, entry, memory_physical_to_pointer(frame))) {
        kfree(space);
        memory_frame_free(frame);
        return NULL;
    }
    space->slots_frame = frame;
    space->level = level;
    return &space->object;
}

const struct object_ops space_ops = {
    .make = space_make,
    .destroy = space_object_destroy,
    .stage = space_stage,
    .from_block = space_from_block,
};
