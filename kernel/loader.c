/*
 * The program loader: a static i386 ELF executable becomes an embryo process.
 *
 * Every PT_LOAD segment gets Pages of its own (read-only unless the segment
 * is writable), CAIRN_STACK_PAGES stack pages end at CAIRN_STACK_TOP, and the
 * start info (argc, argv, strings) sits at the top of the stack where esp
 * points. The image is checked before anything is built from it.
 */
#include <stddef.h>
#include <kernel/klog.h>
#include <kernel/loader.h>
#include <kernel/memory.h>
#include <kernel/obj/objects.h>
#include <kernel/process.h>
#include <kernel/reclaim.h>
#include <kernel/string.h>

struct elf_header {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version, entry, program_header_offset, section_header_offset, flags;
    uint16_t header_size, program_header_size, program_header_count;
    uint16_t section_header_size, section_header_count, section_names_index;
};

struct elf_program_header {
    uint32_t type, offset, virtual_address, physical_address, file_size, memory_size, flags, align;
};

enum {
    ELF_CLASS_32 = 1, ELF_LITTLE_ENDIAN = 1, ELF_EXECUTABLE = 2, ELF_MACHINE_386 = 3,
    ELF_PT_LOAD = 1, ELF_PF_WRITE = 2,
    STACK_BOTTOM = CAIRN_STACK_TOP - CAIRN_STACK_PAGES * CAIRN_PAGE_SIZE,
};

static const char *loader_check_header(const struct elf_header *elf, uint32_t size)
{
    if (size < sizeof(*elf) || memcmp(elf->ident, "\177ELF", 4) != 0)
        return "not an ELF file";
    if (elf->ident[4] != ELF_CLASS_32 || elf->ident[5] != ELF_LITTLE_ENDIAN ||
        elf->machine != ELF_MACHINE_386 || elf->type != ELF_EXECUTABLE)
        return "not a 32-bit i386 executable";
    if (elf->program_header_size != sizeof(struct elf_program_header) ||
        elf->program_header_offset > size ||
        elf->program_header_count > (size - elf->program_header_offset) / sizeof(struct elf_program_header))
        return "program headers out of bounds";
    if (elf->entry < CAIRN_USER_BASE || elf->entry >= STACK_BOTTOM)
        return "entry point outside user memory";
    return NULL;
}

static const char *loader_check_segment(const struct elf_program_header *segment, uint32_t size)
{
    uint32_t end = segment->virtual_address + segment->memory_size;
    if (segment->file_size > segment->memory_size || segment->offset > size ||
        segment->file_size > size - segment->offset)
        return "segment data out of bounds";
    if (segment->virtual_address < CAIRN_USER_BASE || end < segment->virtual_address ||
        end > STACK_BOTTOM)
        return "segment outside user memory";
    return NULL;
}

/* Makes, fills and maps one page; returns 0 when memory or quota ran out. */
static int loader_map_page(struct space *root, struct bank *bank, uint32_t address,
                           const uint8_t *data, uint32_t data_length, uint32_t data_offset,
                           uint8_t rights)
{
    struct object *object;
    if (bank_create_object(bank, CAIRN_TYPE_PAGE, 0, &object) != CAIRN_OK)
        return 0;
    struct page *page = (struct page *)object;
    uint32_t frame = page_frame_for_write(page);
    if (frame)
        memcpy((uint8_t *)memory_physical_to_pointer(frame) + data_offset, data, data_length);
    struct capability cap = capability_to(object, CAIRN_RIGHTS_ALL);
    if (!frame || space_map(root, address, &cap, rights, bank) != CAIRN_OK) {
        object_destroy(object);     /* its unit goes back to the bank */
        return 0;
    }
    return 1;
}

static int loader_load_segment(struct space *root, const struct loader_request *request,
                               const struct elf_program_header *segment)
{
    uint8_t rights = CAIRN_RIGHT_READ | (segment->flags & ELF_PF_WRITE ? CAIRN_RIGHT_WRITE : 0);
    uint32_t start = segment->virtual_address, file_end = start + segment->file_size;
    for (uint32_t page = start & ~0xFFFu; page < start + segment->memory_size; page += 4096) {
        uint32_t from = page > start ? page : start;
        uint32_t to = page + 4096 < file_end ? page + 4096 : file_end;
        uint32_t length = to > from ? to - from : 0;
        const uint8_t *data = request->image + segment->offset + (from - start);
        if (!loader_map_page(root, request->bank, page, data, length, from - page, rights))
            return 0;
    }
    return 1;
}

/* Writes argc, argv and the strings at the top of the stack; returns the initial esp. */
static uint32_t loader_write_start_info(struct space *root, const struct loader_request *request)
{
    struct page *page;
    uint32_t address = (CAIRN_STACK_TOP - sizeof(struct cairn_start_info)) & ~15u;
    space_lookup(root, address & ~0xFFFu, CAIRN_RIGHT_READ, &page);
    struct cairn_start_info *info = (struct cairn_start_info *)
        ((uint8_t *)memory_physical_to_pointer(page->frame) + (address & 0xFFFu));
    uint32_t used = 0;
    for (int i = 0; i < request->argc && i < CAIRN_ARGS_MAX; i++) {
        uint32_t length = (uint32_t)strlen(request->argv[i]) + 1;
        if (used + length > sizeof(info->text))
            break;
        memcpy(info->text + used, request->argv[i], length);
        info->argv[i] = (char *)(uintptr_t)(address + __builtin_offsetof(struct cairn_start_info, text) + used);
        info->argc = (uint32_t)i + 1;
        used += length;
    }
    info->program_count = request->program_count;
    if (request->data_pages) {
        info->data_address = CAIRN_DATA_BASE;
        info->data_size = request->data_pages * CAIRN_PAGE_SIZE;
        info->data_checksum = request->data_checksum;
    }
    return address;
}

