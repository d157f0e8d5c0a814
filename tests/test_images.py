"""The store code against good and bad images, through tools/cairn-img (host only, no QEMU)."""

import shutil
import struct
import subprocess

import pytest

from image_tools import BLOCK, HEADER, ROOT, ROOT_PROGRAMS, Image

CAIRN_IMG = ROOT / "build" / "cairn-img"
FRESH = ROOT / "build" / "fresh.img"
MKIMAGE = ROOT / "build" / "mkimage"


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
    struct.pack_into("<I", image.data, 28, 4)   # superblock header's format_version
    image.reseal(0)


def damage_version_2(image):
    struct.pack_into("<I", image.data, 28, 2)   # an image whose programs were in the root record
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
    (damage_version, "format version 4; this kernel reads version 3"),
    (damage_version_2, "format version 2; this kernel reads version 3 (version 2 images keep "
                       "at most 32 programs in the root record: make a new image)"),
    (damage_old_version, "format version 1; this kernel reads version 3 (version 1 images "
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


# The program table (include/cairn/disk_format.h, format 3): its own blocks, named by checked
# pointers in the root record. Each damage below keeps every CRC right, as a crafted image would.
def program_entry(image, name):
    return image.program_entry_offset(name)


def damage_program_name_unterminated(image):
    image.data[program_entry(image, "counter"):program_entry(image, "counter") + 20] = b"c" * 20
    image.reseal_program_table()
    return "program 'cccccccccccccccccccc' has a name that is not NUL-terminated"


def damage_program_first_page(image):
    limit = image.root_oid_limit()
    struct.pack_into("<I", image.data, program_entry(image, "counter") + 20, limit)
    image.reseal_program_table()
    return "program 'counter' has pages outside the object map (first page or size)"


def damage_program_size(image):
    struct.pack_into("<I", image.data, program_entry(image, "counter") + 24, 0x40000000)
    image.reseal_program_table()
    return "program 'counter' has pages outside the object map (first page or size)"


def damage_program_count(image):
    root = image.root_block() * BLOCK
    struct.pack_into("<I", image.data, root + ROOT_PROGRAMS, 1025)
    image.set_root_pointer(image.root_block(), image.reseal(image.root_block()))
    return "has a program table that does not fit (count, or blocks outside the log)"


def damage_program_block_count(image):
    table_block, _ = image.program_table()[0]
    struct.pack_into("<I", image.data, table_block * BLOCK + HEADER.size + 4, 5)
    image.reseal_program_table()
    return "program-table block 0 at block %d is out of place in the table" % table_block


def damage_program_block_checksum(image):
    table_block, _ = image.program_table()[0]
    image.data[program_entry(image, "counter")] ^= 0x20     # "Counter": its CRC32C is now wrong
    return "block %d: bad checksum" % table_block


BAD_PROGRAM_TABLES = [damage_program_name_unterminated, damage_program_first_page,
                      damage_program_size, damage_program_count, damage_program_block_count,
                      damage_program_block_checksum]


@pytest.mark.parametrize("damage", BAD_PROGRAM_TABLES, ids=[d.__name__ for d in BAD_PROGRAM_TABLES])
def test_a_bad_program_table_is_named_by_info_and_verify(image, damage):
    message = damage(image)
    image.save()
    verify_status, verify = cairn_img("verify", image.path)
    info_status, info = cairn_img("info", image.path)
    assert message in verify + info, (verify, info)
    assert verify_status == 1 or info_status == 1, (verify, info)


def test_two_programs_of_one_name_are_refused_by_mkimage(tmp_path):
    init = ROOT / "build" / "user" / "init.elf"
    (tmp_path / "again").mkdir()
    shutil.copyfile(init, tmp_path / "again" / "init.elf")
    result = subprocess.run([str(MKIMAGE), "-o", str(tmp_path / "two.img"), str(init),
                             str(tmp_path / "again" / "init.elf")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stdout
    assert "two programs are named 'init'" in result.stderr, result.stderr


def test_more_than_1024_programs_are_refused_by_mkimage(tmp_path):
    init = ROOT / "build" / "user" / "init.elf"
    copies = []
    for i in range(1025):
        copy = tmp_path / ("p%d.elf" % i)
        copy.symlink_to(init)
        copies.append(str(copy))
    result = subprocess.run([str(MKIMAGE), "-o", str(tmp_path / "many.img"), "--size", "256"]
                            + copies, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout
    assert "too many programs (at most 1024)" in result.stderr, result.stderr
