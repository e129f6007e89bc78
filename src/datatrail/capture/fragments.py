"""IP fragment reassembly (IPv4 and the IPv6 fragment header), bounded in count, size and age.

Fragments are gathered per (source, destination, protocol, identification)
until the last piece has arrived and every byte before it is covered; the
datagram is then handed on whole and its key freed, so a reused
identification starts a new datagram (as Wireshark does). Where pieces
overlap, the one starting lower wins (a repeated piece: the first copy). Pieces of datagrams that never complete
are dropped after ``max_age_frames`` frames and counted.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from datatrail.formats.net.packets import IpPacket

__all__ = ["FragmentLimits", "Reassembler"]

_MAX_DATAGRAM = 65_535


@dataclass(frozen=True, slots=True)
class FragmentLimits:
    max_pending: int = 1024
    """Datagrams being reassembled at once; a new one past this evicts the oldest."""
    max_fragments: int = 1024
    """Pieces accepted for one datagram."""
    max_age_frames: int = 100_000
    """Frames after its first piece by which a datagram must be complete."""


@dataclass(slots=True)
class _Datagram:
    first_frame: int
    pieces: dict[int, bytes] = field(default_factory=dict)
    total: int | None = None
    """Payload length, known once the last piece (no more-fragments flag) arrived."""
    wire: int = 0
    """Bytes on the wire of all pieces, for flow accounting."""
    head: IpPacket | None = None


class Reassembler:
    def __init__(self, limits: FragmentLimits = FragmentLimits()) -> None:
        self._limits = limits
        self._pending: dict[tuple[str, str, int, int], _Datagram] = {}
        self.fragments = 0
        """Fragments seen."""
        self.reassembled = 0
        self.dropped = 0
        """Fragments thrown away: bad geometry, over a bound, or in datagrams that never completed."""

    def add(self, ip: IpPacket, frame: int) -> IpPacket | None:
        """The whole datagram when ip completes one, else None (the piece is kept)."""
        self.fragments += 1
        self._expire(frame)
        end = ip.offset + len(ip.payload)
        if end > _MAX_DATAGRAM or (ip.more and len(ip.payload) % 8):
            self.dropped += 1
            return None
        key = (ip.src, ip.dst, ip.proto if not ip.ipv6 else -1, ip.ident)
        dgram = self._pending.get(key)
        if dgram is None:
            if len(self._pending) >= self._limits.max_pending:
                oldest = next(iter(self._pending))
                self.dropped += len(self._pending.pop(oldest).pieces)
            dgram = self._pending[key] = _Datagram(frame)
        if len(dgram.pieces) >= self._limits.max_fragments:
            self.dropped += 1
            return None
        if not ip.more:
            if dgram.total is not None and dgram.total != end:
                self.dropped += 1
                return None
            dgram.total = end
        dgram.pieces.setdefault(ip.offset, ip.payload)
        dgram.wire += ip.length
        if ip.offset == 0:
            dgram.head = ip
        whole = self._assemble(dgram)
        if whole is None:
            return None
        del self._pending[key]
        self.reassembled += 1
        assert dgram.head is not None
        return dataclasses.replace(dgram.head, payload=whole, fragment=False, length=dgram.wire, offset=0, more=False)

    def _assemble(self, dgram: _Datagram) -> bytes | None:
        if dgram.total is None or dgram.head is None:
            return None
        out = bytearray()
        for offset in sorted(dgram.pieces):
            piece = dgram.pieces[offset]
            if offset > len(out):
                return None  # a hole
            if offset + len(piece) > len(out):
                out += piece[len(out) - offset:]
        return bytes(out[:dgram.total]) if len(out) >= dgram.total else None

    def _expire(self, frame: int) -> None:
        while self._pending:
            key, dgram = next(iter(self._pending.items()))
            if frame - dgram.first_frame <= self._limits.max_age_frames:
                return
            self.dropped += len(dgram.pieces)
            del self._pending[key]

    def unfinished(self) -> int:
        """Fragments still waiting in incomplete datagrams."""
        return sum(len(d.pieces) for d in self._pending.values())
