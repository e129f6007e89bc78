"""HAR entries -> HttpRequests and the flows that carried them.

The server's name is the URL's host (``hostname_source`` "har"); its address
is the entry's ``serverIPAddress`` when the exporter recorded it, and the
connection id (``connection``) separates flows to the same server.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from urllib.parse import quote_plus, urlsplit

from datatrail.capture.content_coding import decode_content
from datatrail.capture.exchanges import Exchange, is_ip
from datatrail.formats.net.har import HarEntry
from datatrail.model.diagnostic import DiagnosticLog
from datatrail.model.http import HttpRequest, header_value

__all__ = ["exchanges_from_har", "DEFAULT_PORTS"]

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def _text_bytes(text: str) -> bytes:
    """The bytes a postData text stands for.

    Exporters that meet a binary body (mitmproxy among them) write each byte as
    the code point of the same value; control characters below U+00A0 give
    that away, and UTF-8 would then double-encode every high byte.
    """
    if any(0x80 <= ord(c) < 0xA0 or (ord(c) < 0x20 and c not in "\t\n\r") for c in text):
        try:
            return text.encode("latin-1")
        except UnicodeEncodeError:
            pass
    return text.encode("utf-8", "surrogatepass")


def _body(entry: HarEntry, log: DiagnosticLog, where: str) -> tuple[bytes, bool]:
    """(body bytes as the exporter recorded them, they were base64 i.e. possibly still content-coded)."""
    post = entry.post_data
    if post is None:
        return b"", False
    if post.text:
        if (post.encoding or "").lower() == "base64":
            try:
                return base64.b64decode(post.text, validate=False), True
            except (binascii.Error, ValueError):
                log.add("har.bad-base64", "postData says base64 but isn't; kept as text", where)
        return _text_bytes(post.text), False
    if post.params:
        # Some exporters list form fields only; rebuild the urlencoded body they stand for.
        return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in post.params).encode(), False
    return b"", False


def exchanges_from_har(entries: Iterable[HarEntry], log: DiagnosticLog, location: str, max_body: int) -> list[Exchange]:
    out: list[Exchange] = []
    for entry in entries:
        where = f"{location}#entry{entry.index}"
        try:
            url = urlsplit(entry.url)
            port = url.port
        except ValueError as exc:
            log.add("har.bad-url", f"unreadable URL: {exc}", where)
            continue
        scheme = url.scheme.lower()
        host = (url.hostname or "").lower() or None
        if scheme not in DEFAULT_PORTS or host is None:
            log.add("har.bad-url", f"not an http(s) URL: {entry.url[:80]!r}", where)
            continue
        body, raw = _body(entry, log, where)
        size = len(body)
        content_encoding = None
        truncated = False
        if raw:
            decoded = decode_content(body, header_value(entry.headers, "content-encoding"), max_body)
            if decoded.error is None:
                body, content_encoding, truncated = decoded.body, decoded.encoding, decoded.truncated
        if len(body) > max_body:
            body, truncated = body[:max_body], True
        post_type = entry.post_data.mime_type if entry.post_data else None
        time = entry.started or 0.0
        request = HttpRequest(
            flow=-1, time=time, method=entry.method, scheme="https" if scheme in ("https", "wss") else "http",
            host=host, path=url.path or "/", query=url.query, headers=entry.headers, body=body, body_size=size,
            body_truncated=truncated, content_type=header_value(entry.headers, "content-type") or post_type, source="har",
            entry=entry.index, content_encoding=content_encoding,
        )
        h3 = "3" in entry.http_version or entry.http_version.lower() == "h3"
        named = not is_ip(host)
        out.append(Exchange(
            request=request, position=entry.index, end=time + entry.duration_ms / 1000,
            server_ip=entry.server_ip or (None if named else host), port=port or DEFAULT_PORTS[scheme],
            hostname=host if named else None, hostname_source="har", transport="udp" if h3 else "tcp",
            protocol="quic" if h3 else ("tls" if request.scheme == "https" else "http"), connection=entry.connection,
            bytes_up=entry.request_size, bytes_down=entry.response_size,
        ))
    return out
