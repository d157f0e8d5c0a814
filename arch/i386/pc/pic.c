/* The two 8259 interrupt controllers, remapped to vectors 32-47. */
#include <stdint.h>
#include <arch/cpu.h>
#include <arch/pc.h>
#include <arch/trap.h>

enum {
    PIC1_COMMAND = 0x20, PIC1_DATA = 0x21,
    PIC2_COMMAND = 0xA0, PIC2_DATA = 0xA1,
    PIC_EOI = 0x20,
    ICW1_INIT_ICW4 = 0x11,
    ICW4_8086 = 0x01,
};

/* Lines currently unmasked, bit n for IRQ n. */
static uint16_t pic_enabled_lines;

static void pic_write_masks(void)
{
    outb(PIC1_DATA, (uint8_t)~pic_enabled_lines & 0xFF);
    outb(PIC2_DATA, (uint8_t)(~pic_enabled_lines >> 8) & 0xFF);
}

void pic_init(void)
{
    outb(PIC1_COMMAND, ICW1_INIT_ICW4);
    outb(PIC2_COMMAND, ICW1_INIT_ICW4);
    outb(PIC1_DATA, TRAP_IRQ_BASE);
    outb(PIC2_DATA, TRAP_IRQ_BASE + 8);
    outb(PIC1_DATA, 4);         /* the slave sits on line 2 */
    outb(PIC2_DATA, 2);
    outb(PIC1_DATA, ICW4_8086);
    outb(PIC2_DATA, ICW4_8086);
    pic_enabled_lines = 1 << 2; /* the cascade */
    pic_write_masks();
}

void pic_enable_line(int irq)
{
    pic_enabled_lines |= (uint16_t)(1 << irq);
    pic_write_masks();
}

void pic_end_of_interrupt(int irq)
{
    if (irq >= 8)
        outb(PIC2_COMMAND, PIC_EOI);
    outb(PIC1_COMMAND, PIC_EOI);
}

/* A spurious IRQ 7 or 15 is one whose in-service bit is clear. */
int pic_is_spurious(int irq)
{
    if (irq != 7 && irq != 15)
        return 0;
    uint16_t command = irq == 7 ? PIC1_COMMAND : PIC2_COMMAND;
    outb(command, 0x0B);        /* read the in-service register */
    if (inb(command) & 0x80)
        return 0;
    if (irq == 15)
        outb(PIC1_COMMAND, PIC_EOI);
    return 1;
}
