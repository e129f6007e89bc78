"""Decoder for the ResStringPool chunk shared by binary XML (AXML) and resources.arsc.

Layout (little-endian, from the AOSP ``ResourceTypes.h`` documentation)::

    ResChunk_header         +0  u16 type (0x0001), u16 headerSize, u32 size
    ResStringPool_header    +8  u32 stringCount
                            +12 u32 styleCount
                            +16 u32 flags        (0x001 SORTED, 0x100 UTF8)
                            +20 u32 stringsStart (from the chunk start)
                            +24 u32 stylesStart  (from the chunk start)
    at +headerSize          u32 stringOffsets[stringCount], u32 styleOffsets[styleCount]

Each string starts at ``stringsStart + stringOffsets[i]``:

* UTF-16 pools: a length in UTF-16 units (one u16, or two when the high bit of the
  first is set: ``(first & 0x7fff) << 16 | second``), the units, a 0x0000 terminator.
* UTF-8 pools: the length in UTF-16 units then the length in bytes, each one byte
  or two when the high bit of the first is set (``(first & 0x7f) << 8 | second``),
  the bytes, a 0x00 terminator.

The parser is tolerant: counts that do not fit the chunk are clamped, strings whose
offset or length leaves the string area decode as ``""``, and each kind of problem is
reported once per pool with a count, never once per string.  Memory stays bounded:
at most ``Limits.max_string_pool`` strings, 8 bytes of bookkeeping each, and the text
of overlapping strings is capped at 16 times the chunk size (plus 1 MiB).  Strings are located
(and checked) when the pool is parsed and decoded to ``str`` on first use.
"""

from __future__ import annotations

import struct
from array import array
from typing import Iterator

from datatrail.errors import CorruptInput
from datatrail.limits import DEFAULT_LIMITS, Limits
from datatrail.model.diagnostic import DiagnosticLog, Level

__all__ = [
    "RES_STRING_POOL_TYPE",
    "STRING_POOL_HEADER_SIZE",
    "SORTED_FLAG",
    "UTF8_FLAG",
    "StringPool",
]

RES_STRING_POOL_TYPE = 0x0001
STRING_POOL_HEADER_SIZE = 28
SORTED_FLAG = 0x0001
UTF8_FLAG = 0x0100

_CHUNK = struct.Struct("<HHI")  # type @0, headerSize @2, size @4
_POOL = struct.Struct("<HHIIIIII")  # chunk header @0, stringCount @8, styleCount @12,
#                                     flags @16, stringsStart @20, stylesStart @24

_NATIVE_LITTLE = array("I", [1]).tobytes()[0] == 1


def _decode_utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Old aapt wrote supplementary characters as two 3-byte surrogates (CESU-8).
    try:
        joined = raw.decode("utf-8", "surrogatepass").encode("utf-16-le", "surrogatepass")
        return joined.decode("utf-16-le", "replace")
    except UnicodeError:
        return raw.decode("utf-8", "replace")


def _span8(view: memoryview, pos: int, limit: int) -> tuple[int, int] | None:
    """Byte span of the UTF-8 string whose length prefixes start at ``pos``."""
    # Length in UTF-16 units (unused), then length in bytes; each 1 or 2 bytes.
    pos += 2 if view[pos] & 0x80 else 1
    if pos >= limit:
        return None
    n = view[pos]
    if n & 0x80:
        if pos + 1 >= limit:
            return None
        n = ((n & 0x7F) << 8) | view[pos + 1]
        pos += 2
    else:
        pos += 1
    stop = pos + n
    return (pos, stop) if stop <= limit else None


def _span16(view: memoryview, pos: int, limit: int) -> tuple[int, int] | None:
    """Byte span of the UTF-16 string whose length prefix starts at ``pos``."""
    if pos + 2 > limit:
        return None
    n = view[pos] | (view[pos + 1] << 8)
    pos += 2
    if n & 0x8000:
        if pos + 2 > limit:
            return None
        n = ((n & 0x7FFF) << 16) | view[pos] | (view[pos + 1] << 8)
        pos += 2
    stop = pos + 2 * n
    return (pos, stop) if stop <= limit else None


