/* In-kernel tests of the i386 port: paging mode and the null-page guard. */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <kernel/ktest.h>

KTEST(paging_enabled_with_large_pages)
{
    KTEST_EXPECT(cpu_read_cr0() & (1u << 31));
    KTEST_EXPECT(cpu_read_cr4() & (1u << 4));
    KTEST_EXPECT(cpu_read_cr3() == (uint32_t)kernel_page_directory);
}

KTEST(kernel_pages_are_supervisor_only)
{
    int user_visible = 0;
    for (int i = 0; i < 256; i++)
        user_visible |= kernel_page_directory[i] & 4;
    KTEST_EXPECT(user_visible == 0);
}

KTEST(null_page_unmapped)
{
    uint32_t *low_table = (uint32_t *)(kernel_page_directory[0] & ~0xFFFu);
    KTEST_EXPECT((low_table[0] & 1) == 0);
    KTEST_EXPECT((low_table[1] & 1) == 1);
}
