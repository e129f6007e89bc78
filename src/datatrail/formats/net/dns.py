"""DNS messages: questions and the addresses and aliases answered for them.

Compression pointers are followed a bounded number of times and only
backwards, so a crafted message can't loop or recurse.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

__all__ = ["DnsRecord", "DnsMessage", "parse_dns", "DnsError"]

_MAX_JUMPS = 32
_MAX_NAME = 255
_MAX_RECORDS = 256
_A, _CNAME, _AAAA = 1, 5, 28


class DnsError(ValueError):
    """Not a DNS message, or too damaged to read its question."""


@dataclass(frozen=True, slots=True)
class DnsRecord:
    name: str
    rtype: int
    value: str | None
    """An address for A/AAAA, the target for CNAME, None for types not read."""


@dataclass(frozen=True, slots=True)
class DnsMessage:
    id: int
    response: bool
    rcode: int
    questions: tuple[tuple[str, int], ...]
    answers: tuple[DnsRecord, ...]
    truncated: bool
    """The answers stopped early at damage; what came before is kept."""


def parse_dns(data: bytes) -> DnsMessage:
    if len(data) < 12:
        raise DnsError("shorter than a DNS header")
    ident, flags, qd, an = struct.unpack_from("!HHHH", data, 0)
    if qd > _MAX_RECORDS:
        raise DnsError(f"{qd} questions")
    pos = 12
    questions: list[tuple[str, int]] = []
    for _ in range(qd):
        name, pos = _name(data, pos)
        if pos + 4 > len(data):
            raise DnsError("question cut short")
        questions.append((name, (data[pos] << 8) | data[pos + 1]))
        pos += 4
    answers: list[DnsRecord] = []
    truncated = False
    try:
        for _ in range(min(an, _MAX_RECORDS)):
            name, pos = _name(data, pos)
            if pos + 10 > len(data):
                raise DnsError("record header cut short")
            rtype, _cls, _ttl, rdlen = struct.unpack_from("!HHIH", data, pos)
            pos += 10
            rdata = data[pos:pos + rdlen]
            if len(rdata) < rdlen:
                raise DnsError("record data cut short")
            value: str | None = None
            if rtype == _A and rdlen == 4:
                value = socket.inet_ntop(socket.AF_INET, rdata)
            elif rtype == _AAAA and rdlen == 16:
                value = socket.inet_ntop(socket.AF_INET6, rdata)
            elif rtype == _CNAME:
                value, _ = _name(data, pos)
            answers.append(DnsRecord(name, rtype, value))
            pos += rdlen
    except DnsError:
        truncated = True
    return DnsMessage(ident, bool(flags & 0x8000), flags & 0x0F, tuple(questions), tuple(answers), truncated)


def _name(data: bytes, pos: int) -> tuple[str, int]:
    """A possibly compressed name at pos, and the offset just after it in the original position."""
    labels: list[str] = []
    size, jumps, after = 0, 0, -1
    while True:
        if pos >= len(data):
            raise DnsError("name runs past the message")
        length = data[pos]
        if length & 0xC0 == 0xC0:
            if pos + 1 >= len(data):
                raise DnsError("pointer cut short")
            target = ((length & 0x3F) << 8) | data[pos + 1]
            if after < 0:
                after = pos + 2
            jumps += 1
            if jumps > _MAX_JUMPS or target >= pos:  # forward or self pointers are how loops are built
                raise DnsError("bad compression pointer")
            pos = target
            continue
        if length & 0xC0:
            raise DnsError("reserved label type")
        if length == 0:
            return ".".join(labels).lower(), (after if after >= 0 else pos + 1)
        label = data[pos + 1:pos + 1 + length]
        if len(label) < length:
            raise DnsError("label cut short")
        size += length + 1
        if size > _MAX_NAME:
            raise DnsError("name longer than 255 bytes")
        labels.append(label.decode("ascii", "replace"))
        pos += 1 + length
