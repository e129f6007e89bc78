"""Public test factories: small, valid captures built byte by byte (no external tools)."""

from __future__ import annotations

import socket
import struct

__all__ = ["ipv4", "ipv6", "ipv4_fragments", "ipv6_fragments", "tcp", "udp", "ether", "sll", "sll2", "pcap", "pcapng", "client_hello", "dns_message",
           "tls_records", "pcapdroid_frame", "pcapdroid_uid_block"]


def ipv4(src: str, dst: str, proto: int, payload: bytes) -> bytes:
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                       socket.inet_aton(src), socket.inet_aton(dst)) + payload


def ipv6(src: str, dst: str, proto: int, payload: bytes) -> bytes:
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), proto, 64, socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def ipv4_fragments(src: str, dst: str, proto: int, payload: bytes, size: int, ident: int = 0x1234) -> list[bytes]:
    """payload split into IPv4 fragments of size bytes (a multiple of 8), in order."""
    out = []
    for offset in range(0, len(payload), size):
        piece = payload[offset:offset + size]
        flags = 0x2000 if offset + size < len(payload) else 0
        out.append(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(piece), ident, flags | offset // 8, 64, proto, 0,
                               socket.inet_aton(src), socket.inet_aton(dst)) + piece)
    return out


def ipv6_fragments(src: str, dst: str, proto: int, payload: bytes, size: int, ident: int = 0x12345678) -> list[bytes]:
    """payload split into IPv6 packets with a fragment header, size bytes (a multiple of 8) each, in order."""
    out = []
    for offset in range(0, len(payload), size):
        piece = payload[offset:offset + size]
        more = 1 if offset + size < len(payload) else 0
        frag = struct.pack("!BBHI", proto, 0, offset | more, ident)
        out.append(ipv6(src, dst, 44, frag + piece))
    return out


def tcp(sport: int, dport: int, payload: bytes = b"", seq: int = 1000, flags: int = 0x18) -> bytes:
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload


def udp(sport: int, dport: int, payload: bytes) -> bytes:
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def ether(ip: bytes, vlan: int | None = None) -> bytes:
    ethertype = 0x86DD if ip[0] >> 4 == 6 else 0x0800
    head = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb"
    if vlan is not None:
        head += struct.pack("!HH", 0x8100, vlan)
    return head + struct.pack("!H", ethertype) + ip


def sll(ip: bytes) -> bytes:
    return struct.pack("!HHH8sH", 0, 1, 6, b"\x00" * 8, 0x86DD if ip[0] >> 4 == 6 else 0x0800) + ip


def sll2(ip: bytes) -> bytes:
    return struct.pack("!HHIHBB8s", 0x86DD if ip[0] >> 4 == 6 else 0x0800, 0, 1, 1, 0, 6, b"\x00" * 8) + ip


def pcap(frames: list[bytes], linktype: int = 1, big_endian: bool = False, nanos: bool = False, t0: float = 1_700_000_000.0) -> bytes:
    e = ">" if big_endian else "<"
    magic = 0xA1B23C4D if nanos else 0xA1B2C3D4
    out = struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, 262144, linktype)
    for i, frame in enumerate(frames):
        sec = int(t0) + i
        out += struct.pack(e + "IIII", sec, 500 if not nanos else 500_000, len(frame), len(frame)) + frame
    return out


def _block(btype: int, body: bytes) -> bytes:
    body += b"\x00" * (-len(body) % 4)
    return struct.pack("<II", btype, len(body) + 12) + body + struct.pack("<I", len(body) + 12)


def pcapng(frames: list[bytes], linktype: int = 1, tsresol: int | None = None, t0: float = 1_700_000_000.0,
           comments: list[str | None] | None = None, extra_blocks: bytes = b"") -> bytes:
    out = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    options = b""
    unit = 1e-6
    if tsresol is not None:
        options = struct.pack("<HHB3x", 9, 1, tsresol) + struct.pack("<HH", 0, 0)
        unit = 10.0 ** -tsresol
    out += _block(1, struct.pack("<HHI", linktype, 0, 262144) + options) + extra_blocks
    for i, frame in enumerate(frames):
        ts = round((t0 + i) / unit)
        opts = b""
        comment = comments[i] if comments else None
        if comment is not None:
            text = comment.encode()
            opts = struct.pack("<HH", 1, len(text)) + text + b"\x00" * (-len(text) % 4) + struct.pack("<HH", 0, 0)
        padded = frame + b"\x00" * (-len(frame) % 4)
        out += _block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame)) + padded + opts)
    return out


def pcapdroid_frame(ip: bytes, uid: int, name: str) -> bytes:
    """A packet as PCAPdroid dumps it with its trailer on: zeroed Ethernet header, IP, padding, 32-byte trailer."""
    eth = b"\x00" * 12 + struct.pack("!H", 0x86DD if ip[0] >> 4 == 6 else 0x0800)
    pad = b"\x00" * (-(len(eth) + len(ip)) % 4)
    trailer = struct.pack("!Ii20s", 0x01072021, uid, name.encode()[:20])
    return eth + ip + pad + trailer + b"\xde\xad\xbe\xef"


def pcapdroid_uid_block(uid: int, package: str, app: str) -> bytes:
    """PCAPdroid's pcapng custom block (PEN 62652) mapping a uid to its package and app name."""
    body = struct.pack("<IHBxiBB", 62652, 1, 1, uid, len(package), len(app)) + package.encode() + app.encode()
    return _block(0x00000BAD, body)


def client_hello(sni: str | None, alpn: tuple[str, ...] = (), pad: int = 0) -> bytes:
    """A ClientHello handshake message (no record header)."""
    exts = b""
    if sni is not None:
        name = sni.encode()
        entry = b"\x00" + struct.pack("!H", len(name)) + name
        exts += struct.pack("!HH", 0, len(entry) + 2) + struct.pack("!H", len(entry)) + entry
    if alpn:
        body = b"".join(bytes([len(p)]) + p.encode() for p in alpn)
        exts += struct.pack("!HH", 16, len(body) + 2) + struct.pack("!H", len(body)) + body
    if pad:
        exts += struct.pack("!HH", 21, pad) + b"\x00" * pad
    body = b"\x03\x03" + b"\x11" * 32 + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00" + struct.pack("!H", len(exts)) + exts
    return b"\x01" + len(body).to_bytes(3, "big") + body


def tls_records(message: bytes, record_size: int = 16384) -> bytes:
    out = b""
    for i in range(0, len(message), record_size):
        chunk = message[i:i + record_size]
        out += b"\x16\x03\x01" + struct.pack("!H", len(chunk)) + chunk
    return out


def _name(name: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"


def dns_message(qname: str, answers: list[tuple[str, int, bytes]] = (), response: bool = False, ident: int = 0x1234) -> bytes:  # type: ignore[assignment]
    """A DNS message; answers are (name, type, rdata) with names written in full."""
    flags = 0x8180 if response else 0x0100
    out = struct.pack("!HHHHHH", ident, flags, 1, len(answers), 0, 0) + _name(qname) + struct.pack("!HH", 1, 1)
    for name, rtype, rdata in answers:
        out += _name(name) + struct.pack("!HHIH", rtype, 1, 60, len(rdata)) + rdata
    return out
