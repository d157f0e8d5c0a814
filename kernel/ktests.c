/* In-kernel tests of the portable kernel: formatting, frames, heap, timer, console input, options. */
#include <arch/platform.h>
#include <cairn/abi.h>
#include <kernel/config.h>
#include <kernel/console.h>
#include <kernel/heap.h>
#include <kernel/klog.h>
#include <kernel/ktest.h>
#include <kernel/memory.h>
#include <kernel/printf.h>
#include <kernel/string.h>
#include <checkpoint/crc32c.h>

KTEST(format_in_kernel)
{
    char text[64];
    format_print(text, sizeof(text), "%d|%5u|%-4x|%s|%08lx|%lld", -42, 7u, 0xabu, "ok",
                 0xbeefUL, -1234567890123ll);
    KTEST_EXPECT(strcmp(text, "-42|    7|ab  |ok|0000beef|-1234567890123") == 0);
}

KTEST(frames_distinct_and_returned)
{
    enum { COUNT = 64 };
    uint32_t frames[COUNT];
    uint32_t free_before = memory_free_frames();
    for (int i = 0; i < COUNT; i++) {
        frames[i] = memory_frame_alloc();
        KTEST_EXPECT(frames[i] != 0 && frames[i] % FRAME_SIZE == 0);
        memset(memory_physical_to_pointer(frames[i]), i, FRAME_SIZE);
    }
    for (int i = 0; i < COUNT; i++) {
        unsigned char *page = memory_physical_to_pointer(frames[i]);
        KTEST_EXPECT(page[0] == i && page[FRAME_SIZE - 1] == i);
        for (int j = 0; j < i; j++)
            KTEST_EXPECT(frames[i] != frames[j]);
    }
    KTEST_EXPECT(memory_free_frames() == free_before - COUNT);
    for (int i = 0; i < COUNT; i++)
        memory_frame_free(frames[i]);
    KTEST_EXPECT(memory_free_frames() == free_before);
}

KTEST(frames_contiguous)
{
    uint32_t first = memory_frames_alloc_contiguous(16);
    KTEST_EXPECT(first != 0);
    for (uint32_t i = 0; i < 16; i++)
        KTEST_EXPECT(!frame_is_free(&memory_frames, (first >> FRAME_SHIFT) + i));
    memory_frames_free(first, 16);
    KTEST_EXPECT(frame_is_free(&memory_frames, first >> FRAME_SHIFT));
}

KTEST(heap_sizes_patterns_and_reuse)
{
    enum { COUNT = 40 };
    void *blocks[COUNT];
    size_t in_use = heap_bytes_in_use();
    for (int i = 0; i < COUNT; i++) {
        size_t size = (size_t)1 + (size_t)i * 263;   /* 1 byte to about 10 KiB */
        blocks[i] = kzalloc(size);
        KTEST_EXPECT(blocks[i] != NULL);
        unsigned char *bytes = blocks[i];
        KTEST_EXPECT(bytes[0] == 0 && bytes[size - 1] == 0);
        memset(bytes, 0x5A ^ i, size);
    }
    for (int i = 0; i < COUNT; i++) {
        size_t size = (size_t)1 + (size_t)i * 263;
        unsigned char *bytes = blocks[i];
        KTEST_EXPECT(bytes[0] == (0x5A ^ i) && bytes[size - 1] == (0x5A ^ i));
        kfree(blocks[i]);
    }
    KTEST_EXPECT(heap_bytes_in_use() == in_use);
    void *again = kzalloc(100);
    KTEST_EXPECT(again != NULL);
    kfree(again);
}

KTEST(timer_ticks_advance)
{
    uint64_t start = platform_ticks();
    for (int i = 0; i < 1000 && platform_ticks() < start + 3; i++)
        platform_idle();
    KTEST_EXPECT(platform_ticks() >= start + 3);
}

KTEST(console_input_ring_order_and_overflow)
{
    while (console_input_pop() >= 0)
        ;
    uint32_t dropped = console_input_dropped();
    for (int i = 0; i < 1100; i++)
        console_input_push((uint8_t)i);
    KTEST_EXPECT(console_input_dropped() == dropped + 76);
    int in_order = 1;
    for (int i = 0; i < 1024; i++)
        in_order &= console_input_pop() == (i & 0xFF);
    KTEST_EXPECT(in_order);
    KTEST_EXPECT(console_input_pop() == -1);
}

KTEST(console_interrupt_byte_is_counted_not_queued)
{
    while (console_input_pop() >= 0)
        ;
    uint32_t interrupts = console_input_interrupts();
    console_input_receive('a');
    console_input_receive(CAIRN_CONSOLE_INTERRUPT_BYTE);
    console_input_receive('b');
    KTEST_EXPECT(console_input_interrupts() == interrupts + 1);
    KTEST_EXPECT(console_input_pop() == 'a');
    KTEST_EXPECT(console_input_pop() == 'b');
    KTEST_EXPECT(console_input_pop() == -1);
}

KTEST(option_defaults_are_valid)
{
    static char storage[OPTION_STRING_SIZE];
    for (unsigned i = 0; i < config_option_count; i++) {
        struct option copy = config_options[i];
        long number = 0;
        int flag = 0;
        copy.storage = copy.type == OPTION_INT ? (void *)&number
                     : copy.type == OPTION_BOOL ? (void *)&flag : (void *)storage;
        char line[OPTION_STRING_SIZE + 64];
        format_print(line, sizeof(line), "%s=%s", copy.name, copy.default_value);
        KTEST_EXPECT(copy.type == OPTION_STRING || copy.default_value[0] != 0);
        if (copy.default_value[0])
            KTEST_EXPECT(options_parse(&copy, 1, line, NULL) == 0);
    }
}

/* With SSE4.2 (the launcher's default CPU), the instruction gives the tables' CRC32C for
 * every length and alignment, and crc32c_update is the instruction. */
KTEST(crc32c_instruction_matches_table)
{
    static uint8_t bytes[300];
    for (uint32_t i = 0; i < sizeof(bytes); i++)
        bytes[i] = (uint8_t)(i * 167 + (i >> 3) + 11);
    KTEST_EXPECT(crc32c_table_update(0, "123456789", 9) == 0xE3069283);   /* the check value */
    KTEST_EXPECT(crc32c_uses_cpu() == platform_has_crc32c());
    if (!platform_has_crc32c()) {
        kprintf("# %s: only the tables checked\n", PLATFORM_NO_CRC32C);
        return;
    }
    for (uint32_t start = 0; start < 8; start++)
        for (uint32_t length = 0; start + length <= sizeof(bytes); length += 1 + length / 8)
            KTEST_EXPECT(platform_crc32c(0x12345678, bytes + start, length) ==
                         crc32c_table_update(0x12345678, bytes + start, length));
    KTEST_EXPECT(crc32c("123456789", 9) == 0xE3069283);
}
