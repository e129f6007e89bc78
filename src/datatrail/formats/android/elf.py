"""A small, bounded reader for ELF files (Android native libraries): section
headers and the printable strings in data sections. No symbols, no code.

Endpoints hidden in native code live in ``.rodata`` (string literals) and
sometimes ``.data`` (initialised arrays of chars), so that is all we read.
Layouts follow the System V ABI (``elf.h``)::

    e_ident[16]: 7f 'E' 'L' 'F', EI_CLASS (1 = 32-bit, 2 = 64-bit), EI_DATA (1 = LE, 2 = BE)
    Elf32_Ehdr after e_ident: H type, H machine, I version, I entry, I phoff, I shoff,
                              I flags, H ehsize, H phentsize, H phnum, H shentsize, H shnum, H shstrndx
    Elf64_Ehdr:               the same with entry, phoff, shoff widened to Q
    Elf32_Shdr (40 bytes):    I name, I type, I flags, I addr, I offset, I size, I link, I info, I addralign, I entsize
    Elf64_Shdr (64 bytes):    I name, I type, Q flags, Q addr, Q offset, Q size, I link, I info, Q addralign, Q entsize

A library is attacker-controlled input: every count and offset is checked
against the file before use, odd values become entries in ``problems`` rather
than exceptions, and when the section headers are unusable (stripped with
``sstrip``, packed, truncated) :func:`string_runs` falls back to scanning the
whole file the way ``strings -a`` does.
"""

from __future__ import annotations

import mmap
import re
import struct
from typing import Final, Iterator, NamedTuple

__all__ = [
    "ELF_MAGIC",
    "SHT_NOBITS",
    "ElfSection",
    "ElfInfo",
    "StringRun",
    "is_elf",
    "read_elf",
    "printable_runs",
    "string_runs",
]

ELF_MAGIC: Final = b"\x7fELF"
SHT_NOBITS: Final = 8
"""Section type of ``.bss``-like sections, which occupy no bytes in the file."""

_SHN_XINDEX: Final = 0xFFFF
_SHN_LORESERVE: Final = 0xFF00

# (header-after-ident, section header) for each (class, data) pair.
_EHDR: Final = {
    (1, "<"): struct.Struct("<HHIIIIIHHHHHH"),
    (1, ">"): struct.Struct(">HHIIIIIHHHHHH"),
    (2, "<"): struct.Struct("<HHIQQQIHHHHHH"),
    (2, ">"): struct.Struct(">HHIQQQIHHHHHH"),
}
_SHDR: Final = {
    (1, "<"): struct.Struct("<IIIIIIIIII"),
    (1, ">"): struct.Struct(">IIIIIIIIII"),
    (2, "<"): struct.Struct("<IIQQQQIIQQ"),
    (2, ">"): struct.Struct(">IIQQQQIIQQ"),
}
_IDENT_SIZE: Final = 16

MAX_SECTIONS: Final = 1 << 16
"""Real libraries have tens of sections; the ELF format itself tops out at 65535
without extended numbering, so a larger count is forged and is cut here."""
_MAX_NAME: Final = 256

DEFAULT_MAX_SCAN: Final = 64 << 20
"""Most bytes :func:`string_runs` scans in one file (64 MiB)."""

_Data = bytes | bytearray | memoryview | mmap.mmap


class ElfSection(NamedTuple):
    number: int
    """Position in the section header table (``index`` would shadow ``tuple.index``)."""
    name: str
    type: int
    flags: int
    offset: int
    size: int
    """Size the header claims; ``file_size`` is what the file really holds."""
    file_size: int
    """Bytes of this section present in the file: 0 for NOBITS, cut at end of file."""


class ElfInfo(NamedTuple):
    bits: int
    """32 or 64."""
    little_endian: bool
    machine: int
    """``e_machine`` (40 ARM, 183 AArch64, 3 x86, 62 x86-64, 8 MIPS)."""
    sections: tuple[ElfSection, ...]
    problems: tuple[str, ...]
    """What was odd about the headers, in reading order; empty for a well-formed file."""

    def section(self, name: str) -> ElfSection | None:
        """The first section called ``name``."""
        return next((s for s in self.sections if s.name == name), None)


class StringRun(NamedTuple):
    section: str
    """Section the run came from, or ``""`` for a whole-file scan."""
    offset: int
    """File offset of the run's first byte."""
    text: str


def is_elf(head: bytes | bytearray | memoryview) -> bool:
    """True for an ELF identification: magic, a known class and byte order."""
    return len(head) >= 6 and bytes(head[:4]) == ELF_MAGIC and head[4] in (1, 2) and head[5] in (1, 2)


