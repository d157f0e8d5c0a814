"""Banks own what they make: programs run and end for ever without the system filling up."""

import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT

RUNS = int(os.environ.get("CAIRN_BANK_RUNS", "500"))
SETTLE = 100                    # runs after which memory and the store must stay flat
CAIRN_IMG = ROOT / "build" / "cairn-img"


def command(guest, line, answer, timeout=15):
    guest.send(line + "\n")
    return guest.expect(answer, timeout=timeout)


def sample(guest):
    """Checkpoints committed, live objects (stats) and free frames (mem) as the shell says now."""
    checkpoints = int(command(guest, "stats", r"checkpoints (\d+) \(").group(1))
    objects = int(guest.expect(r"processes \d+, objects (\d+)$").group(1))
    frames = int(command(guest, "mem", r"frames: (\d+) free of \d+").group(1))
    return checkpoints, objects, frames


def store_live_blocks(image):
    out = subprocess.run([str(CAIRN_IMG), "info", str(image)], capture_output=True, text=True,
                         check=True).stdout
    return int(re.search(r"^live: \d+ objects in (\d+) blocks", out, re.M).group(1))


@pytest.mark.time_limit(60 + RUNS * 2)
def test_programs_that_end_leave_nothing_behind(tmp_path, boot):
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    guest = boot(disk=image, snapshot=False, cmdline="run=shell")
    guest.expect(r"^Cairn shell: type help", timeout=20)
    samples = []
    for run in range(1, RUNS + 1):
        command(guest, "run counter 1", r"^(?:cairn> )?counter: 1$")
        if run % 25 == 0:
            samples.append((run,) + sample(guest))
        if run == SETTLE:
            command(guest, "sync", r"sync: durable$", timeout=30)
            live_settled = store_live_blocks(image)
    command(guest, "sync", r"sync: durable$", timeout=30)
    live_end = store_live_blocks(image)
    print("live blocks in the store after %d runs: %d, after %d: %d" % (SETTLE, live_settled,
                                                                        RUNS, live_end))
    assert abs(live_end - live_settled) <= live_settled * 0.05, (live_settled, live_end)
    print("run, checkpoints, objects, free frames:", samples)
    checkpoints = [s[1] for s in samples]
    assert all(a < b for a, b in zip(checkpoints, checkpoints[1:])), (samples, guest.describe())
    settled = [s for s in samples if s[0] >= SETTLE]
    first_objects, first_frames = settled[0][2], settled[0][3]
    for run, _, objects, frames in settled:
        assert abs(objects - first_objects) <= first_objects * 0.05, (samples, guest.describe())
        assert abs(frames - first_frames) <= first_frames * 0.05, (samples, guest.describe())
    assert "checkpoints are off" not in guest.output, guest.describe()
    guest.close()                                       # the power goes off
    second = boot(disk=image, snapshot=False)
    second.expect(r"^resumed checkpoint epoch \d+")
    command(second, "history", r"^\s+\d+\s+sync$")
    assert re.search(r"^\s+\d+\s+run counter 1$", second.output, re.M), second.describe()
