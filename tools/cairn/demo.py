"""demo: a scripted tour of Cairn without a keyboard: programs survive two power cuts.

    tools/demo [--seed S] [--image FILE]

Boots a fresh copy of build/fresh.img with counter, kv, clock, shm and
pingpong (IPC partners counting for ever); types
some kv sets; cuts the power (SIGKILL to QEMU) twice at random moments;
boots again; then says what survived, with figures: the counter's lines over
all boots (1..N, no gap, none twice), the kv keys acknowledged and still
there (read back with get), shm's items (every report in sequence, each
checksum right), pingpong's progress (every step once, in order), the
restart counter and the wall-clock gaps from the
kernel's log, and what the clock program saw. Exits 0 when every check
holds, 1 otherwise.
"""

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time

from cairn import FRESH_IMAGE
from cairn.guest import Guest, launcher_arguments

PROGRAMS = "run=counter,kv,clock:8,shm,pingpong:0"
BOOT_SECONDS = 30           # a boot must show its first program line within this
CLOCK_SECONDS = 40          # the last boot waits this long for clock to wake
KV_SETS = [("colour", "blue"), ("planet", "mars"), ("metal", "tin"),
           ("river", "rhine"), ("tree", "oak")]
SHM_ITEM_MULTIPLIER, SHM_ITEM_ADDEND = 2654435761, 0x9E3779B9   # user/programs/shm.c


def boot_machine(image, cmdline, workdir):
    """One boot of Cairn on image, its disk kept (the image is the system); close() is the
    power cut."""
    return Guest(launcher_arguments(cmdline, disk=image, snapshot=False), workdir).start()


def complete_lines(machine):
    """The complete lines so far (a power cut may end the last one half-way)."""
    text = machine.raw_output
    return text[:text.rfind("\n") + 1].splitlines()


def seen(machine, pattern, timeout):
    """The first line so far, or within timeout, that pattern matches: its match, or None."""
    regex = re.compile(pattern)
    return machine.wait_until(
        lambda text: next(filter(None, map(regex.search, text.splitlines())), None), timeout)


def say(text=""):
    print(text, flush=True)


