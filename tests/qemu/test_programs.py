"""A program table beyond 32 programs (format 3): its own blocks, carried by every checkpoint.

The image holds every program of user/programs and 150 copies of counter under other names
(mkimage names a program after its file), 182 programs in two program-table blocks. The
program past the first block runs at the first boot, after a power cut the system resumes,
and the resumed shell loads programs from both blocks of the table its checkpoints carried
on. The cleaner moving the table's blocks is shown here on a small image whose log memwrite
keeps filling, and on the host by the unit test program_table_is_moved_by_the_cleaner and the
crash points, whose image has a program table too.
"""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from image_tools import ROOT_PROGRAMS  # noqa: E402

MKIMAGE = ROOT / "build" / "mkimage"
CAIRN_IMG = ROOT / "build" / "cairn-img"
COPIES = 150


def image_of_many_programs(tmp_path):
    """Every program, then copies of counter named more000 .. more149; returns the image."""
    elfs = sorted(str(p) for p in (ROOT / "build" / "user").glob("*.elf"))
    copies = tmp_path / "copies"
    copies.mkdir()
    for i in range(COPIES):
        (copies / ("more%03d.elf" % i)).symlink_to(ROOT / "build" / "user" / "counter.elf")
    path = tmp_path / "many.img"
    made = subprocess.run([str(MKIMAGE), "-o", str(path), "--size", "64"] + elfs +
                          sorted(str(p) for p in copies.iterdir()),
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    assert "%d programs" % (len(elfs) + COPIES) in made.stdout, made.stdout
    return path, len(elfs) + COPIES


def cairn_img(*arguments):
    return subprocess.run([str(CAIRN_IMG)] + [str(a) for a in arguments], capture_output=True,
                          text=True, timeout=60)


def command(guest, line, answer, timeout=20):
    guest.send(line + "\n")
    return guest.expect(answer, timeout=timeout)


@pytest.mark.timeout(180)
def test_programs_past_the_first_32_run_and_survive_a_power_cut(tmp_path, boot):
    image, programs = image_of_many_programs(tmp_path)
    info = cairn_img("info", image)
    assert "programs: %d in 2 program-table blocks" % programs in info.stdout, info.stdout
    assert re.search(r"^program: more149 ", info.stdout, re.M), info.stdout
    first = boot(disk=image, snapshot=False, cmdline="run=shell,more140:3")
    first.expect(r"^init: started more140$", timeout=30)     # in the table's second block
    # The shell and more140 run side by side: their first lines come in either order.
    both = first.wait_until(lambda text: "Cairn shell: type help" in text and
                            re.search(r"^(?:cairn> )?counter: 3$", text, re.M), timeout=30)
    assert both, first.describe()
    first.expect(r"^(?:cairn> )?counter: 3$")      # what follows is matched after it
    command(first, "run more000 2", r"^(?:cairn> )?counter: 2$")            # the first block's last ones
    command(first, "run more093 2", r"^(?:cairn> )?counter: 2$")
    command(first, "sync", r"sync: durable$")
    first.close()                                   # SIGKILL: the power goes off

    verify = cairn_img("verify", image)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    info = cairn_img("info", image)
    assert "programs: %d in 2 program-table blocks" % programs in info.stdout, info.stdout
    second = boot(disk=image, snapshot=False)
    second.expect(r"^resumed checkpoint epoch \d+ .*restart 1", timeout=30)
    command(second, "run more149 2", r"^(?:cairn> )?counter: 2$")           # the table's last program
    command(second, "run counter 1", r"^(?:cairn> )?counter: 1$")
    command(second, "run nosuch", r"run: nosuch: E_NOT_FOUND$")
    command(second, "sync", r"sync: durable$")
    second.close()
    verify = cairn_img("verify", image)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def table_blocks(path):
    """The blocks of the program table the image's in-use checkpoint names."""
    info = cairn_img("info", path).stdout
    root = int(re.search(r"root record at block (\d+)", info).group(1))
    data = path.read_bytes()
    count = int.from_bytes(data[root * 4096 + ROOT_PROGRAMS:][:4], "little")
    used = -(-count // 126)
    return [int.from_bytes(data[root * 4096 + ROOT_PROGRAMS + 8 + 8 * i:][:4], "little")
            for i in range(used)]


@pytest.mark.timeout(300)
def test_the_cleaner_moves_the_program_table_and_programs_still_load(tmp_path, boot):
    """A 16 MiB image whose programs fill a third of the log, and memwrite rewriting 1 MiB
    without end: the cleaner must empty the segments mkimage wrote, the table's among them.
    Each round runs until 200 more checkpoints are taken, then cuts the power; the table
    must have moved within five rounds, and a program of it still loads."""
    elfs = sorted(str(p) for p in (ROOT / "build" / "user").glob("*.elf"))
    copies = tmp_path / "copies"
    copies.mkdir()
    for i in range(60):
        (copies / ("more%03d.elf" % i)).symlink_to(ROOT / "build" / "user" / "counter.elf")
    image = tmp_path / "small.img"
    subprocess.run([str(MKIMAGE), "-o", str(image), "--size", "16"] + elfs +
                   sorted(str(p) for p in copies.iterdir()), check=True, capture_output=True,
                   timeout=60)
    written_by_mkimage = table_blocks(image)
    cmdline = "run=shell,memwrite:1:0"
    for attempt in range(5):
        guest = boot(disk=image, snapshot=False, cmdline=cmdline)
        guest.expect(r"^Cairn shell: type help" if attempt == 0 else r"^resumed checkpoint",
                     timeout=30)
        start = None
        while True:
            taken = int(command(guest, "stats", r"checkpoints (\d+) \(").group(1))
            start = taken if start is None else start
            if taken >= start + 200:
                break
        command(guest, "sync", r"sync: durable$")
        guest.close()
        cmdline = ""
        verify = cairn_img("verify", image)
        assert verify.returncode == 0, verify.stdout + verify.stderr
        if table_blocks(image) != written_by_mkimage:
            break
    assert table_blocks(image) != written_by_mkimage, "the cleaner never moved the table"
    guest = boot(disk=image, snapshot=False)
    guest.expect(r"^resumed checkpoint", timeout=30)
    command(guest, "run more059 2", r"^(?:cairn> )?counter: 2$")
