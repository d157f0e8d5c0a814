"""Shared test machinery: boots Cairn through tools/cairn-qemu with deadlines, and always kills QEMU.

A test asks the `boot` fixture for a guest, waits for output with
`guest.expect(regex)`, types with `guest.send(text)`, and reads the exit status
with `guest.wait_exit()`. Every wait has a deadline, every test has a time
limit (TEST_TIME_LIMIT_SECONDS, enforced with SIGALRM since pytest-timeout is
not installed), and the fixture's teardown kills QEMU (by the PID in its
pidfile) and the launcher whatever happened.
"""

import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAUNCHER = ROOT / "tools" / "cairn-qemu"
KERNEL_MARK = re.compile(r"^\[k\] ", re.MULTILINE)    # starts every line of the kernel's log
FRESH_IMAGE = ROOT / "build" / "fresh.img"   # the default disk, attached read-only (--snapshot)
TEST_TIME_LIMIT_SECONDS = 30
EXPECT_SECONDS = 15         # one expect(); a boot to the prompt takes about a second
EXIT_SECONDS = 15           # wait_exit()
KILL_SECONDS = 10           # teardown, after SIGKILL
LAUNCHER_GRACE_SECONDS = 2  # teardown: the launcher's own exit once QEMU is killed
OUTPUT_SHOWN_ON_FAILURE = 3000  # characters of console output quoted in a failure


