# Cairn: builds the kernel, the boot ISO and the host tests; runs, debugs, tests and measures it.
#
#   make          build/kernel.elf and build/cairn.iso (installs missing tools as root)
#   make run      boot Cairn in QEMU on this terminal (quit: Ctrl-A then X)
#   make gdb      boot halted, waiting for gdb (see .gdbinit)
#   make test     every test: host unit tests, in-kernel tests, QEMU integration tests
#   make bench    benchmark figures (null call, IPC round trip, disk, page-in)
#   make demo     a scripted tour: programs survive two power cuts, with figures (tools/demo)
#   make soak     500 power cuts of one running system, kv under 100 cuts, the system-call
#                 torture (1,000,000 calls across cuts), 200 boots of corrupted images and
#                 5,000 runs of a short program from the shell (nothing left behind)
#   make crashtest  crash states from a recorded run: at least 10,000 explored, a sample booted
#   make fuzz     every libFuzzer target for FUZZ_SECONDS each (default 60)
#   make clean    remove build/

CROSS ?= i686-linux-gnu-
CC := $(CROSS)gcc
NM := $(CROSS)nm
AR := $(CROSS)ar
HOSTCC ?= gcc
PYTHON := /usr/bin/python3
BUILD := build

CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-fno-omit-frame-pointer -mgeneral-regs-only -fno-strict-aliasing \
	-Wall -Wextra -Werror -MD -MP -I. -Iinclude -Iarch/i386/include
ASFLAGS := -g -MD -MP -I. -Iinclude -Iarch/i386/include
LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-T,arch/i386/linker.ld

HOST_CFLAGS := -std=gnu11 -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all -Wall -Wextra -Werror -MD -MP -I. -Iinclude