class StringPool:
    """A parsed string pool; strings are decoded lazily and cached."""

    __slots__ = ("_data", "_starts", "_ends", "_utf8", "_cache", "flags", "style_count")

    def __init__(
        self,
        data: bytes | memoryview,
        starts: array[int],
        ends: array[int],
        utf8: bool,
        flags: int = 0,
        style_count: int = 0,
    ) -> None:
        self._data = data
        self._starts = starts
        self._ends = ends
        self._utf8 = utf8
        self._cache: dict[int, str] = {}
        self.flags = flags
        self.style_count = style_count

    @classmethod
    def empty(cls) -> "StringPool":
        """A pool with no strings (stand-in when a file has none or it is unusable)."""
        return cls(b"", array("I"), array("I"), True)

    @property
    def is_utf8(self) -> bool:
        return self._utf8

    def __len__(self) -> int:
        return len(self._starts)

    def __iter__(self) -> Iterator[str]:
        for i in range(len(self._starts)):
            yield self.get(i) or ""

    def get(self, idx: int) -> str | None:
        """The string at ``idx``; ``None`` when out of range, ``""`` if it was unreadable."""
        if idx < 0 or idx >= len(self._starts):
            return None
        cached = self._cache.get(idx)
        if cached is not None:
            return cached
        start, end = self._starts[idx], self._ends[idx]
        raw = bytes(self._data[start:end])
        if self._utf8:
            text = _decode_utf8(raw)
        else:
            text = raw.decode("utf-16-le", "replace")
        self._cache[idx] = text
        return text

    @classmethod
    def parse(
        cls,
        data: bytes | memoryview,
        offset: int,
        log: DiagnosticLog,
        where: str,
        limits: Limits = DEFAULT_LIMITS,
    ) -> tuple["StringPool", int]:
        """Parse the string-pool chunk at ``offset``.

        Returns the pool and the offset just past the chunk (clamped to the data).
        Raises :class:`CorruptInput` only when there is no usable string-pool header at
        ``offset``; every other problem becomes a diagnostic.
        """
        view = memoryview(data)
        if view.ndim != 1 or view.itemsize != 1:
            view = view.cast("B")
        total = len(view)
        loc = f"{where}@0x{offset:x}"
        if offset < 0 or total - offset < _CHUNK.size:
            raise CorruptInput(f"string pool header truncated at {loc}")
        ctype, hsize, csize = _CHUNK.unpack_from(view, offset)
        if ctype != RES_STRING_POOL_TYPE:
            raise CorruptInput(f"expected string pool chunk at {loc}, found type 0x{ctype:04x}")
        if hsize < STRING_POOL_HEADER_SIZE:
            raise CorruptInput(f"string pool header size {hsize} too small at {loc}")
        if total - offset < hsize:
            raise CorruptInput(f"string pool header truncated at {loc}")

        end = offset + csize
        if csize < hsize:
            log.add("stringpool.bad-size",
                    f"chunk size {csize} is smaller than its header ({hsize})", loc)
            end = offset + hsize
        if end > total:
            log.add("stringpool.truncated",
                    f"chunk claims {csize} bytes but only {total - offset} remain", loc)
            end = total

        _, _, _, count, style_count, flags, strings_start, styles_start = _POOL.unpack_from(
            view, offset)
        utf8 = bool(flags & UTF8_FLAG)

        # Both offset tables must fit between the header and the string data (or the
        # chunk end when stringsStart itself is unusable).
        if hsize <= strings_start <= end - offset:
            room = (strings_start - hsize) // 4
        else:
            room = (end - offset - hsize) // 4
        if count > room:
            log.add("stringpool.bad-count",
                    f"string count {count} does not fit the chunk (room for {room}); clamped",
                    loc, Level.ERROR)
            count = room
        if count > limits.max_string_pool:
            log.add("stringpool.limit",
                    f"string count {count} exceeds the limit {limits.max_string_pool}; "
                    "only the first strings are read", loc, Level.ERROR)
            count = limits.max_string_pool
        if style_count > room - count:
            log.add("stringpool.bad-count",
                    f"style count {style_count} does not fit the chunk; ignored", loc)
            style_count = max(0, room - count)

        table = offset + hsize
        offsets = array("I")
        offsets.frombytes(view[table:table + 4 * count])
        if not _NATIVE_LITTLE:
            offsets.byteswap()

        # The string area, as the platform bounds it.
        area_start = offset + strings_start
        if style_count and strings_start <= styles_start and offset + styles_start <= end:
            area_end = offset + styles_start
        else:
            area_end = end
        starts = array("I", bytes(4 * count))
        ends = array("I", bytes(4 * count))
        if count and not (table + 4 * count <= area_start <= area_end):
            log.add("stringpool.bad-strings-start",
                    f"stringsStart 0x{strings_start:x} is outside the chunk; "
                    f"all {count} strings unreadable", loc, Level.ERROR)
            return cls(view, starts, ends, utf8, flags, style_count), end

        bad_offset = bad_length = over_budget = 0
        first_offset = first_length = -1
        span = _span8 if utf8 else _span16
        # Strings may overlap (several offsets into one long string), so the text they
        # decode to could dwarf the chunk; cap it well above what a real pool needs.
        budget = 16 * (end - offset) + (1 << 20)
        for i in range(count):
            pos = area_start + offsets[i]
            if pos >= area_end:
                bad_offset += 1
                if first_offset < 0:
                    first_offset = i
                continue
            found = span(view, pos, area_end)
            if found is None:
                bad_length += 1
                if first_length < 0:
                    first_length = i
                continue
            budget -= found[1] - found[0]
            if budget < 0:
                over_budget += 1
                continue
            starts[i], ends[i] = found

        if bad_offset:
            log.add("stringpool.bad-offset",
                    f"{bad_offset} of {count} string offsets point outside the string data "
                    f"(first: index {first_offset}); read as empty strings", loc)
        if bad_length:
            log.add("stringpool.bad-length",
                    f"{bad_length} of {count} strings overrun the string data "
                    f"(first: index {first_length}); read as empty strings", loc)
        if over_budget:
            log.add("stringpool.overlap",
                    f"{over_budget} of {count} strings dropped: overlapping strings would "
                    "decode to far more text than the chunk holds", loc, Level.ERROR)
        return cls(view, starts, ends, utf8, flags, style_count), end
