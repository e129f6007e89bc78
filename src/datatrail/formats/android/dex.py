"""Reader for Dalvik executables (``classes*.dex``): the identifier tables only.

It reads what an analyst needs to know which code is inside an app - the
string pool, type descriptors, defined classes and the method/field
references - without decoding any bytecode.

Everything is lazy and bulk: the header is checked up front, each table is
copied into an ``array`` with one C-level call when first needed, and the
per-item work that remains is a tight loop over strings. A DEX file is
attacker-controlled input, so every offset is checked against the buffer
before use, counts are bounded by :class:`~datatrail.limits.Limits`, and
damage inside tables becomes a placeholder such as ``<bad-string:12>``
plus one aggregated diagnostic rather than an exception.

String decoding: DEX strings are MUTF-8. Almost all are plain UTF-8, so they
go through ``bytes.decode('utf-8')``; the rare ones that fail (``C0 80`` for
NUL, surrogates encoded one by one as ``ED xx xx``, garbage) go through a
codec error handler that understands those forms. Surrogate pairs are
combined into one code point; **lone surrogates and undecodable bytes become
U+FFFD**, so every returned ``str`` can be encoded as UTF-8 by callers
without special error handling.

DEX version 041 "containers" (several DEX files sharing one buffer) are read
as their first DEX file only; a diagnostic says so.
"""

from __future__ import annotations

import codecs
import mmap
import struct
import sys
import zlib
from array import array
from typing import Final

from datatrail.errors import CorruptInput, LimitExceeded
from datatrail.limits import DEFAULT_LIMITS, Limits
from datatrail.model.diagnostic import DiagnosticLog, Level

__all__ = ["DexFile", "descriptor_to_java", "decode_mutf8", "is_dex", "HEADER_SIZE"]

HEADER_SIZE: Final = 0x70
"""Size of the fixed DEX header; version 041 appends two more words."""

# magic[8] checksum signature[20] then 20 uint32: file_size, header_size,
# endian_tag, link_size, link_off, map_off, then (size, off) pairs for
# string_ids, type_ids, proto_ids, field_ids, method_ids, class_defs, data.
_HEADER: Final = struct.Struct("<8sI20s20I")
_V41_EXTRA: Final = struct.Struct("<II")  # container_size, header_offset
_U32: Final = struct.Struct("<I")
_MAP_ITEM: Final = struct.Struct("<HHII")

_ENDIAN_CONSTANT: Final = 0x12345678
_REVERSE_ENDIAN_CONSTANT: Final = 0x78563412
_MIN_VERSION: Final = 35
_MAX_VERSION: Final = 41

# Map item type codes of the id tables, to cross-check the header against.
_MAP_CODES: Final = {
    0x0001: "string_ids",
    0x0002: "type_ids",
    0x0003: "proto_ids",
    0x0004: "field_ids",
    0x0005: "method_ids",
    0x0006: "class_defs",
}

# A single-string lookup scans at most this far for its NUL, and all single
# lookups together read about one file's worth of bytes; past either bound
# the whole pool is decoded instead, because that pass has a linear worst
# case while forged overlapping strings make repeated lookups quadratic.
_SINGLE_SCAN_WINDOW: Final = 1 << 16

# Dalvik passes arguments in at most 255 registers, so no real prototype has
# more parameters; the cap stops a forged type_list from inflating every
# signature string built from it.
_MAX_PROTO_PARAMS: Final = 255

# There are about twenty map item types; a longer map is forged, and reading
# it all would only cost time.
_MAX_MAP_ITEMS: Final = 256

_PRIMITIVES: Final = {
    "V": "void",
    "Z": "boolean",
    "B": "byte",
    "S": "short",
    "C": "char",
    "I": "int",
    "J": "long",
    "F": "float",
    "D": "double",
}

# array('I') is 4 bytes on every platform CPython supports today, but the C
# standard only promises 2, so pick whichever code really is 4 bytes wide.
_U32_CODE: Final = "I" if array("I").itemsize == 4 else "L"
_BIG_ENDIAN_HOST: Final = sys.byteorder == "big"

_Buffer = bytes | bytearray | mmap.mmap


