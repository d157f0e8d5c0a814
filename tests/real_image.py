"""Real Cairn images for the tool and corruption tests: `counter` run in QEMU, then the power cut,
and surgery on whichever superblock is in use."""
import shutil
import struct

from conftest import FRESH_IMAGE, Guest
from image_tools import BLOCK, HEADER, ROOT_PROCESSES, Image, crc32c

ROOT_FIELDS = struct.Struct("<QIIIII")     # oid_limit, map_root.block, .crc32c, depth, log_head, flags
MAP_ENTRY = struct.Struct("<IIIIIBB")     # block, crc32c, version, bank, bank_version, type, flags
RECORD_STATE = HEADER.size + 32 + 552 + 16 + 1024    # offset of a process record's state byte
RECORD_CLIST = HEADER.size + 32 + 552 + 16           # offset of its c-list
RECORD_MXCSR = HEADER.size + 32 + 40 + 24            # the MXCSR in its fxsave image


def make_counter_image(workdir, path, lines=30, cmdline="run=counter"):
    """Copies the fresh image to path, runs counter until it printed `lines`, cuts the power."""
    shutil.copyfile(FRESH_IMAGE, path)
    guest = Guest(workdir, cmdline, disk=path, snapshot=False).start()
    try:
        guest.expect(r"^counter: %d$" % lines, timeout=60)
    finally:
        guest.close()
    return path


class LiveImage(Image):
    """An image whose in-use superblock (the newer of A and B) is the one changed."""

    def __init__(self, path):
        super().__init__(path)
        epochs = []
        for number in (0, 1):
            magic, kind, _, epoch, _, _ = self.header(number)
            ok = magic == 0x474D494E52494143 and kind == 1
            epochs.append(epoch if ok else -1)
        self.super_block = 0 if epochs[0] >= epochs[1] else 1

    def superblock(self):
        return struct.unpack_from("<IIIIIIIIII", self.data, self.super_block * BLOCK + HEADER.size)

    def root_block(self):
        return self.superblock()[8]

    def other_root_block(self):
        return struct.unpack_from("<I", self.data, (1 - self.super_block) * BLOCK + HEADER.size + 32)[0]

    def set_root_pointer(self, block, crc):
        struct.pack_into("<II", self.data, self.super_block * BLOCK + HEADER.size + 32, block, crc)
        self.reseal(self.super_block)

    def root_fields(self):
        return ROOT_FIELDS.unpack_from(self.data, self.root_block() * BLOCK + HEADER.size)

    def map_root(self):
        _, block, _, depth, _, _ = self.root_fields()
        return block, depth

    def entry(self, oid):
        """(block, crc32c, version, type, flags) of oid in a depth-0 map."""
        block, crc, version, _, _, kind, flags = MAP_ENTRY.unpack_from(
            self.data, self.map_entry_offset(oid))
        return block, crc, version, kind, flags

    def owner(self, oid):
        """(bank OID, bank version) of oid in a depth-0 map."""
        return MAP_ENTRY.unpack_from(self.data, self.map_entry_offset(oid))[3:5]

    def set_entry(self, oid, block, crc, version, kind, flags=0):
        """Sets oid's entry; the bank it names stays as it was."""
        bank, bank_version = self.owner(oid)
        struct.pack_into("<IIIIIBBH", self.data, self.map_entry_offset(oid), block, crc, version,
                         bank, bank_version, kind, flags, 0)

    def oids_of_type(self, kind):
        limit = self.root_fields()[0]
        return [oid for oid in range(1, limit) if self.entry(oid)[3] == kind]

    def reseal_object(self, oid):
        """After changing oid's record block: reseal it and the map chain up to the superblock."""
        block, _, version, kind, flags = self.entry(oid)
        crc = self.reseal(block)
        self.set_entry(oid, block, crc, version, kind, flags)
        self.reseal_map_chain()

    def process_list(self):
        root = self.root_block() * BLOCK
        count = struct.unpack_from("<I", self.data, root + HEADER.size + 56)[0]
        return list(struct.unpack_from("<%dI" % count, self.data, root + ROOT_PROCESSES))

    def reseal_root(self):
        root = self.root_block()
        self.set_root_pointer(root, self.reseal(root))


def whole_block_crc(image, block):
    return crc32c(image.block(block))
