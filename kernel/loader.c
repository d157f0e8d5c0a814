/*
 * The program loader: a static i386 ELF executable becomes an embryo process.
 *
 * Every PT_LOAD segment gets Pages of its own (read-only unless the segment
 * is writable), CAIRN_STACK_PAGES stack pages end at CAIRN_STACK_TOP, and the
 * start info (argc, argv, strings) sits at the top of the stack where esp
 * points.
 *
 * The file is never held whole in memory: its ELF header and program headers
 * come from its first page, and each segment's bytes are copied into the new
 * Pages a page at a time through a one-page buffer (request->read_page). The
 * whole file is checked, and the frames the load will take are made free,
 * before anything is built; a load that still fails half-way gives back all
 * it made (loader_undo), so a call that waits and runs again starts clean.
 */
#include <stddef.h>
#include <kernel/ckpt.h>
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

enum {
    NO_PAGE = 0xFFFFFFFFu,
    MIB = 1u << 20,
    /* Frames a load takes besides its pages and leaf nodes: the root and upper Space nodes,
     * the kernel heap's share (process, page and space records), a margin. */
    LOADER_FIXED_FRAMES = 12,
};

/* Page 0 of the file being loaded (its headers), and one more page of it for segment data. */
static uint8_t loader_first_page[CAIRN_PAGE_SIZE];
static uint8_t loader_buffer[CAIRN_PAGE_SIZE];
static uint32_t loader_buffered = NO_PAGE;     /* the file page loader_buffer holds */

static const struct elf_header *loader_elf(void)
{
    return (const struct elf_header *)loader_first_page;
}

static const struct elf_program_header *loader_segments(void)
{
    return (const struct elf_program_header *)(loader_first_page +
                                               loader_elf()->program_header_offset);
}

