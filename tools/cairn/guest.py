"""Guest: one boot of Cairn through tools/cairn-qemu, its serial console read with pexpect.

    guest = Guest(launcher_arguments(cmdline="run=counter"), workdir).start()
    guest.expect(r"^counter: 3$")        # a regex, ^ and $ per line, after the previous match
    guest.send("...")                     # types on the console
    guest.close()                         # the power cut: SIGKILL to QEMU, by its PID

The launcher runs in its own session with the console on pipes (QEMU sees no terminal, so
no monitor is multiplexed on it). pexpect's fdspawn reads the pipe: it waits with poll()
up to a deadline, decodes UTF-8 across reads, tells the end of the console apart and copies
the console to workdir/console.txt. Guest keeps the whole console and searches it itself:
only complete lines (else `$` would match at the end of a line still arriving, and
"counter: 2" be read from "counter: 22"), with CRLF turned into LF and the kernel's line
mark "[k] " removed, so that kernel and program lines are matched alike. pexpect's own
expect() sees neither rule.

Nothing reads the console between two calls, so the pipe is enlarged to hold 1 MiB of
output: a guest is never held up by a host that is busy elsewhere.
"""

import fcntl
import os
import re
import signal
import subprocess
import tempfile
import time

from pexpect import EOF, TIMEOUT
from pexpect.fdpexpect import fdspawn

from cairn import FRESH_IMAGE, LAUNCHER, ROOT

KERNEL_MARK = re.compile(r"^\[k\] ", re.MULTILINE)    # starts every line of the kernel's log
EXPECT_SECONDS = 15         # one expect(); a boot to the prompt takes about a second
EXIT_SECONDS = 15           # wait_exit()
KILL_SECONDS = 10           # close(), after SIGKILL
LAUNCHER_GRACE_SECONDS = 2  # close(): the launcher's own exit once QEMU is killed
OUTPUT_SHOWN_ON_FAILURE = 3000  # characters of console output quoted in a failure
PIPE_BYTES = 1 << 20        # the console pipe's size (Linux's default limit for it)
READ_BYTES = 65536          # the most one read takes from the pipe


class GuestFailure(AssertionError):
    """An expect() or wait_exit() that did not get what it waited for."""


def launcher_arguments(cmdline="", mem=None, kernel_direct=False, disk=FRESH_IMAGE,
                       snapshot=True, cache=None, extra=()):
    """tools/cairn-qemu's arguments for a boot: a disk (build/fresh.img by default) attached
    read-only (snapshot) or kept; extra goes last (after "--" it goes to QEMU)."""
    arguments = []
    if cmdline:
        arguments += ["--cmdline", cmdline]
    if mem is not None:
        arguments += ["--mem", str(mem)]
    if kernel_direct:
        arguments.append("--kernel-direct")
    if disk is not None:
        arguments += ["--disk", str(disk)] + (["--snapshot"] if snapshot else [])
    if cache is not None:
        arguments += ["--cache", cache]
    return arguments + list(extra)