# The kernel: the i386 CPU (arch/i386/), the PC's devices and board (arch/i386/pc/), the portable
# kernel and the store.
KERNEL_SOURCES := $(wildcard arch/i386/*.c arch/i386/*.S arch/i386/pc/*.c kernel/*.c kernel/obj/*.c \
	checkpoint/*.c)
KERNEL_OBJECTS := $(patsubst %,$(BUILD)/%.o,$(KERNEL_SOURCES))

# Portable kernel code the host unit tests compile natively.
UNIT_KERNEL_SOURCES := kernel/printf.c kernel/options_parse.c kernel/frame.c kernel/cpu_share.c
# The store code shared by the kernel, the host tools and the host tests.
STORE_SOURCES := checkpoint/blockdev.c checkpoint/crc32c.c checkpoint/format.c checkpoint/store.c \
	checkpoint/writer.c
# The user network stack: portable C, linked into programs and compiled natively for its tests
# (all but net_nic.c, its system calls).
UNIT_NET_SOURCES := $(filter-out user/lib/net_nic.c,$(wildcard user/lib/net*.c))
UNIT_SOURCES := $(wildcard tests/unit/*.c) $(UNIT_KERNEL_SOURCES) $(STORE_SOURCES) \
	$(UNIT_NET_SOURCES) tools/host_shim.c tools/host_blockdev.c tools/host_crc32c.c
UNIT_OBJECTS := $(patsubst %,$(BUILD)/host/%.o,$(UNIT_SOURCES))
$(patsubst %,$(BUILD)/host/%.o,$(UNIT_NET_SOURCES) $(wildcard tests/unit/*net*.c) \
	tests/unit/fake_link.c tools/net-tap-echo.c): \
	HOST_CFLAGS += -Iuser/include

# User programs: each user/programs/<name>.c becomes build/user/<name>.elf, linked at
# CAIRN_USER_BASE with crt0 and the runtime library, and a Multiboot2 module named <name>.
USER_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-fno-omit-frame-pointer -fno-strict-aliasing \
	-Wall -Wextra -Werror -MD -MP -I. -Iinclude -Iuser/include
USER_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,--fatal-warnings -Wl,-T,user/user.ld
USER_LIBRARY_SOURCES := $(wildcard user/lib/*.c user/lib/*.S)
USER_LIBRARY_OBJECTS := $(patsubst user/%,$(BUILD)/user/%.o,$(USER_LIBRARY_SOURCES)) \
	$(BUILD)/user/kernel/printf.c.o $(BUILD)/user/kernel/string.c.o
USER_C_OBJECTS := $(patsubst user/%,$(BUILD)/user/%.o,$(wildcard user/lib/*.c user/programs/*.c))
USER_S_OBJECTS := $(patsubst user/%,$(BUILD)/user/%.o,$(wildcard user/*.S user/lib/*.S))
USER_PROGRAMS := $(sort $(basename $(notdir $(wildcard user/programs/*.c))))
USER_ELFS := $(patsubst %,$(BUILD)/user/%.elf,$(USER_PROGRAMS))

DEPS_STAMP := $(BUILD)/.deps-installed

.PHONY: all user run gdb test bench soak unit-tests clean clean-image deps crashtest fuzz \
	fuzz-targets
all: $(BUILD)/kernel.elf $(USER_ELFS) $(BUILD)/cairn.iso $(BUILD)/fresh.img $(BUILD)/cairn-img \
	$(BUILD)/crash-explore $(BUILD)/window-shim.so $(BUILD)/net-tap-echo
user: $(USER_ELFS)

# Installs (as root) or names (otherwise) the Debian packages that are missing.
deps $(DEPS_STAMP): tools/deps.sh
	@sh tools/deps.sh
	@mkdir -p $(BUILD) && touch $(DEPS_STAMP)

$(BUILD)/%.c.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/%.S.o: %.S | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(ASFLAGS) -c $< -o $@

# Two links: the first gives the addresses for the symbol table, which sits in
# the last section (.ksymbols) so that filling it in moves nothing else.
$(BUILD)/ksymbols-empty.c: tools/gen-ksymbols | $(DEPS_STAMP)
	@mkdir -p $(BUILD)
	sh tools/gen-ksymbols --empty > $@

$(BUILD)/ksymbols-empty.c.o: $(BUILD)/ksymbols-empty.c
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/kernel-pass1.elf: $(KERNEL_OBJECTS) $(BUILD)/ksymbols-empty.c.o arch/i386/linker.ld
	$(CC) $(LDFLAGS) -o $@ $(KERNEL_OBJECTS) $(BUILD)/ksymbols-empty.c.o -lgcc

$(BUILD)/ksymbols.c: $(BUILD)/kernel-pass1.elf tools/gen-ksymbols
	sh tools/gen-ksymbols $(NM) $< > $@

$(BUILD)/ksymbols.c.o: $(BUILD)/ksymbols.c
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/kernel.elf: $(KERNEL_OBJECTS) $(BUILD)/ksymbols.c.o arch/i386/linker.ld
	$(CC) $(LDFLAGS) -o $@ $(KERNEL_OBJECTS) $(BUILD)/ksymbols.c.o -lgcc
	@$(NM) -n $(BUILD)/kernel-pass1.elf | grep ' [tT] ' > $(BUILD)/symbols-pass1.txt
	@$(NM) -n $@ | grep ' [tT] ' > $(BUILD)/symbols-final.txt
	@cmp -s $(BUILD)/symbols-pass1.txt $(BUILD)/symbols-final.txt || \
		{ echo "error: the symbol table moved code between links"; rm -f $@; exit 1; }

# The user runtime: crt0 stays a separate object; the rest is an archive, kernel/printf.c and
# kernel/string.c included.
$(USER_C_OBJECTS): $(BUILD)/user/%.c.o: user/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(USER_CFLAGS) -c $< -o $@

$(USER_S_OBJECTS): $(BUILD)/user/%.S.o: user/%.S | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(ASFLAGS) -c $< -o $@

# The kernel's portable formatter and string functions serve user programs too (string.c's
# bulk copies use the unprivileged rep-string wrappers of <arch/cpu.h>).
$(BUILD)/user/kernel/%.c.o: kernel/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $< (user)"
	@$(CC) $(USER_CFLAGS) -Iarch/i386/include -c $< -o $@

$(BUILD)/user/libcairn.a: $(USER_LIBRARY_OBJECTS)
	@echo "  AR      $@"
	@rm -f $@ && $(AR) rcs $@ $(USER_LIBRARY_OBJECTS)

$(BUILD)/user/%.elf: $(BUILD)/user/programs/%.c.o $(BUILD)/user/crt0.S.o $(BUILD)/user/libcairn.a \
		user/user.ld
	@echo "  LD      $@"
	@$(CC) $(USER_LDFLAGS) -o $@ $(BUILD)/user/crt0.S.o $< $(BUILD)/user/libcairn.a -lgcc

# tools/grub.cfg with one `module2 /boot/programs/<name>.elf <name>` line per program after multiboot2.
$(BUILD)/grub.cfg: tools/grub.cfg Makefile $(wildcard user/programs/*.c) | $(DEPS_STAMP)
	@mkdir -p $(BUILD)
	@echo "  GEN     $@"
	@awk -v programs="$(USER_PROGRAMS)" '{ print } \
		/^[ \t]*multiboot2[ \t]/ { count = split(programs, name, " "); \
			for (i = 1; i <= count; i++) \
				printf "    module2 /boot/programs/%s.elf %s\n", name[i], name[i] }' \
		tools/grub.cfg > $@

$(BUILD)/cairn.iso: $(BUILD)/kernel.elf $(BUILD)/grub.cfg $(USER_ELFS)
	@rm -rf $(BUILD)/iso && mkdir -p $(BUILD)/iso/boot/grub $(BUILD)/iso/boot/programs
	cp $(BUILD)/kernel.elf $(BUILD)/iso/boot/kernel.elf
	cp $(BUILD)/grub.cfg $(BUILD)/iso/boot/grub/grub.cfg
	cp $(USER_ELFS) $(BUILD)/iso/boot/programs/
	grub-mkrescue -o $@ $(BUILD)/iso 2> $(BUILD)/grub-mkrescue.log || \
		{ cat $(BUILD)/grub-mkrescue.log; exit 1; }

# The system you run lives in cairn.img, outside build/, so make clean never erases it.
IMAGE ?= cairn.img

# A fresh system starts the shell; an existing one resumes whatever it was running.
run: all
	tools/cairn-qemu --disk $(IMAGE) $(if $(wildcard $(IMAGE)),,--cmdline "run=shell")

# Deletes your system image (cairn.img); the next make run starts a fresh one.
clean-image:
	@echo "cairn: deleting $(IMAGE), the disk image of your Cairn system"
	rm -f $(IMAGE)

# Boots halted with a gdb stub on localhost:1234; .gdbinit loads the symbols and connects.
gdb: all
	@printf 'file $(BUILD)/kernel.elf\ntarget remote localhost:1234\n' > .gdbinit
	@echo "cairn: QEMU is waiting for gdb; in another terminal, in this folder: gdb -x .gdbinit"
	tools/cairn-qemu --gdb --disk $(IMAGE)

$(BUILD)/host/%.c.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOSTCC) $(HOST_CFLAGS) -c $< -o $@

$(BUILD)/unit-tests: $(UNIT_OBJECTS)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $(UNIT_OBJECTS)

unit-tests: $(BUILD)/unit-tests

# The network stack on a Linux tap interface, with the sanitizers, for tests/test_net_tap.py.
$(BUILD)/net-tap-echo: $(BUILD)/host/tools/net-tap-echo.c.o \
		$(patsubst %,$(BUILD)/host/%.o,$(UNIT_NET_SOURCES))
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $^

# Host tools, built from the same store code as the kernel.
TOOL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -MD -MP -I. -Iinclude
TOOL_COMMON_SOURCES := $(STORE_SOURCES) kernel/printf.c tools/host_shim.c tools/host_blockdev.c \
	tools/host_crc32c.c
TOOL_COMMON_OBJECTS := $(patsubst %,$(BUILD)/tool/%.o,$(TOOL_COMMON_SOURCES))

$(BUILD)/tool/%.c.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $< (tool)"
	@$(HOSTCC) $(TOOL_CFLAGS) -c $< -o $@

$(BUILD)/mkimage: $(BUILD)/tool/tools/mkimage.c.o $(TOOL_COMMON_OBJECTS)
	$(HOSTCC) -o $@ $^

$(BUILD)/cairn-img: $(BUILD)/tool/tools/cairn-img.c.o $(BUILD)/tool/tools/image_check.c.o \
		$(TOOL_COMMON_OBJECTS)
	$(HOSTCC) -o $@ $^

$(BUILD)/crash-explore: $(BUILD)/tool/tools/crash-explore.c.o $(BUILD)/tool/tools/image_check.c.o \
		$(TOOL_COMMON_OBJECTS)
	$(HOSTCC) -o $@ $^

# Loaded into QEMU by tools/bench to time the output window (see the file).
$(BUILD)/window-shim.so: tools/window-shim.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -shared -fPIC -o $@ $< -ldl

# The first-boot image: every user program, no data set.
$(BUILD)/fresh.img: $(BUILD)/mkimage $(USER_ELFS)
	$(BUILD)/mkimage -o $@ --size 64 $(USER_ELFS)

test: all unit-tests
	$(PYTHON) -m pytest -p no:cacheprovider -q --basetemp=$(BUILD)/pytest tests/

# Figures, not assertions: guest instructions under --icount and wall time under TCG.
bench: all
	$(PYTHON) tools/bench

# A tour without a keyboard: counter, kv, clock and shm across two power cuts (tools/demo).
.PHONY: demo
demo: all
	$(PYTHON) tools/demo

# Long runs: 500 boots of one image running counter and pingpong, each killed at a random
# moment; kv under 100 cut boots; fuzz's 1,000,000 calls across 10 cuts; 200 boots of randomly
# corrupted images; 5,000 runs of a short program from the shell, with memory and the store
# flat; udpecho across 100 power cuts. All run; any failing fails soak. `make soak SOAK_CYCLES=30 SOAK_KV_CYCLES=10`
# is a short check.
SOAK_CYCLES ?= 500
SOAK_KV_CYCLES ?= 100
SOAK_BANK_RUNS ?= 5000
SOAK_NET_CUTS ?= 100

soak: all
	@status=0; \
	$(PYTHON) tools/powercut --cycles $(SOAK_CYCLES) || status=1; \
	CAIRN_KV_CYCLES=$(SOAK_KV_CYCLES) $(PYTHON) -m pytest -p no:cacheprovider -q -s \
		--basetemp=$(BUILD)/pytest-soak \
		tests/qemu/test_kv.py::test_kv_acknowledged_sets_survive_power_cuts || status=1; \
	TORTURE_CALLS=1000000 TORTURE_CUTS=10 $(PYTHON) -m pytest -p no:cacheprovider -q -s \
		--basetemp=$(BUILD)/pytest-soak tests/qemu/test_torture.py || status=1; \
	CORRUPTION_BOOTS=200 $(PYTHON) -m pytest -p no:cacheprovider -q -s \
		--basetemp=$(BUILD)/pytest-soak tests/qemu/test_corruption.py || status=1; \
	CAIRN_BANK_RUNS=$(SOAK_BANK_RUNS) $(PYTHON) -m pytest -p no:cacheprovider -q -s \
		--basetemp=$(BUILD)/pytest-soak \
		tests/qemu/test_banks.py::test_programs_that_end_leave_nothing_behind || status=1; \
	CAIRN_NET_CUTS=$(SOAK_NET_CUTS) $(PYTHON) -m pytest -p no:cacheprovider -q -s \
		--basetemp=$(BUILD)/pytest-soak \
		tests/qemu/test_udpecho.py::test_udpecho_answers_again_after_every_power_cut || status=1; \
	exit $$status

# libFuzzer targets (clang) for everything that reads an image; seeds in tests/fuzz/corpus/.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-I. -Iinclude
FUZZ_SOURCES := $(STORE_SOURCES) kernel/printf.c tools/host_shim.c tools/image_check.c
FUZZ_TARGETS := $(BUILD)/fuzz/fuzz_blocks $(BUILD)/fuzz/fuzz_image $(BUILD)/fuzz/fuzz_recovery $(BUILD)/fuzz/fuzz_fields

$(BUILD)/fuzz/fuzz_blocks: tests/fuzz/fuzz_blocks.c $(FUZZ_SOURCES) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^

$(BUILD)/fuzz/fuzz_image: tests/fuzz/fuzz_image.c $(FUZZ_SOURCES) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^

$(BUILD)/fuzz/fuzz_recovery: tests/fuzz/fuzz_image.c $(FUZZ_SOURCES) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -DFUZZ_RECOVERY -o $@ $^

$(BUILD)/fuzz/fuzz_fields: tests/fuzz/fuzz_image.c $(FUZZ_SOURCES) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -DFUZZ_FIELDS -o $@ $^

fuzz-targets: $(FUZZ_TARGETS)

# Runs each target for FUZZ_SECONDS; new inputs collect in build/fuzz/corpus-*, crashes in build/fuzz/.
fuzz: $(FUZZ_TARGETS)
	@for target in blocks image recovery fields; do \
		seeds=tests/fuzz/corpus/$$target; [ $$target = recovery ] && seeds=tests/fuzz/corpus/image; \
		mkdir -p $(BUILD)/fuzz/corpus-$$target; \
		echo "fuzz: $$target for $(FUZZ_SECONDS) s"; \
		maxlen=270000; [ $$target = fields ] && maxlen=1024; \
		$(BUILD)/fuzz/fuzz_$$target -max_total_time=$(FUZZ_SECONDS) -max_len=$$maxlen \
			-print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/$$target- \
			$(BUILD)/fuzz/corpus-$$target $$seeds 2>&1 | \
			grep -E "^(stat::number_of_executed_units|stat::new_units_added|Done|==.*ERROR|SUMMARY)" \
			|| true; \
		test -z "$$(ls $(BUILD)/fuzz/$$target-* 2>/dev/null)" || \
			{ echo "fuzz: $$target found a crash: $$(ls $(BUILD)/fuzz/$$target-*)"; exit 1; }; \
	done

# Crash states of a recorded run of counter (tools/crashtest): prints how many were explored.
crashtest: all
	$(PYTHON) tools/crashtest --lines 200 --tears 32 --boots 12

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