/* The headers must lie in the file's first page (and in the file). */
static const char *loader_check_header(const struct elf_header *elf, uint32_t size)
{
    uint32_t limit = size < CAIRN_PAGE_SIZE ? size : CAIRN_PAGE_SIZE;
    if (limit < sizeof(*elf) || memcmp(elf->ident, "\177ELF", 4) != 0)
        return "not an ELF file";
    if (elf->ident[4] != ELF_CLASS_32 || elf->ident[5] != ELF_LITTLE_ENDIAN ||
        elf->machine != ELF_MACHINE_386 || elf->type != ELF_EXECUTABLE)
        return "not a 32-bit i386 executable";
    if (elf->program_header_size != sizeof(struct elf_program_header) ||
        elf->program_header_offset > limit ||
        elf->program_header_count > (limit - elf->program_header_offset) / sizeof(struct elf_program_header))
        return "program headers out of bounds (they must lie in the file's first page)";
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

/* Pages and leaf Space nodes a checked segment takes. */
static uint32_t loader_segment_frames(const struct elf_program_header *segment)
{
    uint32_t first = segment->virtual_address & ~0xFFFu;
    uint32_t end = (segment->virtual_address + segment->memory_size + 0xFFFu) & ~0xFFFu;
    return (end - first) / CAIRN_PAGE_SIZE + (end - first) / MIB + 2;
}

/* Reads the headers and checks the whole file; *frames gets what the load will take. */
static int loader_check_file(const struct loader_request *request, uint32_t *frames)
{
    loader_buffered = NO_PAGE;
    int status = request->read_page(request->file, 0, loader_first_page);
    if (status != CAIRN_OK)
        return status;
    const char *problem = loader_check_header(loader_elf(), request->size);
    if (problem) {
        klog(KLOG_ERROR, "program '%s': %s", request->name, problem);
        return CAIRN_E_DAMAGED;
    }
    uint32_t needed = CAIRN_STACK_PAGES + 2 + request->data_pages / 256 + 2 + LOADER_FIXED_FRAMES;
    for (uint32_t i = 0; i < loader_elf()->program_header_count; i++) {
        const struct elf_program_header *segment = &loader_segments()[i];
        if (segment->type != ELF_PT_LOAD)
            continue;
        problem = loader_check_segment(segment, request->size);
        if (problem) {
            klog(KLOG_ERROR, "program '%s': segment %u: %s", request->name, i, problem);
            return CAIRN_E_DAMAGED;
        }
        needed += loader_segment_frames(segment);
    }
    *frames = needed;
    /* Every object of a load is new in one checkpoint: more than a checkpoint may take would
     * wait for ever (the frames estimate counts each of them once). */
    if (needed > ckpt_change_limit()) {
        klog(KLOG_ERROR, "program '%s' needs about %u objects; a checkpoint of this store takes "
             "%u", request->name, needed, ckpt_change_limit());
        return CAIRN_E_QUOTA;
    }
    return CAIRN_OK;
}

/* Copies length bytes of the file from offset to, a file page at a time through loader_buffer. */
static int loader_copy_file(const struct loader_request *request, uint32_t offset, uint8_t *to,
                            uint32_t length)
{
    while (length) {
        uint32_t index = offset / CAIRN_PAGE_SIZE, within = offset % CAIRN_PAGE_SIZE;
        uint32_t chunk = CAIRN_PAGE_SIZE - within < length ? CAIRN_PAGE_SIZE - within : length;
        if (loader_buffered != index) {
            loader_buffered = NO_PAGE;
            int status = request->read_page(request->file, index, loader_buffer);
            if (status != CAIRN_OK)
                return status;
            loader_buffered = index;
        }
        memcpy(to, loader_buffer + within, chunk);
        to += chunk;
        offset += chunk;
        length -= chunk;
    }
    return CAIRN_OK;
}

/* Makes and maps one page, with length bytes of the file from file_offset at data_offset in it. */
static int loader_map_page(struct space *root, const struct loader_request *request,
                           uint32_t address, uint32_t file_offset, uint32_t length,
                           uint32_t data_offset, uint8_t rights)
{
    struct object *object;
    int status = bank_create_object(request->bank, CAIRN_TYPE_PAGE, 0, &object);
    if (status != CAIRN_OK)
        return status;
    uint32_t frame = page_frame_for_write((struct page *)object);
    status = frame ? CAIRN_OK : CAIRN_E_NO_MEMORY;
    if (status == CAIRN_OK && length) {
        uint8_t *to = (uint8_t *)memory_physical_to_pointer(frame) + data_offset;
        status = loader_copy_file(request, file_offset, to, length);
    }
    struct capability cap = capability_to(object, CAIRN_RIGHTS_ALL);
    if (status == CAIRN_OK)
        status = space_map(root, address, &cap, rights, request->bank);
    if (status != CAIRN_OK)
        object_destroy(object);     /* its unit goes back to the bank */
    return status;
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
        int status = loader_map_page(root, request, page, segment->offset + (from - start),
                                     length, from - page, rights);
        if (status != CAIRN_OK)
            return status;
    }
    return CAIRN_OK;
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
        int status = space_map(root, CAIRN_DATA_BASE + i * CAIRN_PAGE_SIZE, &cap,
                               CAIRN_RIGHT_READ, request->bank);
        if (status != CAIRN_OK)
            return status;
    }
    return CAIRN_OK;
}

