"""udpclient: the host's side of the UDP tests and bench rows, run inside a test's network
namespace (tools/cairn/netns.py) against udpecho on the guest.

    udpclient.py echo ADDRESS PORT COUNT      COUNT numbered datagrams, one at a time, each
                                              waited for (sent again after a timeout); prints
                                              one JSON object: sent, answered, round trips (us),
                                              replies that were not one of ours
    udpclient.py stream ADDRESS PORT LOG      one numbered datagram every --interval seconds
                                              until SIGTERM; every send and every reply goes to
                                              LOG as it happens ("S seq time" / "R seq time")

Each payload is "cairn TAG SEQ" padded to --size bytes, TAG chosen per run, so a reply that
is not an echo of a datagram this run sent is told apart.
"""

import argparse
import json
import os
import random
import select
import signal
import socket
import sys
import time


def payload(tag, seq, size):
    text = ("cairn %s %d " % (tag, seq)).encode()
    return text + b"." * max(0, size - len(text))


def parse(data, tag):
    """The sequence number of one of this run's payloads, or None."""
    parts = data.split(b" ", 3)
    if len(parts) < 3 or parts[0] != b"cairn" or parts[1] != tag.encode():
        return None
    try:
        return int(parts[2])
    except ValueError:
        return None


def echo(arguments, tag):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    target = (arguments.address, arguments.port)
    answered, foreign, rtts, resent = 0, 0, [], 0
    for seq in range(arguments.count):
        data = payload(tag, seq, arguments.size)
        for _attempt in range(arguments.tries):
            sent = time.monotonic()
            sock.sendto(data, target)
            deadline = sent + arguments.timeout
            got = False
            while not got:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([sock], [], [], left)[0]:
                    break
                reply, _source = sock.recvfrom(65536)
                number = parse(reply, tag)
                if number is None:
                    foreign += 1
                elif number == seq and reply == data:
                    got = True
                    rtts.append(int((time.monotonic() - sent) * 1e6))
            if got:
                answered += 1
                break
            resent += 1
    print(json.dumps({"sent": arguments.count, "answered": answered, "foreign": foreign,
                      "resent": resent, "rtt_us": rtts}))
    return 0 if answered == arguments.count and not foreign else 1


def stream(arguments, tag):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    target = (arguments.address, arguments.port)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    with open(arguments.log, "w", buffering=1) as log:
        log.write("T %s\n" % tag)
        seq, next_send = 0, time.monotonic()
        while not stopping:
            now = time.monotonic()
            if now >= next_send:
                try:
                    sock.sendto(payload(tag, seq, arguments.size), target)
                    log.write("S %d %.6f\n" % (seq, now))
                except OSError as error:      # e.g. no ARP answer yet: that datagram is lost
                    log.write("E %d %.6f %s\n" % (seq, now, error.strerror))
                seq += 1
                next_send += arguments.interval
            wait = max(0.0, next_send - time.monotonic())
            if select.select([sock], [], [], wait)[0]:
                while True:
                    try:
                        reply, _source = sock.recvfrom(65536)
                    except BlockingIOError:
                        break
                    except OSError:
                        break
                    number = parse(reply, tag)
                    now = time.monotonic()
                    if number is None:
                        log.write("F %.6f %r\n" % (now, reply[:40]))
                    else:
                        log.write("R %d %.6f %d\n" % (number, now, len(reply)))
    return 0


def main(argv):
    parser = argparse.ArgumentParser(prog="udpclient")
    parser.add_argument("mode", choices=["echo", "stream"])
    parser.add_argument("address")
    parser.add_argument("port", type=int)
    parser.add_argument("what", help="echo: how many datagrams; stream: the log file")
    parser.add_argument("--size", type=int, default=64, help="payload bytes (default 64)")
    parser.add_argument("--timeout", type=float, default=2.0, help="echo: seconds per try")
    parser.add_argument("--tries", type=int, default=3, help="echo: sends of one datagram")
    parser.add_argument("--interval", type=float, default=0.01, help="stream: seconds apart")
    arguments = parser.parse_args(argv)
    tag = "%d-%08x" % (os.getpid(), random.getrandbits(32))
    if arguments.mode == "echo":
        arguments.count = int(arguments.what)
        return echo(arguments, tag)
    arguments.log = arguments.what
    return stream(arguments, tag)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
