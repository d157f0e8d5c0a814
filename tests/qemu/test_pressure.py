"""Nothing a program does stops the kernel: loads under memory pressure, damaged blocks.

A PROGRAM_LOAD while RAM is full of dirty pages waits for frames (or answers
a status) and the kernel goes on; a Page whose block fails its check stops
only the process that touched it, with a log line naming the OID and the
block; a stored program whose size does not fit the store is refused with a
clear message.
"""
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from image_tools import BLOCK, HEADER, ROOT, Image  # noqa: E402

MKIMAGE = ROOT / "build" / "mkimage"
FRESH = ROOT / "build" / "fresh.img"
BROKEN = re.compile(r"cairn: fatal|KERNEL (FAULT|PANIC)|panic|assert", re.I)
# Checkpoints only when something waits for them: RAM stays full of dirty pages.
NO_PERIODIC_CHECKPOINTS = "ckpt.interval=0 ckpt.dirty_mib=0"


def check_kernel_goes_on(guest):
    broken = BROKEN.search(guest.output)
    assert broken is None, "%r\n%s" % (broken.group(0), guest.describe())


@pytest.mark.time_limit(120)
def test_program_load_with_ram_full_of_dirty_pages_waits_or_answers_and_the_kernel_goes_on(boot):
    guest = boot(cmdline="run=loadfull " + NO_PERIODIC_CHECKPOINTS, mem=32)
    guest.expect(r"^memory: (2\d|3[0-2]) MiB usable")
    guest.expect(r"^loadfull: filling RAM with dirty pages$")
    answer = guest.expect(r"^loadfull: load answered (\w+) after \d+ restarts$|^cairn: fatal: .*$",
                          timeout=60)
    check_kernel_goes_on(guest)
    full = guest.expect(r"^loadfull: full: (\d+) pages written, (\d+) frames were free$")
    assert int(full.group(1)) > 4000 and int(full.group(2)) <= 8, guest.describe()
    assert answer.group(1) == "OK" or answer.group(1).startswith("E_"), guest.describe()
    # The program loaded under pressure runs, while loadfull checks its pages (in either order).
    last = r"^counter: 3$" if answer.group(1) == "OK" else r"^loadfull: ok, \d+ pages checked$"
    guest.expect(last, timeout=60)
    assert re.search(r"^loadfull: ok, \d+ pages checked$", guest.output, re.M) or \
        guest.expect(r"^loadfull: ok, \d+ pages checked$", timeout=60)
    check_kernel_goes_on(guest)


# Offsets in the root record (include/cairn/disk_format.h): the data set, then the programs.
ROOT_DATA_FIRST_PAGE = HEADER.size + 64
ROOT_PROGRAMS = ROOT_DATA_FIRST_PAGE + 16
PROGRAM_ENTRY = struct.Struct("<20sIII")      # name, first_page, size, reserved


def image_with_data(tmp_path):
    path = tmp_path / "data.img"
    elfs = sorted(str(p) for p in (ROOT / "build" / "user").glob("*.elf"))
    subprocess.run([str(MKIMAGE), "-o", str(path), "--size", "64", "--data-mib", "1"] + elfs,
                   check=True, capture_output=True, timeout=60)
    return Image(path)


def damage_page(image, oid):
    """Flips a byte of a Page's block without fixing its map entry's CRC; returns the block."""
    block = struct.unpack_from("<I", image.data, image.map_entry_offset(oid))[0]
    image.data[block * BLOCK + 1000] ^= 0x20
    image.save()
    return block


def damage_logged(guest, oid, block):
    return re.search(r"^(error: )?store: OID %d at block %d failed its check" % (oid, block),
                     guest.output, re.M)


def stored_program(image, name):
    """(index, first_page, size) of a stored program in the root record."""
    root = image.root_block() * BLOCK
    for index in range(32):
        offset = root + ROOT_PROGRAMS + index * PROGRAM_ENTRY.size
        entry = PROGRAM_ENTRY.unpack_from(image.data, offset)
        if entry[0].split(b"\0")[0] == name.encode():
            return index, entry[1], entry[2]
    raise AssertionError("no program %s in the image" % name)


@pytest.mark.time_limit(90)
def test_a_damaged_page_on_first_touch_stops_only_the_process_that_touched_it(boot, tmp_path):
    image = image_with_data(tmp_path)
    first_data_page = struct.unpack_from("<I", image.data,
                                         image.root_block() * BLOCK + ROOT_DATA_FIRST_PAGE)[0]
    oid = first_data_page + 100
    block = damage_page(image, oid)
    guest = boot(cmdline="run=counter,datacheck", disk=image.path)
    guest.expect(r"^process \d+ \(datacheck\): page fault \(OID %d at block %d failed its check on "
                 r"the disk\) at address 0x[0-9a-f]+, eip 0x[0-9a-f]+; stopped$" % (oid, block),
                 timeout=30)
    seen = int(guest.expect(r"^counter: (\d+)$", timeout=20).group(1))
    guest.expect(r"^counter: %d$" % (seen + 3), timeout=20)     # the rest of the system goes on
    assert damage_logged(guest, oid, block), guest.describe()
    assert "datacheck: 1 MiB checked" not in guest.output, guest.describe()
    check_kernel_goes_on(guest)


def test_program_load_of_a_damaged_program_answers_e_damaged(boot, tmp_path):
    path = tmp_path / "image.img"
    shutil.copyfile(FRESH, path)
    image = Image(path)
    _, first_page, _ = stored_program(image, "counter")
    block = damage_page(image, first_page + 1)
    guest = boot(cmdline="run=shell", disk=path)
    guest.expect(r"^Cairn shell: type help", timeout=20)
    guest.send("run counter 2\n")
    guest.expect(r"run: counter 2: E_DAMAGED$", timeout=20)
    assert damage_logged(guest, first_page + 1, block), guest.describe()
    guest.send("echo still here\n")
    guest.expect(r"still here$")
    check_kernel_goes_on(guest)


def test_a_program_size_that_would_wrap_is_refused_with_a_clear_message(boot, tmp_path):
    """0xFFFFF001 + 4095 wraps to 0 in 32 bits: 0 pages, then an ELF parse of 4 GiB."""
    path = tmp_path / "image.img"
    shutil.copyfile(FRESH, path)
    image = Image(path)
    index, _, _ = stored_program(image, "counter")
    root = image.root_block()
    size_offset = root * BLOCK + ROOT_PROGRAMS + index * PROGRAM_ENTRY.size + 24
    struct.pack_into("<I", image.data, size_offset, 0xFFFFF001)
    image.set_root_pointer(root, image.reseal(root))    # a right CRC: only the size is wrong
    image.save()
    guest = boot(cmdline="run=counter", disk=path)
    guest.expect(r"^cairn: fatal: cannot boot from the disk: .*names program or data-set pages "
                 r"outside its object map|^store: program 'counter' says it is 4294963201 bytes",
                 timeout=20)
    assert not re.search(r"KERNEL (FAULT|PANIC)|panic|assert", guest.output, re.I), guest.describe()
