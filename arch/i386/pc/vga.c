/*
 * VGA text mode (80x25 at 0xB8000): a mirror of the console with scrolling and a hardware cursor.
 *
 * Text is drawn into a copy of the screen in RAM, and each vga_write ends by
 * copying the rows it changed to video memory. Under QEMU every access to
 * video memory is an emulated device access: scrolling it in place cost
 * about 0.4 ms a line, most of the time a released line of output took.
 */
#include <stdint.h>
#include <arch/cpu.h>
#include <arch/pc.h>

enum { VGA_COLUMNS = 80, VGA_ROWS = 25, VGA_ATTRIBUTE = 0x07 };

static volatile uint16_t *const vga_buffer = (volatile uint16_t *)0xB8000;
static uint16_t vga_shadow[VGA_ROWS * VGA_COLUMNS];    /* what the screen is to show */
static uint32_t vga_changed_rows;       /* bit r: row r of vga_shadow is not on the screen yet */
static int vga_row, vga_column;
/* The last column was written: the next character goes on a new row, while a newline only
 * ends this one (a line of exactly 80 columns takes one row, not a row and an empty one). */
static int vga_wrap_pending;

static void vga_move_cursor(void)
{
    uint16_t position = (uint16_t)(vga_row * VGA_COLUMNS + vga_column);
    outb(0x3D4, 0x0F);
    outb(0x3D5, position & 0xFF);
    outb(0x3D4, 0x0E);
    outb(0x3D5, position >> 8);
}

static void vga_clear_row(int row)
{
    for (int column = 0; column < VGA_COLUMNS; column++)
        vga_shadow[row * VGA_COLUMNS + column] = (VGA_ATTRIBUTE << 8) | ' ';
    vga_changed_rows |= 1u << row;
}

/* The changed rows to video memory, and the cursor. */
static void vga_show(void)
{
    for (int row = 0; row < VGA_ROWS; row++)
        if (vga_changed_rows & (1u << row))
            for (int column = 0; column < VGA_COLUMNS; column++)
                vga_buffer[row * VGA_COLUMNS + column] = vga_shadow[row * VGA_COLUMNS + column];
    vga_changed_rows = 0;
    vga_move_cursor();
}

void vga_init(void)
{
    for (int row = 0; row < VGA_ROWS; row++)
        vga_clear_row(row);
    vga_row = vga_column = vga_wrap_pending = 0;
    vga_show();
}

static void vga_scroll(void)
{
    for (int i = 0; i < (VGA_ROWS - 1) * VGA_COLUMNS; i++)
        vga_shadow[i] = vga_shadow[i + VGA_COLUMNS];
    vga_changed_rows = (1u << VGA_ROWS) - 1;
    vga_clear_row(VGA_ROWS - 1);
    vga_row = VGA_ROWS - 1;
}

static void vga_new_row(void)
{
    vga_column = 0;
    vga_wrap_pending = 0;
    if (++vga_row == VGA_ROWS)
        vga_scroll();
}

static void vga_put(char c)
{
    if (c == '\n') {
        vga_new_row();
    } else if (c == '\r') {
        vga_column = 0;
        vga_wrap_pending = 0;
    } else if (c == '\b') {
        if (vga_column > 0 && !vga_wrap_pending)
            vga_column--;
        vga_wrap_pending = 0;
    } else {
        if (vga_wrap_pending)
            vga_new_row();
        vga_shadow[vga_row * VGA_COLUMNS + vga_column] =
            (uint16_t)((VGA_ATTRIBUTE << 8) | (uint8_t)c);
        vga_changed_rows |= 1u << vga_row;
        if (vga_column == VGA_COLUMNS - 1)
            vga_wrap_pending = 1;   /* the cursor stays on the last column */
        else
            vga_column++;
    }
}

void vga_write(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        vga_put(text[i]);
    vga_show();
}
