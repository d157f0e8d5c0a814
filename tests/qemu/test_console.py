"""The console: output commit, the kernel's marked log, console input, the clocks."""

import re
import time

from cairn.qmp import Qmp


def test_kernel_lines_are_marked_and_program_lines_are_not(boot):
    guest = boot(cmdline="run=counter:2")
    guest.expect(r"^counter: 2$", timeout=20)
    raw = guest.raw_output
    assert re.search(r"^\[k\] starting init with 1 program$", raw, re.M), raw
    assert re.search(r"^\[k\] output commit: on", raw, re.M), raw
    assert re.search(r"^counter: 1$", raw, re.M), raw
    assert not re.search(r"^\[k\] counter", raw, re.M), raw


def test_output_waits_for_its_checkpoint(boot):
    """No period, no dirty limit and a 60 s output delay: nothing starts a checkpoint, so the
    counter's lines stay held although it ran to its end (loglevel=3 logs its exit)."""
    guest = boot(cmdline="run=counter:3 loglevel=3 ckpt.interval=0 ckpt.dirty_mib=0 "
                         "ckpt.output_delay=60000")
    guest.expect(r"^debug: process \d+ \(counter\) exited with status 0$", timeout=20)
    assert not re.search(r"^(counter|init):", guest.output, re.M), guest.describe()


def test_output_commit_off_says_so(boot):
    guest = boot(cmdline="output_commit=off run=counter:2")
    guest.expect(r"^output commit: off \(output_commit=off\)")
    guest.expect(r"^counter: 2$", timeout=20)


def test_without_a_store_output_is_not_held(boot):
    guest = boot(cmdline="boot=modules run=counter:2")
    guest.expect(r"^output commit: off: no checkpoint can be taken")
    guest.expect(r"^counter: 2$", timeout=20)


VGA_COLUMNS, VGA_ROWS, VGA_TEXT = 80, 25, 0xB8000
SCREEN_SECONDS = 10


def terminal_rows(text):
    """The rows a console of VGA_COLUMNS shows for text: a line wraps after its last column,
    and a newline right after a full row only ends it (no empty row between)."""
    rows = [bytearray()]
    for byte in text:
        if byte == ord("\n"):
            rows.append(bytearray())
        elif byte != ord("\r"):
            if len(rows[-1]) == VGA_COLUMNS:
                rows.append(bytearray())
            rows[-1].append(byte)
    return [bytes(row).ljust(VGA_COLUMNS) for row in rows]


def vga_screen(monitor, dump):
    """The VGA text screen's rows, from guest memory."""
    monitor.execute("pmemsave", val=VGA_TEXT, size=VGA_COLUMNS * VGA_ROWS * 2,
                    filename=str(dump))
    cells = dump.read_bytes()
    return [bytes(cells[(row * VGA_COLUMNS + column) * 2] for column in range(VGA_COLUMNS))
            for row in range(VGA_ROWS)]


def expected_screen(text):
    expected = terminal_rows(text)[-VGA_ROWS:]
    return expected + [b" " * VGA_COLUMNS] * (VGA_ROWS - len(expected))


def test_vga_mirrors_the_console_wrapping_long_lines_once(tmp_path, boot):
    """The screen shows what the serial port showed, long lines wrapped once. A batch of
    program output reaches the screen just after the port (and its release record), so the
    screen is read until it has caught up with the port, for at most SCREEN_SECONDS."""
    # "[k] command line: " and this are exactly 80 columns: the line fills one row.
    cmdline = "run=counter:3 ckpt.interval=100 loglevel=2 loglevel=2 help=off"
    socket_path = tmp_path / "qmp.sock"
    guest = boot(cmdline=cmdline, extra=["--qmp", str(socket_path)])
    guest.expect(r"^counter: 3$", timeout=20)
    monitor = Qmp(str(socket_path), timeout=10)
    dump = tmp_path / "vga.bin"
    deadline = time.monotonic() + SCREEN_SECONDS
    try:
        while True:
            guest.read(0.2)                             # the console reader catches up
            text = guest.raw_output.encode()
            screen, expected = vga_screen(monitor, dump), expected_screen(text)
            if screen == expected or time.monotonic() > deadline:
                break
    finally:
        monitor.close()
    lines = text.split(b"\n")
    assert b"[k] command line: " + cmdline.encode() in lines and \
        len(b"[k] command line: " + cmdline.encode()) == VGA_COLUMNS
    assert any(len(line) > VGA_COLUMNS for line in lines), "no line longer than a row"
    assert screen == expected, "VGA:\n%s\nexpected:\n%s" % (
        b"\n".join(screen).decode("latin-1"), b"\n".join(expected).decode("latin-1"))
