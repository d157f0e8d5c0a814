/* Every inline-assembly wrapper of the i386 port: port I/O, control registers, interrupts. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t value)
{
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t value)
{
    __asm__ volatile("outw %0, %1" : : "a"(value), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t value)
{
    __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t value;
    __asm__ volatile("inw %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t value;
    __asm__ volatile("inl %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

/* rep insw / rep outsw: count 16-bit words between port and buffer (ATA PIO data). */
static inline void insw(uint16_t port, void *buffer, uint32_t count)
{
    __asm__ volatile("cld; rep insw" : "+D"(buffer), "+c"(count) : "d"(port) : "memory");
}

static inline void outsw(uint16_t port, const void *buffer, uint32_t count)
{
    __asm__ volatile("cld; rep outsw" : "+S"(buffer), "+c"(count) : "d"(port) : "memory");
}

/* rep stosl / rep movsl: fill or copy count 32-bit words (memset and memcpy's bulk). */
static inline void cpu_fill_words(void *destination, uint32_t value, uint32_t count)
{
    __asm__ volatile("cld; rep stosl" : "+D"(destination), "+c"(count) : "a"(value) : "memory");
}

static inline void cpu_copy_words(void *destination, const void *source, uint32_t count)
{
    __asm__ volatile("cld; rep movsl" : "+D"(destination), "+S"(source), "+c"(count)
                     : : "memory");
}

/*
 * Ordering of memory shared with a device. x86 keeps stores in order and
 * loads in order, so write-before-write and read-before-read need only the
 * compiler's order; a store followed by a load of another location needs a
 * real fence (a locked add is one on every i386-class CPU, SSE2 or not).
 */
static inline void cpu_compiler_barrier(void) { __asm__ volatile("" ::: "memory"); }
static inline void cpu_memory_fence(void)
{
    __asm__ volatile("lock; addl $0, (%%esp)" ::: "memory", "cc");
}

static inline void cpu_interrupts_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cpu_interrupts_disable(void) { __asm__ volatile("cli" ::: "memory"); }
/* Takes pending interrupts, then masks them again: sti holds them off for one more
 * instruction, so the nop is where they come in. */
static inline void cpu_interrupt_window(void) { __asm__ volatile("sti; nop; cli" ::: "memory"); }
static inline void cpu_halt(void) { __asm__ volatile("hlt" ::: "memory"); }

/* Enables interrupts and halts in one step, so a wake-up cannot be missed. */
static inline void cpu_wait_for_interrupt(void)
{
    __asm__ volatile("sti; hlt; cli" ::: "memory");
}

static inline uint32_t cpu_eflags(void)
{
    uint32_t flags;
    __asm__ volatile("pushfl; popl %0" : "=r"(flags));
    return flags;
}

enum { CPU_EFLAGS_INTERRUPTS = 1u << 9 };

/* Disables interrupts; returns whether they were enabled, for cpu_interrupts_restore. */
static inline int cpu_interrupts_save_and_disable(void)
{
    int were_enabled = (cpu_eflags() & CPU_EFLAGS_INTERRUPTS) != 0;
    cpu_interrupts_disable();
    return were_enabled;
}

static inline void cpu_interrupts_restore(int were_enabled)
{
    if (were_enabled)
        cpu_interrupts_enable();
}

static inline uint32_t cpu_read_cr0(void) { uint32_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint32_t cpu_read_cr2(void) { uint32_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint32_t cpu_read_cr3(void) { uint32_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint32_t cpu_read_cr4(void) { uint32_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void cpu_write_cr0(uint32_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline void cpu_write_cr3(uint32_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline void cpu_write_cr4(uint32_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

static inline void cpu_invlpg(uint32_t address)
{
    __asm__ volatile("invlpg (%0)" : : "r"(address) : "memory");
}

static inline uint32_t cpu_frame_pointer(void)
{
    uint32_t ebp;
    __asm__ volatile("mov %%ebp, %0" : "=r"(ebp));
    return ebp;
}

static inline uint64_t cpu_rdtsc(void)
{
    uint32_t low, high;
    __asm__ volatile("rdtsc" : "=a"(low), "=d"(high));
    return ((uint64_t)high << 32) | low;
}

static inline void cpu_load_gdt(const void *descriptor)
{
    __asm__ volatile("lgdt (%0)" : : "r"(descriptor) : "memory");
}

static inline void cpu_load_idt(const void *descriptor)
{
    __asm__ volatile("lidt (%0)" : : "r"(descriptor) : "memory");
}

static inline void cpu_load_task_register(uint16_t selector)
{
    __asm__ volatile("ltr %0" : : "r"(selector));
}

/* Reloads every segment register after a new GDT is loaded. */
static inline void cpu_reload_segments(uint16_t code, uint16_t data)
{
    __asm__ volatile(
        "pushl %0\n\t"
        "pushl $1f\n\t"
        "lretl\n"
        "1:\n\t"
        "movw %w1, %%ds\n\t"
        "movw %w1, %%es\n\t"
        "movw %w1, %%fs\n\t"
        "movw %w1, %%gs\n\t"
        "movw %w1, %%ss\n\t"
        : : "r"((uint32_t)code), "r"((uint32_t)data) : "memory");
}

static inline void cpu_cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

/* SSE4.2's crc32 (CPUID leaf 1, ECX bit 20): CRC32C of crc followed by a byte, or by 4 bytes. */
enum { CPUID_ECX_SSE4_2 = 1 << 20 };
static inline uint32_t cpu_crc32c_byte(uint32_t crc, uint8_t byte)
{
    __asm__("crc32b %1, %0" : "+r"(crc) : "qm"(byte));    /* q: a register with a low byte */
    return crc;
}
static inline uint32_t cpu_crc32c_word(uint32_t crc, uint32_t word)
{
    __asm__("crc32l %1, %0" : "+r"(crc) : "rm"(word));
    return crc;
}

/* FPU/SSE state: the 512-byte fxsave image (16-byte aligned). */
static inline void cpu_fpu_save(void *image) { __asm__ volatile("fxsave (%0)" : : "r"(image) : "memory"); }
static inline void cpu_fpu_restore(const void *image)
{
    __asm__ volatile("fxrstor (%0)" : : "r"(image) : "memory");
}
static inline void cpu_fpu_reset(void) { __asm__ volatile("fninit" ::: "memory"); }

/* For the deliberate-fault tests. */
static inline void cpu_invalid_opcode(void) { __asm__ volatile("ud2"); }
static inline void cpu_divide_by_zero(void)
{
    __asm__ volatile("xorl %%ecx, %%ecx; movl $1, %%eax; xorl %%edx, %%edx; divl %%ecx"
                     ::: "eax", "ecx", "edx");
}
static inline void cpu_load_data_segment(uint16_t selector)
{
    __asm__ volatile("movw %0, %%ds" : : "r"(selector) : "memory");
}

#endif
