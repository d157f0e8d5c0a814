"""The checkpoints' share of the CPU (ckpt.max_share): at any ckpt.interval a program that
rewrites its memory all the time finishes, checkpoints still happen, and the share the kernel
charged them stays within the bound; the period stretches instead."""

import re
import subprocess
import time

import pytest

from conftest import ROOT

MEMWRITE = re.compile(r"^memwrite: mib=8 passes=\d+ ns=(\d+) cycles=\d+ checkpoints=(\d+) "
                      r"blocks=\d+ faults=\d+ share_permille=(\d+) period_us=(\d+) "
                      r"max_share=(\d+) charged=\d+$", re.M)
# The writer waits for the disk inside its steps (a batch in flight, a flush), and a wait is
# charged whole, so the last slice of the run may leave a debt the programs have not earned
# back yet when memwrite reads STATS; on a loaded host such a wait lasts tens of ms, a few per
# cent of these short runs. Without the bound the writer took one tick of two: about 50%.
SLACK_PERMILLE = 100


def memwrite(tmp_path, boot, interval_ms, options=""):
    # A 224 MiB store takes the 8 MiB working set in one checkpoint (a checkpoint takes at most
    # a sixteenth of the log): on a smaller one writers wait for the store's change limit,
    # and checkpoints are as frequent as the store needs, whatever their share.
    image = tmp_path / "memwrite.img"
    elfs = sorted(str(p) for p in (ROOT / "build" / "user").glob("*.elf"))
    subprocess.run([str(ROOT / "build" / "mkimage"), "-o", str(image), "--size", "224"] + elfs,
                   check=True, capture_output=True, timeout=60)
    guest = boot(cmdline="ckpt.interval=%d ckpt.dirty_mib=0 %s run=memwrite:8:2000"
                 % (interval_ms, options), mem=128, disk=image)
    guest.expect(r"^memwrite: (done|FAILED.*)$", timeout=90)
    assert "FAILED" not in guest.output, guest.describe()
    match = MEMWRITE.search(guest.output)
    assert match, guest.describe()
    ns, checkpoints, share, period_us, bound = (int(x) for x in match.groups())
    return guest, ns, checkpoints, share, period_us, bound


@pytest.mark.timeout(120)
@pytest.mark.parametrize("interval_ms", [1, 10])
def test_a_memory_writer_finishes_at_any_interval_and_the_period_stretches(tmp_path, boot,
                                                                          interval_ms):
    """At 1,000 and 100 checkpoints a second memwrite used to starve (checkpoints back to
    back); now checkpoints take at most their share and happen less often than asked."""
    guest, ns, checkpoints, share, period_us, bound = memwrite(tmp_path, boot, interval_ms)
    assert bound == 10, guest.describe()
    assert checkpoints >= 2, "too few checkpoints to tell anything: %s" % guest.describe()
    assert share <= bound * 10 + SLACK_PERMILLE, guest.describe()
    assert share > 0, guest.describe()
    assert period_us > interval_ms * 1000, "the period did not stretch: %s" % guest.describe()


@pytest.mark.timeout(120)
def test_a_larger_share_is_taken_and_kept_to(tmp_path, boot):
    """ckpt.max_share=40: more of the CPU goes to checkpoints, still within that bound."""
    guest, ns, checkpoints, share, period_us, bound = memwrite(tmp_path, boot, 1, "ckpt.max_share=40")
    assert bound == 40, guest.describe()
    assert checkpoints >= 2, guest.describe()
    assert 100 + SLACK_PERMILLE < share <= 400 + SLACK_PERMILLE, guest.describe()


def test_stats_shows_the_share_and_the_period(boot):
    guest = boot(cmdline="ckpt.interval=20 run=shell")
    guest.expect(r"^Cairn shell: type help", timeout=20)
    time.sleep(1)       # some dozens of periods to average
    guest.send("stats\n")
    match = guest.expect(r"checkpoints' share of the CPU (\d+)\.\d% of the programs' time lately "
                 r"\(\d+\.\d% since boot; at most 10%\), period achieved (\d+)\.(\d{3}) ms",
                 timeout=15)
    period_ms = int(match.group(2)) + int(match.group(3)) / 1000
    assert period_ms >= 20, guest.describe()
