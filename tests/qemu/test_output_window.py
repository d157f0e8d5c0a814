"""The release records as QEMU sees them: build/window-shim.so notes, inside QEMU, every line
that reaches the console and every write of a release record (tools/window-shim.c)."""

import re
import shutil

from conftest import ROOT

from cairn import bench, window_shim_environment



def run_with_shim(boot, tmp_path, cmdline, until, timeout=20):
    """Boots a copy of the fresh image with the shim until the console shows until (text, or
    a compiled regex), then cuts the power; returns (console text, the shim's events)."""
    if isinstance(until, str):
        until = re.compile(re.escape(until))
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    log = tmp_path / "window.log"
    environment = window_shim_environment(log)
    guest = boot(disk=image, snapshot=False, cmdline=cmdline, environment=environment)
    guest.wait_until(until.search, timeout)
    guest.close()
    text = guest.raw_output
    assert until.search(text), text[-2000:]
    return text, bench.window_events(str(log))


RELEASE_LINES = 64      # kernel/console.c: the most lines one release step sends


def batches(events):
    """The program lines between two release records, for each record, and whether every line
    was followed by a record."""
    program = [kind for kind, _ in events if kind in "NR"]
    sizes, lines = [], 0
    for kind in program:
        if kind == "N":
            lines += 1
        else:
            sizes.append(lines)
            lines = 0
    return sizes, lines == 0


def test_program_lines_are_recorded_a_batch_at_a_time(tmp_path, boot):
    """`life` prints a frame of 25 lines at once, all released by one checkpoint. The lines go
    to the console in batches of at most RELEASE_LINES, each followed by a release record
    before the next line: the frame's lines share a record (before issue 15, item 3, each
    line had one, a disk write each). The cut comes after generation 2's first line, so the
    first two frames' 50 lines are recorded."""
    text, events = run_with_shim(boot, tmp_path, "run=life:3:100", "life: generation 2,")
    # The cut follows the text the host waits for, so on a loaded host it can come before the
    # last batch's record (the output window, docs/abi.md): that batch is not counted.
    sizes, _ = batches(events)
    assert sum(sizes) >= 50, (sizes, text[-2000:])
    assert max(sizes) <= RELEASE_LINES and 0 not in sizes[1:], sizes
    assert len(sizes) < sum(sizes) / 4, sizes          # per batch, not per line
    assert "K" in [kind for kind, _ in events]     # the kernel's own lines are told apart


FLOOD_LINES = 16384


def test_a_flood_of_lines_is_released_in_bounded_batches_beside_other_programs(tmp_path, boot):
    """Issue 15, item 3: hostile-flood writes 16,384 short lines, more than the kernel holds at
    once, beside a copy of itself that sleeps 10 ms at a time and prints a line after each
    sleep. Every flood line appears once and in order, in batches of at most RELEASE_LINES
    with one release record each (before the fix: a record, a disk write, per line, and
    seconds without any program running); the sleeper's lines come in between; after the
    flood the kernel, its checkpoints and output commit go on."""
    text, events = run_with_shim(
        boot, tmp_path, "run=hostile-flood,hostile-flood:sleep",
        re.compile(r"^hostile-flood: wrote %d lines\n(?:.*\n){20}" % FLOOD_LINES, re.M),
        timeout=120)
    flood = [int(n) for n in re.findall(r"^flood (\d+)$", text, re.M)]
    assert flood == list(range(1, FLOOD_LINES + 1)), text[-2000:]
    slept = [int(n) for n in re.findall(r"^hostile-flood: slept (\d+) ", text, re.M)]
    assert slept == list(range(1, len(slept) + 1)), text[-2000:]
    first, end = text.index("\nflood 1\n"), text.index("\nflood %d\n" % FLOOD_LINES)
    among = len(re.findall(r"^hostile-flood: slept ", text[first:end], re.M))
    assert among >= 4, (among, text[-2000:])
    sizes, _ = batches(events)
    assert sum(sizes) >= FLOOD_LINES and max(sizes) <= RELEASE_LINES, sizes
    assert len(sizes) < FLOOD_LINES / 8, len(sizes)
    assert re.search(r"^\[k\] output commit: on", text, re.M), text[:2000]
    assert not re.search(r"^\[k\] (error|warning): |checkpoints are off|output commit off",
                         text, re.M), text[-2000:]


def test_without_output_commit_nothing_is_recorded(tmp_path, boot):
    text, events = run_with_shim(boot, tmp_path, "run=counter output_commit=off", "counter: 3\n")
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
