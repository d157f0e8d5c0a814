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
from image_tools import BLOCK, HEADER, ROOT, ROOT_DATA, ROOT_PROCESSES, Image  # noqa: E402

MKIMAGE = ROOT / "build" / "mkimage"
FRESH = ROOT / "build" / "fresh.img"
BROKEN = re.compile(r"cairn: fatal|KERNEL (FAULT|PANIC)|panic|assert", re.I)
# Checkpoints only when something waits for them: RAM stays full of dirty pages.
NO_PERIODIC_CHECKPOINTS = "ckpt.interval=0 ckpt.dirty_mib=0"


def check_kernel_goes_on(guest):
    broken = BROKEN.search(guest.output)
    assert broken is None, "%r\n%s" % (broken.group(0), guest.describe())


@pytest.mark.timeout(120)
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


ROOT_DATA_FIRST_PAGE = ROOT_DATA     # the data set's first Page, in the root record


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


@pytest.mark.timeout(90)
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
    first_page, _ = image.program("counter")
    block = damage_page(image, first_page + 1)
    guest = boot(cmdline="run=shell", disk=path)
    guest.expect(r"^Cairn shell: type help", timeout=20)
    guest.send("run counter 2\n")
    guest.expect(r"run: counter 2: E_DAMAGED$", timeout=20)
    assert damage_logged(guest, first_page + 1, block), guest.describe()
    guest.send("echo still here\n")
    guest.expect(r"still here$")
    check_kernel_goes_on(guest)


TYPE_MAP_LEAF, TYPE_MAP_INTERIOR = 3, 4
ROOT_LOG_HEAD = HEADER.size + 20
POINTER = struct.Struct("<II")                 # block, crc32c
INTERIOR_CHILDREN = (BLOCK - HEADER.size) // POINTER.size


def put_map_block(image, number, kind, pointers):
    """Writes a sealed map block at number (a blank leaf, or an interior node); returns its CRC."""
    header = list(image.header(image.map_root()[0]))     # magic, type, crc, epoch, block, version
    header[1], header[2], header[4] = kind, 0, number
    content = bytearray(BLOCK)
    HEADER.pack_into(content, 0, *header)
    for child, pointer in enumerate(pointers):
        POINTER.pack_into(content, HEADER.size + POINTER.size * child, *pointer)
    image.put_block(number, content)
    return image.reseal(number)


