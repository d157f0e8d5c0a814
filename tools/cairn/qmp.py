"""QEMU's QMP monitor from the host, for tools/bench and the tests."""

import json
import os
import socket
import time

SOCKET_WAIT_SECONDS = 10


class Qmp:
    """A QMP client on the Unix socket tools/cairn-qemu --qmp serves: one command at a time,
    events skipped; timeout bounds each reply, in seconds."""

    def __init__(self, path, timeout):
        deadline = time.monotonic() + SOCKET_WAIT_SECONDS     # QEMU makes it as it starts
        while not os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.socket.settimeout(timeout)
        self.socket.connect(path)
        self.lines = self.socket.makefile("r")
        json.loads(self.lines.readline())               # the greeting
        self.execute("qmp_capabilities")

    def execute(self, command, **arguments):
        self.socket.sendall(json.dumps({"execute": command, "arguments": arguments}).encode()
                            + b"\n")
        while True:
            reply = json.loads(self.lines.readline())
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RuntimeError("QMP %s: %s" % (command, reply["error"].get("desc")))

    def human(self, command_line):
        """An HMP command; returns (seconds it took, its text). Text is an error or a listing."""
        start = time.monotonic()
        text = self.execute("human-monitor-command", **{"command-line": command_line})
        return time.monotonic() - start, text

    def close(self):
        self.lines.close()
        self.socket.close()
