"""A bounded reader for Mach-O files (iOS and macOS executables, dylibs,
bundles and the object files inside static libraries), thin or fat.

What it reads is what a privacy scan needs: the CPU of each slice, linked
dylibs and rpaths, the frameworks an object file auto-links, the minimum OS,
encryption state, UUID, where the code signature lies, the string sections,
Objective-C class names, the symbol table and the export trie.
:func:`macho_objects` also opens static libraries (``ar``, and fat files of
``ar`` slices) and yields each object inside. Layouts follow ``<mach-o/loader.h>``, ``<mach-o/fat.h>`` and
``<mach-o/nlist.h>``::

    fat_header (big-endian):  I magic (cafebabe / cafebabf for 64-bit offsets), I nfat_arch
    fat_arch:                 i cputype, i cpusubtype, I offset, I size, I align
    fat_arch_64:              i cputype, i cpusubtype, Q offset, Q size, I align, I reserved
    mach_header(_64):         I magic, i cputype, i cpusubtype, I filetype, I ncmds, I sizeofcmds,
                              I flags (+ I reserved on 64-bit)
    load_command:             I cmd, I cmdsize, then cmd-specific fields
    segment_command(_64):     16s segname, vmaddr, vmsize, fileoff, filesize (I or Q),
                              i maxprot, i initprot, I nsects, I flags; then nsects sections
    section(_64):             16s sectname, 16s segname, addr, size (I or Q), I offset, I align,
                              I reloff, I nreloc, I flags, I reserved1, I reserved2 (+ I reserved3)
    nlist(_64):               I n_strx, B n_type, B n_sect, H n_desc, n_value (I or Q)

A binary is attacker-controlled input: every count and offset is checked
against the bytes that exist, damaged parts become diagnostics in the log and
are left out, and whatever could still be read is returned.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Final, Iterator

from datatrail.errors import CorruptInput, InputError, UnsupportedInput
from datatrail.formats.apple.ar import is_ar, iter_ar
from datatrail.formats.common.buffer import Buffer, as_buffer
from datatrail.formats.common.magic import FAT_ARCH as _FAT_ARCH
from datatrail.formats.common.magic import FAT_ARCH_64 as _FAT_ARCH_64
from datatrail.formats.common.magic import FAT_HEADER as _FAT_HEADER
from datatrail.formats.common.magic import FAT_MAGIC, FAT_MAGIC_64, MAX_FAT_ARCHS, is_fat, is_thin_macho
from datatrail.formats.common.magic import THIN_MAGICS as _THIN_MAGICS
from datatrail.model.diagnostic import DiagnosticLog, Level, Tally

__all__ = [
    "MAX_FAT_ARCHS",
    "MachOSection",
    "MachOSegment",
    "MachOSlice",
    "MachOFile",
    "FatArch",
    "cpu_name",
    "is_macho",
    "is_fat",
    "is_thin_macho",
    "read_fat_archs",
    "parse_macho",
    "parse_slice",
    "macho_objects",
]

MAX_LOAD_COMMANDS: Final = 1 << 16
MAX_SECTIONS_PER_SEGMENT: Final = 1 << 12
MAX_SYMBOLS: Final = 1 << 21
"""Most symbol-table (or export-trie) entries read from one slice (2 Mi); big apps have a few hundred thousand."""
_MAX_NAME: Final = 4096


_CPU_ARCH_ABI64: Final = 0x01000000
_CPU_ARCH_ABI64_32: Final = 0x02000000
_CPU_TYPE_X86: Final = 7
_CPU_TYPE_ARM: Final = 12
_CPU_TYPE_POWERPC: Final = 18
_CPU_SUBTYPE_MASK: Final = 0x00FFFFFF

_ARM_SUBTYPES: Final = {
    5: "armv4t", 6: "armv6", 7: "armv5", 8: "xscale", 9: "armv7", 10: "armv7f", 11: "armv7s",
    12: "armv7k", 13: "armv8", 14: "armv6m", 15: "armv7m", 16: "armv7em",
}
_FILETYPES: Final = {
    1: "object", 2: "execute", 3: "fvmlib", 4: "core", 5: "preload", 6: "dylib", 7: "dylinker",
    8: "bundle", 9: "dylib_stub", 10: "dsym", 11: "kext_bundle", 12: "fileset",
}
_PLATFORMS: Final = {
    1: "macos", 2: "ios", 3: "tvos", 4: "watchos", 5: "bridgeos", 6: "maccatalyst", 7: "iossimulator",
    8: "tvossimulator", 9: "watchossimulator", 10: "driverkit", 11: "visionos", 12: "visionossimulator",
}

LC_SEGMENT: Final = 0x1
LC_SYMTAB: Final = 0x2
LC_LOAD_DYLIB: Final = 0xC
LC_ID_DYLIB: Final = 0xD
LC_SEGMENT_64: Final = 0x19
LC_UUID: Final = 0x1B
LC_CODE_SIGNATURE: Final = 0x1D
LC_LAZY_LOAD_DYLIB: Final = 0x20
LC_ENCRYPTION_INFO: Final = 0x21
LC_VERSION_MIN_MACOSX: Final = 0x24
LC_VERSION_MIN_IPHONEOS: Final = 0x25
LC_ENCRYPTION_INFO_64: Final = 0x2C
LC_LINKER_OPTION: Final = 0x2D
LC_VERSION_MIN_TVOS: Final = 0x2F
LC_VERSION_MIN_WATCHOS: Final = 0x30
LC_BUILD_VERSION: Final = 0x32
LC_REQ_DYLD: Final = 0x80000000
LC_LOAD_WEAK_DYLIB: Final = 0x18 | LC_REQ_DYLD
LC_RPATH: Final = 0x1C | LC_REQ_DYLD
LC_REEXPORT_DYLIB: Final = 0x1F | LC_REQ_DYLD
LC_LOAD_UPWARD_DYLIB: Final = 0x23 | LC_REQ_DYLD
LC_DYLD_CHAINED_FIXUPS: Final = 0x34 | LC_REQ_DYLD
LC_DYLD_INFO: Final = 0x22
LC_DYLD_INFO_ONLY: Final = 0x22 | LC_REQ_DYLD
LC_DYLD_EXPORTS_TRIE: Final = 0x33 | LC_REQ_DYLD

_DYLIB_COMMANDS: Final = frozenset(
    {LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB, LC_LAZY_LOAD_DYLIB, LC_LOAD_UPWARD_DYLIB}
)
_VERSION_MIN: Final = {
    LC_VERSION_MIN_MACOSX: "macos",
    LC_VERSION_MIN_IPHONEOS: "ios",
    LC_VERSION_MIN_TVOS: "tvos",
    LC_VERSION_MIN_WATCHOS: "watchos",
}

# Section types (low byte of flags) whose bytes are not in the file.
_ZEROFILL_TYPES: Final = frozenset({0x1, 0xC, 0x12})
_N_STAB: Final = 0xE0
_N_TYPE: Final = 0x0E
_N_UNDF: Final = 0x0

_STRING_SEGMENTS: Final = frozenset({"__TEXT", "__RODATA"})
_CSTRING_SECTIONS: Final = (
    "__cstring",
    "__objc_classname",
    "__objc_methname",
    "__objc_methtype",
    "__oslogstring",
    "__swift5_reflstr",
)
_USTRING_SECTION: Final = "__ustring"
"""UTF-16 literals: the targets of ``__cfstring`` entries that are not plain ASCII."""


@dataclass(frozen=True, slots=True)
class MachOSegment:
    name: str
    vmaddr: int
    vmsize: int
    fileoff: int
    """Offset of the segment's bytes from the start of the slice."""
    filesize: int


