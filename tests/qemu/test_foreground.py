"""The console's foreground: Ctrl-C stops the shell's foreground job (after a power cut too),
console input goes to the foreground job only, and `kill` takes a job number or a PID."""

import re
import shutil
import subprocess
import time

from conftest import ROOT

CTRL_C = "\x03"
PS_COUNTER_ROW = re.compile(r"^(?:cairn> )?\s*\d+\s+\w+\s+\d+\s+\d+\s+counter$", re.M)


def command(guest, line, answer, timeout=15):
    """Types line; waits for a console line ending with answer (the prompt may precede it)."""
    guest.send(line + "\n")
    return guest.expect(answer, timeout=timeout)


def wait_for_text(guest, text, timeout=15):
    """Waits until text has appeared anywhere in the output (before or after the last match)."""
    deadline = time.monotonic() + timeout
    while text not in guest.output:
        assert time.monotonic() < deadline, "no %r within %s s\n%s" % (text, timeout,
                                                                      guest.describe())
        time.sleep(0.05)


def ps_rows(guest, marker):
    """What `ps` prints now: the lines between its header and the echo of marker."""
    guest.send("ps\n")
    guest.expect(r"pid\s+state\s+pages\s+restarts\s+name$")
    start = guest.output.rfind("pid  state")
    command(guest, "echo " + marker, r"^(?:cairn> )?%s$" % marker)
    return guest.output[start:guest.output.rfind(marker)]


def start_shell(boot, **options):
    guest = boot(cmdline="run=shell", **options)
    guest.expect(r"^Cairn shell: type help", timeout=20)
    return guest


def test_ctrl_c_stops_a_foreground_counter(boot):
    guest = start_shell(boot)
    guest.send("run counter\n")
    guest.expect(r"counter: 3$")
    guest.send(CTRL_C)
    guest.expect(r"^\^C$")
    guest.expect(r"^\[1\] counter: stopped$")
    rows = ps_rows(guest, "after-ctrl-c")
    assert not PS_COUNTER_ROW.search(rows), guest.describe()
    assert re.search(r"\bshell$", rows, re.M), guest.describe()


def test_console_input_goes_to_the_foreground_job_only(boot):
    guest = start_shell(boot)
    command(guest, "run outlat &", r"\[1\] \d+ outlat$")
    wait_for_text(guest, "outlat: ready\n")      # it may start writing before the shell does
    # The shell is in front: every line is the shell's, none goes to the background reader.
    for n in range(3):
        command(guest, "echo word%d" % n, r"(?:outlat: got echo word%d|word%d)$" % (n, n))
    # A foreground job that reads gets the lines while it is in front (kv answers NOTFOUND).
    command(guest, "run kv", r"kv: ready")
    command(guest, "get colour", r"(?:NOTFOUND colour|outlat: got get colour)$")
    command(guest, "quit", r"^(?:cairn> )?BYE$")
    # A foreground job that does not read: a line typed meanwhile waits for the shell.
    guest.send("run counter\n")
    guest.expect(r"counter: 2$")
    guest.send("echo typed-ahead\n")
    guest.expect(r"counter: 4$")
    guest.send(CTRL_C)
    guest.expect(r"^\[2\] counter: stopped$")
    guest.expect(r"^(?:cairn> )?(?:outlat: got echo )?typed-ahead$")
    command(guest, "jobs", r"^(?:cairn> )?\[1\] \d+ outlat$")
    assert "outlat: got" not in guest.output, guest.describe()


def test_kill_takes_a_pid(boot):
    guest = start_shell(boot)
    pid = command(guest, "run counter &", r"\[1\] (\d+) counter$").group(1)
    guest.expect(r"counter: \d+$")
    command(guest, "kill %s" % pid, r"kill: \[1\] counter: OK$")
    rows = ps_rows(guest, "after-kill")
    assert not PS_COUNTER_ROW.search(rows), guest.describe()
    command(guest, "kill 4242", r"kill: no job or PID 4242")


def test_ctrl_c_stops_a_foreground_counter_resumed_after_a_power_cut(tmp_path, boot):
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    first = start_shell(boot, disk=image, snapshot=False)
    first.send("run counter\n")
    first.expect(r"counter: 5$")      # shown, so a checkpoint with the counter in front is durable
    first.close()                     # SIGKILL: the power goes off
    info = subprocess.run([str(ROOT / "build" / "cairn-img"), "info", str(image)],
                          capture_output=True, text=True, timeout=60).stdout
    stored = re.search(r"^console foreground: process (\d+) reads the console, "
                       r"process (\d+) holds it$", info, re.M)
    assert stored and stored.group(1) != stored.group(2), info

    second = boot(disk=image, snapshot=False)
    second.expect(r"^resumed checkpoint epoch \d+")
    second.expect(r"^(?:cairn> )?counter: \d+$")
    second.send(CTRL_C)
    second.expect(r"^\[1\] counter: stopped$")
    rows = ps_rows(second, "after-power-cut")
    assert not PS_COUNTER_ROW.search(rows), second.describe()
