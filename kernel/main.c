/* kernel_main: the portable boot sequence, from parsed boot information to the first idle loop. */
#include <arch/platform.h>
#include <checkpoint/crc32c.h>
#include <cairn/version.h>
#include <kernel/config.h>
#include <kernel/console.h>
#include <kernel/disk.h>
#include <kernel/heap.h>
#include <kernel/klog.h>
#include <kernel/ktest.h>
#include <kernel/memory.h>
#include <kernel/monitor.h>
#include <kernel/obj/objects.h>
#include <kernel/ckpt.h>
#include <kernel/objstore.h>
#include <kernel/output_commit.h>
#include <arch/trap.h>
#include <kernel/panic.h>
#include <kernel/nic.h>
#include <kernel/programs.h>
#include <kernel/string.h>
#include <kernel/time.h>

static void kernel_print_banner(const struct boot_info *info)
{
    kprintf("\nCairn %s (i386), a persistent capability microkernel\n", CAIRN_VERSION);
    kprintf("boot loader: %s\n", info->loader_name[0] ? info->loader_name : "unknown");
    kprintf("memory: %u MiB usable, %u KiB free\n", memory_total_frames() / 256,
            memory_free_frames() * 4);
    kprintf("command line: %s\n", info->command_line[0] ? info->command_line : "(empty)");
}

static void kernel_deliberate_fault(const char *kind)
{
    static const char *const kinds[] = { "page", "divide", "opcode", "gp", "panic" };
    unsigned i = 0;
    while (i < sizeof(kinds) / sizeof(kinds[0]) && strcmp(kinds[i], kind) != 0)
        i++;
    if (i == sizeof(kinds) / sizeof(kinds[0])) {
        klog(KLOG_WARNING, "option 'fault': unknown kind '%s' (page, divide, opcode, gp, panic); "
             "ignored", kind);
        return;
    }
    klog(KLOG_INFO, "fault=%s: faulting on purpose", kind);
    if (strcmp(kind, "panic") == 0)
        panic("deliberate panic (fault=panic)");
    platform_deliberate_fault(kind);
    panic("fault=%s did not fault", kind);
}

void kernel_main(struct boot_info *info)
{
    options_set_defaults(config_options, config_option_count);
    object_types_check();
    memory_init(info);
    kernel_print_banner(info);
    config_parse(info->command_line);
    if (config.help)
        config_print_help();
    platform_init_paging(MEMORY_DIRECT_MAP_LIMIT);
    platform_init_interrupts((uint32_t)config.tick_hz);
    arch_user_init();
    klog(KLOG_INFO, "timer: %u Hz; paging on; heap ready", platform_tick_hz());
    crc32c_use(platform_has_crc32c() ? platform_crc32c : NULL);
    klog(KLOG_INFO, "checksums: CRC32C with %s",
         crc32c_uses_cpu() ? PLATFORM_CRC32C_NAME : "tables, 8 bytes a step (" PLATFORM_NO_CRC32C ")");
    time_init();
    disk_init();
    if (config.fault[0])
        kernel_deliberate_fault(config.fault);
    if (config.diskbench)
        kernel_exit(disk_bench_run((uint32_t)config.diskbench) ? EXIT_TEST_FAILURE
                                                               : EXIT_SUCCESS_STATUS);
    if (config.ktest[0] && !ktest_needs_store(config.ktest))
        kernel_exit(ktest_run(config.ktest) ? EXIT_TEST_FAILURE : EXIT_SUCCESS_STATUS);
    if (config.monitor)
        monitor_run();
    if (strcmp(config.boot, "modules") == 0)
        klog(KLOG_INFO, "boot=modules: programs from the boot loader's modules; nothing is kept");
    else if (strcmp(config.boot, "disk") == 0) {
        objstore_boot();
        ckpt_init();
    }
    else
        fatal("option 'boot' must be 'disk' or 'modules', not '%s'", config.boot);
    if (config.ktest[0])    /* tests of the store and the checkpoints: no program runs */
        kernel_exit(ktest_run(config.ktest) ? EXIT_TEST_FAILURE : EXIT_SUCCESS_STATUS);
    nic_init();
    output_commit_setup();
    if (objstore)
        output_commit_resume();
    programs_start(info);
    monitor_run();
}