class Guest:
    """One QEMU run of Cairn, with its serial console read by a background thread."""

    def __init__(self, workdir, cmdline="", mem=None, kernel_direct=False, disk=FRESH_IMAGE,
                 snapshot=True, extra=()):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.pidfile = self.workdir / "qemu.pid"
        self.command = [str(LAUNCHER), "--pidfile", str(self.pidfile)]
        if cmdline:
            self.command += ["--cmdline", cmdline]
        if mem is not None:
            self.command += ["--mem", str(mem)]
        if kernel_direct:
            self.command.append("--kernel-direct")
        if disk is not None:
            self.command += ["--disk", str(disk)] + (["--snapshot"] if snapshot else [])
            # A test that cuts the power kills QEMU, which keeps every write it passed on:
            # host flushes would only widen the moment between a commit reaching the image
            # and its output reaching the console (docs/abi.md).
            self.command += ["--cache", "unsafe"] if not snapshot else []
        self.command += list(extra)
        self.process = None
        self._raw = bytearray()
        self._ended = False           # the console reached end of file
        self._changed = threading.Condition()
        self._reader = None
        self._position = 0            # expect() searches from here on

    def start(self):
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True)
        self._reader = threading.Thread(target=self._read_console, daemon=True)
        self._reader.start()
        return self

    def _read_console(self):
        descriptor = self.process.stdout.fileno()
        while True:
            try:
                chunk = os.read(descriptor, 4096)
            except OSError:
                chunk = b""
            with self._changed:
                if chunk:
                    self._raw += chunk
                else:
                    self._ended = True
                self._changed.notify_all()
            if not chunk:
                return

    @property
    def raw_output(self):
        """Everything the console printed so far, with CRLF line ends turned into LF."""
        with self._changed:
            return self._raw.decode("utf-8", "replace").replace("\r\n", "\n")

    @property
    def output(self):
        """The console so far without the kernel's line mark "[k] " (tests match kernel and
        program lines alike; test_console.py checks the marks themselves on raw_output)."""
        return KERNEL_MARK.sub("", self.raw_output)

    def describe(self):
        text = self.output
        shown = text[-OUTPUT_SHOWN_ON_FAILURE:]
        cut = "[...]\n" if len(shown) < len(text) else ""
        return "command: %s\n--- console output ---\n%s%s\n--- end ---" % (
            " ".join(self.command), cut, shown)

    def expect(self, pattern, timeout=EXPECT_SECONDS):
        """Waits for pattern (a regex, ^ and $ per line) after the previous match; returns the match.

        Only complete lines are searched (until the console ends): otherwise `$` would match
        at the end of a line still arriving, and "counter: 2" would be read from "counter: 22".
        """
        regex = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                text = KERNEL_MARK.sub("", self._raw.decode("utf-8", "replace").replace("\r\n", "\n"))
                if not self._ended:
                    text = text[:text.rfind("\n") + 1]
                match = regex.search(text, self._position)
                if match:
                    self._position = match.end()
                    return match
                if self._ended:
                    pytest.fail("the guest ended before printing %r\n%s"
                                % (pattern, self.describe()), pytrace=False)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail("no %r within %s s\n%s" % (pattern, timeout, self.describe()),
                                pytrace=False)
                self._changed.wait(remaining)

    def send(self, text):
        self.process.stdin.write(text.encode())
        self.process.stdin.flush()

    def wait_exit(self, timeout=EXIT_SECONDS):
        """Waits for the guest to stop; returns the launcher's status (the guest's)."""
        try:
            status = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail("the guest did not exit within %s s\n%s" % (timeout, self.describe()),
                        pytrace=False)
        self._reader.join(KILL_SECONDS)   # the rest of the output
        return status

    def _qemu_pid(self):
        """QEMU's PID from the pidfile, if that process is still QEMU started by our launcher."""
        try:
            pid = int(self.pidfile.read_text().strip())
            with open("/proc/%d/cmdline" % pid, "rb") as cmdline:
                is_qemu = b"qemu-system" in cmdline.read()
            return pid if is_qemu and os.getpgid(pid) == self.process.pid else None
        except (OSError, ValueError):
            return None

    def close(self):
        """Kills QEMU and the launcher (SIGKILL) unless both are gone; always safe to call."""
        if self.process is None:
            return
        qemu_pid = self._qemu_pid()
        if qemu_pid is not None:
            try:
                os.kill(qemu_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(LAUNCHER_GRACE_SECONDS)   # it reaps QEMU and exits
            except subprocess.TimeoutExpired:
                pass
        if self.process.returncode is None:
            # Not yet reaped, so the launcher's PID (its session's group ID) cannot have been
            # reused: this also reaches a QEMU that had not written its pidfile yet.
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.process.wait(KILL_SECONDS)
            if qemu_pid is not None:
                wait_until_gone(qemu_pid, KILL_SECONDS)
        finally:
            for stream in (self.process.stdin, self.process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            if self._reader is not None:
                self._reader.join(KILL_SECONDS)


def wait_until_gone(pid, timeout):
    """Waits until process pid has ended (no longer exists, or is a zombie)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open("/proc/%d/stat" % pid) as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return
        except OSError:
            return
        time.sleep(0.01)
    raise AssertionError("QEMU (PID %d) still runs %s s after SIGKILL" % (pid, timeout))


@pytest.fixture
def boot(tmp_path):
    """boot(cmdline="", mem=None, kernel_direct=False) starts a guest; teardown kills them all."""
    guests = []

    def start(cmdline="", mem=None, kernel_direct=False, disk=FRESH_IMAGE, snapshot=True,
              extra=()):
        guest = Guest(tmp_path / ("guest%d" % len(guests)), cmdline, mem, kernel_direct, disk,
                      snapshot, extra)
        guests.append(guest)
        return guest.start()

    try:
        yield start
    finally:
        for guest in guests:
            guest.close()


class TimeLimitExceeded(Exception):
    """Raised in the main thread when a test runs past its time limit."""


def _time_limit_reached(signal_number, frame):
    raise TimeLimitExceeded("the test ran past its time limit")


def pytest_configure(config):
    config.addinivalue_line("markers", "time_limit(seconds): a longer limit than the default")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Bounds every test body; fixture teardown (which kills QEMU) still runs afterwards."""
    previous = signal.signal(signal.SIGALRM, _time_limit_reached)
    marker = item.get_closest_marker("time_limit")
    signal.alarm(marker.args[0] if marker else TEST_TIME_LIMIT_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def pytest_unconfigure(config):
    """The one closing line of make test: `N passed, N failed` (errors count as failures)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or not reporter.stats:
        return
    passed = len(reporter.stats.get("passed", []))
    failed = len(reporter.stats.get("failed", [])) + len(reporter.stats.get("error", []))
    others = ["%d %s" % (len(reporter.stats[key]), word)
              for key, word in (("xfailed", "known bugs"), ("skipped", "skipped"))
              if reporter.stats.get(key)]
    reporter.write_line("%d passed, %d failed%s" % (passed, failed,
                                                      " (%s)" % ", ".join(others) if others else ""))
