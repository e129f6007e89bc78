"""A client's HTTP/1.x byte stream -> every request on it (keep-alive and pipelined), bodies bounded.

Bytes are fed in stream order as TCP reassembly releases them. Each request's
head is parsed, its body walked by Content-Length or chunked framing, kept up
to a per-request bound and a capture-wide budget, then decoded (gzip/deflate).
When the stream stops looking like HTTP (a CONNECT tunnel, a WebSocket, lost
bytes) the reader stops: what it read so far stands.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from datatrail.capture.content_coding import decode_content
from datatrail.formats.net.http1 import (
    MAX_HEAD,
    RequestHead,
    body_framing,
    could_become_request,
    looks_like_http_request,
    parse_chunk_size,
    parse_request,
    split_target,
)
from datatrail.model.http import HttpRequest

__all__ = ["HttpLimits", "HttpBudget", "HttpStream", "request_from_parts"]

_MAX_CHUNK_LINE = 4096
_MAX_TRAILER = 16_384


@dataclass(frozen=True, slots=True)
class HttpLimits:
    max_body: int = 1 << 20
    """Body bytes kept per request (decoded); the rest is counted in body_size."""
    max_total_body: int = 256 << 20
    """Body bytes kept over a whole capture."""
    max_requests: int = 200_000
    """Requests kept per capture; later ones are counted."""


class HttpBudget:
    """What a whole capture may still keep; shared by every stream of it."""

    __slots__ = ("body_left", "requests_left", "bodies_cut", "requests_dropped", "decode_errors")

    def __init__(self, limits: HttpLimits) -> None:
        self.body_left = limits.max_total_body
        self.requests_left = limits.max_requests
        self.bodies_cut = 0
        self.requests_dropped = 0
        self.decode_errors: list[str] = []


def request_from_parts(head: RequestHead, body: bytes, body_size: int, cut: bool, *, flow: int, time: float,
                       scheme: str, source: str, max_body: int, frame: int | None = None, entry: int | None = None,
                       errors: list[str] | None = None) -> HttpRequest:
    """An HttpRequest from a parsed head and the body bytes as transferred (de-chunked, still content-coded)."""
    decoded = decode_content(body, head.header("content-encoding"), max_body)
    if decoded.error and errors is not None:
        errors.append(decoded.error)
    path, query = split_target(head.target)
    if head.method == "CONNECT":
        path, query = head.target, ""
    return HttpRequest(
        flow=flow, time=time, method=head.method, scheme=scheme, host=head.host, path=path, query=query,
        headers=head.headers, body=decoded.body, body_size=body_size, body_truncated=cut or decoded.truncated,
        content_type=head.header("content-type"), source=source, frame=frame, entry=entry,
        content_encoding=decoded.encoding,
    )


class HttpStream:
    """Feed one TCP client stream; read finished requests from :attr:`requests` (flow index left at -1)."""

    def __init__(self, limits: HttpLimits, budget: HttpBudget, scheme: str = "http") -> None:
        self._limits = limits
        self._budget = budget
        self._scheme = scheme
        self._buf = bytearray()
        self._base = 0
        """Stream offset of _buf[0]."""
        self._marks: deque[tuple[int, int, float]] = deque()
        """(stream offset just past a fed piece, its frame, its time), to date each request."""
        self._state = "head"
        self._scanned = 0
        """Bytes of the buffer already searched for the end of the head."""
        self._head: RequestHead | None = None
        self._start: tuple[int, float] = (0, 0.0)
        self._body = bytearray()
        self._body_size = 0
        self._keep_body = True
        self._remaining = 0
        self.requests: list[HttpRequest] = []
        self.dead = False
        """The stream no longer reads as HTTP; later bytes are ignored."""

    def feed(self, data: bytes, frame: int, ts: float) -> None:
        if self.dead or not data:
            return
        self._buf += data
        self._marks.append((self._base + len(self._buf), frame, ts))
        self._run()

    def gap(self) -> None:
        """Bytes were lost: the request in progress ends cut, and the stream is abandoned."""
        if self.dead:
            return
        if self._head is not None:
            self._emit(cut=True)
        self._die()

    def close(self) -> None:
        """The capture ended: a request whose head was read is kept, its body marked cut if unfinished."""
        if self._head is not None and not self.dead:
            self._emit(cut=True)
        self._die()

    def _die(self) -> None:
        self.dead = True
        self._buf = bytearray()
        self._marks.clear()
        self._body = bytearray()

    def _consume(self, n: int) -> None:
        del self._buf[:n]
        self._base += n
        while self._marks and self._marks[0][0] <= self._base:
            self._marks.popleft()

    def _where(self) -> tuple[int, float]:
        for end, frame, ts in self._marks:
            if end > self._base:
                return frame, ts
        return (self._marks[-1][1], self._marks[-1][2]) if self._marks else (0, 0.0)

    def _run(self) -> None:
        while not self.dead and self._buf:
            before = (self._state, len(self._buf))
            if self._state == "head":
                self._read_head()
            elif self._state == "length":
                self._take(min(self._remaining, len(self._buf)))
                if self._remaining == 0:
                    self._emit(cut=False)
            elif self._state == "chunk-size":
                self._read_chunk_size()
            elif self._state == "chunk-data":
                self._take(min(self._remaining, len(self._buf)))
                if self._remaining == 0:
                    self._state = "chunk-end"
            elif self._state == "chunk-end":
                self._read_chunk_end()
            elif self._state == "trailer":
                self._read_trailer()
            if (self._state, len(self._buf)) == before:
                return  # waiting for more bytes

    def _read_head(self) -> None:
        while self._buf[:2] == b"\r\n" or self._buf[:1] == b"\n":  # stray CRLF between requests (RFC 9112 §2.2)
            self._consume(1 if self._buf[:1] == b"\n" else 2)
        if not self._buf or self._buf == b"\r":
            return
        start = bytes(self._buf[:16])
        if not looks_like_http_request(start):
            if not could_become_request(start):
                self._die()
            return
        # A head trickling in byte by byte must not be re-parsed from its start each time: look for the blank
        # line only in what arrived since the last look.
        since = max(0, self._scanned - 3)
        if self._buf.find(b"\n\r\n", since) < 0 and self._buf.find(b"\n\n", since) < 0:
            self._scanned = len(self._buf)
            if len(self._buf) >= MAX_HEAD:
                self._die()
            return
        self._scanned = 0
        head = parse_request(bytes(self._buf[:MAX_HEAD]))
        if head is None or not head.complete:
            if len(self._buf) >= MAX_HEAD:
                self._die()
            return
        self._start = self._where()
        self._consume(head.length)
        self._head = head
        self._body = bytearray()
        self._body_size = 0
        self._keep_body = True
        framing = body_framing(head)
        if framing.kind == "chunked":
            self._state = "chunk-size"
        elif framing.kind == "invalid":
            self._emit(cut=True)
            self._die()  # the body's end is unknowable, so is the next request's start
        elif framing.size == 0:
            self._emit(cut=False)
        else:
            self._remaining = framing.size
            self._state = "length"

    def _take(self, n: int) -> None:
        piece = self._buf[:n]
        self._body_size += n
        self._remaining -= n
        if self._keep_body:
            room = min(self._limits.max_body - len(self._body), self._budget.body_left)
            if n > room:
                self._keep_body = False
                piece = piece[:max(room, 0)]
            self._body += piece
            self._budget.body_left -= len(piece)
        self._consume(n)

    def _line(self, limit: int) -> bytes | None:
        end = self._buf.find(b"\n")
        if end < 0:
            if len(self._buf) > limit:
                self._emit(cut=True)
                self._die()
            return None
        line = bytes(self._buf[:end]).rstrip(b"\r")
        self._consume(end + 1)
        return line

    def _read_chunk_size(self) -> None:
        line = self._line(_MAX_CHUNK_LINE)
        if line is None:
            return
        size = parse_chunk_size(line)
        if size is None:
            self._emit(cut=True)
            self._die()
        elif size == 0:
            self._state = "trailer"
        else:
            self._remaining = size
            self._state = "chunk-data"

    def _read_chunk_end(self) -> None:
        if self._buf[:2] == b"\r\n":
            self._consume(2)
        elif self._buf[:1] == b"\n":
            self._consume(1)
        elif len(self._buf) < 2 and self._buf[:1] == b"\r":
            return
        self._state = "chunk-size"

    def _read_trailer(self) -> None:
        line = self._line(_MAX_TRAILER)
        if line is not None and line == b"":
            self._emit(cut=False)

    def _emit(self, cut: bool) -> None:
        head = self._head
        assert head is not None
        self._head = None
        self._state = "head"
        if self._budget.requests_left <= 0:
            self._budget.requests_dropped += 1
            return
        self._budget.requests_left -= 1
        truncated = cut or not self._keep_body
        if not self._keep_body:
            self._budget.bodies_cut += 1
        frame, ts = self._start
        self.requests.append(request_from_parts(
            head, bytes(self._body), self._body_size, truncated, flow=-1, time=ts, scheme=self._scheme,
            source="pcap", max_body=self._limits.max_body, frame=frame, errors=self._budget.decode_errors))
        self._body = bytearray()