/* Maps the store's data set read-only at CAIRN_DATA_BASE; the pages load on first touch. */
static int loader_map_data(struct space *root, const struct loader_request *request)
{
    for (uint32_t i = 0; i < request->data_pages; i++) {
        struct capability cap = { 0 };
        cap.oid_low = request->data_first_page + i;
        cap.type = CAIRN_TYPE_PAGE;
        cap.rights = CAIRN_RIGHT_READ;
        cap.version = request->data_version;    /* mkimage gives every data page one version */
        if (space_map(root, CAIRN_DATA_BASE + i * CAIRN_PAGE_SIZE, &cap, CAIRN_RIGHT_READ,
                      request->bank) != CAIRN_OK)
            return 0;
    }
    return 1;
}

static int loader_build(struct process *process, struct space *root,
                        const struct loader_request *request)
{
    const struct elf_header *elf = (const struct elf_header *)request->image;
    const struct elf_program_header *segments =
        (const struct elf_program_header *)(request->image + elf->program_header_offset);
    for (uint32_t i = 0; i < elf->program_header_count; i++) {
        if (segments[i].type != ELF_PT_LOAD)
            continue;
        const char *problem = loader_check_segment(&segments[i], request->size);
        if (problem) {
            klog(KLOG_ERROR, "program '%s': segment %u: %s", request->name, i, problem);
            return 0;
        }
        if (!loader_load_segment(root, request, &segments[i]))
            return 0;
    }
    for (uint32_t page = STACK_BOTTOM; page < CAIRN_STACK_TOP; page += 4096)
        if (!loader_map_page(root, request->bank, page, NULL, 0, 0,
                             CAIRN_RIGHT_READ | CAIRN_RIGHT_WRITE))
            return 0;
    if (!loader_map_data(root, request))
        return 0;
    context_init(&process->context, elf->entry, loader_write_start_info(root, request));
    return 1;
}

/* A page a failed load mapped: destroyed, unless it belongs to the image's shared data set. */
static void loader_undo_page(struct capability *slot, void *data)
{
    const struct loader_request *request = data;
    oid_t oid = capability_oid(slot);
    if (request->data_pages && oid >= request->data_first_page &&
        oid < (oid_t)request->data_first_page + request->data_pages)
        return;
    struct object *page;
    if (capability_resolve(slot, CAIRN_TYPE_PAGE, 0, &page) == CAIRN_OK)
        object_destroy(page);
}

/*
 * Gives back everything a load that failed part way made (its pages, the
 * space tree, the process), each unit to the bank that paid for it: a
 * PROGRAM_LOAD that fails has no effect.
 */
static void loader_undo(const struct loader_request *request, struct object *process,
                        struct object *root)
{
    if (root) {
        space_for_each_page((struct space *)root, loader_undo_page, (void *)request);
        object_destroy(root);       /* its inner nodes with it */
    }
    if (process)
        object_destroy(process);
}

/* The program's own bank, a sub-bank of the one that pays; NULL after logging why. */
static struct bank *loader_make_bank(const struct loader_request *request)
{
    struct object *bank;
    if (bank_create_object(request->bank, CAIRN_TYPE_BANK, CAIRN_BANK_UNLIMITED, &bank) !=
        CAIRN_OK) {
        klog(request->for_a_call ? KLOG_DEBUG : KLOG_ERROR, "program '%s': out of memory or quota",
             request->name);
        return NULL;
    }
    return (struct bank *)bank;
}

/* Builds the embryo from the program's own bank (request->bank is that bank here). */
static struct process *loader_build_process(const struct loader_request *request)
{
    struct object *process_object = NULL, *space_object = NULL;
    if (bank_create_object(request->bank, CAIRN_TYPE_PROCESS, 0, &process_object) != CAIRN_OK ||
        bank_create_object(request->bank, CAIRN_TYPE_SPACE, 0, &space_object) != CAIRN_OK) {
        klog(request->for_a_call ? KLOG_DEBUG : KLOG_ERROR, "program '%s': out of memory or quota",
             request->name);
        loader_undo(request, process_object, space_object);
        return NULL;
    }
    struct process *process = (struct process *)process_object;
    struct space *root = (struct space *)space_object;
    if (!loader_build(process, root, request)) {
        klog(request->for_a_call ? KLOG_DEBUG : KLOG_ERROR,
             "program '%s': could not be loaded (memory, quota or a segment overlap)", request->name);
        loader_undo(request, process_object, space_object);
        return NULL;
    }
    strlcpy(process->name, request->name, sizeof(process->name));
    process->space = capability_to(space_object, CAIRN_RIGHTS_ALL);
    process->clist[CAIRN_SLOT_SELF] = capability_to(process_object, CAIRN_RIGHTS_ALL);
    process->clist[CAIRN_SLOT_SPACE] = process->space;
    process->clist[CAIRN_SLOT_BANK] = capability_to(&request->bank->object,
                                                    request->bank_rights ? request->bank_rights
                                                                         : CAIRN_RIGHTS_ALL);
    return process;
}

struct process *loader_create_process(const struct loader_request *request)
{
    const char *problem = loader_check_header((const struct elf_header *)request->image,
                                              request->size);
    if (problem) {
        klog(KLOG_ERROR, "program '%s': %s", request->name, problem);
        return NULL;
    }
    struct loader_request own = *request;
    own.bank = loader_make_bank(request);
    if (!own.bank)
        return NULL;
    struct process *process = loader_build_process(&own);
    if (!process) {
        reclaim_start(own.bank);    /* it made nothing still live: freed at once */
        return NULL;
    }
    own.bank->program = (uint32_t)process->object.oid;     /* it goes when the process ends */
    return process;
}
