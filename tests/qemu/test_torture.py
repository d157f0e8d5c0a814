"""System-call torture across checkpoints and power cuts: fuzz goes on where each cut left it."""

import os
import random
import re
import shutil
import time

import pytest

from conftest import ROOT

CALLS = int(os.environ.get("TORTURE_CALLS", "300000"))     # make soak: 1,000,000
CUTS = int(os.environ.get("TORTURE_CUTS", "3"))
PROGRESS = re.compile(r"^fuzz: at (\d+)$", re.M)
DONE = re.compile(r"^fuzz: %d calls, all answered$" % CALLS, re.M)


@pytest.mark.timeout(60 + CALLS // 1000)
def test_fuzz_survives_power_cuts(tmp_path, boot):
    """Up to CUTS power cuts while fuzz runs, then a boot that lets it finish.

    fuzz can finish before the last planned cut on a fast machine; the boot
    that shows its closing line is then the last one, since a resumed system
    has nothing left to print (init just waits). At least one cut must land
    before the end, or nothing was tested across a power cut.
    """
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    randomizer = random.Random()
    seed = randomizer.randrange(1 << 30)
    randomizer.seed(seed)
    print("torture seed %d (the run's cut times come from it too)" % seed)
    progress, resumed, boots, finished = [], 0, 0, 0
    while not finished:
        cmdline = "ckpt.interval=50" + (" run=fuzz:%d:%d" % (CALLS, seed) if boots == 0 else "")
        guest = boot(disk=image, snapshot=False, cmdline=cmdline)
        if boots < CUTS:
            guest.expect(r"^fuzz: (at \d+|\d+ calls, all answered)$", timeout=60)
            time.sleep(randomizer.uniform(0.0, 1.0))
            guest.close()                               # SIGKILL: the power goes off
        else:
            guest.expect(DONE.pattern, timeout=30 + CALLS // 2000)
        boots += 1
        output = guest.output
        assert "FAILED" not in output and "KERNEL" not in output and "fatal" not in output, \
            "seed %d, boot %d:\n%s" % (seed, boots, guest.describe())
        resumed += "resumed checkpoint" in output
        complete = output[:output.rfind("\n") + 1]
        progress += [int(n) for n in PROGRESS.findall(complete)]
        finished = len(DONE.findall(complete))
        assert finished <= 1, "seed %d: fuzz finished twice:\n%s" % (seed, guest.describe())
    # Output commit: every progress line once, in order, over all the boots.
    step = 50000
    assert progress == list(range(step, step * (len(progress) + 1), step)), (seed, progress)
    assert len(progress) == (CALLS - 1) // step, (seed, progress)
    assert resumed == boots - 1, "seed %d: %d of %d boots resumed" % (seed, resumed, boots)
    assert boots >= 2, "seed %d: fuzz finished before the first power cut" % seed
