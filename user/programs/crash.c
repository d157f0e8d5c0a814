/* crash: faults on purpose, as argv[1] says (page, divide, opcode, gp, write-text); the kernel must stop only it. */
#include <cairn/user.h>

static void fault_page(void)
{
    cpu_write_address(0, 1);                    /* page 0: the kernel's, never the program's */
}

static void fault_divide(void)
{
    cpu_fault_divide();
}

static void fault_opcode(void)
{
    cpu_fault_opcode();
}

static void fault_gp(void)
{
    cpu_fault_privileged();                     /* hlt: #GP at CPL 3 */
}

static void fault_write_text(void)
{
    *(volatile uint8_t *)user_image_start = 0x90;  /* text is mapped read-only */
}

struct crash_mode {
    const char *name;
    void (*fault)(void);
};

static const struct crash_mode crash_modes[] = {
    { "page", fault_page },
    { "divide", fault_divide },
    { "opcode", fault_opcode },
    { "gp", fault_gp },
    { "write-text", fault_write_text },
};

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    for (size_t i = 0; i < sizeof crash_modes / sizeof crash_modes[0]; i++) {
        if (strcmp(mode, crash_modes[i].name) == 0) {
            printf("crash: about to fault\n");
            crash_modes[i].fault();
            printf("crash: FAILED: still running after the %s fault\n", mode);
            return 1;
        }
    }
    printf("crash: unknown fault '%s'; use page, divide, opcode, gp or write-text\n", mode);
    return 2;
}
