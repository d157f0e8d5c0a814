/* The 16550 UART on COM1: polled transmit, interrupt-driven receive into the console input ring. */
#include <stdint.h>
#include <arch/cpu.h>
#include <arch/pc.h>
#include <kernel/console.h>

enum {
    COM1 = 0x3F8,
    UART_DATA = 0, UART_INTERRUPT_ENABLE = 1, UART_FIFO_CONTROL = 2,
    UART_LINE_CONTROL = 3, UART_MODEM_CONTROL = 4, UART_LINE_STATUS = 5,
    LINE_DLAB = 0x80, LINE_8N1 = 0x03,
    STATUS_DATA_READY = 0x01, STATUS_TRANSMIT_EMPTY = 0x20,
    MODEM_DTR_RTS_OUT2 = 0x0B,
    FIFO_ENABLE_CLEAR_14 = 0xC7,
    INTERRUPT_RECEIVE = 0x01,
};

void uart_init(void)
{
    outb(COM1 + UART_INTERRUPT_ENABLE, 0);
    outb(COM1 + UART_LINE_CONTROL, LINE_DLAB);
    outb(COM1 + UART_DATA, 1);              /* divisor 1: 115200 baud */
    outb(COM1 + UART_INTERRUPT_ENABLE, 0);
    outb(COM1 + UART_LINE_CONTROL, LINE_8N1);
    outb(COM1 + UART_FIFO_CONTROL, FIFO_ENABLE_CLEAR_14);
    outb(COM1 + UART_MODEM_CONTROL, MODEM_DTR_RTS_OUT2);
}

void uart_enable_receive_interrupt(void)
{
    outb(COM1 + UART_INTERRUPT_ENABLE, INTERRUPT_RECEIVE);
    pic_enable_line(IRQ_COM1);
}

static void uart_put_byte(uint8_t byte)
{
    while (!(inb(COM1 + UART_LINE_STATUS) & STATUS_TRANSMIT_EMPTY))
        ;
    outb(COM1 + UART_DATA, byte);
}

void uart_write(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        if (text[i] == '\n')
            uart_put_byte('\r');
        uart_put_byte((uint8_t)text[i]);
    }
}

void uart_handle_interrupt(void)
{
    while (inb(COM1 + UART_LINE_STATUS) & STATUS_DATA_READY)
        console_input_receive(inb(COM1 + UART_DATA));
}
