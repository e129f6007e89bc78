"""MaxMind DB files (``.mmdb``, the format of DB-IP's geolocation databases): what the database says about an address.

The layout, from the MaxMind DB File Format Specification 2.0:

* a binary search tree over the address bits: ``node_count`` nodes of two
  records each, 24, 28 or 32 bits per record. A record below ``node_count``
  is the next node, equal to it means "no data", above it points into the
  data section;
* 16 zero bytes, then the data section: self-describing values (a control
  byte with a type and a size, then the payload), where maps, arrays and
  pointers to values elsewhere in the section nest;
* at the end, after the marker ``\\xab\\xcd\\xefMaxMind.com``, a map of
  metadata (node count, record size, IP version...) in the same encoding.

IPv4 addresses in an IPv6 tree are looked up under ``::/96`` (the first 96
bits zero). Everything read is bounds-checked; a damaged file raises
:class:`MmdbError`, never an IndexError or an endless pointer chase.
The reader is our own (the ``maxminddb`` package answers the same, and the
tests use it as the oracle); it imports nothing beyond the standard library's
core so that locating one address stays cheap.
"""

from __future__ import annotations

import mmap
import struct
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path
from typing import Any

__all__ = ["MmdbError", "MmdbReader"]

_MARKER = b"\xab\xcd\xefMaxMind.com"
_METADATA_SEARCH = 128 * 1024
_MAX_DEPTH = 32
"""Maps and arrays nested deeper than this (or pointers followed in a row) mean a damaged file."""

_POINTER, _STRING, _DOUBLE, _BYTES, _UINT16, _UINT32, _MAP = 1, 2, 3, 4, 5, 6, 7
_INT32, _UINT64, _UINT128, _ARRAY, _CONTAINER, _END, _BOOLEAN, _FLOAT = 8, 9, 10, 11, 12, 13, 14, 15


class MmdbError(ValueError):
    """The file is not a MaxMind DB, or it is damaged."""


class MmdbReader:
    """Look addresses up in one MaxMind DB held in memory or memory-mapped."""

    def __init__(self, data: bytes | mmap.mmap) -> None:
        self._data = data
        size = len(data)
        marker = data.rfind(_MARKER, max(0, size - _METADATA_SEARCH))
        if marker < 0:
            raise MmdbError("no MaxMind DB metadata marker")
        meta_start = marker + len(_MARKER)
        metadata, _ = _Decoder(data, meta_start, size).decode(meta_start, 0)
        if not isinstance(metadata, dict):
            raise MmdbError("metadata is not a map")
        self.metadata: dict[str, Any] = metadata
        try:
            self.node_count = int(metadata["node_count"])
            self.record_size = int(metadata["record_size"])
            self.ip_version = int(metadata["ip_version"])
        except (KeyError, TypeError, ValueError) as exc:
            raise MmdbError(f"metadata lacks a usable {exc}") from exc
        if self.record_size not in (24, 28, 32) or self.ip_version not in (4, 6) or self.node_count <= 0:
            raise MmdbError(f"unsupported tree: record size {self.record_size}, IP version {self.ip_version}")
        self._node_bytes = self.record_size // 4
        self._tree_size = self._node_bytes * self.node_count
        data_start = self._tree_size + 16
        if data_start > marker:
            raise MmdbError("the search tree runs past the data section")
        self._decoder = _Decoder(data, data_start, marker)
        self._cache: dict[int, Any] = {}
        self._ipv4_start = 0
        if self.ip_version == 6:
            node = 0
            for _ in range(96):
                if node >= self.node_count:
                    break
                node = self._record(node, 0)
            self._ipv4_start = node

    @classmethod
    def open(cls, path: Path) -> MmdbReader:
        with path.open("rb") as fh:
            return cls(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))

    def _record(self, node: int, bit: int) -> int:
        data = self._data
        base = node * self._node_bytes
        if self.record_size == 24:
            at = base + 3 * bit
            return int.from_bytes(data[at : at + 3], "big")
        if self.record_size == 28:
            middle = data[base + 3]
            if bit == 0:
                return ((middle & 0xF0) << 20) | int.from_bytes(data[base : base + 3], "big")
            return ((middle & 0x0F) << 24) | int.from_bytes(data[base + 4 : base + 7], "big")
        at = base + 4 * bit
        return int.from_bytes(data[at : at + 4], "big")

    def get(self, ip: IPv4Address | IPv6Address) -> Any | None:
        """The record for ``ip`` (for DB-IP's country file, ``{"country_code": "US"}``), or None."""
        packed = ip.packed
        if len(packed) == 16 and self.ip_version == 4:
            raise MmdbError("an IPv6 address looked up in an IPv4-only database")
        node = self._ipv4_start if len(packed) == 4 else 0
        count = self.node_count
        for byte in packed:
            for shift in range(7, -1, -1):
                if node >= count:
                    break
                node = self._record(node, (byte >> shift) & 1)
        if node == count:
            return None
        if node < count:
            raise MmdbError("the search tree is deeper than an address")
        offset = node - count - 16
        cached = self._cache.get(offset)
        if cached is None:
            cached, _ = self._decoder.decode(self._decoder.base + offset, 0)
            self._cache[offset] = cached
        return cached


