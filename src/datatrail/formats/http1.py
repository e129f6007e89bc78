"""HTTP/1.x request head: method, target and the Host the client asked for."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["HttpRequest", "parse_request", "looks_like_http_request"]

_METHODS = (b"GET ", b"POST ", b"HEAD ", b"PUT ", b"DELETE ", b"OPTIONS ", b"PATCH ", b"CONNECT ", b"TRACE ",
            b"PROPFIND ", b"M-SEARCH ", b"NOTIFY ", b"SUBSCRIBE ")
_MAX_HEAD = 16_384


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    target: str
    host: str | None
    complete: bool
    """The header block ended within what was read."""


def looks_like_http_request(data: bytes) -> bool:
    return data.startswith(_METHODS)


def parse_request(data: bytes) -> HttpRequest | None:
    """The request head at the start of data; None when it isn't one or the request line is unfinished."""
    if not looks_like_http_request(data):
        return None
    head = data[:_MAX_HEAD]
    end = head.find(b"\r\n\r\n")
    complete = end >= 0
    lines = (head[:end] if complete else head).split(b"\r\n")
    if len(lines) < 2 and not complete:
        return None
    parts = lines[0].split(b" ")
    if len(parts) < 2:
        return None
    host: str | None = None
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if sep and name.strip().lower() == b"host":
            host = value.strip().decode("ascii", "replace").lower() or None
            break
    target = parts[1].decode("ascii", "replace")
    if host is None and target.startswith(("http://", "https://")):
        host = target.split("/", 3)[2].lower() or None  # absolute form, as proxies receive
    if host and host.startswith("[") and "]" in host:
        host = host[1:host.index("]")]
    elif host and host.count(":") == 1:
        host = host.split(":", 1)[0]  # Host carries the port when it isn't the default
    return HttpRequest(parts[0].decode("ascii", "replace"), target, host, complete)
