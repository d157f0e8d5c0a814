"""The demos: shm across power cuts, hog with less RAM than it fills, life going on after a cut.

Each power cut is a SIGKILL of QEMU (guest.close()) on an image the next boot
resumes. What a demo printed is checked against what the host computes on
its own: shm's checksums in closed form, life's frames by replaying the game.
"""

import random
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import ROOT

FAILURE = re.compile(r"KERNEL (FAULT|PANIC)|^fatal|FAILED", re.M)
BOOT_SECONDS = 30

# user/programs/shm.c
SHM_ITEM_MULTIPLIER, SHM_ITEM_ADDEND = 2654435761, 0x9E3779B9
SHM_LINE = re.compile(r"^shm: report (\d+): (\d+) items, checksum 0x([0-9a-f]{8})$", re.M)
SHM_CUTS = 3

# user/programs/life.c
LIFE_COLUMNS, LIFE_ROWS, LIFE_SEED = 80, 24, 1970
LIFE_FRAME = re.compile(r"^life: generation (\d+), (\d+) cells\n((?:[.#]{80}\n){24})", re.M)


def program_lines(guest):
    """The complete lines a guest printed, without the kernel's own ("[k] ") lines."""
    text = guest.raw_output
    text = text[:text.rfind("\n") + 1]
    return "".join(line + "\n" for line in text.splitlines() if not line.startswith("[k] "))


def check_healthy(guest, what):
    failure = FAILURE.search(guest.output)
    assert failure is None, "%s: %r\n%s" % (what, failure.group(0), guest.describe())


def fresh_copy(tmp_path):
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    return image