class _Decoder:
    """Values of a data section (or of the metadata) whose pointers count from ``base``."""

    def __init__(self, data: bytes | mmap.mmap, base: int, end: int) -> None:
        self.data = data
        self.base = base
        self.end = end

    def _take(self, at: int, n: int) -> bytes:
        if at < self.base or at + n > self.end:
            raise MmdbError(f"a value at {at} runs outside its section")
        return bytes(self.data[at : at + n])

    def decode(self, at: int, depth: int) -> tuple[Any, int]:
        """The value at file offset ``at`` and the offset just after it."""
        if depth > _MAX_DEPTH:
            raise MmdbError("values nested too deep (a pointer loop?)")
        ctrl = self._take(at, 1)[0]
        at += 1
        kind = ctrl >> 5
        if kind == _POINTER:
            target, at = self._pointer(ctrl, at)
            value, _ = self.decode(self.base + target, depth + 1)
            return value, at
        if kind == 0:
            kind = 7 + self._take(at, 1)[0]
            at += 1
        size = ctrl & 0x1F
        if size >= 29:
            extra = size - 28
            raw = int.from_bytes(self._take(at, extra), "big")
            size = (29, 285, 65821)[extra - 1] + raw
            at += extra
        if kind == _MAP:
            out: dict[str, Any] = {}
            for _ in range(size):
                key, at = self.decode(at, depth + 1)
                value, at = self.decode(at, depth + 1)
                if not isinstance(key, str):
                    raise MmdbError("a map key is not a string")
                out[key] = value
            return out, at
        if kind == _ARRAY:
            items = []
            for _ in range(size):
                item, at = self.decode(at, depth + 1)
                items.append(item)
            return items, at
        if kind == _BOOLEAN:
            return bool(size), at
        payload = self._take(at, size)
        at += size
        if kind == _STRING:
            return payload.decode("utf-8", "replace"), at
        if kind in (_UINT16, _UINT32, _UINT64, _UINT128):
            return int.from_bytes(payload, "big"), at
        if kind == _INT32:
            return int.from_bytes(payload.rjust(4, b"\0")[-4:], "big", signed=True), at
        if kind == _DOUBLE and size == 8:
            return struct.unpack(">d", payload)[0], at
        if kind == _FLOAT and size == 4:
            return struct.unpack(">f", payload)[0], at
        if kind == _BYTES:
            return payload, at
        raise MmdbError(f"unknown or malformed value of type {kind} (size {size})")

    def _pointer(self, ctrl: int, at: int) -> tuple[int, int]:
        length = ((ctrl >> 3) & 0x3) + 1
        raw = self._take(at, length)
        value = int.from_bytes(raw, "big")
        if length == 4:
            return value, at + 4
        value |= (ctrl & 0x7) << (8 * length)
        return value + (0, 2048, 526336)[length - 1], at + length
