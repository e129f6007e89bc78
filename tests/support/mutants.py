"""Seeded mutants of a real input: what a standing mutation suite feeds every pipeline.

Each mutant is one damage a broken exporter, a packer or an attacker makes:
a cut, flipped bytes, a zeroed range, a counter made huge, or (for ZIPs) a
central directory that lies about where and how big its entries are. The same
seed always gives the same mutants, so a failure names one reproducible input.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Iterator

__all__ = ["mutants"]

_EOCD = b"PK\x05\x06"
_CDH = b"PK\x01\x02"


def _zip_lies(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    eocd = data.rfind(_EOCD)
    heads = [i for i in range(len(data)) if data.startswith(_CDH, i)][:64] if eocd > 0 else []
    if heads and rng.random() < 0.7:
        at = rng.choice(heads)
        field = rng.choice((20, 24, 28, 42))  # compressed size, uncompressed size, name length, local offset
        width = 2 if field == 28 else 4
        value = rng.choice((0, 0xFFFF if width == 2 else 0xFFFFFFFF, len(data), len(data) * 1000))
        out[at + field:at + field + width] = (value & (0xFFFF if width == 2 else 0xFFFFFFFF)).to_bytes(width, "little")
    elif eocd > 0:
        field = rng.choice((8, 10, 12, 16))  # entries here, entries, directory size, directory offset
        width = 2 if field in (8, 10) else 4
        value = rng.choice((0, 0xFFFF, 0xFFFFFFFF, len(data) + 1))
        out[eocd + field:eocd + field + width] = (value & ((1 << (8 * width)) - 1)).to_bytes(width, "little")
    return bytes(out)


def _mutate(data: bytes, rng: random.Random) -> bytes:
    kind = rng.randrange(6)
    n = len(data)
    if kind == 0:  # cut short
        return data[:rng.randrange(n)]
    if kind == 1:  # flip a few bytes
        out = bytearray(data)
        for _ in range(rng.randint(1, 16)):
            out[rng.randrange(n)] ^= 1 << rng.randrange(8)
        return bytes(out)
    if kind == 2:  # zero a range
        start = rng.randrange(n)
        end = min(n, start + rng.randint(1, 4096))
        return data[:start] + bytes(end - start) + data[end:]
    if kind == 3:  # a 32-bit counter or size made huge
        at = rng.randrange(max(1, n - 4))
        return data[:at] + struct.pack("<I", rng.choice((0x7FFFFFFF, 0xFFFFFFFF, 0x10000000))) + data[at + 4:]
    if kind == 4:
        return _zip_lies(data, rng)
    start = rng.randrange(n)  # a slice of the file repeated: structures pointing into copies of themselves
    piece = data[start:start + rng.randint(1, 512)]
    return data[:start] + piece * rng.randint(2, 8) + data[start:]


def mutants(data: bytes, count: int, seed: int) -> Iterator[tuple[int, bytes]]:
    """``count`` mutants of ``data``, numbered; the same seed gives the same ones."""
    rng = random.Random(seed)
    for i in range(count):
        yield i, _mutate(data, rng) if data else b""
