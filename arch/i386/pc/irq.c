/* Device interrupts by 8259 line: the timer's, COM1's, and the table of handlers drivers attach. */
#include <arch/irq.h>
#include <arch/pc.h>
#include <arch/trap.h>
#include <kernel/tick.h>

enum {
    IRQ_CASCADE = 2,
    IRQ_SHARED_MAX = 4,         /* PCI INTx lines are shared: handlers one line may have */
};

/* Handlers attached to each line (NULL: none), in order, and the contexts they are called with. */
static irq_handler_fn irq_handlers[IRQ_LINE_COUNT][IRQ_SHARED_MAX];
static void *irq_contexts[IRQ_LINE_COUNT][IRQ_SHARED_MAX];

int irq_set_handler(int irq, irq_handler_fn handler, void *context)
{
    if (irq < 0 || irq >= IRQ_LINE_COUNT)
        return 0;
    if (irq == IRQ_TIMER || irq == IRQ_CASCADE || irq == IRQ_COM1)
        return 0;               /* the port's own lines, handled in trap_device_interrupt */
    for (int i = 0; i < IRQ_SHARED_MAX; i++)
        if (!irq_handlers[irq][i]) {
            irq_contexts[irq][i] = context;
            irq_handlers[irq][i] = handler;
            return 1;
        }
    return 0;
}

/* Every handler of a shared line runs: each asks its own device whether it interrupted. */
int irq_dispatch(int irq)
{
    if (irq < 0 || irq >= IRQ_LINE_COUNT || !irq_handlers[irq][0])
        return 0;
    for (int i = 0; i < IRQ_SHARED_MAX && irq_handlers[irq][i]; i++)
        irq_handlers[irq][i](irq_contexts[irq][i]);
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
