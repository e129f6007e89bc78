"""A bounded, tolerant reader for ``resources.arsc`` (the ResTable format).

It reads just enough to resolve the resource references an ``AndroidManifest.xml``
makes (``@string/app_name``, ``@bool/debuggable``, ``@xml/network_security_config``...):
packages, type specs, type chunks with their configurations, simple entries (dense,
``FLAG_SPARSE`` and ``FLAG_OFFSET16`` offset tables, ``FLAG_COMPACT`` entries) and
``Res_value`` decoding.  Map ("bag") entries are kept raw.

Layouts follow the AOSP ``ResourceTypes.h`` documentation (all little-endian)::

    ResChunk_header      +0 u16 type, +2 u16 headerSize, +4 u32 size
    ResTable_header      +8 u32 packageCount
    ResTable_package     +8 u32 id, +12 u16 name[128], +268 u32 typeStrings,
                         +272 u32 lastPublicType, +276 u32 keyStrings,
                         +280 u32 lastPublicKey, (+284 u32 typeIdOffset)
    ResTable_typeSpec    +8 u8 id, +9 u8 res0, +10 u16 typesCount, +12 u32 entryCount,
                         then u32 flags[entryCount]
    ResTable_type        +8 u8 id, +9 u8 flags, +10 u16 reserved, +12 u32 entryCount,
                         +16 u32 entriesStart, +20 ResTable_config (its own u32 size first),
                         then at headerSize the entry offsets:
                           dense      u32[entryCount], 0xffffffff = no entry
                           OFFSET16   u16[entryCount] in units of 4, 0xffff = no entry
                           SPARSE     {u16 index, u16 offset/4}[entryCount], sorted
    ResTable_entry       +0 u16 size, +2 u16 flags, +4 u32 key     (then Res_value at +size)
      FLAG_COMPLEX       +8 u32 parent, +12 u32 count, then {u32 name, Res_value}[count]
      FLAG_COMPACT       +0 u16 key, +2 u16 flags (value type in the high byte), +4 u32 data
    Res_value            +0 u16 size, +2 u8 res0, +3 u8 dataType, +4 u32 data

Parsing is a single pass over the chunks that locates and checks every entry (so all
diagnostics are known when :meth:`ResourceTable.parse` returns) but decodes values only
when asked.  Memory is bounded by the input size: 4 bytes per dense entry slot, 6 per
sparse entry, plus one small record per type chunk.
"""

from __future__ import annotations

import struct
from array import array
from bisect import bisect_left
from collections.abc import Container
from typing import Iterator, NamedTuple

from datatrail.errors import CorruptInput
from datatrail.formats.android.stringpool import RES_STRING_POOL_TYPE, StringPool
from datatrail.limits import DEFAULT_LIMITS, Limits
from datatrail.model.diagnostic import DiagnosticLog, Level, Tally

__all__ = [
    "RES_TABLE_TYPE",
    "RES_TABLE_PACKAGE_TYPE",
    "RES_TABLE_TYPE_TYPE",
    "RES_TABLE_TYPE_SPEC_TYPE",
    "TYPE_NULL",
    "TYPE_REFERENCE",
    "TYPE_ATTRIBUTE",
    "TYPE_STRING",
    "TYPE_FLOAT",
    "TYPE_DIMENSION",
    "TYPE_FRACTION",
    "TYPE_DYNAMIC_REFERENCE",
    "TYPE_DYNAMIC_ATTRIBUTE",
    "TYPE_INT_DEC",
    "TYPE_INT_HEX",
    "TYPE_INT_BOOLEAN",
    "TYPE_INT_COLOR_ARGB8",
    "TYPE_INT_COLOR_RGB8",
    "TYPE_INT_COLOR_ARGB4",
    "TYPE_INT_COLOR_RGB4",
    "ResValue",
    "ResBag",
    "ResourceTable",
    "describe_config",
]

# Chunk types.
RES_TABLE_TYPE = 0x0002
RES_TABLE_PACKAGE_TYPE = 0x0200
RES_TABLE_TYPE_TYPE = 0x0201
RES_TABLE_TYPE_SPEC_TYPE = 0x0202
RES_TABLE_LIBRARY_TYPE = 0x0203
RES_TABLE_OVERLAYABLE_TYPE = 0x0204
RES_TABLE_OVERLAYABLE_POLICY_TYPE = 0x0205
RES_TABLE_STAGED_ALIAS_TYPE = 0x0206
_KNOWN_IGNORED_PACKAGE_CHILDREN = frozenset({
    RES_TABLE_LIBRARY_TYPE,
    RES_TABLE_OVERLAYABLE_TYPE,
    RES_TABLE_OVERLAYABLE_POLICY_TYPE,
    RES_TABLE_STAGED_ALIAS_TYPE,
})

# Res_value data types.
TYPE_NULL = 0x00
TYPE_REFERENCE = 0x01
TYPE_ATTRIBUTE = 0x02
TYPE_STRING = 0x03
TYPE_FLOAT = 0x04
TYPE_DIMENSION = 0x05
TYPE_FRACTION = 0x06
TYPE_DYNAMIC_REFERENCE = 0x07
TYPE_DYNAMIC_ATTRIBUTE = 0x08
TYPE_INT_DEC = 0x10
TYPE_INT_HEX = 0x11
TYPE_INT_BOOLEAN = 0x12
TYPE_INT_COLOR_ARGB8 = 0x1C
TYPE_INT_COLOR_RGB8 = 0x1D
TYPE_INT_COLOR_ARGB4 = 0x1E
TYPE_INT_COLOR_RGB4 = 0x1F
_DATA_NULL_EMPTY = 1

# Flags.
_TYPE_FLAG_SPARSE = 0x01
_TYPE_FLAG_OFFSET16 = 0x02
_ENTRY_FLAG_COMPLEX = 0x0001
_ENTRY_FLAG_COMPACT = 0x0008
_NO_ENTRY = 0xFFFFFFFF
_NO_ENTRY16 = 0xFFFF

