"""kv: a key-value program on the console; every set the host saw acknowledged survives power cuts.

The power-cut test boots one image again and again. While a boot runs the
host sends `set` lines at random moments and notes every `OK KEY` it sees;
at a random moment it kills QEMU (SIGKILL: the power goes off). Then one
last boot answers `get` for every key sent: an acknowledged key must hold
its value; a key never acknowledged may hold its value or be missing (its
line may have been lost like a dropped packet) but nothing else.

CAIRN_KV_CYCLES sets the number of cut boots (default 12, under a minute;
`make soak` runs more).
"""

import os
import random
import re
import shutil
import time

import pytest

from conftest import ROOT

KV_CYCLES = int(os.environ.get("CAIRN_KV_CYCLES", "12"))
CYCLE_SECONDS = (0.3, 4.0)      # from QEMU's start to the cut, chosen at random
SEND_GAP_SECONDS = (0.0, 0.25)  # between two sets
BOOT_SECONDS = 30               # a boot must reach its first line within this
GET_BATCH = 20                  # gets sent before waiting for their answers
FAILURE = re.compile(r"KERNEL (FAULT|PANIC)|^fatal|FAILED|^ERROR", re.M)
ACK = re.compile(r"^OK (\S+)$", re.M)
ANSWER = re.compile(r"^(?:VALUE (\S+) (.*)|NOTFOUND (\S+))$", re.M)


def complete_lines(guest):
    """The console output up to its last newline (a cut may end it half-way through a line)."""
    text = guest.output
    return text[:text.rfind("\n") + 1]


def wait_for(guest, pattern, timeout):
    """The first match of pattern in the guest's complete lines within timeout, or None."""
    regex = re.compile(pattern, re.M)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = regex.search(complete_lines(guest))
        if match:
            return match
        time.sleep(0.02)
    return None


def check_healthy(guest, what):
    failure = FAILURE.search(guest.output)
    assert failure is None, "%s: %r\n%s" % (what, failure.group(0), guest.describe())


class KvHost:
    """What the host sent and what it saw acknowledged, over every boot."""

    def __init__(self, randomizer):
        self.randomizer = randomizer
        self.values = {}            # key -> the value sent (each key is sent once)
        self.acknowledged = set()

    def send_until(self, guest, cut_at):
        """Sends sets at random moments until the monotonic time cut_at."""
        while True:
            pause = self.randomizer.uniform(*SEND_GAP_SECONDS)
            if time.monotonic() + pause >= cut_at:
                time.sleep(max(0.0, cut_at - time.monotonic()))
                return
            time.sleep(pause)
            key = "k%d" % len(self.values)
            value = "v%d-%08x" % (len(self.values), self.randomizer.getrandbits(32))
            self.values[key] = value
            guest.send("set %s %s\n" % (key, value))

    def note_acknowledgements(self, guest, boot_number):
        for key in ACK.findall(complete_lines(guest)):
            assert key in self.values, "boot %d acknowledged %s, never sent\n%s" % (
                boot_number, key, guest.describe())
            self.acknowledged.add(key)


def run_cut_boot(boot, image, host, boot_number):
    """One boot of image, cut at a random moment; returns 1 if it resumed a checkpoint."""
    first = boot_number == 0
    guest = boot(disk=image, snapshot=False, cmdline="run=kv" if first else "")
    run_seconds = host.randomizer.uniform(*CYCLE_SECONDS)
    if first:
        # kv's first line is shown only once durable, so every later boot resumes kv; the
        # cut comes after it (else the next boot would find the fresh image).
        assert wait_for(guest, r"^kv: ready", BOOT_SECONDS), guest.describe()
        host.send_until(guest, time.monotonic() + run_seconds)
    else:
        # Sets go only to a resumed kv; the cut may come before, even during the boot, but its
        # moment counts from the kernel's banner: the boot loader's time varies with the
        # host's load, and a cut before the kernel runs tests nothing.
        wait_for(guest, r"^Cairn \S+ \(i386\)", BOOT_SECONDS)
        cut_at = time.monotonic() + run_seconds
        if wait_for(guest, r"^resumed checkpoint epoch \d+", run_seconds):
            host.send_until(guest, cut_at)
    guest.close()                                   # SIGKILL: the power goes off
    check_healthy(guest, "boot %d" % boot_number)
    host.note_acknowledgements(guest, boot_number)
    return int(bool(re.search(r"^resumed checkpoint epoch", guest.output, re.M)))


def read_back(guest, keys):
    """{key: value or None (NOTFOUND)} from `get` of every key, GET_BATCH at a time."""
    answers = {}
    for start in range(0, len(keys), GET_BATCH):
        batch = keys[start:start + GET_BATCH]
        guest.send("".join("get %s\n" % key for key in batch))
        deadline = time.monotonic() + BOOT_SECONDS
        while not all(key in answers for key in batch):
            assert time.monotonic() < deadline, "no answer for some of %s\n%s" % (
                batch, guest.describe())
            time.sleep(0.02)
            for value_key, value, missing_key in ANSWER.findall(complete_lines(guest)):
                answers[value_key or missing_key] = value if value_key else None
    return answers


def test_kv_answers_set_and_get(boot):
    guest = boot(cmdline="run=kv")
    guest.expect(r"^kv: ready", timeout=BOOT_SECONDS)
    guest.send("get colour\nset colour deep blue\nget colour\nset colour red\nget colour\n"
               "put colour\nset colour\nget %s\n\nget colour\n" % ("x" * 40))
    guest.expect(r"^NOTFOUND colour$")
    guest.expect(r"^OK colour$")
    guest.expect(r"^VALUE colour deep blue$")
    guest.expect(r"^OK colour$")
    guest.expect(r"^VALUE colour red$")
    guest.expect(r"^ERROR unknown command put")
    guest.expect(r"^ERROR set colour needs a value")
    guest.expect(r"^ERROR get needs a key of 1 to 31 bytes$")
    guest.expect(r"^VALUE colour red$")


@pytest.mark.timeout(60 + KV_CYCLES * 15)
def test_kv_acknowledged_sets_survive_power_cuts(tmp_path, boot):
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    seed = random.randrange(1 << 30)
    host = KvHost(random.Random(seed))
    resumed = sum(run_cut_boot(boot, image, host, number) for number in range(KV_CYCLES))
    guest = boot(disk=image, snapshot=False)
    assert wait_for(guest, r"^resumed checkpoint epoch \d+", BOOT_SECONDS), guest.describe()
    never_sent = "never-%d" % seed
    answers = read_back(guest, sorted(host.values) + [never_sent])
    check_healthy(guest, "the last boot")
    context = "seed %d, %d boots (%d resumed), %d sets sent, %d acknowledged" % (
        seed, KV_CYCLES, resumed, len(host.values), len(host.acknowledged))
    print("kv power cuts: " + context)          # shown by pytest -s (make soak)
    assert answers[never_sent] is None, context
    for key, value in host.values.items():
        if key in host.acknowledged:
            assert answers[key] == value, "%s: acknowledged %s=%s, now %r" % (
                context, key, value, answers[key])
        else:
            assert answers[key] in (value, None), "%s: sent %s=%s, now %r" % (
                context, key, value, answers[key])
    # Not vacuous: enough sets were acknowledged, and boots resumed kv rather than starting anew.
    assert len(host.acknowledged) >= KV_CYCLES, context
    assert resumed >= KV_CYCLES // 2, context
