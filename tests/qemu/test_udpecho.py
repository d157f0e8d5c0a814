"""The network, from the host's side: Linux's ping and a Linux UDP socket against udpecho.

Every test makes its own network namespace with a tap interface in it (the
`netns` fixture, tools/cairn/netns.py), runs QEMU (`tools/cairn-qemu --tap`) and
the host's client inside it, and deletes it at the end, also when the test
fails: no packet leaves the namespace. A test that cannot make the namespace
fails with the reason (tests and CI run as root).

The power-cut test boots one image again and again on the same tap while
the host sends a datagram every 10 ms: every answer the host gets must echo
a datagram it sent (loss is allowed, like any network's; an answer to a
datagram never sent is not), and after every resume the answers come again.
"""

import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import ROOT

GUEST_ADDRESS = "10.0.2.15"     # net.ip's default

UDP_ECHO_PORT = 7
CUTS = int(os.environ.get("CAIRN_NET_CUTS", "20"))
CUT_SECONDS = (0.2, 1.5)        # from the first answer of a boot to its cut, at random
ANSWER_SECONDS = 20             # a boot's first answer must come within this
FAILURE = re.compile(r"KERNEL (FAULT|PANIC)|^fatal|FAILED|^ERROR", re.M)
UDPCLIENT = [sys.executable, str(ROOT / "tools" / "cairn" / "udpclient.py")]


def start_udpecho(boot, netns, disk=None, snapshot=True, first=True):
    """A guest on the namespace's tap; on its first boot it starts udpecho and waits for its
    line, on a later one for the resumed programs' first instruction."""
    keywords = {} if disk is None else {"disk": disk, "snapshot": snapshot}
    guest = boot(cmdline="run=udpecho" if first else "", netns=netns, **keywords)
    guest.expect(r"^udpecho: echoing" if first else r"first user instruction", timeout=30)
    return guest


def run_in(netns, command, timeout):
    return subprocess.run(netns.wrap(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=timeout)


def check_healthy(guest, what):
    failure = FAILURE.search(guest.output)
    assert failure is None, "%s: %r\n%s" % (what, failure.group(0), guest.describe())


@pytest.mark.timeout(120)
def test_the_host_pings_the_guest(netns, boot):
    guest = start_udpecho(boot, netns)
    result = run_in(netns, ["ping", "-n", "-c", "20", "-i", "0.2", "-W", "3", GUEST_ADDRESS],
                    timeout=90)
    assert " 20 received" in result.stdout, result.stdout + result.stderr
    check_healthy(guest, "after 20 pings")


@pytest.mark.timeout(240)
def test_a_linux_udp_socket_gets_1000_datagrams_back(netns, boot):
    guest = start_udpecho(boot, netns)
    result = run_in(netns, UDPCLIENT + ["echo", GUEST_ADDRESS, str(UDP_ECHO_PORT), "1000"],
                    timeout=200)
    assert result.stdout, result.stderr
    figures = json.loads(result.stdout)
    assert figures["foreign"] == 0, figures
    assert figures["answered"] == 1000, (figures["answered"], figures["resent"])
    check_healthy(guest, "after 1000 datagrams")


def read_stream_log(path):
    """What the stream client logged: sent {seq: time}, answers [(seq, time)], foreign lines."""
    sent, answers, foreign = {}, [], []
    if not os.path.exists(path):
        return sent, answers, foreign     # the client has not started yet
    with open(path) as log:
        for line in log:
            fields = line.split()
            if not fields:
                continue
            if fields[0] == "S":
                sent[int(fields[1])] = float(fields[2])
            elif fields[0] == "R":
                answers.append((int(fields[1]), float(fields[2])))
            elif fields[0] == "F":
                foreign.append(line.strip())
    return sent, answers, foreign


def wait_for_answer_after(path, moment, timeout):
    """Waits until the log holds an answer received after moment; returns whether it came."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _sent, answers, _foreign = read_stream_log(path)
        if any(at > moment for _seq, at in answers):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.timeout(60 + 25 * CUTS)
def test_udpecho_answers_again_after_every_power_cut(netns, boot, tmp_path):
    image = tmp_path / "net.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    randomizer = random.Random()
    seed = randomizer.randrange(1 << 32)
    randomizer.seed(seed)
    log = tmp_path / "stream.log"
    guest = start_udpecho(boot, netns, disk=image, snapshot=False)
    client = subprocess.Popen(netns.wrap(UDPCLIENT + ["stream", GUEST_ADDRESS,
                                                      str(UDP_ECHO_PORT), str(log),
                                                      "--interval", "0.01"]))
    boots = []                  # [from, to]: each boot's time, on the host's clock
    try:
        for cut in range(CUTS + 1):
            started = time.monotonic()
            boots.append([started, None])
            if cut:
                guest = start_udpecho(boot, netns, disk=image, snapshot=False, first=False)
            answered = wait_for_answer_after(log, started, ANSWER_SECONDS)
            assert answered, "boot %d (seed %d): no answer within %d s\n%s" % (
                cut, seed, ANSWER_SECONDS, guest.describe())
            check_healthy(guest, "boot %d (seed %d)" % (cut, seed))
            if cut < CUTS:
                time.sleep(randomizer.uniform(*CUT_SECONDS))
                guest.close()           # the power cut: SIGKILL to QEMU
            boots[-1][1] = time.monotonic()
    finally:
        client.terminate()
        client.wait(timeout=10)
    sent, answers, foreign = read_stream_log(log)
    assert not foreign, "answers that echo nothing this run sent: %s" % foreign[:5]
    never_sent = sorted({seq for seq, _at in answers} - set(sent))
    assert not never_sent, "answers to datagrams never sent: %s" % never_sent[:10]
    early = [seq for seq, at in answers if at < sent[seq]]
    assert not early, "answers before their datagram was sent: %s" % early[:10]
    answered = {seq for seq, _at in answers}
    lost = ["%d/%d" % (sum(1 for seq, at in sent.items() if start <= at < end and
                           seq not in answered),
                       sum(1 for at in sent.values() if start <= at < end))
            for start, end in boots]
    print("udp power cuts (seed %d): %d boots, %d datagrams sent, %d answered, %d lost, "
          "%d answers repeated; lost/sent per boot: %s"
          % (seed, len(boots), len(sent), len(answered), len(sent) - len(answered),
             len(answers) - len(answered), " ".join(lost)))
