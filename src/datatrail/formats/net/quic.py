"""QUIC Initial packets: the client's ClientHello, hence its SNI.

Initial packets are encrypted with keys anyone can derive from the packet's
Destination Connection ID (RFC 9001 §5.2, RFC 9369 for v2): the protection
hides nothing from an observer, so a capture still shows the server name.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass, field

from datatrail.formats.net.tls import ClientHello, HelloStatus, parse_client_hello_message

__all__ = ["QUIC_V1", "QUIC_V2", "InitialKeys", "initial_keys", "ClientInitials", "is_long_header"]

QUIC_V1, QUIC_V2 = 0x00000001, 0x6B3343CF
_SALT_V1 = bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")
_SALT_V2 = bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9")
_SALT_D29 = bytes.fromhex("afbfec289993d24c9e9786f19c6111e04390a899")  # drafts 29-32
_SALT_D23 = bytes.fromhex("c3eef712c72ebb5a11a7d2432bb46365bef9f502")  # drafts 23-28
_MAX_CRYPTO = 65_536  # a ClientHello never needs more; bounds what a peer can make us hold
_MAX_FRAMES = 1024


@dataclass(frozen=True, slots=True)
class InitialKeys:
    key: bytes
    iv: bytes
    hp: bytes


def _salt_and_prefix(version: int) -> tuple[bytes, str] | None:
    if version == QUIC_V1:
        return _SALT_V1, "quic"
    if version == QUIC_V2:
        return _SALT_V2, "quicv2"
    if 0xFF00001D <= version <= 0xFF000020:
        return _SALT_D29, "quic"
    if 0xFF000017 <= version <= 0xFF00001C:
        return _SALT_D23, "quic"
    return None


def _expand_label(secret: bytes, label: str, length: int) -> bytes:
    full = b"tls13 " + label.encode()
    info = struct.pack("!HB", length, len(full)) + full + b"\x00"
    out, block, counter = b"", b"", 1
    while len(out) < length:  # HKDF-Expand (RFC 5869) with SHA-256
        block = hmac.new(secret, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def initial_keys(dcid: bytes, version: int) -> InitialKeys | None:
    """The client's Initial keys for a version we know the salt of, else None."""
    params = _salt_and_prefix(version)
    if params is None:
        return None
    salt, prefix = params
    secret = hmac.new(salt, dcid, hashlib.sha256).digest()
    client = _expand_label(secret, "client in", 32)
    return InitialKeys(_expand_label(client, f"{prefix} key", 16), _expand_label(client, f"{prefix} iv", 12),
                       _expand_label(client, f"{prefix} hp", 16))


def is_long_header(datagram: bytes) -> bool:
    return len(datagram) >= 7 and datagram[0] & 0xC0 == 0xC0


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise ValueError("varint past the end")
    size = 1 << (data[pos] >> 6)
    if pos + size > len(data):
        raise ValueError("varint cut short")
    value = data[pos] & 0x3F
    for b in data[pos + 1:pos + size]:
        value = (value << 8) | b
    return value, pos + size


def _is_initial(first: int, version: int) -> bool:
    ptype = (first & 0x30) >> 4
    return ptype == (1 if version == QUIC_V2 else 0)


