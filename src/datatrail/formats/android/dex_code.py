"""Which methods' bytecode refers to given methods, strings or fields.

This is a reference scanner, not a disassembler: it answers "which code
invokes ``TelephonyManager.getDeviceId``" or "which code loads the string
``android_id``" for a handful of targets at a time, without decoding every
instruction of the file.

How: the instruction bytes that could refer to a target (an invoke opcode
followed by the target's 16-bit method index, ``const-string`` with a string
index, a field opcode with a field index) form one compiled regular
expression, which runs at C speed over the code section the DEX map names.
A match is only a candidate - the same bytes occur inside operands, switch
tables and array data - so each one is confirmed by walking its method's
instructions from the method's first code unit with the per-opcode widths of
the Dalvik instruction formats (payload pseudo-instructions are sized from
their headers) and checking that an instruction starts exactly there. Only
methods holding a candidate are walked, so cost follows the number of hits,
not the size of the code. Very large target sets (thousands of indexes) make
the candidates dense, so they switch to walking every method once; both
paths give the same answer.

Finding a candidate's method needs each method's code_item offset, which
only class_data_items hold (ULEB128-encoded); they are parsed once per file,
and only when some candidate exists.

Everything read is checked against the buffer; class_data or code_items
that point outside the file, claim impossible counts or overlap become
diagnostics in ``dex.log`` and are skipped or clipped, and work is bounded
by budgets proportional to the file size. Besides what ``DexFile`` itself
raises at construction, nothing here raises on damaged input.
"""

from __future__ import annotations

import bisect
import re
import struct
import sys
from array import array
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Final, NamedTuple

from datatrail.formats.android.dex import HEADER_SIZE, DexFile
from datatrail.formats.common.buffer import Buffer
from datatrail.model.diagnostic import Level

__all__ = ["CodeRefs", "CodeScan", "INSTRUCTION_WIDTH", "MethodCode", "Site", "Users", "class_parents", "class_parent_table", "nop_width", "read_leb128", "superclass_descriptors"]

Users = dict[int, list[tuple[str, str]]]
"""Target index -> ``[(class descriptor, method name)]`` of the code using it."""

_U16: Final = struct.Struct("<H")
_U32: Final = struct.Struct("<I")
_MAP_ITEM: Final = struct.Struct("<HHII")
_CODE_HEADER: Final = 16  # registers, ins, outs, tries (u16 each), debug_info_off, insns_size
_CODE_ITEM_TYPE: Final = 0x2001
_MAX_MAP_ITEMS: Final = 256
_U32_CODE: Final = "I" if array("I").itemsize == 4 else "L"
_BIG_ENDIAN_HOST: Final = sys.byteorder == "big"

# Header fields (byte offsets into the 0x70-byte header).
_MAP_OFF: Final = 52
_METHOD_IDS_OFF: Final = 92
_PROTO_IDS_OFF: Final = 76
_FIELD_IDS_OFF: Final = 84
_CLASS_DEFS_OFF: Final = 100

# Above this many target indexes walking every method once beats the
# expression: measured on 4-11 MB DEX files, candidates plus confirming walks
# stay cheaper than a full walk up to about 10,000 random targets.
_REGEX_MAX_TARGETS = 4096

# ULEB128 values in DEX are at most 32 bits, i.e. five bytes.
_ULEB_MAX_BYTES: Final = 5

# Code items closer together than this are scanned as one range: the bytes
# between them (tries, handlers, the next header) only add candidates that
# the offset-to-method mapping discards.
_RANGE_GAP: Final = 4096


def _widths() -> tuple[int, ...]:
    """Instruction width in bytes per opcode (Dalvik bytecode formats).

    0 marks ``nop`` (0x00), whose width depends on whether the code unit is a
    payload ident. Unused opcodes get the 1-unit width ART's instruction
    table gives them (format 10x), so walks stay in step with ``dexdump``.
    """
    units = [1] * 256
    spans = [
        # (first, last, code units)
        (0x01, 0x01, 1), (0x02, 0x02, 2), (0x03, 0x03, 3),  # move
        (0x04, 0x04, 1), (0x05, 0x05, 2), (0x06, 0x06, 3),  # move-wide
        (0x07, 0x07, 1), (0x08, 0x08, 2), (0x09, 0x09, 3),  # move-object
        (0x0A, 0x11, 1),  # move-result*, move-exception, return*
        (0x12, 0x12, 1), (0x13, 0x13, 2), (0x14, 0x14, 3), (0x15, 0x15, 2),  # const
        (0x16, 0x16, 2), (0x17, 0x17, 3), (0x18, 0x18, 5), (0x19, 0x19, 2),  # const-wide
        (0x1A, 0x1A, 2), (0x1B, 0x1B, 3), (0x1C, 0x1C, 2),  # const-string(/jumbo), const-class
        (0x1D, 0x1E, 1), (0x1F, 0x20, 2), (0x21, 0x21, 1), (0x22, 0x23, 2),
        (0x24, 0x26, 3), (0x27, 0x28, 1), (0x29, 0x29, 2), (0x2A, 0x2C, 3),
        (0x2D, 0x3D, 2),  # cmp*, if-*
        (0x44, 0x6D, 2),  # aget/aput, iget/iput, sget/sput
        (0x6E, 0x72, 3), (0x74, 0x78, 3),  # invoke-*, invoke-*/range
        (0x7B, 0x8F, 1), (0x90, 0xAF, 2), (0xB0, 0xCF, 1), (0xD0, 0xE2, 2),
        (0xFA, 0xFB, 4),  # invoke-polymorphic(/range)
        (0xFC, 0xFD, 3), (0xFE, 0xFF, 2),  # invoke-custom(/range), const-method-handle/type
    ]
    for first, last, n in spans:
        for op in range(first, last + 1):
            units[op] = n
    units[0x00] = 0
    return tuple(2 * u for u in units)


INSTRUCTION_WIDTH: Final = _widths()
"""Bytes per instruction by opcode; 0 for ``nop``, whose code unit may start a payload."""
_WIDTH: Final = INSTRUCTION_WIDTH
_UNUSED: Final = frozenset(
    [*range(0x3E, 0x44), 0x73, 0x79, 0x7A, *range(0xE3, 0xFA)]
)

