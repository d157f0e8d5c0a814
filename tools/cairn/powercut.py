"""powercut: boots Cairn again and again on one image, cutting the power (SIGKILL to QEMU) at
random moments, and checks that `counter` and `pingpong` always continue from their last
checkpoint.

    tools/powercut [--cycles N] [--seed S] [--image FILE] [--interval MS]

Each boot runs until a random moment, then QEMU is killed. With output
commit (the default) every `counter: N` line the host saw, concatenated over
all the boots, must be exactly 1, 2, 3, ... with no gap and no repeat, and
keep growing; likewise pingpong's lines (forever, one every 10,000 round
trips, each checked by both partners). One repeat is allowed, and counted
apart: a cut inside the output window (docs/abi.md), after lines reached the
serial port and before QEMU passed their release record to Linux, shows those
lines again. build/window-shim.so, loaded into every QEMU, notes both events,
so a line shown again is accepted only if the boot before showed it after its
last release record. With --no-output-commit the output
is not held back, so after a restart a few lines may repeat (never more than
one interval's worth) but none may be skipped. Prints one summary line and
exits 0 when every cycle passed.
"""

import argparse
import os
import random
import re
import shutil
import tempfile
import time

from cairn import FRESH_IMAGE, WINDOW_SHIM, window_shim_environment
from cairn.bench import window_events
from cairn.guest import Guest, launcher_arguments

COUNTER = re.compile(rb"^counter: (\d+)\r?$", re.M)
PINGPONG = re.compile(rb"^pingpong: at (\d+)\r?$", re.M)
COUNTER_LINES_PER_SECOND = 10
PINGPONG_STEP = 10000
PINGPONG_REPEAT = 8         # lines a restart may repeat: the round trips of one interval, and more
KERNEL_SECONDS = 30         # from QEMU's start to the kernel's banner, at most


def counter_numbers(output):
    """The counter's numbers in output (bytes), leaving out a last line the power cut ended
    half-way ("counter: 2" of "counter: 25")."""
    return [int(n) for n in COUNTER.findall(output[:output.rfind(b"\n") + 1])]


def boot_and_cut(image, run_seconds, interval_ms, output_commit=True, window_log=None):
    """Boots image, kills QEMU after run_seconds; returns the console output (bytes). With
    window_log, QEMU runs with the window shim, which writes its events there."""
    # cache=unsafe: a killed QEMU keeps every write it already passed on, flushed or not, so
    # flushes only lengthen the moment between a commit reaching the image and its output
    # reaching the console (docs/abi.md); the crash-state tests check the flush order instead.
    cmdline = "run=counter,pingpong:0 ckpt.interval=%d%s" % (
        interval_ms, "" if output_commit else " output_commit=off")
    environment = window_shim_environment(window_log) if window_log else None
    guest = Guest(launcher_arguments(cmdline, disk=image, snapshot=False, cache="unsafe"),
                  environment=environment, console_input=False).start()
    # run_seconds count from the kernel's banner, not from QEMU's start: the boot loader's time
    # varies with the host's load, and a cut before the kernel runs tests nothing.
    guest.wait_for(r"^Cairn \S+ \(i386\)", KERNEL_SECONDS)
    time.sleep(run_seconds)
    guest.close()                               # SIGKILL to QEMU: the power goes off
    return guest.raw_output.encode()


def unrecorded_lines(window_log):
    """How many program lines the window shim saw reach the serial port after the last
    release record QEMU passed to Linux (0 when the boot wrote no record at all: a repeat
    then has no excuse)."""
    if not window_log or not os.path.exists(window_log):
        return 0
    kinds = [kind for kind, _ in window_events(window_log)]
    if "R" not in kinds:
        return 0
    last_record = len(kinds) - 1 - kinds[::-1].index("R")
    return kinds[last_record + 1:].count("N")


def window_repeat(numbers, last_seen, unrecorded):
    """How many of numbers' first lines repeat the boot before's last ones because its cut
    came inside the output window: all the lines repeated (at least one), if there are no
    more than that boot showed after its last release record; else 0."""
    if not numbers or not last_seen or numbers[0] > last_seen:
        return 0
    repeated = last_seen - numbers[0] + 1
    return repeated if repeated <= unrecorded else 0


def check_cycle(cycle, numbers, last_seen, allowed_repeat):
    """Returns a problem description, or None."""
    if not numbers:
        return None                              # cut before the counter printed anything
    if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        return "cycle %d: numbers not consecutive within a boot: %s" % (cycle, numbers[:20])
    if last_seen == 0 and numbers[0] != 1:
        return "cycle %d: first boot started at %d, not 1" % (cycle, numbers[0])
    if last_seen and numbers[0] < last_seen - allowed_repeat:
        return "cycle %d: went back from %d to %d (more than one interval)" % (
            cycle, last_seen, numbers[0])
    if last_seen and numbers[0] > last_seen + 1:
        return "cycle %d: skipped from %d to %d" % (cycle, last_seen, numbers[0])
    return None