class Guest:
    """One run of tools/cairn-qemu; workdir holds its pidfile and console.txt (a temporary
    folder when None). With console_input False the console's input is /dev/null. prefix goes
    before the launcher's command: `ip netns exec NAME` to run it in a network namespace
    (tools/cairn/netns.py's Namespace.wrap([]))."""

    def __init__(self, arguments, workdir=None, environment=None, console_input=True, prefix=()):
        self._own_workdir = workdir is None
        self.workdir = tempfile.mkdtemp(prefix="cairn-guest-") if workdir is None else str(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.pidfile = os.path.join(self.workdir, "qemu.pid")
        self.command = list(prefix) + [LAUNCHER, "--pidfile", self.pidfile] + \
            [str(a) for a in arguments]
        self.environment = environment
        self.console_input = console_input
        self.process = None
        self.console = None           # the pexpect reader of the console pipe
        self._log = None
        self._raw = ""                # the whole console so far, CRLF turned into LF
        self._pending_cr = False      # a CR ended the last read: its LF may come next
        self._lines = ""              # _raw's complete lines without the kernel's marks
        self._lines_end = 0           # how far into _raw they reach (a line start)
        self.ended = False            # the console reached end of file
        self.position = 0             # expect() searches output from here on

    def start(self):
        if os.path.exists(self.pidfile):
            os.unlink(self.pidfile)
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.environment,
            stdin=subprocess.PIPE if self.console_input else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        descriptor = self.process.stdout.fileno()
        try:
            fcntl.fcntl(descriptor, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        except OSError:
            pass                      # a smaller limit: the default 64 KiB pipe
        self._log = open(os.path.join(self.workdir, "console.txt"), "w")
        self.console = fdspawn(descriptor, timeout=EXPECT_SECONDS, maxread=READ_BYTES,
                               encoding="utf-8", codec_errors="replace", use_poll=True)
        self.console.logfile_read = self._log
        return self

    # --- reading the console ---------------------------------------------------------------

    def read(self, timeout):
        """Adds to the console what arrived, waiting up to timeout s for something; returns
        whether anything came (False also once the console has ended)."""
        if self.ended or self.console is None:
            return False
        try:
            text = self.console.read_nonblocking(READ_BYTES, max(0.0, timeout))
        except TIMEOUT:
            return False
        except EOF:
            self.ended = True
            return False
        if self._pending_cr:
            text = "\r" + text
        self._pending_cr = text.endswith("\r")
        self._raw += text[:-1].replace("\r\n", "\n") if self._pending_cr else \
            text.replace("\r\n", "\n")
        end = self._raw.rfind("\n") + 1
        if end > self._lines_end:     # only the new lines: a flood is not scanned again
            self._lines += KERNEL_MARK.sub("", self._raw[self._lines_end:end])
            self._lines_end = end
        return True

    def _read_available(self):
        while self.read(0):
            pass

    @property
    def raw_output(self):
        """Everything the console printed so far, with CRLF line ends turned into LF."""
        self._read_available()
        return self._raw + ("\r" if self._pending_cr else "")

    @property
    def output(self):
        """The console so far without the kernel's line mark "[k] " (tests match kernel and
        program lines alike; test_console.py checks the marks themselves on raw_output)."""
        return KERNEL_MARK.sub("", self.raw_output)

    def _complete_output(self):
        """output up to its last line end, or all of it once the console has ended."""
        if not self.ended:
            return self._lines
        return self._lines + KERNEL_MARK.sub("", self._raw[self._lines_end:])

    def describe(self):
        text = self.output
        shown = text[-OUTPUT_SHOWN_ON_FAILURE:]
        cut = "[...]\n" if len(shown) < len(text) else ""
        return "command: %s\n--- console output ---\n%s%s\n--- end ---" % (
            " ".join(self.command), cut, shown)

    def wait_until(self, found, timeout):
        """Reads the console until found(complete output) gives something true, returned; None
        when the console ends or the timeout passes first."""
        deadline = time.monotonic() + timeout
        self._read_available()
        while True:
            result = found(self._complete_output())
            if result:
                return result
            remaining = deadline - time.monotonic()
            if self.ended or remaining <= 0:
                return None
            self.read(remaining)

    def wait_for(self, pattern, timeout=EXPECT_SECONDS):
        """The first match of pattern (a regex, ^ and $ per line) after the previous match, or
        None when the console ends or the timeout passes first."""
        regex = re.compile(pattern, re.MULTILINE)
        match = self.wait_until(lambda text: regex.search(text, self.position), timeout)
        if match:
            self.position = match.end()
        return match

    def expect(self, pattern, timeout=EXPECT_SECONDS):
        """wait_for(pattern), but a console that ends or a timeout is a failure (fail())."""
        match = self.wait_for(pattern, timeout)
        if match:
            return match
        if self.ended:
            self.fail("the guest ended before printing %r\n%s" % (pattern, self.describe()))
        self.fail("no %r within %s s\n%s" % (pattern, timeout, self.describe()))

    def fail(self, message):
        """How a failed wait is reported: GuestFailure here; tests/conftest.py fails the test."""
        raise GuestFailure(message)

    # --- typing, exit and the power cut ----------------------------------------------------

    def send(self, text):
        self.process.stdin.write(text.encode())
        self.process.stdin.flush()

    def wait_exit(self, timeout=EXIT_SECONDS):
        """Waits for the guest to stop; returns the launcher's status (the guest's)."""
        try:
            status = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.fail("the guest did not exit within %s s\n%s" % (timeout, self.describe()))
        self._read_to_end()
        return status

    def _read_to_end(self):
        deadline = time.monotonic() + KILL_SECONDS
        while not self.ended and time.monotonic() < deadline:
            self.read(deadline - time.monotonic())

    def _qemu_pid(self):
        """QEMU's PID from the pidfile, if that process is still QEMU started by our launcher."""
        try:
            with open(self.pidfile) as pidfile:
                pid = int(pidfile.read().strip())
            with open("/proc/%d/cmdline" % pid, "rb") as cmdline:
                is_qemu = b"qemu-system" in cmdline.read()
            return pid if is_qemu and os.getpgid(pid) == self.process.pid else None
        except (OSError, ValueError):
            return None

    def close(self):
        """The power cut: kills QEMU and the launcher (SIGKILL) unless both are gone, then
        reads what the console still held; always safe to call, also twice."""
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
            self._release()

    def _release(self):
        """Reads the console to its end, then closes the pipes, the log and a temporary workdir."""
        if self.console is not None:
            self._read_to_end()
            self.ended = True
        for stream in (self.process.stdin, self.process.stdout, self._log):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        self.console = None
        if self._own_workdir:
            for name in ("qemu.pid", "console.txt"):
                try:
                    os.unlink(os.path.join(self.workdir, name))
                except OSError:
                    pass
            try:
                os.rmdir(self.workdir)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.close()


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
