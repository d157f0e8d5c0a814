"""The network, kernel side: the virtio-net card, the NIC object, and output commit for frames.

Each test makes its own network namespace (the `netns` fixture, tools/cairn/netns.py) with a tap
interface the guest's card attaches to, and sends raw Ethernet frames on it from an AF_PACKET
socket inside that namespace; `outlat net` in the guest sends every frame it receives back,
with the MAC addresses swapped. Nothing leaves the namespace. Frames carry EtherType 0x88B5
(IEEE's local experimental type) and a numbered payload, so every echo names its frame.
"""

import re
import shutil
import struct
import sys
from pathlib import Path

from conftest import ROOT
from cairn.netns import GUEST_MAC, incoming_from, mac_bytes

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from image_tools import BLOCK, ROOT_FRAMES_BLOCKS  # noqa: E402

ETHERTYPE = 0x88B5
ECHO_SECONDS = 10


def echo_from(sock, timeout):
    return incoming_from(sock, mac_bytes(GUEST_MAC), timeout, ETHERTYPE)


def frame_to_guest(host_mac, number, size=60):
    payload = b"cairn frame %d " % number
    payload += b"." * (size - 14 - len(payload))
    return mac_bytes(GUEST_MAC) + host_mac + struct.pack(">H", ETHERTYPE) + payload


def check_echo(echo, sent, host_mac):
    """An echo is the frame sent, addressed back: to the host, from the guest's card."""
    assert echo is not None, "no echo"
    assert echo[0:6] == host_mac and echo[6:12] == mac_bytes(GUEST_MAC), echo[:14].hex()
    assert echo[12:len(sent)] == sent[12:], (echo[12:40], sent[12:40])


def start_echo(boot, netns, cmdline="", **options):
    guest = boot(cmdline=("run=outlat:net " + cmdline).strip(), netns=netns, **options)
    guest.expect(r"^net: virtio-net %s, 10\.0\.2\.15/24$" % GUEST_MAC)
    guest.expect(r"^outlat: net %s present 1, a receive for 50 ms says E_TIMED_OUT$" % GUEST_MAC)
    guest.expect(r"^outlat: echoing frames$")
    return guest


def test_a_guest_without_a_card_is_told_so(boot):
    """No --tap: the boot log says there is no card, NIC_INFO says not present, and a receive
    answers E_NO_DEVICE (the NIC object exists all the same)."""
    guest = boot(cmdline="run=outlat:net")
    guest.expect(r"^net: none$")
    guest.expect(r"^outlat: net 00:00:00:00:00:00 present 0, a receive for 50 ms says "
                 r"E_NO_DEVICE$")


def test_frames_of_every_size_come_back_swapped(netns, boot):
    """Frames from the shortest to the longest Ethernet frame go to the guest and come back,
    each exactly once, addressed to the host."""
    guest = start_echo(boot, netns)
    sock = netns.raw_socket()
    host_mac = netns.host_mac()
    for number, size in enumerate([60, 64, 100, 512, 1000, 1514, 60, 1514]):
        sent = frame_to_guest(host_mac, number, size)
        sock.send(sent)
        echo = echo_from(sock, ECHO_SECONDS)
        check_echo(echo, sent, host_mac)
        assert len(echo) >= len(sent), (len(echo), len(sent))
    assert not re.search(r"FAILED", guest.output), guest.describe()


def test_a_burst_is_echoed_in_order(netns, boot):
    """Twenty frames sent at once (fewer than the guest's receive ring holds) all come back,
    in the order they were sent."""
    start_echo(boot, netns)
    sock = netns.raw_socket()
    host_mac = netns.host_mac()
    sent = [frame_to_guest(host_mac, number) for number in range(20)]
    for frame in sent:
        sock.send(frame)
    for frame in sent:
        check_echo(echo_from(sock, ECHO_SECONDS), frame, host_mac)


def durable_frames(output):
    """Frames the kernel released so far: the sum over debug=net's durable lines."""
    return sum(int(count) for count in
               re.findall(r"^net: checkpoint \d+ is durable: (\d+) held frames may go$", output,
                          re.M))


