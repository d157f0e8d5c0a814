"""The persistent shell: commands, background jobs, and its history and variables across a power cut."""

import re
import shutil

from conftest import ROOT


def command(guest, line, answer, timeout=15):
    """Types line; waits for a console line ending with answer (the prompt may precede it)."""
    guest.send(line + "\n")
    return guest.expect(answer, timeout=timeout)


def test_shell_commands_and_what_survives_a_power_cut(tmp_path, boot):
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    first = boot(disk=image, snapshot=False, cmdline="run=shell")
    first.expect(r"^Cairn shell: type help", timeout=20)
    command(first, "help", r"commands: help, ps, run PROGRAM")
    first.expect(r"^then cut the power .*everything goes on\.$")   # the rest of help is in
    for demo in ("counter", "kv", "pingpong", "shm", "hog", "clock", "life"):
        assert re.search(r"\brun %s\b" % demo, first.output), "help names no way to run " + demo
    first.send("set greeting hello\n")
    command(first, "echo $greeting world", r"hello world$")
    command(first, "run counter 2", r"^counter: 2$")
    command(first, "run counter &", r"\[1\] \d+ counter$")
    command(first, "ps", r"^\s+\d+\s+\w+\s+\d+\s+\d+\s+counter$")
    command(first, "mem", r"frames: \d+ free of \d+")
    command(first, "stats", r"checkpoints \d+ \(\d+ blocks, \d+ KiB written\), last pause \d+ cycles")
    first.expect(r"^pages loaded \d+, evicted \d+, copied on write \d+; page faults \d+$")
    command(first, "time", r"monotonic \d+ ms; wall clock 2\d{3}-\d\d-\d\d \d\d:\d\d:\d\d UTC; "
                           r"restarts 0$")
    command(first, "run kv", r"kv: ready")
    command(first, "set colour blue", r"^OK colour$")
    command(first, "get colour", r"^VALUE colour blue$")
    command(first, "quit", r"^BYE$")
    command(first, "sync", r"sync: durable$")
    background = first.output[first.output.rfind("[1] "):]     # after the foreground run
    seen = [int(n) for n in re.findall(r"^(?:cairn> )?counter: (\d+)$", background, re.M)]
    first.close()                                       # SIGKILL: the power goes off

    second = boot(disk=image, snapshot=False)
    second.expect(r"^resumed checkpoint epoch \d+")
    command(second, "history", r"^\s+\d+\s+sync$")
    assert re.search(r"^\s+\d+\s+run counter &$", second.output, re.M), second.describe()
    command(second, "echo $greeting", r"hello$")
    command(second, "jobs", r"\[1\] \d+ counter$")
    # Output commit: the background counter goes on right after the last line shown.
    second.expect(r"^(?:cairn> )?counter: \d+$", timeout=10)
    resumed = [int(n) for n in re.findall(r"^(?:cairn> )?counter: (\d+)$", second.output, re.M)]
    assert seen and resumed[0] == seen[-1] + 1, (seen[-3:], second.describe())
    command(second, "time", r"restarts 1$")
    command(second, "stats", r"restarts of the system 1;")
    loaded = re.findall(r"^pages loaded (\d+),", second.output, re.M)
    assert loaded and int(loaded[-1]) > 0, "a resumed shell runs on pages loaded from the disk"
    command(second, "kill 1", r"kill: \[1\] counter: OK$")
    command(second, "nonsense", r"nonsense: no such command \(try help\)$")


def test_a_disk_that_fails_writes_turns_checkpoints_off_and_the_shell_says_why(tmp_path, boot):
    """Issue 14, item 3: "checkpoints are off" is left only for a disk that fails a write, and
    then the shell warns once (at its next prompt), and `sync` and `stats` name the reason."""
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    guest = boot(disk=image, snapshot=False, cmdline="run=shell", extra=["--fail-writes"])
    guest.expect(r"^Cairn shell: type help", timeout=20)
    # The first checkpoint fails before or after the first prompt: a command makes sure
    # the shell has come to a prompt since.
    guest.send("echo hello\n")
    warning = guest.expect(r"warning: checkpoints are off \((checkpoint \d+ failed while writing: "
                           r"write failed \(block \d+\))\): nothing done from here on survives a "
                           r"power cut$", timeout=20)
    assert re.search(r"checkpoint \d+ failed while writing: write failed \(block \d+\); "
                     r"checkpoints are off from now on", guest.output), guest.describe()
    command(guest, "sync", r"sync: not durable \(E_NOT_DURABLE\): checkpoints are off: %s$"
            % re.escape(warning.group(1)))
    command(guest, "stats", r"checkpoints are off: %s$" % re.escape(warning.group(1)))
    command(guest, "echo again", r"again$")
    assert "hello" in guest.output, guest.describe()
    assert guest.output.count("warning: checkpoints are off") == 1, guest.describe()


def test_sync_and_stats_say_nothing_of_checkpoints_off_while_they_are_on(boot):
    guest = boot(cmdline="run=shell")
    guest.expect(r"^Cairn shell: type help", timeout=20)
    command(guest, "sync", r"sync: durable$")
    command(guest, "stats", r"^(cairn> )?checkpoints \d+ ")
    assert "checkpoints are off" not in guest.output, guest.describe()
