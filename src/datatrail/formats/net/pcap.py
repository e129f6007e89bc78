"""pcap and pcapng readers: bytes -> timestamped link-layer frames, bounded and tolerant.

A capture cut short (a phone's sniffer killed mid-write, a truncated upload) is
the common case, not the exception: everything read before the damage is kept
and the damage is reported as a diagnostic instead of failing the whole file.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Iterator

from datatrail.errors import UnsupportedInput
from datatrail.model.diagnostic import DiagnosticLog

__all__ = ["Frame", "CaptureLimits", "sniff_capture", "read_frames", "LINKTYPE_NAMES", "AppMap", "PCAPDROID_PEN"]

_PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
_PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"

PCAPDROID_PEN = 62652
"""PCAPdroid's IANA enterprise number, which marks its pcapng custom blocks."""
_CUSTOM_BLOCK = 0x00000BAD
_MAX_APPS = 100_000

AppMap = dict[int, str]
"""Android uid -> package name, from PCAPdroid's uid-mapping blocks (filled while reading)."""

LINKTYPE_NAMES = {0: "null", 1: "ethernet", 12: "raw", 14: "raw", 101: "raw", 108: "loop", 113: "linux-sll",
                  228: "ipv4", 229: "ipv6", 276: "linux-sll2"}


@dataclass(frozen=True, slots=True)
class CaptureLimits:
    max_frames: int = 20_000_000
    """Most frames read from one capture (bounds time on a giant or looping file)."""
    max_frame_len: int = 262_144
    """Largest captured frame accepted; libpcap's own maximum snap length."""
    max_interfaces: int = 4096
    """Most pcapng interface blocks remembered."""
    max_flows: int = 200_000
    """Most flows tracked; later new flows are counted, not stored."""
    max_client_bytes: int = 65_536
    """Client bytes buffered per TCP flow to find a ClientHello or HTTP request."""


@dataclass(frozen=True, slots=True)
class Frame:
    index: int
    """1-based frame number, as Wireshark numbers them."""
    ts: float
    """Seconds since the Unix epoch."""
    linktype: int
    data: bytes
    orig_len: int
    comment: str | None = None
    """The pcapng packet comment (PCAPdroid writes ``u-<uid>`` there)."""


def sniff_capture(data: bytes) -> str | None:
    """``"pcap"``, ``"pcapng"`` or None, by magic bytes only."""
    if data[:4] in _PCAP_MAGICS:
        return "pcap"
    if data[:4] == _PCAPNG_SHB and len(data) >= 12 and data[8:12] in (b"\x1a\x2b\x3c\x4d", b"\x4d\x3c\x2b\x1a"):
        return "pcapng"
    return None


def read_frames(data: bytes, log: DiagnosticLog, location: str, limits: CaptureLimits = CaptureLimits(),
                apps: AppMap | None = None) -> Iterator[Frame]:
    """Every frame of a pcap or pcapng capture; raises UnsupportedInput for anything else.

    PCAPdroid's uid -> package mappings met on the way are added to apps when given.
    """
    kind = sniff_capture(data)
    if kind == "pcap":
        return _read_pcap(data, log, location, limits)
    if kind == "pcapng":
        return _read_pcapng(data, log, location, limits, {} if apps is None else apps)
    raise UnsupportedInput(f"{location}: not a pcap or pcapng capture")


def _read_pcap(data: bytes, log: DiagnosticLog, location: str, limits: CaptureLimits) -> Iterator[Frame]:
    endian, unit = _PCAP_MAGICS[data[:4]]
    if len(data) < 24:
        log.add("pcap.truncated-header", "file ends inside the 24-byte pcap header", f"{location}@0x0")
        return
    linktype = struct.unpack_from(endian + "I", data, 20)[0] & 0x0FFFFFFF  # upper bits carry FCS info
    record = struct.Struct(endian + "IIII")
    pos, index, end = 24, 0, len(data)
    while pos < end:
        if index >= limits.max_frames:
            log.add("pcap.frame-limit", f"stopped after {limits.max_frames} frames", f"{location}@{pos:#x}")
            return
        if pos + 16 > end:
            log.add("pcap.truncated-record", "file ends inside a record header", f"{location}@{pos:#x}")
            return
        sec, frac, incl, orig = record.unpack_from(data, pos)
        if incl > limits.max_frame_len:
            # A corrupt length makes every later record unreadable: there is no resync marker in pcap.
            log.add("pcap.bad-record-length", f"record claims {incl} bytes", f"{location}@{pos:#x}")
            return
        body = pos + 16
        index += 1
        if body + incl > end:
            log.add("pcap.truncated-record", f"frame {index} cut short ({end - body} of {incl} bytes)", f"{location}@{pos:#x}")
            yield Frame(index, sec + frac * unit, linktype, data[body:end], orig)
            return
        yield Frame(index, sec + frac * unit, linktype, data[body:body + incl], orig)
        pos = body + incl