def _mutf8_error_handler(exc: UnicodeError) -> tuple[str, int]:
    """Decode the MUTF-8 forms strict UTF-8 rejects, one spot at a time.

    Called by the C UTF-8 decoder only where it fails, so valid runs keep C
    speed. Like the Android runtime, bit patterns are decoded without
    rejecting overlong forms (``C0 80`` is how MUTF-8 writes NUL).
    """
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    raw = exc.object
    i = exc.start
    n = len(raw)
    b0 = raw[i]
    if 0xC0 <= b0 <= 0xDF and i + 1 < n and raw[i + 1] & 0xC0 == 0x80:
        return chr(((b0 & 0x1F) << 6) | (raw[i + 1] & 0x3F)), i + 2
    if (
        0xE0 <= b0 <= 0xEF
        and i + 2 < n
        and raw[i + 1] & 0xC0 == 0x80
        and raw[i + 2] & 0xC0 == 0x80
    ):
        cp = ((b0 & 0x0F) << 12) | ((raw[i + 1] & 0x3F) << 6) | (raw[i + 2] & 0x3F)
        return chr(cp), i + 3
    return "\ufffd", i + 1


_MUTF8_ERRORS: Final = "datatrail.mutf8"
codecs.register_error(_MUTF8_ERRORS, _mutf8_error_handler)