# Opcodes whose 16-bit index at byte 2 names a method (invoke-custom's names a
# call site instead, so it is not one of them).
_INVOKE_OPS: Final = frozenset([*range(0x6E, 0x73), *range(0x74, 0x79), 0xFA, 0xFB])
_FIELD_OPS: Final = frozenset(range(0x52, 0x6E))  # iget*/iput* (22c), sget*/sput* (21c)
_OBJECT_READS: Final = frozenset([0x54, 0x62])  # iget-object, sget-object
_Plan = list[tuple[re.Pattern[bytes], int]]
"""Expressions whose matches, moved back by their number of bytes, are candidate instructions."""
_SCAN_NS_PER_BYTE: Final = 0.3
_OP_LED_NS_PER_HIT: Final = 83.0
_LITERAL_LED_NS_PER_HIT: Final = 17.0
"""The cost of a search in nanoseconds per byte of code, and per byte that starts a match attempt,
for an expression led by a class of opcodes and for one led by a literal byte (measured on a
2 MB code section: the first tries its lookarounds at every opcode, the second finds its byte
with the engine's literal search)."""
_SAMPLE_CHUNK: Final = 4096
_SAMPLE_CHUNKS: Final = 16
"""The code sampled to tell which bytes are rare: 16 chunks of 4 KB spread over it."""
_CONST_STRING: Final = 0x1A
_CONST_STRING_JUMBO: Final = 0x1B

# Per opcode: 1 method, 2 string (u16), 3 string (u32), 4 field, 0 none.
_KIND_METHOD, _KIND_STRING, _KIND_STRING32, _KIND_FIELD = 1, 2, 3, 4


def _kinds() -> bytes:
    kinds = bytearray(256)
    for op in _INVOKE_OPS:
        kinds[op] = _KIND_METHOD
    for op in _FIELD_OPS:
        kinds[op] = _KIND_FIELD
    kinds[_CONST_STRING] = _KIND_STRING
    kinds[_CONST_STRING_JUMBO] = _KIND_STRING32
    return bytes(kinds)


_KIND: Final = _kinds()


def _byte_class(values: Iterable[int]) -> bytes:
    """A regex atom matching any of ``values`` (bytes), written as \\x escapes."""
    vals = sorted(set(values))
    if len(vals) == 1:
        return b"\\x%02x" % vals[0]
    return b"[" + b"".join(b"\\x%02x" % v for v in vals) + b"]"


def _u16_alternatives(indexes: Iterable[int]) -> bytes:
    """Regex alternation of little-endian u16 values, grouped by low byte."""
    by_low: dict[int, list[int]] = {}
    for i in indexes:
        by_low.setdefault(i & 0xFF, []).append(i >> 8)
    return b"|".join(b"\\x%02x" % lo + _byte_class(his) for lo, his in sorted(by_low.items()))


def _u32_alternatives(indexes: Iterable[int]) -> bytes:
    return b"|".join(b"".join(b"\\x%02x" % b for b in _U32.pack(i)) for i in sorted(set(indexes)))


_Kind = tuple[frozenset[int], int, set[int]]
"""Opcodes naming one kind of target, the width of their index in bytes, and the indexes sought."""


def _target_kinds(mset: set[int], sset: set[int], fset: set[int], field_ops: frozenset[int]) -> list[_Kind]:
    kinds: list[_Kind] = []
    if mset:
        kinds.append((_INVOKE_OPS, 2, mset))
    if fset:
        kinds.append((field_ops, 2, fset))
    if sset:
        kinds.append((frozenset([_CONST_STRING_JUMBO]), 4, sset))
        small = {i for i in sset if i < 0x10000}
        if small:
            kinds.append((frozenset([_CONST_STRING]), 2, small))
    return kinds


def _low_bytes(kinds: list[_Kind]) -> list[int]:
    """The low bytes of every index sought, each once, in order."""
    return sorted({i & 0xFF for _ops, _w, idx in kinds for i in idx})


def _opcode_pattern(kinds: list[_Kind]) -> re.Pattern[bytes]:
    """One expression led by the class of every kind's opcodes (SRE's fast first-byte search);
    the lookbehind picks the kind, the lookahead skips the operand byte and matches the index
    without consuming it, so overlapping candidates are all found."""
    ops = frozenset().union(*(k[0] for k in kinds))
    branches = [b"(?<=" + _byte_class(kind_ops) + b")(?=[\\x00-\\xff](?:"
                + (_u16_alternatives(idx) if width == 2 else _u32_alternatives(idx)) + b"))"
                for kind_ops, width, idx in kinds]
    return re.compile(_byte_class(ops) + b"(?:" + b"|".join(branches) + b")")


def _literal_plan(kinds: list[_Kind]) -> _Plan:
    """One expression per low byte of the targets' indexes, led by that literal byte (which the
    regex engine finds several times faster than a class of opcodes), looking ahead for the
    index's other bytes and back for the opcode: a match two bytes past a candidate."""
    plan: _Plan = []
    for lo in _low_bytes(kinds):
        branches: list[bytes] = []
        for kind_ops, width, idx in kinds:
            rest = sorted({_U32.pack(i)[1:width] for i in idx if i & 0xFF == lo})
            if rest:
                ahead = _byte_class(r[0] for r in rest) if width == 2 else b"(?:" + b"|".join(
                    b"".join(b"\\x%02x" % b for b in r) for r in rest) + b")"
                branches.append(b"(?=" + ahead + b")(?<=" + _byte_class(kind_ops) + b"[\\x00-\\xff][\\x00-\\xff])")
        plan.append((re.compile(b"\\x%02x(?:" % lo + b"|".join(branches) + b")"), 2))
    return plan