@dataclass(frozen=True, slots=True)
class MachOSection:
    segment: str
    name: str
    addr: int
    size: int
    """Size the header claims."""
    offset: int
    """Offset from the start of the slice."""
    file_size: int
    """Bytes present in the slice: 0 for zero-fill sections, cut at the end of the slice."""
    flags: int


@dataclass(frozen=True, slots=True)
class FatArch:
    """One entry of a universal binary's architecture table."""

    cpu: str
    cputype: int
    cpusubtype: int
    offset: int
    size: int


@dataclass(frozen=True, slots=True)
class MachOSlice:
    """One architecture's Mach-O image. Offsets are relative to the slice start.

    The heavy parts (strings, symbols, class names) are read on demand from
    the buffer the slice was parsed from.
    """

    cpu: str
    """``arm64``, ``arm64e``, ``x86_64``, ``armv7``, ``i386``... or ``cpu:<type>`` when unknown."""
    filetype: str
    """``execute``, ``dylib``, ``bundle``, ``object``... or ``filetype:<n>``."""
    dylibs: tuple[str, ...]
    """Install names of linked dylibs (load, weak, re-export, lazy and upward), in load order."""
    rpaths: tuple[str, ...]
    min_os: tuple[str, str] | None
    """``(platform, version)`` from LC_BUILD_VERSION or LC_VERSION_MIN_*, e.g. ``("ios", "13.0")``."""
    encrypted: bool
    """True when LC_ENCRYPTION_INFO(_64) has a non-zero cryptid: App Store FairPlay encryption."""
    encryption: tuple[int, int, int] | None
    """``(cryptoff, cryptsize, cryptid)`` when the command exists."""
    uuid: str | None
    """Upper-case, dashed, as ``dwarfdump --uuid`` and ``otool -l`` print it."""
    code_signature: tuple[int, int] | None
    """``(dataoff, datasize)`` of LC_CODE_SIGNATURE, relative to the slice start."""
    install_name: str | None = None
    """LC_ID_DYLIB of a dylib or framework."""
    weak_dylibs: tuple[str, ...] = ()
    """The dylibs linked weakly (LC_LOAD_WEAK_DYLIB): optional at run time, also listed in ``dylibs``."""
    linker_options: tuple[tuple[str, ...], ...] = ()
    """LC_LINKER_OPTION arguments, one tuple per command (``("-framework", "CoreTelephony")``,
    ``("-lz",)``): the system libraries an object file in a static library asks to be linked with."""
    sdk: str | None = None
    """SDK version the slice was built against, when recorded."""
    is64: bool = True
    little_endian: bool = True
    segments: tuple[MachOSegment, ...] = ()
    sections: tuple[MachOSection, ...] = ()
    symtab: tuple[int, int, int, int] | None = None
    """``(symoff, nsyms, stroff, strsize)`` of LC_SYMTAB."""
    exports_trie: tuple[int, int] | None = None
    """``(offset, size)`` of the dyld export trie (LC_DYLD_INFO or LC_DYLD_EXPORTS_TRIE)."""
    chained_fixups: bool = False
    """Whether pointers in data are encoded as dyld chained fixups (iOS 15+ builds)."""
    base: int = 0
    """Offset of the slice in ``data``."""
    size: int = 0
    """Bytes of the slice present in ``data``."""
    data: Buffer = field(default=b"", repr=False, compare=False, hash=False)

    # ------------------------------------------------------------ raw access

    def read(self, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes at slice offset ``offset``, cut at the end of the slice."""
        if offset < 0 or length <= 0 or offset >= self.size:
            return b""
        end = min(self.size, offset + length)
        return bytes(self.data[self.base + offset : self.base + end])

    def section(self, segment: str, name: str) -> MachOSection | None:
        """The first section called ``segment,name``."""
        return next((s for s in self.sections if s.name == name and s.segment == segment), None)

    def sections_named(self, name: str) -> tuple[MachOSection, ...]:
        """Every section called ``name`` in any segment (``__objc_classlist`` moves between
        ``__DATA`` and ``__DATA_CONST``)."""
        return tuple(s for s in self.sections if s.name == name)

    def file_offset(self, vmaddr: int) -> int | None:
        """Slice offset holding virtual address ``vmaddr``, if a segment maps it from the file."""
        for seg in self.segments:
            if seg.filesize and seg.vmaddr <= vmaddr < seg.vmaddr + min(seg.vmsize, seg.filesize):
                return seg.fileoff + (vmaddr - seg.vmaddr)
        if not self.segments:
            # Object files have one unnamed segment; sections carry their own addresses.
            for sec in self.sections:
                if sec.file_size and sec.addr <= vmaddr < sec.addr + sec.file_size:
                    return sec.offset + (vmaddr - sec.addr)
        return None

    @property
    def image_base(self) -> int:
        """Virtual address of the Mach-O header (the ``__TEXT`` segment's vmaddr)."""
        for seg in self.segments:
            if seg.fileoff == 0 and seg.filesize:
                return seg.vmaddr
        return 0

    def readable_ranges(self, start: int, end: int) -> list[tuple[int, int]]:
        """``[start, end)`` cut to the slice and with the encrypted range taken out."""
        end = min(end, self.size)
        if start >= end:
            return []
        if not self.encrypted or self.encryption is None:
            return [(start, end)]
        c_start, c_size, _ = self.encryption
        c_end = c_start + c_size
        out = []
        if start < c_start:
            out.append((start, min(end, c_start)))
        if end > c_end:
            out.append((max(start, c_end), end))
        return [(a, b) for a, b in out if a < b]

    def linked_frameworks(self) -> tuple[str, ...]:
        """Framework names the object auto-links (``-framework`` / ``-weak_framework``), each once."""
        names: dict[str, None] = {}
        for option in self.linker_options:
            for flag, value in zip(option, option[1:]):
                if flag in ("-framework", "-weak_framework"):
                    names.setdefault(value, None)
        return tuple(names)

    def code_signature_blob(self) -> bytes:
        """The LC_CODE_SIGNATURE bytes (a SuperBlob for :func:`parse_code_signature`), or empty."""
        if self.code_signature is None:
            return b""
        dataoff, datasize = self.code_signature
        return self.read(dataoff, datasize)

    # --------------------------------------------------------------- strings

    def cstrings(self, min_len: int = 4) -> Iterator[str]:
        """NUL-terminated strings of at least ``min_len`` characters from the string
        sections (C literals, Objective-C class/selector/type names, os_log formats,
        Swift reflection names) and the UTF-16 ``__ustring`` literals, in section order.

        Bytes inside an encrypted range are ciphertext and are skipped.
        """
        min_len = max(1, min_len)
        for sec in self.sections:
            if sec.segment not in _STRING_SEGMENTS or not sec.file_size:
                continue
            if sec.name in _CSTRING_SECTIONS:
                for start, end in self.readable_ranges(sec.offset, sec.offset + sec.file_size):
                    yield from _split_cstrings(self.read(start, end - start), min_len)
            elif sec.name == _USTRING_SECTION:
                for start, end in self.readable_ranges(sec.offset, sec.offset + sec.file_size):
                    yield from _split_ustrings(self.read(start, end - start), min_len, self.little_endian)

    # --------------------------------------------------------------- symbols

    def symbols(self, limit: int = MAX_SYMBOLS) -> tuple[str, ...]:
        """Names in LC_SYMTAB, defined and undefined, in table order, without
        debugger (stab) entries; at most ``limit``."""
        return tuple(name for name, _defined in self.symbol_entries(limit))

    def undefined_symbols(self, limit: int = MAX_SYMBOLS) -> tuple[str, ...]:
        """Symbols the slice imports (what it uses from other libraries)."""
        return tuple(name for name, defined in self.symbol_entries(limit) if not defined)

    def defined_symbols(self, limit: int = MAX_SYMBOLS) -> tuple[str, ...]:
        """Symbols the slice defines itself."""
        return tuple(name for name, defined in self.symbol_entries(limit) if defined)

    def exported_symbols(self, limit: int = MAX_SYMBOLS) -> tuple[str, ...]:
        """Names in the dyld export trie, in trie order: what a dylib or framework offers
        to others, present even when the symbol table has been stripped."""
        if self.exports_trie is None:
            return ()
        offset, size = self.exports_trie
        return tuple(_walk_export_trie(self.read(offset, size), limit))

    def symbol_entries(self, limit: int = MAX_SYMBOLS) -> Iterator[tuple[str, bool]]:
        """``(name, defined)`` per non-stab LC_SYMTAB entry, at most ``limit``."""
        if self.symtab is None:
            return
        symoff, nsyms, stroff, strsize = self.symtab
        entry = struct.Struct(("<" if self.little_endian else ">") + ("IBBHQ" if self.is64 else "IBBHI"))
        nsyms = min(nsyms, limit, max(0, self.size - symoff) // entry.size)
        if nsyms <= 0:
            return
        table = self.read(symoff, nsyms * entry.size)
        strings = self.read(stroff, strsize)
        for strx, n_type, _sect, _desc, _value in entry.iter_unpack(table):
            if n_type & _N_STAB or strx >= len(strings) or strx == 0:
                continue
            end = strings.find(b"\0", strx, strx + _MAX_NAME)
            raw = strings[strx : end if end >= 0 else strx + _MAX_NAME]
            if raw:
                yield raw.decode("utf-8", "replace"), (n_type & _N_TYPE) != _N_UNDF


@dataclass(frozen=True, slots=True)
class MachOFile:
    slices: tuple[MachOSlice, ...]
    """One for a thin file, one per readable architecture for a fat file."""
    fat: bool

    def cstrings(self, min_len: int = 4) -> Iterator[str]:
        """Strings of every slice, each once (slices of one binary mostly repeat each other)."""
        seen: set[str] = set()
        for sl in self.slices:
            for text in sl.cstrings(min_len):
                if text not in seen:
                    seen.add(text)
                    yield text

    @property
    def encrypted(self) -> bool:
        return any(sl.encrypted for sl in self.slices)

    def preferred(self) -> MachOSlice | None:
        """The slice to report on when one is enough: arm64, then arm64e, then the first."""
        for cpu in ("arm64", "arm64e"):
            for sl in self.slices:
                if sl.cpu == cpu:
                    return sl
        return self.slices[0] if self.slices else None


# ------------------------------------------------------------------ sniffing

def cpu_name(cputype: int, cpusubtype: int) -> str:
    """The architecture name ``lipo`` uses for a (cputype, cpusubtype) pair."""
    sub = cpusubtype & _CPU_SUBTYPE_MASK
    if cputype == _CPU_TYPE_ARM | _CPU_ARCH_ABI64:
        return {0: "arm64", 1: "arm64v8", 2: "arm64e"}.get(sub, "arm64")
    if cputype == _CPU_TYPE_ARM | _CPU_ARCH_ABI64_32:
        return "arm64_32"
    if cputype == _CPU_TYPE_ARM:
        return _ARM_SUBTYPES.get(sub, "arm")
    if cputype == _CPU_TYPE_X86 | _CPU_ARCH_ABI64:
        return "x86_64h" if sub == 8 else "x86_64"
    if cputype == _CPU_TYPE_X86:
        return "i386"
    if cputype == _CPU_TYPE_POWERPC:
        return "ppc"
    if cputype == _CPU_TYPE_POWERPC | _CPU_ARCH_ABI64:
        return "ppc64"
    return f"cpu:{cputype}"


def is_macho(head: bytes | bytearray | memoryview) -> bool:
    """True for a thin Mach-O of any width and byte order, or a plausible fat header."""
    return is_thin_macho(head) or is_fat(head)


def read_fat_archs(data: Buffer | memoryview, location: str, log: DiagnosticLog) -> tuple[FatArch, ...]:
    """The architecture table of a fat file; entries outside the file or overlapping
    the table or another slice are logged and left out."""
    size = len(data)
    if size < 8:
        raise CorruptInput(f"{location}: file ends inside the fat header")
    magic, count = _FAT_HEADER.unpack_from(data, 0)
    if magic not in (FAT_MAGIC, FAT_MAGIC_64):
        raise UnsupportedInput(f"{location}: not a fat Mach-O file")
    if not 0 < count <= MAX_FAT_ARCHS:
        raise UnsupportedInput(f"{location}: {count} architectures claimed; not a fat Mach-O file (a Java class?)")
    entry = _FAT_ARCH_64 if magic == FAT_MAGIC_64 else _FAT_ARCH
    table_end = 8 + count * entry.size
    if table_end > size:
        log.add("macho.fat-table-truncated", f"{count} architectures claimed, table cut by end of file", location)
    archs: list[FatArch] = []
    for index in range(count):
        at = 8 + index * entry.size
        if at + entry.size > size:
            break
        fields = entry.unpack_from(data, at)
        cputype, cpusubtype, offset, length = fields[0], fields[1], fields[2], fields[3]
        name = cpu_name(cputype, cpusubtype)
        where = f"{location}@0x{at:x}"
        if offset < table_end or offset >= size:
            log.add("macho.fat-slice-out-of-range", f"{name} slice at 0x{offset:x} lies outside the file", where)
            continue
        if offset + length > size:
            log.add("macho.fat-slice-truncated", f"{name} slice runs past the end of the file; cut there", where)
            length = size - offset
        if any(offset < a.offset + a.size and a.offset < offset + length for a in archs):
            log.add("macho.fat-slice-overlap", f"{name} slice overlaps an earlier slice; skipped", where)
            continue
        archs.append(FatArch(name, cputype, cpusubtype, offset, length))
    return tuple(archs)


# ------------------------------------------------------------------- parsing

def parse_macho(data: Buffer | memoryview, location: str, log: DiagnosticLog) -> MachOFile:
    """Parse a thin or fat Mach-O file.

    Raises :class:`UnsupportedInput` when ``data`` is not Mach-O at all and
    :class:`CorruptInput` when no slice can be read; damage inside a slice
    (truncated load commands, sections outside the file...) is logged and the
    rest returned. Fat slices that are not Mach-O (static-library archives in
    a fat ``.a``) are logged and skipped: :func:`macho_objects` reads those.
    """
    buf = as_buffer(data)
    head = bytes(buf[:8])
    if is_thin_macho(head):
        return MachOFile((parse_slice(buf, 0, len(buf), location, log),), fat=False)
    if len(head) < 8 or _FAT_HEADER.unpack_from(head, 0)[0] not in (FAT_MAGIC, FAT_MAGIC_64):
        raise UnsupportedInput(f"{location}: not a Mach-O file")
    slices: list[MachOSlice] = []
    for arch in read_fat_archs(buf, location, log):
        sub_location = f"{location}[{arch.cpu}]"
        if not is_thin_macho(bytes(buf[arch.offset : arch.offset + 4])):
            log.add("macho.fat-slice-not-macho", f"{arch.cpu} slice is not a Mach-O image", sub_location)
            continue
        slices.append(parse_slice(buf, arch.offset, arch.size, sub_location, log))
    if not slices:
        raise CorruptInput(f"{location}: fat file without a readable Mach-O slice")
    return MachOFile(tuple(slices), fat=True)


def parse_slice(buf: Buffer, base: int, length: int, location: str, log: DiagnosticLog) -> MachOSlice:
    """Parse the thin Mach-O image at ``buf[base:base + length]``."""
    size = max(0, min(length, len(buf) - base))
    order, is64 = _THIN_MAGICS.get(bytes(buf[base : base + 4]), ("", False))
    if not order:
        raise UnsupportedInput(f"{location}: not a Mach-O image")
    header = struct.Struct(order + ("IiiIIIII" if is64 else "IiiIIII"))
    if size < header.size:
        raise CorruptInput(f"{location}: file ends inside the Mach-O header")
    fields = header.unpack_from(buf, base)
    cputype, cpusubtype, filetype, ncmds, sizeofcmds = fields[1:6]
    reader = _CommandReader(buf, base, size, order, is64, location, log)
    reader.walk(header.size, ncmds, sizeofcmds)
    return MachOSlice(
        cpu=cpu_name(cputype, cpusubtype),
        filetype=_FILETYPES.get(filetype, f"filetype:{filetype}"),
        dylibs=tuple(reader.dylibs),
        rpaths=tuple(reader.rpaths),
        min_os=reader.min_os,
        encrypted=reader.encryption is not None and reader.encryption[2] != 0,
        encryption=reader.encryption,
        uuid=reader.uuid,
        code_signature=reader.code_signature,
        install_name=reader.install_name,
        weak_dylibs=tuple(reader.weak_dylibs),
        linker_options=tuple(reader.linker_options),
        sdk=reader.sdk,
        is64=is64,
        little_endian=order == "<",
        segments=tuple(reader.segments),
        sections=tuple(reader.sections),
        symtab=reader.symtab,
        exports_trie=reader.exports_trie,
        chained_fixups=reader.chained_fixups,
        base=base,
        size=size,
        data=buf,
    )


def macho_objects(data: Buffer | memoryview, location: str, log: DiagnosticLog,
                  one_arch: bool = False) -> Iterator[tuple[str, MachOFile]]:
    """Every Mach-O image in a thin or fat Mach-O file, a static library, or a fat
    file whose slices are static libraries (a universal ``.a``).

    Yields ``(location, file)`` with locations such as ``lib.a[arm64](Foo.o)``.
    With ``one_arch``, a fat container contributes only its preferred
    architecture (arm64, then arm64e, then the first), which is enough to
    inventory code that each slice repeats. Members that are not Mach-O
    (LLVM bitcode, text) are noted in the log; damaged ones are logged and skipped.
    Raises :class:`UnsupportedInput` when ``data`` is none of these formats.
    """
    buf = as_buffer(data)
    head = bytes(buf[: 8 + MAX_FAT_ARCHS * _FAT_ARCH_64.size])
    if is_thin_macho(head):
        yield location, parse_macho(buf, location, log)
    elif is_ar(head):
        yield from _archive_objects(buf, 0, len(buf), location, log)
    elif is_fat(head):
        archs = read_fat_archs(buf, location, log)
        if one_arch and archs:
            archs = (_preferred_arch(archs),)
        for arch in archs:
            sub = f"{location}[{arch.cpu}]"
            slice_head = bytes(buf[arch.offset : arch.offset + 8])
            if is_ar(slice_head):
                yield from _archive_objects(buf, arch.offset, arch.size, sub, log)
            elif is_thin_macho(slice_head):
                yield sub, MachOFile((parse_slice(buf, arch.offset, arch.size, sub, log),), fat=False)
            else:
                log.add("macho.fat-slice-not-macho", f"{arch.cpu} slice is neither Mach-O nor an archive", sub)
    else:
        raise UnsupportedInput(f"{location}: neither Mach-O nor a static library")


def _preferred_arch(archs: tuple[FatArch, ...]) -> FatArch:
    for cpu in ("arm64", "arm64e"):
        for arch in archs:
            if arch.cpu == cpu:
                return arch
    return archs[0]


def _archive_objects(buf: Buffer, base: int, length: int, location: str, log: DiagnosticLog) -> Iterator[tuple[str, MachOFile]]:
    view = memoryview(buf)[base : base + length] if base or length != len(buf) else buf
    archive = as_buffer(view)
    for member in iter_ar(archive, location, log):
        sub = f"{location}({member.name})"
        head = bytes(archive[member.data_offset : member.data_offset + 4])
        if not is_thin_macho(head):
            log.add("macho.member-not-macho", "archive member is not a Mach-O object", sub, Level.INFO)
            continue
        try:
            image = parse_slice(archive, member.data_offset, member.size, sub, log)
        except InputError as exc:
            log.add("macho.member-unreadable", str(exc), sub)
            continue
        yield sub, MachOFile((image,), fat=False)


class _CommandReader:
    """Walks the load commands of one slice, collecting what :class:`MachOSlice` holds."""

    def __init__(self, buf: Buffer, base: int, size: int, order: str, is64: bool, location: str, log: DiagnosticLog) -> None:
        self.buf, self.base, self.size, self.order, self.is64 = buf, base, size, order, is64
        self.location, self.log = location, log
        self.dylibs: list[str] = []
        self.rpaths: list[str] = []
        self.weak_dylibs: list[str] = []
        self.linker_options: list[tuple[str, ...]] = []
        self.min_os: tuple[str, str] | None = None
        self.sdk: str | None = None
        self.encryption: tuple[int, int, int] | None = None
        self.uuid: str | None = None
        self.code_signature: tuple[int, int] | None = None
        self.install_name: str | None = None
        self.segments: list[MachOSegment] = []
        self.sections: list[MachOSection] = []
        self.symtab: tuple[int, int, int, int] | None = None
        self.exports_trie: tuple[int, int] | None = None
        self.chained_fixups = False
        self.tally = Tally()
        self._u32x2 = struct.Struct(order + "II")

    def _where(self, offset: int) -> str:
        return f"{self.location}@0x{self.base + offset:x}"

    def walk(self, start: int, ncmds: int, sizeofcmds: int) -> None:
        end = start + sizeofcmds
        if end > self.size:
            self.log.add("macho.load-commands-truncated",
                         f"load commands claim {sizeofcmds} bytes, {max(0, self.size - start)} present", self._where(start))
            end = self.size
        if ncmds > MAX_LOAD_COMMANDS or ncmds > sizeofcmds // 8:
            self.log.add("macho.load-command-count", f"{ncmds} load commands claimed in {sizeofcmds} bytes", self._where(0))
            ncmds = min(ncmds, MAX_LOAD_COMMANDS, sizeofcmds // 8)
        at = start
        for index in range(ncmds):
            if at + 8 > end:
                self.log.add("macho.load-command-truncated", f"load command {index} of {ncmds} is cut off", self._where(at))
                break
            cmd, cmdsize = self._u32x2.unpack_from(self.buf, self.base + at)
            if cmdsize < 8 or at + cmdsize > end:
                self.log.add("macho.load-command-size",
                             f"load command {index} (0x{cmd:x}) has size {cmdsize}, {end - at} bytes left", self._where(at))
                break
            self._command(cmd, self._bytes(at, cmdsize), at)
            at += cmdsize
        self._flush_tally()

    def _bytes(self, offset: int, length: int) -> bytes:
        return bytes(self.buf[self.base + offset : self.base + offset + length])

    def _command(self, cmd: int, body: bytes, at: int) -> None:
        o = self.order
        if cmd in (LC_SEGMENT, LC_SEGMENT_64):
            self._segment(body, cmd == LC_SEGMENT_64, at)
        elif cmd in _DYLIB_COMMANDS or cmd == LC_ID_DYLIB:
            name = self._lc_str(body, 8, at)
            if name is not None:
                if cmd == LC_ID_DYLIB:
                    self.install_name = name
                else:
                    self.dylibs.append(name)
                    if cmd == LC_LOAD_WEAK_DYLIB:
                        self.weak_dylibs.append(name)
        elif cmd == LC_RPATH:
            path = self._lc_str(body, 8, at)
            if path is not None:
                self.rpaths.append(path)
        elif cmd == LC_UUID and len(body) >= 24:
            raw = body[8:24].hex().upper()
            self.uuid = f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
        elif cmd == LC_BUILD_VERSION and len(body) >= 24:
            platform, minos, sdk = struct.unpack_from(o + "III", body, 8)
            self._set_min_os(_PLATFORMS.get(platform, f"platform:{platform}"), minos, sdk)
        elif cmd in _VERSION_MIN and len(body) >= 16:
            version, sdk = struct.unpack_from(o + "II", body, 8)
            self._set_min_os(_VERSION_MIN[cmd], version, sdk)
        elif cmd in (LC_ENCRYPTION_INFO, LC_ENCRYPTION_INFO_64) and len(body) >= 20:
            cryptoff, cryptsize, cryptid = struct.unpack_from(o + "III", body, 8)
            self.encryption = (cryptoff, cryptsize, cryptid)
        elif cmd == LC_CODE_SIGNATURE and len(body) >= 16:
            dataoff, datasize = struct.unpack_from(o + "II", body, 8)
            if dataoff + datasize > self.size:
                self.log.add("macho.code-signature-out-of-range",
                             f"code signature at 0x{dataoff:x} (+{datasize}) runs past the slice", self._where(at))
            self.code_signature = (dataoff, datasize)
        elif cmd == LC_SYMTAB and len(body) >= 24:
            symoff, nsyms, stroff, strsize = struct.unpack_from(o + "IIII", body, 8)
            entry = 16 if self.is64 else 12
            if symoff + nsyms * entry > self.size or stroff + strsize > self.size:
                self.log.add("macho.symtab-out-of-range", "symbol or string table runs past the slice; cut there", self._where(at))
            self.symtab = (symoff, nsyms, stroff, strsize)
        elif cmd == LC_LINKER_OPTION and len(body) >= 12:
            (count,) = struct.unpack_from(o + "I", body, 8)
            parts = body[12:].split(b"\0")
            if count > len(parts) - 1:
                self.tally.note("short-command", at)
            self.linker_options.append(tuple(p.decode("utf-8", "replace") for p in parts[: min(count, len(parts) - 1)]))
        elif cmd in (LC_DYLD_INFO, LC_DYLD_INFO_ONLY) and len(body) >= 48:
            export_off, export_size = struct.unpack_from(o + "II", body, 40)
            if export_size:
                self.exports_trie = (export_off, export_size)
        elif cmd == LC_DYLD_EXPORTS_TRIE and len(body) >= 16:
            self.exports_trie = struct.unpack_from(o + "II", body, 8)
        elif cmd == LC_DYLD_CHAINED_FIXUPS:
            self.chained_fixups = True

    def _set_min_os(self, platform: str, version: int, sdk: int) -> None:
        # LC_BUILD_VERSION and LC_VERSION_MIN_* may both appear (zippered builds); keep the first.
        if self.min_os is None:
            self.min_os = (platform, _version(version))
            self.sdk = _version(sdk) if sdk else None

    def _lc_str(self, body: bytes, field_at: int, at: int) -> str | None:
        """The string a load command points at with its ``lc_str`` offset field."""
        if len(body) < field_at + 4:
            self.tally.note("short-command", at)
            return None
        (offset,) = struct.unpack_from(self.order + "I", body, field_at)
        if not field_at + 4 <= offset < len(body):
            self.tally.note("bad-string-offset", at)
            return None
        raw = body[offset:]
        nul = raw.find(b"\0")
        return (raw if nul < 0 else raw[:nul]).decode("utf-8", "replace")

    def _segment(self, body: bytes, is64: bool, at: int) -> None:
        o = self.order
        seg_fmt = struct.Struct(o + ("16sQQQQiiII" if is64 else "16sIIIIiiII"))
        sect_fmt = struct.Struct(o + ("16s16sQQIIIIIIII" if is64 else "16s16sIIIIIIIII"))
        if len(body) < 8 + seg_fmt.size:
            self.tally.note("short-command", at)
            return
        segname, vmaddr, vmsize, fileoff, filesize, _maxprot, _initprot, nsects, _flags = seg_fmt.unpack_from(body, 8)
        name = _cname(segname)
        if fileoff > self.size or fileoff + filesize > self.size:
            self.tally.note("segment-out-of-range", at)
            filesize = max(0, min(filesize, self.size - fileoff))
        self.segments.append(MachOSegment(name, vmaddr, vmsize, fileoff, filesize))
        room = (len(body) - 8 - seg_fmt.size) // sect_fmt.size
        if nsects > room or nsects > MAX_SECTIONS_PER_SEGMENT:
            self.log.add("macho.section-count", f"segment {name} claims {nsects} sections, {room} fit", self._where(at))
            nsects = min(nsects, room, MAX_SECTIONS_PER_SEGMENT)
        for index in range(nsects):
            fields = sect_fmt.unpack_from(body, 8 + seg_fmt.size + index * sect_fmt.size)
            sectname, sect_seg, addr, sect_size, offset = fields[:5]
            flags = fields[8]
            if flags & 0xFF in _ZEROFILL_TYPES or offset == 0:
                file_size = 0
            elif offset >= self.size:
                file_size = 0
                self.tally.note("section-out-of-range", at)
            else:
                file_size = min(sect_size, self.size - offset)
                if file_size < sect_size:
                    self.tally.note("section-out-of-range", at)
            self.sections.append(MachOSection(_cname(sect_seg), _cname(sectname), addr, sect_size, offset, file_size, flags))

    def _flush_tally(self) -> None:
        messages = {
            "short-command": "load command(s) too short for their type; ignored",
            "bad-string-offset": "load command string offset(s) outside the command; ignored",
            "segment-out-of-range": "segment(s) run past the end of the slice; cut there",
            "section-out-of-range": "section(s) run past the end of the slice; cut there",
        }
        for code, count in self.tally.counts.items():
            where = self.tally.first[code]
            self.log.add(f"macho.{code}", f"{count} {messages[code]}", self._where(where if isinstance(where, int) else 0))


def _cname(raw: bytes) -> str:
    nul = raw.find(b"\0")
    return (raw if nul < 0 else raw[:nul]).decode("ascii", "replace")


def _version(packed: int) -> str:
    """``xxxx.yy.zz`` nibble-packed version as ``"13.0"`` or ``"12.4.1"``."""
    major, minor, patch = packed >> 16, (packed >> 8) & 0xFF, packed & 0xFF
    return f"{major}.{minor}.{patch}" if patch else f"{major}.{minor}"


def _uleb(data: bytes, at: int) -> tuple[int, int]:
    """``(value, next offset)`` of the ULEB128 at ``at``; raises IndexError past the end."""
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80 or shift > 63:
            return value, at
        shift += 7


def _walk_export_trie(trie: bytes, limit: int) -> Iterator[str]:
    """Terminal names of an export trie: each node is ``uleb terminal_size, terminal
    info, u8 child_count, child_count x (edge label NUL-terminated, uleb child offset)``."""
    stack: list[tuple[int, bytes]] = [(0, b"")]
    visited: set[int] = set()
    found = 0
    while stack and found < limit:
        node, prefix = stack.pop()
        if node in visited or node >= len(trie) or len(prefix) > _MAX_NAME:
            continue  # loops and overlong names only appear in forged tries
        visited.add(node)
        try:
            terminal_size, at = _uleb(trie, node)
            if terminal_size and prefix:
                found += 1
                yield prefix.decode("utf-8", "replace")
            at += terminal_size
            children = trie[at]
            at += 1
            edges = []
            for _ in range(children):
                end = trie.index(b"\0", at)
                label = trie[at:end]
                child, at = _uleb(trie, end + 1)
                edges.append((child, prefix + label))
        except (IndexError, ValueError):
            continue
        stack.extend(reversed(edges))


def _split_cstrings(blob: bytes, min_len: int) -> Iterator[str]:
    # Decoding once and splitting the text is several times faster than decoding
    # each string; a NUL byte never falls inside a UTF-8 sequence, so the result
    # is the same.
    for text in blob.decode("utf-8", "replace").split("\0"):
        if len(text) >= min_len:
            yield text


def _split_ustrings(blob: bytes, min_len: int, little: bool) -> Iterator[str]:
    codec = "utf-16-le" if little else "utf-16-be"
    usable = len(blob) & ~1
    start = 0
    while start < usable:
        end = blob.find(b"\0\0", start, usable)
        while end >= 0 and (end - start) % 2:
            end = blob.find(b"\0\0", end + 1, usable)
        if end < 0:
            end = usable
        if end - start >= 2 * min_len:
            yield blob[start:end].decode(codec, "replace")
        start = end + 2

