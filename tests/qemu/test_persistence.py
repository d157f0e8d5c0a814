"""Power cuts: QEMU killed at random moments, the same image booted again, counter goes on."""

import random
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from image_tools import BLOCK, ROOT_CONSOLE_BLOCKS, Image  # noqa: E402

from cairn import powercut, window_shim_environment  # noqa: E402
from cairn.launcher import SSE42_CPU  # noqa: E402


@pytest.mark.timeout(150)
def test_counter_survives_20_power_cuts(tmp_path):
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    seed = random.randrange(1 << 30)
    with open(tmp_path / "console.log", "w") as log:
        last_seen, restarts, problems, _ = powercut.run(20, seed, str(image), 100, log)
    assert not problems, "seed %d:\n%s" % (seed, "\n".join(problems))
    assert restarts >= 15, "only %d of 19 boots resumed a checkpoint (seed %d)" % (restarts, seed)
    assert last_seen >= 20, "the counter reached only %d (seed %d)" % (last_seen, seed)


def test_check_cycle_catches_a_counter_going_back():
    assert powercut.check_cycle(3, [5, 6, 7], 40, 3) is not None
    assert powercut.check_cycle(3, [38, 39], 40, 3) is None
    assert powercut.check_cycle(0, [2, 3], 0, 3) is not None
    assert powercut.check_cycle(4, [44, 45], 40, 3) is not None


def test_a_line_shown_again_is_accepted_only_if_its_record_never_reached_linux(tmp_path):
    """A cut inside the output window shows the boot before's last lines again: accepted if
    the window shim saw them reach the port after the last release record, not otherwise."""
    log = tmp_path / "window.log"
    log.write_text("N 1.0\nR 1.00002\nK 1.1\nN 1.2\nN 1.3\n")
    assert powercut.unrecorded_lines(str(log)) == 2
    assert powercut.window_repeat([40, 41, 42], 40, 2) == 1
    assert powercut.window_repeat([39, 40, 41], 40, 2) == 2
    assert powercut.window_repeat([38, 39, 40], 40, 2) == 0     # more than were unrecorded
    assert powercut.window_repeat([41, 42], 40, 2) == 0         # no repeat at all
    log.write_text("N 1.0\nR 1.00002\n")
    assert powercut.unrecorded_lines(str(log)) == 0             # every line was recorded
    assert powercut.window_repeat([40, 41], 40, 0) == 0
    log.write_text("N 1.0\nN 1.2\n")
    assert powercut.unrecorded_lines(str(log)) == 0             # no record at all: no excuse
    assert powercut.unrecorded_lines(None) == 0


def test_counter_numbers_leave_out_a_line_cut_half_way():
    assert powercut.counter_numbers(b"counter: 24\r\ncounter: 25\r\ncounter: 2") == [24, 25]
    assert powercut.counter_numbers(b"counter: 24\ncounter: 25\n") == [24, 25]
    assert powercut.counter_numbers(b"counter: 2") == []


@pytest.mark.parametrize("mem", [64, 256])
def test_image_copied_elsewhere_resumes_with_other_memory(tmp_path, boot, mem):
    """The image is the system: copied to another path and booted with half or double the RAM."""
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    # Cut once counter has printed a few lines (not after a fixed time: a loaded machine may
    # not have booted by then).
    first = boot(disk=image, snapshot=False, cmdline="run=counter ckpt.interval=100")
    first.expect(r"^counter: 12$", timeout=30)
    first.close()                                       # SIGKILL: the power goes off
    numbers = powercut.counter_numbers(first.output.encode())
    moved = tmp_path / "elsewhere" / "moved.img"
    moved.parent.mkdir()
    shutil.move(str(image), moved)
    guest = boot(disk=moved, snapshot=False, mem=mem)
    guest.expect(r"^memory: \d+ MiB usable")
    guest.expect(r"^resumed checkpoint epoch \d+ .*: 2 of 2 processes running, restart 1$")
    match = guest.expect(r"^counter: (\d+)$", timeout=10)
    assert numbers[-1] - 3 <= int(match.group(1)) <= numbers[-1] + 1, guest.describe()


