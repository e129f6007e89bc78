"""A small, bounded ASN.1 DER/BER element walker.

Enough of ASN.1's tag-length-value framing to find elements inside X.509
certificates and PKCS#7 ``SignedData`` without decoding their meaning. Two
modes:

* lenient (the default): BER as found in old signature blocks — indefinite
  lengths on constructed elements (ended by two zero octets) and non-minimal
  length fields are accepted;
* ``strict=True``: DER only — definite, minimally encoded lengths and
  single-octet tags, as X.509 requires.

Every element is checked against the one that contains it, and nesting is
bounded (:data:`MAX_DEPTH`), so hostile input raises :class:`DerError`
instead of reading out of bounds or recursing without end.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["MAX_DEPTH", "DerError", "Tlv", "children", "raw", "read_tlv"]

MAX_DEPTH = 64
"""Deepest nesting :func:`read_tlv` follows (through indefinite lengths) or :func:`children` accepts."""


class DerError(Exception):
    """Malformed DER/BER framing."""


class Tlv(NamedTuple):
    """Where one element sits in its buffer."""

    tag: int
    """First identifier octet (class, constructed bit and low tag number)."""
    start: int
    body_start: int
    body_end: int
    end: int
    """Offset just after the element, including any end-of-contents octets."""


def read_tlv(buf: bytes, pos: int, limit: int, depth: int = 0, strict: bool = False) -> Tlv:
    """The element starting at ``buf[pos]``, which must end by ``limit``."""
    if depth > MAX_DEPTH:
        raise DerError("nesting too deep")
    if pos >= limit:
        raise DerError(f"element expected at {pos}, data ends at {limit}")
    tag = buf[pos]
    p = pos + 1
    if tag & 0x1F == 0x1F:
        if strict:
            raise DerError(f"high tag number at {pos}")
        for _ in range(5):  # skip the tag number's continuation octets
            if p >= limit:
                raise DerError("truncated tag")
            more = buf[p] & 0x80
            p += 1
            if not more:
                break
        else:
            raise DerError("tag number too long")
    if p >= limit:
        raise DerError("truncated length")
    first = buf[p]
    p += 1
    if first < 0x80:
        length = first
    elif first == 0x80:
        if strict:
            raise DerError(f"indefinite length at {pos}")
        if not tag & 0x20:
            raise DerError("indefinite length on a primitive element")
        q = p
        while True:
            if q + 2 <= limit and buf[q] == 0 and buf[q + 1] == 0:
                return Tlv(tag, pos, p, q, q + 2)
            q = read_tlv(buf, q, limit, depth + 1).end
    else:
        n = first & 0x7F
        if n > 8 or p + n > limit:
            raise DerError("bad length field")
        length = int.from_bytes(buf[p : p + n], "big")
        if strict and (length < 0x80 or buf[p] == 0):
            raise DerError(f"length at {pos} is not minimally encoded")
        p += n
    if length > limit - p:
        raise DerError(f"length {length} runs past the enclosing element")
    return Tlv(tag, pos, p, p + length, p + length)


def children(buf: bytes, parent: Tlv, depth: int = 0, strict: bool = False) -> list[Tlv]:
    """The elements directly inside a constructed element, in order."""
    if depth > MAX_DEPTH:
        raise DerError("nesting too deep")
    out: list[Tlv] = []
    p = parent.body_start
    while p < parent.body_end:
        child = read_tlv(buf, p, parent.body_end, depth + 1, strict)
        out.append(child)
        p = child.end
    return out


def raw(buf: bytes, t: Tlv) -> bytes:
    """The element's full encoding (tag, length and body)."""
    return buf[t.start : t.end]
