"""tools/cairn-img on real images (counter run in QEMU, then the power cut): every command, planted
corruption of each kind found by verify, rollback, and any input file handled without a crash."""
import os
import re
import shutil
import struct
import subprocess

import pytest

from image_tools import BLOCK, ROOT, ROOT_PROCESSES, crc32c
from real_image import RECORD_CLIST, RECORD_MXCSR, RECORD_STATE, LiveImage, make_counter_image

CAIRN_IMG = ROOT / "build" / "cairn-img"
TYPE_PROCESS, TYPE_ENDPOINT, TYPE_PAGE, TYPE_SPACE, TYPE_BANK = 1, 2, 3, 4, 5


def cairn_img(*arguments):
    result = subprocess.run([str(CAIRN_IMG)] + [str(a) for a in arguments], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode in (0, 1, 2), "cairn-img crashed: %d\n%s" % (
        result.returncode, result.stdout + result.stderr)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture(scope="module")
def real_image(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("counter")
    return make_counter_image(workdir / "guest", workdir / "counter.img")


@pytest.fixture
def image(real_image, tmp_path):
    path = tmp_path / "image.img"
    shutil.copyfile(real_image, path)
    return LiveImage(path)


def booted_epoch(output):
    return int(re.search(r"^checkpoint: epoch (\d+)", output, re.M).group(1))


def test_real_image_is_sound_and_described(image):
    status, output = cairn_img("verify", "--strict", image.path)
    assert status == 0 and "0 problems, 0 warnings" in output, output
    assert "process objects: 2" in output, output
    status, output = cairn_img("info", image.path)
    assert status == 0, output
    epoch = booted_epoch(output)
    assert epoch > 10, output
    rows = re.findall(r"^\s+(\d+)\s+[-\d.]+ s .*\s(\w+)$", output, re.M)
    states = {int(e): s for e, s in rows}
    assert states[epoch] == "boots" and states[epoch - 1] == "previous", output
    assert len(rows) >= 10 and "segments:" in output and "free" in output, output


def test_ps_ls_dump(image):
    status, output = cairn_img("ps", image.path)
    assert status == 0 and re.search(r'process OID \d+ "counter": ready', output), output
    assert re.search(r"eip [0-9a-f]{8}\s+esp [0-9a-f]{8}", output), output
    status, output = cairn_img("ls", image.path)
    # init and counter, each in a bank of its own below the root bank
    assert status == 0 and "process: 2" in output and "bank: 3" in output, output
    counter = int(re.search(r'process OID (\d+) "counter"', cairn_img("ps", image.path)[1]).group(1))
    status, output = cairn_img("dump", image.path, counter)
    assert status == 0 and "OID %d: process" % counter in output and "slot" in output, output
    status, output = cairn_img("dump", image.path, 2)          # the first page of a program
    assert status == 0 and ".ELF" in output, output
    assert cairn_img("dump", image.path, 999999)[0] == 1
    assert cairn_img("dump", image.path, "x")[0] == 2


def test_older_epoch_can_be_read(image):
    epoch = booted_epoch(cairn_img("info", image.path)[1])
    status, output = cairn_img("verify", "--epoch", epoch - 5, image.path)
    assert status == 0 and "checkpoint: epoch %d" % (epoch - 5) in output, output
    assert cairn_img("ps", "--epoch", 1, image.path)[0] == 0


def test_rollback_to_an_older_checkpoint(image):
    epoch = booted_epoch(cairn_img("info", image.path)[1])
    target = epoch - 7
    status, output = cairn_img("rollback", image.path, target)
    assert status == 0 and "now boots epoch %d" % target in output, output
    status, output = cairn_img("info", image.path)
    assert booted_epoch(output) == target, output
    assert re.search(r"^\s+%d\s.*abandoned$" % epoch, output, re.M), output
    status, output = cairn_img("verify", "--strict", image.path)
    assert status == 0, output


def test_rollback_refuses_an_epoch_that_is_gone(image):
    epoch = booted_epoch(cairn_img("info", image.path)[1])
    status, output = cairn_img("rollback", image.path, epoch + 100)
    assert status == 1 and "refusing: epoch %d is no longer in the log" % (epoch + 100) in output
    # Overwrite a block only the old checkpoint refers to: its root record stays, its map does not.
    old = LiveImage(image.path)
    status, output = cairn_img("info", image.path)
    old_root = int(re.search(r"^\s+2\s.*\s(\d+)\s+intact$", output, re.M).group(1))
    old_map = struct.unpack_from("<I", old.data, old_root * BLOCK + 40)[0]
    old.data[old_map * BLOCK + 100] ^= 0xFF
    old.save()
    status, output = cairn_img("rollback", image.path, 2)
    assert status == 1 and "epoch 2's root record is still at block %d" % old_root in output, output
    assert booted_epoch(cairn_img("info", image.path)[1]) == epoch


def damage_page(image):
    oid = image.oids_of_type(TYPE_PAGE)[5]
    block = image.entry(oid)[0]
    image.data[block * BLOCK + 77] ^= 4
    return "OID %d at block %d: bad checksum" % (oid, block)


def damage_process_record(image):
    oid = image.oids_of_type(TYPE_PROCESS)[0]
    image.data[image.entry(oid)[0] * BLOCK + 700] ^= 1
    return "OID %d at block" % oid


def damage_map_leaf(image):
    leaf, _ = image.map_root()
    image.data[leaf * BLOCK + 3000] ^= 1
    return "block %d: bad checksum" % leaf     # "superblock X is sound, but its checkpoint is not: ..."


def damage_entry_type(image):
    block, crc, version, _, flags = image.entry(3)
    image.set_entry(3, block, crc, version, 9, flags)
    image.reseal_map_chain()
    return "map entry of OID 3 is invalid (type 9"


def damage_shared_block(image):
    pages = image.oids_of_type(TYPE_PAGE)
    image.set_entry(pages[1], *image.entry(pages[0]))
    image.reseal_map_chain()
    return "block %d is used twice: by OID %d and by OID %d" % (image.entry(pages[0])[0],
                                                               pages[0], pages[1])


def damage_entry_past_limit(image):
    limit = image.root_fields()[0]
    image.set_entry(limit, 0, 0, 1, TYPE_PAGE)
    image.reseal_map_chain()
    return "has an entry for OID %d, outside the map" % limit


def damage_free_with_block(image):
    oid = image.oids_of_type(TYPE_PAGE)[3]
    block, crc, version, _, _ = image.entry(oid)
    image.set_entry(oid, block, crc, version, 0)
    image.reseal_map_chain()
    return "OID %d is free but has block %d" % (oid, block)


def damage_process_state(image):
    oid = image.oids_of_type(TYPE_PROCESS)[0]
    image.data[image.entry(oid)[0] * BLOCK + RECORD_STATE] = 9
    image.reseal_object(oid)
    return "process OID %d at block %d has an impossible state" % (oid, image.entry(oid)[0])


def damage_process_mxcsr(image):
    """Issue 15, item 5: a crafted FPU state that passes every CRC."""
    oid = image.oids_of_type(TYPE_PROCESS)[0]
    image.data[image.entry(oid)[0] * BLOCK + RECORD_MXCSR + 2] |= 1     # MXCSR bit 16
    image.reseal_object(oid)
    return "process OID %d at block %d has an FPU state with reserved MXCSR bits set" % (
        oid, image.entry(oid)[0])


def damage_capability_type(image):
    oid = image.oids_of_type(TYPE_PROCESS)[0]
    page = image.oids_of_type(TYPE_PAGE)[0]
    version = image.entry(page)[2]
    struct.pack_into("<IHBBII", image.data, image.entry(oid)[0] * BLOCK + RECORD_CLIST + 16 * 40,
                     page, 0, TYPE_ENDPOINT, 0x3F, version, 0)
    image.reseal_object(oid)
    return "OID %d slot 40 names OID %d as a endpoint, but it is a page" % (oid, page)


def damage_run_list(image):
    page = image.oids_of_type(TYPE_PAGE)[0]
    root = image.root_block()
    struct.pack_into("<I", image.data, root * BLOCK + ROOT_PROCESSES, page)
    image.reseal_root()
    return "the root record's process list names OID %d, a page, not a process" % page


def damage_log_head(image):
    root = image.root_block()
    struct.pack_into("<I", image.data, root * BLOCK + 52, root + 3)
    image.reseal_root()
    return "root record at block %d has log head %d (should be %d)" % (root, root + 3, root + 1)


def damage_previous_checkpoint(image):
    older = image.other_root_block()
    older_map = struct.unpack_from("<I", image.data, older * BLOCK + 40)[0]
    newest_map = image.map_root()[0]
    assert older_map != newest_map
    image.data[older_map * BLOCK + 500] ^= 1
    return "is sound, but its checkpoint is not: block %d: bad checksum" % older_map


def damage_previous_object(image):
    """A page only the previous checkpoint refers to (the counter's stack, rewritten each time)."""
    older = LiveImage(image.path)
    older.super_block = 1 - image.super_block
    for oid in older.oids_of_type(TYPE_PAGE):
        if older.entry(oid)[0] != image.entry(oid)[0]:
            image.data[older.entry(oid)[0] * BLOCK + 9] ^= 1
            return "previous checkpoint (epoch %d): OID %d at block %d: bad checksum" % (
                older.header(older.root_block())[3], oid, older.entry(oid)[0])
    raise AssertionError("no page differs between the last two checkpoints")


PLANTED = [damage_page, damage_process_record, damage_map_leaf, damage_entry_type,
           damage_shared_block, damage_entry_past_limit, damage_free_with_block,
           damage_process_state, damage_process_mxcsr, damage_capability_type, damage_run_list, damage_log_head,
           damage_previous_checkpoint, damage_previous_object]


@pytest.mark.parametrize("damage", PLANTED, ids=[d.__name__ for d in PLANTED])
def test_verify_finds_planted_corruption(image, damage):
    message = damage(image)
    image.save()
    status, output = cairn_img("verify", image.path)
    assert status == 1 and message in output, output
    assert re.search(r"^[1-9]\d* problems?", output, re.M), output


def test_torn_newest_superblock_is_a_warning_and_strict_fails(image):
    image.data[image.super_block * BLOCK + 2000] ^= 1
    image.save()
    status, output = cairn_img("verify", image.path)
    assert status == 0 and "warning: superblock %s is not usable" % "AB"[image.super_block] in output, output
    status, output = cairn_img("verify", "--strict", image.path)
    assert status == 1, output


def broken_inputs(tmp_path, real_image):
    data = real_image.read_bytes()
    files = {"empty": b"", "one byte": b"x", "half block": data[:2048],
             "superblocks only": data[:2 * BLOCK], "log start only": data[:16 * BLOCK + 5],
             "random": os.urandom(40 * BLOCK), "first MiB": data[:1 << 20]}
    swapped = bytearray(data[:4 << 20])
    swapped[:BLOCK], swapped[BLOCK:2 * BLOCK] = data[BLOCK:2 * BLOCK], data[:BLOCK]
    files["superblocks swapped"] = bytes(swapped)
    paths = []
    for name, content in files.items():
        path = tmp_path / name.replace(" ", "-")
        path.write_bytes(content)
        paths.append(path)
    return paths + [tmp_path / "missing", tmp_path, "/dev/null"]


def test_every_command_handles_broken_inputs(tmp_path, real_image):
    for path in broken_inputs(tmp_path, real_image):
        for command in (["info"], ["verify"], ["ls"], ["ps"], ["dump", path, "1"]):
            arguments = command if command[0] == "dump" else command + [path]
            status, output = cairn_img(*arguments)
            assert status in (0, 1) and output.strip(), (path, command, output)
        copy = tmp_path / "rollback-target"
        if os.path.isfile(path):
            shutil.copyfile(path, copy)
            status, output = cairn_img("rollback", copy, 3)
            assert status in (0, 1), output
