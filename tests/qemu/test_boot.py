"""Boots Cairn in QEMU: banner, in-kernel tests, deliberate faults, command-line options, echo, memory size."""

import re
from pathlib import Path

import pytest

from cairn.launcher import SSE42_CPU

ROOT = Path(__file__).resolve().parent.parent.parent
PROMPT = r"^kernel monitor: each line typed on the console is echoed back$"
STATUS_SUCCESS, STATUS_TEST_FAILURE, STATUS_PANIC = 0, 1, 3
SYMBOL_LINE = r"^ +[0-9a-f]{8} +%s\+0x[0-9a-f]+$"


def kernel_version():
    text = (ROOT / "include" / "cairn" / "version.h").read_text()
    return re.search(r'#define CAIRN_VERSION "([^"]+)"', text).group(1)


def kernel_options():
    """(name, type word in the help table, default) for each option of kernel/config.c."""
    text = (ROOT / "kernel" / "config.c").read_text()
    type_words = {"BOOL": "on/off", "INT": "number", "STRING": "text"}
    options = [(name, type_words[kind], default) for name, kind, default in re.findall(
        r'\{\s*"([\w.]+)",\s*OPTION_(BOOL|INT|STRING),\s*"([^"]*)"', text)]
    assert options, "no option table found in kernel/config.c"
    return options


def option_default(name):
    return next(default for option, _, default in kernel_options() if option == name)


def expect_banner(guest):
    """Checks the four banner lines, in order; returns (loader name, usable MiB)."""
    match = guest.expect(
        r"^Cairn %s \(i386\), a persistent capability microkernel\n"
        r"boot loader: (.+)\n"
        r"memory: (\d+) MiB usable, \d+ KiB free\n"
        r"command line: .+$" % re.escape(kernel_version()))
    return match.group(1), int(match.group(2))


@pytest.mark.parametrize("kernel_direct", [False, True], ids=["iso", "kernel-direct"])
def test_banner_then_prompt(boot, kernel_direct):
    guest = boot(cmdline="monitor", kernel_direct=kernel_direct)
    loader, _ = expect_banner(guest)
    if kernel_direct:
        assert loader == "qemu"
    else:
        assert loader.startswith("GRUB")
    guest.expect(PROMPT)


def test_kernel_direct_command_line_holds_only_the_options(boot):
    guest = boot(cmdline="monitor loglevel=2", kernel_direct=True)
    guest.expect(PROMPT)
    assert "unknown option" not in guest.output
    assert re.search(r"^command line: monitor loglevel=2$", guest.output, re.MULTILINE), guest.output


def ktap_results(output):
    """(plan count, [(ok, number, name)]) from the KTAP lines of output."""
    assert re.search(r"^KTAP version 1$", output, re.MULTILINE), output
    plan = re.search(r"^1\.\.(\d+)$", output, re.MULTILINE)
    assert plan, "no KTAP plan line\n" + output
    results = [(not negated, int(number), name) for negated, number, name in
               re.findall(r"^(not )?ok (\d+) (\S+)", output, re.MULTILINE)]
    return int(plan.group(1)), results


def test_ktest_all_passes(boot):
    guest = boot(cmdline="ktest=all")
    status = guest.wait_exit()
    planned, results = ktap_results(guest.output)
    assert planned >= 1
    assert len(results) == planned, guest.output
    assert [number for _, number, _ in results] == list(range(1, planned + 1))
    assert [name for ok, _, name in results if not ok] == [], guest.output
    assert re.search(r"^# ktest: %d passed, 0 failed$" % planned, guest.output, re.MULTILINE)
    assert status == STATUS_SUCCESS, guest.output


def test_crc32_instruction_matches_the_tables_in_the_kernel(boot):
    """On a CPU with SSE4.2 the kernel checksums with the crc32 instruction, and the ktest
    compares it with the tables over every length and alignment (without SSE4.2, as under
    the launcher's default model, ktest=all checks the tables alone)."""
    guest = boot(cmdline="ktest=crc32c_instruction_matches_table", extra=["--cpu", SSE42_CPU])
    status = guest.wait_exit()
    assert re.search(r"^checksums: CRC32C with the crc32 instruction \(SSE4\.2\)$",
                     guest.output, re.M), guest.output
    assert ktap_results(guest.output) == (1, [(True, 1, "crc32c_instruction_matches_table")])
    assert "only the tables checked" not in guest.output, guest.output
    assert status == STATUS_SUCCESS, guest.output


def test_ktest_runs_only_the_named_test(boot):
    guest = boot(cmdline="ktest=format_in_kernel")
    status = guest.wait_exit()
    planned, results = ktap_results(guest.output)
    assert planned == 1
    assert results == [(True, 1, "format_in_kernel")], guest.output
    assert status == STATUS_SUCCESS, guest.output


