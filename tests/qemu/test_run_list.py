"""The run list beyond 640 processes (issue 14) and a run list naming a process twice (issue 15)."""

import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from image_tools import BLOCK, HEADER, ROOT_PROCESSES, ROOT_RUN_LIST, Image  # noqa: E402

# struct cairn_root_record (include/cairn/disk_format.h): process_count; processes[] and
# run_list (count, reserved, last.block, last.crc32c) come from image_tools.
ROOT_PROCESS_COUNT = 88
# struct cairn_run_list_block: index, count, previous (8 bytes), then the OIDs.
CHAIN_INDEX = HEADER.size
CHAIN_OIDS = HEADER.size + 16
SUPERBLOCK_ROOT = HEADER.size + 32     # root.block, root.crc32c


def crowd_cut(boot, image, children):
    """Boots a fresh copy with crowd:children, cuts the power once every child has answered
    (the line is shown only once a checkpoint holding all of them is durable)."""
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    first = boot(disk=image, snapshot=False, cmdline="run=crowd:%d ckpt.interval=500" % children)
    first.expect(r"^crowd: %d children started, %d answered$" % (children, children), timeout=90)
    first.close()                                       # SIGKILL: the power goes off


def cairn_img(*arguments):
    return subprocess.run([str(ROOT / "build" / "cairn-img")] + [str(a) for a in arguments],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.timeout(240)
def test_2000_processes_all_resume_after_a_power_cut(tmp_path, boot):
    image = tmp_path / "system.img"
    crowd_cut(boot, image, 2000)
    info = cairn_img("info", image)
    assert "processes to resume: 2002 (640 in the root record, 1362 in a chain of 2 " \
           "run-list blocks" in info.stdout, info.stdout + info.stderr
    verify = cairn_img("verify", image)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    guest = boot(disk=image, snapshot=False)
    # init, crowd and its 2,000 children: every one of them, none dropped.
    guest.expect(r"^resumed checkpoint epoch \d+ .*: 2002 of 2002 processes running, restart 1$",
                 timeout=90)
    guest.expect(r"^crowd: after restart 1, 2000 of 2000 children answered$", timeout=90)


def superblock_in_use(image):
    """The superblock copy (0 or 1) with the newer epoch, and the root record it names."""
    best = None
    for copy in (0, 1):
        epoch = HEADER.unpack_from(image.data, copy * BLOCK)[3]
        root_block = struct.unpack_from("<I", image.data, copy * BLOCK + SUPERBLOCK_ROOT)[0]
        if best is None or epoch > best[1]:
            best = (copy, epoch, root_block)
    return best[0], best[2]


def name_a_process_twice(path):
    """Appends the root record's first process OID to the end of its run-list chain, resealing
    the block, the root record and the superblock: a crafted, well-checksummed image."""
    image = Image(path)
    copy, root = superblock_in_use(image)
    base = root * BLOCK
    count, _, last, _ = struct.unpack_from("<IIII", image.data, base + ROOT_RUN_LIST)
    assert count > 0, "the image has no run-list chain"
    first_oid = struct.unpack_from("<I", image.data, base + ROOT_PROCESSES)[0]
    index, used = struct.unpack_from("<II", image.data, last * BLOCK + CHAIN_INDEX)
    struct.pack_into("<II", image.data, last * BLOCK + CHAIN_INDEX, index, used + 1)
    struct.pack_into("<I", image.data, last * BLOCK + CHAIN_OIDS + 4 * used, first_oid)
    struct.pack_into("<II", image.data, base + ROOT_RUN_LIST, count + 1, 0)
    struct.pack_into("<II", image.data, base + ROOT_RUN_LIST + 8, last, image.reseal(last))
    root_crc = image.reseal(root)
    struct.pack_into("<II", image.data, copy * BLOCK + SUPERBLOCK_ROOT, root, root_crc)
    image.reseal(copy)
    image.save()
    return first_oid


@pytest.mark.timeout(200)
def test_a_process_named_twice_in_the_run_list_resumes_once(tmp_path, boot):
    """issue 15 item 6: queued twice, a process made the run queue lose or loop over others."""
    image = tmp_path / "system.img"
    crowd_cut(boot, image, 700)
    twice = name_a_process_twice(image)
    verify = cairn_img("verify", image)
    assert "run list names process OID %d more than once" % twice in verify.stdout, \
        verify.stdout + verify.stderr
    guest = boot(disk=image, snapshot=False)
    guest.expect(r"^warning: run list: 1 of its entries name a process named before; each process resumes once$",
                 timeout=60)
    guest.expect(r"^resumed checkpoint epoch \d+ .*: 702 of 702 processes running, restart 1$")
    guest.expect(r"^crowd: after restart 1, 700 of 700 children answered$", timeout=60)
