"""crashtest: records the block writes and flushes of a real QEMU run of Cairn, explores the crash
states they allow, and boots a sample of them (docs/tools.md).

    tools/crashtest [--lines N] [--tears T] [--boots K] [--seed S] [--workdir DIR]

1. Record: `counter` runs on a copy of build/fresh.img attached through QEMU's blklogwrites
   driver, which logs every write (with its data) and every flush to a second file, until it
   has printed N lines; then the power is cut (SIGKILL).
2. Explore: build/crash-explore rebuilds every prefix up to each flush and, for the writes
   after it, subsets and torn variants; each state must boot the committed checkpoint with
   both it and the previous one intact (the checks of cairn-img verify).
3. Boot: K of those states, each in QEMU: the kernel must say it restored the expected epoch,
   and the counter must go on with consecutive lines; states that restore the same epoch must
   print the same first line, and a later epoch never an earlier one.

Prints the number of states explored and booted; exit status 0 only when all were consistent.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

from cairn import BUILD, FRESH_IMAGE
from cairn.guest import Guest

EXPLORER = os.path.join(BUILD, "crash-explore")
COUNTER = re.compile(r"^counter: (\d+)\r?$", re.M)
EPOCH = re.compile(r"store: checkpoint epoch (\d+)")
BOOT_SECONDS = 60
RECORD_SECONDS_PER_LINE = 2.0   # a generous deadline: TCG on a loaded machine is slow


def run_guest(arguments, workdir, until, deadline):
    """Boots cairn-qemu with arguments; once until(console) holds (or at the deadline, or when
    the guest ends) cuts the power; returns the console (also in workdir/console.txt)."""
    guest = Guest(arguments, workdir, console_input=False).start()
    try:
        guest.wait_until(until, deadline)
    finally:
        guest.close()
    return guest.raw_output


def record(workdir, lines):
    base = os.path.join(workdir, "base.img")
    disk = os.path.join(workdir, "run.img")
    log = os.path.join(workdir, "writes.log")
    shutil.copyfile(FRESH_IMAGE, base)
    shutil.copyfile(FRESH_IMAGE, disk)
    open(log, "wb").close()
    qemu = ["-blockdev", "driver=file,node-name=disk-file,filename=" + disk,
            "-blockdev", "driver=file,node-name=log-file,filename=" + log,
            "-blockdev", "driver=blklogwrites,node-name=logged,file=disk-file,log=log-file",
            "-device", "virtio-blk-pci,drive=logged"]
    text = run_guest(["--cmdline", "run=counter", "--"] + qemu, workdir,
                     lambda t: re.search(r"^counter: %d\r?$" % lines, t, re.M),
                     10 + lines * RECORD_SECONDS_PER_LINE)
    seen = [int(n) for n in COUNTER.findall(text)]
    if not seen or seen[-1] < lines // 2:
        sys.exit("crashtest: the recording run printed too little:\n" + text[-2000:])
    return base, log, seen[-1]


def explore(workdir, base, log, tears, boots, seed):
    states_dir = os.path.join(workdir, "states")
    os.makedirs(states_dir, exist_ok=True)
    result = subprocess.run([EXPLORER, "--seed", str(seed), "--tears", str(tears), "--emit",
                             states_dir, "--emit-count", str(boots), base, log],
                            capture_output=True, text=True, timeout=3600)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    found = re.search(r"(\d+) crash states explored.*?(\d+) inconsistent", result.stdout)
    if result.returncode != 0 or not found:
        return None, []
    return int(found.group(1)), sorted(os.listdir(states_dir))


def boot_state(workdir, path, expected):
    """Boots one state; returns (problem or None, first counter number)."""
    text = run_guest(["--disk", path, "--snapshot", "--cmdline", "run=counter"], workdir,
                     lambda t: len(COUNTER.findall(t)) >= 3 or "fatal" in t, BOOT_SECONDS)
    epoch = EPOCH.search(text)
    numbers = [int(n) for n in COUNTER.findall(text)]
    name = os.path.basename(path)
    if not epoch or int(epoch.group(1)) != expected:
        return "%s: restored %s, not epoch %d:\n%s" % (
            name, epoch.group(0) if epoch else "nothing", expected, text[-1500:]), None
    if len(numbers) < 3 or numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        return "%s: counter lines not consecutive after the restore: %s\n%s" % (
            name, numbers[:10], text[-1500:]), None
    return None, numbers[0]


def check_boots(workdir, states_dir, names):
    problems, first = [], {}
    for name in names:
        expected = int(re.search(r"epoch-(\d+)", name).group(1))
        problem, number = boot_state(workdir, os.path.join(states_dir, name), expected)
        if problem:
            problems.append(problem)
            continue
        if first.setdefault(expected, number) != number:
            problems.append("%s: epoch %d restored to counter %d once and %d another time"
                            % (name, expected, first[expected], number))
        print("crashtest: %s restored epoch %d, counter went on from %d" % (name, expected, number))
    epochs = sorted(first)
    for older, newer in zip(epochs, epochs[1:]):
        if first[newer] < first[older]:
            problems.append("epoch %d went on from counter %d, before epoch %d's %d"
                            % (newer, first[newer], older, first[older]))
    return problems


def main(argv):
    parser = argparse.ArgumentParser(prog="crashtest", description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=200,
                        help="counter lines to record (10 a second; default 200)")
    parser.add_argument("--tears", type=int, default=32, help="torn variants per write")
    parser.add_argument("--boots", type=int, default=12, help="states booted in QEMU")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", help="keep the record and states here")
    arguments = parser.parse_args(argv)
    for needed in (EXPLORER, FRESH_IMAGE):
        if not os.path.exists(needed):
            sys.exit("crashtest: %s not found; run make" % needed)
    workdir = arguments.workdir or tempfile.mkdtemp(prefix="cairn-crashtest-")
    os.makedirs(workdir, exist_ok=True)
    try:
        base, log, last = record(workdir, arguments.lines)
        print("crashtest: recorded %d counter lines (%d KiB of writes logged)"
              % (last, os.path.getsize(log) // 1024))
        states, names = explore(workdir, base, log, arguments.tears, arguments.boots,
                                arguments.seed)
        if states is None:
            print("crashtest: FAILED: inconsistent crash states")
            return 1
        problems = check_boots(workdir, os.path.join(workdir, "states"), names)
        for problem in problems:
            print("crashtest: problem: " + problem)
        print("crashtest: %d crash states explored, %d booted in QEMU, %d problems"
              % (states, len(names), len(problems)))
        return 1 if problems else 0
    finally:
        if not arguments.workdir:
            shutil.rmtree(workdir, ignore_errors=True)

