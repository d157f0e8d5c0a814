"""Processes, capabilities, IPC and restartable system calls: the user programs of issue 3 in QEMU."""

import random
import re
import shutil
import subprocess
import time

import pytest

from conftest import ROOT

# Lines that must never appear: the kernel itself failed.
KERNEL_FAILURE = re.compile(r"KERNEL (FAULT|PANIC)|^error: ", re.MULTILINE)


def run_programs(boot, run, mem=None, options=""):
    guest = boot(cmdline=(options + " run=" + run).strip(), mem=mem)
    guest.expect(r"^starting init with \d+ programs?$")
    return guest


def wait_for_all(guest, patterns, timeout):
    """Waits until every pattern has appeared somewhere in the output, in any order."""
    deadline = time.monotonic() + timeout
    while True:
        missing = [p for p in patterns if not re.search(p, guest.output, re.MULTILINE)]
        if not missing:
            return
        if time.monotonic() > deadline:
            pytest.fail("never saw %r\n%s" % (missing, guest.describe()), pytrace=False)
        time.sleep(0.1)


def assert_kernel_healthy(guest):
    failure = KERNEL_FAILURE.search(guest.output)
    assert failure is None, guest.describe()


def test_pingpong_completes_10000_round_trips(boot):
    guest = run_programs(boot, "pingpong:10000")
    guest.expect(r"^pingpong: 10000 round trips$", timeout=25)
    assert_kernel_healthy(guest)


def test_ipc_fast_path_edges_answer_as_the_general_path_does(boot):
    """Issue 17, item 6: CALL and REPLY_RECEIVE around the fast path: a receiver not yet
    waiting, badges, capabilities carried, stale and wrong capabilities, a caller destroyed
    before its reply, the endpoint destroyed under its server, and a thread of the same
    priority that must still run once per round trip (the fast path's switch skips no one)."""
    guest = run_programs(boot, "pingpong:edges")
    line = guest.expect(r"^pingpong: edges: (ok|FAILED.*)$", timeout=25)
    assert line.group(1) == "ok", guest.describe()
    assert re.search(r"^pingpong: edges: the server's RECEIVE on a destroyed endpoint: E_STALE$",
                     guest.output, re.M), guest.describe()
    assert_kernel_healthy(guest)


@pytest.mark.timeout(150)
def test_pingpong_goes_on_counting_across_power_cuts_mid_exchange(tmp_path, boot):
    """The fast path's exchanges are atomic calls too: killed at any moment, the next boot
    resumes caller and server from the last checkpoint and every counter still matches (the
    server prints FAILED at the first that does not)."""
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    highest = 0
    for number in range(3):
        guest = boot(disk=image, snapshot=False, cmdline="run=pingpong:0" if number == 0 else "")
        if number:
            guest.expect(r"^resumed checkpoint epoch \d+", timeout=30)
        for _ in range(2):          # progress in this boot, past what the last one showed
            match = guest.expect(r"^pingpong: (at (\d+)|FAILED.*)$", timeout=30)
            assert match.group(2), guest.describe()
        assert int(match.group(2)) > highest, (highest, guest.describe())
        highest = int(match.group(2))
        time.sleep(random.uniform(0.0, 0.5))
        guest.close()               # SIGKILL: the power goes off mid-exchange
        assert "FAILED" not in guest.output, guest.describe()
        assert_kernel_healthy(guest)


def test_64_processes_run_at_once_and_exit_cleanly(boot):
    guest = run_programs(boot, "spawn")
    guest.expect(r"^spawn: 64 processes done$", timeout=25)
    assert "exited with status" not in guest.output, guest.describe()   # only non-zero exits are logged
    assert_kernel_healthy(guest)


def test_fuzz_survives_200000_random_calls(boot):
    guest = run_programs(boot, "fuzz:200000:12345")
    guest.expect(r"^fuzz: 200000 calls, all answered$", timeout=28)
    assert_kernel_healthy(guest)


def test_fuzz_with_another_seed_and_other_processes_running(boot):
    guest = run_programs(boot, "fuzz:50000:99,counter:5")
    wait_for_all(guest, [r"^fuzz: 50000 calls, all answered$", r"^counter: 5$"], timeout=25)
    assert_kernel_healthy(guest)


def test_program_load_refused_half_way_gives_back_every_unit(boot):
    guest = run_programs(boot, "loadcheck")
    match = guest.expect(r"^loadcheck: (ok, counter needs (\d+) units|FAILED.*)$", timeout=30)
    assert match.group(1).startswith("ok") and int(match.group(2)) > 5, guest.describe()
    assert_kernel_healthy(guest)


def test_confine_reports_every_attempt_refused(boot):
    guest = run_programs(boot, "confine")
    match = guest.expect(r"^confine: (all (\d+) attempts refused|FAILED.*)$", timeout=20)
    assert match.group(1).startswith("all"), guest.describe()
    refusals = re.findall(r"^confine: refused ", guest.output, re.MULTILINE)
    assert len(refusals) == int(match.group(2)) and len(refusals) >= 20, guest.describe()
    assert_kernel_healthy(guest)


@pytest.mark.parametrize("kind, fault", [
    ("page", r"page fault \(nothing mapped\) at address 0"),
    ("divide", r"divide error"),
    ("opcode", r"invalid opcode"),
    ("gp", r"general protection fault"),
    ("write-text", r"page fault \(write to a read-only page\)"),
])
def test_user_fault_stops_only_its_process(boot, kind, fault):
    guest = run_programs(boot, "crash:%s,counter:4" % kind)
    guest.expect(r"^process \d+ \(crash\): %s.*; stopped$" % fault, timeout=15)
    guest.expect(r"^counter: 4$", timeout=15)   # the kernel and other processes go on
    assert_kernel_healthy(guest)


def test_blocking_paths_re_execute_from_the_top(boot, tmp_path):
    # No checkpoints: nothing in RAM becomes a clean copy of the disk that could be evicted,
    # so a process that needs a frame really has to wait for one.
    # No output commit: its checkpoints would make pages clean and evictable, and the child
    # would then find frames without having to wait for them.
    # A 512 MiB store: its checkpoints take 8,190 changes, more than the ~6,200 Space nodes
    # restart makes to hold the frames, so the change limit forces no checkpoint either.
    image = tmp_path / "big.img"
    elfs = sorted(str(p) for p in (ROOT / "build" / "user").glob("*.elf"))
    subprocess.run([str(ROOT / "build" / "mkimage"), "-o", str(image), "--size", "512"] + elfs,
                   check=True, capture_output=True, timeout=60)
    guest = boot(cmdline="ckpt.interval=0 output_commit=off run=restart", mem=32, disk=image)
    guest.expect(r"^starting init with \d+ programs?$")
    match = guest.expect(r"^restart: (all paths ok|FAILED.*)$", timeout=25)
    assert match.group(1) == "all paths ok", guest.describe()
    for path in ("ipc", "sleep", "frame"):
        assert re.search(r"^restart: %s ok restarts=[1-9]" % path, guest.output, re.MULTILINE), \
            guest.describe()
    assert_kernel_healthy(guest)


def test_a_program_without_system_calls_is_preempted(boot):
    """spin never enters the kernel by itself: counter runs only if the timer preempts spin."""
    guest = run_programs(boot, "spin,counter:10")
    guest.expect(r"^counter: 10$", timeout=20)