def shm_checksum(items):
    return (SHM_ITEM_MULTIPLIER * items * (items - 1) // 2 + SHM_ITEM_ADDEND * items) % (1 << 32)


class Tour:
    def __init__(self, image, workdir, randomizer):
        self.image, self.workdir, self.randomizer = image, workdir, randomizer
        self.boots = []             # the lines of each boot
        self.acknowledged = {}      # key -> value, from "OK key"
        self.sent = {}
        self.failures = []

    def check(self, ok, text):
        say("  [%s] %s" % ("ok" if ok else "FAILED", text))
        if not ok:
            self.failures.append(text)

    def send_sets(self, machine, sets):
        for key, value in sets:
            self.sent[key] = value
            say("  typing: set %s %s" % (key, value))
            machine.send("set %s %s\n" % (key, value))
            if seen(machine, r"^OK %s$" % key, 10):
                self.acknowledged[key] = value
                say("  kv answered: OK %s (durable before it said so)" % key)
            time.sleep(self.randomizer.uniform(0.1, 0.4))

    def cut_boot(self, number, cmdline, sets):
        say("Boot %d: %s" % (number, "fresh image, " + cmdline if cmdline else
                             "the same image, no options: the system resumes"))
        machine = boot_machine(self.image, cmdline, self.workdir)
        ready = seen(machine, r"^kv: ready" if number == 1 else r"resumed checkpoint epoch",
                     BOOT_SECONDS)
        if ready:
            self.send_sets(machine, sets)
        moment = self.randomizer.uniform(0.5, 2.5)
        time.sleep(moment)
        machine.close()
        self.boots.append(complete_lines(machine))
        counters = self.counter_numbers(complete_lines(machine))
        say("  power cut %.1f s after the last set; this boot showed counter %s" % (
            moment, "%d..%d" % (counters[0], counters[-1]) if counters else "nothing"))
        self.check(ready is not None, "boot %d came up" % number)
        downtime = self.randomizer.uniform(1.0, 3.0)
        say("  the machine stays off for %.1f s" % downtime)
        time.sleep(downtime)

    def last_boot(self):
        say("Boot 3: the same image again")
        machine = boot_machine(self.image, "", self.workdir)
        resumed = seen(machine, r"resumed checkpoint epoch (\d+) .*restart (\d+)", BOOT_SECONDS)
        keys = sorted(self.sent)
        if resumed:
            machine.send("".join("get %s\n" % key for key in keys))
            for key in keys:
                seen(machine, r"^(VALUE|NOTFOUND) %s( |$)" % key, 10)
        # The 8 s of running time may already have passed in the boots before (they run for
        # as long as the host takes to boot and type), and the line was shown there.
        earlier = [m for lines_ in self.boots for m in map(re.compile(r"^clock: woke").search,
                                                           lines_) if m]
        woke = earlier[0] if earlier else seen(machine, r"^clock: woke", CLOCK_SECONDS)
        seen(machine, r"^shm: report \d+:", 10)
        machine.close()
        lines = complete_lines(machine)
        self.boots.append(lines)
        return lines, resumed, woke

    @staticmethod
    def counter_numbers(lines):
        return [int(m.group(1)) for m in (re.match(r"^counter: (\d+)$", l) for l in lines) if m]

    def narrate_counter(self):
        numbers = [n for lines in self.boots for n in self.counter_numbers(lines)]
        per_boot = ["boot %d: %s" % (i + 1, "%d..%d" % (c[0], c[-1]) if c else "none")
                    for i, c in enumerate(self.counter_numbers(lines) for lines in self.boots)]
        self.check(bool(numbers) and numbers == list(range(1, len(numbers) + 1)),
                   "counter: 1..%d over all boots, no gap, none twice (%s)" % (
                       len(numbers), "; ".join(per_boot)))

    def narrate_kv(self, lines):
        answers = {}
        for line in lines:
            match = re.match(r"^VALUE (\S+) (.*)$|^NOTFOUND (\S+)$", line)
            if match:
                answers[match.group(1) or match.group(3)] = match.group(2)
        for key in sorted(self.sent):
            value = answers.get(key, "(no answer)")
            if key in self.acknowledged:
                self.check(value == self.sent[key], "kv: %s was acknowledged and is %s" % (
                    key, value))
            else:
                self.check(value in (self.sent[key], None),
                           "kv: %s was never acknowledged (its line was lost with the power) and "
                           "is %s" % (key, value or "absent"))
        self.check(len(self.acknowledged) > 0, "kv: %d of %d sets acknowledged" % (
            len(self.acknowledged), len(self.sent)))

    def narrate_shm(self):
        pattern = r"^shm: report (\d+): (\d+) items, checksum 0x([0-9a-f]+)$"
        reports = [(int(m.group(1)), int(m.group(2)), int(m.group(3), 16))
                   for lines in self.boots for m in (re.match(pattern, l) for l in lines) if m]
        numbers = [k for k, _, _ in reports]
        counts = [n for _, n, _ in reports]
        right = all(checksum == shm_checksum(n) for _, n, checksum in reports)
        self.check(bool(reports) and numbers == list(range(1, len(reports) + 1)) and
                   counts == sorted(set(counts)) and right,
                   "shm: reports 1..%d over all boots, none twice, up to %d items passed "
                   "through shared pages, every checksum right" % (
                       len(reports), counts[-1] if counts else 0))

    def narrate_pingpong(self):
        steps = [int(m.group(1)) for lines in self.boots
                 for m in (re.match(r"^pingpong: at (\d+)$", l) for l in lines) if m]
        step = steps[0] if steps else 0
        self.check(bool(steps) and steps == [step * (i + 1) for i in range(len(steps))],
                   "pingpong: %d round trips counted by two processes over all boots, every "
                   "progress line once and in order" % (steps[-1] if steps else 0))

    def narrate_clocks(self, lines, resumed, woke):
        gaps = [int(m.group(1)) for lines_ in self.boots[1:] for m in
                (re.search(r"wall clock: .*, (\d+) s before$", l) for l in lines_) if m]
        self.check(resumed is not None and resumed.group(2) == "2",
                   "restart counter: %s after two power cuts (checkpoint epoch %s)" % (
                       resumed.group(2) if resumed else "?", resumed.group(1) if resumed else "?"))
        say("  the kernel saw the wall clock jump by %s s at the two restarts (the real-time "
            "clock has 1 s steps)" % " and ".join(str(g) for g in gaps))
        if woke:
            match = re.search(r"woke after (\d+) ns monotonic, (\d+) ns wall; restart (\d+)",
                              woke.string)
            monotonic, wall = int(match.group(1)) / 1e9, int(match.group(2)) / 1e9
            self.check(monotonic >= 8.0 and match.group(3) in ("1", "2"),
                       "clock: slept 8 s of running time across %s power cut%s: %.2f s "
                       "monotonic, %.2f s of wall clock, so about %.0f s were spent off or "
                       "booting" % (match.group(3), "" if match.group(3) == "1" else "s",
                                    monotonic, wall, wall - monotonic))
        else:
            self.check(False, "clock: woke within %d s of the last boot" % CLOCK_SECONDS)

    def run(self):
        self.cut_boot(1, PROGRAMS, KV_SETS[:3])
        self.cut_boot(2, "", KV_SETS[3:])
        lines, resumed, woke = self.last_boot()
        say()
        say("What survived two power cuts:")
        self.narrate_counter()
        self.narrate_kv(lines)
        self.narrate_shm()
        self.narrate_pingpong()
        self.narrate_clocks(lines, resumed, woke)
        for number, boot in enumerate(self.boots, 1):
            bad = [l for l in boot if re.search(r"KERNEL (FAULT|PANIC)|fatal|FAILED", l)]
            self.check(not bad, "boot %d: no fault, no failure%s" % (
                number, ": " + bad[0] if bad else ""))
        return not self.failures


def main(argv):
    parser = argparse.ArgumentParser(prog="demo", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--image", help="where to put the system image (default: a temporary "
                                        "folder); it is first made a copy of build/fresh.img")
    arguments = parser.parse_args(argv)
    if not os.path.exists(FRESH_IMAGE):
        sys.stderr.write("demo: %s not found; run 'make' first\n" % FRESH_IMAGE)
        return 2
    workdir = tempfile.mkdtemp(prefix="cairn-demo-")
    try:
        image = arguments.image or os.path.join(workdir, "system.img")
        shutil.copyfile(FRESH_IMAGE, image)
        say("Cairn demo (seed %d): counter, kv, clock:8, shm and pingpong on %s" % (
            arguments.seed, image))
        tour = Tour(image, workdir, random.Random(arguments.seed))
        passed = tour.run()
        say()
        say("demo: %s" % ("every check holds" if passed else
                          "%d checks failed" % len(tour.failures)))
        return 0 if passed else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

