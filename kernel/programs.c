/*
 * Starting the system: a fresh one, or resuming a stored one.
 *
 * The kernel builds the process `init` and, for each entry of run= (`name`
 * or `name:arg:arg`), a process that is not started yet. init receives
 * capabilities to those processes in slots 8, 9, ... and starts them itself.
 * Each of them gets the system's NIC in slot 3 (made now, the first time).
 * The programs come from the store's program table (a fresh image made by
 * tools/mkimage), or, with boot=modules, from the boot loader's modules.
 * A resumed image keeps its own processes: those that were running are made
 * ready again (after restore=eager has loaded the store, when asked).
 */
#include <stddef.h>
#include <kernel/config.h>
#include <kernel/foreground.h>
#include <kernel/time.h>
#include <kernel/klog.h>
#include <kernel/loader.h>
#include <kernel/memory.h>
#include <kernel/nic.h>
#include <kernel/heap.h>
#include <kernel/obj/objects.h>
#include <kernel/objstore.h>
#include <checkpoint/format.h>
#include <checkpoint/store.h>
#include <kernel/panic.h>
#include <kernel/process.h>
#include <kernel/programs.h>
#include <kernel/restore.h>
#include <kernel/sched.h>
#include <kernel/string.h>

enum { ROOT_BANK_QUOTA = 1u << 24, RUN_ENTRIES_MAX = CAIRN_CLIST_SLOTS - CAIRN_SLOT_FIRST_FREE };

static const struct boot_module *programs_find(const struct boot_info *info, const char *name)
{
    for (int i = 0; i < info->module_count; i++)
        if (strcmp(info->modules[i].name, name) == 0)
            return &info->modules[i];
    return NULL;
}

/* The names of the store's programs, a program-table block at a time (a block that fails its
 * check ends the list with a word saying so). */
static void programs_list_stored(void)
{
    const struct cairn_root_record *root = &objstore->root;
    for (uint32_t index = 0; index < format_program_blocks(root); index++) {
        if (store_read_program_block(objstore, root, index) != STORE_OK) {
            kprintf(" (the rest unreadable: %s)", objstore->error);
            return;
        }
        for (uint32_t i = 0; i < objstore->program_block.count; i++)
            kprintf(" %.20s", objstore->program_block.programs[i].name);
    }
}

static void programs_list_available(const struct boot_info *info)
{
    kprintf("  programs available:");
    if (objstore) {
        programs_list_stored();
    } else {
        for (int i = 0; i < info->module_count; i++)
            kprintf(" %s", info->modules[i].name);
    }
    kprintf("\n");
}

/* A boot module's file, read a page at a time as a stored program is. */
static int programs_read_module_page(const void *file, uint32_t index, uint8_t *buffer)
{
    const struct boot_module *module = file;
    uint32_t size = module->end - module->start, offset = index * CAIRN_PAGE_SIZE;
    uint32_t length = offset >= size ? 0 : size - offset < CAIRN_PAGE_SIZE ? size - offset
                                                                          : CAIRN_PAGE_SIZE;
    memcpy(buffer, memory_physical_to_pointer(module->start + offset), length);
    memset(buffer + length, 0, CAIRN_PAGE_SIZE - length);
    return CAIRN_OK;
}

/* Points request at the program's ELF file, in the store (its entry copied to *program, which
 * must outlive the load) or among the boot modules (info): CAIRN_OK, CAIRN_E_NOT_FOUND, or
 * CAIRN_E_DAMAGED when the store's program table or its entry for it is unsound. */
static int programs_find_file(const struct boot_info *info, const char *name,
                              struct loader_request *request, struct cairn_disk_program *program)
{
    if (objstore) {
        int status = objstore_find_program(name, program);
        if (status != CAIRN_OK)
            return status;
        request->read_page = objstore_read_program_page;
        request->file = program;
        request->size = program->size;
        return CAIRN_OK;
    }
    const struct boot_module *module = info ? programs_find(info, name) : NULL;
    if (!module)
        return CAIRN_E_NOT_FOUND;
    request->read_page = programs_read_module_page;
    request->file = module;
    request->size = module->end - module->start;
    return CAIRN_OK;
}

