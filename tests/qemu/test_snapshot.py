"""Copy-on-write snapshots: programs that write while checkpoints are written out stay consistent."""

import random
import re
import shutil
import time

import pytest

from conftest import ROOT

GENERATION = re.compile(r"^cowcheck: generation (\d+) ok \((\d+) checkpoints, (\d+) pages copied\)$",
                        re.M)


def generations(guest):
    return [tuple(int(x) for x in m) for m in GENERATION.findall(guest.output)]


@pytest.mark.parametrize("mode", ["cow", "copy"])
def test_pages_written_during_the_write_out_stay_right(boot, mode):
    """cowcheck checks every page held the previous generation before rewriting it."""
    guest = boot(cmdline="ckpt.interval=20 ckpt.mode=%s run=cowcheck:8:12" % mode, mem=128)
    guest.expect(r"^cowcheck: (done|FAILED.*)$", timeout=60)
    assert "FAILED" not in guest.output, guest.describe()
    seen = generations(guest)
    assert len(seen) == 12, guest.describe()
    assert seen[-1][1] >= 2, "too few checkpoints were taken to test anything: %s" % (seen,)
    if mode == "cow":
        assert seen[-1][2] > 0, "no page was ever copied on write: %s" % (seen,)


def test_dirty_limit_starts_checkpoints(boot):
    """With no period, ckpt.dirty_mib alone makes checkpoints as memory is written."""
    # 12 generations: each dirty-limit checkpoint writes up to 8 MiB while cowcheck runs on,
    # so how many commit per generation depends on the machine's speed.
    guest = boot(cmdline="ckpt.interval=0 ckpt.dirty_mib=2 run=cowcheck:8:12", mem=128)
    guest.expect(r"^cowcheck: (done|FAILED.*)$", timeout=60)
    assert "FAILED" not in guest.output, guest.describe()
    assert generations(guest)[-1][1] >= 3, guest.describe()


def test_unknown_mode_warns_and_uses_cow(boot):
    guest = boot(cmdline="ckpt.mode=sideways run=cowcheck:1:2")
    guest.expect(r"option 'ckpt.mode': unknown policy 'sideways'; using 'cow'")
    guest.expect(r"^cowcheck: done$", timeout=30)


@pytest.mark.timeout(120)
def test_cowcheck_survives_power_cuts_mid_write_out(tmp_path, boot):
    """Killed at random moments while checkpoints of 8 MiB are being written, then resumed."""
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    randomizer = random.Random()
    seed = randomizer.randrange(1 << 30)
    randomizer.seed(seed)
    resumed, last, first_boot_last = 0, 0, 0
    for cycle in range(6):
        cmdline = "ckpt.interval=30 run=cowcheck:8" if cycle == 0 else "ckpt.interval=30"
        guest = boot(disk=image, snapshot=False, cmdline=cmdline, mem=128)
        # The cut's moment counts from the kernel's banner: the boot loader's time varies with
        # the host's load, and a cut before the kernel runs tests nothing.
        guest.expect(r"^Cairn \S+ \(i386\)", timeout=30)
        deadline = time.time() + randomizer.uniform(1.5, 4.0)
        while time.time() < deadline and "FAILED" not in guest.output:
            time.sleep(0.1)
        guest.close()                               # SIGKILL: the power goes off
        assert "FAILED" not in guest.output and "KERNEL" not in guest.output, \
            "seed %d, cycle %d:\n%s" % (seed, cycle, guest.output[-3000:])
        resumed += "resumed checkpoint" in guest.output
        seen = generations(guest)
        if seen:        # lines after the last commit print again: no bound on going back here
            last = max(last, seen[-1][0])
        if cycle == 0:
            first_boot_last = last
    assert resumed >= 3, "seed %d: only %d boots resumed" % (seed, resumed)
    assert last > first_boot_last >= 1, "seed %d: cowcheck reached generation %d, %d on boot 1" % (
        seed, last, first_boot_last)


def test_key_value_sets_stay_right_across_checkpoints(boot):
    """memwrite kv (make bench's key-value rows): every slot of its table checks out after
    random sets made while checkpoints froze and copied its pages."""
    guest = boot(cmdline="ckpt.interval=10 ckpt.max_share=50 run=memwrite:kv:4:400000", mem=128)
    match = guest.expect(r"^kvset: (mib=4 sets=400000 .* checkpoints=(\d+) .*|FAILED.*)$",
                         timeout=60)
    assert "FAILED" not in guest.output, guest.describe()
    assert int(match.group(2)) >= 1, "no checkpoint during the sets: %s" % guest.describe()
    guest.expect(r"^kvset: done$", timeout=30)