# Binary layouts (offsets relative to the start of the structure).
_CHUNK = struct.Struct("<HHI")          # type @0, headerSize @2, size @4
_TABLE = struct.Struct("<HHII")         # chunk @0, packageCount @8
_TABLE_MIN_HEADER = _TABLE.size         # 12
_PACKAGE = struct.Struct("<HHII256sIIII")  # chunk @0, id @8, name @12, typeStrings @268,
#                                            lastPublicType @272, keyStrings @276,
#                                            lastPublicKey @280
_PACKAGE_MIN_HEADER = _PACKAGE.size     # 284
_U32 = struct.Struct("<I")
_TYPE_SPEC = struct.Struct("<HHIBBHI")  # chunk @0, id @8, res0 @9, typesCount @10,
#                                         entryCount @12
_TYPE = struct.Struct("<HHIBBHII")      # chunk @0, id @8, flags @9, reserved @10,
#                                         entryCount @12, entriesStart @16
_TYPE_CONFIG_AT = _TYPE.size            # 20: ResTable_config starts here
_ENTRY = struct.Struct("<HHI")          # size|key16 @0, flags @2, key|data @4
_MAP_HEADER = struct.Struct("<II")      # parent @8, count @12 (relative to the entry)
_VALUE = struct.Struct("<HBBI")         # size @0, res0 @2, dataType @3, data @4
_MAP_ITEM = struct.Struct("<IHBBI")     # name @0, Res_value @4
_SPARSE = struct.Struct("<HH")          # entry index @0, offset/4 @2
_F32 = struct.Struct("<f")

# ResTable_config as of Android 14 (64 bytes); shorter configs are zero-padded.
_CONFIG = struct.Struct("<IHH2s2sBBHBBBBHHHHBBHHH4s8sBBHB8s3x")
# size @0, mcc @4, mnc @6, language @8, country @10, orientation @12, touchscreen @13,
# density @14, keyboard @16, navigation @17, inputFlags @18, grammaticalInflection @19,
# screenWidth @20, screenHeight @22, sdkVersion @24, minorVersion @26, screenLayout @28,
# uiMode @29, smallestScreenWidthDp @30, screenWidthDp @32, screenHeightDp @34,
# localeScript @36, localeVariant @40, screenLayout2 @48, colorMode @49, pad @50,
# localeScriptWasComputed @52, localeNumberingSystem @53
_CONFIG_SIZE = _CONFIG.size  # 64

_DEFAULT_CONFIG = "default"
_MAX_TYPE_HEADER = _TYPE_CONFIG_AT + 1024  # generous bound when re-synchronising


# --------------------------------------------------------------------------- values


def _complex_to_float(data: int) -> float:
    mantissa = data >> 8
    if mantissa & 0x800000:
        mantissa -= 0x1000000
    shift = (0, 7, 15, 23)[(data >> 4) & 0x3]
    return mantissa / (1 << shift)


def _f32(data: int) -> float:
    raw = _U32.pack(data & 0xFFFFFFFF)
    value: float = _F32.unpack(raw)[0]
    if value != value or value in (float("inf"), float("-inf")):
        return value
    # Shortest decimal that reads back as the same 32-bit float.
    for digits in range(6, 10):
        short = float(f"{value:.{digits}g}")
        if _F32.pack(short) == raw:
            return short
    return value


