"""Run by tests/test_net_tap.py inside `unshare --net`: Linux talks to build/net-tap-echo over a tap.

A network namespace of its own (made by unshare, gone when this process ends) holds
the tap and every packet: the host end is 10.0.2.2/24, the stack 10.0.2.15, and nothing
is routed or bridged anywhere. Prints one JSON object: what came back, and the tool's
output.
"""

import json
import os
import socket
import struct
import subprocess
import sys
import time

TAP = "cairntap0"
GUEST = "10.0.2.15"
DATAGRAMS = 1000
PINGS = 20
MTU_PAYLOAD = 1472


def run(command):
    subprocess.run(command, shell=True, check=True)


def internet_checksum(data):
    """RFC 1071, the plain way, for the echo replies."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def udp_round_trips(sizes):
    """Sends numbered datagrams one by one; returns how many came back whole."""
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.bind(("10.0.2.2", 40000))
    client.settimeout(2)
    echoed = 0
    for number, size in enumerate(sizes):
        payload = (b"%08d" % number).ljust(size, bytes([number % 251]))[:size]
        client.sendto(payload, (GUEST, 7))
        try:
            answer, source = client.recvfrom(2048)
        except socket.timeout:
            continue
        echoed += answer == payload and source == (GUEST, 7)
    return echoed


def pings():
    """Echo requests through a raw socket; returns how many well-formed replies came."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    raw.settimeout(2)
    answered = 0
    for sequence in range(1, PINGS + 1):
        data = bytes(range(56))
        message = struct.pack("!BBHHH", 8, 0, 0, 0x4341, sequence) + data
        message = message[:2] + struct.pack("!H", internet_checksum(message)) + message[4:]
        raw.sendto(message, (GUEST, 0))
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            try:
                packet, _ = raw.recvfrom(2048)
            except socket.timeout:
                break
            reply = packet[(packet[0] & 0xF) * 4:]
            if reply[0] == 0 and reply[4:8] == message[4:8]:
                answered += reply[8:] == data and internet_checksum(reply) == 0
                break
    return answered


def main():
    tool = subprocess.Popen([sys.argv[1], TAP, sys.argv[2]], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    ready = tool.stdout.readline()
    if "ready" not in ready:
        print(json.dumps({"error": "net-tap-echo did not start: " + ready + tool.stdout.read()}))
        return
    run("sysctl -qw net.ipv6.conf.all.disable_ipv6=1")
    run("ip link set lo up && ip link set %s up && ip addr add 10.0.2.2/24 dev %s" % (TAP, TAP))
    sizes = [1 + number % 64 for number in range(DATAGRAMS)] + [0, MTU_PAYLOAD - 1, MTU_PAYLOAD]
    result = {"udp_sent": len(sizes), "udp_echoed": udp_round_trips(sizes),
              "pings_sent": PINGS, "pings_answered": pings()}
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"stop", (GUEST, 9))
    result["tool_output"] = tool.communicate(timeout=30)[0]
    result["tool_status"] = tool.returncode
    print(json.dumps(result))


if __name__ == "__main__":
    main()
