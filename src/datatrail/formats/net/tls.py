"""TLS ClientHello: the server name (SNI) and ALPN a client announced in the clear.

The input is the first bytes a client sent on a connection, already put in
order. A ClientHello may span several TLS records and several TCP segments, so
"not enough bytes yet" is a distinct answer from "not a ClientHello".
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import Enum

__all__ = ["HelloStatus", "ClientHello", "parse_client_hello", "parse_client_hello_message", "looks_like_tls"]

_MAX_HELLO = 65_536  # a ClientHello bigger than this is not one a real client sends
_SNI, _ALPN, _ESNI, _ECH = 0, 16, 0xFFCE, 0xFE0D


class HelloStatus(str, Enum):
    OK = "ok"
    NEED_MORE = "need-more"
    NOT_TLS = "not-tls"
    MALFORMED = "malformed"


@dataclass(frozen=True, slots=True)
class ClientHello:
    status: HelloStatus
    sni: str | None = None
    alpn: tuple[str, ...] = ()
    encrypted_client_hello: bool = False
    """The real server name is hidden (ECH / ESNI): the SNI, if any, is an outer cover name."""


def looks_like_tls(data: bytes) -> bool:
    """A handshake record header with a TLS 1.x record version."""
    return len(data) >= 3 and data[0] == 0x16 and data[1] == 3 and data[2] <= 4


def parse_client_hello(stream: bytes) -> ClientHello:
    """Read handshake records from the start of a client's byte stream until the ClientHello is whole."""
    if len(stream) < 3:
        return ClientHello(HelloStatus.NEED_MORE)
    if not looks_like_tls(stream):
        return ClientHello(HelloStatus.NOT_TLS)
    handshake = bytearray()
    pos = 0
    while True:
        if len(handshake) >= 4:
            need = 4 + int.from_bytes(handshake[1:4], "big")
            if handshake[0] != 1 or need > _MAX_HELLO:
                return ClientHello(HelloStatus.NOT_TLS if handshake[0] != 1 else HelloStatus.MALFORMED)
            if len(handshake) >= need:
                return parse_client_hello_message(bytes(handshake[:need]))
        if pos + 5 > len(stream):
            return ClientHello(HelloStatus.NEED_MORE)
        if stream[pos] != 0x16:
            return ClientHello(HelloStatus.MALFORMED)
        rlen = (stream[pos + 3] << 8) | stream[pos + 4]
        if rlen == 0 or rlen > 18_432:  # 2^14 plus the expansion TLS allows
            return ClientHello(HelloStatus.MALFORMED)
        chunk = stream[pos + 5:pos + 5 + rlen]
        handshake += chunk
        if len(chunk) < rlen:
            if len(handshake) >= 4 and len(handshake) >= 4 + int.from_bytes(handshake[1:4], "big"):
                continue
            return ClientHello(HelloStatus.NEED_MORE)
        pos += 5 + rlen


def parse_client_hello_message(msg: bytes) -> ClientHello:
    """A whole handshake message (type 1, 3-byte length, body); also what QUIC CRYPTO frames carry."""
    if len(msg) < 4 or msg[0] != 1:
        return ClientHello(HelloStatus.NOT_TLS)
    end = min(len(msg), 4 + int.from_bytes(msg[1:4], "big"))
    pos = 4 + 2 + 32  # version, random
    if pos + 1 > end:
        return ClientHello(HelloStatus.MALFORMED)
    pos += 1 + msg[pos]  # session id
    if pos + 2 > end:
        return ClientHello(HelloStatus.MALFORMED)
    pos += 2 + ((msg[pos] << 8) | msg[pos + 1])  # cipher suites
    if pos + 1 > end:
        return ClientHello(HelloStatus.MALFORMED)
    pos += 1 + msg[pos]  # compression methods
    if pos + 2 > end:
        return ClientHello(HelloStatus.OK)  # no extensions at all: a valid, nameless hello
    ext_end = min(end, pos + 2 + ((msg[pos] << 8) | msg[pos + 1]))
    pos += 2
    sni: str | None = None
    alpn: tuple[str, ...] = ()
    hidden = False
    while pos + 4 <= ext_end:
        etype, elen = struct.unpack_from("!HH", msg, pos)
        body = msg[pos + 4:pos + 4 + elen]
        pos += 4 + elen
        if len(body) < elen:
            return ClientHello(HelloStatus.MALFORMED, sni, alpn, hidden)
        if etype == _SNI:
            sni = _server_name(body)
        elif etype == _ALPN:
            alpn = _alpn(body)
        elif etype in (_ESNI, _ECH):
            hidden = True
    return ClientHello(HelloStatus.OK, sni, alpn, hidden)


def _server_name(body: bytes) -> str | None:
    pos, end = 2, min(len(body), 2 + ((body[0] << 8) | body[1]) if len(body) >= 2 else 0)
    while pos + 3 <= end:
        kind, length = body[pos], (body[pos + 1] << 8) | body[pos + 2]
        name = body[pos + 3:pos + 3 + length]
        pos += 3 + length
        if kind == 0 and name and len(name) == length:
            # Hostnames are ASCII (IDNs travel as punycode); anything else is damage, not a name to report.
            if not name.isascii():
                return None
            text = name.decode("ascii").rstrip(".").lower()
            return text if text.isprintable() and " " not in text else None
    return None


def _alpn(body: bytes) -> tuple[str, ...]:
    out: list[str] = []
    pos, end = 2, min(len(body), 2 + ((body[0] << 8) | body[1]) if len(body) >= 2 else 0)
    while pos < end:
        length = body[pos]
        proto = body[pos + 1:pos + 1 + length]
        if len(proto) < length:
            break
        out.append(proto.decode("ascii", "replace"))
        pos += 1 + length
    return tuple(out)
