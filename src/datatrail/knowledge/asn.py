"""IP address -> autonomous system number and AS organisation, offline.

The data is ``knowledge/data/asn-ranges.bin``, built once at development time by
``tools/build_geo_data.py`` from the npm package ``@ip-location-db/asn`` (RouteViews, the
RIRs' delegation data and DB-IP IP to ASN Lite; CC BY 4.0). It is read on first use.

File layout (format 1, little-endian unless stated)::

    magic    b"DTASN\\0\\1\\0"
    u32      length of the JSON header
    header   JSON: name, version, date, source, license, attribution, counts v4, v6, asns
    zlib stream of, in order:
      v4 run starts    v4 x u32          (sorted; a run lasts until the next start)
      v4 AS numbers    v4 x u32          (0: no data for the run)
      v6 run starts    v6 x 16 bytes     (big-endian 128-bit, sorted)
      v6 AS numbers    v6 x u32
      AS numbers       asns x u32        (sorted; keys of the organisation table)
      name ends        asns x u32        (end offset of each name in the name blob)
      name blob        UTF-8 organisation names, concatenated
    Every fixed-width array is stored byte-plane transposed ("shuffled": all first bytes,
    then all second bytes, ...), which makes sorted integers compress about 30% better.

Lookups are binary searches: about a microsecond for IPv4, a few for IPv6.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import json
import sys
import zlib
from array import array
from ipaddress import IPv4Address, IPv6Address
from typing import Any, NamedTuple

from datatrail.errors import DatatrailError
from datatrail.knowledge.datafile import data_path

__all__ = ["AsnInfo", "lookup_asn", "as_organisation", "dataset_info"]

_FILE = "asn-ranges.bin"
_MAGIC = b"DTASN\x00\x01\x00"


class AsnInfo(NamedTuple):
    asn: int
    organisation: str
    """The AS organisation name as registered (DB-IP / RIR spelling), not our organisation id."""


class _Table(NamedTuple):
    meta: dict[str, str]
    v4_starts: array[int]
    v4_asns: array[int]
    v6_starts: bytes
    v6_asns: array[int]
    keys: array[int]
    name_ends: array[int]
    names: bytes


def _unshuffle(blob: memoryview, count: int, width: int) -> bytes:
    out = bytearray(count * width)
    for plane in range(width):
        out[plane::width] = blob[plane * count : (plane + 1) * count]
    return bytes(out)


def _u32(raw: bytes) -> array[int]:
    arr = array("I")
    if arr.itemsize != 4:  # pragma: no cover - every supported platform has 32-bit unsigned int
        arr = array("L")
    arr.frombytes(raw)
    if sys.byteorder == "big":  # pragma: no cover
        arr.byteswap()
    return arr


def _header(raw: bytes) -> tuple[dict[str, Any], int]:
    """The JSON header and the offset of the compressed body."""
    if raw[: len(_MAGIC)] != _MAGIC:
        raise ValueError("not an ASN range table (bad magic or format)")
    head_len = int.from_bytes(raw[8:12], "little")
    header: dict[str, Any] = json.loads(raw[12 : 12 + head_len])
    return header, 12 + head_len


def _meta(raw: bytes, header: dict[str, Any]) -> dict[str, str]:
    meta = {k: str(header[k]) for k in ("name", "version", "source", "date")}
    meta["license"] = f"{header['license']}; credit: {header['attribution']}"
    meta["sha256"] = hashlib.sha256(raw).hexdigest()
    return meta


def _parse(raw: bytes) -> _Table:
    header, body_off = _header(raw)
    body = memoryview(zlib.decompress(raw[body_off:]))
    n4, n6, na = int(header["v4"]), int(header["v6"]), int(header["asns"])
    offset = 0

    def take(count: int, width: int) -> bytes:
        nonlocal offset
        chunk = _unshuffle(body[offset : offset + count * width], count, width)
        offset += count * width
        return chunk

    v4_starts = _u32(take(n4, 4))
    v4_asns = _u32(take(n4, 4))
    v6_starts = take(n6, 16)
    v6_asns = _u32(take(n6, 4))
    keys = _u32(take(na, 4))
    name_ends = _u32(take(na, 4))
    names = bytes(body[offset:])
    if len(names) != (name_ends[-1] if na else 0):
        raise ValueError("ASN organisation names are truncated")
    return _Table(_meta(raw, header), v4_starts, v4_asns, v6_starts, v6_asns, keys, name_ends, names)


def _read() -> bytes:
    return data_path(_FILE).read_bytes()


@functools.cache
def _table() -> _Table:
    try:
        return _parse(_read())
    except (OSError, ValueError, KeyError, zlib.error) as exc:
        raise DatatrailError(f"ASN knowledge file {_FILE} is missing or unreadable") from exc


@functools.cache
def _provenance() -> dict[str, str]:
    """The header alone: every report names the table, few scans look an address up in it."""
    try:
        raw = _read()
        return _meta(raw, _header(raw)[0])
    except (OSError, ValueError, KeyError) as exc:
        raise DatatrailError(f"ASN knowledge file {_FILE} is missing or unreadable") from exc


def _v6_index(starts: bytes, key: bytes) -> int:
    """Index of the last 16-byte start <= key, or -1 (big-endian bytes sort as integers)."""
    lo, hi = 0, len(starts) // 16
    while lo < hi:
        mid = (lo + hi) // 2
        if starts[mid * 16 : mid * 16 + 16] <= key:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


def as_organisation(asn: int) -> str | None:
    """The registered organisation name of an AS number, if the table has it."""
    table = _table()
    i = bisect.bisect_left(table.keys, asn)
    if i == len(table.keys) or table.keys[i] != asn:
        return None
    start = table.name_ends[i - 1] if i else 0
    return table.names[start : table.name_ends[i]].decode("utf-8")


def lookup_asn(ip: IPv4Address | IPv6Address) -> AsnInfo | None:
    """The AS announcing or holding ``ip``, or None when the table has no AS for it."""
    table = _table()
    if isinstance(ip, IPv4Address):
        i = bisect.bisect_right(table.v4_starts, int(ip)) - 1
        asn = table.v4_asns[i] if i >= 0 else 0
    else:
        i = _v6_index(table.v6_starts, ip.packed)
        asn = table.v6_asns[i] if i >= 0 else 0
    if asn == 0:
        return None
    return AsnInfo(asn=asn, organisation=as_organisation(asn) or "")


def dataset_info() -> dict[str, str]:
    """Provenance of the ASN table, in the shape of ``DatasetRef``."""
    return dict(_provenance())