def test_ktest_runs_a_comma_separated_list(boot):
    guest = boot(cmdline="ktest=format_in_kernel,frames_contiguous")
    status = guest.wait_exit()
    planned, results = ktap_results(guest.output)
    assert planned == 2
    assert sorted(name for _, _, name in results) == ["format_in_kernel", "frames_contiguous"]
    assert all(ok for ok, _, _ in results), guest.output
    assert status == STATUS_SUCCESS, guest.output


def test_ktest_with_no_match_fails(boot):
    guest = boot(cmdline="ktest=no_such_ktest")
    guest.expect(r"^1\.\.0$")
    guest.expect(r"no test matches 'no_such_ktest'")
    assert guest.wait_exit() == STATUS_TEST_FAILURE


@pytest.mark.parametrize("kind, name, vector", [
    ("page", "page fault", 14),
    ("divide", "divide error", 0),
    ("opcode", "invalid opcode", 6),
    ("gp", "general protection fault", 13),
])
def test_deliberate_fault_is_reported(boot, kind, name, vector):
    guest = boot(cmdline="fault=" + kind)
    guest.expect(r"^\*\*\* KERNEL FAULT: %s \(vector %d\), error code (0|0x[0-9a-f]+)$"
                 % (re.escape(name), vector))
    guest.expect(r"^eax=[0-9a-f]{8} ebx=[0-9a-f]{8} ecx=[0-9a-f]{8} edx=[0-9a-f]{8}$")
    registers = guest.expect(r"^cr0=([0-9a-f]{8}) cr2=([0-9a-f]{8}) cr3=[0-9a-f]{8}")
    assert int(registers.group(1), 16) & 0x80000000, "CR0.PG clear: paging should be on"
    if kind == "page":
        assert registers.group(2) == "00000000", "the deliberate page fault writes address 0"
    guest.expect(r"^stack trace:$")
    guest.expect(SYMBOL_LINE % "platform_deliberate_fault")
    guest.expect(SYMBOL_LINE % "kernel_main")
    assert guest.wait_exit() == STATUS_PANIC, guest.output


def test_deliberate_panic_is_reported(boot):
    guest = boot(cmdline="fault=panic")
    guest.expect(r"^\*\*\* KERNEL PANIC at kernel/main\.c:\d+: deliberate panic \(fault=panic\)$")
    guest.expect(r"^stack trace:\n +[0-9a-f]{8} +[A-Za-z_]\w*\+0x[0-9a-f]+$")
    guest.expect(SYMBOL_LINE % r"\w+")
    assert guest.wait_exit() == STATUS_PANIC, guest.output
    assert "kernel_main+0x" in guest.output.split("stack trace:")[1]


def test_unknown_option_warns_and_boot_continues(boot):
    guest = boot(cmdline="monitor " + "bogus=1")
    guest.expect(r"^warning: unknown option 'bogus'; ignored \(boot with 'help' to list options\)$")
    guest.expect(PROMPT)


def test_malformed_option_warns_and_keeps_default(boot):
    guest = boot(cmdline="monitor " + "tick_hz=abc")
    guest.expect(r"^warning: option 'tick_hz' wants a whole number from 10 to 10000, "
                 r"got 'abc'; ignored$")
    guest.expect(r"^timer: %s Hz;" % option_default("tick_hz"))
    guest.expect(PROMPT)


def test_option_value_takes_effect(boot):
    guest = boot(cmdline="monitor " + "tick_hz=250")
    guest.expect(r"^timer: 250 Hz;")
    guest.expect(PROMPT)
    assert not re.search(r"^warning: .*option", guest.output, re.MULTILINE), guest.output


def test_console_lines_are_echoed(boot):
    guest = boot(cmdline="monitor")
    guest.expect(PROMPT)
    guest.send("hello cairn\r")
    guest.expect(r"^echo: hello cairn$")
    guest.send("cairm\x7fn\r")     # DEL erases the last character
    guest.expect(r"^echo: cairn$")


@pytest.mark.parametrize("mem", [32, 512])
def test_banner_shows_memory_size(boot, mem):
    guest = boot(cmdline="monitor", mem=mem)
    _, usable = expect_banner(guest)
    assert mem - 4 <= usable <= mem, "%d MiB usable with --mem %d" % (usable, mem)


def test_help_lists_every_option(boot):
    guest = boot(cmdline="monitor " + "help")
    header = guest.expect(r"^kernel command-line options")
    prompt = guest.expect(PROMPT)
    table = prompt.string[header.end():prompt.start()]
    for name, type_word, default in kernel_options():
        row = r"^  %s +%s +default '%s'" % (name, re.escape(type_word), re.escape(default))
        assert re.search(row, table, re.MULTILINE), "no row for '%s' in\n%s" % (name, table)
