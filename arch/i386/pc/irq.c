/* Device interrupts by 8259 line: the timer's, COM1's, and the table of handlers drivers attach. */
#include <arch/irq.h>
#include <arch/pc.h>
#include <arch/trap.h>
#include <kernel/tick.h>

enum { IRQ_CASCADE = 2 };

/* Handler attached to each line (NULL: none) and the context it is called with. */
static irq_handler_fn irq_handlers[IRQ_LINE_COUNT];
static void *irq_contexts[IRQ_LINE_COUNT];

int irq_set_handler(int irq, irq_handler_fn handler, void *context)
{
    if (irq < 0 || irq >= IRQ_LINE_COUNT || irq_handlers[irq])
        return 0;
    if (irq == IRQ_TIMER || irq == IRQ_CASCADE || irq == IRQ_COM1)
        return 0;               /* the port's own lines, handled in trap_device_interrupt */
    irq_contexts[irq] = context;
    irq_handlers[irq] = handler;
    return 1;
}

int irq_dispatch(int irq)
{
    if (irq < 0 || irq >= IRQ_LINE_COUNT || !irq_handlers[irq])
        return 0;
    irq_handlers[irq](irq_contexts[irq]);
    return 1;
}

void trap_device_interrupt(int irq)
{
    if (pic_is_spurious(irq))
        return;
    pic_end_of_interrupt(irq);
    if (irq == IRQ_TIMER) {
        pit_tick();
        tick_handle();
    } else if (irq == IRQ_COM1) {
        uart_handle_interrupt();
    } else {
        irq_dispatch(irq);      /* drivers' lines: the disk's PCI INTx */
    }
}
