"""HAR 1.2 (HTTP Archive) logs: bytes -> the request side of each entry, tolerant of what exporters omit.

Browsers, Charles, Insomnia and mitmproxy all write HAR slightly differently:
a UTF-8 byte-order mark, missing ``postData`` text with only ``params``,
base64 bodies, ``-1`` for unknown sizes, a zlib-compressed ``.zhar``. Each
entry that lacks something usable is skipped and said so; the file is
rejected only when it isn't a HAR log at all.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from datatrail.errors import CorruptInput, LimitExceeded, UnsupportedInput
from datatrail.model.diagnostic import DiagnosticLog

__all__ = ["HarEntry", "HarPostData", "sniff_har", "read_har", "HarLimits"]

_BOM = b"\xef\xbb\xbf"


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
    if head.startswith(b"{") and b'"log"' in data[:1 << 20]:
        return "har"
    if len(data) >= 2 and data[0] == 0x78 and (data[0] << 8 | data[1]) % 31 == 0:
        try:
            start = zlib.decompressobj().decompress(data[:4096], 64)
        except zlib.error:
            return None
        if start.removeprefix(_BOM).lstrip().startswith(b"{"):
            return "zhar"
    return None


def _inflate(data: bytes, limits: HarLimits, location: str) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, limits.max_inflated)
    except zlib.error as exc:
        raise CorruptInput(f"{location}: compressed HAR is damaged: {exc}") from exc
    if inflater.unconsumed_tail:
        raise LimitExceeded(f"{location}: compressed HAR inflates past {limits.max_inflated} bytes")
    return out


def read_har(data: bytes, log: DiagnosticLog, location: str, limits: HarLimits = HarLimits()) -> list[HarEntry]:
    """Every usable entry of a HAR (or .zhar) log; raises UnsupportedInput / CorruptInput when it isn't one."""
    kind = sniff_har(data)
    if kind is None:
        raise UnsupportedInput(f"{location}: not a HAR log")
    if kind == "zhar":
        data = _inflate(data, limits, location)
    try:
        text = data.removeprefix(_BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorruptInput(f"{location}: HAR is not UTF-8 text") from exc
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        salvaged = _salvage(text)
        if not salvaged:
            raise CorruptInput(f"{location}: HAR is not valid JSON: {str(exc)[:120]}") from exc
        log.add("har.damaged", f"HAR is not valid JSON ({str(exc)[:80]}); the {len(salvaged)} entries before the "
                "damage were read", location)
        doc = {"log": {"entries": salvaged}}
    har_log = doc.get("log") if isinstance(doc, dict) else None
    entries = har_log.get("entries") if isinstance(har_log, dict) else None
    if not isinstance(entries, list):
        raise UnsupportedInput(f"{location}: JSON without a HAR log.entries list")
    if len(entries) > limits.max_entries:
        log.add("har.entry-limit", f"{len(entries)} entries; only the first {limits.max_entries} read", location)
    out: list[HarEntry] = []
    for index, raw in enumerate(entries[:limits.max_entries]):
        entry = _entry(index, raw)
        if isinstance(entry, str):
            log.add("har.bad-entry", entry, f"{location}#entry{index}")
        else:
            out.append(entry)
    return out


_ENTRIES = re.compile(r'"entries"\s*:\s*\[')


def _salvage(text: str) -> list[Any]:
    """The whole entries before the point where a cut or damaged HAR stops parsing."""
    found = _ENTRIES.search(text)
    if found is None:
        return []
    decoder = json.JSONDecoder()
    out: list[Any] = []
    pos = found.end()
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] != "{":
            return out
        try:
            entry, pos = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError):
            return out
        out.append(entry)


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
            out.append((item["name"], v if isinstance(v, str) else "" if v is None else str(v)))
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
