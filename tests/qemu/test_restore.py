"""restore=eager: a resumed system loads its store into RAM before the first process runs."""

import re
import shutil
import subprocess

from conftest import ROOT
from image_tools import BLOCK, HEADER
from real_image import LiveImage
from test_persistence import powercut

MKIMAGE = ROOT / "build" / "mkimage"
RESTORE_ALL = r"^restore=eager: loaded all (\d+) objects, (\d+) pages \((\d+) KiB\) in \d+ ms " \
              r"before resuming$"
RESTORE_PART = r"^restore=eager: frames ran low at OID (\d+) of (\d+) \((\d+) frames kept free\); " \
               r"loaded (\d+) objects, (\d+) pages \(\d+ KiB\) in \d+ ms; the rest loads on " \
               r"first touch$"
RESUMED = r"^resumed checkpoint epoch (\d+) \(age \d+ ms of monotonic time\): " \
          r"2 of 2 processes running, restart 1$"
FIRST_INSTRUCTION = r"^first user instruction \d+ cycles after kernel entry, \d+ of them idle$"


def run_counter_then_cut(boot, image, last=8, cmdline="run=counter"):
    """Runs counter on image until it printed `last`, then cuts the power; returns the numbers."""
    first = boot(disk=image, snapshot=False, cmdline=cmdline)
    first.expect(r"^counter: %d$" % last, timeout=20)
    first.close()                                       # SIGKILL: the power goes off
    return powercut.counter_numbers(first.output.encode())


def test_eager_restore_loads_pages_before_the_first_user_instruction(tmp_path, boot):
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    numbers = run_counter_then_cut(boot, image)
    guest = boot(disk=image, snapshot=False, cmdline="restore=eager")
    loaded = guest.expect(RESTORE_ALL)
    objects, pages, kib = (int(n) for n in loaded.groups())
    assert pages > 0 and objects >= pages and kib == 4 * pages, guest.describe()
    guest.expect(RESUMED)                       # after the loading, in this order...
    guest.expect(FIRST_INSTRUCTION)             # ...and only then the first user instruction
    match = guest.expect(r"^counter: (\d+)$", timeout=10)
    assert numbers[-1] - 3 <= int(match.group(1)) <= numbers[-1] + 1, guest.describe()
    following = guest.expect(r"^counter: (\d+)$", timeout=10)
    assert int(following.group(1)) == int(match.group(1)) + 1, guest.describe()


def test_eager_restore_stops_when_frames_run_low_and_the_rest_loads_on_touch(tmp_path, boot):
    """48 MiB of stored pages and 32 MiB of RAM: eager loading stops cleanly; counter goes on."""
    image = tmp_path / "data.img"
    elfs = sorted(str(p) for p in (ROOT / "build" / "user").glob("*.elf"))
    subprocess.run([str(MKIMAGE), "-o", str(image), "--size", "128", "--data-mib", "48",
                    "--data-seed", "7"] + elfs, check=True, capture_output=True, timeout=60)
    numbers = run_counter_then_cut(boot, image, last=5)
    guest = boot(disk=image, snapshot=False, mem=32, cmdline="restore=eager")
    part = guest.expect(RESTORE_PART, timeout=30)
    stopped, oids, reserve, objects, pages = (int(n) for n in part.groups())
    assert 1 < stopped <= oids and reserve > 0 and 0 < pages <= objects < stopped, guest.describe()
    guest.expect(RESUMED)
    guest.expect(FIRST_INSTRUCTION)
    match = guest.expect(r"^counter: (\d+)$", timeout=15)
    assert numbers[-1] - 3 <= int(match.group(1)) <= numbers[-1] + 1, guest.describe()
    guest.expect(r"^counter: %d$" % (int(match.group(1)) + 2), timeout=10)
    assert "KERNEL" not in guest.output and "fatal" not in guest.output, guest.describe()


def test_lazy_restore_loads_nothing_up_front_and_run_is_ignored(tmp_path, boot):
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    numbers = run_counter_then_cut(boot, image, last=3)
    guest = boot(disk=image, snapshot=False, cmdline="restore=lazy run=pingpong")
    guest.expect(r"^run= ignored: this system resumes its own processes$")   # issue 4
    guest.expect(RESUMED)
    match = guest.expect(r"^counter: (\d+)$", timeout=10)
    assert numbers[-1] - 3 <= int(match.group(1)) <= numbers[-1] + 1, guest.describe()
    assert not re.search(r"^restore=|^init: started pingpong", guest.output, re.M), \
        guest.describe()


def test_unknown_restore_policy_warns_once_and_boots(boot):
    guest = boot(cmdline="restore=sometimes run=counter:2")
    guest.expect(r"^warning: option 'restore': unknown policy 'sometimes' \(lazy, eager\); "
                 r"using lazy$")
    guest.expect(r"^counter: 2$", timeout=20)
    assert guest.output.count("option 'restore'") == 1, guest.describe()



LOAD_FAILED = r"^(error: )?checkpoint \d+ failed reading the committed map: (.*); checkpoints " \
              r"are off from now on$"


def test_map_leaf_that_fails_its_check_after_resuming_turns_checkpoints_off(tmp_path, boot):
    """Boot checks the map's root only; the writer reads the leaves once the programs run
    (CKPT_LOAD). A leaf that fails its check there turns checkpoints off with the reason, and
    the programs run on: the kernel does not stop (it did until 2026-12-02)."""
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    run_counter_then_cut(boot, image)
    damaged = LiveImage(image)
    leaves = damaged.map_leaves()
    assert len(leaves) >= 3, "the fresh image's programs fill more than two leaves"
    damaged.data[leaves[1] * BLOCK + HEADER.size + 24 * 5] ^= 0x40  # a stored program's page
    damaged.save()
    guest = boot(disk=image, snapshot=True)
    guest.expect(FIRST_INSTRUCTION)
    failed = guest.expect(LOAD_FAILED, timeout=20)
    assert "block %d" % leaves[1] in failed.group(2), guest.describe()
    guest.expect(r"^counter: \d+$", timeout=10)     # the programs run on
    guest.expect(r"^counter: \d+$", timeout=10)
    assert not re.search(r"cairn: fatal|panic|kernel fault", guest.output, re.I), guest.describe()