def test_image_moves_between_a_cpu_with_the_crc32_instruction_and_one_without(tmp_path, boot):
    """Issue 17, item 2: the kernel checksums with SSE4.2's crc32 instruction when the CPU has
    it and with its tables otherwise (the launcher's default model), and says which at boot.
    Both give the same CRC32C, so an image written on one CPU resumes on the other and back."""
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    seen = []
    for cpu, way in [(SSE42_CPU, "the crc32 instruction"), (None, "tables"),
                     (SSE42_CPU, "the crc32 instruction")]:
        guest = boot(disk=image, snapshot=False, cmdline="run=counter ckpt.interval=100",
                     extra=["--cpu", cpu] if cpu else [])
        guest.expect(r"^checksums: CRC32C with %s" % way)
        if seen:
            guest.expect(r"^resumed checkpoint epoch \d+ .*: 2 of 2 processes running")
        guest.expect(r"^counter: %d$" % (max(seen, default=0) + 8), timeout=30)
        guest.close()                                   # SIGKILL: the power goes off
        assert "bad checksum" not in guest.output, guest.describe()
        seen += powercut.counter_numbers(guest.output.encode())
    assert sorted(set(seen)) == list(range(1, max(seen) + 1)), seen


@pytest.mark.parametrize("where, repeats", [("durable", 0), ("recorded", 0), ("line", 1)])
def test_output_of_a_checkpoint_cut_before_its_release_appears_once(tmp_path, boot, where,
                                                                     repeats):
    """cut=WHERE:5 stops the machine while the 5th checkpoint holding output is being released:
    durable (committed, nothing shown), line (its first line at the serial port, the release
    record not yet written) or recorded (that record written). The next boot shows what the
    records do not cover. Only a cut between a line and its record repeats that one line: the
    window docs/abi.md describes, and tools/powercut accepts such a repeat (and no other) from
    what the window shim saw of the first boot."""
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    window_log = tmp_path / "window.log"
    environment = window_shim_environment(window_log)
    first = boot(disk=image, snapshot=False, cmdline="run=counter cut=%s:5" % where,
                 environment=environment)
    assert first.wait_exit() == 4, first.describe()
    assert re.search(r"^cut=%s:5: stopping here" % where, first.output, re.M), first.describe()
    before = powercut.counter_numbers(first.output.encode())
    second = boot(disk=image, snapshot=False)
    second.expect(r"^resumed checkpoint epoch \d+")
    second.expect(r"^counter: %d$" % (before[-1] + 5), timeout=20)
    after = powercut.counter_numbers(second.output.encode())
    seen = before + after
    assert sorted(set(seen)) == list(range(1, max(seen) + 1)), (seen, second.describe())
    assert len(seen) - len(set(seen)) == repeats, (seen, second.describe())
    unrecorded = powercut.unrecorded_lines(str(window_log))
    assert powercut.window_repeat(after, before[-1], unrecorded) == repeats, unrecorded
    shown = re.search(r"^output commit: \d+ bytes of output checkpoint \d+ held never reached "
                      r"the console; showing them now$", second.output, re.M)
    assert shown or where == "recorded", second.describe()


def test_held_output_with_a_bad_checksum_is_reported_not_shown(tmp_path, boot):
    """The disk is untrusted: held output whose block fails its CRC32C is not shown; the boot
    says how many bytes are lost and goes on, and cairn-img verify names the block."""
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    first = boot(disk=image, snapshot=False, cmdline="run=counter cut=durable:3")
    assert first.wait_exit() == 4, first.describe()
    info = subprocess.run([str(ROOT / "build" / "cairn-img"), "info", str(image)],
                          capture_output=True, text=True, timeout=60).stdout
    root = int(re.search(r"root record at block (\d+)", info).group(1))
    assert re.search(r"^held output: \d+ bytes .* a boot shows [1-9]\d* bytes$", info, re.M), info
    data = bytearray(image.read_bytes())
    block = struct.unpack_from("<I", data, root * BLOCK + ROOT_CONSOLE_BLOCKS)[0]
    assert block >= 16, (root, block)
    data[block * BLOCK] ^= 0x20                # "counter" -> "Counter": still text, wrong CRC
    image.write_bytes(bytes(data))
    verify = subprocess.run([str(ROOT / "build" / "cairn-img"), "verify", str(image)],
                            capture_output=True, text=True, timeout=60)
    assert verify.returncode == 1, verify.stdout
    assert "held console output at block %d: bad checksum" % block in verify.stdout, verify.stdout
    second = boot(disk=image, snapshot=False)
    second.expect(r"^error: output commit: \d+ bytes of held output are lost: "
                  r"held console output at block %d: bad checksum$" % block)
    second.expect(r"^counter: \d+$", timeout=20)
    assert "Counter" not in second.output, second.describe()
    assert "showing them now" not in second.output, second.describe()


