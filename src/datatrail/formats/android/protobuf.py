"""A small, bounded protobuf wire-format reader (no schema, no protobuf package).

Android App Bundles store the manifest and resource table as protobuf. We only
need to walk a handful of messages, so a field iterator over the wire format
is enough, and it lets us bound everything: each step consumes at least one
byte, length-delimited values are zero-copy slices checked against the bytes
that are really there, and varints are capped at ten bytes. Nothing here
recurses; callers that descend into sub-messages bound their own depth.
"""

from __future__ import annotations

import struct
from typing import Iterator

from datatrail.errors import CorruptInput
from datatrail.model.diagnostic import DiagnosticLog, Level

__all__ = [
    "WIRE_VARINT",
    "WIRE_I64",
    "WIRE_LEN",
    "WIRE_SGROUP",
    "WIRE_EGROUP",
    "WIRE_I32",
    "FieldValue",
    "read_varint",
    "fields",
    "as_int32",
    "as_int64",
    "as_uint32",
    "as_float",
    "as_double",
    "as_bytes",
    "as_str",
]

WIRE_VARINT = 0
WIRE_I64 = 1
WIRE_LEN = 2
WIRE_SGROUP = 3
WIRE_EGROUP = 4
WIRE_I32 = 5

FieldValue = int | bytes | memoryview
"""Varint, 64-bit and 32-bit values come back as unsigned ints; LEN as a memoryview."""

_MAX_VARINT_BYTES = 10  # 64 bits at 7 bits a byte
_MAX_FIELD_NUMBER = (1 << 29) - 1  # the wire format's limit
_MAX_GROUP_DEPTH = 64  # groups are skipped, not read; this bounds the skip
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_F32 = struct.Struct("<f")
_F64 = struct.Struct("<d")


def read_varint(buf: bytes | memoryview, pos: int, end: int | None = None, where: str = "protobuf") -> tuple[int, int]:
    """Decode a base-128 varint at ``pos``; return ``(value, position after it)``.

    Raises CorruptInput when the varint runs past ``end`` (truncation) or is
    longer than ten bytes / wider than 64 bits (overlong: a real encoder never
    writes one, so it means the framing is broken).
    """
    if end is None:
        end = len(buf)
    result = 0
    shift = 0
    start = pos
    while True:
        if pos >= end:
            raise CorruptInput(f"{where}@0x{start:x}: truncated varint")
        byte = buf[pos]
        pos += 1
        if shift == 63 and byte > 1:
            # The tenth byte may only carry the 64th bit.
            raise CorruptInput(f"{where}@0x{start:x}: varint wider than 64 bits")
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if pos - start >= _MAX_VARINT_BYTES:
            raise CorruptInput(f"{where}@0x{start:x}: varint longer than {_MAX_VARINT_BYTES} bytes")


def fields(
    buf: bytes | memoryview,
    where: str,
    log: DiagnosticLog | None = None,
) -> Iterator[tuple[int, int, FieldValue]]:
    """Yield ``(field number, wire type, value)`` for each field of one message.

    Values: VARINT / I64 / I32 as unsigned ints (see the ``as_*`` helpers for
    signed or float views), LEN as a memoryview into ``buf`` (no copy).

    Groups (wire types 3/4, proto2-only and unused by aapt2) are not yielded:
    a well-formed group is skipped and recorded in ``log`` when one is given.
    Truncation, overlong varints, wire types 6/7, field number 0 and
    unbalanced groups raise CorruptInput. Fields already yielded stay valid,
    so a caller may keep what it read before the error.
    """
    view = buf if isinstance(buf, memoryview) else memoryview(buf)
    if view.ndim != 1 or view.itemsize != 1:
        view = view.cast("B")
    end = len(view)
    pos = 0
    while pos < end:
        field_at = pos
        key, pos = read_varint(view, pos, end, where)
        number = key >> 3
        wire = key & 7
        if number == 0 or number > _MAX_FIELD_NUMBER:
            raise CorruptInput(f"{where}@0x{field_at:x}: invalid field number {number}")
        if wire == WIRE_VARINT:
            value, pos = read_varint(view, pos, end, where)
            yield number, wire, value
        elif wire == WIRE_I64:
            if pos + 8 > end:
                raise CorruptInput(f"{where}@0x{field_at:x}: truncated 64-bit field {number}")
            yield number, wire, _U64.unpack_from(view, pos)[0]
            pos += 8
        elif wire == WIRE_I32:
            if pos + 4 > end:
                raise CorruptInput(f"{where}@0x{field_at:x}: truncated 32-bit field {number}")
            yield number, wire, _U32.unpack_from(view, pos)[0]
            pos += 4
        elif wire == WIRE_LEN:
            length, pos = read_varint(view, pos, end, where)
            if length > end - pos:
                raise CorruptInput(
                    f"{where}@0x{field_at:x}: field {number} claims {length} bytes, {end - pos} remain"
                )
            yield number, wire, view[pos : pos + length]
            pos += length
        elif wire == WIRE_SGROUP:
            pos = _skip_group(view, pos, end, number, where)
            if log is not None:
                log.add(
                    "protobuf.group",
                    f"deprecated group (field {number}) skipped",
                    f"{where}@0x{field_at:x}",
                    Level.WARNING,
                )
        elif wire == WIRE_EGROUP:
            raise CorruptInput(f"{where}@0x{field_at:x}: end-group {number} without a start")
        else:
            raise CorruptInput(f"{where}@0x{field_at:x}: invalid wire type {wire}")


