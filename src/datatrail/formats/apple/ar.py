"""A bounded reader for ``ar`` archives: static libraries (``.a``) in the BSD
(Apple) and GNU/System V variants.

Layout (``ar(5)``): the magic ``!<arch>\\n``, then members, each a 60-byte
ASCII header followed by its data, padded to an even offset::

    16s name, 12s mtime, 6s uid, 6s gid, 8s mode (octal), 10s size (decimal), 2s "`\\n"

Names differ by flavour:

- BSD: ``#1/NN`` means the real name is the first NN bytes of the data (NUL
  padded) and the content follows it; short names are space padded.
- GNU: names end with ``/``; ``//`` holds long names, referenced as ``/123``
  (offset into that table, each name ending ``/\\n``).

Symbol tables (the linker's index, not object code) are ``__.SYMDEF``,
``__.SYMDEF SORTED``, ``__.SYMDEF_64`` (BSD) and ``/``, ``/SYM64/`` (GNU).
They are skipped by :func:`iter_ar_members` and read by
:func:`ar_symbol_index`::

    BSD __.SYMDEF:     u32 ranlib_bytes, ranlib_bytes/8 x (u32 strx, u32 member_offset),
                       u32 strtab_bytes, strtab           (target byte order; _64: u64 fields)
    GNU /:             u32 count (big-endian), count x u32 member_offset, count NUL-terminated names
    GNU /SYM64/:       the same with u64 count and offsets
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final, Iterator

from datatrail.errors import UnsupportedInput
from datatrail.formats.common.buffer import Buffer, as_buffer
from datatrail.formats.common.magic import AR_MAGIC, is_ar
from datatrail.limits import DEFAULT_LIMITS
from datatrail.model.diagnostic import DiagnosticLog

__all__ = [
    "AR_MAGIC",
    "ArMember",
    "is_ar",
    "iter_ar",
    "iter_ar_members",
    "ar_symbol_index",
    "SYMBOL_TABLE_NAMES",
]

_HEADER_SIZE: Final = 60
_FMAG: Final = b"`\n"
SYMBOL_TABLE_NAMES: Final = frozenset({"__.SYMDEF", "__.SYMDEF SORTED", "__.SYMDEF_64", "__.SYMDEF_64 SORTED", "/", "/SYM64/"})
_GNU_LONG_NAMES: Final = "//"
MAX_SYMBOLS: Final = 1 << 21
_MAX_NAME: Final = 4096


@dataclass(frozen=True, slots=True)
class ArMember:
    name: str
    header_offset: int
    """Offset of the member's header in the archive (what symbol tables point at)."""
    data_offset: int
    """Offset of the member's content (after a BSD long name)."""
    size: int
    """Bytes of content present."""


def iter_ar(data: Buffer | memoryview, location: str, log: DiagnosticLog,
            include_symbol_tables: bool = False) -> Iterator[ArMember]:
    """Every member of an archive, in order; damage ends the walk with a diagnostic.

    Raises :class:`UnsupportedInput` when ``data`` is not an ``ar`` archive.
    """
    buf = as_buffer(data)
    if not is_ar(bytes(buf[:8])):
        raise UnsupportedInput(f"{location}: not an ar archive")
    size = len(buf)
    at = len(AR_MAGIC)
    long_names = b""
    count = 0
    while at < size:
        where = f"{location}@0x{at:x}"
        if count >= DEFAULT_LIMITS.max_entries:
            log.add("ar.too-many-members", f"more than {DEFAULT_LIMITS.max_entries} members; the rest ignored", where)
            return
        if at + _HEADER_SIZE > size:
            if bytes(buf[at:size]).strip(b"\n\0 "):
                log.add("ar.header-truncated", "archive ends inside a member header", where)
            return
        header = bytes(buf[at : at + _HEADER_SIZE])
        if header[58:60] != _FMAG:
            log.add("ar.bad-header", "member header does not end with the `\\n marker; rest of archive ignored", where)
            return
        raw_name = header[:16].decode("ascii", "replace").rstrip(" ")
        try:
            length = int(header[48:58].decode("ascii").strip() or "0")
        except (UnicodeDecodeError, ValueError):
            log.add("ar.bad-size", f"member size {header[48:58]!r} is not a number; rest of archive ignored", where)
            return
        start = at + _HEADER_SIZE
        if length < 0 or start + length > size:
            log.add("ar.member-truncated", f"member {raw_name!r} claims {length} bytes, {size - start} present; cut there", where)
            length = max(0, size - start)
        name, name_len = _member_name(raw_name, buf, start, length, long_names)
        if name is None:
            log.add("ar.bad-name", f"member name {raw_name!r} cannot be resolved", where)
            name = raw_name
        count += 1
        if raw_name == _GNU_LONG_NAMES:
            long_names = bytes(buf[start : start + length])
        elif include_symbol_tables or name not in SYMBOL_TABLE_NAMES:
            yield ArMember(name, at, start + name_len, length - name_len)
        at = start + length + (length & 1)