def shm_checksum(items):
    """The sum of items 0..items-1 of shm modulo 2^32: sum(n * a + b)."""
    return (SHM_ITEM_MULTIPLIER * items * (items - 1) // 2 + SHM_ITEM_ADDEND * items) % (1 << 32)


@pytest.mark.timeout(150)
def test_shm_passes_every_item_once_across_three_power_cuts(tmp_path, boot):
    image = fresh_copy(tmp_path)
    randomizer = random.Random()
    seen = []                       # (report, items, checksum) over every boot, in order
    for number in range(SHM_CUTS + 1):
        guest = boot(disk=image, snapshot=False, cmdline="run=shm" if number == 0 else "")
        if number:
            guest.expect(r"^resumed checkpoint epoch \d+", timeout=BOOT_SECONDS)
        # A report after the (re)start: shm made progress in this boot.
        guest.expect(r"^shm: report \d+:", timeout=BOOT_SECONDS)
        if number < SHM_CUTS:
            time.sleep(randomizer.uniform(0.0, 1.5))
        guest.close()                                   # SIGKILL: the power goes off
        check_healthy(guest, "boot %d" % number)
        seen += [(int(k), int(n), int(c, 16)) for k, n, c in SHM_LINE.findall(program_lines(guest))]
    # Each report shown once, none missing, and the items only ever grow.
    assert [report for report, _, _ in seen] == list(range(1, len(seen) + 1)), seen
    counts = [items for _, items, _ in seen]
    assert counts == sorted(set(counts)), "items over all boots: %s" % counts
    for _, items, checksum in seen:
        assert checksum == shm_checksum(items), "after %d items: checksum 0x%08x, expected 0x%08x" % (
            items, checksum, shm_checksum(items))
    assert len(seen) >= SHM_CUTS + 1


@pytest.mark.timeout(180)
def test_hog_fills_and_checks_64_mib_with_32_mib_of_ram(tmp_path, boot):
    image = tmp_path / "big.img"
    elfs = sorted(str(p) for p in (ROOT / "build" / "user").glob("*.elf"))
    # 64 MiB of pages, written out by checkpoints, need a log bigger than the fresh image.
    subprocess.run([str(ROOT / "build" / "mkimage"), "-o", str(image), "--size", "256"] + elfs,
                   check=True, capture_output=True, timeout=60)
    guest = boot(disk=image, cmdline="run=hog:64", mem=32)
    guest.expect(r"^memory: (2\d|3[0-2]) MiB usable")
    guest.expect(r"^hog: filling 64 MiB with (2\d|3[0-2]) MiB of frames")
    # Each step must come within its own deadline: a stall fails here, not at the end.
    for verb in ("wrote", "checked"):
        for mebibytes in range(8, 65, 8):
            guest.expect(r"^hog: %s %d MiB " % (verb, mebibytes), timeout=30)
    guest.expect(r"^hog: ok, 64 MiB written and checked$")
    check_healthy(guest, "hog")


def life_replay(generations):
    """Life's boards 0..generations-1 (tuples of row strings), from the seed as life.c makes it."""
    state = LIFE_SEED

    def random_below(limit):
        nonlocal state
        state ^= (state << 13) & 0xFFFFFFFF
        state ^= state >> 17
        state ^= (state << 5) & 0xFFFFFFFF
        return state % limit

    board = [[random_below(4) == 0 for _ in range(LIFE_COLUMNS)] for _ in range(LIFE_ROWS)]
    boards = []
    for _ in range(generations):
        boards.append(tuple("".join("#" if cell else "." for cell in row) for row in board))
        board = [[life_next(board, y, x) for x in range(LIFE_COLUMNS)] for y in range(LIFE_ROWS)]
    return boards


def life_next(board, y, x):
    neighbours = sum(board[(y + dy) % LIFE_ROWS][(x + dx) % LIFE_COLUMNS]
                     for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dx or dy)
    return neighbours == 3 or (neighbours == 2 and board[y][x])


def life_frames(guest):
    """{generation: (cells, rows)} of every whole frame the guest printed."""
    return {int(match.group(1)): (int(match.group(2)), tuple(match.group(3).splitlines()))
            for match in LIFE_FRAME.finditer(program_lines(guest))}


def life_headers(guest):
    return [int(n) for n in re.findall(r"^life: generation (\d+),", program_lines(guest), re.M)]


@pytest.mark.timeout(90)
def test_life_goes_on_counting_generations_after_a_power_cut(tmp_path, boot):
    image = fresh_copy(tmp_path)
    first = boot(disk=image, snapshot=False, cmdline="run=life:0:200")
    # Cut between frames (one every 200 ms): a cut right after a line reaches the console can
    # land in that line's window before its release record, and show it twice (docs/abi.md).
    first.expect(r"^life: generation 3,(.*\n){25}", timeout=BOOT_SECONDS)
    time.sleep(0.05)
    first.close()                                       # SIGKILL: the power goes off
    check_healthy(first, "the first boot")
    second = boot(disk=image, snapshot=False)
    second.expect(r"^resumed checkpoint epoch \d+", timeout=BOOT_SECONDS)
    before = life_headers(first)
    second.expect(r"^life: generation %d,(.*\n){25}" % (before[-1] + 3), timeout=BOOT_SECONDS)
    check_healthy(second, "the second boot")
    after = life_headers(second)
    # Output commit: every generation shown once, none skipped, across the cut.
    assert before + after == list(range(len(before) + len(after))), (before, after)
    frames = {**life_frames(first), **life_frames(second)}
    boards = life_replay(max(frames) + 1)
    for generation, (cells, rows) in sorted(frames.items()):
        assert rows == boards[generation], "generation %d is not the game's" % generation
        assert cells == sum(row.count("#") for row in rows), "generation %d" % generation
    assert after and after[0] > 0 and len(frames) >= 4


@pytest.mark.timeout(240)
def test_make_demo_tours_without_a_keyboard_and_every_check_holds(tmp_path):
    """tools/demo is what make demo runs: three boots, two power cuts, then its narrative."""
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "demo"),
                             "--image", str(tmp_path / "demo.img")],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=220)
    narrative = result.stdout
    assert result.returncode == 0 and "demo: every check holds" in narrative, \
        narrative + result.stderr
    for claim in ("counter: 1..", "kv: ", "shm: reports 1..", "pingpong: ",
                  "restart counter: 2", "clock: slept 8 s"):
        assert re.search(r"^  \[ok\] " + re.escape(claim), narrative, re.M), (claim, narrative)
