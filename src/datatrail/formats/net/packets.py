"""Link, IP and transport headers: a frame -> addresses, ports and payload.

Only what flow accounting needs is decoded. Anything that doesn't fit (a
non-IP frame, a header longer than the frame) yields None rather than raising:
one odd packet must not cost the rest of the capture.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

__all__ = ["IpPacket", "Segment", "link_payload", "decode_ip", "decode_tcp", "decode_udp",
           "TCP_SYN", "TCP_ACK", "TCP_FIN", "TCP_RST"]

TCP_FIN, TCP_SYN, TCP_RST, TCP_ACK = 0x01, 0x02, 0x04, 0x10
_ETH_IPV4, _ETH_IPV6, _ETH_VLAN, _ETH_QINQ, _ETH_QINQ_OLD = 0x0800, 0x86DD, 0x8100, 0x88A8, 0x9100
_ETH_PPPOE, _ETH_MPLS = 0x8864, 0x8847
_PPP_IPV4, _PPP_IPV6 = 0x0021, 0x0057
_MAX_MPLS_LABELS = 8
_IPV6_EXT = {0, 43, 60, 51}  # hop-by-hop, routing, destination options, AH; fragment (44) handled apart
_MAX_VLAN_TAGS = 4
_MAX_V6_EXT = 8


@dataclass(frozen=True, slots=True)
class IpPacket:
    src: str
    dst: str
    proto: int
    payload: bytes
    ipv6: bool
    fragment: bool
    """A non-first fragment: the payload carries no transport header."""
    length: int
    """Bytes on the wire from the IP header on (the IP total length when known)."""
    ident: int = 0
    """IPv4 identification or IPv6 fragment-header identification (fragments only)."""
    offset: int = 0
    """Byte offset of this fragment's payload in the original datagram."""
    more: bool = False
    """More fragments follow (the MF flag / M bit)."""

    @property
    def is_fragment(self) -> bool:
        """Part of a fragmented datagram, first piece included: needs reassembly before its payload is whole."""
        return self.more or self.offset > 0


@dataclass(frozen=True, slots=True)
class Segment:
    sport: int
    dport: int
    payload: bytes
    seq: int = 0
    flags: int = 0


def link_payload(linktype: int, data: bytes) -> bytes | None:
    """The IP datagram inside a frame of the given link type, or None when it carries something else."""
    if linktype == 1:
        if len(data) < 14:
            return None
        ethertype = (data[12] << 8) | data[13]
        pos = 14
        for _ in range(_MAX_VLAN_TAGS):
            if ethertype not in (_ETH_VLAN, _ETH_QINQ, _ETH_QINQ_OLD):
                break
            if pos + 4 > len(data):
                return None
            ethertype = (data[pos + 2] << 8) | data[pos + 3]
            pos += 4
        if ethertype in (_ETH_IPV4, _ETH_IPV6):
            return data[pos:]
        if ethertype == _ETH_PPPOE:  # DSL links: 6-byte PPPoE session header, then the PPP protocol
            if pos + 8 > len(data):
                return None
            proto = (data[pos + 6] << 8) | data[pos + 7]
            return data[pos + 8:] if proto in (_PPP_IPV4, _PPP_IPV6) else None
        if ethertype == _ETH_MPLS:  # label stack until bottom-of-stack; the payload's first nibble says v4 or v6
            for _ in range(_MAX_MPLS_LABELS):
                if pos + 4 > len(data):
                    return None
                bottom = data[pos + 2] & 0x01
                pos += 4
                if bottom:
                    return data[pos:] if pos < len(data) and data[pos] >> 4 in (4, 6) else None
        return None
    if linktype in (12, 14, 101, 228, 229):
        return data
    if linktype == 113:  # Linux cooked v1: protocol at 14
        if len(data) < 16:
            return None
        return data[16:] if ((data[14] << 8) | data[15]) in (_ETH_IPV4, _ETH_IPV6) else None
    if linktype == 276:  # Linux cooked v2: protocol first
        if len(data) < 20:
            return None
        return data[20:] if ((data[0] << 8) | data[1]) in (_ETH_IPV4, _ETH_IPV6) else None
    if linktype in (0, 108):  # BSD loopback: 4-byte address family, host or network order
        return data[4:] if len(data) > 4 and data[4] >> 4 in (4, 6) else None
    return None


def decode_ip(data: bytes) -> IpPacket | None:
    if not data:
        return None
    version = data[0] >> 4
    if version == 4:
        if len(data) < 20:
            return None
        ihl = (data[0] & 0x0F) * 4
        total = (data[2] << 8) | data[3]
        if ihl < 20 or len(data) < ihl:
            return None
        # Total length bounds the payload (Ethernet pads short frames); 0 happens with TSO, so trust the frame.
        end = min(len(data), total) if total >= ihl else len(data)
        frag = ((data[6] & 0x1F) << 8) | data[7]
        return IpPacket(socket.inet_ntop(socket.AF_INET, data[12:16]), socket.inet_ntop(socket.AF_INET, data[16:20]),
                        data[9], data[ihl:end], False, frag != 0, total if total >= ihl else len(data),
                        ident=(data[4] << 8) | data[5], offset=frag * 8, more=bool(data[6] & 0x20))
    if version == 6:
        if len(data) < 40:
            return None
        plen = (data[4] << 8) | data[5]
        nxt = data[6]
        end = min(len(data), 40 + plen) if plen else len(data)
        pos, fragment = 40, False
        ident = offset = 0
        more = False
        for _ in range(_MAX_V6_EXT):
            if nxt == 44:
                if pos + 8 > end:
                    return None
                field_ = data[pos + 2] << 8 | data[pos + 3]
                offset, more = field_ & 0xFFF8, bool(field_ & 1)
                ident = struct.unpack_from("!I", data, pos + 4)[0]
                fragment = fragment or offset != 0
                nxt, pos = data[pos], pos + 8
            elif nxt in _IPV6_EXT:
                if pos + 8 > end:
                    return None
                size = (data[pos + 1] + 2) * 4 if nxt == 51 else (data[pos + 1] + 1) * 8
                nxt, pos = data[pos], pos + size
            else:
                break
        if pos > end:
            return None
        return IpPacket(socket.inet_ntop(socket.AF_INET6, data[8:24]), socket.inet_ntop(socket.AF_INET6, data[24:40]),
                        nxt, data[pos:end], True, fragment, 40 + plen if plen else len(data),
                        ident=ident, offset=offset, more=more)
    return None


def decode_tcp(payload: bytes) -> Segment | None:
    if len(payload) < 20:
        return None
    sport, dport, seq = struct.unpack_from("!HHI", payload, 0)
    offset = (payload[12] >> 4) * 4
    if offset < 20 or offset > len(payload):
        return None
    return Segment(sport, dport, payload[offset:], seq, payload[13])


def decode_udp(payload: bytes) -> Segment | None:
    if len(payload) < 8:
        return None
    sport, dport, length = struct.unpack_from("!HHH", payload, 0)
    end = length if 8 <= length <= len(payload) else len(payload)
    return Segment(sport, dport, payload[8:end])