def _read_pcapng(data: bytes, log: DiagnosticLog, location: str, limits: CaptureLimits, apps: AppMap) -> Iterator[Frame]:
    end = len(data)
    pos, index = 0, 0
    endian = "<"
    interfaces: list[tuple[int, float]] = []  # (linktype, seconds per timestamp unit), per section
    while pos < end:
        if index >= limits.max_frames:
            log.add("pcapng.frame-limit", f"stopped after {limits.max_frames} frames", f"{location}@{pos:#x}")
            return
        if pos + 12 > end:
            log.add("pcapng.truncated-block", "file ends inside a block header", f"{location}@{pos:#x}")
            return
        if data[pos:pos + 4] == _PCAPNG_SHB:
            bom = data[pos + 8:pos + 12]
            if bom == b"\x4d\x3c\x2b\x1a":
                endian = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                endian = ">"
            else:
                log.add("pcapng.bad-section", "section header without a byte-order magic", f"{location}@{pos:#x}")
                return
            interfaces = []
        btype, blen = struct.unpack_from(endian + "II", data, pos)
        if blen < 12 or blen % 4 or blen > limits.max_frame_len + 4096:
            log.add("pcapng.bad-block-length", f"block type {btype:#x} claims {blen} bytes", f"{location}@{pos:#x}")
            return
        if pos + blen > end:
            log.add("pcapng.truncated-block", f"block type {btype:#x} cut short", f"{location}@{pos:#x}")
            truncated = True
            body = data[pos + 8:end]
        else:
            truncated = False
            body = data[pos + 8:pos + blen - 4]
        if btype == 1:
            if len(body) >= 8 and len(interfaces) < limits.max_interfaces:
                interfaces.append((struct.unpack_from(endian + "H", body, 0)[0], _if_tsresol(body[8:], endian)))
        elif btype in (2, 6):
            frame = _packet_block(btype, body, endian, interfaces, index + 1, log, f"{location}@{pos:#x}")
            if frame is not None:
                index += 1
                yield frame
        elif btype == _CUSTOM_BLOCK and len(apps) < _MAX_APPS:
            _pcapdroid_block(body, endian, apps)
        elif btype == 3:
            if interfaces and len(body) >= 4:
                orig = struct.unpack_from(endian + "I", body, 0)[0]
                index += 1
                yield Frame(index, 0.0, interfaces[0][0], body[4:4 + orig], orig)
        if truncated:
            return
        pos += blen


def _if_tsresol(options: bytes, endian: str) -> float:
    """Seconds per timestamp unit from the interface's if_tsresol option (default microseconds)."""
    pos = 0
    while pos + 4 <= len(options):
        code, length = struct.unpack_from(endian + "HH", options, pos)
        if code == 0:
            break
        if code == 9 and length >= 1 and pos + 5 <= len(options):
            v = options[pos + 4]
            exp = v & 0x7F
            if exp > 60:  # nonsense resolution: keep microseconds rather than overflow
                return 1e-6
            return 2.0 ** -exp if v & 0x80 else 10.0 ** -exp
        pos += 4 + ((length + 3) & ~3)
    return 1e-6


def _packet_block(btype: int, body: bytes, endian: str, interfaces: list[tuple[int, float]], index: int,
                  log: DiagnosticLog, where: str) -> Frame | None:
    if len(body) < 20:
        log.add("pcapng.short-packet-block", "packet block too short for its header", where)
        return None
    if btype == 6:
        iface, hi, lo, cap, orig = struct.unpack_from(endian + "IIIII", body, 0)
    else:  # obsolete Packet Block: 16-bit interface id and drop count
        iface, _drops, hi, lo, cap, orig = struct.unpack_from(endian + "HHIIII", body, 0)
    if iface >= len(interfaces):
        log.add("pcapng.unknown-interface", f"packet refers to interface {iface}, not described", where)
        return None
    linktype, unit = interfaces[iface]
    payload = body[20:20 + cap]
    if len(payload) < cap:
        log.add("pcapng.truncated-packet", f"packet cut short ({len(payload)} of {cap} bytes)", where)
    comment = _comment(body[20 + ((cap + 3) & ~3):], endian) if btype == 6 else None
    return Frame(index, ((hi << 32) | lo) * unit, linktype, payload, orig, comment)


def _comment(options: bytes, endian: str) -> str | None:
    """The first opt_comment of a packet block's options."""
    pos = 0
    while pos + 4 <= len(options):
        code, length = struct.unpack_from(endian + "HH", options, pos)
        if code == 0:
            return None
        if code == 1:
            return options[pos + 4:pos + 4 + length].decode("utf-8", "replace")
        pos += 4 + ((length + 3) & ~3)
    return None


def _pcapdroid_block(body: bytes, endian: str, apps: AppMap) -> None:
    """A PCAPdroid custom block (PEN 62652, version 1, type 1): uid, package and app name lengths, names."""
    if len(body) < 14:
        return
    pen, version, kind = struct.unpack_from(endian + "IHB", body, 0)
    if pen != PCAPDROID_PEN or version != 1 or kind != 1:
        return
    uid, package_len = struct.unpack_from(endian + "iB", body, 8)
    package = body[14:14 + package_len].decode("utf-8", "replace")
    if package:
        apps.setdefault(uid, package)
