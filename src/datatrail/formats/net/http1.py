"""HTTP/1.x request framing: the head (request line and headers) and how its body is delimited.

Only what a reader of a client's byte stream needs: where the head ends, the
header fields in order, and whether the body is a fixed length, chunked or
absent. Bodies themselves are walked by ``datatrail.capture.http_stream``.
"""

from __future__ import annotations

from dataclasses import dataclass

from datatrail.model.http import header_value

__all__ = ["RequestHead", "BodyFraming", "parse_request", "looks_like_http_request", "could_become_request",
           "body_framing", "parse_chunk_size", "MAX_HEAD", "split_target", "normalise_host"]

_METHODS = (b"GET ", b"POST ", b"HEAD ", b"PUT ", b"DELETE ", b"OPTIONS ", b"PATCH ", b"CONNECT ", b"TRACE ",
            b"PROPFIND ", b"M-SEARCH ", b"NOTIFY ", b"SUBSCRIBE ")
MAX_HEAD = 65_536
"""Longest request head read; a longer one is not treated as HTTP."""
_MAX_HEADERS = 256


@dataclass(frozen=True, slots=True)
class RequestHead:
    method: str
    target: str
    version: str
    headers: tuple[tuple[str, str], ...]
    host: str | None
    """The Host header (or the absolute target's host) lower-cased, without port or IPv6 brackets."""
    complete: bool
    """The header block ended within what was read."""
    length: int
    """Bytes of the head including its terminating blank line; 0 when incomplete."""

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)


@dataclass(frozen=True, slots=True)
class BodyFraming:
    kind: str
    """``length`` (``size`` bytes follow), ``chunked``, or ``invalid`` (unusable Content-Length)."""
    size: int = 0


def looks_like_http_request(data: bytes) -> bool:
    return data.startswith(_METHODS)


def could_become_request(data: bytes) -> bool:
    """data is a strict prefix of some method token: wait for more bytes before deciding."""
    return len(data) < 10 and any(m.startswith(data) for m in _METHODS)


def _head_end(head: bytes) -> tuple[int, int]:
    """(end of the header lines, length of the terminator) or (-1, 0); bare-LF heads are accepted like browsers do."""
    crlf = head.find(b"\r\n\r\n")
    lf = head.find(b"\n\n")
    if crlf >= 0 and (lf < 0 or crlf <= lf):
        return crlf, 4
    if lf >= 0:
        return lf, 2
    return -1, 0


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # RFC 9110's historical header charset; never fails


def parse_request(data: bytes) -> RequestHead | None:
    """The request head at the start of data; None when it isn't one or the request line is unfinished."""
    if not looks_like_http_request(data):
        return None
    head = data[:MAX_HEAD]
    end, term = _head_end(head)
    complete = end >= 0
    lines = (head[:end] if complete else head).split(b"\n")
    if len(lines) < 2 and not complete:
        return None
    parts = lines[0].rstrip(b"\r").split(b" ")
    if len(parts) < 2:
        return None
    headers: list[tuple[str, str]] = []
    for line in lines[1:1 + _MAX_HEADERS] if complete else lines[1:-1][:_MAX_HEADERS]:
        name, sep, value = line.rstrip(b"\r").partition(b":")
        if sep and name.strip():
            headers.append((_text(name.strip()), _text(value.strip())))
    host = (header_value(headers, "host") or "").lower() or None
    target = parts[1].decode("ascii", "replace")
    if host is None and target.startswith(("http://", "https://")):
        host = target.split("/", 3)[2].lower() or None  # absolute form, as proxies receive
    if host is None and parts[0] == b"CONNECT":
        host = target.lower() or None
    if host:
        host = normalise_host(host)
    version = parts[2].rstrip(b"\r").decode("ascii", "replace") if len(parts) > 2 else ""
    return RequestHead(parts[0].decode("ascii", "replace"), target, version, tuple(headers), host, complete,
                       end + term if complete else 0)


def normalise_host(value: str) -> str:
    """A Host value (or URL authority) without its IPv6 brackets or its port; case and spaces are left as they are."""
    if value.startswith("[") and "]" in value:
        return value[1:value.index("]")]
    return value.split(":", 1)[0] if value.count(":") == 1 else value  # the port, when it isn't the default


def body_framing(head: RequestHead) -> BodyFraming:
    """How the request's body is delimited (RFC 9112 §6): chunked wins over Content-Length; neither means none."""
    encoding = head.header("transfer-encoding")
    if encoding is not None and encoding.lower().rsplit(",", 1)[-1].strip() == "chunked":
        return BodyFraming("chunked")
    length = head.header("content-length")
    if length is None:
        return BodyFraming("length", 0)
    value = length.split(",")[0].strip()  # a repeated identical value ("5, 5") is allowed
    if not value.isdigit() or len(value) > 18:
        return BodyFraming("invalid")
    return BodyFraming("length", int(value))


def parse_chunk_size(line: bytes) -> int | None:
    """The size in a chunk-size line (extensions after ``;`` ignored); None when it isn't hex."""
    text = line.split(b";", 1)[0].strip()
    if not text or len(text) > 15:
        return None
    try:
        return int(text, 16)
    except ValueError:
        return None


def split_target(target: str) -> tuple[str, str]:
    """(path, query) of a request target in origin or absolute form; ``*`` and authority forms keep their text."""
    if target.startswith(("http://", "https://")):
        rest = target.split("//", 1)[1]
        slash = rest.find("/")
        question = rest.find("?")
        if slash < 0 or (0 <= question < slash):
            target = "/" + rest[question:] if question >= 0 else "/"
        else:
            target = rest[slash:]
    path, _, query = target.partition("?")
    return path.split("#", 1)[0], query.split("#", 1)[0]
