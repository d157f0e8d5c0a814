"""The store code against good and bad images, through tools/cairn-img (host only, no QEMU)."""

import shutil
import struct
import subprocess

import pytest

from image_tools import BLOCK, HEADER, ROOT, Image

CAIRN_IMG = ROOT / "build" / "cairn-img"
FRESH = ROOT / "build" / "fresh.img"


def cairn_img(command, path):
    result = subprocess.run([str(CAIRN_IMG), command, str(path)], capture_output=True, text=True,
                            timeout=60)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture
def image(tmp_path):
    path = tmp_path / "image.img"
    shutil.copyfile(FRESH, path)
    return Image(path)


def test_fresh_image_is_sound(image):
    status, output = cairn_img("verify", image.path)
    assert status == 0, output
    assert "0 problems" in output
    status, output = cairn_img("info", image.path)
    assert "epoch 1 from superblock A" in output and "fresh" in output, output
    assert "program: init" in output, output


def damage_zero(image):
    image.data[:] = bytes(len(image.data))


def damage_foreign(image):
    image.data[:BLOCK * 2] = bytes((i * 7 + 3) % 251 for i in range(BLOCK * 2))


def damage_version(image):
    struct.pack_into("<I", image.data, 28, 3)   # superblock header's format_version
    image.reseal(0)


def damage_old_version(image):
    struct.pack_into("<I", image.data, 28, 1)   # an image from before banks owned their objects
    image.reseal(0)


def damage_checksum(image):
    image.data[200] ^= 0x40                     # inside superblock A, not resealed


def damage_root_out_of_range(image):
    image.set_root_pointer(len(image.data) // BLOCK + 10, 0)


def damage_map_entry_type(image):
    struct.pack_into("<B", image.data, image.map_entry_offset(1) + 20, 9)   # the bank's type
    image.reseal_map_chain()


def damage_map_entry_block(image):
    struct.pack_into("<I", image.data, image.map_entry_offset(1), 0x7FFFFFF0)
    image.reseal_map_chain()


def damage_truncate(image):
    del image.data[len(image.data) // 2:]


BAD_IMAGES = [
    (damage_zero, "the disk is blank"),
    (damage_foreign, "not a Cairn image"),
    (damage_version, "format version 3; this kernel reads version 2"),
    (damage_old_version, "format version 1; this kernel reads version 2 (version 1 images "
                         "come from before banks owned their objects: make a new image)"),
    (damage_checksum, "block 0: bad checksum"),
    (damage_root_out_of_range, "points at a root record outside the log"),
    (damage_truncate, "truncated image"),
]

BAD_OBJECTS = [
    (damage_map_entry_type, "map entry of OID 1 is invalid (type 9"),
    (damage_map_entry_block, "map entry of OID 1 is invalid"),
]


def damaged_report(image, damage, command):
    damage(image)
    image.save()
    return cairn_img(command, image.path)


@pytest.mark.parametrize("damage, message", BAD_IMAGES, ids=[d.__name__ for d, _ in BAD_IMAGES])
def test_bad_image_is_refused_with_a_clear_message(image, damage, message):
    status, output = damaged_report(image, damage, "info")
    assert status == 1 and message in output, output


@pytest.mark.parametrize("damage, message", BAD_OBJECTS, ids=[d.__name__ for d, _ in BAD_OBJECTS])
def test_bad_map_entry_is_found_by_verify(image, damage, message):
    status, output = damaged_report(image, damage, "verify")
    assert status == 1 and message in output, output


def test_damaged_page_is_found_by_verify(image):
    leaf, _ = image.map_root()
    block = struct.unpack_from("<I", image.data, image.map_entry_offset(2))[0]
    image.data[block * BLOCK + 100] ^= 1       # a program page: raw data, checked via its map entry
    image.save()
    status, output = cairn_img("verify", image.path)
    assert status == 1 and "OID 2 at block %d: bad checksum" % block in output, output


def test_header_layout_matches_the_c_header():
    assert HEADER.size == 32