def _fmt_number(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


_DIMENSION_UNITS = ("px", "dip", "sp", "pt", "in", "mm")
_FRACTION_UNITS = ("%", "%p")


class ResValue(NamedTuple):
    """One ``Res_value``: its data type, raw 32-bit data and, for strings, the text."""

    type: int
    data: int
    string: str | None = None

    @property
    def is_reference(self) -> bool:
        return self.type in (TYPE_REFERENCE, TYPE_DYNAMIC_REFERENCE)

    def render(self) -> str | int | bool | float | None:
        """The value as Python data.

        ``None`` for undefined, ``""`` for ``@empty``; ``bool`` for booleans; ``int`` for
        decimal (signed) and hex (unsigned) integers; ``float`` for floats;
        ``"@0x7f040001"`` for references (``"@null"`` for reference 0);
        ``"?0x7f010002"`` for theme attributes; ``"#aarrggbb"`` for colours;
        ``"16dip"`` / ``"50%"`` for dimensions / fractions; the string for strings.
        """
        t, d = self.type, self.data & 0xFFFFFFFF
        if t == TYPE_STRING:
            return self.string
        if t == TYPE_NULL:
            return "" if d == _DATA_NULL_EMPTY else None
        if t in (TYPE_REFERENCE, TYPE_DYNAMIC_REFERENCE):
            return "@null" if d == 0 else f"@0x{d:08x}"
        if t in (TYPE_ATTRIBUTE, TYPE_DYNAMIC_ATTRIBUTE):
            return f"?0x{d:08x}"
        if t == TYPE_INT_BOOLEAN:
            return d != 0
        if t == TYPE_INT_DEC:
            return d - (1 << 32) if d & 0x80000000 else d
        if t == TYPE_INT_HEX:
            return d
        if TYPE_INT_COLOR_ARGB8 <= t <= TYPE_INT_COLOR_RGB4:
            return f"#{d:08x}"
        if t == TYPE_FLOAT:
            return _f32(d)
        if t == TYPE_DIMENSION:
            unit = d & 0xF
            name = _DIMENSION_UNITS[unit] if unit < len(_DIMENSION_UNITS) else f"unit{unit}"
            return _fmt_number(_complex_to_float(d)) + name
        if t == TYPE_FRACTION:
            unit = d & 0xF
            name = _FRACTION_UNITS[unit] if unit < len(_FRACTION_UNITS) else f"unit{unit}"
            return _fmt_number(_complex_to_float(d) * 100) + name
        return d  # unknown type: the raw data


class ResBag(NamedTuple):
    """A map ("bag") entry kept raw: parent reference and (attribute id, value) items."""

    parent: int
    items: tuple[tuple[int, ResValue], ...]


# --------------------------------------------------------------------------- configs


def _unpack_locale_part(raw: bytes, base: str) -> str:
    """Two bytes of language/country; packed three-letter codes set the top bit."""
    b0, b1 = raw[0], raw[1]
    if b0 & 0x80:
        first = b1 & 0x1F
        second = ((b1 & 0xE0) >> 5) | ((b0 & 0x03) << 3)
        third = (b0 & 0x7C) >> 2
        return "".join(chr(ord(base) + c) for c in (first, second, third))
    out = ""
    for b in (b0, b1):
        if b == 0:
            break
        out += chr(b)
    return out


def _cstr(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("ascii", "replace")


_DENSITIES = {
    120: "ldpi", 160: "mdpi", 213: "tvdpi", 240: "hdpi", 320: "xhdpi",
    480: "xxhdpi", 640: "xxxhdpi", 0xFFFE: "anydpi", 0xFFFF: "nodpi",
}
_SCREEN_SIZES = {1: "small", 2: "normal", 3: "large", 4: "xlarge"}
_SCREEN_LONG = {0x10: "notlong", 0x20: "long"}
_LAYOUT_DIR = {0x40: "ldltr", 0x80: "ldrtl"}
_ROUND = {1: "notround", 2: "round"}
_WIDE_GAMUT = {1: "nowidecg", 2: "widecg"}
_HDR = {0x4: "lowdr", 0x8: "highdr"}
_ORIENTATIONS = {1: "port", 2: "land", 3: "square"}
_UI_TYPES = {1: "normal", 2: "desk", 3: "car", 4: "television", 5: "appliance",
             6: "watch", 7: "vrheadset"}
_NIGHT = {0x10: "notnight", 0x20: "night"}
_GRAMMAR = {1: "neuter", 2: "feminine", 3: "masculine"}
_TOUCH = {1: "notouch", 2: "stylus", 3: "finger"}
_KEYS_HIDDEN = {1: "keysexposed", 2: "keyshidden", 3: "keyssoft"}
_KEYBOARD = {1: "nokeys", 2: "qwerty", 3: "12key"}
_NAV_HIDDEN = {0x4: "navexposed", 0x8: "navhidden"}
_NAVIGATION = {1: "nonav", 2: "dpad", 3: "trackball", 4: "wheel"}


def describe_config(raw: bytes | memoryview) -> str:
    """Qualifier string of a ``ResTable_config`` in aapt's style (``"fr-rCA"``,
    ``"ldrtl-xhdpi-v17"``, ``"b+sr+Latn"``...), or ``"default"`` when empty."""
    buf = bytes(raw[:_CONFIG_SIZE]).ljust(_CONFIG_SIZE, b"\0")
    (_, mcc, mnc, language, country, orientation, touchscreen, density, keyboard,
     navigation, input_flags, grammar, screen_w, screen_h, sdk, minor, screen_layout,
     ui_mode, sw_dp, w_dp, h_dp, script, variant, screen_layout2, color_mode, _pad,
     script_computed, numbering) = _CONFIG.unpack(buf)
    parts: list[str] = []
    if mcc:
        parts.append(f"mcc{mcc}")
    if mnc:
        parts.append("mnc00" if mnc == 0xFFFF else f"mnc{mnc}")
    lang = _unpack_locale_part(language, "a") if language[0] else ""
    region = _unpack_locale_part(country, "0") if country[0] else ""
    script_s = _cstr(script) if not script_computed else ""
    variant_s = _cstr(variant)
    numbering_s = _cstr(numbering)
    if lang or region:
        if not script_s and not variant_s and not numbering_s:
            loc = lang
            if region:
                loc += ("-r" if loc else "r") + region
            parts.append(loc)
        else:
            loc = "b+" + (lang or "und")
            for extra in (script_s, region, variant_s):
                if extra:
                    loc += "+" + extra
            if numbering_s:
                loc += "+u+nu+" + numbering_s
            parts.append(loc)
    if grammar in _GRAMMAR:
        parts.append(_GRAMMAR[grammar])
    if screen_layout & 0xC0 in _LAYOUT_DIR:
        parts.append(_LAYOUT_DIR[screen_layout & 0xC0])
    if sw_dp:
        parts.append(f"sw{sw_dp}dp")
    if w_dp:
        parts.append(f"w{w_dp}dp")
    if h_dp:
        parts.append(f"h{h_dp}dp")
    for table, value in (
        (_SCREEN_SIZES, screen_layout & 0x0F),
        (_SCREEN_LONG, screen_layout & 0x30),
        (_ROUND, screen_layout2 & 0x03),
        (_WIDE_GAMUT, color_mode & 0x03),
        (_HDR, color_mode & 0x0C),
        (_ORIENTATIONS, orientation),
        (_UI_TYPES, ui_mode & 0x0F),
        (_NIGHT, ui_mode & 0x30),
    ):
        if value in table:
            parts.append(table[value])
    if density:
        parts.append(_DENSITIES.get(density, f"{density}dpi"))
    for table, value in (
        (_TOUCH, touchscreen),
        (_KEYS_HIDDEN, input_flags & 0x03),
        (_KEYBOARD, keyboard),
        (_NAV_HIDDEN, input_flags & 0x0C),
        (_NAVIGATION, navigation),
    ):
        if value in table:
            parts.append(table[value])
    if screen_w or screen_h:
        parts.append(f"{screen_w}x{screen_h}")
    if sdk or minor:
        parts.append(f"v{sdk}" + (f".{minor}" if minor else ""))
    return "-".join(parts) if parts else _DEFAULT_CONFIG


# --------------------------------------------------------------------------- model


class _Names:
    """Name pools of one package chunk (a merged package id may have several)."""

    __slots__ = ("type_id_offset", "type_names", "keys")

    def __init__(self, type_id_offset: int = 0) -> None:
        self.type_id_offset = type_id_offset
        self.type_names = StringPool.empty()
        self.keys = StringPool.empty()


class _TypeChunk:
    """One configuration's entries of a type. ``slots``: absolute offset of each entry's
    ResTable_entry (0: no entry); dense chunks are indexed by entry index, sparse ones run
    parallel to ``indices`` (sorted entry indices; None for a dense chunk)."""

    __slots__ = ("config", "start", "end", "names", "slots", "indices")

    def __init__(self, config: str, start: int, end: int, names: _Names, slots: array[int],
                 indices: array[int] | None = None) -> None:
        self.config = config
        self.start = start
        self.end = end
        self.names = names
        self.slots = slots
        self.indices = indices

    def find(self, index: int) -> int:
        slots, indices = self.slots, self.indices
        if indices is None:
            return slots[index] if 0 <= index < len(slots) else 0
        i = bisect_left(indices, index)
        return slots[i] if i < len(indices) and indices[i] == index else 0

    def located(self) -> Iterator[tuple[int, int]]:
        """``(entry index, entry offset)`` of each entry, as :meth:`find` locates it."""
        if self.indices is None:
            return ((i, at) for i, at in enumerate(self.slots) if at)
        return ((i, at) for i in dict.fromkeys(self.indices) if (at := self.find(i)))

    def present(self) -> Iterator[int]:
        """Entry indices that have an entry."""
        if self.indices is None:
            return (i for i, at in enumerate(self.slots) if at)
        return iter(self.indices)


class _Type:
    __slots__ = ("id", "names", "spec_entries", "chunks")

    def __init__(self, type_id: int, names: _Names, spec_entries: int = -1) -> None:
        self.id = type_id
        self.names = names
        self.spec_entries = spec_entries
        self.chunks: list[_TypeChunk] = []


class _Package:
    __slots__ = ("id", "name", "types")

    def __init__(self, pkg_id: int, name: str) -> None:
        self.id = pkg_id
        self.name = name
        self.types: dict[int, _Type] = {}




_PROBLEM_TEXT = {
    "arsc.entry-misaligned": "entry offsets not 4-byte aligned",
    "arsc.entry-overrun": "entries run past the end of their chunk",
    "arsc.entry-too-small": "entries declare a size below 8 bytes",
    "arsc.bag-overrun": "map entries declare more items than fit (clamped)",
    "arsc.value-size": "values declare a size other than 8",
    "arsc.bad-string-ref": "string values point outside the global string pool",
    "arsc.sparse-duplicate": "sparse entries repeat an earlier index (ignored)",
}


# --------------------------------------------------------------------------- table


class ResourceTable:
    """A parsed ``resources.arsc``; see the module docstring for what is read."""

    __slots__ = ("packages", "strings", "_data", "_pkgs", "_log", "_where")

    packages: dict[int, str]
    """Package id -> package name."""
    strings: StringPool
    """The global value string pool."""

    def __init__(self, data: memoryview, log: DiagnosticLog, where: str) -> None:
        self.packages = {}
        self.strings = StringPool.empty()
        self._data = data
        self._pkgs: dict[int, _Package] = {}
        self._log = log
        self._where = where

    # ----------------------------------------------------------------- parsing

    @classmethod
    def parse(
        cls,
        data: bytes | memoryview,
        log: DiagnosticLog,
        limits: Limits = DEFAULT_LIMITS,
        where: str = "resources.arsc",
    ) -> "ResourceTable":
        """Parse a whole ``resources.arsc``.

        Raises :class:`CorruptInput` only when there is no resource-table header;
        damaged chunks inside are skipped with a diagnostic.
        """
        view = memoryview(data)
        if view.ndim != 1 or view.itemsize != 1:
            view = view.cast("B")
        total = len(view)
        if total < _TABLE_MIN_HEADER:
            raise CorruptInput(f"{where}: {total} bytes is too short for a resource table")
        ctype, hsize, csize, package_count = _TABLE.unpack_from(view, 0)
        if ctype != RES_TABLE_TYPE:
            raise CorruptInput(f"{where}: not a resource table (chunk type 0x{ctype:04x})")
        table = cls(view, log, where)
        if hsize < _TABLE_MIN_HEADER or hsize > total:
            table._diag("arsc.bad-header-size", f"table header size {hsize} is impossible; "
                        f"assuming {_TABLE_MIN_HEADER}", 0, Level.ERROR)
            hsize = _TABLE_MIN_HEADER
        end = csize
        truncated = False
        if csize < hsize:
            table._diag("arsc.bad-size", f"table size {csize} is below its header size; "
                        "reading to the end of the data", 0)
            end = total
        elif csize > total:
            table._diag("arsc.truncated", f"table claims {csize} bytes, only {total} present",
                        0, Level.ERROR)
            end = total
            truncated = True
        elif csize < total:
            table._diag("arsc.trailing-data", f"{total - csize} bytes follow the table", csize,
                        Level.INFO)

        seen_pool = False
        found_packages = 0
        for ctype, pos, chsize, cend, clipped in table._children(
                hsize, end, truncated, _TOP_LEVEL_HEADERS, "table"):
            if ctype == RES_STRING_POOL_TYPE:
                if seen_pool:
                    table._diag("arsc.extra-string-pool",
                                "more than one global string pool; ignored", pos)
                    continue
                seen_pool = True
                try:
                    table.strings, _ = StringPool.parse(
                        view[:cend], pos, log, where, limits)
                except CorruptInput as exc:
                    table._diag("arsc.bad-string-pool", str(exc), pos, Level.ERROR)
            elif ctype == RES_TABLE_PACKAGE_TYPE:
                found_packages += 1
                table._parse_package(pos, chsize, cend, clipped, limits)
            else:
                table._diag("arsc.unknown-chunk",
                            f"unexpected chunk type 0x{ctype:04x} in the table; skipped", pos)
        if not seen_pool:
            table._diag("arsc.no-string-pool", "no global string pool", 0, Level.ERROR)
        if found_packages != package_count:
            table._diag("arsc.package-count",
                        f"header says {package_count} packages, found {found_packages}", 0,
                        Level.INFO)
        if not table.packages:
            table._diag("arsc.no-package", "no usable package in the table", 0,
                        Level.ERROR if package_count or found_packages else Level.INFO)
        return table

    def _diag(self, code: str, message: str, offset: int,
              severity: Level = Level.WARNING) -> None:
        self._log.add(code, message, f"{self._where}@0x{offset:x}", severity)

    def _children(
        self,
        start: int,
        end: int,
        truncated: bool,
        headers: dict[int, tuple[int, int]],
        level: str,
    ) -> Iterator[tuple[int, int, int, int, bool]]:
        """Yield ``(type, pos, header size, end, clipped)`` for the chunks in ``[start, end)``.

        A chunk whose size runs past ``end`` is, when the parent itself is complete,
        assumed tampered: the walk re-synchronises on the next plausible sibling header.
        When the parent is truncated the chunk is clamped instead.  A chunk whose header
        is unreadable ends the walk unless a sibling can be found further on.
        """
        view = self._data
        pos = start
        while pos < end:
            if end - pos < _CHUNK.size:
                self._diag("arsc.trailing-bytes",
                           f"{end - pos} stray bytes at the end of the {level}", pos)
                return
            ctype, hsize, csize = _CHUNK.unpack_from(view, pos)
            if hsize < _CHUNK.size or csize < hsize or (pos + hsize > end and not truncated):
                nxt = self._resync(pos + 4, end, headers, ctype)
                self._diag("arsc.bad-chunk-header",
                           f"chunk type 0x{ctype:04x} with header size {hsize} and size "
                           f"{csize} is unreadable in the {level}; "
                           + (f"resuming at 0x{nxt:x}" if nxt is not None else "rest skipped"),
                           pos, Level.ERROR)
                if nxt is None:
                    return
                pos = nxt
                continue
            cend = pos + csize
            if cend > end:
                nxt = None if truncated else self._resync(pos + hsize, end, headers, ctype)
                if nxt is not None:
                    self._diag("arsc.bad-chunk-size",
                               f"chunk size {csize} runs past the end of the {level}; "
                               f"cut at the next chunk, 0x{nxt:x}", pos, Level.ERROR)
                    cend = nxt
                else:
                    self._diag("arsc.chunk-truncated",
                               f"chunk type 0x{ctype:04x} claims {csize} bytes, "
                               f"{end - pos} remain in the {level}", pos, Level.ERROR)
                    cend = end
            if pos + hsize > cend:
                self._diag("arsc.chunk-truncated",
                           f"chunk type 0x{ctype:04x} header is cut short", pos, Level.ERROR)
                return
            yield ctype, pos, hsize, cend, cend < pos + csize
            pos = cend

    def _resync(self, start: int, end: int, headers: dict[int, tuple[int, int]],
                broken_type: int) -> int | None:
        """Offset of the next plausible sibling chunk header in ``[start, end)``."""
        view = self._data
        # A broken package may hold string pools and type chunks of its own: only
        # another package can be its sibling.
        if broken_type == RES_TABLE_PACKAGE_TYPE and RES_TABLE_PACKAGE_TYPE in headers:
            headers = {RES_TABLE_PACKAGE_TYPE: headers[RES_TABLE_PACKAGE_TYPE]}
        pos = (start + 3) & ~3
        while pos + _CHUNK.size <= end:
            ctype, hsize, csize = _CHUNK.unpack_from(view, pos)
            bounds = headers.get(ctype)
            if (bounds is not None and bounds[0] <= hsize <= bounds[1]
                    and hsize <= csize <= end - pos):
                if ctype != RES_TABLE_TYPE_TYPE or (
                        pos + _TYPE_CONFIG_AT + 4 <= end
                        and _U32.unpack_from(view, pos + _TYPE_CONFIG_AT)[0]
                        == hsize - _TYPE_CONFIG_AT):
                    return pos
            pos += 4
        return None

    def _parse_package(self, pos: int, hsize: int, end: int, truncated: bool,
                       limits: Limits) -> None:
        view = self._data
        if hsize < _PACKAGE_MIN_HEADER:
            self._diag("arsc.bad-package-header",
                       f"package header size {hsize} is below {_PACKAGE_MIN_HEADER}; "
                       "package skipped", pos, Level.ERROR)
            return
        (_, _, _, pkg_id, raw_name, type_strings, _, key_strings, _) = _PACKAGE.unpack_from(
            view, pos)
        type_id_offset = 0
        if hsize >= _PACKAGE_MIN_HEADER + 4:
            type_id_offset = _U32.unpack_from(view, pos + _PACKAGE_MIN_HEADER)[0]
            if type_id_offset > 0xFF:
                self._diag("arsc.bad-type-id-offset",
                           f"typeIdOffset {type_id_offset} is out of range; ignored", pos)
                type_id_offset = 0
        if pkg_id > 0xFF:
            self._diag("arsc.bad-package-id", f"package id 0x{pkg_id:x} does not fit a "
                       "resource id; package skipped", pos, Level.ERROR)
            return
        name = raw_name.decode("utf-16-le", "replace").split("\0", 1)[0]
        pkg = self._pkgs.get(pkg_id)
        if pkg is None:
            pkg = _Package(pkg_id, name)
            self._pkgs[pkg_id] = pkg
            self.packages[pkg_id] = name
        else:
            self._diag("arsc.duplicate-package",
                       f"package 0x{pkg_id:02x} appears again (as {name!r}); merged", pos,
                       Level.INFO)

        names = _Names(type_id_offset)
        spare_pools: list[StringPool] = []
        have_types = have_keys = False
        for ctype, cpos, chsize, cend, _ in self._children(
                pos + hsize, end, truncated, _PACKAGE_HEADERS, "package"):
            if ctype == RES_STRING_POOL_TYPE:
                try:
                    pool, _ = StringPool.parse(view[:cend], cpos, self._log, self._where,
                                               limits)
                except CorruptInput as exc:
                    self._diag("arsc.bad-string-pool", str(exc), cpos, Level.ERROR)
                    continue
                rel = cpos - pos
                if rel == type_strings and not have_types:
                    names.type_names, have_types = pool, True
                elif rel == key_strings and not have_keys:
                    names.keys, have_keys = pool, True
                else:
                    spare_pools.append(pool)
            elif ctype == RES_TABLE_TYPE_SPEC_TYPE:
                self._parse_type_spec(pkg, names, cpos, chsize, cend)
            elif ctype == RES_TABLE_TYPE_TYPE:
                self._parse_type(pkg, names, cpos, chsize, cend)
            elif ctype in _KNOWN_IGNORED_PACKAGE_CHILDREN:
                continue
            else:
                self._diag("arsc.unknown-chunk",
                           f"unexpected chunk type 0x{ctype:04x} in package "
                           f"0x{pkg_id:02x}; skipped", cpos)
        # Pools not where the header says: fall back to their order (types, then keys).
        if not have_types and spare_pools:
            names.type_names, have_types = spare_pools.pop(0), True
            self._diag("arsc.pool-offset", "type string pool is not at the offset the "
                       "package header gives; using the first spare pool", pos)
        if not have_keys and spare_pools:
            names.keys, have_keys = spare_pools.pop(0), True
            self._diag("arsc.pool-offset", "key string pool is not at the offset the "
                       "package header gives; using the next spare pool", pos)
        if spare_pools:
            self._diag("arsc.extra-string-pool",
                       f"{len(spare_pools)} extra string pools in package "
                       f"0x{pkg_id:02x}; ignored", pos, Level.INFO)
        if not have_types:
            self._diag("arsc.no-type-strings", f"package 0x{pkg_id:02x} has no type "
                       "string pool", pos, Level.ERROR)
        if not have_keys:
            self._diag("arsc.no-key-strings", f"package 0x{pkg_id:02x} has no key "
                       "string pool", pos, Level.ERROR)

    def _parse_type_spec(self, pkg: _Package, names: _Names, pos: int, hsize: int,
                         end: int) -> None:
        if hsize < _TYPE_SPEC.size:
            self._diag("arsc.bad-type-spec", f"type spec header size {hsize} too small; "
                       "skipped", pos)
            return
        _, _, _, type_id, _, _, count = _TYPE_SPEC.unpack_from(self._data, pos)
        if type_id == 0:
            self._diag("arsc.bad-type-spec", "type spec with type id 0; skipped", pos)
            return
        room = (end - pos - hsize) // 4
        if count > room:
            self._diag("arsc.bad-type-spec",
                       f"type spec claims {count} entries, room for {room}; clamped", pos)
            count = room
        entry = pkg.types.get(type_id)
        if entry is None:
            pkg.types[type_id] = _Type(type_id, names, count)
        elif entry.spec_entries < 0:
            entry.spec_entries = count
        else:
            self._diag("arsc.duplicate-type-spec",
                       f"second spec for type 0x{type_id:02x}", pos, Level.INFO)
            entry.spec_entries = max(entry.spec_entries, count)

    def _parse_type(self, pkg: _Package, names: _Names, pos: int, hsize: int,
                    end: int) -> None:
        view = self._data
        if hsize < _TYPE_CONFIG_AT:
            self._diag("arsc.bad-type", f"type header size {hsize} too small; skipped", pos)
            return
        _, _, _, type_id, flags, _, count, entries_start = _TYPE.unpack_from(view, pos)
        if type_id == 0:
            self._diag("arsc.bad-type", "type chunk with type id 0; skipped", pos)
            return
        # The configuration: its own size first, limited to the header.
        config_room = hsize - _TYPE_CONFIG_AT
        config_size = _U32.unpack_from(view, pos + _TYPE_CONFIG_AT)[0] if config_room >= 4 else 0
        if config_size > config_room:
            self._diag("arsc.bad-config", f"config size {config_size} exceeds the type "
                       f"header; read {config_room} bytes", pos)
            config_size = config_room
        config = describe_config(
            view[pos + _TYPE_CONFIG_AT:pos + _TYPE_CONFIG_AT + config_size])

        size = end - pos
        if entries_start < hsize or entries_start > size:
            self._diag("arsc.bad-type", f"entriesStart 0x{entries_start:x} outside the "
                       f"chunk for type 0x{type_id:02x} ({config}); skipped", pos,
                       Level.ERROR)
            return
        sparse = bool(flags & _TYPE_FLAG_SPARSE)
        small = bool(flags & _TYPE_FLAG_OFFSET16) and not sparse
        width = 2 if small else 4
        room = (entries_start - hsize) // width
        if count > room:
            self._diag("arsc.bad-type", f"type 0x{type_id:02x} ({config}) claims {count} "
                       f"entries, offsets room for {room}; clamped", pos)
            count = room
        if count > 0x10000:
            self._diag("arsc.bad-type", f"type 0x{type_id:02x} claims {count} entries; "
                       "clamped to 65536", pos)
            count = 0x10000

        typ = pkg.types.get(type_id)
        if typ is None:
            self._diag("arsc.type-without-spec",
                       f"type 0x{type_id:02x} ({config}) appears before its spec", pos,
                       Level.INFO)
            typ = pkg.types[type_id] = _Type(type_id, names)
        elif 0 <= typ.spec_entries < count and not sparse:
            self._diag("arsc.type-spec-mismatch",
                       f"type 0x{type_id:02x} ({config}) has {count} entries, its spec "
                       f"{typ.spec_entries}", pos, Level.INFO)

        table = pos + hsize
        base = pos + entries_start
        problems = Tally()
        indices: array[int] | None = None
        if sparse:
            found: dict[int, int] = {}  # at most 65536 keys, dropped after this chunk
            for i in range(count):
                index, off4 = _SPARSE.unpack_from(view, table + 4 * i)
                if index in found:
                    problems.note("arsc.sparse-duplicate", index)
                    continue
                where = self._check_entry(base + off4 * 4, end, index, problems)
                if where:
                    found[index] = where
            order = sorted(found)
            indices = array("H", order)
            slots = array("I", [found[i] for i in order])
        else:
            dense = array("I", bytes(4 * count))
            fmt = "<%d%s" % (count, "H" if small else "I")
            offsets = struct.unpack_from(fmt, view, table)
            none = _NO_ENTRY16 if small else _NO_ENTRY
            mult = 4 if small else 1
            for i, off in enumerate(offsets):
                if off == none:
                    continue
                if off & 3 and not small:
                    problems.note("arsc.entry-misaligned", i)
                    continue
                dense[i] = self._check_entry(base + off * mult, end, i, problems)
            slots = dense
        for code, n in problems.counts.items():
            self._diag(code, f"{n} {_PROBLEM_TEXT[code]} in type 0x{type_id:02x} "
                       f"({config}); first at entry {problems.first[code]}", pos)
        typ.chunks.append(_TypeChunk(config, pos, end, names, slots, indices))

    def _check_entry(self, at: int, end: int, index: int, problems: Tally) -> int:
        """Validate the entry at ``at``; its offset if usable, else 0."""
        view = self._data
        if at + _ENTRY.size > end:
            problems.note("arsc.entry-overrun", index)
            return 0
        size, flags, key = _ENTRY.unpack_from(view, at)
        if flags & _ENTRY_FLAG_COMPACT:
            if (flags >> 8) == TYPE_STRING and key >= len(self.strings):
                problems.note("arsc.bad-string-ref", index)
            return at
        if size < _ENTRY.size:
            problems.note("arsc.entry-too-small", index)
            return 0
        if flags & _ENTRY_FLAG_COMPLEX:
            if size < _ENTRY.size + _MAP_HEADER.size or at + size > end:
                problems.note("arsc.entry-overrun", index)
                return 0
            count = _MAP_HEADER.unpack_from(view, at + _ENTRY.size)[1]
            if count * _MAP_ITEM.size > end - at - size:
                problems.note("arsc.bag-overrun", index)
            return at
        if at + size + _VALUE.size > end:
            problems.note("arsc.entry-overrun", index)
            return 0
        vsize, _, vtype, vdata = _VALUE.unpack_from(view, at + size)
        if vsize != _VALUE.size:
            problems.note("arsc.value-size", index)
        if vtype == TYPE_STRING and vdata >= len(self.strings):
            problems.note("arsc.bad-string-ref", index)
        return at

    # ----------------------------------------------------------------- lookups

    def _value(self, vtype: int, data: int) -> ResValue:
        return ResValue(vtype, data, self.strings.get(data) if vtype == TYPE_STRING else None)

    def _locate(self, res_id: int) -> tuple[_Package, _Type] | None:
        pkg = self._pkgs.get((res_id >> 24) & 0xFF)
        if pkg is None:
            return None
        typ = pkg.types.get((res_id >> 16) & 0xFF)
        if typ is None:
            return None
        return pkg, typ

    def _entries(self, res_id: int) -> Iterator[tuple[_TypeChunk, int]]:
        """Yield ``(chunk, entry offset)`` for each config holding ``res_id``."""
        if res_id < 0 or res_id > 0xFFFFFFFF:
            return
        found = self._locate(res_id)
        if found is None:
            return
        index = res_id & 0xFFFF
        for chunk in found[1].chunks:
            at = chunk.find(index)
            if at:
                yield chunk, at

    def _decode(self, chunk: _TypeChunk, at: int) -> tuple[int, ResValue | ResBag]:
        """Key index and value (or bag) of an entry already checked by the parser."""
        view = self._data
        size, flags, key = _ENTRY.unpack_from(view, at)
        if flags & _ENTRY_FLAG_COMPACT:
            return size, self._value(flags >> 8, key)
        if flags & _ENTRY_FLAG_COMPLEX:
            parent, count = _MAP_HEADER.unpack_from(view, at + _ENTRY.size)
            start = at + size
            count = min(count, max(0, (chunk.end - start) // _MAP_ITEM.size))
            items = []
            for i in range(count):
                name, _, _, vtype, vdata = _MAP_ITEM.unpack_from(view, start + i * _MAP_ITEM.size)
                items.append((name, self._value(vtype, vdata)))
            return key, ResBag(parent, tuple(items))
        _, _, vtype, vdata = _VALUE.unpack_from(view, at + size)
        return key, self._value(vtype, vdata)

    def resource_ids(self) -> list[int]:
        """Every resource id with an entry in at least one configuration, sorted."""
        ids: set[int] = set()
        for pkg in self._pkgs.values():
            for typ in pkg.types.values():
                prefix = (pkg.id << 24) | (typ.id << 16)
                for chunk in typ.chunks:
                    ids.update(prefix | i for i in chunk.present())
        return sorted(ids)

    def type_name(self, res_id: int) -> str | None:
        """Type name of ``res_id`` (``"string"``), if its package and type exist."""
        found = self._locate(res_id)
        if found is None:
            return None
        typ = found[1]
        index = typ.id - 1 - typ.names.type_id_offset
        name = typ.names.type_names.get(index) if index >= 0 else None
        return name if name else f"type0x{typ.id:02x}"

    def texts(self, skip_types: Container[str] = frozenset()) -> list[tuple[int, str, str, str]]:
        """``(res_id, name, config, text)`` of every string a resource holds, in one pass over the table.

        Ordered by resource id; for each, its simple values in configuration
        order, then the string items of its map entries (string arrays...) in
        configuration order: what :meth:`values` and :meth:`bags` give for each
        id of :meth:`resource_ids`, without looking each id up in every
        configuration. ``name`` is :meth:`entry_name`'s. Types named in
        ``skip_types`` ("drawable", "layout"...) are left out.
        """
        found: list[tuple[int, list[tuple[str, str]], list[tuple[str, str]], str]] = []
        for pkg in self._pkgs.values():
            for typ in pkg.types.values():
                prefix = (pkg.id << 24) | (typ.id << 16)
                type_name = self.type_name(prefix)
                if type_name in skip_types:
                    continue
                per_entry: dict[int, tuple[list[tuple[str, str]], list[tuple[str, str]], str]] = {}
                for chunk in typ.chunks:
                    for index, at in chunk.located():
                        key_index, value = self._decode(chunk, at)
                        slot = per_entry.get(index)
                        if slot is None:
                            key = chunk.names.keys.get(key_index) or f"entry0x{index:04x}"
                            slot = per_entry[index] = ([], [], f"{type_name}/{key}")
                        if isinstance(value, ResValue):
                            if value.type == TYPE_STRING and value.string:
                                slot[0].append((chunk.config, value.string))
                        else:
                            slot[1].extend((chunk.config, item.string) for _, item in value.items if item.type == TYPE_STRING and item.string)
                found.extend((prefix | index, plain, bagged, name) for index, (plain, bagged, name) in per_entry.items())
        found.sort(key=lambda f: f[0])
        return [(res_id, name, config, text) for res_id, plain, bagged, name in found for config, text in (*plain, *bagged)]

    def entry_name(self, res_id: int) -> str | None:
        """``"type/key"`` (e.g. ``"string/app_name"``) of an existing resource."""
        for chunk, at in self._entries(res_id):
            key_index, _ = self._decode(chunk, at)
            key = chunk.names.keys.get(key_index)
            if not key:
                key = f"entry0x{res_id & 0xFFFF:04x}"
            return f"{self.type_name(res_id)}/{key}"
        return None

    def values(self, res_id: int) -> list[tuple[str, ResValue]]:
        """``(config, value)`` for each configuration with a simple value for ``res_id``.

        Map entries (styles, arrays, plurals...) are left out; see :meth:`bags`.
        """
        out: list[tuple[str, ResValue]] = []
        for chunk, at in self._entries(res_id):
            _, value = self._decode(chunk, at)
            if isinstance(value, ResValue):
                out.append((chunk.config, value))
        return out

    def bags(self, res_id: int) -> list[tuple[str, ResBag]]:
        """``(config, bag)`` for each configuration holding a map entry for ``res_id``."""
        out: list[tuple[str, ResBag]] = []
        for chunk, at in self._entries(res_id):
            _, value = self._decode(chunk, at)
            if isinstance(value, ResBag):
                out.append((chunk.config, value))
        return out

    def _pick(self, res_id: int) -> ResValue | ResBag | None:
        first: ResValue | ResBag | None = None
        for chunk, at in self._entries(res_id):
            _, value = self._decode(chunk, at)
            if chunk.config == _DEFAULT_CONFIG:
                return value
            if first is None:
                first = value
        return first

    def resolve(self, res_id: int, max_depth: int = 8) -> str | int | bool | float | None:
        """The rendered value of ``res_id`` in the default configuration (else the first
        configuration that has it), following references up to ``max_depth`` hops.

        A reference to a resource not in this table (e.g. ``@android:string/ok``) is
        returned rendered (``"@0x01040000"``); a reference cycle or a chain deeper than
        ``max_depth`` gives ``None`` (with a diagnostic); so does a map entry.
        """
        seen: set[int] = set()
        current = res_id
        for _ in range(max_depth + 1):
            if current in seen:
                self._diag("arsc.reference-cycle",
                           f"reference cycle through 0x{current:08x} (from 0x{res_id:08x})",
                           0, Level.WARNING)
                return None
            seen.add(current)
            value = self._pick(current)
            if value is None:
                return None if current == res_id else f"@0x{current:08x}"
            if isinstance(value, ResBag):
                return None
            if value.is_reference and value.data != 0:
                current = value.data
                continue
            return value.render()
        self._diag("arsc.reference-depth",
                   f"reference chain from 0x{res_id:08x} is deeper than {max_depth}", 0)
        return None


# Header sizes accepted when re-synchronising on a sibling chunk: (min, max).
_TOP_LEVEL_HEADERS: dict[int, tuple[int, int]] = {
    RES_STRING_POOL_TYPE: (28, 28),
    RES_TABLE_PACKAGE_TYPE: (_PACKAGE_MIN_HEADER, _PACKAGE_MIN_HEADER + 4),
}
_PACKAGE_HEADERS: dict[int, tuple[int, int]] = {
    RES_STRING_POOL_TYPE: (28, 28),
    RES_TABLE_TYPE_SPEC_TYPE: (_TYPE_SPEC.size, _TYPE_SPEC.size),
    RES_TABLE_TYPE_TYPE: (_TYPE_CONFIG_AT + 4, _MAX_TYPE_HEADER),
    RES_TABLE_LIBRARY_TYPE: (12, 12),
}
