"""Reading and damaging Cairn images from the tests, following include/cairn/disk_format.h."""
import struct

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = 4096
MAGIC = 0x474D494E52494143
HEADER = struct.Struct("<QIIQII")          # magic, type, crc32c, epoch, block, format_version
CRC_OFFSET = 12
TYPE_SUPERBLOCK, TYPE_ROOT, TYPE_MAP_LEAF, TYPE_MAP_INTERIOR, TYPE_OBJECT = 1, 2, 3, 4, 5
SUPERBLOCK_FIELDS = struct.Struct("<IIIIIIIIII")   # after the header: ... root.block, root.crc32c
ROOT_MAP = struct.Struct("<QIII")                  # oid_limit, map_root.block, .crc32c, map_depth
FORMAT_VERSION = 3
# Offsets in struct cairn_root_record (format 3), from its start.
ROOT_DATA = HEADER.size + 64                       # data: first_page, page_count, checksum
ROOT_PROGRAMS = ROOT_DATA + 16                     # programs: count, reserved, blocks[9]
ROOT_PROCESSES = ROOT_PROGRAMS + 80                # processes[640]
ROOT_CONSOLE_BLOCKS = 2848                         # console.blocks[16]
ROOT_RUN_LIST = 2992                               # run_list: count, reserved, last
ROOT_FRAMES_BLOCKS = 3032                          # frames.blocks[14] (held network frames)
TYPE_PROGRAM_TABLE = 8
PROGRAM_BLOCK_ENTRIES = 126
PROGRAM_TABLE_ENTRIES = HEADER.size + 16           # programs[126] in a program-table block
PROGRAM_ENTRY = struct.Struct("<20sIII")           # name, first_page, size, reserved


def _crc_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
        table.append(crc)
    return table


_TABLE = _crc_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ byte) & 0xFF]
    return crc ^ 0xFFFFFFFF


class Image:
    """A Cairn image file opened for reading and surgery."""

    def __init__(self, path):
        self.path = Path(path)
        self.data = bytearray(self.path.read_bytes())

    def save(self):
        self.path.write_bytes(bytes(self.data))

    def block(self, number):
        return self.data[number * BLOCK:(number + 1) * BLOCK]

    def put_block(self, number, content):
        self.data[number * BLOCK:(number + 1) * BLOCK] = content

    def header(self, number):
        return HEADER.unpack_from(self.data, number * BLOCK)

    def reseal(self, number):
        """Recomputes a metadata block's CRC32C after a change; returns the whole-block CRC."""
        start = number * BLOCK
        struct.pack_into("<I", self.data, start + CRC_OFFSET, 0)
        struct.pack_into("<I", self.data, start + CRC_OFFSET, crc32c(self.block(number)))
        return crc32c(self.block(number))

    def superblock(self):
        return SUPERBLOCK_FIELDS.unpack_from(self.data, HEADER.size)

    def root_block(self):
        return self.superblock()[8]

    def set_root_pointer(self, block, crc):
        struct.pack_into("<II", self.data, HEADER.size + 32, block, crc)
        self.reseal(0)

    def map_root(self):
        oid_limit, block, crc, depth = ROOT_MAP.unpack_from(self.data, self.root_block() * BLOCK + HEADER.size)
        return block, depth

    def root_oid_limit(self):
        return ROOT_MAP.unpack_from(self.data, self.root_block() * BLOCK + HEADER.size)[0]

    def set_map_root_pointer(self, block, crc):
        root = self.root_block()
        struct.pack_into("<II", self.data, root * BLOCK + HEADER.size + 8, block, crc)
        self.set_root_pointer(root, self.reseal(root))

    def program_table(self):
        """The (block, crc32c) pointers of the root record's program table, the blocks in use."""
        root = self.root_block() * BLOCK
        count = struct.unpack_from("<I", self.data, root + ROOT_PROGRAMS)[0]
        used = -(-count // PROGRAM_BLOCK_ENTRIES)
        return [struct.unpack_from("<II", self.data, root + ROOT_PROGRAMS + 8 + 8 * i)
                for i in range(used)]

    def program_entry_offset(self, name):
        """Byte offset of the named program's entry in its program-table block."""
        for table_block, _ in self.program_table():
            start = table_block * BLOCK
            count = struct.unpack_from("<I", self.data, start + HEADER.size + 4)[0]
            for i in range(count):
                offset = start + PROGRAM_TABLE_ENTRIES + PROGRAM_ENTRY.size * i
                if PROGRAM_ENTRY.unpack_from(self.data, offset)[0].split(b"\0")[0] == name.encode():
                    return offset
        raise AssertionError("no program %s in the image" % name)

    def program(self, name):
        """(first_page, size) of the named program."""
        _, first_page, size, _ = PROGRAM_ENTRY.unpack_from(self.data, self.program_entry_offset(name))
        return first_page, size

    def reseal_program_table(self):
        """After changing program-table blocks: reseal them, their pointers, the root record,
        the superblock."""
        root = self.root_block()
        for index, (table_block, _) in enumerate(self.program_table()):
            struct.pack_into("<II", self.data, root * BLOCK + ROOT_PROGRAMS + 8 + 8 * index,
                             table_block, self.reseal(table_block))
        self.set_root_pointer(root, self.reseal(root))

    LEAF_ENTRIES = 169

    def map_leaves(self):
        """The leaf blocks of a map of depth 0 or 1 (the tests' images are no larger)."""
        root, depth = self.map_root()
        assert depth <= 1, "the tests' images have maps of depth 0 or 1"
        if depth == 0:
            return [root]
        leaves = []
        for child in range((BLOCK - HEADER.size) // 8):
            block, _ = struct.unpack_from("<II", self.data, root * BLOCK + HEADER.size + 8 * child)
            if not block:
                break
            leaves.append(block)
        return leaves

    def map_entry_offset(self, oid):
        """Byte offset of oid's entry in its map leaf."""
        leaf = self.map_leaves()[oid // self.LEAF_ENTRIES]
        return leaf * BLOCK + HEADER.size + 24 * (oid % self.LEAF_ENTRIES)

    def reseal_map_chain(self):
        """After changing map leaves: reseal them, the interior node, the root record, the
        superblock."""
        root, depth = self.map_root()
        if depth == 0:
            self.set_map_root_pointer(root, self.reseal(root))
            return
        for child, leaf in enumerate(self.map_leaves()):
            struct.pack_into("<II", self.data, root * BLOCK + HEADER.size + 8 * child, leaf,
                             self.reseal(leaf))
        self.set_map_root_pointer(root, self.reseal(root))