/* Adds the store's data set (if any) to a loader request; CAIRN_E_DAMAGED if the map fails. */
static int programs_add_data_set(struct loader_request *request)
{
    if (!objstore || !objstore->root.data.page_count)
        return CAIRN_OK;
    struct cairn_map_entry entry;
    if (store_lookup(objstore, objstore->root.data.first_page, &entry) != STORE_OK) {
        objstore_note_damage(objstore->root.data.first_page, 0, objstore->error);
        return CAIRN_E_DAMAGED;
    }
    request->data_first_page = objstore->root.data.first_page;
    request->data_pages = objstore->root.data.page_count;
    request->data_version = entry.version;
    request->data_checksum = objstore->root.data.checksum;
    return CAIRN_OK;
}

/* Finds the program argv[0] and builds it into *made (see loader_create_process). */
static int programs_build(const struct boot_info *info, struct loader_request *request,
                          struct process **made)
{
    struct cairn_disk_program program;
    int status = programs_find_file(info, request->argv[0], request, &program);
    if (status == CAIRN_OK)
        status = programs_add_data_set(request);
    if (status == CAIRN_OK)
        status = loader_create_process(request, made);
    return status;
}

/* Splits "name:arg:arg" in place into argv; returns argc. */
static int programs_split_arguments(char *entry, const char **argv)
{
    int argc = 0;
    for (char *p = entry; argc < CAIRN_ARGS_MAX; ) {
        argv[argc++] = p;
        char *colon = strchr(p, ':');
        if (!colon)
            break;
        *colon = 0;
        p = colon + 1;
    }
    return argc;
}

static struct process *programs_load(const struct boot_info *info, struct bank *bank, int argc,
                                     const char **argv, uint32_t program_count)
{
    struct loader_request request = { .name = argv[0], .bank = bank, .argc = argc, .argv = argv,
                                      .program_count = program_count };
    struct process *process = NULL;
    int status = programs_build(info, &request, &process);
    if (status == CAIRN_E_NOT_FOUND) {
        klog(KLOG_WARNING, "run: no program named '%s'; skipped", argv[0]);
        programs_list_available(info);
    }
    return status == CAIRN_OK ? process : NULL;
}

/* Builds one embryo per run= entry; returns how many were made. */
static uint32_t programs_load_run_list(const struct boot_info *info, struct bank *bank,
                                       struct process **made)
{
    char run[OPTION_STRING_SIZE];
    strlcpy(run, config.run, sizeof(run));
    uint32_t count = 0;
    for (char *entry = run; *entry && count < RUN_ENTRIES_MAX;) {
        char *comma = strchr(entry, ',');
        if (comma)
            *comma = 0;
        const char *argv[CAIRN_ARGS_MAX];
        int argc = programs_split_arguments(entry, argv);
        struct process *process = programs_load(info, bank, argc, argv, 0);
        if (process)
            made[count++] = process;
        if (!comma)
            break;
        entry = comma + 1;
    }
    return count;
}

/* The bank new processes draw on: the store's root Bank, or a new one. */
static struct bank *programs_root_bank(void)
{
    if (!objstore)
        return bank_create_root(ROOT_BANK_QUOTA);
    struct cairn_map_entry entry;
    if (store_lookup(objstore, objstore->root.bank, &entry) != STORE_OK)
        fatal("store: root bank: %s", objstore->error);
    struct object *bank = object_lookup(objstore->root.bank, entry.version);
    if (!bank || bank->type != CAIRN_TYPE_BANK)
        fatal("store: the root record's bank (OID %u) is not a Bank", objstore->root.bank);
    return (struct bank *)bank;
}

/* Loads one process of the run list into RAM (a process named twice is simply found again). */
static void programs_load_listed(uint32_t oid, void *data)
{
    uint32_t *listed = data;
    struct cairn_map_entry entry;
    if (store_lookup(objstore, oid, &entry) != STORE_OK || entry.type != CAIRN_TYPE_PROCESS) {
        klog(KLOG_ERROR, "store: run list entry OID %u is not a Process (%s); passed over, the "
             "others resume", oid, objstore->error[0] ? objstore->error : "its map entry says so");
        return;
    }
    if (!object_lookup(oid, entry.version)) {
        klog(KLOG_ERROR, "store: process OID %u of the run list could not be loaded (see above); "
             "it does not resume, the others do", oid);
        return;
    }
    (*listed)++;
}

/*
 * Makes every stored process that was running, ready or waiting ready again.
 * The run list (processes[] and its chain of run-list blocks) is loaded
 * first; then each process in RAM is made ready once, from the kernel's list
 * of processes, which holds each process once however often a crafted run
 * list names it: a process queued twice would make the run queue loop.
 */
