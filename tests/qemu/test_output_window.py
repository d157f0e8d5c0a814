"""The release records as QEMU sees them: build/window-shim.so notes, inside QEMU, every line
that reaches the console and every write of a release record (tools/window-shim.c)."""

import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import time

from conftest import ROOT

_LOADER = importlib.machinery.SourceFileLoader("bench", str(ROOT / "tools" / "bench"))
_SPEC = importlib.util.spec_from_loader("bench", _LOADER)
bench = importlib.util.module_from_spec(_SPEC)
_LOADER.exec_module(bench)

SHIM = ROOT / "build" / "window-shim.so"


def run_with_shim(tmp_path, cmdline, until, timeout=20):
    """Boots a copy of the fresh image with the shim until the console shows until; returns
    (console text, the shim's events)."""
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    log = tmp_path / "window.log"
    environment = dict(os.environ, LD_PRELOAD=str(SHIM), CAIRN_WINDOW_LOG=str(log))
    process = subprocess.Popen([str(ROOT / "tools" / "cairn-qemu"), "--cache", "unsafe",
                                "--disk", str(image), "--cmdline", cmdline],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True,
                               env=environment)
    output = b""
    deadline = time.monotonic() + timeout
    try:
        os.set_blocking(process.stdout.fileno(), False)
        while until.encode() not in output.replace(b"\r\n", b"\n") and \
                time.monotonic() < deadline:
            chunk = process.stdout.read()
            if chunk:
                output += chunk
            elif process.poll() is not None:
                break
            else:
                time.sleep(0.05)
    finally:
        os.killpg(process.pid, 9)
        process.wait()
        process.stdout.close()
    text = output.decode(errors="replace").replace("\r\n", "\n")
    assert until in text, text[-2000:]
    return text, bench.window_events(str(log))


def test_every_program_line_is_recorded_before_the_next_one(tmp_path):
    """`life` prints a frame of 25 lines at once, all released by one checkpoint; each line at
    the console is followed by a release record before the next: the kernel records each line,
    not each release."""
    text, events = run_with_shim(tmp_path, "run=life:3:100", "life: generation 2,")
    program = [kind for kind, _ in events if kind in "NR"]
    lines = program.count("N")
    assert lines >= 50, (program, text[-2000:])
    for i, kind in enumerate(program[:-1]):
        if kind == "N":
            assert program[i + 1] == "R", (i, program)
    assert "K" in [kind for kind, _ in events]     # the kernel's own lines are told apart


def test_without_output_commit_nothing_is_recorded(tmp_path):
    text, events = run_with_shim(tmp_path, "run=counter output_commit=off", "counter: 3\n")
    kinds = [kind for kind, _ in events]
    assert kinds.count("N") >= 3 and "R" not in kinds, kinds


def test_window_text_measures_from_each_line_to_its_record():
    events = [("K", 0.5)]
    for i in range(20):
        events += [("N", 1.0 + i * 0.1), ("R", 1.0 + i * 0.1 + 0.0001)]
    events += [("N", 3.0), ("K", 3.00001), ("R", 3.0002)]
    text = bench.window_text(events)
    assert text.startswith("median 100 us, 90th percentile 100 us, max 200 us over 21 lines"), text
    assert "probability 0.00110" in text, text     # 2.2 ms of windows in 2 s
    assert bench.window_text([("N", 1.0), ("R", 1.1)]).startswith("n/a"), text