static int loader_build(struct process *process, struct space *root,
                        const struct loader_request *request)
{
    for (uint32_t i = 0; i < loader_elf()->program_header_count; i++) {
        const struct elf_program_header *segment = &loader_segments()[i];
        int status = segment->type == ELF_PT_LOAD ? loader_load_segment(root, request, segment)
                                                  : CAIRN_OK;
        if (status != CAIRN_OK)
            return status;
    }
    for (uint32_t page = STACK_BOTTOM; page < CAIRN_STACK_TOP; page += 4096) {
        int status = loader_map_page(root, request, page, 0, 0, 0,
                                     CAIRN_RIGHT_READ | CAIRN_RIGHT_WRITE);
        if (status != CAIRN_OK)
            return status;
    }
    int status = loader_map_data(root, request);
    if (status != CAIRN_OK)
        return status;
    context_init(&process->context, loader_elf()->entry, loader_write_start_info(root, request));
    return CAIRN_OK;
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

/* The program's own bank, a sub-bank of the one that pays. */
static int loader_make_bank(const struct loader_request *request, struct bank **bank)
{
    struct object *made;
    int status = bank_create_object(request->bank, CAIRN_TYPE_BANK, CAIRN_BANK_UNLIMITED, &made);
    if (status == CAIRN_OK)
        *bank = (struct bank *)made;
    return status;
}

/* The frames the load will take are free, or can be made so by evicting clean pages. */
static int loader_make_frames_free(const struct loader_request *request, uint32_t frames)
{
    if (frames > memory_total_frames()) {
        klog(KLOG_ERROR, "program '%s' needs %u frames; the machine has %u", request->name, frames,
             memory_total_frames());
        return CAIRN_E_NO_MEMORY;
    }
    return memory_make_free(frames) ? CAIRN_OK : LOADER_WAIT;
}

/* Builds process and space from the checked file, from the program's own bank (request->bank
 * here); on failure gives back everything it made. */
static int loader_build_all(const struct loader_request *request, struct process **made)
{
    struct object *process_object = NULL, *space_object = NULL;
    int status = bank_create_object(request->bank, CAIRN_TYPE_PROCESS, 0, &process_object);
    if (status == CAIRN_OK)
        status = bank_create_object(request->bank, CAIRN_TYPE_SPACE, 0, &space_object);
    if (status == CAIRN_OK)
        status = loader_build((struct process *)process_object, (struct space *)space_object,
                              request);
    if (status != CAIRN_OK) {
        loader_undo(request, process_object, space_object);
        return status;
    }
    struct process *process = (struct process *)process_object;
    strlcpy(process->name, request->name, sizeof(process->name));
    process->space = capability_to(space_object, CAIRN_RIGHTS_ALL);
    process->clist[CAIRN_SLOT_SELF] = capability_to(process_object, CAIRN_RIGHTS_ALL);
    process->clist[CAIRN_SLOT_SPACE] = process->space;
    process->clist[CAIRN_SLOT_BANK] = capability_to(&request->bank->object,
                                                    request->bank_rights ? request->bank_rights
                                                                         : CAIRN_RIGHTS_ALL);
    *made = process;
    return CAIRN_OK;
}

/* The program's bank, then the program in it; a failure gives the bank back too. */
static int loader_build_in_own_bank(const struct loader_request *request, struct process **made)
{
    struct loader_request own = *request;
    int status = loader_make_bank(request, &own.bank);
    if (status != CAIRN_OK)
        return status;
    status = loader_build_all(&own, made);
    if (status != CAIRN_OK) {
        reclaim_start(own.bank);    /* it made nothing still live: freed at once */
        return status;
    }
    own.bank->program = (uint32_t)(*made)->object.oid;     /* it goes when the process ends */
    return CAIRN_OK;
}

int loader_create_process(const struct loader_request *request, struct process **made)
{
    uint32_t frames = 0;
    int status = loader_check_file(request, &frames);
    if (status == CAIRN_OK)
        status = loader_make_frames_free(request, frames);
    if (status == CAIRN_OK)
        status = loader_build_in_own_bank(request, made);
    if (status == CAIRN_E_NO_MEMORY && frames <= memory_total_frames())
        status = LOADER_WAIT;           /* short of frames half-way: nothing is left behind */
    if (status == CAIRN_E_EXISTS) {
        klog(KLOG_ERROR, "program '%s': its segments overlap", request->name);
        status = CAIRN_E_DAMAGED;
    }
    if (status != CAIRN_OK)
        klog(request->for_a_call ? KLOG_DEBUG : KLOG_ERROR, "program '%s' not loaded: %s",
             request->name, status == LOADER_WAIT ? "frames are short" :
             status == CAIRN_E_QUOTA ? "the bank's quota is spent" : "see above");
    return status;
}
