"""bench: boots Cairn's benchmark programs and prints one table of figures (no pass/fail).

Every figure comes from fresh boots of the same ISO: once under
`tools/cairn-qemu --icount` (-icount shift=0,sleep=off: rdtsc counts guest
instructions) and once under plain TCG (wall time), unless its row says
otherwise. What each row measures (docs/benchmarks.md has the details):

  null call, IPC, page-in   user program `bench`
  disk bandwidth            kernel option diskbench (64 KiB requests), and the host's own
  slowdown                  user program `memwrite` at 0, 10, 100 and 1,000 checkpoints per
                            second, per ckpt.mode; its TCG baseline also gives the rate of
                            the guest's TSC under TCG, used to turn cycles into ms
                            (and under --icount once more with SSE4.2's crc32 instruction, ckpt.mode=cow)
  key-value                 user program `memwrite kv`: random sets into a 64 MiB table at 0, 10 and
                            100 checkpoints per second, per ckpt.mode (under --icount only), and
                            with SSE4.2's crc32 instruction (ckpt.mode=cow)
  snapshot pause            user program `dirty` at 1, 16 and 64 MiB dirty, per ckpt.mode
  resume                    an image holding a 16 or 256 MiB data set, per restore policy
  output latency            user program `outlat` answering console lines, per setting: the
                            kernel's held times (STATS) and the host's round trips
  output window             `counter` and `pingpong` with build/window-shim.so in QEMU: from
                            a line's last byte at the console until QEMU passes its release
                            record to Linux
  output flood              `hostile-flood` writing 16,384 lines beside `hostile-flood:sleep`:
                            how late the sleeper's 10 ms sleeps end meanwhile
  QEMU savevm/loadvm        the same guest (memwrite running) on a qcow2 copy, over QMP
  network                   Linux's ping and a Linux UDP socket against udpecho, in a network
                            namespace of the bench's own (tools/cairn/netns.py), with output
                            commit on (default, and ckpt.output_delay=0) and off

The table goes to standard output and, with the command that made it and
the commit it ran on, into docs/benchmarks.md between its bench-table
markers (--no-write: standard output only). Every QEMU is a cairn.guest
Guest, in its own session, with a deadline, and killed by its PID.
"""

import argparse
import datetime
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time

from cairn import ROOT, WINDOW_SHIM, window_shim_environment
from cairn.launcher import SSE42_CPU
from cairn.guest import Guest
from cairn import netns
from cairn.qmp import Qmp

DOCUMENT = os.path.join(ROOT, "docs", "benchmarks.md")
TABLE_BEGIN = "<!-- bench-table:begin (written by make bench) -->"
TABLE_END = "<!-- bench-table:end -->"
TIMEOUT_SECONDS = 120
MIB = 1024 * 1024
STOP_MARKERS = ("FAILED", "KERNEL PANIC", "cairn-qemu: QEMU")
CKPT_MODES = ("cow", "copy")
RESTORE_POLICIES = ("lazy", "eager")


def boot(arguments, console_input=False, environment=None, prefix=()):
    """One guest through the launcher (cairn.guest), in its own session; close() kills it.
    prefix goes before the launcher (a network namespace's `ip netns exec NAME`)."""
    return Guest(arguments, environment=environment, console_input=console_input,
                 prefix=prefix).start()


def wait_for(guest, markers, timeout=TIMEOUT_SECONDS):
    """Reads the console until one of markers appears (returned), or a stop marker, the end
    of QEMU or the timeout (None)."""
    pattern = "|".join(re.escape(marker) for marker in tuple(markers) + STOP_MARKERS)
    match = guest.wait_for(pattern, timeout)
    if match is None and not guest.ended and markers:
        sys.stderr.write("bench: timed out after %d s waiting for %r\n" % (timeout, markers))
    return match.group(0) if match and match.group(0) in markers else None


def run_until(arguments, markers, timeout=TIMEOUT_SECONDS):
    """Boots a guest, reads its console until a marker (or its end, or timeout); returns it all."""
    with boot(arguments) as guest:
        wait_for(guest, markers, timeout)
        return guest.output


def complain(what, output):
    sys.stderr.write("bench: no %s; the guest printed:\n%s\n" % (what, output[-2000:]))


def make_image(directory, name, size_mib=64, data_mib=16):
    """A fresh image with every program (by default with a 16 MiB data set, for page-in)."""
    image = os.path.join(directory, name)
    user = os.path.join(ROOT, "build", "user")
    programs = sorted(os.path.join(user, name) for name in os.listdir(user) if name.endswith(".elf"))
    subprocess.run([os.path.join(ROOT, "build", "mkimage"), "-o", image, "--size", str(size_mib),
                    "--data-mib", str(data_mib)] + programs, check=True, stdout=subprocess.DEVNULL)
    return image


def image_mib_for(working_mib):
    """An image whose store takes working_mib of changed pages in one checkpoint: a checkpoint
    takes at most a sixteenth of the log (format_change_limit), and writers wait beyond that,
    so a smaller image would make the rows measure that wait (as they did on 2026-12-02,
    from the limit's commit 8ea5260 until this function)."""
    return max(64, 16 * (working_mib + 2) + 64)


def number(value, unit=""):
    return "n/a" if value is None else "%d%s" % (value, unit)


# --- null call, IPC round trip, page-in: user program `bench` -----------------------------

BENCH = re.compile(r"^bench: (\w+) rounds=(\d+) cycles_per_op=(\d+) ns_per_op=(\d+)", re.M)


def run_bench_guest(image, rounds, extra):
    """{name: (cycles_per_op, ns_per_op)} from one boot with run=bench (1 ms ticks)."""
    output = run_until(["--disk", image, "--snapshot", "--cmdline",
                        "tick_hz=1000 run=bench:%d" % rounds] + extra, ["bench: done"])
    results = {m.group(1): (int(m.group(3)), int(m.group(4))) for m in BENCH.finditer(output)}
    if not results:
        complain("bench results", output)
    return results


def micro_rows(directory, rounds):
    image = make_image(directory, "bench-data.img")
    counted = run_bench_guest(image, rounds, ["--icount"])
    timed = run_bench_guest(image, rounds * 10, [])    # 10x the rounds: the clock ticks every 1 ms
    rows = []
    for key, label in (("null_call", "null system call"),
                       ("ipc_round_trip", "IPC round trip (CALL + REPLY_RECEIVE)")):
        rows.append((label, number(counted.get(key, (None,))[0]),
                     number(timed.get(key, (None, None))[1], " ns")))
    rows.append(("page-in: first touch of a stored 4 KiB page (synchronous virtio read, checked)",
                 "-", number(timed.get("page_in", (None, None))[1], " ns")))
    return rows, bool(counted and timed)


