"""The disk drivers in QEMU: the in-kernel disk tests on virtio-blk and ATA, and the bytes they leave in the image file."""

import re

import pytest

STATUS_SUCCESS, STATUS_TEST_FAILURE = 0, 1
IMAGE_MIB = 16
BLOCK_SIZE = 4096
DISK_KTESTS = ["disk_flush_and_size", "disk_ranges_round_trip", "disk_in_flight",
               "disk_out_of_range", "disk_last_block", "disk_host_block_5"]
HOST_BLOCK = 5      # kernel/disk_ktests.c: DISK_KTEST_HOST_BLOCK
DRIVER_NAMES = {"virtio": "virtio-blk", "ide": "ata"}


def host_block_pattern():
    """The 4 KiB that ktest disk_host_block_5 writes (kernel/disk_ktests.c)."""
    magic = b"cairn-disk-test\n"
    return magic + bytes((i * 7 + 3) & 0xFF for i in range(len(magic), BLOCK_SIZE))


def scratch_image(tmp_path, mib=IMAGE_MIB):
    """A sparse raw image of zeros, like `truncate -s 16M`."""
    image = tmp_path / "scratch.img"
    with open(image, "wb") as file:
        file.truncate(mib * 1024 * 1024)
    return image


def boot_with_disk(boot, image, interface, cmdline, kernel_direct=True):
    return boot(cmdline=cmdline, kernel_direct=kernel_direct, disk=image, snapshot=False,
                extra=["--disk-interface", interface])


def ktap_lines(output):
    return re.findall(r"^(not )?ok \d+ (\S+)", output, re.MULTILINE)


@pytest.mark.parametrize("interface, kernel_direct", [
    ("virtio", True), ("virtio", False), ("ide", True),
], ids=["virtio", "virtio-iso", "ide"])
def test_disk_ktests_pass(boot, tmp_path, interface, kernel_direct):
    guest = boot_with_disk(boot, scratch_image(tmp_path), interface,
                           "ktest=" + ",".join(DISK_KTESTS), kernel_direct)
    status = guest.wait_exit()
    assert re.search(r"^disk: %s, %d MiB, flush supported$" % (DRIVER_NAMES[interface], IMAGE_MIB),
                     guest.output, re.MULTILINE), guest.describe()
    results = ktap_lines(guest.output)
    assert sorted(name for _, name in results) == sorted(DISK_KTESTS), guest.describe()
    assert [name for negated, name in results if negated] == [], guest.describe()
    assert status == STATUS_SUCCESS, guest.describe()


@pytest.mark.parametrize("interface", ["virtio", "ide"])
def test_written_block_is_in_the_image_file(boot, tmp_path, interface):
    image = scratch_image(tmp_path)
    guest = boot_with_disk(boot, image, interface, "ktest=disk_host_block_5")
    assert guest.wait_exit() == STATUS_SUCCESS, guest.describe()
    data = image.read_bytes()
    assert len(data) == IMAGE_MIB * 1024 * 1024
    start = HOST_BLOCK * BLOCK_SIZE
    assert data[start:start + BLOCK_SIZE] == host_block_pattern(), \
        "block %d of the image does not hold the ktest's pattern" % HOST_BLOCK
    # Nothing else was written: a wrong sector or block size would land elsewhere.
    assert data[:start].count(0) == start
    assert data[start + BLOCK_SIZE:].count(0) == len(data) - start - BLOCK_SIZE


def test_disk_ktests_fail_clearly_without_a_disk(boot):
    guest = boot(cmdline="ktest=" + ",".join(DISK_KTESTS), kernel_direct=True, disk=None)
    status = guest.wait_exit()
    assert re.search(r"^disk: none$", guest.output, re.MULTILINE), guest.describe()
    results = ktap_lines(guest.output)
    assert len(results) == len(DISK_KTESTS) and all(negated for negated, _ in results), \
        guest.describe()
    assert "no disk attached: boot with tools/cairn-qemu --disk FILE" in guest.output
    assert status == STATUS_TEST_FAILURE


def test_virtio_disk_without_flush_is_refused_for_read_write_use(boot, tmp_path):
    """Write-through cache and config-wce=off: QEMU offers no VIRTIO_BLK_F_FLUSH."""
    image = scratch_image(tmp_path)
    drive = "file=%s,format=raw,if=none,id=scratch,cache=writethrough" % str(image).replace(",", ",,")
    guest = boot(cmdline="ktest=disk_flush_and_size", kernel_direct=True, disk=None,
                 extra=["--", "-drive", drive, "-device", "virtio-blk-pci,drive=scratch,config-wce=off"])
    status = guest.wait_exit()
    assert re.search(r"^warning: disk: virtio-blk, %d MiB, no flush: the store cannot be used "
                     r"read-write, because .*durable" % IMAGE_MIB, guest.output, re.MULTILINE), \
        guest.describe()
    assert re.search(r"^not ok 1 disk_flush_and_size$", guest.output, re.MULTILINE)
    assert status == STATUS_TEST_FAILURE


def test_diskbench_prints_bandwidth(boot, tmp_path):
    guest = boot_with_disk(boot, scratch_image(tmp_path), "virtio", "tick_hz=1000 diskbench=16")
    assert guest.wait_exit() == STATUS_SUCCESS, guest.describe()
    for name in ("sequential write \\+ flush", "sequential read"):
        assert re.search(r"^diskbench: %s: 16 MiB in \d+ ms: \d+\.\d MiB/s$" % name, guest.output,
                         re.MULTILINE), guest.describe()


def test_virtio_disk_behind_a_pci_bridge_is_found(boot, tmp_path):
    """The PCI scan follows bridges: a disk on bus 1, behind a PCI-to-PCI bridge on bus 0."""
    image = scratch_image(tmp_path)
    drive = "file=%s,format=raw,if=none,id=scratch" % str(image).replace(",", ",,")
    guest = boot(cmdline="loglevel=3 ktest=disk_flush_and_size,disk_ranges_round_trip",
                 kernel_direct=True, disk=None,
                 extra=["--", "-device", "pci-bridge,id=bridge1,chassis_nr=1",
                        "-drive", drive, "-device", "virtio-blk-pci,drive=scratch,bus=bridge1,addr=5"])
    status = guest.wait_exit()
    assert re.search(r"^debug: pci: 01:05\.0 1af4:1001 class 01\.00", guest.output, re.MULTILINE), \
        guest.describe()
    assert re.search(r"^disk: virtio-blk, %d MiB, flush supported$" % IMAGE_MIB, guest.output,
                     re.MULTILINE), guest.describe()
    assert status == STATUS_SUCCESS, guest.describe()
