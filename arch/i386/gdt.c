/* Global descriptor table and the task-state segment that gives traps from user mode their kernel stack. */
#include <stdint.h>
#include <arch/cpu.h>
#include <arch/trap.h>

struct gdt_entry {
    uint16_t limit_low;
    uint16_t base_low;
    uint8_t base_middle;
    uint8_t access;
    uint8_t flags_limit_high;
    uint8_t base_high;
} __attribute__((packed));

struct descriptor_pointer {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

struct tss {
    uint32_t previous, esp0, ss0, esp1, ss1, esp2, ss2;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, io_map_base;
} __attribute__((packed));

_Static_assert(sizeof(struct gdt_entry) == 8, "GDT entries are 8 bytes");
_Static_assert(sizeof(struct tss) == 104, "the i386 TSS is 104 bytes");

static struct gdt_entry gdt[6];
static struct tss tss;

enum {
    ACCESS_PRESENT = 0x80,
    ACCESS_RING3 = 0x60,
    ACCESS_SEGMENT = 0x10,
    ACCESS_CODE = 0x0A,     /* executable, readable */
    ACCESS_DATA = 0x02,     /* writable */
    ACCESS_TSS = 0x09,      /* 32-bit available TSS */
    FLAGS_4K_32BIT = 0xC0,
};

static void gdt_set(int index, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    gdt[index].limit_low = limit & 0xFFFF;
    gdt[index].base_low = base & 0xFFFF;
    gdt[index].base_middle = (base >> 16) & 0xFF;
    gdt[index].access = access;
    gdt[index].flags_limit_high = (uint8_t)(flags | ((limit >> 16) & 0x0F));
    gdt[index].base_high = (base >> 24) & 0xFF;
}

void gdt_init(void)
{
    gdt_set(0, 0, 0, 0, 0);
    gdt_set(1, 0, 0xFFFFF, ACCESS_PRESENT | ACCESS_SEGMENT | ACCESS_CODE, FLAGS_4K_32BIT);
    gdt_set(2, 0, 0xFFFFF, ACCESS_PRESENT | ACCESS_SEGMENT | ACCESS_DATA, FLAGS_4K_32BIT);
    gdt_set(3, 0, 0xFFFFF, ACCESS_PRESENT | ACCESS_RING3 | ACCESS_SEGMENT | ACCESS_CODE,
            FLAGS_4K_32BIT);
    gdt_set(4, 0, 0xFFFFF, ACCESS_PRESENT | ACCESS_RING3 | ACCESS_SEGMENT | ACCESS_DATA,
            FLAGS_4K_32BIT);
    tss.ss0 = SELECTOR_KERNEL_DATA;
    tss.io_map_base = sizeof(tss);  /* no I/O permission bitmap: user port I/O faults */
    gdt_set(5, (uint32_t)&tss, sizeof(tss) - 1, ACCESS_PRESENT | ACCESS_TSS, 0);

    struct descriptor_pointer pointer = { sizeof(gdt) - 1, (uint32_t)gdt };
    cpu_load_gdt(&pointer);
    cpu_reload_segments(SELECTOR_KERNEL_CODE, SELECTOR_KERNEL_DATA);
    cpu_load_task_register(SELECTOR_TSS);
}

void tss_set_kernel_stack(uint32_t stack_top)
{
    tss.esp0 = stack_top;
}

uint32_t tss_kernel_stack_top(void)
{
    return tss.esp0;
}