def widen_map(image, oid_limit):
    """Makes the map two levels deep, so it covers oid_limit OIDs (the new ones free, all in one
    shared blank leaf), and moves the log head past the blocks it adds."""
    root = image.root_block()
    old_top, depth = image.map_root()
    assert depth == 1
    free = struct.unpack_from("<I", image.data, root * BLOCK + ROOT_LOG_HEAD)[0]
    blank = (free, put_map_block(image, free, TYPE_MAP_LEAF, []))
    leaves = [POINTER.unpack_from(image.data, old_top * BLOCK + HEADER.size + POINTER.size * i)
              for i in range(INTERIOR_CHILDREN)]
    leaves = [leaf if leaf[0] else blank for leaf in leaves]
    first = (old_top, put_map_block(image, old_top, TYPE_MAP_INTERIOR, leaves))
    shared = (free + 1, put_map_block(image, free + 1, TYPE_MAP_INTERIOR, [blank] * INTERIOR_CHILDREN))
    tops = -(-oid_limit // (Image.LEAF_ENTRIES * INTERIOR_CHILDREN))
    top = (free + 2, put_map_block(image, free + 2, TYPE_MAP_INTERIOR, [first] + [shared] * (tops - 1)))
    struct.pack_into("<QIII", image.data, root * BLOCK + HEADER.size, oid_limit, top[0], top[1], 2)
    struct.pack_into("<I", image.data, root * BLOCK + ROOT_LOG_HEAD, free + 3)


@pytest.mark.timeout(90)
def test_a_program_size_that_would_wrap_is_refused_with_a_clear_message(boot, tmp_path):
    """0xFFFFF001 + 4095 wraps to 0 in 32 bits: 0 pages, then an ELF parse of 4 GiB. The program
    table's check refuses a program whose pages lie outside the map, so the map is widened to
    more OIDs than the program claims pages: only the kernel's own check stands in the way."""
    path = tmp_path / "image.img"
    shutil.copyfile(FRESH, path)
    image = Image(path)
    first_page, _ = image.program("counter")
    widen_map(image, first_page + (1 << 20) + 1000)
    struct.pack_into("<I", image.data, image.program_entry_offset("counter") + 24, 0xFFFFF001)
    image.reseal_program_table()        # right CRCs: only the size is wrong
    image.save()
    guest = boot(cmdline="run=counter,spawn", disk=path)
    guest.expect(r"^(error: )?store: program 'counter' says it is 4294963201 bytes \(1048576 "
                 r"pages\), more than the disk's 16384 blocks; refused$", timeout=40)
    guest.expect(r"^init: started spawn$", timeout=40)     # the rest of the system goes on
    check_kernel_goes_on(guest)


def test_a_stored_fpu_state_the_cpu_would_fault_on_is_refused_and_the_rest_resumes(boot,
                                                                                  tmp_path):
    """Issue 15, item 5: reserved MXCSR bits in a Process record, every CRC right. Restoring it
    (fxrstor in ring 0) would raise #GP on a real CPU; the kernel refuses the record, names
    the process, and resumes the others."""
    from real_image import RECORD_MXCSR, LiveImage, make_counter_image
    path = tmp_path / "counter.img"
    make_counter_image(tmp_path / "first", path, lines=10)
    image = LiveImage(path)
    counter = [oid for oid in image.oids_of_type(1)
               if b"counter" in bytes(image.data[image.entry(oid)[0] * BLOCK:
                                                 (image.entry(oid)[0] + 1) * BLOCK])][0]
    image.data[image.entry(counter)[0] * BLOCK + RECORD_MXCSR + 2] |= 1     # MXCSR bit 16
    image.reseal_object(counter)
    image.save()
    guest = boot(disk=path)
    guest.expect(r"^error: store: process OID %d of the run list could not be loaded" % counter,
                 timeout=30)
    guest.expect(r"^resumed checkpoint epoch \d+ .*: \d+ of \d+ processes running", timeout=20)
    assert "counter: 11" not in guest.output, guest.describe()
    check_kernel_goes_on(guest)


def test_a_run_list_naming_a_page_resumes_the_other_processes(boot, tmp_path):
    """A crafted image whose run list names a Page (every CRC right): one error line names the
    entry, the processes that are Processes resume, and the kernel does not stop."""
    from real_image import LiveImage, make_counter_image
    path = tmp_path / "counter.img"
    make_counter_image(tmp_path / "first", path, lines=10)
    image = LiveImage(path)
    page = image.oids_of_type(3)[0]
    root = image.root_block()
    listed = struct.unpack_from("<I", image.data, root * BLOCK + ROOT_PROCESSES)[0]
    struct.pack_into("<I", image.data, root * BLOCK + ROOT_PROCESSES, page)
    image.reseal_root()
    image.save()
    guest = boot(disk=path)
    guest.expect(r"^error: store: run list entry OID %d is not a Process" % page, timeout=30)
    guest.expect(r"^resumed checkpoint epoch \d+ .*: \d+ of \d+ processes running", timeout=20)
    assert listed != page
    check_kernel_goes_on(guest)


RETIRED = 0xFFFFFFFF    # include/cairn/disk_format.h: CAIRN_VERSION_RETIRED


def test_an_oid_whose_versions_are_used_up_is_never_handed_out_again(boot, tmp_path):
    """Issue 15, item 9: versions wrap after 2^32 destroys of one OID. A crafted image (every CRC
    right) gives its free OIDs the last version; hostile-wrap's rounds walk down the free list,
    each destroying an Endpoint it kept a capability to. Handed out at the last version, the
    next destroy wrapped the version to 0, "ask the store", and the store gave the destroyed
    Endpoint back: the old capability worked. A retired OID is never handed out."""
    from real_image import LiveImage
    path = tmp_path / "wrap.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", path)
    first = boot(cmdline="run=hostile-wrap", disk=path, snapshot=False)
    first.expect(r"^hostile-wrap: round 10: refused: E_STALE$", timeout=60)
    first.close()
    image = LiveImage(path)
    free = image.oids_of_type(0)
    assert free, "the image has no free OID to craft"
    for oid in free:
        block, crc, _, kind, flags = image.entry(oid)
        image.set_entry(oid, block, crc, RETIRED, kind, flags)
    image.reseal_map_chain()
    image.save()
    guest = boot(disk=path)
    guest.expect(r"^resumed checkpoint epoch", timeout=30)
    for _ in range(len(free) + 4):
        guest.expect(r"^hostile-wrap: (round \d+: refused: E_STALE|FAILED.*)$", timeout=30)
    assert "hostile-wrap: FAILED" not in guest.output, guest.describe()
    check_kernel_goes_on(guest)
