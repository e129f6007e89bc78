"""``base/resources.pb`` of an Android App Bundle: aapt2's protobuf resource table.

Bundles carry the resource table as an ``aapt.pb.ResourceTable`` message instead
of a binary ``resources.arsc``. :class:`ProtoResourceTable` offers the lookups
:class:`datatrail.formats.android.arsc.ResourceTable` offers (``entry_name``, ``values``,
``resolve``), and builds the same :class:`~datatrail.formats.android.arsc.ResValue`
records, so a value renders identically whichever format it came from (a bundle
and the APK built from it give equal answers; the tests check exactly that).

Field numbers used (frameworks/base/tools/aapt2/Resources.proto and
Configuration.proto, checked against ``protoc --decode_raw`` of a real bundle)::

    ResourceTable { StringPool source_pool = 1; repeated Package package = 2;
                    repeated Overlayable overlayable = 3; repeated ToolFingerprint tool_fingerprint = 4;
                    repeated DynamicRefTable dynamic_ref_table = 5; }
    Package       { PackageId package_id = 1 {uint32 id = 1}; string package_name = 2;
                    repeated Type type = 3; }
    Type          { TypeId type_id = 1 {uint32 id = 1}; string name = 2; repeated Entry entry = 3; }
    Entry         { EntryId entry_id = 1 {uint32 id = 1}; string name = 2; Visibility visibility = 3;
                    AllowNew allow_new = 4; OverlayableItem overlayable_item = 5;
                    repeated ConfigValue config_value = 6; StagedId staged_id = 7;
                    repeated ConfigValue flag_disabled_config_value = 8;
                    repeated ConfigValue readwrite_flag_config_value = 9; }
    ConfigValue   { Configuration config = 1; Value value = 2; }
    Value         { Source source = 1; string comment = 2; bool weak = 3;
                    oneof { Item item = 4; CompoundValue compound_value = 5; } }
    Item          { oneof { Reference ref = 1; String str = 2; RawString raw_str = 3;
                    StyledString styled_str = 4; FileReference file = 5; Id id = 6; Primitive prim = 7; }
                    uint32 flag_status = 8; bool flag_negated = 9; string flag_name = 10; }
    CompoundValue { oneof { Attribute attr = 1; Style style = 2; Styleable styleable = 3;
                    Array array = 4; Plural plural = 5; MacroBody macro = 6; } ... }
    Reference     { Type type = 1 (0 ref, 1 attr); uint32 id = 2; string name = 3; bool private = 4;
                    Boolean is_dynamic = 5 {bool value = 1}; ... }
    String / RawString / StyledString { string value = 1; ... }
    FileReference { string path = 1; Type type = 2; }
    Primitive     { oneof { NullType null_value = 1; EmptyType empty_value = 2; float float_value = 3;
                    float dimension_value_deprecated = 4; float fraction_value_deprecated = 5;
                    int32 int_decimal_value = 6; uint32 int_hexadecimal_value = 7; bool boolean_value = 8;
                    uint32 color_argb8_value = 9; color_rgb8 = 10; color_argb4 = 11; color_rgb4 = 12;
                    uint32 dimension_value = 13; uint32 fraction_value = 14; } }
    Configuration { uint32 mcc = 1; uint32 mnc = 2; string locale = 3 (BCP-47);
                    LayoutDirection layout_direction = 4; uint32 screen_width = 5; screen_height = 6;
                    screen_width_dp = 7; screen_height_dp = 8; smallest_screen_width_dp = 9;
                    ScreenLayoutSize = 10; ScreenLayoutLong = 11; ScreenRound = 12; WideColorGamut = 13;
                    Hdr = 14; Orientation = 15; UiModeType = 16; UiModeNight = 17; uint32 density = 18;
                    Touchscreen = 19; KeysHidden = 20; Keyboard = 21; NavHidden = 22; Navigation = 23;
                    uint32 sdk_version = 24; string product = 25; GrammaticalGender = 26;
                    uint32 sdk_version_minor = 27; }

Values are decoded when the table is parsed (it is a tree of length-prefixed
messages: nothing can be located without walking it), so every diagnostic is known
when :meth:`ProtoResourceTable.parse` returns. Each package, type and entry is
walked twice, once for its id and name (fields may come in any order) and once
for its children, which go straight into the table; no slice of the input is kept
per record. Packages, types, entries and values together may not exceed
``limits.max_string_pool`` (the arsc reader's bound on strings: every value of a
binary table is a string or an entry of that table). Nothing recurses on
input-controlled depth: the schema's nesting is fixed.

aab_manifest.py decodes the same Item / Primitive messages for XML attributes,
but into XmlValues rendered like the AXML parser (floats as doubles, "dp"); here
they become :class:`~datatrail.formats.android.arsc.ResValue` so that a bundle's table
answers exactly as the APK's ``resources.arsc`` does (floats shortest, "dip").
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import NamedTuple

from datatrail.errors import CorruptInput, LimitExceeded
from datatrail.formats.android import protobuf as pb
from datatrail.formats.android.arsc import (
    TYPE_ATTRIBUTE,
    TYPE_DIMENSION,
    TYPE_DYNAMIC_ATTRIBUTE,
    TYPE_DYNAMIC_REFERENCE,
    TYPE_FLOAT,
    TYPE_FRACTION,
    TYPE_INT_BOOLEAN,
    TYPE_INT_COLOR_ARGB4,
    TYPE_INT_COLOR_ARGB8,
    TYPE_INT_COLOR_RGB4,
    TYPE_INT_COLOR_RGB8,
    TYPE_INT_DEC,
    TYPE_INT_HEX,
    TYPE_NULL,
    TYPE_REFERENCE,
    TYPE_STRING,
    ResValue,
    describe_config,
)
from datatrail.limits import DEFAULT_LIMITS, Limits
from datatrail.model.diagnostic import DiagnosticLog, Level, Tally

__all__ = ["ProtoResourceTable", "RenderedValue", "describe_proto_config"]

RenderedValue = str | int | bool | float | None
"""A value as :meth:`datatrail.formats.android.arsc.ResValue.render` gives it."""

# ResourceTable
_TABLE_PACKAGE = 2
# Package, Type and Entry share their first two fields: the id message and the name.
_ID_FIELD, _NAME_FIELD = 1, 2
# Their children: Package.type, Type.entry, Entry.config_value
_PKG_TYPE, _TYPE_ENTRY, _ENTRY_CONFIG_VALUE = 3, 3, 6
# PackageId / TypeId / EntryId
_ID_VALUE = 1
# ConfigValue
_CV_CONFIG, _CV_VALUE = 1, 2
# Value
_VALUE_ITEM, _VALUE_COMPOUND = 4, 5
# Item
_IT_REF, _IT_STR, _IT_RAW_STR, _IT_STYLED_STR, _IT_FILE, _IT_ID, _IT_PRIM = 1, 2, 3, 4, 5, 6, 7
# Reference
_REF_TYPE, _REF_ID, _REF_NAME, _REF_IS_DYNAMIC = 1, 2, 3, 5
_REF_TYPE_ATTRIBUTE = 1
# String, RawString, StyledString (value), FileReference (path), Boolean (value)
_FIRST = 1
# CompoundValue kinds, for messages only
_COMPOUND_KINDS = {1: "attr", 2: "style", 3: "styleable", 4: "array", 5: "plural", 6: "macro"}

# Primitive: field -> (wire type it must have, Res_value type). aapt2 keeps the
# Res_value data in these fields (colours already expanded, dimensions and
# fractions as complex units), so type + data rebuild the binary value exactly.
_PRIMITIVES: dict[int, tuple[int, int]] = {
    3: (pb.WIRE_I32, TYPE_FLOAT),
    # Deprecated float forms: aapt2 reinterprets the float's bits as the
    # Res_value data, so we do too (checked with `aapt2 convert`).
    4: (pb.WIRE_I32, TYPE_DIMENSION),
    5: (pb.WIRE_I32, TYPE_FRACTION),
    6: (pb.WIRE_VARINT, TYPE_INT_DEC),
    7: (pb.WIRE_VARINT, TYPE_INT_HEX),
    8: (pb.WIRE_VARINT, TYPE_INT_BOOLEAN),
    9: (pb.WIRE_VARINT, TYPE_INT_COLOR_ARGB8),
    10: (pb.WIRE_VARINT, TYPE_INT_COLOR_RGB8),
    11: (pb.WIRE_VARINT, TYPE_INT_COLOR_ARGB4),
    12: (pb.WIRE_VARINT, TYPE_INT_COLOR_RGB4),
    13: (pb.WIRE_VARINT, TYPE_DIMENSION),
    14: (pb.WIRE_VARINT, TYPE_FRACTION),
}
_P_NULL, _P_EMPTY, _P_BOOL = 1, 2, 8
_DATA_NULL_EMPTY = 1  # Res_value TYPE_NULL data: 0 undefined, 1 "@empty"
_DATA_TRUE = 0xFFFFFFFF  # what aapt2 writes for a true boolean

# Res_value of an ``Id`` item: aapt2 flattens ``@+id`` placeholders as a false boolean.
_ID_VALUE_TYPE, _ID_VALUE_DATA = TYPE_INT_BOOLEAN, 0

_MAX_PACKAGE_ID = 0xFF
_MAX_TYPE_ID = 0xFF
_MAX_ENTRY_ID = 0xFFFF
_DEFAULT_CONFIG = "default"
_MAX_SHOWN_TEXT = 40  # longest piece of hostile text quoted in a diagnostic


# --------------------------------------------------------------------------- configurations

# ResTable_config as ``describe_config`` reads it (ResourceTypes.h, 64 bytes)::
#   +0 u32 size  +4 u16 mcc  +6 u16 mnc  +8 char[2] language  +10 char[2] country
#   +12 u8 orientation  +13 u8 touchscreen  +14 u16 density  +16 u8 keyboard
#   +17 u8 navigation  +18 u8 inputFlags  +19 u8 grammaticalInflection
#   +20 u16 screenWidth  +22 u16 screenHeight  +24 u16 sdkVersion  +26 u16 minorVersion
#   +28 u8 screenLayout  +29 u8 uiMode  +30 u16 smallestScreenWidthDp
#   +32 u16 screenWidthDp  +34 u16 screenHeightDp  +36 char[4] localeScript
#   +40 char[8] localeVariant  +48 u8 screenLayout2  +49 u8 colorMode  +50 u16 pad
#   +52 u8 localeScriptWasComputed  +53 char[8] localeNumberingSystem  (+61 pad)
# Building that struct and handing it to ``describe_config`` gives bundle and APK
# configurations the same names ("fr-rCA", "b+sr+Latn", "night-v8"...).
_CONFIG_SIZE = 64
_U8, _U16 = struct.Struct("<B"), struct.Struct("<H")

# Configuration scalar fields copied as they are: field -> (offset, struct).
_CONFIG_SCALARS: dict[int, tuple[int, struct.Struct]] = {
    1: (4, _U16),    # mcc
    2: (6, _U16),    # mnc
    5: (20, _U16),   # screen_width
    6: (22, _U16),   # screen_height
    7: (32, _U16),   # screen_width_dp
    8: (34, _U16),   # screen_height_dp
    9: (30, _U16),   # smallest_screen_width_dp
    18: (14, _U16),  # density
    24: (24, _U16),  # sdk_version
    27: (26, _U16),  # sdk_version_minor
}
# Configuration enums OR-ed into a ResTable_config byte: field -> (offset, {enum: bits}).
# Proto enums number their values 1, 2...; the binary uses ResourceTypes.h masks.
_CONFIG_ENUMS: dict[int, tuple[int, dict[int, int]]] = {
    4: (28, {1: 0x40, 2: 0x80}),                    # layout direction: ltr, rtl
    10: (28, {1: 1, 2: 2, 3: 3, 4: 4}),             # screen size: small..xlarge
    11: (28, {1: 0x20, 2: 0x10}),                   # screen long: long, notlong
    12: (48, {1: 0x02, 2: 0x01}),                   # round, notround
    13: (49, {1: 0x02, 2: 0x01}),                   # widecg, nowidecg
    14: (49, {1: 0x08, 2: 0x04}),                   # highdr, lowdr
    15: (12, {1: 1, 2: 2, 3: 3}),                   # port, land, square
    16: (29, {i: i for i in range(1, 8)}),          # ui mode type: normal..vrheadset
    17: (29, {1: 0x20, 2: 0x10}),                   # night, notnight
    19: (13, {1: 1, 2: 2, 3: 3}),                   # notouch, stylus, finger
    20: (18, {1: 1, 2: 2, 3: 3}),                   # keysexposed, keyshidden, keyssoft
    21: (16, {1: 1, 2: 2, 3: 3}),                   # nokeys, qwerty, 12key
    22: (18, {1: 0x04, 2: 0x08}),                   # navexposed, navhidden
    23: (17, {1: 1, 2: 2, 3: 3, 4: 4}),             # nonav, dpad, trackball, wheel
    26: (19, {1: 1, 2: 2, 3: 3}),                   # neuter, feminine, masculine
}
_CFG_LOCALE, _CFG_PRODUCT = 3, 25


def _pack_code(code: str, base: str) -> bytes:
    """ResTable_config language/country bytes: two letters as is, three packed in 15 bits."""
    raw = code.encode("ascii")
    if len(raw) == 2:
        return raw
    first, second, third = (c - ord(base) & 0x7F for c in raw)
    return bytes(((0x80 | (third << 2) | (second >> 3)) & 0xFF, ((second << 5) | first) & 0xFF))


def _split_locale(tag: str) -> tuple[str, str, str, str, str] | None:
    """``(language, script, region, variant, numbering system)`` of a BCP-47 tag, or None.

    aapt2 writes ``ConfigDescription::GetBcp47LanguageTag()``: language, then
    optional script (4 letters), region (2 letters or 3 digits), variant (5-8
    characters, or 4 starting with a digit) and a ``-u-nu-xxx`` numbering system.
    Anything else is not something aapt2 writes, so it is refused, not guessed.
    """
    parts = tag.replace("_", "-").split("-")
    numbering = ""
    if "u" in (p.lower() for p in parts):
        at = [p.lower() for p in parts].index("u")
        ext = parts[at + 1 :]
        if len(ext) != 2 or ext[0].lower() != "nu" or not 3 <= len(ext[1]) <= 8 or not (ext[1].isascii() and ext[1].isalnum()):
            return None
        numbering = ext[1].lower()
        parts = parts[:at]
    if not parts or not 2 <= len(parts[0]) <= 3 or not (parts[0].isascii() and parts[0].isalpha()):
        return None
    language = parts[0].lower()
    script = region = variant = ""
    for part in parts[1:]:
        if not (part.isascii() and part.isalnum()):
            return None
        if not script and not region and not variant and len(part) == 4 and part[0].isalpha():
            script = part[0].upper() + part[1:].lower()
        elif not region and not variant and (
            (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit())
        ):
            region = part.upper()
        elif not variant and (5 <= len(part) <= 8 or (len(part) == 4 and part[0].isdigit())):
            variant = part.lower()
        else:
            return None
    return language, script, region, variant, numbering


def describe_proto_config(msg: bytes | memoryview) -> str:
    """Qualifier string of an ``aapt.pb.Configuration`` message, as ``describe_config``
    names the binary equivalent (``"default"``, ``"fr-rCA"``, ``"night-v8"``...).

    The build-time-only ``product`` is appended in parentheses (``"default(tablet)"``)
    since the binary configuration has no room for it. Raises CorruptInput when the
    message is unreadable or a value does not fit the binary configuration.
    """
    cfg = bytearray(_CONFIG_SIZE)
    struct.pack_into("<I", cfg, 0, _CONFIG_SIZE)
    product = ""
    for number, wire, value in pb.fields(msg, "configuration"):
        if number in _CONFIG_SCALARS and wire == pb.WIRE_VARINT:
            offset, fmt = _CONFIG_SCALARS[number]
            width_max = (1 << (8 * fmt.size)) - 1
            if not isinstance(value, int) or value > width_max:
                raise CorruptInput(f"configuration field {number} value {value!r} does not fit {fmt.size * 8} bits")
            fmt.pack_into(cfg, offset, value)
        elif number in _CONFIG_ENUMS and wire == pb.WIRE_VARINT:
            offset, bits = _CONFIG_ENUMS[number]
            if value:  # 0 is the proto3 "unset" default
                if value not in bits:
                    raise CorruptInput(f"configuration field {number} has unknown value {value!r}")
                cfg[offset] |= bits[value]  # type: ignore[index]
        elif number == _CFG_LOCALE and wire == pb.WIRE_LEN:
            tag = pb.as_str(value)
            if not tag:
                continue
            parts = _split_locale(tag)
            if parts is None:
                raise CorruptInput(f"configuration locale {tag[:_MAX_SHOWN_TEXT]!r} is not a BCP-47 tag aapt2 writes")
            language, script, region, variant, numbering = parts
            cfg[8:10] = _pack_code(language, "a")
            if region:
                cfg[10:12] = _pack_code(region, "0")
            if script:
                cfg[36:40] = script.encode("ascii")
            # An explicit script is shown ("b+sr+Latn"); a computed one would not be.
            cfg[40 : 40 + len(variant)] = variant.encode("ascii")
            cfg[53 : 53 + len(numbering)] = numbering.encode("ascii")
        elif number == _CFG_PRODUCT and wire == pb.WIRE_LEN:
            product = pb.as_str(value)
    text = describe_config(bytes(cfg))
    if product:
        text += f"({product[:_MAX_SHOWN_TEXT]})"
    return text


# --------------------------------------------------------------------------- tolerant walking


def _varint_size(value: int) -> int:
    return max(1, (value.bit_length() + 6) // 7)


class _Fields:
    """The fields of one message, keeping what precedes damage.

    ``pb.fields`` raises at the first broken field. When that field is the
    container field ``salvage`` (a package in the table, an entry in a type...)
    and its length runs past the end of the message, the file was cut short (or
    the length tampered with): its bytes up to the end are yielded as a final,
    truncated field, so a table cut in half still gives its first half.
    ``error`` holds the damage, ``salvaged`` says whether the tail was kept.

    The position of the broken field is found by adding up the canonical sizes
    of the fields before it, then checked by reading the field's key again; an
    input whose encoding is not canonical, or that holds groups (which
    ``pb.fields`` skips unseen; aapt2 writes neither), merely loses the salvage.
    """

    __slots__ = ("_buf", "_where", "_log", "_salvage", "error", "salvaged")

    def __init__(self, buf: memoryview, where: str, log: DiagnosticLog | None, salvage: int | None = None) -> None:
        self._buf = buf
        self._where = where
        self._log = log
        self._salvage = salvage
        self.error: CorruptInput | None = None
        self.salvaged = False

    def __iter__(self) -> Iterator[tuple[int, int, pb.FieldValue]]:
        pos = 0
        try:
            for number, wire, value in pb.fields(self._buf, self._where, self._log):
                yield number, wire, value
                pos += _varint_size((number << 3) | wire)
                if wire == pb.WIRE_LEN:
                    pos += _varint_size(len(value)) + len(value)  # type: ignore[arg-type]
                elif wire == pb.WIRE_VARINT:
                    pos += _varint_size(value)  # type: ignore[arg-type]
                else:
                    pos += 8 if wire == pb.WIRE_I64 else 4
        except CorruptInput as exc:
            self.error = exc
            tail = self._tail(pos)
            if tail is not None:
                self.salvaged = True
                yield self._salvage or 0, pb.WIRE_LEN, tail

    def _tail(self, pos: int) -> memoryview | None:
        if self._salvage is None:
            return None
        buf, end = self._buf, len(self._buf)
        try:
            key, at = pb.read_varint(buf, pos, end, self._where)
            if key != (self._salvage << 3) | pb.WIRE_LEN:
                return None
            length, at = pb.read_varint(buf, at, end, self._where)
        except CorruptInput:
            return None
        # An empty tail holds nothing worth keeping; the damage is reported either way.
        return buf[at:] if length > end - at > 0 else None


# --------------------------------------------------------------------------- model


class _Compound(NamedTuple):
    """A map value (style, array, plural...): present, but not a single value."""

    kind: str


_Stored = ResValue | str | _Compound
"""A decoded value: a Res_value; a reference by name only, already rendered; or a map."""


class _Entry:
    __slots__ = ("name", "values")

    def __init__(self, name: str) -> None:
        self.name = name
        self.values: list[tuple[str, _Stored]] = []




_PROBLEM_TEXT = {
    "aab.resources-bad-value": "values are unreadable and were skipped",
    "aab.resources-bad-config": "configurations are unreadable; their values were skipped",
    "aab.resources-bad-entry": "entries are damaged; what preceded the damage was kept",
    "aab.resources-no-id": "entries have no entry id and cannot be looked up",
    "aab.resources-bad-id": "entries have an id above 0xffff and were skipped",
    "aab.resources-duplicate": "entries repeat an earlier id; the first was kept",
}


class ProtoResourceTable:
    """A parsed ``resources.pb``; see the module docstring for what is read."""

    __slots__ = ("packages", "_types", "_entries", "_log", "_where", "_vwhere", "_limits", "_count", "_configs")

    packages: dict[int, str]
    """Package id -> package name."""

    def __init__(self, log: DiagnosticLog, where: str, limits: Limits) -> None:
        self.packages = {}
        self._types: dict[int, str] = {}  # (package id << 8) | type id -> type name
        self._entries: dict[int, _Entry] = {}  # resource id -> entry
        self._log = log
        self._where = where
        # Offsets in errors below the top level are relative to the message named
        # after the "#"; absolute ones would need every level's position.
        self._vwhere = f"{where}#value"
        self._limits = limits
        self._count = 0
        self._configs: dict[bytes, str] = {}  # Configuration bytes -> description (shared strings)

    # ----------------------------------------------------------------- parsing

    @classmethod
    def parse(
        cls,
        data: bytes | memoryview,
        log: DiagnosticLog,
        limits: Limits = DEFAULT_LIMITS,
        where: str = "base/resources.pb",
    ) -> "ProtoResourceTable":
        """Decode a whole ``resources.pb``.

        Raises CorruptInput when the input is empty or its top-level message is
        unreadable before any package; damage further in is skipped with
        diagnostics and what was read is kept. Past ``limits.max_string_pool``
        packages + types + entries + values, reading stops with a diagnostic.
        """
        view = data if isinstance(data, memoryview) else memoryview(data)
        if view.ndim != 1 or view.itemsize != 1:
            view = view.cast("B")
        if len(view) == 0:
            raise CorruptInput(f"{where}: empty resource table")
        table = cls(log, where, limits)
        # First pass over the (few) top-level fields: is there any package at all?
        probe = _Fields(view, where, None, salvage=_TABLE_PACKAGE)
        packages = sum(1 for number, wire, _ in probe if number == _TABLE_PACKAGE and wire == pb.WIRE_LEN)
        if probe.error is not None and not packages:
            raise CorruptInput(f"{where}: not a readable protobuf resource table: {probe.error}") from probe.error
        top = _Fields(view, where, log, salvage=_TABLE_PACKAGE)
        try:
            index = 0
            for number, wire, value in top:
                if number == _TABLE_PACKAGE and wire == pb.WIRE_LEN:
                    table._tick()
                    table._package(value, index)  # type: ignore[arg-type]
                    index += 1
            table._damage(top, "the resource table")
        except LimitExceeded as exc:
            table._diag("aab.resources-limit", f"{exc}; the rest of the table was not read", Level.ERROR)
        if not table.packages:
            table._diag("aab.resources-no-package", "no usable package in the resource table", Level.ERROR)
        return table

    def _diag(self, code: str, message: str, severity: Level = Level.WARNING) -> None:
        self._log.add(code, message, self._where, severity)

    def _tick(self) -> None:
        """Count one decoded record against the limit (raises LimitExceeded past it)."""
        self._count += 1
        if self._count > self._limits.max_string_pool:
            raise LimitExceeded(
                f"{self._where}: more than {self._limits.max_string_pool} packages, types, entries and values"
            )

    def _damage(self, walk: _Fields, what: str) -> None:
        if walk.error is None:
            return
        if walk.salvaged:
            self._diag("aab.resources-truncated", f"{what} is cut short ({walk.error}); read what is there",
                       Level.ERROR)
        else:
            self._diag("aab.resources-damaged", f"{what} is damaged ({walk.error}); the rest of it was skipped",
                       Level.ERROR)

    def _text(self, value: pb.FieldValue, what: str) -> str:
        return pb.as_str(value, f"{self._where} ({what})", self._log)

    def _head(self, msg: memoryview, salvage: int, what: str) -> tuple[int | None, str, CorruptInput | None, _Fields]:
        """First pass over a Package / Type / Entry: its id and name, skipping its children.

        Fields may come in any order, so the id is known only after a whole pass;
        children are then decoded in a second pass rather than kept as slices, so
        memory holds decoded records only. Returns ``(id or None when absent, name,
        error reading the id, the walk)`` (the walk says whether the message is damaged).
        """
        walk = _Fields(msg, f"{self._where}#{what}", None, salvage=salvage)
        found: int | None = None
        name = ""
        bad_id: CorruptInput | None = None
        for number, wire, value in walk:
            if wire != pb.WIRE_LEN or isinstance(value, int):
                continue
            if number == _ID_FIELD:
                try:
                    found = 0
                    for inner_no, inner_wire, inner in pb.fields(value, f"{self._where}#{what}-id"):
                        if inner_no == _ID_VALUE and inner_wire == pb.WIRE_VARINT:
                            found = int(inner)
                except CorruptInput as exc:
                    found, bad_id = None, exc
            elif number == _NAME_FIELD:
                name = self._text(value, "name")
        return found, name, bad_id, walk

    def _children(self, msg: memoryview, salvage: int, what: str) -> Iterator[memoryview]:
        """Second pass: the child messages (field ``salvage``), a truncated last one included."""
        for number, wire, value in _Fields(msg, f"{self._where}#{what}", self._log, salvage=salvage):
            if number == salvage and wire == pb.WIRE_LEN:
                self._tick()
                yield value  # type: ignore[misc]

    def _package(self, msg: memoryview, index: int) -> None:
        pkg_id, name, bad_id, walk = self._head(msg, _PKG_TYPE, "package")
        label = f"package {name or index}"
        self._damage(walk, label)
        if bad_id is not None:
            self._diag("aab.resources-bad-id", f"{label}: unreadable package id ({bad_id}); skipped", Level.ERROR)
            return
        if pkg_id is None:
            # aapt2 leaves the id out only when none was assigned: nothing can refer to it.
            self._diag("aab.resources-no-id", f"{label} has no package id; skipped", Level.ERROR)
            return
        if pkg_id > _MAX_PACKAGE_ID:
            self._diag("aab.resources-bad-id", f"{label} has id 0x{pkg_id:x}, which does not fit a resource id; "
                       "skipped", Level.ERROR)
            return
        if pkg_id in self.packages:
            self._diag("aab.resources-duplicate-package", f"package 0x{pkg_id:02x} appears again (as {name!r}); "
                       "merged", Level.INFO)
        else:
            self.packages[pkg_id] = name
        for i, typ in enumerate(self._children(msg, _PKG_TYPE, "package")):
            self._type(pkg_id, typ, i)

    def _type(self, pkg_id: int, msg: memoryview, index: int) -> None:
        type_id, name, bad_id, walk = self._head(msg, _TYPE_ENTRY, "type")
        label = f"type {name or index} of package 0x{pkg_id:02x}"
        self._damage(walk, label)
        if type_id is None or type_id == 0 or type_id > _MAX_TYPE_ID:
            shown = f"type id 0x{type_id:x}" if type_id is not None else (
                f"an unreadable type id ({bad_id})" if bad_id is not None else "no type id")
            self._diag("aab.resources-bad-id", f"{label} has {shown}; its entries skipped", Level.ERROR)
            return
        key = (pkg_id << 8) | type_id
        if key in self._types and self._types[key] != (name or self._types[key]):
            self._diag("aab.resources-duplicate-type", f"type 0x{type_id:02x} is named both "
                       f"{self._types[key]!r} and {name!r}; the first name kept")
        self._types.setdefault(key, name or f"type0x{type_id:02x}")
        problems = Tally()
        prefix = (pkg_id << 24) | (type_id << 16)
        for entry in self._children(msg, _TYPE_ENTRY, "type"):
            self._entry(prefix, entry, problems)
        for code, n in problems.counts.items():
            self._diag(code, f"{n} {_PROBLEM_TEXT[code]} in {label}; first: {problems.first[code]}")

    def _entry(self, prefix: int, msg: memoryview, problems: Tally) -> None:
        entry_id, name, bad_id, walk = self._head(msg, _ENTRY_CONFIG_VALUE, "entry")
        label = f"{self._types[prefix >> 16]}/{name or '?'}"
        damage = walk.error or bad_id
        if damage is not None:
            problems.note("aab.resources-bad-entry", f"{label}: {damage}")
        if entry_id is None:
            if bad_id is None:
                problems.note("aab.resources-no-id", label)
            return
        if entry_id > _MAX_ENTRY_ID:
            problems.note("aab.resources-bad-id", f"{label} (0x{entry_id:x})")
            return
        res_id = prefix | entry_id
        if res_id in self._entries:
            problems.note("aab.resources-duplicate", f"{label} (0x{res_id:08x})")
            return
        entry = self._entries[res_id] = _Entry(name)
        # Damage was noted above; the second pass must not report it again.
        for number, wire, value in _Fields(msg, f"{self._where}#entry", self._log, salvage=_ENTRY_CONFIG_VALUE):
            if number == _ENTRY_CONFIG_VALUE and wire == pb.WIRE_LEN:
                self._tick()
                self._config_value(value, entry, label, problems)  # type: ignore[arg-type]

    def _config_value(self, msg: memoryview, entry: _Entry, label: str, problems: Tally) -> None:
        config = b""
        value: pb.FieldValue | None = None
        try:
            for number, wire, inner in pb.fields(msg, f"{self._where}#config-value", self._log):
                if wire != pb.WIRE_LEN:
                    continue
                if number == _CV_CONFIG:
                    config = bytes(inner)
                elif number == _CV_VALUE:
                    value = inner
        except CorruptInput as exc:
            problems.note("aab.resources-bad-value", f"{label}: {exc}")
            return
        description = self._configs.get(config)
        if description is None:
            try:
                description = describe_proto_config(config)
            except CorruptInput as exc:
                problems.note("aab.resources-bad-config", f"{label}: {exc}")
                return
            self._configs[config] = description
        if value is None:
            problems.note("aab.resources-bad-value", f"{label} ({description}): no value")
            return
        try:
            stored = self._value(value)
        except CorruptInput as exc:
            problems.note("aab.resources-bad-value", f"{label} ({description}): {exc}")
            return
        entry.values.append((description, stored))

    # ----------------------------------------------------------------- values

    def _value(self, msg: pb.FieldValue) -> _Stored:
        """A Value message: its Item as a Res_value, or a compound marker."""
        if isinstance(msg, int):
            raise CorruptInput("value is a scalar where a message belongs")
        found: _Stored | None = None
        # ``value`` is a oneof: the last one on the wire wins, as protobuf parsers do.
        for number, wire, inner in pb.fields(msg, self._vwhere, self._log):
            if wire != pb.WIRE_LEN:
                continue
            if number == _VALUE_ITEM:
                found = self._item(inner)
            elif number == _VALUE_COMPOUND:
                found = _Compound(self._compound_kind(inner))
        if found is None:
            raise CorruptInput("value holds neither an item nor a compound value")
        return found

    def _compound_kind(self, msg: pb.FieldValue) -> str:
        kind = "compound"
        for number, wire, _ in pb.fields(msg, self._vwhere, self._log):  # type: ignore[arg-type]
            if wire == pb.WIRE_LEN and number in _COMPOUND_KINDS:
                kind = _COMPOUND_KINDS[number]
        return kind

    def _item(self, msg: pb.FieldValue) -> ResValue | str:
        if isinstance(msg, int):
            raise CorruptInput("item is a scalar where a message belongs")
        found: ResValue | str | None = None
        for number, wire, inner in pb.fields(msg, self._vwhere, self._log):
            if wire != pb.WIRE_LEN:
                continue  # flag_status / flag_negated: not the value
            if number == _IT_REF:
                found = self._reference(inner)
            elif number in (_IT_STR, _IT_RAW_STR, _IT_STYLED_STR, _IT_FILE):
                # Strings and file paths both become global-pool strings in resources.arsc.
                found = ResValue(TYPE_STRING, 0, self._first_string(inner))
            elif number == _IT_ID:
                found = ResValue(_ID_VALUE_TYPE, _ID_VALUE_DATA)
            elif number == _IT_PRIM:
                found = self._primitive(inner)
        if found is None:
            raise CorruptInput("item holds no value")
        return found

    def _first_string(self, msg: pb.FieldValue) -> str:
        """Field 1 of String / RawString / StyledString / FileReference ("" when unset)."""
        text = ""
        for number, wire, inner in pb.fields(msg, self._vwhere, self._log):  # type: ignore[arg-type]
            if number == _FIRST and wire == pb.WIRE_LEN:
                text = self._text(inner, "string value")
        return text

    def _reference(self, msg: pb.FieldValue) -> ResValue | str:
        attribute = dynamic = False
        res_id = 0
        name = ""
        for number, wire, inner in pb.fields(msg, self._vwhere, self._log):  # type: ignore[arg-type]
            if number == _REF_TYPE and wire == pb.WIRE_VARINT:
                attribute = inner == _REF_TYPE_ATTRIBUTE
            elif number == _REF_ID and wire == pb.WIRE_VARINT:
                res_id = pb.as_uint32(inner)
            elif number == _REF_NAME and wire == pb.WIRE_LEN:
                name = self._text(inner, "reference name")
            elif number == _REF_IS_DYNAMIC and wire == pb.WIRE_LEN:
                for n, w, flag in pb.fields(inner, self._vwhere, self._log):  # type: ignore[arg-type]
                    if n == _FIRST and w == pb.WIRE_VARINT:
                        dynamic = flag != 0
        if not res_id and name:
            # No id was assigned (a bundle built without ids, or a reference into a
            # library resolved at run time): the name still says what it points to.
            return ("?" if attribute else "@") + name
        if attribute:
            return ResValue(TYPE_DYNAMIC_ATTRIBUTE if dynamic else TYPE_ATTRIBUTE, res_id)
        return ResValue(TYPE_DYNAMIC_REFERENCE if dynamic else TYPE_REFERENCE, res_id)

    def _primitive(self, msg: pb.FieldValue) -> ResValue:
        found: ResValue | None = None
        for number, wire, inner in pb.fields(msg, self._vwhere, self._log):  # type: ignore[arg-type]
            if number == _P_NULL and wire == pb.WIRE_LEN:
                found = ResValue(TYPE_NULL, 0)
            elif number == _P_EMPTY and wire == pb.WIRE_LEN:
                found = ResValue(TYPE_NULL, _DATA_NULL_EMPTY)
            elif number in _PRIMITIVES and wire == _PRIMITIVES[number][0]:
                data = pb.as_uint32(inner)  # int32 negatives arrive sign-extended to 64 bits
                if number == _P_BOOL:
                    data = _DATA_TRUE if data else 0
                found = ResValue(_PRIMITIVES[number][1], data)
        if found is None:
            raise CorruptInput("primitive holds no value")
        return found

    # ----------------------------------------------------------------- lookups

    def resource_ids(self) -> list[int]:
        """Every resource id with an entry, sorted."""
        return sorted(self._entries)

    def type_name(self, res_id: int) -> str | None:
        """Type name of ``res_id`` (``"string"``), if its package and type exist."""
        if not 0 <= res_id <= 0xFFFFFFFF:
            return None
        return self._types.get(res_id >> 16)

    def entry_name(self, res_id: int) -> str | None:
        """``"type/name"`` (e.g. ``"string/app_name"``) of an existing resource."""
        entry = self._entries.get(res_id)
        if entry is None:
            return None
        return f"{self._types[res_id >> 16]}/{entry.name or f'entry0x{res_id & 0xFFFF:04x}'}"

    def res_values(self, res_id: int) -> list[tuple[str, ResValue]]:
        """``(config, Res_value)`` like :meth:`ResourceTable.values`: the binary form of
        each simple value (map values and references known only by name left out)."""
        entry = self._entries.get(res_id)
        if entry is None:
            return []
        return [(config, value) for config, value in entry.values if isinstance(value, ResValue)]

    def values(self, res_id: int) -> list[tuple[str, RenderedValue]]:
        """``(config, rendered value)`` for each configuration with a simple value.

        Configurations are named as ``describe_config`` names them (``"default"``,
        ``"fr"``, ``"v21"``, ``"night"``); values render as ``ResValue.render()``
        does, a reference known only by name as ``"@type/name"``. Map entries
        (styles, arrays, plurals...) are left out.
        """
        entry = self._entries.get(res_id)
        if entry is None:
            return []
        return [(config, _render(value)) for config, value in entry.values if not isinstance(value, _Compound)]

    def _pick(self, res_id: int) -> _Stored | None:
        entry = self._entries.get(res_id)
        if entry is None or not entry.values:
            return None
        for config, value in entry.values:
            if config == _DEFAULT_CONFIG:
                return value
        return entry.values[0][1]

    def resolve(self, res_id: int, max_depth: int = 8) -> RenderedValue:
        """The rendered value of ``res_id`` in the default configuration (else the first
        one that has it), following references up to ``max_depth`` hops.

        Same answers as :meth:`ResourceTable.resolve`: a file resolves to its path, a
        reference to a resource not in this table stays rendered (``"@0x01040000"``), a
        cycle or a chain deeper than ``max_depth`` gives ``None`` (with a diagnostic),
        and so does a map entry.
        """
        seen: set[int] = set()
        current = res_id
        for _ in range(max_depth + 1):
            if current in seen:
                self._diag("aab.resources-reference-cycle",
                           f"reference cycle through 0x{current:08x} (from 0x{res_id:08x})")
                return None
            seen.add(current)
            value = self._pick(current)
            if value is None:
                return None if current == res_id else f"@0x{current:08x}"
            if isinstance(value, _Compound):
                return None
            if isinstance(value, ResValue) and value.is_reference and value.data != 0:
                current = value.data
                continue
            return _render(value)
        self._diag("aab.resources-reference-depth", f"reference chain from 0x{res_id:08x} is deeper than {max_depth}")
        return None


def _render(value: ResValue | str) -> RenderedValue:
    return value if isinstance(value, str) else value.render()
