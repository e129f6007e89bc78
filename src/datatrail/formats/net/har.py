"""HAR 1.2 (HTTP Archive) logs: bytes -> the request side of each entry, tolerant of what exporters omit.

A log is read one entry at a time (``HarReader``), so memory grows with the
largest entry, not with the file. Browsers, Charles, Insomnia and mitmproxy all
write HAR slightly differently:
a UTF-8 byte-order mark, missing ``postData`` text with only ``params``,
base64 bodies, ``-1`` for unknown sizes, a zlib-compressed ``.zhar``. Each
entry that lacks something usable is skipped and said so; the file is
rejected only when it isn't a HAR log at all.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from datatrail.errors import CorruptInput, LimitExceeded, UnsupportedInput
from datatrail.formats.common.json_stream import JsonDamaged, JsonStream
from datatrail.formats.common.readable import Readable
from datatrail.model.diagnostic import DiagnosticLog

__all__ = ["HarEntry", "HarPostData", "HarReader", "sniff_har", "read_har", "HarLimits", "SNIFF_BYTES"]

_BOM = b"\xef\xbb\xbf"
SNIFF_BYTES = 1 << 20
"""Bytes ``sniff_har`` looks at: a HAR's ``"log"`` key is near its start."""


@dataclass(frozen=True, slots=True)
class HarLimits:
    max_inflated: int = 1 << 30
    """Largest decompressed .zhar accepted."""
    max_entries: int = 1_000_000


@dataclass(frozen=True, slots=True)
class HarPostData:
    mime_type: str | None
    text: str | None
    params: tuple[tuple[str, str], ...]
    encoding: str | None
    """``base64`` when ``text`` holds base64 of the bytes (an extension several exporters use)."""


@dataclass(frozen=True, slots=True)
class HarEntry:
    index: int
    started: float | None
    """startedDateTime as seconds since the Unix epoch; None when missing or unreadable."""
    duration_ms: float
    method: str
    url: str
    http_version: str
    headers: tuple[tuple[str, str], ...]
    post_data: HarPostData | None
    server_ip: str | None
    connection: str | None
    request_size: int
    """headersSize + bodySize of the request where the exporter knew them, else 0."""
    response_size: int


def sniff_har(data: bytes) -> str | None:
    """``"har"`` for a JSON HAR log, ``"zhar"`` for a zlib-compressed one, else None; by content, not name."""
    head = data[:4096].removeprefix(_BOM).lstrip()
    if head.startswith(b"{") and b'"log"' in data[:SNIFF_BYTES]:
        return "har"
    if len(data) >= 2 and data[0] == 0x78 and (data[0] << 8 | data[1]) % 31 == 0:
        try:
            start = zlib.decompressobj().decompress(data[:4096], 64)
        except zlib.error:
            return None
        if start.removeprefix(_BOM).lstrip().startswith(b"{"):
            return "zhar"
    return None


class _Inflating:
    """A .zhar's stream inflated as it is read, refusing to grow past ``limit`` bytes."""

    def __init__(self, raw: Readable, limit: int, location: str) -> None:
        self._raw = raw
        self._inflater = zlib.decompressobj()
        self._left = limit
        self._limit = limit
        self._location = location

    def read(self, size: int, /) -> bytes:
        while True:
            data = self._inflater.unconsumed_tail or self._raw.read(size)
            if not data:
                return self._inflater.flush()
            try:
                out = self._inflater.decompress(data, min(size, self._left + 1))
            except zlib.error as exc:
                raise CorruptInput(f"{self._location}: compressed HAR is damaged: {exc}") from exc
            self._left -= len(out)
            if self._left < 0:
                raise LimitExceeded(f"{self._location}: compressed HAR inflates past {self._limit} bytes")
            if out or self._inflater.eof:
                return out