def run(cycles, seed, image, interval_ms, log=None, output_commit=True):
    randomizer = random.Random(seed)
    last_seen, problems, restarts, pingpong_seen = 0, [], 0, 0
    allowed_repeat = max(2, interval_ms * COUNTER_LINES_PER_SECOND // 1000 + 2)
    pingpong_repeat = PINGPONG_REPEAT
    if output_commit:           # nothing is shown before it is durable: no line comes twice
        allowed_repeat = pingpong_repeat = 0
    seen, window_repeats, unrecorded = [], 0, 0
    shim = output_commit and os.path.exists(WINDOW_SHIM)
    if output_commit and not shim:
        problems.append("%s is missing (make builds it): a line shown again after a cut "
                        "inside the output window cannot be told from a fault" % WINDOW_SHIM)
    window_folder = tempfile.mkdtemp(prefix="cairn-powercut-window-")
    for cycle in range(cycles):
        window_log = os.path.join(window_folder, "%d.log" % cycle) if shim else None
        output = boot_and_cut(image, randomizer.uniform(0.9, 2.5), interval_ms, output_commit,
                              window_log)
        if log:
            log.write(output.decode(errors="replace"))
        if b"KERNEL" in output or b"fatal" in output or b"FAILED" in output:
            problems.append("cycle %d: the kernel failed:\n%s" % (cycle, output.decode(errors="replace")[-1500:]))
            break
        restarts += b"resumed checkpoint" in output
        numbers = counter_numbers(output)
        complete = output[:output.rfind(b"\n") + 1]     # not a line the cut ended half-way
        steps = [int(n) // PINGPONG_STEP for n in PINGPONG.findall(complete)]
        # The lines the boot before showed after its last record, once: counter's or
        # pingpong's or both.
        repeat = window_repeat(numbers, last_seen, unrecorded)
        unrecorded -= repeat
        pingpong_repeat_now = window_repeat(steps, pingpong_seen, unrecorded)
        if repeat or pingpong_repeat_now:
            window_repeats += 1
            numbers, steps = numbers[repeat:], steps[pingpong_repeat_now:]
        unrecorded = unrecorded_lines(window_log)
        problem = check_cycle(cycle, numbers, last_seen, allowed_repeat)
        if problem:
            problems.append(problem)
        if numbers:
            last_seen = max(last_seen, numbers[-1])
        seen += numbers
        problem = check_cycle(cycle, steps, pingpong_seen, pingpong_repeat)
        if problem:
            problems.append("pingpong " + problem)
        if steps:
            pingpong_seen = max(pingpong_seen, steps[-1])
    if output_commit and seen != list(range(1, len(seen) + 1)):
        first = next(i for i, n in enumerate(seen) if n != i + 1)
        problems.append("the counter lines over all boots are not 1, 2, 3...: line %d is %d"
                        % (first + 1, seen[first]))
    if pingpong_seen < 2:
        problems.append("pingpong made no progress over the cycles (%d lines)" % pingpong_seen)
    shutil.rmtree(window_folder, ignore_errors=True)
    return last_seen, restarts, problems, window_repeats


def main(argv):
    parser = argparse.ArgumentParser(prog="powercut",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--image", help="image to use (default: a fresh copy in a temporary folder)")
    parser.add_argument("--interval", type=int, default=100, help="ckpt.interval in ms")
    parser.add_argument("--no-output-commit", action="store_true",
                        help="boot with output_commit=off (output shown before it is durable)")
    arguments = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="cairn-powercut-")
    image = arguments.image or os.path.join(folder, "system.img")
    if not arguments.image:
        shutil.copyfile(FRESH_IMAGE, image)
    started = time.time()
    last_seen, restarts, problems, window_repeats = run(arguments.cycles, arguments.seed, image, arguments.interval,
                                        output_commit=not arguments.no_output_commit)
    for problem in problems:
        print("powercut: " + problem)
    print("powercut: %d cycles (seed %d) in %.0f s: counter reached %d, %d resumed boots, "
          "%d cuts inside the output window (their lines shown again), %d problems"
          % (arguments.cycles, arguments.seed, time.time() - started, last_seen, restarts,
             window_repeats, len(problems)))
    shutil.rmtree(folder, ignore_errors=True)
    return 1 if problems or last_seen < arguments.cycles else 0

