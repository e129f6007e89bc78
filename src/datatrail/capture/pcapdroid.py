"""PCAPdroid's per-app attribution: which Android app sent each packet, where the capture says so.

PCAPdroid marks packets two ways. In pcap files it wraps each IP packet in an
Ethernet header with zeroed addresses and appends a 32-byte trailer: magic
0x01072021, the app's uid, its name in 20 bytes, and a checksum. In pcapng it
writes ``u-<uid>`` as each packet's comment and maps uids to package names in
custom blocks (see ``formats.pcap``).
"""

from __future__ import annotations

import struct

from datatrail.formats.net.pcap import AppMap, Frame

__all__ = ["app_of", "TRAILER_MAGIC"]

TRAILER_MAGIC = 0x01072021
_TRAILER = 32
_ZERO_MACS = b"\x00" * 12


def app_of(frame: Frame, apps: AppMap) -> str | None:
    """The package (or ``uid:N`` when only the uid is known) that sent or received frame; None when unmarked."""
    if frame.comment and frame.comment.startswith("u-"):
        try:
            uid = int(frame.comment[2:])
        except ValueError:
            return None
        return apps.get(uid) or f"uid:{uid}"
    data = frame.data
    if frame.linktype != 1 or len(data) < 14 + 20 + _TRAILER or not data.startswith(_ZERO_MACS):
        return None
    magic, uid = struct.unpack_from("!Ii", data, len(data) - _TRAILER)
    if magic != TRAILER_MAGIC:
        return None
    name = data[len(data) - _TRAILER + 8:len(data) - 4].split(b"\x00", 1)[0].decode("utf-8", "replace")
    return apps.get(uid) or name or f"uid:{uid}"
