"""Booting from the store: programs from build/fresh.img, demand paging beyond RAM, bad images refused."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from image_tools import ROOT, Image  # noqa: E402
from test_images import BAD_IMAGES, BAD_OBJECTS  # noqa: E402

MKIMAGE = ROOT / "build" / "mkimage"
FRESH = ROOT / "build" / "fresh.img"
STATUS_FATAL = 2


def test_programs_boot_from_the_fresh_image(boot):
    guest = boot(cmdline="run=counter:2,pingpong:100")
    guest.expect(r"^disk: virtio-blk, 64 MiB, flush supported$")
    guest.expect(r"^store: checkpoint epoch 1 \(superblock A\), \d+ objects, fresh image$")
    guest.expect(r"^init: started counter$")
    guest.expect(r"^init: started pingpong$")
    guest.expect(r"^pingpong: 100 round trips$", timeout=20)


def test_programs_boot_from_an_ata_disk(boot):
    guest = boot(cmdline="run=counter:2", extra=["--disk-interface", "ide"])
    guest.expect(r"^disk: ata")
    guest.expect(r"^counter: 2$", timeout=20)


def test_unknown_program_is_named_and_skipped(boot):
    guest = boot(cmdline="run=nosuch,counter:1")
    guest.expect(r"^warning: run: no program named 'nosuch'; skipped$")
    guest.expect(r"^counter: 1$", timeout=20)


def test_program_reads_96_mib_of_data_with_32_mib_of_ram(boot, tmp_path):
    image = tmp_path / "data.img"
    elfs = sorted(str(p) for p in (ROOT / "build" / "user").glob("*.elf"))
    subprocess.run([str(MKIMAGE), "-o", str(image), "--size", "192", "--data-mib", "96",
                    "--data-seed", "4242"] + elfs, check=True, capture_output=True, timeout=60)
    guest = boot(cmdline="run=datacheck", mem=32, disk=image)
    guest.expect(r"^memory: (2\d|3[0-2]) MiB usable")
    match = guest.expect(r"^datacheck: (96 MiB checked, checksum ok|FAILED.*)", timeout=25)
    assert match.group(1).startswith("96 MiB checked"), guest.describe()
    assert "KERNEL" not in guest.output, guest.describe()


def test_missing_disk_is_refused(boot):
    guest = boot(disk=None)
    guest.expect(r"^cairn: fatal: no disk: Cairn boots from its store")
    assert guest.wait_exit() == STATUS_FATAL


def boot_damaged(boot, tmp_path, damage, fatal_line):
    """Boots a copy of the fresh image after damage; expects fatal_line and a clean fatal stop."""
    path = tmp_path / "bad.img"
    shutil.copyfile(FRESH, path)
    image = Image(path)
    damage(image)
    image.save()
    guest = boot(disk=path, cmdline="run=counter:1")
    guest.expect(r"^cairn: fatal: " + fatal_line)
    assert guest.wait_exit() == STATUS_FATAL, guest.describe()
    assert "KERNEL" not in guest.output and "counter: 1" not in guest.output, guest.describe()


@pytest.mark.parametrize("damage, message", BAD_IMAGES, ids=[d.__name__ for d, _ in BAD_IMAGES])
def test_bad_image_stops_the_kernel_cleanly(boot, tmp_path, damage, message):
    boot_damaged(boot, tmp_path, damage, "cannot boot from the disk: .*" + re.escape(message))


@pytest.mark.parametrize("damage, message", BAD_OBJECTS, ids=[d.__name__ for d, _ in BAD_OBJECTS])
def test_bad_map_entry_stops_the_kernel_cleanly(boot, tmp_path, damage, message):
    boot_damaged(boot, tmp_path, damage, "store: .*" + re.escape(message))


# In-kernel tests of the checkpoint path that need the store up (kernel/ckpt_ktests.c).
STORE_KTESTS = ["ckpt_page_clean_only_when_committed", "ckpt_failed_write_keeps_pages",
                "ckpt_moved_block_goes_only_to_its_page",
                "boot_leaves_the_table_and_map_of_stored_oids_for_later"]


@pytest.mark.parametrize("name", STORE_KTESTS)
def test_store_ktest_passes(boot, name):
    guest = boot(cmdline="ktest=" + name)
    status = guest.wait_exit()
    assert re.search(r"^ok 1 %s$" % name, guest.output, re.MULTILINE), guest.output
    assert re.search(r"^# ktest: 1 passed, 0 failed$", guest.output, re.MULTILINE), guest.output
    assert status == 0, guest.output


def test_ktest_all_leaves_out_the_store_tests(boot):
    guest = boot(cmdline="ktest=all", disk=None, kernel_direct=True)
    guest.wait_exit()
    assert not any(re.search(r"^(not )?ok \d+ %s$" % name, guest.output, re.MULTILINE)
                   for name in STORE_KTESTS), guest.output