def iter_ar_members(data: Buffer | memoryview, location: str, log: DiagnosticLog) -> Iterator[tuple[str, memoryview]]:
    """``(name, content)`` for each member that is not a symbol table or name table."""
    buf = as_buffer(data)
    view = memoryview(buf)
    for member in iter_ar(buf, location, log):
        yield member.name, view[member.data_offset : member.data_offset + member.size]


def _member_name(raw: str, buf: Buffer, start: int, length: int, long_names: bytes) -> tuple[str | None, int]:
    """The member's name and how many content bytes it takes (BSD long names)."""
    if raw.startswith("#1/"):
        try:
            name_len = int(raw[3:])
        except ValueError:
            return None, 0
        if not 0 <= name_len <= min(length, _MAX_NAME):
            return None, 0
        name = bytes(buf[start : start + name_len]).split(b"\0", 1)[0]
        return name.decode("utf-8", "replace"), name_len
    if raw in SYMBOL_TABLE_NAMES or raw == _GNU_LONG_NAMES:
        return raw, 0
    if raw.startswith("/") and raw[1:].isdigit():
        index = int(raw[1:])
        if index >= len(long_names):
            return None, 0
        end = long_names.find(b"/\n", index)
        name = long_names[index : end if end >= 0 else min(len(long_names), index + _MAX_NAME)]
        return name.decode("utf-8", "replace"), 0
    return (raw[:-1] if raw.endswith("/") else raw), 0


def ar_symbol_index(data: Buffer | memoryview, location: str, log: DiagnosticLog) -> tuple[tuple[str, str], ...]:
    """``(symbol, member name)`` pairs from the archive's symbol table(s), in table order.

    Empty when the archive has no index. A damaged index is logged and what
    was readable returned.
    """
    buf = as_buffer(data)
    members = list(iter_ar(buf, location, log, include_symbol_tables=True))
    by_offset = {m.header_offset: m.name for m in members if m.name not in SYMBOL_TABLE_NAMES}
    out: list[tuple[str, str]] = []
    for member in members:
        if member.name not in SYMBOL_TABLE_NAMES:
            continue
        blob = bytes(buf[member.data_offset : member.data_offset + member.size])
        where = f"{location}@0x{member.header_offset:x}"
        if member.name.startswith("__.SYMDEF"):
            pairs = _bsd_index(blob, member.name.startswith("__.SYMDEF_64"))
        else:
            pairs = _gnu_index(blob, member.name == "/SYM64/")
        if pairs is None:
            log.add("ar.bad-symbol-table", f"symbol table {member.name!r} is damaged", where)
            continue
        for symbol, offset in pairs:
            out.append((symbol, by_offset.get(offset, "")))
            if len(out) >= MAX_SYMBOLS:
                return tuple(out)
    return tuple(out)


def _bsd_index(blob: bytes, wide: bool) -> list[tuple[str, int]] | None:
    word = 8 if wide else 4
    for order in ("<", ">"):
        fmt = order + ("Q" if wide else "I")
        if len(blob) < word:
            return None
        (ranlib_bytes,) = struct.unpack_from(fmt, blob, 0)
        table_end = word + ranlib_bytes
        if ranlib_bytes % (2 * word) or table_end + word > len(blob):
            continue  # wrong byte order guess (or damage)
        (str_bytes,) = struct.unpack_from(fmt, blob, table_end)
        strings = blob[table_end + word : table_end + word + str_bytes]
        if len(strings) < str_bytes:
            continue
        pairs = []
        for strx, offset in struct.iter_unpack(order + ("QQ" if wide else "II"), blob[word:table_end]):
            if strx >= len(strings):
                return None
            end = strings.find(b"\0", strx)
            pairs.append((strings[strx : end if end >= 0 else len(strings)].decode("utf-8", "replace"), offset))
        return pairs
    return None


def _gnu_index(blob: bytes, wide: bool) -> list[tuple[str, int]] | None:
    word = 8 if wide else 4
    fmt = ">" + ("Q" if wide else "I")
    if len(blob) < word:
        return None
    (count,) = struct.unpack_from(fmt, blob, 0)
    if word + count * word > len(blob) or count > MAX_SYMBOLS:
        return None
    offsets = [v for (v,) in struct.iter_unpack(fmt, blob[word : word + count * word])]
    names = blob[word + count * word :].split(b"\0")
    if len(names) < count:
        return None
    return [(names[i].decode("utf-8", "replace"), offsets[i]) for i in range(count)]
