"""Magic numbers of the Apple binary formats, and the cheap checks that tell them apart.

Kept apart from the parsers (``macho``, ``ar``) so that sniffing an input's
first bytes imports no parser: an Android scan never needs them.
"""

from __future__ import annotations

import struct
from typing import Final

__all__ = ["FAT_MAGIC", "FAT_MAGIC_64", "MAX_FAT_ARCHS", "AR_MAGIC", "THIN_MAGICS", "FAT_HEADER", "FAT_ARCH", "FAT_ARCH_64",
           "is_thin_macho", "is_fat", "is_ar"]

FAT_MAGIC: Final = 0xCAFEBABE
FAT_MAGIC_64: Final = 0xCAFEBABF
THIN_MAGICS: Final = {
    b"\xfe\xed\xfa\xce": (">", False),
    b"\xce\xfa\xed\xfe": ("<", False),
    b"\xfe\xed\xfa\xcf": (">", True),
    b"\xcf\xfa\xed\xfe": ("<", True),
}

MAX_FAT_ARCHS: Final = 30
"""Real universal binaries have a handful of slices. ``cafebabe`` is also the
magic of Java class files, whose next field (the class-file version, 45 and up)
would read as a slice count, so a larger count means "not Mach-O"."""

FAT_HEADER: Final = struct.Struct(">II")
FAT_ARCH: Final = struct.Struct(">iiIII")
FAT_ARCH_64: Final = struct.Struct(">iiQQII")

AR_MAGIC: Final = b"!<arch>\n"


def is_thin_macho(head: bytes | bytearray | memoryview) -> bool:
    """True for a single-architecture Mach-O header magic of either width and byte order."""
    return len(head) >= 4 and bytes(head[:4]) in THIN_MAGICS


def is_fat(head: bytes | bytearray | memoryview) -> bool:
    """True for a universal (fat) header whose architecture table is plausible.

    Needs the header and table (``8 + 20 * nfat_arch`` bytes, or 32 per entry
    for ``cafebabf``); with fewer bytes only the count is checked.
    """
    if len(head) < 8:
        return False
    magic, count = FAT_HEADER.unpack_from(head, 0)
    if magic not in (FAT_MAGIC, FAT_MAGIC_64) or not 0 < count <= MAX_FAT_ARCHS:
        return False
    entry = FAT_ARCH_64 if magic == FAT_MAGIC_64 else FAT_ARCH
    table_end = 8 + count * entry.size
    for index in range(count):
        at = 8 + index * entry.size
        if at + entry.size > len(head):
            break
        fields = entry.unpack_from(head, at)
        offset, size = fields[2], fields[3]
        # Slices follow the table and are not empty; a Java class file's constant
        # pool read as this table fails one of these almost at once.
        if offset < table_end or size == 0:
            return False
    return True


def is_ar(head: bytes | bytearray | memoryview) -> bool:
    """True for the ``ar`` archive magic."""
    return bytes(head[:8]) == AR_MAGIC