static void programs_resume(void)
{
    const struct cairn_root_record *root = &objstore->root;
    uint32_t resumed = 0, listed = 0, processes = 0;
    if (config.run[0])
        klog(KLOG_INFO, "run= ignored: this system resumes its own processes");
    foreground_from_disk(&root->foreground);
    const struct store_run_list_visitor visitor = { programs_load_listed, NULL, &listed };
    if (store_visit_run_list(objstore, root, &visitor) != STORE_OK)
        klog(KLOG_ERROR, "store: the run list could not be read to its end (%s); the %u "
             "processes read before resume", objstore->error, listed);
    for (struct process *process = process_first(); process; process = process->all_next) {
        processes++;
        if (process->state == PROCESS_READY) {
            process->state = PROCESS_EMBRYO;    /* not on a queue yet */
            sched_make_ready(process);
            resumed++;
        }
    }
    if (processes < listed)
        klog(KLOG_WARNING, "run list: %u of its entries name a process named before; each "
             "process resumes once", listed - processes);
    /* One line: which checkpoint, its age (the monotonic clock when it was taken, which the
     * clock goes on from), the processes, and any newer checkpoint passed over and why. */
    klog(KLOG_INFO, "resumed checkpoint epoch %llu (age %llu ms of monotonic time): %u of %u "
         "processes running, restart %llu%s%s", (unsigned long long)root->header.epoch,
         (unsigned long long)(root->monotonic_ns / 1000000), resumed, processes,
         (unsigned long long)root->restart_count,
         objstore->rejected[0] ? "; rejected newer checkpoint " : "", objstore->rejected);
}

void programs_start(const struct boot_info *info)
{
    restore_apply();            /* restore=eager: every stored object in RAM first */
    if (objstore && !(objstore->root.flags & CAIRN_ROOT_FRESH)) {
        programs_resume();
        sched_run();
    }
    struct loader_request probe = { .name = "init" };
    struct cairn_disk_program init_program;
    if (programs_find_file(info, "init", &probe, &init_program) == CAIRN_E_NOT_FOUND) {
        klog(KLOG_WARNING, "no program named 'init' %s",
             objstore ? "in the image" : "among the boot modules");
        return;
    }
    struct bank *bank = programs_root_bank();
    struct process *made[RUN_ENTRIES_MAX];
    uint32_t count = programs_load_run_list(info, bank, made);
    /* init's argv: "init", then the names of the programs in slots 8, 9, ... */
    const char *init_argv[CAIRN_ARGS_MAX] = { "init" };
    int init_argc = 1;
    for (uint32_t i = 0; i < count && init_argc < CAIRN_ARGS_MAX; i++)
        init_argv[init_argc++] = made[i]->name;
    struct process *init = programs_load(info, bank, init_argc, init_argv, count);
    if (!init || !bank)
        fatal("could not build the init process");
    struct capability nic;
    if (!nic_system_capability(bank, &nic))
        klog(KLOG_WARNING, "no room for the NIC object: programs start without one");
    for (uint32_t i = 0; i < count; i++) {
        init->clist[CAIRN_SLOT_FIRST_FREE + i] = capability_to(&made[i]->object, CAIRN_RIGHTS_ALL);
        made[i]->clist[CAIRN_SLOT_NIC] = nic;
    }
    init->clist[CAIRN_SLOT_NIC] = nic;
    klog(KLOG_INFO, "starting init with %u program%s", count, count == 1 ? "" : "s");
    sched_make_ready(init);
    sched_run();
}

int programs_load_command(struct bank *bank, uint8_t bank_rights, char *command,
                          struct process **made)
{
    const char *argv[CAIRN_ARGS_MAX];
    int argc = 0;
    for (char *p = command; *p && argc < CAIRN_ARGS_MAX;) {
        while (*p == ' ')
            *p++ = 0;
        if (!*p)
            break;
        argv[argc++] = p;
        while (*p && *p != ' ')
            p++;
    }
    if (!argc || !objstore)
        return CAIRN_E_NOT_FOUND;
    struct loader_request request = { .name = argv[0], .bank = bank, .argc = argc, .argv = argv,
                                      .for_a_call = 1, .bank_rights = bank_rights };
    return programs_build(NULL, &request, made);
}