class _Replay:
    """A stream whose first bytes were already read to sniff it."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int, /) -> bytes:
        if self._head:
            out, self._head = self._head[:size], self._head[size:]
            return out
        return self._rest.read(size)


class HarReader:
    """The usable entries of a HAR (or .zhar) log, read from a stream one entry at a time.

    Memory grows with the largest entry, never with the file. Iterating raises
    UnsupportedInput when the stream is no HAR log, and CorruptInput when it is
    damaged before its first entry; damage after that ends the entries with a
    ``har.damaged`` diagnostic. ``read`` counts the entries met, ``usable`` those yielded.
    """

    def __init__(self, stream: Readable, log: DiagnosticLog, location: str, limits: HarLimits = HarLimits()) -> None:
        self._stream = stream
        self._log = log
        self._location = location
        self._limits = limits
        self.read = 0
        self.usable = 0

    def __iter__(self) -> Iterator[HarEntry]:
        location, log, limits = self._location, self._log, self._limits
        head = self._stream.read(SNIFF_BYTES)
        kind = sniff_har(head)
        if kind is None:
            raise UnsupportedInput(f"{location}: not a HAR log")
        source: Readable = _Replay(head, self._stream)
        if kind == "zhar":
            source = _Inflating(source, limits.max_inflated, location)
        doc = JsonStream(source)
        try:
            for raw in _raw_entries(doc, location):
                if self.read >= limits.max_entries:
                    log.add("har.entry-limit", f"more than {limits.max_entries} entries; only the first "
                            f"{limits.max_entries} read", location)
                    return
                entry = _entry(self.read, raw)
                self.read += 1
                if isinstance(entry, str):
                    log.add("har.bad-entry", entry, f"{location}#entry{self.read - 1}")
                else:
                    self.usable += 1
                    yield entry
        except JsonDamaged as exc:
            if not self.read:
                raise CorruptInput(f"{location}: HAR is not valid JSON: {str(exc)[:120]} (character {exc.offset})") from exc
            log.add("har.damaged", f"HAR is not valid JSON ({str(exc)[:80]} at character {exc.offset}); the "
                    f"{self.read} entries before the damage were read", location)


def _raw_entries(doc: JsonStream, location: str) -> Iterator[Any]:
    """Each value of the document's first ``log.entries`` array, every other member skipped; then the
    rest of the document, to its end. UnsupportedInput when there is no such array."""
    if doc.peek() != "{":
        doc.value()  # valid JSON that is not an object, or damage
        raise UnsupportedInput(f"{location}: JSON without a HAR log.entries list")
    found = False
    for key in doc.members():
        if key != "log" or doc.peek() != "{":
            doc.value()
            continue
        for name in doc.members():
            if name == "entries" and doc.peek() == "[" and not found:
                found = True
                yield from doc.elements()
            else:
                doc.value()
    if doc.peek():
        raise JsonDamaged("text after the log", doc.offset)
    if not found:
        raise UnsupportedInput(f"{location}: JSON without a HAR log.entries list")


def read_har(data: bytes, log: DiagnosticLog, location: str, limits: HarLimits = HarLimits()) -> list[HarEntry]:
    """Every usable entry of a HAR (or .zhar) log held in memory; see ``HarReader``."""
    return list(HarReader(io.BytesIO(data), log, location, limits))


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _size(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        return ()
    out: list[tuple[str, str]] = []
    for item in value:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            v = item.get("value")
            out.append((item["name"], v if isinstance(v, str) else str(v) if isinstance(v, (int, float)) else ""))
    return tuple(out)


def _time(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _entry(index: int, raw: Any) -> HarEntry | str:
    if not isinstance(raw, dict):
        return "entry is not an object"
    request = raw.get("request")
    if not isinstance(request, dict):
        return "entry without a request"
    method, url = _str(request.get("method")), _str(request.get("url"))
    if not method or not url:
        return "request without a method or URL"
    post = request.get("postData")
    post_data = None
    if isinstance(post, dict):
        post_data = HarPostData(_str(post.get("mimeType")) or None, _str(post.get("text")), _pairs(post.get("params")),
                                _str(post.get("encoding")))
    response = raw.get("response")
    if not isinstance(response, dict):
        response = {}
    content = response.get("content")
    if not isinstance(content, dict):
        content = {}
    response_body = _size(response.get("bodySize")) or _size(content.get("size"))
    connection = raw.get("connection")
    duration = raw.get("time")
    return HarEntry(
        index=index, started=_time(raw.get("startedDateTime")),
        duration_ms=float(duration) if isinstance(duration, (int, float)) and duration > 0 else 0.0,
        method=method, url=url, http_version=_str(request.get("httpVersion")) or "",
        headers=_pairs(request.get("headers")), post_data=post_data,
        server_ip=(_str(raw.get("serverIPAddress")) or "").strip("[]") or None,
        connection=str(connection) if isinstance(connection, (str, int)) and str(connection) else None,
        request_size=_size(request.get("headersSize")) + _size(request.get("bodySize")),
        response_size=_size(response.get("headersSize")) + response_body,
    )