def _skip_group(view: memoryview, pos: int, end: int, number: int, where: str) -> int:
    """Position after the end-group matching ``number``; nested groups bounded by depth."""
    open_groups = [number]
    while open_groups:
        field_at = pos
        key, pos = read_varint(view, pos, end, where)
        inner, wire = key >> 3, key & 7
        if inner == 0:
            raise CorruptInput(f"{where}@0x{field_at:x}: invalid field number 0 in group")
        if wire == WIRE_VARINT:
            _, pos = read_varint(view, pos, end, where)
        elif wire == WIRE_I64:
            pos += 8
        elif wire == WIRE_I32:
            pos += 4
        elif wire == WIRE_LEN:
            length, pos = read_varint(view, pos, end, where)
            pos += length
        elif wire == WIRE_SGROUP:
            if len(open_groups) >= _MAX_GROUP_DEPTH:
                raise CorruptInput(f"{where}@0x{field_at:x}: groups nested deeper than {_MAX_GROUP_DEPTH}")
            open_groups.append(inner)
        elif wire == WIRE_EGROUP:
            if inner != open_groups[-1]:
                raise CorruptInput(f"{where}@0x{field_at:x}: end-group {inner} closes group {open_groups[-1]}")
            open_groups.pop()
        else:
            raise CorruptInput(f"{where}@0x{field_at:x}: invalid wire type {wire} in group")
        if pos > end:
            raise CorruptInput(f"{where}@0x{field_at:x}: truncated field {inner} in group")
    return pos


def _need_int(value: FieldValue, what: str) -> int:
    if not isinstance(value, int):
        raise CorruptInput(f"protobuf: expected a scalar for {what}, got length-delimited data")
    return value


def as_uint32(value: FieldValue) -> int:
    """uint32 / fixed32 view (a varint wider than 32 bits is truncated as protobuf does)."""
    return _need_int(value, "uint32") & 0xFFFFFFFF


def as_int32(value: FieldValue) -> int:
    """int32 view: negatives arrive as ten-byte sign-extended varints or as fixed32."""
    v = _need_int(value, "int32") & 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def as_int64(value: FieldValue) -> int:
    v = _need_int(value, "int64") & 0xFFFFFFFFFFFFFFFF
    return v - (1 << 64) if v & (1 << 63) else v


def as_float(value: FieldValue) -> float:
    """float view of a 32-bit field."""
    return float(_F32.unpack(_U32.pack(_need_int(value, "float") & 0xFFFFFFFF))[0])


def as_double(value: FieldValue) -> float:
    return float(_F64.unpack(_U64.pack(_need_int(value, "double") & 0xFFFFFFFFFFFFFFFF))[0])


def as_bytes(value: FieldValue) -> bytes:
    if isinstance(value, int):
        raise CorruptInput("protobuf: expected length-delimited data, got a scalar")
    return bytes(value)


def as_str(value: FieldValue, where: str = "protobuf", log: DiagnosticLog | None = None) -> str:
    """UTF-8 text of a LEN field; invalid bytes become U+FFFD and are reported."""
    raw = as_bytes(value)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if log is not None:
            log.add("protobuf.bad-utf8", f"string is not valid UTF-8 ({exc.reason}); replaced", where)
        return raw.decode("utf-8", "replace")
