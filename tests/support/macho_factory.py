"""Builders shared by tests (moved from test_macho_factory.py)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

CPU_ARM64 = 0x0100000C


CPU_ARM = 12


@dataclass
class Image:
    is64: bool = True
    little: bool = True
    cputype: int = CPU_ARM64
    cpusubtype: int = 0
    filetype: int = 2
    cstrings: list[bytes] = field(default_factory=lambda: [b"https://api.example-sdk.com/v1", b"hello"])
    ustrings: list[str] = field(default_factory=list)
    dylibs: list[str] = field(default_factory=lambda: ["/usr/lib/libSystem.B.dylib", "@rpath/Foo.framework/Foo"])
    rpaths: list[str] = field(default_factory=lambda: ["@executable_path/Frameworks"])
    uuid: bytes = bytes(range(16))
    build: tuple[int, int, int] | None = (2, 0x000D0000, 0x000E0300)
    """(platform, minos, sdk) for LC_BUILD_VERSION."""
    encryption: tuple[int, int] | None = None
    """(cryptid, covered) — covered True puts the whole __TEXT payload in the encrypted range."""
    symbols: list[tuple[str, int]] = field(default_factory=lambda: [("_main", 0x0F), ("_OBJC_CLASS_$_JPUSHService", 0x01)])
    """(name, n_type): 0x0F defined external, 0x01 undefined external, 0x24 a stab."""


def build(image: Image) -> bytes:
    """Assemble the image: header, load commands, then __TEXT data and __LINKEDIT tables."""
    o = "<" if image.little else ">"
    ptr = "Q" if image.is64 else "I"
    header_size = 32 if image.is64 else 28
    seg_fmt = struct.Struct(o + "II16s" + ptr * 4 + "iiII")
    sect_fmt = struct.Struct(o + "16s16s" + ptr * 2 + "IIIIIII" + ("I" if image.is64 else ""))
    cstring_blob = b"".join(s + b"\0" for s in image.cstrings)
    ustring_blob = b"".join(s.encode("utf-16-le" if image.little else "utf-16-be") + b"\0\0" for s in image.ustrings)
    strtab = bytearray(b"\0")
    nlist = bytearray()
    entry = struct.Struct(o + "IBBH" + ptr)
    for name, n_type in image.symbols:
        defined = n_type & 0x0E == 0x0E
        nlist += entry.pack(len(strtab), n_type, 1 if defined else 0, 0, 0x1000 if defined else 0)
        strtab += name.encode() + b"\0"

    def lc_str(cmd: int, fixed: bytes, text: str) -> bytes:
        raw = text.encode() + b"\0"
        size = 8 + len(fixed) + len(raw)
        size += -size % (8 if image.is64 else 4)
        return struct.pack(o + "II", cmd, size) + fixed + raw.ljust(size - 8 - len(fixed), b"\0")

    def commands(text_off: int, text_size: int, cstr_off: int, ustr_off: int, link_off: int) -> bytes:
        cmds = bytearray()
        sections = [sect_fmt.pack(b"__cstring", b"__TEXT", 0x1000 + cstr_off, len(cstring_blob), cstr_off, 0, 0, 0, 2, 0, 0,
                                  *((0,) if image.is64 else ()))]
        if ustring_blob:
            sections.append(sect_fmt.pack(b"__ustring", b"__TEXT", 0x1000 + ustr_off, len(ustring_blob), ustr_off, 1, 0, 0, 0, 0, 0,
                                          *((0,) if image.is64 else ())))
        seg_cmd = 0x19 if image.is64 else 0x1
        cmds += seg_fmt.pack(seg_cmd, seg_fmt.size + len(sections) * sect_fmt.size, b"__TEXT", 0x1000, text_size, 0, text_size,
                             5, 5, len(sections), 0) + b"".join(sections)
        link_size = len(nlist) + len(strtab)
        cmds += seg_fmt.pack(seg_cmd, seg_fmt.size, b"__LINKEDIT", 0x1000 + link_off, link_size, link_off, link_size, 1, 1, 0, 0)
        cmds += struct.pack(o + "6I", 0x2, 24, link_off, len(image.symbols), link_off + len(nlist), len(strtab))
        for path in image.dylibs:
            cmds += lc_str(0xC, struct.pack(o + "IIII", 24, 2, 0x10000, 0x10000), path)
        for path in image.rpaths:
            cmds += lc_str(0x8000001C, struct.pack(o + "I", 12), path)
        cmds += struct.pack(o + "II", 0x1B, 24) + image.uuid
        if image.build is not None:
            cmds += struct.pack(o + "6I", 0x32, 24, *image.build, 0)
        if image.encryption is not None:
            cryptid, covered = image.encryption
            start, size = (header_size, max(0, text_size - header_size)) if covered else (0, 0)
            if image.is64:
                cmds += struct.pack(o + "6I", 0x2C, 24, start, size, cryptid, 0)
            else:
                cmds += struct.pack(o + "5I", 0x21, 20, start, size, cryptid)
        return bytes(cmds)

    probe = commands(0, 0, 0, 0, 0)
    ncmds = _count(probe, o)
    cstr_off = header_size + len(probe)
    ustr_off = cstr_off + len(cstring_blob)
    text_size = ustr_off + len(ustring_blob)
    text_size += -text_size % 16
    link_off = text_size
    cmds = commands(0, text_size, cstr_off, ustr_off, link_off)
    magic = (0xFEEDFACF if image.is64 else 0xFEEDFACE)
    header = struct.pack(o + "IiiIIII", magic, image.cputype, image.cpusubtype, image.filetype, ncmds, len(cmds), 0)
    if image.is64:
        header += b"\0\0\0\0"
    body = header + cmds + cstring_blob + ustring_blob
    body = body.ljust(text_size, b"\0")
    return body + bytes(nlist) + bytes(strtab)


def _count(cmds: bytes, o: str) -> int:
    at = count = 0
    while at < len(cmds):
        at += struct.unpack_from(o + "I", cmds, at + 4)[0]
        count += 1
    return count


def fat(*slices: tuple[int, int, bytes], wide: bool = False, align: int = 12) -> bytes:
    """A universal file from ``(cputype, cpusubtype, image)`` triples, slices page aligned."""
    entry = 32 if wide else 20
    out = bytearray(struct.pack(">II", 0xCAFEBABF if wide else 0xCAFEBABE, len(slices)))
    out += bytes(entry * len(slices))
    for index, (cputype, cpusubtype, data) in enumerate(slices):
        out += bytes(-len(out) % (1 << align))
        offset = len(out)
        if wide:
            row = struct.pack(">iiQQII", cputype, cpusubtype, offset, len(data), align, 0)
        else:
            row = struct.pack(">iiIII", cputype, cpusubtype, offset, len(data), align)
        out[8 + index * entry : 8 + (index + 1) * entry] = row
        out += data
    return bytes(out)
