"""The clocks across a power cut: a sleep counts running time only; the wall clock jumps."""

import re
import shutil
import time

from conftest import ROOT

SLEEP_NS = 2 * 10**9
HOST_DOWNTIME_SECONDS = 3
# The wall clock is the real-time clock (1 s resolution) read at boot: its jump over a cut of
# HOST_DOWNTIME_SECONDS (plus the boot) is checked only from below, with 1 s to spare.
MINIMUM_JUMP_NS = (HOST_DOWNTIME_SECONDS - 1) * 10**9
WOKE = (r"^clock: woke after (-?\d+) ns monotonic, (-?\d+) ns wall; restart (\d+) \(was (\d+)\); "
        r"this boot began at wall (\d+) ns and resumed a checkpoint taken at wall (\d+) ns")


def test_clock_sleeps_through_a_power_cut(tmp_path, boot):
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    first = boot(disk=image, snapshot=False, cmdline="run=clock")
    # Shown only once a checkpoint taken after clock read its clocks is durable.
    first.expect(r"^clock: sleeping 2 s from monotonic \d+ ns, wall \d+ ns, restart 0$", timeout=20)
    first.close()                                       # SIGKILL: the power goes off mid-sleep
    assert not re.search(r"^clock: woke", first.output, re.M), first.describe()
    time.sleep(HOST_DOWNTIME_SECONDS)
    second = boot(disk=image, snapshot=False)
    jump = second.expect(r"^wall clock: .*; the checkpoint was taken at .*, (\d+) s before$")
    second.expect(r"^resumed checkpoint epoch \d+ .*restart 1$")
    woke = second.expect(WOKE, timeout=20)
    monotonic_ns, wall_ns, restart, was = (int(woke.group(n)) for n in range(1, 5))
    began_wall_ns, checkpoint_wall_ns = int(woke.group(5)), int(woke.group(6))
    assert (restart, was) == (1, 0), second.describe()
    # 2 s of running time in all: not less, and the time off not counted (else wall - monotonic
    # would be about 0).
    assert monotonic_ns >= SLEEP_NS, second.describe()
    assert wall_ns - monotonic_ns >= MINIMUM_JUMP_NS, second.describe()
    assert began_wall_ns - checkpoint_wall_ns >= MINIMUM_JUMP_NS, second.describe()
    assert int(jump.group(1)) >= MINIMUM_JUMP_NS // 10**9, second.describe()
