/* The PC board: its boot path (arch_boot) and the platform services the portable kernel calls. */
#include <stdint.h>
#include <arch/cpu.h>
#include <arch/multiboot.h>
#include <arch/pc.h>
#include <arch/platform.h>
#include <arch/trap.h>
#include <kernel/klog.h>
#include <kernel/panic.h>
#include <kernel/string.h>

extern char boot_stack_top[];
static struct boot_info boot_info;

/* Appends QEMU's per-boot command line (fw_cfg opt/cairn/cmdline) to the loader's. */
static void arch_append_fwcfg_command_line(struct boot_info *info)
{
    char extra[BOOT_COMMAND_LINE_SIZE];
    if (fwcfg_read_file("opt/cairn/cmdline", extra, sizeof(extra)) <= 0)
        return;
    size_t length = strlen(info->command_line);
    if (length && length + 1 < sizeof(info->command_line))
        info->command_line[length++] = ' ';
    strlcpy(info->command_line + length, extra, sizeof(info->command_line) - length);
}

/* The cycle counter when the kernel was entered. */
uint64_t platform_boot_cycles;

void arch_boot(uint32_t magic, uint32_t info_address)
{
    platform_boot_cycles = cpu_rdtsc();
    uart_init();
    vga_init();
    gdt_init();
    idt_init();
    tss_set_kernel_stack((uint32_t)boot_stack_top);
    if (!multiboot_parse(&boot_info, magic, info_address))
        fatal("not started by a Multiboot loader (magic %#x)", magic);
    arch_append_fwcfg_command_line(&boot_info);
    kernel_main(&boot_info);
}

void platform_init_interrupts(uint32_t tick_hz)
{
    pic_init();
    pit_init(tick_hz);
    uart_enable_receive_interrupt();
}

void platform_console_write(const char *text, size_t length)
{
    uart_write(text, length);
    vga_write(text, length);
}

void platform_serial_write(const char *text, size_t length)
{
    uart_write(text, length);
}

void platform_screen_write(const char *text, size_t length)
{
    vga_write(text, length);
}

uint64_t platform_ticks(void)
{
    uint32_t flags = cpu_eflags();
    cpu_interrupts_disable();
    uint64_t ticks = pit_ticks;
    if (flags & (1 << 9))
        cpu_interrupts_enable();
    return ticks;
}

uint32_t platform_nanoseconds_into_tick(void)
{
    uint32_t flags = cpu_eflags();
    cpu_interrupts_disable();
    uint32_t ns = pit_nanoseconds_into_tick();
    if (flags & (1 << 9))
        cpu_interrupts_enable();
    return ns;
}

uint64_t platform_cycles(void)
{
    return cpu_rdtsc();
}

uint64_t platform_cycles_per_tick(void)
{
    int were_enabled = cpu_interrupts_save_and_disable();
    uint64_t cycles = pit_cycles_per_tick();
    cpu_interrupts_restore(were_enabled);
    return cycles;
}

uint32_t platform_tick_hz(void)
{
    return pit_rate_hz();
}

/* Cycles spent waiting in platform_idle since kernel entry. */
uint64_t platform_idle_cycles;

void platform_idle(void)
{
    uint64_t before = cpu_rdtsc();
    cpu_wait_for_interrupt();
    platform_idle_cycles += cpu_rdtsc() - before;
}

void platform_interrupt_window(void)
{
    cpu_interrupt_window();
}

void platform_exit(int status)
{
    cpu_interrupts_disable();
    debug_exit((uint32_t)status);
    for (;;)                    /* not under QEMU: just stop */
        cpu_halt();
}

void platform_deliberate_fault(const char *kind)
{
    if (strcmp(kind, "divide") == 0) {
        cpu_divide_by_zero();
    } else if (strcmp(kind, "opcode") == 0) {
        cpu_invalid_opcode();
    } else if (strcmp(kind, "gp") == 0) {
        cpu_load_data_segment(0x1234);   /* not a valid selector */
    } else {
        *(volatile uint32_t *)0 = 0xDEAD;   /* page 0 is never mapped */
    }
}