def test_no_echo_reaches_the_host_before_its_checkpoint_is_durable(netns, boot):
    """Output commit for frames: with checkpoints only by period (1 s; a held frame would start
    one only after a minute), each echo the host gets must already be counted by a durable
    checkpoint's line on the console. The kernel writes that line to the serial port before it
    hands the checkpoint's frames to the card, so a frame sent before its commit shows up as
    more echoes than the lines account for."""
    guest = start_echo(boot, netns, "debug=net ckpt.interval=1000 ckpt.output_delay=60000")
    sock = netns.raw_socket()
    host_mac = netns.host_mac()
    received = 0
    for number in range(6):
        sent = frame_to_guest(host_mac, number)
        sock.send(sent)
        check_echo(echo_from(sock, ECHO_SECONDS), sent, host_mac)
        received += 1
        released = durable_frames(guest.output)
        assert received <= released, (received, released, guest.describe())


def test_held_frames_survive_a_power_cut(netns, boot, tmp_path):
    """cut=frames:1 stops the machine once the first checkpoint holding frames is durable and
    before any of them went to the card: the host gets no echo. The next boot of the same
    image sends that checkpoint's frames, since no release record covers them."""
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    first = start_echo(boot, netns, "cut=frames:1", disk=image, snapshot=False)
    sock = netns.raw_socket()
    host_mac = netns.host_mac()
    sent = frame_to_guest(host_mac, 7)
    sock.send(sent)
    assert first.wait_exit() == 4, first.describe()
    assert re.search(r"^cut=frames:1: stopping here", first.output, re.M), first.describe()
    assert echo_from(sock, 0.2) is None, "echo before the cut"
    second = boot(disk=image, snapshot=False, netns=netns)
    second.expect(r"^output commit: 1 frames checkpoint \d+ held were never sent; sending them "
                  r"now$")
    check_echo(echo_from(sock, ECHO_SECONDS), sent, host_mac)
    # The resumed echo program goes on.
    again = frame_to_guest(host_mac, 8)
    sock.send(again)
    check_echo(echo_from(sock, ECHO_SECONDS), again, host_mac)


def test_held_frames_with_a_bad_checksum_are_dropped_not_sent(netns, boot, tmp_path):
    """The disk is untrusted: a block of held frames that fails its CRC32C is not sent; the
    boot says the frames are dropped and the system goes on (the echo program answers)."""
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    first = start_echo(boot, netns, "cut=frames:1", disk=image, snapshot=False)
    sock = netns.raw_socket()
    host_mac = netns.host_mac()
    sock.send(frame_to_guest(host_mac, 1))
    assert first.wait_exit() == 4, first.describe()
    info = subprocess_output([str(ROOT / "build" / "cairn-img"), "info", str(image)])
    root = int(re.search(r"root record at block (\d+)", info).group(1))
    data = bytearray(image.read_bytes())
    block = struct.unpack_from("<I", data, root * BLOCK + ROOT_FRAMES_BLOCKS)[0]
    assert block >= 16, (root, block)
    data[block * BLOCK + 20] ^= 0x01            # a byte of the frame: still a frame, wrong CRC
    image.write_bytes(bytes(data))
    second = boot(disk=image, snapshot=False, netns=netns)
    second.expect(r"^error: output commit: 1 held frames of checkpoint \d+ are dropped: held network "
                  r"frames at block %d: bad checksum$" % block)
    assert echo_from(sock, 0.5) is None, "a damaged frame was sent"
    again = frame_to_guest(host_mac, 2)
    sock.send(again)
    check_echo(echo_from(sock, ECHO_SECONDS), again, host_mac)


def subprocess_output(command):
    import subprocess
    return subprocess.run(command, capture_output=True, text=True, timeout=60).stdout


def test_a_program_the_shell_loads_gets_the_nic_and_stats_count_frames(netns, boot):
    """PROGRAM_LOAD copies the loader's slot 3 (the NIC) into the new program: the shell (a
    run= program, given the NIC by the kernel) starts outlat net, which echoes; the shell's
    stats then count the frame in and out, none held."""
    guest = boot(cmdline="run=shell", netns=netns)
    guest.expect(r"Cairn shell: type help", timeout=20)
    guest.send("run outlat net &\n")
    guest.expect(r"outlat: net %s present 1, a receive for 50 ms says E_TIMED_OUT$" % GUEST_MAC)
    guest.expect(r"outlat: echoing frames$")
    sock = netns.raw_socket()
    host_mac = netns.host_mac()
    sent = frame_to_guest(host_mac, 3)
    sock.send(sent)
    check_echo(echo_from(sock, ECHO_SECONDS), sent, host_mac)
    guest.send("stats\n")
    match = guest.expect(r"net: frames in (\d+), out (\d+), held (\d+), dropped (\d+)$")
    frames_in, frames_out, held, dropped = (int(group) for group in match.groups())
    assert frames_in >= 1 and frames_out >= 1 and held == 0 and dropped == 0, match.group(0)
