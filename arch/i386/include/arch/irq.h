/* Device interrupt handlers that drivers attach to 8259 lines (PCI INTx and the like). */
#ifndef ARCH_IRQ_H
#define ARCH_IRQ_H

enum { IRQ_LINE_COUNT = 16 };

/* Runs in interrupt context, after the PIC's end of interrupt, with interrupts disabled. */
typedef void (*irq_handler_fn)(void *context);

/* Attaches handler to line irq, which up to four handlers may share (the driver then unmasks
 * it); 0 if irq is bad or has no room. */
int irq_set_handler(int irq, irq_handler_fn handler, void *context);

/* Calls the handler attached to irq; returns 0 when there is none. */
int irq_dispatch(int irq);

#endif