def read_elf(data: _Data) -> ElfInfo | None:
    """Read the ELF and section headers; None when ``data`` is not ELF at all.

    Never raises for damaged input: sections that cannot be read are left out
    and ``problems`` says why.
    """
    size = len(data)
    if size < _IDENT_SIZE or not is_elf(data[:6]):
        return None
    cls = data[4]
    order = "<" if data[5] == 1 else ">"
    ehdr = _EHDR[(cls, order)]
    problems: list[str] = []
    if size < _IDENT_SIZE + ehdr.size:
        return ElfInfo(32 * cls, order == "<", 0, (), ("file ends inside the ELF header",))
    (_type, machine, _version, _entry, _phoff, shoff, _flags, _ehsize, _phentsize, _phnum,
     shentsize, shnum, shstrndx) = ehdr.unpack_from(data, _IDENT_SIZE)
    shdr = _SHDR[(cls, order)]
    info = ElfInfo(32 * cls, order == "<", machine, (), ())
    if shoff == 0:
        return _with(info, (), ["no section header table"])
    if shentsize < shdr.size:
        return _with(info, (), [f"section header entry size {shentsize} is below {shdr.size}"])
    if shoff >= size:
        return _with(info, (), [f"section header table offset 0x{shoff:x} is past the end of the file"])

    def header(index: int) -> tuple[int, ...] | None:
        at = shoff + index * shentsize
        if at + shdr.size > size:
            return None
        return shdr.unpack_from(data, at)

    if shnum == 0 or shstrndx == _SHN_XINDEX:
        # Extended numbering keeps the real values in section 0's size and link.
        first = header(0)
        if first is None:
            return _with(info, (), ["section header 0 is past the end of the file"])
        if shnum == 0:
            shnum = first[5]
        if shstrndx == _SHN_XINDEX:
            shstrndx = first[6]
    if shnum > MAX_SECTIONS:
        problems.append(f"{shnum} sections claimed; the first {MAX_SECTIONS} read")
        shnum = MAX_SECTIONS
    available = (size - shoff) // shentsize
    if shnum > available:
        problems.append(f"{shnum} section headers claimed, {available} fit in the file")
        shnum = available

    raw = [header(i) for i in range(shnum)]
    names_off = names_end = 0
    if 0 < shstrndx < shnum and shstrndx < _SHN_LORESERVE and (strtab := raw[shstrndx]) is not None:
        if strtab[1] != SHT_NOBITS and strtab[4] < size:
            names_off = strtab[4]
            names_end = min(size, strtab[4] + strtab[5])
        else:
            problems.append(f"section name table (section {shstrndx}) lies outside the file")
    elif shnum:
        problems.append(f"section name table index {shstrndx} is not a section")

    sections: list[ElfSection] = []
    clipped = 0
    for index, fields in enumerate(raw):
        if fields is None:
            continue
        name_idx, sh_type, sh_flags, _addr, sh_offset, sh_size = fields[:6]
        name = _name(data, names_off, names_end, name_idx) if names_end else ""
        if sh_type == SHT_NOBITS or index == 0:
            file_size = 0
        elif sh_offset >= size:
            file_size = 0
            clipped += 1
        else:
            file_size = min(sh_size, size - sh_offset)
            if file_size < sh_size:
                clipped += 1
        sections.append(ElfSection(index, name, sh_type, sh_flags, sh_offset, sh_size, file_size))
    if clipped:
        problems.append(f"{clipped} section(s) run past the end of the file; cut there")
    return _with(info, tuple(sections), problems)


def _with(info: ElfInfo, sections: tuple[ElfSection, ...], problems: list[str]) -> ElfInfo:
    return ElfInfo(info.bits, info.little_endian, info.machine, sections, tuple(problems))


def _name(data: _Data, start: int, end: int, index: int) -> str:
    at = start + index
    if at >= end:
        return ""
    stop = min(end, at + _MAX_NAME)
    chunk = bytes(data[at:stop])
    nul = chunk.find(b"\0")
    return (chunk if nul < 0 else chunk[:nul]).decode("ascii", "replace")


_RUN_CACHE: dict[int, re.Pattern[bytes]] = {}


def _run_pattern(min_length: int) -> re.Pattern[bytes]:
    pattern = _RUN_CACHE.get(min_length)
    if pattern is None:
        # Printable ASCII plus tab: the character set of GNU ``strings``.
        pattern = re.compile(rb"[\t\x20-\x7e]{%d,}" % min_length)
        _RUN_CACHE[min_length] = pattern
    return pattern


def printable_runs(data: _Data, min_length: int = 6, start: int = 0, end: int | None = None) -> Iterator[tuple[int, str]]:
    """``(offset, text)`` for each run of at least ``min_length`` printable ASCII
    characters in ``data[start:end]``, offsets relative to ``data``."""
    stop = len(data) if end is None else min(end, len(data))
    if start >= stop:
        return
    view = memoryview(data)[start:stop] if not isinstance(data, memoryview) else data[start:stop]
    try:
        for match in _run_pattern(max(1, min_length)).finditer(view):
            yield start + match.start(), match.group().decode("ascii")
    finally:
        view.release()


def _is_string_section(section: ElfSection) -> bool:
    # .rodata holds literals (.rodata.str1.1 etc. in unlinked objects); .data
    # holds initialised char arrays. Other .data.* sections are pointer tables.
    return section.file_size > 0 and (section.name.startswith(".rodata") or section.name == ".data")


def string_runs(data: _Data, min_length: int = 6, max_bytes: int = DEFAULT_MAX_SCAN) -> Iterator[StringRun]:
    """Printable runs from the string-bearing sections of an ELF file.

    Falls back to a whole-file scan (section ``""``) when the file is not ELF,
    has no usable section headers, or none of its string sections lies in the
    file. At most ``max_bytes`` are scanned either way.
    """
    info = read_elf(data)
    ranges: list[tuple[str, int, int]] = []
    if info is not None:
        seen: set[tuple[int, int]] = set()
        for section in info.sections:
            if _is_string_section(section):
                span = (section.offset, section.offset + section.file_size)
                if span not in seen:  # forged headers may repeat a section
                    seen.add(span)
                    ranges.append((section.name, span[0], span[1]))
    if not ranges:
        ranges = [("", 0, len(data))]
    budget = max_bytes
    for name, start, end in ranges:
        if budget <= 0:
            return
        end = min(end, start + budget)
        budget -= end - start
        for offset, text in printable_runs(data, min_length, start, end):
            yield StringRun(name, offset, text)
