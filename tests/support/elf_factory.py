"""Builders shared by tests (moved from test_elf.py)."""

from __future__ import annotations

import struct

from datatrail.formats.android.elf import (
    SHT_NOBITS,
)


def make_elf(bits: int = 64, little: bool = True, rodata: bytes = b"\0https://ro.example-host.org/x\0",
             data: bytes = b"wss://data.example-host.net/ws\0\0", machine: int = 8) -> bytes:
    """A minimal shared object with .rodata, .data, .bss and .shstrtab."""
    o = "<" if little else ">"
    names = b"\0.rodata\0.data\0.bss\0.shstrtab\0"
    ehsize = 52 if bits == 32 else 64
    shentsize = 40 if bits == 32 else 64
    body = bytearray(b"\0" * ehsize)
    def place(blob: bytes) -> int:
        while len(body) % 8:
            body.append(0)
        at = len(body)
        body.extend(blob)
        return at
    ro_off, da_off, nm_off = place(rodata), place(data), place(names)
    while len(body) % 8:
        body.append(0)
    shoff = len(body)
    # (name index, type, flags, offset, size)
    sections = [
        (0, 0, 0, 0, 0),
        (1, 1, 2, ro_off, len(rodata)),
        (9, 1, 3, da_off, len(data)),
        (15, SHT_NOBITS, 3, da_off + len(data), 0x1000),
        (20, 3, 0, nm_off, len(names)),
    ]
    for name, typ, flags, off, size in sections:
        if bits == 32:
            body += struct.pack(o + "10I", name, typ, flags, 0, off, size, 0, 0, 1, 0)
        else:
            body += struct.pack(o + "IIQQQQIIQQ", name, typ, flags, 0, off, size, 0, 0, 1, 0)
    ident = b"\x7fELF" + bytes([1 if bits == 32 else 2, 1 if little else 2, 1]) + b"\0" * 9
    if bits == 32:
        head = struct.pack(o + "HHIIIIIHHHHHH", 3, machine, 1, 0, 0, shoff, 0, ehsize, 0, 0, shentsize, len(sections), 4)
    else:
        head = struct.pack(o + "HHIQQQIHHHHHH", 3, machine, 1, 0, 0, shoff, 0, ehsize, 0, 0, shentsize, len(sections), 4)
    body[: len(ident) + len(head)] = ident + head
    return bytes(body)
