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


@pytest.mark.timeout(60 + RUNS * 2)
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


def shell_on_own_image(tmp_path, boot):
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    guest = boot(disk=image, snapshot=False, cmdline="run=shell")
    guest.expect(r"^Cairn shell: type help", timeout=20)
    return image, guest


def wait_until_reclaimed(guest, objects, tries=100):
    """Asks `stats` until the live objects are back to about objects (a program that ended is
    reclaimed in steps, after it is gone from `ps`)."""
    for _ in range(tries):
        if sample(guest)[1] <= objects + 10:
            return
    raise AssertionError("objects not reclaimed: %s" % guest.describe())


PS_LINE = re.compile(r"^\s*(\d+)\s+(embryo|ready|running|blocked|stopped)\s+\d+\s+\d+\s+(\S+)$",
                     re.M)


def ps_names(guest):
    """The names `ps` lists now, one per process."""
    guest.send("ps\n")
    # From the header's end, not from what has come so far: the rows may have come with it.
    start = guest.expect(r"pid\s+state\s+pages\s+restarts\s+name$").end()
    command(guest, "echo ps-end", r"ps-end$")
    table = guest.output[start:guest.output.rfind("ps-end")]
    return [m.group(3) for m in PS_LINE.finditer(table)]


def wait_for_jobs(guest, names, tries=50):
    """Asks `ps` until none of names is listed."""
    for _ in range(tries):
        listed = ps_names(guest)
        if not set(listed) & set(names):
            return listed
    raise AssertionError("still running after %d looks: %s" % (tries, guest.describe()))


def counter_lines(output):
    return [int(n) for n in re.findall(r"^(?:cairn> )?counter: (\d+)$", output, re.M)]


@pytest.mark.timeout(180)
def test_a_program_wanting_more_than_the_store_holds_is_refused_and_persistence_goes_on(
        tmp_path, boot):
    image, guest = shell_on_own_image(tmp_path, boot)
    command(guest, "run counter &", r"\[1\] \d+ counter$")
    command(guest, "sync", r"sync: durable$", timeout=30)
    live_before = store_live_blocks(image)
    objects_before = sample(guest)[1]
    command(guest, "run hog 200 &", r"\[2\] \d+ hog 200$")
    guest.expect(r"^(?:cairn> )?hog: refused room after \d+ MiB: the store cannot hold more",
                 timeout=120)
    command(guest, "sync", r"sync: durable$", timeout=60)
    wait_for_jobs(guest, ["hog"])
    wait_until_reclaimed(guest, objects_before)
    command(guest, "sync", r"sync: durable$", timeout=60)
    live_after = store_live_blocks(image)
    print("live blocks before hog: %d, after it: %d" % (live_before, live_after))
    assert abs(live_after - live_before) <= live_before * 0.05, (live_before, live_after)
    assert "checkpoints are off" not in guest.output, guest.describe()
    before = counter_lines(guest.output)
    guest.close()                                       # the power goes off
    second = boot(disk=image, snapshot=False)
    second.expect(r"^resumed checkpoint epoch \d+")
    second.expect(r"^(?:cairn> )?counter: %d$" % (before[-1] + 3), timeout=20)
    seen = before + counter_lines(second.output)
    assert seen == list(range(1, len(seen) + 1)), (seen, second.describe())


@pytest.mark.timeout(240)
def test_many_endpoints_big_mallocs_and_heavy_writes_never_turn_persistence_off(tmp_path,
                                                                               boot):
    image, guest = shell_on_own_image(tmp_path, boot)
    settled = sample(guest)[1]
    command(guest, "run makemany endpoint 20000", r"^(?:cairn> )?makemany: refused after \d+ "
            r"endpoints: E_QUOTA$", timeout=120)
    command(guest, "sync", r"sync: durable$", timeout=60)
    wait_until_reclaimed(guest, settled)    # the room its bank held is the next program's
    command(guest, "run makemany malloc 32", r"^(?:cairn> )?makemany: malloc, free, malloc of "
            r"32 MiB: (ok|.*refused)", timeout=120)
    command(guest, "sync", r"sync: durable$", timeout=60)
    wait_until_reclaimed(guest, settled)
    command(guest, "run memwrite 24 300 &", r"\[1\] \d+ memwrite 24 300$")
    first = int(command(guest, "stats", r"checkpoints (\d+) \(").group(1))
    for _ in range(3):
        command(guest, "sync", r"sync: durable$", timeout=60)
    later = int(command(guest, "stats", r"checkpoints (\d+) \(").group(1))
    assert later >= first + 3, (first, later)
    command(guest, "kill 1", r"kill: \[1\] memwrite 24 300: OK$")
    command(guest, "sync", r"sync: durable$", timeout=60)
    assert "checkpoints are off" not in guest.output, guest.describe()
    assert "error" not in guest.output and "FAILED" not in guest.output, guest.describe()


@pytest.mark.parametrize("program", ["pingpong 0", "shm"])
def test_kill_takes_every_process_of_a_job(tmp_path, boot, program):
    name = program.split()[0]
    guest = boot(cmdline="run=shell")
    guest.expect(r"^Cairn shell: type help", timeout=20)
    command(guest, "run %s &" % program, r"\[1\] \d+ %s$" % program)
    for _ in range(50):                 # its helper process comes once it has started
        if ps_names(guest).count(name) >= 2:
            break
    else:
        raise AssertionError("no helper process of %s: %s" % (name, guest.describe()))
    command(guest, "kill 1", r"kill: \[1\] %s: OK$" % program)
    wait_for_jobs(guest, [name])


def test_a_program_load_gives_no_more_rights_on_a_bank_than_were_paid(boot):
    """Issue 15, item 2: the embryo's bank capability carries only the payer's rights."""
    guest = boot(cmdline="run=hostile-bank-rights")
    line = guest.expect(r"^hostile-bank-rights: (refused|FAILED).*$", timeout=30)
    assert line.group(1) == "refused", guest.describe()
    assert "E_NO_RIGHTS" in line.group(0), guest.describe()


def test_an_empty_slot_sent_as_a_capability_carries_nothing(boot):
    """Issue 15, item 10: the receiver's slot keeps what it holds, and no capability arrives."""
    guest = boot(cmdline="run=hostile-nocap")
    line = guest.expect(r"^hostile-nocap: (refused|FAILED).*$", timeout=30)
    assert line.group(1) == "refused", guest.describe()


def test_a_call_that_fails_on_a_bad_address_leaves_the_pages_before_it_unchanged(boot):
    """Issue 15, item 10: STATS into a buffer running off a mapped page fails, and the page is
    not written again by the next checkpoint (the unfixed kernel marked it changed first)."""
    guest = boot(cmdline="run=hostile-ucopy")
    line = guest.expect(r"^hostile-ucopy: (refused|FAILED).*$", timeout=60)
    assert line.group(1) == "refused", guest.describe()


def test_a_program_larger_than_one_checkpoint_is_refused_not_left_waiting(boot):
    """Every object of a load is new in one checkpoint: a load of more objects than one
    checkpoint of the store takes would wait for ever; it is refused, and the shell goes on."""
    guest = boot(cmdline="run=shell")
    guest.expect(r"^Cairn shell: type help", timeout=20)
    command(guest, "run bigbss", r"run: bigbss: E_QUOTA$", timeout=60)
    assert re.search(r"program 'bigbss' needs about \d+ objects; a checkpoint of this store "
                     r"takes \d+", guest.output), guest.describe()
    command(guest, "echo still here", r"still here$")
