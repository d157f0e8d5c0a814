"""A network namespace of its own for a test: a tap interface the guest's card attaches to.

Every frame a network test sends or receives stays inside the namespace: QEMU runs
in it (`ip netns exec`), its tap interface is the namespace's only link besides
loopback, and the host's end has an address in the guest's subnet (10.0.2.2/24 by
default; the guest is 10.0.2.15/24). Nothing is bridged or routed out of it. The
`netns` fixture (tests/conftest.py) makes one per test and deletes it afterwards,
whatever happened; a test that cannot make one fails with the reason.
"""

import ctypes
import os
import secrets
import socket
import subprocess

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4         # socket.recvfrom's address[2] for a frame this host sent
GUEST_MAC = "52:54:00:12:34:56"     # tools/cairn-qemu --tap's fixed address
HOST_ADDRESS = "10.0.2.2/24"
TAP = "tap0"


def mac_bytes(text):
    return bytes(int(part, 16) for part in text.split(":"))


class NamespaceError(Exception):
    """The namespace could not be made (the message says which command failed and why)."""


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise NamespaceError("%s failed (%d): %s" % (" ".join(command), result.returncode,
                                                     (result.stderr or result.stdout).strip()))
    return result.stdout


class Namespace:
    """ip netns NAME with tap TAP in it, up, the host end at HOST_ADDRESS."""

    def __init__(self, name=None):
        self.name = name or "cairn-%s" % secrets.token_hex(4)
        self.tap = TAP
        self.made = False

    def create(self):
        run(["ip", "netns", "add", self.name])
        self.made = True
        self.run(["ip", "link", "set", "lo", "up"])
        self.run(["ip", "tuntap", "add", "dev", self.tap, "mode", "tap"])
        # No IPv6 on the tap: Linux would send router solicitations and the like to the guest
        # unasked, and a test should see only the frames it sends.
        self.run(["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % self.tap])
        self.run(["ip", "addr", "add", HOST_ADDRESS, "dev", self.tap])
        self.run(["ip", "link", "set", self.tap, "up"])
        return self

    def delete(self):
        if self.made:
            subprocess.run(["ip", "netns", "delete", self.name], capture_output=True)
            self.made = False

    def wrap(self, command):
        """command, run inside the namespace."""
        return ["ip", "netns", "exec", self.name] + list(command)

    def run(self, command):
        return run(self.wrap(command))

    def host_mac(self):
        path = "/sys/class/net/%s/address" % self.tap
        return mac_bytes(self.run(["cat", path]).strip())

    def raw_socket(self):
        """An AF_PACKET socket on the namespace's tap, made inside the namespace (this thread
        enters it for the call and leaves it again)."""
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        own = os.open("/proc/self/ns/net", os.O_RDONLY)
        theirs = os.open("/run/netns/%s" % self.name, os.O_RDONLY)
        try:
            if libc.setns(theirs, CLONE_NEWNET) != 0:
                raise NamespaceError("setns into %s: %s"
                                     % (self.name, os.strerror(ctypes.get_errno())))
            try:
                sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
                sock.bind((self.tap, 0))
            finally:
                if libc.setns(own, CLONE_NEWNET) != 0:
                    raise NamespaceError("setns back: %s" % os.strerror(ctypes.get_errno()))
        finally:
            os.close(own)
            os.close(theirs)
        return sock


def incoming_from(sock, source, timeout, ethertype=None):
    """The next frame that came in on sock from MAC source (of ethertype, if given) within
    timeout seconds, or None (frames this host sent, and others, are passed over)."""
    import select
    import time
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([sock], [], [], left)[0]:
            return None
        frame, address = sock.recvfrom(65536)
        if address[2] != PACKET_OUTGOING and frame[6:12] == source and \
                (ethertype is None or frame[12:14] == ethertype.to_bytes(2, "big")):
            return frame
