"""Randomly corrupted real images in QEMU: bytes flipped, the file truncated, a segment zeroed.
Each boot must restore the checkpoint cairn-img predicts and run on, or stop with a clear
`cairn: fatal:` line and exit status 2, or (an object that fails its check on first touch)
stop only the process that touched it, with a line naming the OID and block, or (a process of
the run list whose record fails its check) resume the others without it, with a line naming
it: never a kernel fault, never a hang.

CORRUPTION_BOOTS sets the number of boots (make test: 6; make soak: 200), CORRUPTION_SEED the seed.
"""
import os
import random
import re
import subprocess

import pytest

from conftest import Guest
from image_tools import BLOCK, ROOT
from real_image import make_counter_image

CAIRN_IMG = ROOT / "build" / "cairn-img"
BOOTS = int(os.environ.get("CORRUPTION_BOOTS", "6"))
SEED = int(os.environ.get("CORRUPTION_SEED", "7"))
SEGMENT_BLOCKS, LOG_START = 256, 16
STATUS_FATAL = 2
BOOT_SECONDS = 40
COUNTER = re.compile(r"^counter: (\d+)$", re.M)
FAULT = re.compile(r"panic|kernel fault|page fault|assert|general protection|triple", re.I)
# A block that fails its check on first touch stops only the process that touched it (or fails
# its call with E_DAMAGED), the kernel's line naming the OID and the block.
DAMAGED = re.compile(r"^process \d+ \(\w+\): .*failed its check on the disk.*$", re.M)
# A Process of the run list whose record fails its check does not resume; the others do.
NOT_RESUMED = re.compile(r"^(error: )?store: process OID \d+ of the run list could not be loaded "
                         r"\(see above\); it does not resume, the others do$", re.M)


@pytest.fixture(scope="module")
def real_image(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("corruption")
    return make_counter_image(workdir / "guest", workdir / "counter.img", lines=25)


def used_blocks(data):
    return [n for n in range(len(data) // BLOCK) if any(data[n * BLOCK:(n + 1) * BLOCK])]


def corrupt(data, kind, rng):
    used = used_blocks(data)
    if kind == "flip":
        for _ in range(rng.randint(1, 8)):
            block = rng.choice(used[:2] * 4 + used)          # superblocks more often
            data[block * BLOCK + rng.randrange(BLOCK)] ^= 1 << rng.randrange(8)
        return data
    if kind == "truncate":
        return data[:rng.randrange(0, (used[-1] + 2) * BLOCK, 512)]
    segment = (rng.choice([b for b in used if b >= LOG_START]) - LOG_START) // SEGMENT_BLOCKS
    start = (LOG_START + segment * SEGMENT_BLOCKS) * BLOCK
    data[start:start + SEGMENT_BLOCKS * BLOCK] = bytes(SEGMENT_BLOCKS * BLOCK)
    return data


def predicted_epoch(path):
    result = subprocess.run([str(CAIRN_IMG), "info", str(path)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    found = re.search(r"^checkpoint: epoch (\d+)", result.stdout, re.M)
    return int(found.group(1)) if result.returncode == 0 and found else None


def boot_and_judge(workdir, path, expected):
    guest = Guest(workdir, "run=counter", disk=path, snapshot=True).start()
    try:
        guest.expect(r"^(counter: \d+\n(.*\n)*counter: \d+\n(.*\n)*counter: \d+\n|cairn: fatal: .*$|"
                     + DAMAGED.pattern[1:] + "|" + NOT_RESUMED.pattern[1:] + ")",
                     timeout=BOOT_SECONDS)
        output = guest.output
        if "cairn: fatal:" in output:
            status = guest.wait_exit()
            assert status == STATUS_FATAL, guest.describe()
            output = guest.output           # the whole fatal line
    finally:
        guest.close()
    output = output[:output.rfind("\n") + 1]     # whole lines only: the kill cuts the last one
    damaged = DAMAGED.search(output)
    assert not FAULT.search(DAMAGED.sub("", output)), guest.describe()
    restored = re.search(r"store: checkpoint epoch (\d+)", output)
    if expected is None:
        assert "cairn: fatal: cannot boot from the disk:" in output, guest.describe()
        return "refused"
    assert restored and int(restored.group(1)) == expected, guest.describe()
    numbers = [int(n) for n in COUNTER.findall(output)]
    if "cairn: fatal: store:" in output:
        return "stopped"
    if damaged or NOT_RESUMED.search(output):
        assert re.search(r"^(error: )?store: OID \d+ at block \d+ failed its check", output, re.M), \
            guest.describe()
        return "process stopped" if damaged else "process not resumed"
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), guest.describe()
    return "resumed"


@pytest.mark.timeout(BOOTS * (BOOT_SECONDS + 20) + 60)
def test_corrupted_images_restore_or_refuse(real_image, tmp_path):
    rng = random.Random(SEED)
    original = real_image.read_bytes()
    outcomes = {}
    for boot in range(BOOTS):
        kind = ("flip", "truncate", "zero segment")[boot % 3]
        path = tmp_path / ("boot%d.img" % boot)
        path.write_bytes(bytes(corrupt(bytearray(original), kind, rng)))
        expected = predicted_epoch(path)
        outcome = boot_and_judge(tmp_path / ("guest%d" % boot), path, expected)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        path.unlink()
    print("corruption boots: %s" % outcomes)
    assert sum(outcomes.values()) == BOOTS