def test_sync_makes_state_durable_before_it_returns(tmp_path, boot):
    """With no periodic checkpoints, only SYNC writes; what was synced survives a power cut."""
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    first = boot(disk=image, snapshot=False, cmdline="ckpt.interval=0 run=syncer:50")
    first.expect(r"^syncer: synced 5$", timeout=20)
    first.close()                                       # SIGKILL: the power goes off
    synced = [int(n) for n in re.findall(r"^syncer: synced (\d+)$", first.output, re.M)]
    second = boot(disk=image, snapshot=False, cmdline="ckpt.interval=0")
    second.expect(r"^resumed checkpoint epoch \d+")
    match = second.expect(r"^syncer: synced (\d+)$", timeout=20)
    assert synced[-1] <= int(match.group(1)) <= synced[-1] + 1, second.describe()


def test_sync_without_a_store_says_so(boot):
    guest = boot(cmdline="boot=modules run=syncer")
    guest.expect(r"^syncer: FAILED: sync returned E_NOT_DURABLE$", timeout=15)


def test_resume_line_names_a_rejected_newer_checkpoint_and_why(tmp_path, boot):
    """The newest superblock is damaged: the one before it resumes, and the one boot line says so."""
    image_path = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image_path)
    first = boot(disk=image_path, snapshot=False, cmdline="run=counter")
    first.expect(r"^counter: 5$", timeout=20)
    first.close()                                       # SIGKILL: the power goes off
    image = Image(image_path)
    epochs = [image.header(block)[3] for block in (0, 1)]
    newest = 0 if epochs[0] > epochs[1] else 1
    image.data[newest * BLOCK + BLOCK - 1] ^= 0xFF         # its CRC32C no longer matches
    image.save()
    guest = boot(disk=image_path, snapshot=False)
    line = guest.expect(r"^resumed checkpoint epoch (\d+) \(age \d+ ms of monotonic time\): "
                        r"2 of 2 processes running, restart 1; rejected newer checkpoint "
                        r"epoch (\d+) \(superblock ([AB])\): (.*)$")
    assert (int(line.group(1)), int(line.group(2))) == (min(epochs), max(epochs)), guest.describe()
    assert line.group(3) == "AB"[newest] and "bad checksum" in line.group(4), guest.describe()
    guest.expect(r"^counter: \d+$", timeout=10)


def oid_versions(image):
    """{OID: (version, free)} of every OID `cairn-img ls` lists in the image's checkpoint."""
    listing = subprocess.run([str(ROOT / "build" / "cairn-img"), "ls", str(image)],
                             capture_output=True, text=True, check=True, timeout=30).stdout
    versions, free = {}, False
    for line in listing.splitlines():
        if not line.startswith(" "):
            free = line.startswith("free OIDs:")
        match = re.match(r"^\s+OID (\d+)\s+version (\d+)", line)
        if match:
            versions[int(match.group(1))] = (int(match.group(2)), free)
    return versions


def test_oids_freed_before_a_restart_are_handed_out_after_it(tmp_path, boot):
    """spawn's 64 processes exit, so their OIDs are free in the checkpoint; after a restart,
    spawn again must get those OIDs back (each one then live, or freed again at a higher
    version) rather than new ones."""
    image = tmp_path / "system.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    for number in range(2):
        guest = boot(disk=image, snapshot=False, cmdline="" if number else "run=shell")
        guest.expect(r"^(Cairn shell: type help|resumed checkpoint epoch \d+)", timeout=20)
        guest.send("run spawn\n")
        guest.expect(r"^(?:cairn> )?spawn: 64 processes done$", timeout=60)
        guest.send("sync\n")
        guest.expect(r"^(?:cairn> )?sync: durable$", timeout=20)
        guest.close()
        if number == 0:
            before = oid_versions(image)
    after = oid_versions(image)
    freed = {oid: version for oid, (version, free) in before.items() if free}
    reused = [oid for oid, version in freed.items()
              if oid in after and (not after[oid][1] or after[oid][0] > version)]
    assert len(freed) >= 64 and len(reused) >= 64, (len(freed), len(reused))