def nop_width(buf: Buffer, pc: int, end: int) -> int:
    """Width in bytes of the code unit at ``pc`` whose opcode is 0: a ``nop`` (2), or a switch or
    array-data payload sized from its header; -1 when it runs past ``end``."""
    if pc + 2 > end:
        return -1
    ident = buf[pc + 1]
    if ident == 0 or ident > 3:
        return 2
    # The smallest payload header is 4 bytes (sparse-switch), the largest 8.
    if pc + (8 if ident == 3 else 4) > end:
        return -1
    if ident == 1:  # packed-switch-payload: ident, size, first_key, targets[size]
        w = 8 + 4 * int(_U16.unpack_from(buf, pc + 2)[0])
    elif ident == 2:  # sparse-switch-payload: ident, size, keys[size], targets[size]
        w = 4 + 8 * int(_U16.unpack_from(buf, pc + 2)[0])
    else:  # fill-array-data-payload: ident, element_width, size (u32), data
        elem = int(_U16.unpack_from(buf, pc + 2)[0])
        count = int(_U32.unpack_from(buf, pc + 4)[0])
        w = 8 + 2 * ((elem * count + 1) // 2)
    return w if pc + w <= end else -1


class Site(NamedTuple):
    """One instruction naming a target: its offset, and where its method's instructions lie."""

    pos: int
    start: int
    end: int


class MethodCode(NamedTuple):
    """Where one method's instructions lie, and its register frame (the last ``ins`` registers
    hold the arguments, ``this`` first)."""

    start: int
    end: int
    registers: int
    ins: int


class CodeScan(NamedTuple):
    """Result of one :meth:`CodeRefs.scan`: users per requested index that has any."""

    methods: Users
    strings: Users
    fields: Users


class _CodeIndex:
    """Every method body of the file: insns starts sorted, and their owners.

    Owner ids number the methods with code in class_def order, then
    class_data order (direct before virtual), which is the order results
    are reported in. Where each body ends is read on demand: a scan for a
    few targets touches a few methods, and reading every code_item header
    would cost more than the scan.
    """

    __slots__ = (
        "starts", "owners", "shared", "owner_class", "owner_method", "misaligned",
        "overlaps", "truncated", "_buf", "_size", "_ends", "_ranges",
    )

    def __init__(
        self,
        buf: Buffer,
        starts: Sequence[int],
        owners: Sequence[int],
        shared: dict[int, list[int]],
        owner_class: Sequence[int],
        owner_method: Sequence[int],
    ) -> None:
        self._buf = buf
        self._size = len(buf)
        self._ends: dict[int, int] = {}
        self._ranges: list[tuple[int, int]] | None = None
        self.starts = starts
        """Offset of each code item's first instruction, ascending, unique."""
        self.owners = owners
        """First owner id per code item."""
        self.shared = shared
        """Code item -> every owner id, for the rare items several methods share."""
        self.owner_class = owner_class
        """class_def index per owner id."""
        self.owner_method = owner_method
        """method_id index per owner id."""
        self.misaligned = any(map((1).__and__, starts))
        """True when some insns array starts at an odd offset (forged)."""
        self.overlaps = 0
        """Code items found running into the next one (counted as they are read)."""
        self.truncated = 0
        """Code items found running past the end of the file."""

    def end(self, j: int) -> int:
        """End offset of code item ``j``'s instructions (clipped to the file)."""
        end = self._ends.get(j)
        if end is None:
            start = self.starts[j]
            # insns_size is the last word of the 16-byte header, just before insns.
            end = start + 2 * int(_U32.unpack_from(self._buf, start - 4)[0])
            if end > self._size:
                self.truncated += 1
                end = self._size
            if j + 1 < len(self.starts) and end > self.starts[j + 1]:
                self.overlaps += 1
            self._ends[j] = end
        return end

    def owners_of(self, j: int) -> list[int]:
        shared = self.shared.get(j)
        return shared if shared is not None else [self.owners[j]]

    def ranges(self) -> list[tuple[int, int]]:
        """The byte ranges covering every insns array, merged across small gaps (read once)."""
        if self._ranges is not None:
            return self._ranges
        out: list[tuple[int, int]] = []
        for j, start in enumerate(self.starts):
            end = self.end(j)
            if out and start <= out[-1][1] + _RANGE_GAP:
                if end > out[-1][1]:
                    out[-1] = (out[-1][0], end)
            else:
                out.append((start, end))
        self._ranges = out
        return out

    def containing(self, pos: int) -> int:
        """The code item whose instructions hold ``pos``, or -1.

        Honest code items are disjoint, so the one starting closest before
        ``pos`` is the only candidate; in a file with overlapping (forged)
        items, which the runtime refuses, that is the one reported.
        """
        j = bisect.bisect_right(self.starts, pos) - 1
        if j >= 0 and pos < self.end(j):
            return j
        return -1


def _uleb(buf: Buffer, p: int) -> tuple[int, int]:
    """ULEB128 at ``p``: (value, next position). ValueError past five bytes."""
    value = 0
    shift = 0
    for _ in range(_ULEB_MAX_BYTES):
        b = buf[p]
        p += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, p
        shift += 7
    raise ValueError("ULEB128 longer than five bytes")


def read_leb128(buf: Buffer, p: int, *, signed: bool = False) -> tuple[int, int]:
    """(S|U)LEB128 at ``p``: (value, next position). ValueError past five bytes, IndexError past
    the buffer."""
    value, after = _uleb(buf, p)
    bits = 7 * (after - p)
    if signed and value >> (bits - 1) & 1:
        value -= 1 << bits
    return value, after


class CodeRefs:
    """Bytecode reference scanner over one :class:`DexFile`.

    Results name the user of a target as ``(class descriptor, method name)``
    of the method whose code holds the instruction, deduplicated (overloads
    of one name collapse) and ordered by class_def, then by method. Damage
    goes to ``dex.log``.
    """

    def __init__(self, dex: DexFile) -> None:
        self.dex = dex
        # DexFile keeps its buffer private and offers no accessor for raw
        # sections; this module is its bytecode companion in the same package.
        self._buf: Buffer = dex.buffer
        self._size = len(self._buf)
        self._index: _CodeIndex | None = None
        self._class_descs: list[str] | None = None
        self._method_names: dict[int, str] = {}
        self._map_range: tuple[int, int] | None = None
        self._map_checked = False
        self._unused_ops = 0
        self._walk_stops = 0
        self._sites: dict[int, list[tuple[int, int, int]]] = {}
        """Confirmed const-string sites (position, start and end of its code) per string index,
        for every string a scan looked for (``_sites_of`` says which): ``sites`` reads them."""
        self._items_of_method: dict[int, int] | None = None
        self._member_tables: dict[int, tuple[array[int], array[int]]] = {}
        self._sites_of: set[int] = set()
        self._sample: bytes | None = None
        self._sample_counts: dict[int, int] = {}

    # ------------------------------------------------------------- public API

    def method_callers(self, method_indices: Collection[int]) -> Users:
        """Methods whose code invokes any of ``method_indices`` (method_id indexes).

        invoke-virtual/super/direct/static/interface, their /range forms and
        invoke-polymorphic count; invoke-custom names a call site, not a
        method, so it does not. Keys are the requested indexes that have a
        caller.
        """
        return self.scan(methods=method_indices).methods

    def string_users(self, string_indices: Collection[int]) -> Users:
        """Methods whose code loads any of ``string_indices`` with const-string(/jumbo)."""
        return self.scan(strings=string_indices).strings

    def sites(
        self, methods: Collection[int] = (), strings: Collection[int] = (), fields: Collection[int] = (),
        *, object_reads: bool = False,
    ) -> dict[tuple[int, int], list[Site]]:
        """Where the code holds each target: per ``(kind, index)`` (kind 1 a method invoked, 2 a
        string loaded, 4 a field read or written - only ``iget-object``/``sget-object`` with
        ``object_reads``, which searches faster), the instructions that name it, in file order.
        The same confirmation as :meth:`scan`: only whole instructions count."""
        dex = self.dex
        mset = {i for i in methods if 0 <= i < min(dex.method_count, 0x10000)}
        sset = {i for i in strings if 0 <= i < dex.string_count}
        fset = {i for i in fields if 0 <= i < min(dex.field_count, 0x10000)}
        if not (mset or sset or fset):
            return {}
        out: dict[tuple[int, int], list[Site]] = {}
        if not (mset or fset) and sset <= self._sites_of:  # a scan found these strings' sites already
            for t in sorted(sset):
                for pos, start, end in sorted(set(self._sites.get(t, ()))):
                    out.setdefault((_KIND_STRING, t), []).append(Site(pos, start, end))
            return out
        self._sites_of |= sset
        found = self._candidates(mset, sset, fset, _OBJECT_READS if object_reads else _FIELD_OPS)
        if found is None:
            return {}
        index, cands = found
        self._confirm(index, cands, mset, sset, fset, out)
        for found_sites in out.values():
            found_sites.sort()
        return out

    def code_of(self, method_idx: int) -> MethodCode | None:
        """The code of one method_id this file defines, or None (abstract, native, defined
        elsewhere, or damaged)."""
        index = self._code_index()
        if self._items_of_method is None:
            owner_method = index.owner_method
            found = dict(zip([owner_method[o] for o in index.owners], range(len(index.starts))))
            for j, owners in index.shared.items():
                for owner in owners:
                    found.setdefault(int(owner_method[owner]), j)
            self._items_of_method = found
        j = self._items_of_method.get(method_idx, -1)
        if j < 0:
            return None
        start = index.starts[j]
        registers, ins = _U16.unpack_from(self._buf, start - _CODE_HEADER)[0], _U16.unpack_from(self._buf, start - _CODE_HEADER + 2)[0]
        return MethodCode(start, index.end(j), int(registers), int(ins))

    def method_at(self, pos: int) -> tuple[str, str] | None:
        """(class descriptor, name) of the method whose instructions hold ``pos``, or None."""
        index = self._code_index()
        j = index.containing(pos)
        if j < 0:
            return None
        return self.method_ref(int(index.owner_method[index.owners[j]]))

    def method_ref(self, method_idx: int) -> tuple[str, str]:
        """(class descriptor, name) of one method_id, read alone (the whole table costs more)."""
        if not 0 <= method_idx < self.dex.method_count:
            return ("?", f"<bad-method:{method_idx}>")
        off = self._header_u32(_METHOD_IDS_OFF) + 8 * method_idx
        (class_idx,) = _U16.unpack_from(self._buf, off)
        return self.dex.type_name(class_idx), self._method_name(method_idx)

    def method_shorty(self, method_idx: int) -> str:
        """The shorty of one method_id's prototype (``"VL"``), comparable across files: overloads
        differ in it. "" when out of range."""
        if not 0 <= method_idx < self.dex.method_count:
            return ""
        proto = int(_U16.unpack_from(self._buf, self._header_u32(_METHOD_IDS_OFF) + 8 * method_idx + 2)[0])
        at = self._header_u32(_PROTO_IDS_OFF) + 12 * proto
        if at + 4 > self._size:
            return ""
        return self.dex.string(int(_U32.unpack_from(self._buf, at)[0]))

    def field_ref(self, field_idx: int) -> tuple[str, str]:
        """(class descriptor, name) of one field_id, read alone."""
        if not 0 <= field_idx < self.dex.field_count:
            return ("?", f"<bad-field:{field_idx}>")
        off = self._header_u32(_FIELD_IDS_OFF) + 8 * field_idx
        (class_idx,) = _U16.unpack_from(self._buf, off)
        (name_idx,) = _U32.unpack_from(self._buf, off + 4)
        return self.dex.type_name(class_idx), self.dex.string(int(name_idx))

    def field_users(self, field_indices: Collection[int]) -> Users:
        """Methods whose code reads or writes any of ``field_indices`` (iget*/iput*/sget*/sput*)."""
        return self.scan(fields=field_indices).fields

    def scan(
        self,
        methods: Collection[int] = (),
        strings: Collection[int] = (),
        fields: Collection[int] = (),
    ) -> CodeScan:
        """Users of all three kinds of target in one pass over the code."""
        dex = self.dex
        mset = {i for i in methods if 0 <= i < min(dex.method_count, 0x10000)}
        sset = {i for i in strings if 0 <= i < dex.string_count}
        fset = {i for i in fields if 0 <= i < min(dex.field_count, 0x10000)}
        if not (mset or sset or fset):
            return CodeScan({}, {}, {})
        self._sites_of |= sset
        if len(mset) + len(sset) + len(fset) > _REGEX_MAX_TARGETS:
            hits = self._walk_everything(mset, sset, fset)
        else:
            hits = self._scan_candidates(mset, sset, fset)
        return self._results(hits)

    def method_indices(self, wanted: Mapping[str, Collection[str]]) -> dict[int, tuple[str, str]]:
        """method_id indexes whose class descriptor and name are in ``wanted``.

        ``wanted`` maps a class descriptor (``Landroid/os/Build;``) to method
        names; every prototype of a name matches. Reads only the class and
        name columns of method_ids, so no prototype strings are built.
        """
        return self._member_indices(_METHOD_IDS_OFF, dex_count=self.dex.method_count, wanted=wanted)

    def field_indices(self, wanted: Mapping[str, Collection[str]]) -> dict[int, tuple[str, str]]:
        """field_id indexes whose class descriptor and name are in ``wanted``."""
        return self._member_indices(_FIELD_IDS_OFF, dex_count=self.dex.field_count, wanted=wanted)

    def string_indices(
        self, exact: Iterable[str] = (), prefixes: Iterable[str] = ()
    ) -> dict[int, str]:
        """Indexes of pool strings equal to one of ``exact`` or starting with a prefix.

        DEX requires the pool sorted by UTF-16 code units, which agrees with
        Python's order wherever an ASCII key is compared, so each key costs
        a binary search of single-string lookups. A pool forged out of order
        can hide a string from this (the runtime refuses such files).
        """
        dex = self.dex
        n = dex.string_count
        string = dex.string
        out: dict[int, str] = {}
        for key in exact:
            i = self._lower_bound(key, n)
            if i < n and string(i) == key:
                out[i] = key
        for prefix in prefixes:
            i = self._lower_bound(prefix, n)
            # Matches are contiguous; the cap stops a forged pool of repeats.
            while i < n and len(out) < self.dex.limits.max_dex_items:
                text = string(i)
                if not text.startswith(prefix):
                    break
                out[i] = text
                i += 1
        return out

    # ------------------------------------------------------------ candidates

    def _scan_candidates(self, mset: set[int], sset: set[int], fset: set[int]) -> set[tuple[int, int, int]]:
        found = self._candidates(mset, sset, fset)
        return set() if found is None else self._confirm(found[0], found[1], mset, sset, fset)

    def _candidates(
        self, mset: set[int], sset: set[int], fset: set[int], field_ops: frozenset[int] = _FIELD_OPS
    ) -> tuple[_CodeIndex, list[int]] | None:
        """Offsets where an instruction naming a target may start, and the index to confirm
        them with; None when there is none (and then no index was needed)."""
        # The map's code section is one range to search; the index's own
        # ranges would cost reading every code item's size, and they find
        # nothing more: candidates outside any item are dropped when confirmed.
        code = self._code_section()
        if code is None:
            ranges = self._code_index().ranges()
        elif self._index is not None:
            ranges = [code, *self._ranges_outside(self._index, [code])]
        else:
            ranges = [code]
        plan = self._plan(mset, sset, fset, field_ops)
        cands = self._find(plan, ranges)
        index = self._index
        if index is None:
            # Code items must be 4-byte aligned, so odd candidates cannot be
            # instructions unless the index shows forged, misaligned code.
            if not any(c & 1 == 0 for c in cands):
                return None
            index = self._code_index()
            extra = self._ranges_outside(index, ranges)
            if extra:
                cands += self._find(plan, extra)
        if not index.misaligned:
            cands = [c for c in cands if not c & 1]
        return index, cands

    def _plan(self, mset: set[int], sset: set[int], fset: set[int], field_ops: frozenset[int] = _FIELD_OPS) -> _Plan:
        """The searches that find the candidates: one expression led by the opcodes (the
        general case), or, when the targets' low index bytes are rarer in the code than the
        opcodes (a few targets), one expression per low byte (:func:`_literal_plan`)."""
        kinds = _target_kinds(mset, sset, fset, field_ops)
        ops = frozenset().union(*(k[0] for k in kinds))
        share = self._byte_share
        led_by_ops = _SCAN_NS_PER_BYTE + _OP_LED_NS_PER_HIT * share(ops)
        led_by_literals = sum(_SCAN_NS_PER_BYTE + _LITERAL_LED_NS_PER_HIT * share([lo]) for lo in _low_bytes(kinds))
        if led_by_literals >= led_by_ops:
            return [(_opcode_pattern(kinds), 0)]
        return _literal_plan(kinds)

    def _byte_share(self, values: Iterable[int]) -> float:
        """The share of code bytes that are one of ``values``, read from a sample of the code."""
        if self._sample is None:
            lo, hi = self._code_section() or (0, self._size)
            step = max((hi - lo) // _SAMPLE_CHUNKS, _SAMPLE_CHUNK)
            self._sample = b"".join(bytes(self._buf[at : min(at + _SAMPLE_CHUNK, hi)]) for at in range(lo, hi, step))
        sample = self._sample
        if not sample:
            return 0.0
        counts = self._sample_counts
        total = 0
        for v in values:
            n = counts.get(v)
            if n is None:
                n = counts[v] = sample.count(v.to_bytes(1, "little"))
            total += n
        return total / len(sample)

    def _find(self, plan: _Plan, ranges: list[tuple[int, int]]) -> list[int]:
        cap = self.dex.limits.max_dex_items
        out: list[int] = []
        for start, end in ranges:
            found = [m.start() - back for pattern, back in plan for m in pattern.finditer(self._buf, start, end)]
            out.extend(sorted(c for c in found if c >= start))
            if len(out) > cap:
                self._diag(
                    "dex.code-candidates",
                    f"more than {cap} candidate references; the rest of the code is not scanned",
                    start,
                )
                del out[cap:]
                break
        return out

    def _confirm(
        self,
        index: _CodeIndex,
        cands: list[int],
        mset: set[int],
        sset: set[int],
        fset: set[int],
        sites: dict[tuple[int, int], list[Site]] | None = None,
    ) -> set[tuple[int, int, int]]:
        """``(kind, target index, owner id)`` for candidates that are real instructions; each
        one's place is added to ``sites`` too when it is given."""
        by_item: dict[int, list[int]] = {}
        for c in cands:
            j = index.containing(c)
            if j >= 0:
                by_item.setdefault(j, []).append(c)
        buf = self._buf
        hits: set[tuple[int, int, int]] = set()
        budget = self._walk_budget()
        for j in sorted(by_item):
            start, end = index.starts[j], index.end(j)
            positions = sorted(set(by_item[j]))
            budget -= positions[-1] - start
            if budget < 0:
                self._diag(
                    "dex.code-budget",
                    "bytecode walking exceeded its budget (overlapping code items?); "
                    "remaining candidates are not confirmed",
                    start,
                )
                break
            for pos in self._boundaries(start, end, positions):
                kind = _KIND[buf[pos]]
                target = self._operand(pos, kind)
                if (
                    (kind == _KIND_METHOD and target in mset)
                    or (kind == _KIND_FIELD and target in fset)
                    or (kind in (_KIND_STRING, _KIND_STRING32) and target in sset)
                ):
                    if kind != _KIND_METHOD and kind != _KIND_FIELD:
                        self._sites.setdefault(target, []).append((pos, start, end))
                    if sites is not None:
                        key = (_KIND_STRING if kind == _KIND_STRING32 else kind, target)
                        sites.setdefault(key, []).append(Site(pos, start, end))
                    for owner in index.owners_of(j):
                        hits.add((_KIND_STRING if kind == _KIND_STRING32 else kind, target, owner))
        self._report_walk()
        return hits

    def _operand(self, pos: int, kind: int) -> int:
        if kind == _KIND_STRING32:
            return int(_U32.unpack_from(self._buf, pos + 2)[0])
        return int(_U16.unpack_from(self._buf, pos + 2)[0])

    def _boundaries(self, start: int, end: int, positions: list[int]) -> list[int]:
        """Those of ``positions`` (ascending) where a whole instruction starts."""
        buf = self._buf
        width = _WIDTH
        found: list[int] = []
        pc = start
        for pos in positions:
            while pc < pos:
                w = width[buf[pc]]
                if not w:
                    w = self._nop_width(pc, end)
                    if w < 0:
                        return found
                elif buf[pc] in _UNUSED:
                    self._unused_ops += 1
                pc += w
            if pc == pos and pos + width[buf[pos]] <= end:
                found.append(pos)
        return found

    def _nop_width(self, pc: int, end: int) -> int:
        """Width of the code unit at ``pc`` with opcode 0: nop or a payload; -1 if cut off."""
        w = nop_width(self._buf, pc, end)
        if w < 0 and pc + 2 <= end:
            self._walk_stops += 1
        return w

    def _report_walk(self) -> None:
        if self._unused_ops:
            self._diag(
                "dex.code-unused-opcode",
                f"{self._unused_ops} unused opcode(s) met while walking bytecode "
                "(the runtime would refuse these methods); walked as 1-unit instructions",
                severity=Level.INFO,
            )
        if self._walk_stops:
            self._diag(
                "dex.code-payload",
                f"{self._walk_stops} method(s) hold a payload running past the end of their code; "
                "walking stopped there",
            )
        self._unused_ops = 0
        self._walk_stops = 0
        index = self._index
        if index is not None and (index.truncated or index.overlaps):
            if index.truncated:
                self._diag(
                    "dex.code-truncated",
                    f"{index.truncated} code_item(s) claim instructions past the end of the file; "
                    "read up to the end",
                )
            if index.overlaps:
                self._diag(
                    "dex.code-overlap",
                    f"{index.overlaps} code_item(s) run into the next one (the runtime refuses "
                    "such files); hits are attributed to the item starting closest before them",
                )
            index.truncated = index.overlaps = 0

    # ------------------------------------------------------------- full walk

    def _walk_everything(self, mset: set[int], sset: set[int], fset: set[int]) -> set[tuple[int, int, int]]:
        index = self._code_index()
        buf = self._buf
        width = _WIDTH
        kinds = _KIND
        hits: set[tuple[int, int, int]] = set()
        budget = self._walk_budget()
        for j, start in enumerate(index.starts):
            end = index.end(j)
            budget -= end - start
            if budget < 0:
                self._diag(
                    "dex.code-budget",
                    "bytecode walking exceeded its budget (overlapping code items?); "
                    "remaining methods are not walked",
                    start,
                )
                break
            found: list[tuple[int, int]] = []
            pc = start
            while pc < end:
                op = buf[pc]
                w = width[op]
                if not w:
                    w = self._nop_width(pc, end)
                    if w < 0:
                        break
                elif op in _UNUSED:
                    self._unused_ops += 1
                kind = kinds[op]
                if kind and pc + w <= end:
                    target = self._operand(pc, kind)
                    if (
                        (kind == _KIND_METHOD and target in mset)
                        or (kind == _KIND_FIELD and target in fset)
                        or (kind in (_KIND_STRING, _KIND_STRING32) and target in sset)
                    ):
                        found.append((_KIND_STRING if kind == _KIND_STRING32 else kind, target))
                        if kind in (_KIND_STRING, _KIND_STRING32):
                            self._sites.setdefault(target, []).append((pc, start, end))
                pc += w
            for kind, target in found:
                for owner in index.owners_of(j):
                    hits.add((kind, target, owner))
        self._report_walk()
        return hits

    def _walk_budget(self) -> int:
        # Honest code items are disjoint, so walking never covers more than
        # the file; forged overlapping items are what this stops.
        return 4 * self._size + (1 << 20)

    # -------------------------------------------------------------- results

    def _results(self, hits: set[tuple[int, int, int]]) -> CodeScan:
        out: tuple[Users, Users, Users] = ({}, {}, {})
        index = self._index
        if index is None:  # no candidate survived, so no index was needed
            return CodeScan(*out)
        seen: set[tuple[int, int, str, str]] = set()
        # Owner ids follow class_def order, then class_data order.
        for kind, target, owner in sorted(hits, key=lambda h: (h[2], h[0], h[1])):
            user = (self._class_desc(index.owner_class[owner]), self._method_name(index.owner_method[owner]))
            key = (kind, target, *user)
            if key in seen:
                continue
            seen.add(key)
            slot = out[0] if kind == _KIND_METHOD else out[1] if kind == _KIND_STRING else out[2]
            slot.setdefault(target, []).append(user)
        return CodeScan(*out)

    def _class_desc(self, class_def: int) -> str:
        if self._class_descs is None:
            self._class_descs = self.dex.class_descriptors()
        descs = self._class_descs
        return descs[class_def] if class_def < len(descs) else f"<bad-class-def:{class_def}>"

    def _method_name(self, method_idx: int) -> str:
        name = self._method_names.get(method_idx)
        if name is None:
            if method_idx < self.dex.method_count:
                off = self._header_u32(_METHOD_IDS_OFF) + 8 * method_idx + 4
                (name_idx,) = _U32.unpack_from(self._buf, off)
                name = self.dex.string(name_idx)
            else:
                name = f"<bad-method:{method_idx}>"
            self._method_names[method_idx] = name
        return name

    # ------------------------------------------------------- id-table lookups

    def _member_indices(
        self, table_off_field: int, dex_count: int, wanted: Mapping[str, Collection[str]]
    ) -> dict[int, tuple[str, str]]:
        """Rows of method_ids/field_ids (both ``u16 class, u16 x, u32 name``) matching ``wanted``."""
        if not wanted or not dex_count:
            return {}
        want_types: dict[int, str] = {}
        for i, desc in enumerate(self.dex.type_names()):
            if desc in wanted:
                want_types[i] = desc
        if not want_types:
            return {}
        class_col, name_col = self._member_table(table_off_field, dex_count)
        out: dict[int, tuple[str, str]] = {}
        string = self.dex.string
        for cls, owner in want_types.items():
            names = wanted[owner]
            # The format sorts method_ids and field_ids by class first, so a class's rows are
            # one run (a file forged out of order loses rows here, as the runtime refuses it).
            for row in range(bisect.bisect_left(class_col, cls), bisect.bisect_right(class_col, cls)):
                name = string(name_col[row])
                if name in names:
                    out[row] = (owner, name)
        return dict(sorted(out.items()))

    def _member_table(self, table_off_field: int, dex_count: int) -> tuple[array[int], array[int]]:
        """The class and name columns of method_ids or field_ids, read once per table."""
        cached = self._member_tables.get(table_off_field)
        if cached is None:
            off = self._header_u32(table_off_field)
            halves = array("H")
            halves.frombytes(self._buf[off : off + 8 * dex_count])
            words = array(_U32_CODE)
            words.frombytes(self._buf[off : off + 8 * dex_count])
            if _BIG_ENDIAN_HOST:
                halves.byteswap()
                words.byteswap()
            cached = self._member_tables[table_off_field] = (halves[0::4], words[1::2])
        return cached

    def _lower_bound(self, key: str, n: int) -> int:
        lo, hi = 0, n
        string = self.dex.string
        while lo < hi:
            mid = (lo + hi) // 2
            if string(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    # ------------------------------------------------------------ code index

    def _header_u32(self, off: int) -> int:
        return int(_U32.unpack_from(self._buf, off)[0])

    def _code_section(self) -> tuple[int, int] | None:
        """Byte range the map gives the code_item section, or None if unusable.

        The runtime's verifier only accepts code_off values that start an
        item of this section, so scanning it covers every method of a file
        the runtime would run.
        """
        if self._map_checked:
            return self._map_range
        found: tuple[int, int] | None = None
        buf = self._buf
        size = self._size
        map_off = self._header_u32(_MAP_OFF)
        if HEADER_SIZE <= map_off and map_off + 4 <= size:
            (count,) = _U32.unpack_from(buf, map_off)
            count = min(count, (size - map_off - 4) // _MAP_ITEM.size, _MAX_MAP_ITEMS)
            items = [_MAP_ITEM.unpack_from(buf, map_off + 4 + _MAP_ITEM.size * k) for k in range(count)]
            code = [item for item in items if item[0] == _CODE_ITEM_TYPE]
            if len(code) == 1:
                _type, _unused, n, start = code[0]
                later = [item[3] for item in items if item[3] > start]
                end = min(later) if later else size
                if n == 0:
                    found = (start, start)
                elif HEADER_SIZE <= start < size:
                    found = (start, min(end, size))
        self._map_range = found
        self._map_checked = True
        return found

    @staticmethod
    def _ranges_outside(index: _CodeIndex, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Parts of the index's code not covered by ``ranges`` (the map lied)."""
        if not index.starts:
            return []
        # Honest items are disjoint, so the last one ends last; only when
        # that quick check fails are all the ends read.
        last = len(index.starts) - 1
        if len(ranges) == 1 and ranges[0][0] <= index.starts[0] and index.end(last) <= ranges[0][1]:
            return []
        out: list[tuple[int, int]] = []
        for start, end in index.ranges():
            covered = any(lo <= start and end <= hi for lo, hi in ranges)
            if not covered:
                out.append((start, end))
        return out

    def _code_index(self) -> _CodeIndex:
        if self._index is None:
            self._index = self._build_index()
            if self._map_checked:
                self._check_map_cover(self._index)
        return self._index

    def _check_map_cover(self, index: _CodeIndex) -> None:
        section = self._code_section()
        if section is None or not index.starts:
            return
        if index.starts[0] - _CODE_HEADER < section[0] or index.end(len(index.starts) - 1) > section[1]:
            self._diag(
                "dex.code-outside-map",
                "some code_items lie outside the code section the map names "
                "(the runtime would refuse the file); they are scanned too",
                section[0],
                Level.INFO,
            )

    def _build_index(self) -> _CodeIndex:
        """Parse every class_data_item for the code_item of each method."""
        dex = self.dex
        buf = self._buf
        size = self._size
        count = dex.class_def_count
        off = self._header_u32(_CLASS_DEFS_OFF)
        words = array(_U32_CODE)
        words.frombytes(buf[off : off + 32 * count])
        if _BIG_ENDIAN_HOST:
            words.byteswap()
        class_data_offs = words[6::8]

        # Arrays, not lists: a super-app has a million methods, and the index
        # lives as long as the scan. 64-bit, because forged ULEB128 values
        # reach 2**35 and are only rejected after the loop.
        code_offs = array("q")
        owner_class = array("q")
        owner_method = array("q")
        add_code = code_offs.append
        add_class = owner_class.append
        add_method = owner_method.append
        max_methods = dex.limits.max_dex_items
        seen_data: set[int] = set()
        bad_data = duplicate = 0
        first_bad = -1
        # Overlapping forged class_data items could otherwise make parsing
        # quadratic; honest items are disjoint and smaller than the file.
        budget = 2 * size + (1 << 20)

        # The hot loop decodes ULEB128 inline: almost every method index
        # delta is one byte and code offsets are three or four, and a call
        # per value would double the cost on large files.
        for ci, p in enumerate(class_data_offs):
            if not p:
                continue
            if p in seen_data:
                duplicate += 1
                continue
            seen_data.add(p)
            start_p = p
            try:
                if p < HEADER_SIZE:
                    raise IndexError(p)
                counts = []
                for _ in range(4):
                    b = buf[p]
                    if b < 0x80:
                        p += 1
                    else:
                        b, p = _uleb(buf, p)
                    counts.append(b)
                n_static, n_instance, n_direct, n_virtual = counts
                # An encoded field takes at least 2 bytes and a method 3: a
                # count that cannot fit in what is left is forged.
                if 2 * (n_static + n_instance) + 3 * (n_direct + n_virtual) > size - p:
                    raise ValueError("member counts exceed the file")
                if len(code_offs) + n_direct + n_virtual > max_methods:
                    raise ValueError("too many methods")
                for _ in range(2 * (n_static + n_instance)):
                    while buf[p] & 0x80:  # field index delta, access flags: skipped
                        p += 1
                    p += 1
                for n in (n_direct, n_virtual):
                    midx = 0
                    for _ in range(n):
                        b = buf[p]
                        if b < 0x80:
                            midx += b
                            p += 1
                        else:
                            b, p = _uleb(buf, p)
                            midx += b
                        while buf[p] & 0x80:  # access flags: not needed
                            p += 1
                        p += 1
                        b = buf[p]
                        if b < 0x80:
                            p += 1
                            if not b:
                                continue  # abstract or native: no code
                        else:
                            b2 = buf[p + 1]
                            if b2 < 0x80:
                                b = (b & 0x7F) | (b2 << 7)
                                p += 2
                            else:
                                b3 = buf[p + 2]
                                if b3 < 0x80:
                                    b = (b & 0x7F) | ((b2 & 0x7F) << 7) | (b3 << 14)
                                    p += 3
                                else:
                                    b4 = buf[p + 3]
                                    if b4 < 0x80:
                                        b = (b & 0x7F) | ((b2 & 0x7F) << 7) | ((b3 & 0x7F) << 14) | (b4 << 21)
                                        p += 4
                                    else:
                                        b, p = _uleb(buf, p)
                        add_code(b)
                        add_class(ci)
                        add_method(midx)
            except (IndexError, ValueError):
                bad_data += 1
                first_bad = ci if first_bad < 0 else first_bad
            budget -= p - start_p
            if budget < 0:
                self._diag(
                    "dex.class-data-budget",
                    "class_data parsing exceeded its budget (overlapping class_data items?); "
                    f"classes after class_def {ci} are not indexed",
                    start_p,
                )
                break

        if bad_data:
            self._diag(
                "dex.class-data",
                f"{bad_data} class_data item(s) lie outside the file, are truncated or "
                f"claim impossible counts (first: class_def {first_bad}); their methods "
                "are read up to the damage",
                off,
            )
        if duplicate:
            self._diag(
                "dex.class-data-shared",
                f"{duplicate} class_def(s) share another's class_data item; read once",
                off,
            )
        return self._sorted_index(self._buf, code_offs, owner_class, owner_method, off)

    def _sorted_index(
        self, buf: Buffer, code_offs: array[int], owner_class: array[int], owner_method: array[int], loc: int
    ) -> _CodeIndex:
        """Check code offsets in bulk and sort the code items by position."""
        size = self._size
        if owner_method and max(owner_method) >= self.dex.method_count:
            bad = sum(1 for m in owner_method if m >= self.dex.method_count)
            self._diag(
                "dex.bad-index",
                f"{bad} method(s) in class_data have an index past method_ids",
                loc,
            )
        order = sorted(range(len(code_offs)), key=code_offs.__getitem__)
        if order and (code_offs[order[0]] < HEADER_SIZE or code_offs[order[-1]] + _CODE_HEADER > size):
            keep = [k for k in order if HEADER_SIZE <= code_offs[k] and code_offs[k] + _CODE_HEADER <= size]
            self._diag(
                "dex.code-item",
                f"{len(order) - len(keep)} method(s) have a code_item offset outside the file; skipped",
                loc,
            )
            order = keep
        shared: dict[int, list[int]] = {}
        if len(set(code_offs)) == len(code_offs):
            starts = array("q", [code_offs[k] + _CODE_HEADER for k in order])
            owners = array("q", order)
        else:
            starts, owners = array("q"), array("q")
            for k in order:
                start = code_offs[k] + _CODE_HEADER
                if starts and starts[-1] == start:
                    shared.setdefault(len(starts) - 1, [owners[-1]]).append(k)
                else:
                    starts.append(start)
                    owners.append(k)
            self._diag(
                "dex.code-item-shared",
                f"{len(shared)} code_item(s) are shared by several methods",
                loc,
                Level.INFO,
            )
        return _CodeIndex(buf, starts, owners, shared, owner_class, owner_method)

    def _diag(
        self, code: str, message: str, off: int | None = None, severity: Level = Level.WARNING
    ) -> None:
        where = self.dex.name if off is None else f"{self.dex.name}@0x{off:x}"
        self.dex.log.add(code, message, where, severity)


def superclass_descriptors(dex: DexFile) -> list[tuple[str, str | None]]:
    """``(class descriptor, direct superclass descriptor)`` per class_def, in order.

    None where the class has no superclass (java.lang.Object) or the index is
    out of range (``NO_INDEX`` is 0xffffffff).
    """
    buf: Buffer = dex.buffer
    off = int(_U32.unpack_from(buf, _CLASS_DEFS_OFF)[0])
    count = dex.class_def_count
    words = array(_U32_CODE)
    words.frombytes(buf[off : off + 32 * count])
    if _BIG_ENDIAN_HOST:
        words.byteswap()
    supers = words[2::8]
    descs = dex.class_descriptors()
    types = dex.type_names()
    ntypes = len(types)
    return [
        (desc, types[s] if s < ntypes else None)
        for desc, s in zip(descs, supers)
    ]


def class_parents(dex: DexFile, class_def: int) -> tuple[str | None, tuple[str, ...]]:
    """The direct superclass (None for java.lang.Object or a bad index) and the interfaces one
    class_def declares; an interface list whose offset or size does not fit the file is empty."""
    buf: Buffer = dex.buffer
    size = len(buf)
    if not 0 <= class_def < dex.class_def_count:
        return None, ()
    row = int(_U32.unpack_from(buf, _CLASS_DEFS_OFF)[0]) + 32 * class_def
    if row + 16 > size:
        return None, ()
    sup, at = (int(x) for x in struct.unpack_from("<II", buf, row + 8))
    types = dex.type_names()
    ntypes = len(types)
    names: tuple[str, ...] = ()
    if at and at + 4 <= size:
        n = int(_U32.unpack_from(buf, at)[0])
        if n <= 0xFFFF and at + 4 + 2 * n <= size:
            names = tuple(types[i] for i in struct.unpack_from(f"<{n}H", buf, at + 4) if i < ntypes)
    return (types[sup] if sup < ntypes else None), names


def class_parent_table(dex: DexFile) -> list[tuple[str | None, tuple[str, ...]]]:
    """:func:`class_parents` of every class_def, in class_def order, read in one pass over the
    class_defs table (a subclass index over a large app is built from it)."""
    buf: Buffer = dex.buffer
    size = len(buf)
    count = dex.class_def_count
    off = int(_U32.unpack_from(buf, _CLASS_DEFS_OFF)[0])
    if count <= 0 or off + 32 * count > size:
        return [class_parents(dex, i) for i in range(count)]
    types = dex.type_names()
    ntypes = len(types)
    out: list[tuple[str | None, tuple[str, ...]]] = []
    for _cls, _flags, sup, at, *_rest in struct.iter_unpack("<8I", bytes(buf[off:off + 32 * count])):
        names: tuple[str, ...] = ()
        if at and at + 4 <= size:
            n = int(_U32.unpack_from(buf, at)[0])
            if n <= 0xFFFF and at + 4 + 2 * n <= size:
                names = tuple(types[i] for i in struct.unpack_from(f"<{n}H", buf, at + 4) if i < ntypes)
        out.append(((types[sup] if sup < ntypes else None), names))
    return out