# --- disk bandwidth: kernel option diskbench, and the host's own -------------------------

DISK = re.compile(r"^(?:\[k\] )?diskbench: (sequential [a-z +]+): (\d+) MiB in (\d+) ms: ([\d.]+) MiB/s", re.M)
DISK_BENCH_MIB = 64         # measured by the guest, on an image twice that size
HOST_WRITE_MIB = 64
HOST_WRITE_CHUNK = 64 * 1024


def host_write_bandwidth(directory):
    """MiB/s of writing HOST_WRITE_MIB with os.write in 64 KiB chunks, then os.fsync, in directory."""
    path = os.path.join(directory, "host-write.bin")
    chunk = os.urandom(HOST_WRITE_CHUNK)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        start = time.monotonic()
        for _ in range(HOST_WRITE_MIB * MIB // HOST_WRITE_CHUNK):
            os.write(descriptor, chunk)
        os.fsync(descriptor)
        elapsed = time.monotonic() - start
    finally:
        os.close(descriptor)
        os.unlink(path)
    return HOST_WRITE_MIB / elapsed


def disk_rows(directory):
    """Rows, and the guest's raw sequential write + flush bandwidth in MiB/s (None if missing)."""
    image = os.path.join(directory, "diskbench.img")
    with open(image, "wb") as file:
        file.truncate(2 * DISK_BENCH_MIB * MIB)
    # --aio threads, as the checkpoint rows (they boot with --snapshot) that compare with it.
    output = run_until(["--disk", image, "--aio", "threads", "--cmdline",
                        "tick_hz=1000 diskbench=%d" % DISK_BENCH_MIB], ["diskbench: done"])
    guest = {m.group(1): float(m.group(4)) for m in DISK.finditer(output)}
    if not guest:
        complain("disk results", output)
    os.unlink(image)
    host = host_write_bandwidth(directory)
    rows = []
    for key, label in (("sequential read", "disk sequential read (virtio-blk, %d MiB, 64 KiB "
                        "requests)" % DISK_BENCH_MIB),
                       ("sequential write + flush", "disk sequential write + flush (virtio-blk, "
                        "%d MiB): the raw write bandwidth" % DISK_BENCH_MIB)):
        rows.append((label, "-", "%.1f MiB/s" % guest[key] if key in guest else "n/a"))
    rows.append(("host sequential write + fsync, same file system (%d MiB, 64 KiB writes)"
                 % HOST_WRITE_MIB, "-", "%.1f MiB/s" % host))
    return rows, guest.get("sequential write + flush")


# --- slowdown of a memory-writing workload: user program `memwrite` ----------------------

# What print_figures in user/programs/memwrite.c prints after the head of its line.
FIGURES = (r" ns=(\d+) cycles=(\d+) checkpoints=(\d+) blocks=(\d+) faults=(\d+) "
           r"share_permille=(\d+) period_us=(\d+) max_share=\d+ charged=(\d+)")
MEMWRITE = re.compile(r"^memwrite: mib=\d+ passes=\d+" + FIGURES, re.M)
RUN_FIELDS = ("ns", "cycles", "checkpoints", "blocks", "faults", "share_permille", "period_us",
              "charged")
CHECKSUM = re.compile(r"^(?:\[k\] )?diskbench: checksum \(CRC32C, ([a-z0-9 ]+)\): \d+ MiB in \d+ ms "
                      r"and \d+ cycles: ([\d.]+) MiB/s, ([\d.]+) cycles a byte", re.M)
LIMIT_DISK_MIB = 16
MEMWRITE_MIB = 8
MEMWRITE_PASSES = 5000      # about 1.5 s under TCG without checkpoints
SLOWDOWN_RATES = (10, 100, 1000)    # checkpoints per second: ckpt.interval = 1000 / rate ms
# Under --icount, guest instructions stand for the hardware's work: with SSE4.2 the checksum is
# a third of the tables' instructions, as on any x86 CPU since 2008 (under TCG's wall time it is
# slower, so the launcher's default stays without it).
HARDWARE_CRC = ["--icount", "--cpu", SSE42_CPU]
MEMWRITE_TIMEOUT_SECONDS = 30       # about 20 times the baseline's whole boot under TCG
# TCG computes the crc32 instruction bit by bit, about 3 times slower than the tables in wall
# time (launcher.py), so the SSE4.2 runs get longer.
SSE42_TIMEOUT_SECONDS = 90


def run_figures(arguments, regex, done, timeout):
    """Boots memwrite (either mode): the RUN_FIELDS of its timed part as a dict (the share and
    the cycles the kernel charged checkpoints, and the period they achieved);
    {"timed_out": seconds} when it started but did not finish in time; or None."""
    output = run_until(arguments, [done], timeout=timeout)
    match = regex.search(output)
    if not match:
        if "memwrite: running" in output or "started memwrite" in output:
            return {"timed_out": timeout}
        complain("%s figures" % done.split(":")[0], output)
        return None
    return dict(zip(RUN_FIELDS, (int(x) for x in match.groups())))


def run_memwrite(image, interval_ms, mode, extra):
    """run_figures of memwrite's timed passes."""
    return run_figures(["--disk", image, "--snapshot", "--cmdline",
                        "tick_hz=1000 ckpt.interval=%d ckpt.dirty_mib=0 ckpt.mode=%s "
                        "run=memwrite:%d:%d" % (interval_ms, mode, MEMWRITE_MIB, MEMWRITE_PASSES)]
                       + extra, MEMWRITE, "memwrite: done",
                       SSE42_TIMEOUT_SECONDS if SSE42_CPU in extra else MEMWRITE_TIMEOUT_SECONDS)


def slowdown_text(run, baseline, rate, limit_per_block=None):
    """Slowdown in %, the checkpoints taken against the rate times the guest's elapsed time, the
    period achieved and the share of the CPU the kernel charged them (ckpt.max_share); and,
    given the limit's cycles per block, what the kernel charged per block as a multiple of it."""
    if not run or not baseline:
        return "n/a"
    if run.get("timed_out"):
        return "n/a: not done in %d s wall" % run["timed_out"]
    multiple = ""
    if limit_per_block and run["blocks"]:
        multiple = "; %.1fx the limit a block" % (run["charged"] / run["blocks"] / limit_per_block)
    return "%+.1f%% (%d checkpoints of %d due, %d blocks; period %.0f ms, share %.1f%%%s)" % (
        100.0 * (run["cycles"] / baseline - 1), run["checkpoints"], rate * run["ns"] // 10**9,
        run["blocks"], run["period_us"] / 1000, run["share_permille"] / 10, multiple)


def run_limit(directory, extra):
    """What a checkpoint must do with each block at least, measured in the guest: the checksum
    (diskbench's CRC32C pass: how, MiB/s, cycles a byte) and the raw write + flush (MiB/s)."""
    image = os.path.join(directory, "limit.img")
    with open(image, "wb") as file:
        file.truncate(2 * LIMIT_DISK_MIB * MIB)
    output = run_until(["--disk", image, "--aio", "threads", "--cmdline",
                        "tick_hz=1000 diskbench=%d" % LIMIT_DISK_MIB] + extra, ["diskbench: done"])
    os.unlink(image)
    checksum = CHECKSUM.search(output)
    write = {m.group(1): float(m.group(4)) for m in DISK.finditer(output)}
    if not checksum or "sequential write + flush" not in write:
        complain("checksum and write figures", output)
        return None
    return {"how": checksum.group(1), "checksum_mib_s": float(checksum.group(2)),
            "cycles_a_byte": float(checksum.group(3)),
            "write_mib_s": write["sequential write + flush"]}


def limit_row(counted, timed, tsc_per_ns):
    """The limit row, and its cycles per 4 KiB block in each column (None where not measured):
    under --icount the checksum's instructions (the write is the device's DMA); under TCG the
    checksum's cycles plus the raw write's time at the TSC rate."""
    block = 4096
    counted_block = counted["cycles_a_byte"] * block if counted else None
    timed_block = None
    if timed and tsc_per_ns:
        seconds = block / MIB / timed["checksum_mib_s"] + block / MIB / timed["write_mib_s"]
        timed_block = seconds * 1e9 * tsc_per_ns
    mib = MEMWRITE_MIB * MIB // block
    row = ("the limit for memwrite: checksum and write each dirty block once, per checkpoint of "
           "%d MiB (diskbench in the guest: CRC32C with %s, and the raw write + flush)"
           % (MEMWRITE_MIB, (counted or timed or {"how": "n/a"})["how"]),
           "%d (%.2f a byte; the write is DMA)" % (counted_block * mib, counted["cycles_a_byte"])
           if counted else "n/a",
           "%.1f ms (checksum %.0f MiB/s, write %.0f MiB/s)" % (
               timed_block * mib / tsc_per_ns / 1e6, timed["checksum_mib_s"],
               timed["write_mib_s"]) if timed_block else "n/a")
    return row, counted_block, timed_block


def host_tsc_per_ns():
    """The host's TSC rate (what rdtsc counts under TCG), from /proc/cpuinfo, or None."""
    try:
        with open("/proc/cpuinfo") as file:
            text = file.read()
    except OSError:
        return None
    flags = re.search(r"^flags\s*:(.*)$", text, re.M)
    megahertz = re.search(r"^cpu MHz\s*:\s*([\d.]+)", text, re.M)
    if not flags or "constant_tsc" not in flags.group(1).split() or not megahertz:
        return None
    return float(megahertz.group(1)) / 1000


def slowdown_rows(directory):
    """Rows, and the guest's TSC rate under TCG in cycles per ns (None if not measured)."""
    image = make_image(directory, "memwrite.img", size_mib=image_mib_for(MEMWRITE_MIB),
                       data_mib=0)
    baselines = {}
    for name, extra in (("counted", ["--icount"]), ("timed", [])):
        baselines[name] = [run_memwrite(image, 0, "cow", extra)]
    # TCG wall time is the noisiest figure: a second baseline after the runs shows the spread.
    runs = {(mode, rate, name): run_memwrite(image, 1000 // rate, mode, extra)
            for mode in CKPT_MODES for rate in SLOWDOWN_RATES
            for name, extra in (("counted", ["--icount"]), ("timed", []))}
    baselines["timed"].append(run_memwrite(image, 0, "cow", []))
    counted = next((run for run in baselines["counted"] if run and "cycles" in run), None)
    timed = [run for run in baselines["timed"] if run and "cycles" in run]
    base_instructions = counted["cycles"] if counted else None
    base_cycles = sum(run["cycles"] for run in timed) / len(timed) if timed else None
    measured = (sum(run["cycles"] for run in timed) / sum(run["ns"] for run in timed)
                if timed else None)
    tsc_per_ns = host_tsc_per_ns() or measured
    limit, counted_limit, timed_limit = limit_row(run_limit(directory, ["--icount"]),
                                                  run_limit(directory, []), tsc_per_ns)
    hardware_base = run_memwrite(image, 0, "cow", HARDWARE_CRC)
    hardware_runs = {rate: run_memwrite(image, 1000 // rate, "cow", HARDWARE_CRC)
                     for rate in SLOWDOWN_RATES}
    hardware_limit = run_limit(directory, HARDWARE_CRC)
    rows = [("memwrite baseline: %d passes over %d MiB, no checkpoints (ckpt.interval=0)"
             % (MEMWRITE_PASSES, MEMWRITE_MIB), number(base_instructions),
             "%s ms (runs: %s)" % ("%.0f" % (base_cycles / tsc_per_ns / 1e6) if timed else "n/a",
                                   ", ".join("%.0f ms" % (run["cycles"] / tsc_per_ns / 1e6)
                                             for run in timed) or "n/a")), limit]
    for mode in CKPT_MODES:
        for rate in SLOWDOWN_RATES:
            rows.append(("memwrite slowdown at %d checkpoints/s (ckpt.interval=%d, ckpt.mode=%s)"
                         % (rate, 1000 // rate, mode),
                         slowdown_text(runs[(mode, rate, "counted")], base_instructions, rate,
                                       counted_limit),
                         slowdown_text(runs[(mode, rate, "timed")], base_cycles, rate,
                                       timed_limit)))
    hardware_cycles = hardware_base["cycles"] if hardware_base and "cycles" in hardware_base \
        else None
    hardware_block = hardware_limit["cycles_a_byte"] * 4096 if hardware_limit else None
    rows.append(("memwrite baseline with SSE4.2 (--cpu %s): the same, no checkpoints; and the "
                 "limit: CRC32C with %s, %s a byte" % (
                     SSE42_CPU, hardware_limit["how"] if hardware_limit else "n/a",
                     "%.2f" % hardware_limit["cycles_a_byte"] if hardware_limit else "n/a"),
                 number(hardware_cycles), "-"))
    for rate in SLOWDOWN_RATES:
        rows.append(("memwrite slowdown at %d checkpoints/s with SSE4.2 (ckpt.interval=%d, "
                     "ckpt.mode=cow)" % (rate, 1000 // rate),
                     slowdown_text(hardware_runs[rate], hardware_cycles, rate, hardware_block),
                     "-"))
    return rows, tsc_per_ns, measured


# --- a key-value workload: user program `kvset` ---------------------------------------------

KVSET = re.compile(r"^kvset: mib=\d+ sets=\d+" + FIGURES, re.M)
KVSET_MIB = 64
KVSET_SETS = 30000000       # about 2.6 s under --icount without checkpoints
KVSET_RATES = (10, 100)
KVSET_TIMEOUT_SECONDS = 120


def run_kvset(image, interval_ms, mode, cpu=("--icount",)):
    """run_figures of memwrite kv's timed sets, under --icount (and cpu's other options)."""
    return run_figures(list(cpu) + ["--mem", "384", "--disk", image, "--snapshot", "--cmdline",
                        "tick_hz=1000 ckpt.interval=%d ckpt.dirty_mib=0 ckpt.mode=%s "
                        "run=memwrite:kv:%d:%d" % (interval_ms, mode, KVSET_MIB, KVSET_SETS)],
                       KVSET, "kvset: done",
                       KVSET_TIMEOUT_SECONDS + (SSE42_TIMEOUT_SECONDS if SSE42_CPU in cpu else 0))


def kvset_rows(directory):
    image = make_image(directory, "kvset.img", size_mib=image_mib_for(KVSET_MIB), data_mib=0)
    limit = run_limit(directory, ["--icount"])
    limit_block = limit["cycles_a_byte"] * 4096 if limit else None
    baseline = run_kvset(image, 0, "cow")
    cycles = baseline["cycles"] if baseline and "cycles" in baseline else None
    rows = [("key-value baseline: memwrite kv, %d random sets into a %d MiB table (two pages "
             "dirtied a set), no checkpoints (ckpt.interval=0)" % (KVSET_SETS, KVSET_MIB),
             number(cycles), "-")]
    for mode in CKPT_MODES:
        for rate in KVSET_RATES:
            run = run_kvset(image, 1000 // rate, mode)
            rows.append(("key-value slowdown at %d checkpoints/s (ckpt.interval=%d, "
                         "ckpt.mode=%s)" % (rate, 1000 // rate, mode),
                         slowdown_text(run, cycles, rate, limit_block), "-"))
    hardware_limit = run_limit(directory, HARDWARE_CRC)
    hardware_block = hardware_limit["cycles_a_byte"] * 4096 if hardware_limit else None
    hardware = run_kvset(image, 0, "cow", HARDWARE_CRC)
    hardware_cycles = hardware["cycles"] if hardware and "cycles" in hardware else None
    rows.append(("key-value baseline with SSE4.2 (--cpu %s), no checkpoints" % SSE42_CPU,
                 number(hardware_cycles), "-"))
    for rate in KVSET_RATES:
        run = run_kvset(image, 1000 // rate, "cow", HARDWARE_CRC)
        rows.append(("key-value slowdown at %d checkpoints/s with SSE4.2 (ckpt.interval=%d, "
                     "ckpt.mode=cow)" % (rate, 1000 // rate),
                     slowdown_text(run, hardware_cycles, rate, hardware_block), "-"))
    rows.append(("key-value slowdown, ckpt.mode=hybrid", "n/a: not built yet (issue 17, item 5)",
                 "-"))
    return rows


# --- destroying a program's bank: user program `hog`, reclaimed when it exits --------------

RECLAIM = re.compile(r"^(?:\[k\] )?debug: reclaim: done: (\d+) objects and (\d+) banks in "
                     r"(\d+) cycles; the longest step took (\d+) cycles", re.M)
RECLAIM_MIB = 64


def run_reclaim(image, extra):
    """Boots hog (fills RECLAIM_MIB MiB, checks them, exits, so its bank goes); the kernel's
    debug line when the reclaim is done: (objects, banks, cycles in all, longest step)."""
    with boot(["--mem", "256", "--disk", image, "--snapshot", "--cmdline",
               "loglevel=3 run=hog:%d" % RECLAIM_MIB] + extra) as guest:
        wait_for(guest, ["reclaim: done"], timeout=600)
        wait_for(guest, ["cycles"], timeout=10)         # the rest of that line
        output = guest.output
    found = RECLAIM.findall(output)
    if not found:
        complain("reclaim figures", output)
        return None
    return tuple(int(x) for x in found[-1])


def reclaim_rows(directory, tsc_per_ns):
    image = make_image(directory, "reclaim.img", size_mib=image_mib_for(RECLAIM_MIB), data_mib=0)
    counted = run_reclaim(image, ["--icount"])
    timed = run_reclaim(image, [])
    label = ("destroying a program with %d MiB of pages (hog exits): its objects reclaimed, "
             "and the longest reclaim step (a pause for other programs)" % RECLAIM_MIB)
    counted_text = ("%d objects in %d; longest step %d" % (counted[0], counted[2], counted[3])
                    if counted else "n/a")
    timed_text = ("%s until all %d objects are gone; longest step %s"
                  % (milliseconds(timed[2], tsc_per_ns), timed[0],
                     milliseconds(timed[3], tsc_per_ns, 3)) if timed else "n/a")
    return [(label, counted_text, timed_text)]


# --- snapshot pause and checkpoint bandwidth: user program `dirty` -------------------------

DIRTY = re.compile(r"^dirty: mib=(\d+) pause_cycles=(\d+) blocks=(\d+) sync_ns=(\d+)", re.M)
DIRTY_SIZES_MIB = (1, 16, 64)


def run_dirty(image, mebibytes, mode, extra):
    """Boots `dirty` (writes N MiB, then SYNCs; twice); the last (pause_cycles, blocks, sync_ns)."""
    output = run_until(["--mem", "256", "--disk", image, "--snapshot", "--cmdline",
                        "tick_hz=1000 ckpt.interval=0 ckpt.dirty_mib=0 ckpt.mode=%s run=dirty:%d"
                        % (mode, mebibytes)] + extra, ["dirty: done"])
    found = DIRTY.findall(output)
    if not found:
        complain("checkpoint figures", output)
        return None
    return tuple(int(x) for x in found[-1][1:])


def pause_cycles_text(cycles):
    """stats.last_pause_cycles is 32 bits: the kernel saturates it at 0xFFFFFFFF."""
    if cycles is None:
        return "n/a"
    return "over 4294967294 (saturated)" if cycles == 0xFFFFFFFF else "%d" % cycles


def milliseconds(cycles, tsc_per_ns, digits=2):
    return ("%.*f ms" % (digits, cycles / tsc_per_ns / 1e6)) if tsc_per_ns else "%d cycles" % cycles


def pause_text(timed, raw_write_mib_s, tsc_per_ns):
    if not timed:
        return "n/a"
    pause_cycles, blocks, sync_ns = timed
    text = "pause %s; " % (milliseconds(pause_cycles, tsc_per_ns) if pause_cycles != 0xFFFFFFFF
                           else pause_cycles_text(pause_cycles))
    if not sync_ns:
        return text + "durable: n/a"
    bandwidth = blocks * 4096 / MIB / (sync_ns / 1e9)
    ratio = " = %.0f%% of raw" % (100 * bandwidth / raw_write_mib_s) if raw_write_mib_s else ""
    return text + "durable after %.0f ms: %d blocks, %.0f MiB/s%s" % (sync_ns / 1e6, blocks,
                                                                      bandwidth, ratio)


def checkpoint_rows(directory, raw_write_mib_s, tsc_per_ns):
    image = make_image(directory, "checkpoint.img", size_mib=image_mib_for(max(DIRTY_SIZES_MIB)),
                       data_mib=0)
    rows = []
    for mode in CKPT_MODES:
        for mebibytes in DIRTY_SIZES_MIB:
            counted = run_dirty(image, mebibytes, mode, ["--icount"])
            timed = run_dirty(image, mebibytes, mode, [])
            rows.append(("checkpoint with %d MiB dirty, ckpt.mode=%s: snapshot pause; SYNC until "
                         "durable" % (mebibytes, mode), pause_cycles_text(counted and counted[0]),
                         pause_text(timed, raw_write_mib_s, tsc_per_ns)))
    return rows


# --- kernel entry to the first resumed user instruction ----------------------------------

FIRST_ENTRY = re.compile(r"^(?:\[k\] )?first user instruction (\d+) cycles after kernel entry, "
                         r"(\d+) of them idle", re.M)
RESUME_SIZES_MIB = (16, 256)
RESUME_MEMORY_MIB = 384     # room for the whole 256 MiB data set under restore=eager


def make_resume_image(directory, mebibytes):
    """An image holding an N MiB data set and a committed checkpoint (from `dirty:1`)."""
    image = make_image(directory, "resume-%d.img" % mebibytes,
                       size_mib=max(512, mebibytes * 4), data_mib=mebibytes)
    output = run_until(["--disk", image, "--cmdline", "ckpt.interval=0 run=dirty:1"],
                       ["dirty: done"])
    if "dirty: done" not in output:
        complain("checkpoint in the resume image", output)
        return None
    return image


def first_instruction(image, policy, extra):
    """(cycles, idle cycles) from kernel entry to the first user instruction, or None."""
    output = run_until(["--mem", str(RESUME_MEMORY_MIB), "--disk", image, "--snapshot",
                        "--cmdline", "restore=%s" % policy] + extra, ["of them idle"])
    match = FIRST_ENTRY.search(output) if "resumed checkpoint" in output else None
    if not match:
        complain("resume figure", output)
    return (int(match.group(1)), int(match.group(2))) if match else None


def resume_rows(directory, tsc_per_ns):
    images = {size: make_resume_image(directory, size) for size in RESUME_SIZES_MIB}
    rows = []
    for policy in RESTORE_POLICIES:
        for size, image in images.items():
            counted = first_instruction(image, policy, ["--icount"]) if image else None
            timed = first_instruction(image, policy, []) if image else None
            # Under --icount the cycle counter also moves by the virtual time QEMU skips while
            # the kernel halts for the disk: the instructions are the cycles outside the halts.
            rows.append(("kernel entry to first resumed user instruction, %d MiB image, "
                         "restore=%s (guest instructions outside disk waits)" % (size, policy),
                         number(counted and counted[0] - counted[1]),
                         milliseconds(timed[0], tsc_per_ns, 1) if timed else "n/a"))
    return rows


# --- output latency with output commit: user program `outlat` ----------------------------

OUTLAT_STATS = re.compile(r"^outlat: releases=(\d+) held_us_average=(\d+) held_us_max=(\d+)", re.M)
OUTLAT_LINES = 60
OUTLAT_GAP_SECONDS = (0.01, 0.09)   # between two lines sent, at random
# The kernel's monotonic clock, which times the held output, moves in timer ticks (10 ms at the
# default tick_hz=100): every row but the first also runs at tick_hz=1000.
OUTLAT_SETTINGS = (
    ("output commit on, default settings (tick_hz=100, ckpt.interval=100, ckpt.output_delay=5)",
     ""),
    ("output commit on, default checkpoint settings at tick_hz=1000", "tick_hz=1000"),
    ("output commit on, only 10 checkpoints/s release it (ckpt.interval=100 "
     "ckpt.output_delay=60000, tick_hz=1000)",
     "tick_hz=1000 ckpt.interval=100 ckpt.output_delay=60000"),
    ("output commit on, only 100 checkpoints/s release it (ckpt.interval=10 "
     "ckpt.output_delay=60000, tick_hz=1000)",
     "tick_hz=1000 ckpt.interval=10 ckpt.output_delay=60000"),
    ("output commit on, a checkpoint at once for output (ckpt.output_delay=0, tick_hz=1000)",
     "tick_hz=1000 ckpt.output_delay=0"),
    ("output commit off (output_commit=off, tick_hz=1000): the round trip without holding",
     "tick_hz=1000 output_commit=off"),
)


OUTLAT_ANSWER = re.compile(r"^outlat: got n(\d{3})\r?$", re.M)


def outlat_round_trips(guest, randomizer):
    """Sends OUTLAT_LINES lines at random moments, not waiting for answers (so that a line
    falls anywhere in the checkpoint period); returns each one's time to its answer, in s."""
    sent, answered = [], {}
    scanned = guest.position
    next_send = time.monotonic()
    deadline = next_send + OUTLAT_LINES * OUTLAT_GAP_SECONDS[1] + 10
    while len(answered) < OUTLAT_LINES and time.monotonic() < deadline and not guest.ended:
        now = time.monotonic()
        if len(sent) < OUTLAT_LINES and now >= next_send:
            guest.send("n%03d\n" % len(sent))
            sent.append(now)
            next_send = now + randomizer.uniform(*OUTLAT_GAP_SECONDS)
        guest.read(next_send - now if len(sent) < OUTLAT_LINES else deadline - now)
        arrived = time.monotonic()
        complete = guest.output.rfind("\n") + 1
        for match in OUTLAT_ANSWER.finditer(guest.output, scanned, complete):
            answered[int(match.group(1))] = arrived - sent[int(match.group(1))]
        scanned = max(scanned, complete)
    guest.position = scanned
    return list(answered.values())


def outlat_once(image, options, randomizer):
    """(kernel's (releases, held average us, held max us) or None, host round trips in s)."""
    with boot(["--disk", image, "--snapshot", "--cmdline", ("run=outlat " + options).strip()],
              console_input=True) as guest:
        if not wait_for(guest, ["outlat: ready"]):
            complain("outlat ready", guest.output)
            return None, []
        guest.send("stats\n")                   # starts the kernel's window after the boot lines
        wait_for(guest, ["outlat: releases="])
        wait_for(guest, ["checkpoints="])
        round_trips = outlat_round_trips(guest, randomizer)
        if len(round_trips) < OUTLAT_LINES:
            complain("answers to all %d lines" % OUTLAT_LINES, guest.output)
        start = guest.position
        guest.send("stats\n")
        if wait_for(guest, ["checkpoints="], timeout=10):
            match = OUTLAT_STATS.search(guest.output, start)
            if match:
                return tuple(int(x) for x in match.groups()), round_trips
        complain("outlat stats", guest.output)
        return None, round_trips


def outlat_text(kernel, round_trips):
    if not round_trips:
        return "n/a"
    ordered = sorted(round_trips)
    host = "host round trip median %.1f ms, mean %.1f ms, max %.1f ms (%d lines)" % (
        ordered[len(ordered) // 2] * 1e3, sum(ordered) / len(ordered) * 1e3, ordered[-1] * 1e3,
        len(ordered))
    if kernel is None:
        return "kernel: n/a; " + host
    releases, average_us, max_us = kernel
    if not releases:
        return "kernel: nothing held; " + host
    return "kernel: held %.1f ms on average (%d releases), %.1f ms at most; %s" % (
        average_us / 1e3, releases, max_us / 1e3, host)


def output_latency_rows(directory):
    image = make_image(directory, "outlat.img", data_mib=0)
    randomizer = random.Random(1)
    rows = []
    for label, options in OUTLAT_SETTINGS:
        kernel, round_trips = outlat_once(image, options, randomizer)
        rows.append(("output latency, write to serial port: %s" % label, "-",
                     outlat_text(kernel, round_trips)))
    return rows


# --- the output window: a line at the console until its release record is written ---------

WINDOW_LINES = 100                  # counter lines to wait for (10 per second)
POWERCUT_CYCLES = 500               # as make soak


def window_events(path):
    """(kind, seconds) from the shim's log: N program line, K kernel line, R release record."""
    events = []
    with open(path) as log:
        for line in log:
            kind, seconds = line.split()
            events.append((kind, float(seconds)))
    return events


def window_text(events):
    """The window of every program line: from it to the release record written next, before
    another line. Summed over the run, it is the chance that a cut at a random moment lands
    in one."""
    windows, lines = [], [t for kind, t in events if kind == "N"]
    for i, (kind, started) in enumerate(events):
        if kind != "N":
            continue
        for later_kind, later in events[i + 1:]:
            if later_kind == "R":
                windows.append(later - started)
            if later_kind != "K":
                break
    if len(windows) < 10 or len(lines) < 2:
        return "n/a (%d program lines, %d followed by a release record)" % (len(lines),
                                                                            len(windows))
    windows.sort()
    span = lines[-1] - lines[0]
    share = sum(windows) / span
    return ("median %.0f us, 90th percentile %.0f us, max %.0f us over %d lines (%.1f lines/s); "
            "a cut at a random moment lands in one with probability %.5f, about %.1f repeated "
            "lines per %d cuts" % (windows[len(windows) // 2] * 1e6,
                                   windows[len(windows) * 9 // 10] * 1e6, windows[-1] * 1e6,
                                   len(windows), (len(lines) - 1) / span, share,
                                   share * POWERCUT_CYCLES, POWERCUT_CYCLES))


def output_window_rows(directory):
    label = ("output window: a line's last byte at the serial port until QEMU passes its "
             "release record to Linux (counter and pingpong as under tools/powercut)")
    if not os.path.exists(WINDOW_SHIM):
        return [(label, "-", "n/a (build/window-shim.so missing: make bench builds it)")]
    image = os.path.join(directory, "window.img")    # the launcher copies the fresh image
    log = os.path.join(directory, "window.log")
    environment = window_shim_environment(log)
    # cache=unsafe as tools/powercut: what the cut leaves is what QEMU wrote.
    with boot(["--cache", "unsafe", "--disk", image, "--cmdline", "run=counter,pingpong:0"],
              environment=environment) as guest:
        if not wait_for(guest, ["counter: %d\n" % WINDOW_LINES], timeout=60):
            complain("counter: %d" % WINDOW_LINES, guest.output)
    if not os.path.exists(log):
        return [(label, "-", "n/a (the shim wrote nothing)")]
    return [(label, "-", window_text(window_events(log)))]


# --- a flood of output beside a sleeper: hostile-flood and hostile-flood:sleep ------------

FLOOD_LINES = 16384                 # hostile-flood's default
FLOOD_SLEPT = re.compile(r"^hostile-flood: slept \d+ late_us (\d+) ", re.M)
FLOOD_TICK_MS = 10                  # the default tick_hz=100


def flood_text(output):
    """How late the sleeper woke, over its lines among the flood's (written while it ran)."""
    output = output.replace("\r\n", "\n")
    first, last = output.find("\nflood 1\n"), output.find("\nflood %d\n" % FLOOD_LINES)
    late_us = sorted(int(x) for x in FLOOD_SLEPT.findall(output, first, last))
    if first < 0 or last < 0 or not late_us:
        return "n/a (%d sleeps among the flood's lines)" % len(late_us)
    worst = late_us[-1] / 1e3
    return ("sleeps 10 ms late by median %.1f ms, max %.1f ms = %.1f ticks (%d sleeps among "
            "the %d lines; a sleep ends at a tick, so up to 1 tick late on an idle machine)"
            % (late_us[len(late_us) // 2] / 1e3, worst, worst / FLOOD_TICK_MS, len(late_us),
               FLOOD_LINES))


def output_flood_rows(directory):
    label = ("output flood: another program's 10 ms sleeps while one program writes %d lines "
             "(hostile-flood beside hostile-flood:sleep, tick_hz=100)" % FLOOD_LINES)
    image = make_image(directory, "flood.img", data_mib=0)
    with boot(["--disk", image, "--snapshot", "--cmdline",
               "run=hostile-flood,hostile-flood:sleep"]) as guest:
        if not wait_for(guest, ["hostile-flood: wrote %d lines" % FLOOD_LINES], timeout=300):
            complain("the end of the flood", guest.output)
        return [(label, "-", flood_text(guest.output))]


# --- QEMU's own savevm/loadvm of the same guest ------------------------------------------

SAVEVM_SIZES_MIB = (1, 16, 64)
SAVEVM_MEMORY_MIB = 256     # as the `dirty` boots


def allocated_bytes(path):
    return os.stat(path).st_blocks * 512


SIZE = re.compile(r"([\d.]+) ([KMGT]?i?B)")
UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}


def snapshot_vm_size(listing, tag):
    """VM SIZE of snapshot tag in the text of HMP `info snapshots`, in bytes."""
    for line in listing.splitlines():
        fields = line.split()
        if tag in fields:
            match = SIZE.search(line[line.index(tag) + len(tag):])
            if match and match.group(2) in UNITS:
                return float(match.group(1)) * UNITS[match.group(2)]
    return None


def savevm_once(directory, raw_image, mebibytes):
    """{savevm_s, written, vm_size, loadvm_s} of the second of two savevm, or None."""
    image = os.path.join(directory, "savevm-%d.qcow2" % mebibytes)
    subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw_image, image],
                   check=True)
    path = os.path.join(directory, "qmp-%d.sock" % mebibytes)
    # QEMU as it comes (worker threads, page cache): its savevm is several times slower
    # through O_DIRECT.
    with boot(["--mem", str(SAVEVM_MEMORY_MIB), "--disk", image, "--disk-format", "qcow2",
               "--aio", "threads", "--qmp", path, "--cmdline",
               "tick_hz=1000 ckpt.interval=0 run=memwrite:%d:0" % mebibytes]) as guest:
        if not wait_for(guest, ["memwrite: running"]):
            complain("running memwrite for savevm", guest.output)
            return None
        time.sleep(1)               # its SYNC, then memwrite keeps writing its working set
        qmp = Qmp(path, TIMEOUT_SECONDS)
        try:
            figures = {}
            for tag in ("bench-a", "bench-b"):
                before = allocated_bytes(image)
                figures["savevm_s"], error = qmp.human("savevm " + tag)
                figures["written"] = allocated_bytes(image) - before
                if error.strip():
                    sys.stderr.write("bench: savevm: %s\n" % error.strip())
                    return None
                time.sleep(0.5)
            figures["vm_size"] = snapshot_vm_size(qmp.human("info snapshots")[1], "bench-b")
            figures["loadvm_s"], error = qmp.human("loadvm bench-a")
            status = qmp.execute("query-status")
            if error.strip() or status.get("status") != "running":
                sys.stderr.write("bench: loadvm: %s (guest %s)\n" % (error.strip() or "no error",
                                                                     status.get("status")))
                figures["loadvm_s"] = None
            return figures
        finally:
            qmp.close()


def savevm_rows(directory):
    raw_image = make_image(directory, "savevm.img", size_mib=image_mib_for(max(SAVEVM_SIZES_MIB)),
                           data_mib=0)
    rows = []
    for mebibytes in SAVEVM_SIZES_MIB:
        try:
            figures = savevm_once(directory, raw_image, mebibytes)
        except (OSError, RuntimeError, ValueError, subprocess.CalledProcessError) as error:
            sys.stderr.write("bench: savevm with %d MiB dirty: %s\n" % (mebibytes, error))
            figures = None
        if figures:
            text = "savevm pause %.0f ms, file +%.1f MiB (VM SIZE %s); loadvm %s" % (
                figures["savevm_s"] * 1000, figures["written"] / MIB,
                "%.1f MiB" % (figures["vm_size"] / MIB) if figures["vm_size"] else "n/a",
                "%.0f ms" % (figures["loadvm_s"] * 1000) if figures["loadvm_s"] else "n/a")
        else:
            text = "n/a"
        rows.append(("QEMU savevm/loadvm of the same guest, memwrite writing %d MiB "
                     "(qcow2, %d MiB RAM)" % (mebibytes, SAVEVM_MEMORY_MIB),
                     "- (guest stopped)", text))
    return rows


# --- the table -----------------------------------------------------------------------------

def commit_description():
    def git(*arguments):
        result = subprocess.run(["git", "-C", ROOT] + list(arguments), stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
        return result.stdout.decode().strip()
    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--untracked-files=no", "--", "kernel", "checkpoint",
                  "arch", "include", "user")
    return commit + (" (with uncommitted changes to the guest)" if changed else "")


def write_document(text):
    """Replaces the table between the bench-table markers of docs/benchmarks.md."""
    try:
        with open(DOCUMENT) as file:
            document = file.read()
    except OSError:
        return False
    begin, end = document.find(TABLE_BEGIN), document.find(TABLE_END)
    if begin < 0 or end < begin:
        sys.stderr.write("bench: %s has no bench-table markers; not written\n" % DOCUMENT)
        return False
    document = document[:begin + len(TABLE_BEGIN)] + "\n" + text + document[end:]
    with open(DOCUMENT, "w") as file:
        file.write(document)
    return True


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n")[0])
    parser.add_argument("rounds", nargs="?", type=int, default=20000,
                        help="rounds of the null call and IPC under --icount (10x timed)")
    parser.add_argument("--no-write", action="store_true",
                        help="print the table only; leave docs/benchmarks.md alone")
    parser.add_argument("--only", metavar="GROUPS",
                        help="run only these groups of rows, comma-separated (%s); implies "
                             "--no-write" % ", ".join(ROW_GROUPS))
    arguments = parser.parse_args(argv)
    groups = arguments.only.split(",") if arguments.only else list(ROW_GROUPS)
    unknown = [group for group in groups if group not in ROW_GROUPS]
    if unknown:
        parser.error("unknown group %s; the groups are %s" % (", ".join(unknown),
                                                              ", ".join(ROW_GROUPS)))
    arguments.groups = groups
    arguments.no_write = arguments.no_write or bool(arguments.only)
    return arguments


# --- the network: round trips to udpecho from the host, in a namespace of their own ----------

NETWORK_SETTINGS = (("output commit on, default settings", ""),
                    ("output commit on, ckpt.output_delay=0", "ckpt.output_delay=0"),
                    ("output commit off (output_commit=off)", "output_commit=off"))
PING_COUNT = 50
UDP_ECHOES = 200
PING_SUMMARY = re.compile(r"rtt min/avg/max/mdev = ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms")
GUEST_ADDRESS = "10.0.2.15"     # net.ip's default
UDPCLIENT = [sys.executable, os.path.join(ROOT, "tools", "cairn", "udpclient.py")]


def median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else None


def run_in(net, command, timeout):
    return subprocess.run(net.wrap(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=timeout)


def network_round_trips(cmdline):
    """Boots udpecho on a tap of a fresh namespace: ping's (min, avg, max) ms and the UDP echo
    round trips' (median, 90th percentile) us, each None when it failed."""
    net = netns.Namespace()
    try:
        net.create()
        with boot(["--disk", os.path.join(ROOT, "build", "fresh.img"), "--snapshot",
                   "--tap", net.tap, "--cmdline", ("run=udpecho " + cmdline).strip()],
                  prefix=net.wrap([])) as guest:
            if not wait_for(guest, ["udpecho: echoing"], timeout=60):
                complain("udpecho start line", guest.output)
                return None, None
            run_in(net, ["ping", "-n", "-c", "3", "-W", "3", GUEST_ADDRESS], timeout=30)
            pinged = run_in(net, ["ping", "-n", "-c", str(PING_COUNT), "-i", "0.05", "-W", "3",
                                  GUEST_ADDRESS], timeout=120)
            summary = PING_SUMMARY.search(pinged.stdout)
            echoed = run_in(net, UDPCLIENT + ["echo", GUEST_ADDRESS, "7", str(UDP_ECHOES)],
                            timeout=300)
            try:
                rtts = json.loads(echoed.stdout)["rtt_us"]
            except (ValueError, KeyError):
                rtts = []
            ping = tuple(float(x) for x in summary.groups()[:3]) if summary else None
            udp = (median(rtts), sorted(rtts)[len(rtts) * 9 // 10]) if rtts else None
            return ping, udp
    finally:
        net.delete()


def network_rows(directory):
    rows = []
    for label, cmdline in NETWORK_SETTINGS:
        try:
            ping, udp = network_round_trips(cmdline)
        except (netns.NamespaceError, OSError) as error:
            sys.stderr.write("bench: no network namespace: %s\n" % error)
            ping, udp = None, None
        rows.append(("ping round trip, host to guest (%d echoes, 50 ms apart), %s"
                     % (PING_COUNT, label), "-",
                     "min %.2f / avg %.2f / max %.2f ms" % ping if ping else "n/a"))
        rows.append(("UDP echo round trip, a Linux socket to udpecho (%d datagrams of 64 "
                     "bytes, one at a time), %s" % (UDP_ECHOES, label), "-",
                     "median %d us, 90th percentile %d us" % udp if udp else "n/a"))
    return rows


# Groups of rows in the table's order, for --only. The checkpoint, resume, reclaim and slowdown
# rows need the TSC rate the slowdown group measures, and the checkpoint rows the raw disk.
ROW_GROUPS = ("micro", "disk", "checkpoint", "resume", "reclaim", "slowdown", "key-value",
              "output-latency", "output-window", "output-flood", "savevm", "network")


def main(argv):
    arguments = parse_arguments(argv)
    wanted = set(arguments.groups)
    started = time.monotonic()
    build = os.path.join(ROOT, "build")
    rows, micro_measured, raw_write, tsc_per_ns, tsc_measured = [], True, 1, None, None
    with tempfile.TemporaryDirectory(prefix="cairn-bench-", dir=build) as directory:
        if "micro" in wanted:
            rows, micro_measured = micro_rows(directory, arguments.rounds)
        if wanted & {"disk", "checkpoint"}:
            disk, raw_write = disk_rows(directory)
            rows += disk if "disk" in wanted else []
        if wanted & {"checkpoint", "resume", "reclaim", "slowdown"}:
            slowdown, tsc_per_ns, tsc_measured = slowdown_rows(directory)
        if "checkpoint" in wanted:
            rows += checkpoint_rows(directory, raw_write, tsc_per_ns)
        if "resume" in wanted:
            rows += resume_rows(directory, tsc_per_ns)
        if "reclaim" in wanted:
            rows += reclaim_rows(directory, tsc_per_ns)
        if "slowdown" in wanted:
            rows += slowdown
        if "key-value" in wanted:
            rows += kvset_rows(directory)
        if "output-latency" in wanted:
            rows += output_latency_rows(directory)
        if "output-window" in wanted:
            rows += output_window_rows(directory)
        if "output-flood" in wanted:
            rows += output_flood_rows(directory)
        if "savevm" in wanted:
            rows += savevm_rows(directory)
        if "network" in wanted:
            rows += network_rows(directory)
    command = " ".join(["tools/bench"] + argv) if argv else "make bench"
    lines = ["Made by `%s` on commit %s, %s, in %.0f s. TCG cycles are the host's TSC, "
             "turned into ms at %s (/proc/cpuinfo; the memwrite baseline's cycles over its "
             "monotonic clock gave %s). Figures, not assertions."
             % (command, commit_description(),
                datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                time.monotonic() - started,
                "%.3f GHz" % tsc_per_ns if tsc_per_ns else "n/a",
                "%.3f GHz" % tsc_measured if tsc_measured else "n/a"),
             "", "| operation | guest instructions (--icount) | wall time (or bandwidth) under TCG |",
             "| --- | --- | --- |"]
    lines += ["| %s | %s | %s |" % row for row in rows]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if not arguments.no_write and write_document(text):
        print("\n(written to docs/benchmarks.md)")
    return 0 if micro_measured and raw_write else 1

