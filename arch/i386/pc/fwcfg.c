/* QEMU's fw_cfg device (ports 0x510/0x511): per-boot options such as opt/cairn/cmdline. */
#include <stdint.h>
#include <arch/cpu.h>
#include <arch/pc.h>
#include <kernel/string.h>

enum {
    FWCFG_SELECTOR = 0x510,
    FWCFG_DATA = 0x511,
    FWCFG_SIGNATURE = 0x0000,
    FWCFG_FILE_DIRECTORY = 0x0019,
    FWCFG_NAME_LENGTH = 56,
};

static void fwcfg_read(void *buffer, size_t length)
{
    uint8_t *bytes = buffer;
    for (size_t i = 0; i < length; i++)
        bytes[i] = inb(FWCFG_DATA);
}

static uint32_t big_endian_32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int fwcfg_present(void)
{
    char signature[4];
    outw(FWCFG_SELECTOR, FWCFG_SIGNATURE);
    fwcfg_read(signature, 4);
    return memcmp(signature, "QEMU", 4) == 0;
}

int fwcfg_read_file(const char *name, char *buffer, size_t size)
{
    if (size == 0 || !fwcfg_present())
        return -1;
    uint8_t count_bytes[4];
    outw(FWCFG_SELECTOR, FWCFG_FILE_DIRECTORY);
    fwcfg_read(count_bytes, 4);
    uint32_t count = big_endian_32(count_bytes);
    for (uint32_t i = 0; i < count; i++) {
        uint8_t entry[8 + FWCFG_NAME_LENGTH];
        fwcfg_read(entry, sizeof(entry));
        entry[sizeof(entry) - 1] = 0;
        if (strcmp((const char *)entry + 8, name) != 0)
            continue;
        uint32_t length = big_endian_32(entry);
        uint16_t selector = (uint16_t)(entry[4] << 8 | entry[5]);
        if (length > size - 1)
            length = (uint32_t)size - 1;
        outw(FWCFG_SELECTOR, selector);
        fwcfg_read(buffer, length);
        buffer[length] = 0;
        return (int)length;
    }
    return -1;
}

void debug_exit(uint32_t status)
{
    outl(0xF4, status);
}