@dataclass(slots=True)
class ClientInitials:
    """Collects CRYPTO data from a client's Initial packets until the ClientHello is whole."""

    keys: InitialKeys | None = None
    version: int = 0
    crypto: dict[int, bytes] = field(default_factory=dict)
    frames: int = 0
    done: bool = False

    def feed(self, datagram: bytes) -> ClientHello | None:
        """Read every coalesced long-header packet in a client datagram; a ClientHello once complete."""
        pos = 0
        while not self.done and pos + 7 <= len(datagram) and datagram[pos] & 0xC0 == 0xC0:
            try:
                pos = self._packet(datagram, pos)
            except ValueError:
                return None
            hello = self._hello()
            if hello is not None:
                self.done = True
                return hello
        return None

    def _packet(self, d: bytes, start: int) -> int:
        first = d[start]
        version = struct.unpack_from("!I", d, start + 1)[0]
        pos = start + 5
        dcid_len = d[pos]
        if dcid_len > 20 or pos + 1 + dcid_len >= len(d):
            raise ValueError("bad DCID")
        dcid = d[pos + 1:pos + 1 + dcid_len]
        pos += 1 + dcid_len
        scid_len = d[pos]
        if scid_len > 20:
            raise ValueError("bad SCID")
        pos += 1 + scid_len
        initial = _is_initial(first, version)
        if initial:
            token_len, pos = _varint(d, pos)
            pos += token_len
        length, pos = _varint(d, pos)
        end = pos + length
        if end > len(d) or length < 20:
            raise ValueError("packet length past the datagram")
        if initial and _salt_and_prefix(version) is not None:
            if self.keys is None or self.version != version:
                # Keys come from the DCID of the client's first Initial; later ones (after a Retry) may differ.
                self.keys, self.version = initial_keys(dcid, version), version
            if self.keys is not None:
                payload = self._decrypt(d, start, pos, end, self.keys)
                if payload is None:
                    other = initial_keys(dcid, version)
                    payload = self._decrypt(d, start, pos, end, other) if other else None
                    if payload is not None:
                        self.keys = other
                if payload is not None:
                    self._frames(payload)
        return end

    @staticmethod
    def _decrypt(d: bytes, start: int, pn_pos: int, end: int, keys: InitialKeys) -> bytes | None:
        sample = d[pn_pos + 4:pn_pos + 20]
        if len(sample) < 16:
            return None
        # Loaded with the first QUIC Initial packet: most captures have none, and
        # the library's import is a good part of a small capture's whole run.
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        enc = Cipher(algorithms.AES(keys.hp), modes.ECB()).encryptor()
        mask = enc.update(sample) + enc.finalize()
        first = d[start] ^ (mask[0] & 0x0F)
        pn_len = (first & 0x03) + 1
        pn_bytes = bytes(b ^ m for b, m in zip(d[pn_pos:pn_pos + pn_len], mask[1:1 + pn_len]))
        header = bytes([first]) + d[start + 1:pn_pos] + pn_bytes
        pn = int.from_bytes(pn_bytes, "big")
        nonce = bytes(a ^ b for a, b in zip(keys.iv, pn.to_bytes(12, "big")))
        try:
            return AESGCM(keys.key).decrypt(nonce, d[pn_pos + pn_len:end], header)
        except InvalidTag:
            return None

    def _frames(self, p: bytes) -> None:
        pos = 0
        while pos < len(p) and self.frames < _MAX_FRAMES:
            self.frames += 1
            ftype, pos = _varint(p, pos)
            if ftype in (0x00, 0x01):  # PADDING, PING
                continue
            if ftype in (0x02, 0x03):  # ACK: skip its ranges (and ECN counts)
                _, pos = _varint(p, pos)
                _, pos = _varint(p, pos)
                count, pos = _varint(p, pos)
                _, pos = _varint(p, pos)
                for _ in range(min(count, 256) * 2):
                    _, pos = _varint(p, pos)
                if ftype == 0x03:
                    for _ in range(3):
                        _, pos = _varint(p, pos)
                continue
            if ftype == 0x06:
                offset, pos = _varint(p, pos)
                length, pos = _varint(p, pos)
                data = p[pos:pos + length]
                pos += length
                if len(data) < length:
                    raise ValueError("CRYPTO frame cut short")
                if data and offset + length <= _MAX_CRYPTO:
                    self.crypto.setdefault(offset, data)
                continue
            return  # CONNECTION_CLOSE or a frame an Initial shouldn't carry: stop reading this packet

    def _hello(self) -> ClientHello | None:
        buf = bytearray()
        grew = True
        while grew:  # each pass appends at least one byte or stops, so this ends within _MAX_CRYPTO passes
            grew = False
            for offset, chunk in self.crypto.items():
                if offset <= len(buf) < offset + len(chunk):
                    buf += chunk[len(buf) - offset:]
                    grew = True
        if len(buf) < 4:
            return None
        if len(buf) < 4 + int.from_bytes(buf[1:4], "big"):
            return None
        hello = parse_client_hello_message(bytes(buf))
        return hello if hello.status is HelloStatus.OK else ClientHello(hello.status)


_GQUIC_MAX_TAGS = 128


def gquic_sni(datagram: bytes) -> str | None:
    """The SNI tag of a Google QUIC (Q0xx) client hello, which older Chrome versions sent unencrypted."""
    at = datagram.find(b"CHLO", 0, 128)
    if at < 0 or at + 8 > len(datagram):
        return None
    count = struct.unpack_from("<H", datagram, at + 4)[0]
    if count > _GQUIC_MAX_TAGS:
        return None
    table = at + 8
    values = table + 8 * count
    if values > len(datagram):
        return None
    prev = 0
    for i in range(count):
        tag, end = struct.unpack_from("<4sI", datagram, table + 8 * i)
        if end < prev or values + end > len(datagram):
            return None
        if tag == b"SNI\x00":
            name = datagram[values + prev:values + end].decode("ascii", "replace").lower()
            return name if name and name.isprintable() else None
        prev = end
    return None