def _decode_mutf8_slow(raw: bytes | bytearray) -> str:
    """Full MUTF-8 decode for strings strict UTF-8 refused."""
    try:
        # What MUTF-8 adds to UTF-8 is, nearly always, ``C0 80`` for NUL (a byte
        # pair no UTF-8 contains) and characters past U+FFFF as two encoded
        # surrogates, which "surrogatepass" decodes in C. Anything else (overlong
        # forms, stray bytes) goes through the handler, one spot at a time.
        text = raw.replace(b"\xc0\x80", b"\0").decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", _MUTF8_ERRORS)
    # Surrogates arrive one code unit at a time; a UTF-16 round trip pairs
    # them up in C and turns the unpaired ones into U+FFFD.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def decode_mutf8(raw: bytes | bytearray) -> str:
    """Decode MUTF-8 bytes (without the NUL terminator) to a ``str``.

    Lone surrogates and undecodable bytes become U+FFFD.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_mutf8_slow(raw)


def is_dex(data: bytes | bytearray | memoryview) -> bool:
    """True when ``data`` starts with a DEX magic ``dex\\nNNN\\0`` (any version digits)."""
    head = bytes(data[:8])
    return (
        len(head) == 8
        and head[:4] == b"dex\n"
        and head[4:7].isdigit()
        and head[7] == 0
    )


def descriptor_to_java(desc: str) -> str:
    """Type descriptor to Java source spelling.

    ``Lcom/foo/Bar;`` -> ``com.foo.Bar``, ``[[I`` -> ``int[][]``, ``V`` ->
    ``void``. Nested classes keep their ``$`` (binary name). Anything that is
    not a well-formed descriptor is returned unchanged, so placeholders such
    as ``<bad-string:3>`` stay recognisable.
    """
    dims = 0
    n = len(desc)
    while dims < n and desc[dims] == "[":
        dims += 1
    base = desc[dims:]
    if len(base) > 2 and base[0] == "L" and base[-1] == ";":
        name = base[1:-1].replace("/", ".")
    elif base in _PRIMITIVES:
        name = _PRIMITIVES[base]
    else:
        return desc
    return name + "[]" * dims if dims else name


def _as_buffer(data: bytes | bytearray | memoryview | mmap.mmap) -> _Buffer:
    """A buffer with C-speed ``find`` and slicing, copying only when forced.

    ``memoryview`` has no ``find``; when the view covers a whole bytes-like
    object we use that object, otherwise the view is copied once.
    """
    if isinstance(data, (bytes, bytearray, mmap.mmap)):
        return data
    if isinstance(data, memoryview):
        obj = data.obj
        if (
            isinstance(obj, (bytes, bytearray, mmap.mmap))
            and data.contiguous
            and data.itemsize == 1
            and data.nbytes == len(obj)
        ):
            return obj
        return data.tobytes()
    raise TypeError(f"DEX data must be bytes-like, not {type(data).__name__}")


def _u32_table(buf: _Buffer, off: int, count: int) -> array[int]:
    table = array(_U32_CODE)
    table.frombytes(buf[off : off + 4 * count])
    if _BIG_ENDIAN_HOST:
        table.byteswap()
    return table


def _u16_table(buf: _Buffer, off: int, count: int) -> array[int]:
    table = array("H")
    table.frombytes(buf[off : off + 2 * count])
    if _BIG_ENDIAN_HOST:
        table.byteswap()
    return table


class _Table:
    """One id table as the header describes it, after bounds checking."""

    __slots__ = ("name", "count", "off", "item_size", "claimed")

    def __init__(self, name: str, claimed: int, off: int, item_size: int) -> None:
        self.name = name
        self.claimed = claimed
        self.count = claimed
        self.off = off
        self.item_size = item_size


class _Tally:
    """Counts one kind of damage during a pass so it yields one diagnostic."""

    __slots__ = ("count", "first")

    def __init__(self) -> None:
        self.count = 0
        self.first = -1

    def hit(self, idx: int) -> None:
        if self.count == 0:
            self.first = idx
        self.count += 1


class DexFile:
    """Lazy reader over the id tables of one DEX file.

    Construction checks the header and the table bounds (cheap, no per-item
    work). Lists returned by the accessors are fresh copies; the decoded
    objects inside are shared with the cache. The ``*_count`` attributes are
    the usable entry counts: the header's, cut down where a table runs past
    the end of the data. Damage found later (while decoding) goes to
    ``log`` when the accessor that meets it first runs.
    """

    log: DiagnosticLog
    limits: Limits
    name: str
    version: str
    checksum_ok: bool
    string_count: int
    type_count: int
    proto_count: int
    field_count: int
    method_count: int
    class_def_count: int

    def __init__(
        self,
        data: bytes | bytearray | memoryview | mmap.mmap,
        name: str = "classes.dex",
        log: DiagnosticLog | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.name = name
        self.log = log if log is not None else DiagnosticLog()
        self.limits = limits
        buf = _as_buffer(data)
        self._buf = buf
        self._size = len(buf)
        self._reported: set[str] = set()

        self._string_offs: array[int] | None = None
        self._strings: list[str] | None = None
        self._string_cache: dict[int, str] = {}
        self._single_bytes = 0
        self._pool_reported = False
        self._types: list[str] | None = None
        self._protos: list[str] | None = None
        self._method_refs: list[tuple[str, str, str]] | None = None
        self._field_refs: list[tuple[str, str, str]] | None = None
        self._class_descs: list[str] | None = None

        self._parse_header()

    # ------------------------------------------------------------------ header

    def _loc(self, off: int | None = None) -> str:
        return self.name if off is None else f"{self.name}@0x{off:x}"

    def _diag(
        self,
        code: str,
        message: str,
        off: int | None = None,
        severity: Level = Level.WARNING,
    ) -> None:
        self.log.add(code, message, self._loc(off), severity)

    def _diag_once(
        self, key: str, code: str, message: str, off: int | None = None
    ) -> None:
        # Single-item lookups can hit the same damage millions of times;
        # the first report is what an analyst needs.
        if key in self._reported:
            return
        self._reported.add(key)
        self._diag(code, message, off)

    def _parse_header(self) -> None:
        buf = self._buf
        size = self._size
        if not is_dex(buf[:8]):
            raise CorruptInput(f"{self.name}: not a DEX file (bad magic)")
        if size < HEADER_SIZE:
            raise CorruptInput(
                f"{self.name}: {size} bytes, shorter than the {HEADER_SIZE}-byte DEX header"
            )
        (
            magic,
            checksum,
            _signature,
            file_size,
            header_size,
            endian_tag,
            _link_size,
            _link_off,
            map_off,
            string_ids_size,
            string_ids_off,
            type_ids_size,
            type_ids_off,
            proto_ids_size,
            proto_ids_off,
            field_ids_size,
            field_ids_off,
            method_ids_size,
            method_ids_off,
            class_defs_size,
            class_defs_off,
            data_size,
            data_off,
        ) = _HEADER.unpack_from(buf, 0)

        if endian_tag == _REVERSE_ENDIAN_CONSTANT:
            # No shipped toolchain writes big-endian DEX and the runtime
            # refuses it; read as little-endian its counts would be garbage
            # (and trip the limits below with a misleading message).
            raise CorruptInput(f"{self.name}: big-endian (reverse endian tag) DEX is not supported")

        tables = [
            _Table("string_ids", string_ids_size, string_ids_off, 4),
            _Table("type_ids", type_ids_size, type_ids_off, 4),
            _Table("proto_ids", proto_ids_size, proto_ids_off, 12),
            _Table("field_ids", field_ids_size, field_ids_off, 8),
            _Table("method_ids", method_ids_size, method_ids_off, 8),
            _Table("class_defs", class_defs_size, class_defs_off, 32),
        ]
        # Counts are checked before anything else, so a forged one fails fast.
        for t in tables:
            if t.claimed > self.limits.max_dex_items:
                raise LimitExceeded(
                    f"{self.name}: {t.name} count {t.claimed} exceeds the limit of "
                    f"{self.limits.max_dex_items}"
                )

        self.version = magic[4:7].decode("ascii")
        version_no = int(self.version)
        if not _MIN_VERSION <= version_no <= _MAX_VERSION:
            self._diag(
                "dex.version",
                f"unknown DEX version {self.version}; reading it as a known one",
                0,
            )

        if endian_tag != _ENDIAN_CONSTANT:
            self._diag(
                "dex.endian-tag",
                f"unexpected endian tag 0x{endian_tag:08x}; assuming little-endian",
                40,
            )

        expected_header = 0x78 if version_no >= 41 else HEADER_SIZE
        if header_size != expected_header and header_size != HEADER_SIZE:
            self._diag(
                "dex.header-size",
                f"header_size is {header_size}, expected {expected_header}",
                36,
            )
        if version_no >= 41 and header_size >= 0x78 and size >= 0x78:
            container_size, header_offset = _V41_EXTRA.unpack_from(buf, HEADER_SIZE)
            if header_offset != 0 or container_size != file_size:
                self._diag(
                    "dex.container",
                    f"DEX container (size {container_size}, header at {header_offset}); "
                    "only the first DEX file in it is read",
                    HEADER_SIZE,
                    Level.INFO,
                )

        # The runtime rejects a file shorter than file_size, but a truncated
        # download still holds readable tables, so carry on with what exists.
        self._truncated = file_size > size
        if file_size > size:
            self._diag(
                "dex.truncated",
                f"header file_size {file_size} exceeds the {size} bytes present",
                32,
            )
            end = size
        elif file_size < HEADER_SIZE:
            self._diag("dex.file-size", f"header file_size {file_size} is impossible", 32)
            end = size
        else:
            if file_size < size:
                self._diag(
                    "dex.trailing-data",
                    f"{size - file_size} bytes after the end declared by file_size",
                    file_size,
                    Level.INFO,
                )
            end = file_size
        self._end = end

        self.checksum_ok = zlib.adler32(memoryview(buf)[12:end]) == checksum
        if not self.checksum_ok:
            self._diag(
                "dex.checksum",
                f"adler32 checksum mismatch (header 0x{checksum:08x})",
                8,
                Level.INFO if self._truncated else Level.WARNING,
            )

        for t in tables:
            self._check_table(t)
        self._tables = {t.name: t for t in tables}
        self.string_count = tables[0].count
        self.type_count = tables[1].count
        self.proto_count = tables[2].count
        self.field_count = tables[3].count
        self.method_count = tables[4].count
        self.class_def_count = tables[5].count

        # Indexes into these tables are 16-bit in field/method ids and code.
        for t in (tables[1], tables[2]):
            if t.count > 0x10000:
                self._diag(
                    "dex.table-too-large",
                    f"{t.name} has {t.count} entries; only 65536 are addressable",
                    t.off,
                )

        if data_off + data_size > end or (data_size and data_off < HEADER_SIZE):
            self._diag(
                "dex.data-section",
                f"data section 0x{data_off:x}+{data_size} lies outside the file",
                104,
                Level.INFO if self._truncated else Level.WARNING,
            )
        self._check_map(map_off, tables)

    def _check_table(self, t: _Table) -> None:
        size = self._size
        if t.claimed == 0:
            return
        if t.off < HEADER_SIZE or t.off >= size:
            if self._truncated and t.off >= size:
                self._diag(
                    "dex.table-missing",
                    f"{t.name} table (offset 0x{t.off:x}) is past the end of the truncated file",
                    t.off,
                )
                t.count = 0
                return
            raise CorruptInput(
                f"{self.name}: {t.name} table offset 0x{t.off:x} with {t.claimed} "
                f"entries lies outside the {size}-byte file"
            )
        if t.off % 4:
            self._diag(
                "dex.table-misaligned",
                f"{t.name} table offset 0x{t.off:x} is not 4-byte aligned",
                t.off,
                Level.INFO,
            )
        fits = (size - t.off) // t.item_size
        if fits < t.claimed:
            self._diag(
                "dex.table-truncated",
                f"{t.name} claims {t.claimed} entries but only {fits} fit in the file",
                t.off,
            )
            t.count = fits

    def _check_map(self, map_off: int, tables: list[_Table]) -> None:
        buf = self._buf
        size = self._size
        if map_off == 0:
            self._diag("dex.map", "header has no map_list (map_off is 0)", 52)
            return
        if map_off % 4 or map_off < HEADER_SIZE or map_off + 4 > size:
            self._diag(
                "dex.map",
                f"map_off 0x{map_off:x} is misaligned or outside the file",
                52,
                Level.INFO if self._truncated and map_off >= size else Level.WARNING,
            )
            return
        (count,) = _U32.unpack_from(buf, map_off)
        fits = min((size - map_off - 4) // _MAP_ITEM.size, _MAX_MAP_ITEMS)
        complete = count <= fits
        if not complete:
            self._diag(
                "dex.map",
                f"map_list claims {count} items; reading {fits}",
                map_off,
            )
            count = fits
        by_name = {t.name: t for t in tables}
        mismatches: list[str] = []
        seen: set[int] = set()
        for k in range(count):
            code, _unused, item_size, item_off = _MAP_ITEM.unpack_from(buf, map_off + 4 + 12 * k)
            if code in seen:
                mismatches.append(f"type 0x{code:04x} listed twice")
            seen.add(code)
            tname = _MAP_CODES.get(code)
            if tname is None:
                continue
            t = by_name[tname]
            if t.claimed != item_size or (item_size and t.off != item_off):
                mismatches.append(
                    f"{tname}: header {t.claimed}@0x{t.off:x}, map {item_size}@0x{item_off:x}"
                )
        for code, tname in _MAP_CODES.items():
            if complete and code not in seen and by_name[tname].claimed:
                mismatches.append(f"{tname} missing from map")
        if mismatches:
            self._diag(
                "dex.map-mismatch",
                "map_list disagrees with header: " + "; ".join(mismatches[:8]),
                map_off,
            )

    # ----------------------------------------------------------------- strings

    def _offsets(self) -> array[int]:
        if self._string_offs is None:
            t = self._tables["string_ids"]
            self._string_offs = _u32_table(self._buf, t.off, t.count)
        return self._string_offs

    def _content_start(self, off: int) -> int:
        """Position after the ULEB128 utf16 length at ``off``, or -1."""
        buf = self._buf
        size = self._size
        if off >= size:
            return -1
        if buf[off] < 0x80:
            return off + 1
        # The length is not needed (NUL ends the data); only its extent is.
        p = off + 1
        stop = min(off + 5, size)
        while p < stop and buf[p] & 0x80:
            p += 1
        if p >= stop:
            return -1
        return p + 1

    @property
    def buffer(self) -> bytes | bytearray | mmap.mmap:
        """The whole DEX file, read-only by contract (code scanners search it directly)."""
        return self._buf

    def string(self, idx: int) -> str:
        """String ``idx`` of the pool; ``<bad-string:idx>`` if unusable."""
        if self._strings is not None:
            if 0 <= idx < len(self._strings):
                return self._strings[idx]
            self._diag_once(
                "string-index", "dex.bad-index", f"string index {idx} out of range (first seen)"
            )
            return f"<bad-string:{idx}>"
        cached = self._string_cache.get(idx)
        if cached is not None:
            return cached
        if not 0 <= idx < self.string_count:
            self._diag_once(
                "string-index", "dex.bad-index", f"string index {idx} out of range (first seen)"
            )
            return f"<bad-string:{idx}>"
        off = self._offsets()[idx]
        start = self._content_start(off)
        if start < 0:
            self._diag_once(
                "string-data",
                "dex.bad-string",
                f"string {idx}: data offset 0x{off:x} is outside the file (first seen)",
                off,
            )
            text = f"<bad-string:{idx}>"
        else:
            end = self._buf.find(b"\0", start, start + _SINGLE_SCAN_WINDOW)
            if end < 0 or self._single_bytes > self._size + _SINGLE_SCAN_WINDOW:
                # Long string or many lookups: the whole-pool pass bounds the
                # total scanning work, so defer to it from here on.
                return self.strings_view()[idx]
            self._single_bytes += end - start
            text = decode_mutf8(self._buf[start:end])
        self._string_cache[idx] = text
        return text

    def strings(self) -> list[str]:
        """Every string of the pool, in index order (decoded once, then cached)."""
        return list(self.strings_view())

    def strings_once(self) -> list[str]:
        """Every string of the pool, for one pass over it: not kept unless already cached.

        A scan over dozens of large DEX files then holds one decoded pool at a
        time instead of all of them. Damage is diagnosed on the first decode only.
        """
        return self._strings if self._strings is not None else self._decode_all_strings()

    def strings_view(self) -> list[str]:
        """Like :meth:`strings` but returns the cached list itself: do not mutate it."""
        if self._strings is None:
            self._strings = self._decode_all_strings()
            self._string_cache.clear()
        return self._strings

    def _decode_all_strings(self) -> list[str]:
        offs = self._offsets()
        n = len(offs)
        if n == 0:
            return []
        buf = self._buf
        size = self._size
        find = buf.find
        out: list[str] = []
        append = out.append
        bad = _Tally()
        overlap = _Tally()
        over_budget = _Tally()
        # Legit string data items are disjoint, so decoded bytes never exceed
        # the file size; overlapping forged items are what this budget stops.
        budget = 2 * size + (1 << 20)
        used = 0
        fast = max(offs) < size
        prev_start = -1
        prev_end = -1
        prev_text = ""

        # Fast path: writers lay string data out in index order, so offsets
        # only grow and each NUL search covers just its own string.
        i = 0
        for off in offs:
            if fast and buf[off] < 0x80:
                start = off + 1
            else:
                start = self._content_start(off)
                if start < 0:
                    bad.hit(i)
                    append(f"<bad-string:{i}>")
                    i += 1
                    continue
            if start <= prev_end:
                if start < prev_start:
                    break  # out of order: finish with the sorted pass below
                if start == prev_start:
                    append(prev_text)
                    i += 1
                    continue
                end = prev_end
                overlap.hit(i)
            else:
                end = find(b"\0", start)
                if end < 0:
                    bad.hit(i)
                    append(f"<bad-string:{i}>")
                    i += 1
                    continue
            used += end - start
            if used > budget:
                over_budget.hit(i)
                append(f"<bad-string:{i}>")
                i += 1
                continue
            raw = buf[start:end]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = _decode_mutf8_slow(raw)
            append(text)
            prev_start = start
            prev_end = end
            prev_text = text
            i += 1

        if i < n:
            self._decode_unordered(offs, out, i, bad, overlap, over_budget, used, budget)

        if self._types is None and not (bad.count or overlap.count or over_budget.count):
            # A sound pool gives each string exactly as ``string`` would: settle the type
            # descriptors from it now, which otherwise cost one lookup each (class names, SDKs).
            t = self._tables["type_ids"]
            sidx = _u32_table(self._buf, t.off, t.count)
            if not sidx or max(sidx) < len(out):
                self._types = list(map(out.__getitem__, sidx))

        if self._pool_reported:
            return out
        self._pool_reported = True
        if bad.count:
            self._diag(
                "dex.bad-string",
                f"{bad.count} string(s) have data outside the file or no terminator "
                f"(first: index {bad.first})",
                self._tables["string_ids"].off,
            )
        if overlap.count:
            self._diag(
                "dex.string-overlap",
                f"{overlap.count} string data item(s) overlap another (first: index {overlap.first})",
                self._tables["string_ids"].off,
            )
        if over_budget.count:
            self._diag(
                "dex.string-budget",
                f"{over_budget.count} string(s) skipped: overlapping string data exceeded "
                f"the decoding budget (first: index {over_budget.first})",
                self._tables["string_ids"].off,
            )
        return out

    def _decode_unordered(
        self,
        offs: array[int],
        out: list[str],
        first: int,
        bad: _Tally,
        overlap: _Tally,
        over_budget: _Tally,
        used: int,
        budget: int,
    ) -> None:
        """Finish decoding from index ``first`` when offsets are not ascending.

        Visiting the remaining strings by offset keeps the NUL scans disjoint,
        so a forged order cannot make the scanning quadratic.
        """
        buf = self._buf
        find = buf.find
        n = len(offs)
        results: dict[int, str] = {}
        order = sorted(range(first, n), key=offs.__getitem__)
        prev_start = -1
        prev_end = -1
        prev_text = ""
        for i in order:
            start = self._content_start(offs[i])
            if start < 0:
                bad.hit(i)
                results[i] = f"<bad-string:{i}>"
                continue
            if start == prev_start:
                results[i] = prev_text
                continue
            if start <= prev_end:
                end = prev_end
                overlap.hit(i)
            else:
                end = find(b"\0", start)
                if end < 0:
                    bad.hit(i)
                    results[i] = f"<bad-string:{i}>"
                    continue
            used += end - start
            if used > budget:
                over_budget.hit(i)
                results[i] = f"<bad-string:{i}>"
                continue
            text = decode_mutf8(buf[start:end])
            results[i] = text
            prev_start = start
            prev_end = end
            prev_text = text
        out.extend(results[i] for i in range(first, n))

    # ------------------------------------------------------------------- types

    def type_name(self, idx: int) -> str:
        """Descriptor of type ``idx`` (``Lcom/foo/Bar;``), or ``<bad-type:idx>``."""
        if self._types is not None:
            if 0 <= idx < len(self._types):
                return self._types[idx]
        elif 0 <= idx < self.type_count:
            t = self._tables["type_ids"]
            (sidx,) = _U32.unpack_from(self._buf, t.off + 4 * idx)
            return self.string(sidx)
        self._diag_once("type-index", "dex.bad-index", f"type index {idx} out of range (first seen)")
        return f"<bad-type:{idx}>"

    def type_names(self) -> list[str]:
        """Descriptors of every type_id, in index order."""
        return list(self._type_list())

    def _type_list(self) -> list[str]:
        if self._types is None:
            t = self._tables["type_ids"]
            sidx = _u32_table(self._buf, t.off, t.count)
            if self._strings is not None:
                self._types = self._map_indexes(sidx, self._strings, "string", "type_ids", t.off)
            else:
                string = self.string
                # Index checks are inside string(); its placeholder and
                # once-only diagnostic cover forged descriptor indexes.
                self._types = [string(i) for i in sidx]
        return self._types

    def _map_indexes(
        self,
        indexes: array[int],
        target: list[str],
        kind: str,
        table: str,
        off: int,
    ) -> list[str]:
        """``[target[i] for i in indexes]`` with placeholders for bad indexes."""
        if not indexes:
            return []
        limit = len(target)
        if max(indexes) < limit:
            return list(map(target.__getitem__, indexes))
        tally = _Tally()
        out: list[str] = []
        for pos, i in enumerate(indexes):
            if i < limit:
                out.append(target[i])
            else:
                tally.hit(pos)
                out.append(f"<bad-{kind}:{i}>")
        self._diag(
            "dex.bad-index",
            f"{tally.count} {table} reference(s) to a {kind} index past its table "
            f"(first: entry {tally.first})",
            off,
        )
        return out

    # ----------------------------------------------------------------- classes

    def class_descriptors(self) -> list[str]:
        """Descriptors of the classes this file defines, in class_def order."""
        return list(self._class_desc_list())

    def _class_desc_list(self) -> list[str]:
        if self._class_descs is None:
            t = self._tables["class_defs"]
            words = _u32_table(self._buf, t.off, t.count * 8)
            class_idx = words[0::8]
            self._class_descs = self._map_indexes(
                class_idx, self._type_list(), "type", "class_defs", t.off
            )
        return self._class_descs

    @property
    def class_defs_declared(self) -> int:
        """Classes the header says the file defines."""
        return self._tables["class_defs"].claimed

    @property
    def class_defs_present(self) -> int:
        """Class definitions that lie inside the file (fewer than declared when it is cut short)."""
        return self._tables["class_defs"].count

    def class_names(self) -> list[str]:
        """Defined classes as dotted Java names (``com.foo.Bar``).

        class_defs naming an array, a primitive or a damaged descriptor are
        left out (with a diagnostic), so this can be shorter than
        :meth:`class_descriptors`.
        """
        out: list[str] = []
        append = out.append
        skipped = _Tally()
        for pos, desc in enumerate(self._class_desc_list()):
            if len(desc) > 2 and desc[0] == "L" and desc[-1] == ";":
                append(desc[1:-1].replace("/", "."))
            else:
                skipped.hit(pos)
        if skipped.count:
            self._diag_once(
                "class-not-class",
                "dex.class-def-not-class",
                f"{skipped.count} class_def(s) do not name a class type "
                f"(first: class_def {skipped.first})",
                self._tables["class_defs"].off,
            )
        return out

    # ------------------------------------------------------------------ protos

    def _proto_list(self) -> list[str]:
        if self._protos is not None:
            return self._protos
        t = self._tables["proto_ids"]
        words = _u32_table(self._buf, t.off, t.count * 3)
        types = self._type_list()
        ntypes = len(types)
        buf = self._buf
        size = self._size
        # Writers share one type_list between protos, so parse each once.
        params_by_off: dict[int, str | None] = {0: ""}
        bad_lists = _Tally()
        bad_types = _Tally()
        over_budget = _Tally()
        # Honest signatures are a small multiple of the file; forged protos
        # sharing one long parameter list are what this budget stops.
        budget = 8 * size + (1 << 20)
        used = 0
        out: list[str] = []
        append = out.append
        for i in range(t.count):
            ret_idx = words[3 * i + 1]
            params_off = words[3 * i + 2]
            if params_off in params_by_off:
                params = params_by_off[params_off]
            else:
                params = None
                if params_off + 4 <= size and params_off >= HEADER_SIZE:
                    (nparams,) = _U32.unpack_from(buf, params_off)
                    if nparams <= _MAX_PROTO_PARAMS and params_off + 4 + 2 * nparams <= size:
                        idxs = _u16_table(buf, params_off + 4, nparams)
                        if not idxs or max(idxs) < ntypes:
                            params = "".join(map(types.__getitem__, idxs))
                        else:
                            bad_types.hit(i)
                            params = "".join(
                                types[k] if k < ntypes else f"<bad-type:{k}>" for k in idxs
                            )
                params_by_off[params_off] = params
            if params is None:
                bad_lists.hit(i)
                params = f"<bad-type-list:0x{params_off:x}>"
            if ret_idx < ntypes:
                ret = types[ret_idx]
            else:
                bad_types.hit(i)
                ret = f"<bad-type:{ret_idx}>"
            used += len(params) + len(ret) + 2
            if used > budget:
                over_budget.hit(i)
                append(f"<bad-proto:{i}>")
                continue
            append("(" + params + ")" + ret)
        if bad_lists.count:
            self._diag(
                "dex.bad-type-list",
                f"{bad_lists.count} proto(s) have an unreadable parameter list "
                f"(first: proto {bad_lists.first})",
                t.off,
            )
        if bad_types.count:
            self._diag(
                "dex.bad-index",
                f"{bad_types.count} proto(s) reference a type index past type_ids "
                f"(first: proto {bad_types.first})",
                t.off,
            )
        if over_budget.count:
            self._diag(
                "dex.proto-budget",
                f"{over_budget.count} proto signature(s) skipped: total signature text "
                f"exceeded the budget (first: proto {over_budget.first})",
                t.off,
            )
        self._protos = out
        return out

    # -------------------------------------------------------------- references

    def _member_refs(
        self, table: str, second: list[str], second_kind: str
    ) -> list[tuple[str, str, str]]:
        """(class, name, second) for field_ids or method_ids.

        Both tables are ``u16 class_idx, u16 X_idx, u32 name_idx``; ``second``
        is what ``X_idx`` indexes (types for fields, protos for methods).
        """
        t = self._tables[table]
        if t.count == 0:
            return []
        halves = _u16_table(self._buf, t.off, t.count * 4)
        words = _u32_table(self._buf, t.off, t.count * 2)
        classes = self._map_indexes(halves[0::4], self._type_list(), "type", table, t.off)
        seconds = self._map_indexes(halves[1::4], second, second_kind, table, t.off)
        names = self._map_indexes(words[1::2], self.strings_view(), "string", table, t.off)
        return list(zip(classes, names, seconds))

    def method_refs(self) -> list[tuple[str, str, str]]:
        """``(class descriptor, name, "(params)ret")`` for every method_id, in order."""
        if self._method_refs is None:
            self._method_refs = self._member_refs("method_ids", self._proto_list(), "proto")
        return list(self._method_refs)

    def field_refs(self) -> list[tuple[str, str, str]]:
        """``(class descriptor, name, type descriptor)`` for every field_id, in order."""
        if self._field_refs is None:
            self._field_refs = self._member_refs("field_ids", self._type_list(), "type")
        return list(self._field_refs)

    def __repr__(self) -> str:
        return (
            f"DexFile({self.name!r}, version={self.version!r}, strings={self.string_count}, "
            f"classes={self.class_def_count}, methods={self.method_count})"
        )
