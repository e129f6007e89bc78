"""One HTTP request as a capture showed it, whatever the capture format.

Readers of pcap (cleartext HTTP/1.x), HAR and mitmproxy flow files all produce
these; the personal-data detectors read only these. Bodies are kept up to a
bound and flagged when cut, so a large upload is still seen as large.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["HttpRequest", "header_value"]


def header_value(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of header ``name`` among ``headers``, names compared case-insensitively; None when absent."""
    lowered = name.lower()
    for key, value in headers:
        if key.lower() == lowered:
            return value
    return None


@dataclass(frozen=True, slots=True)
class HttpRequest:
    flow: int
    """Index of the flow that carried it in ``CaptureReport.flows``."""
    time: float
    """Seconds since the Unix epoch when the request started."""
    method: str
    scheme: str
    """``http`` or ``https`` (HAR and mitmproxy see decrypted TLS)."""
    host: str | None
    """From the Host header (or the HAR/mitmproxy URL); None when absent."""
    path: str
    """The request target's path, without the query string."""
    query: str
    """The raw query string without the leading ``?``; empty when none."""
    headers: tuple[tuple[str, str], ...]
    """Header names and values in the order sent (names as sent, not case-folded)."""
    body: bytes
    """The request body after de-chunking and undoing its Content-Encoding (gzip/deflate), up to the reader's bound."""
    body_size: int
    """The whole body's size in bytes as transferred (de-chunked, still content-coded), even when ``body`` was cut."""
    body_truncated: bool
    """``body`` is not the whole body: cut at a bound, or the capture ended before the body did."""
    content_type: str | None
    source: str
    """Where it was read: ``pcap``, ``har`` or ``mitmproxy``."""
    frame: int | None = None
    """Frame number of the request's first packet (pcap only)."""
    entry: int | None = None
    """Index of the entry in the HAR log or of the flow in the mitmproxy file."""
    content_encoding: str | None = None
    """The Content-Encoding that was undone to give ``body`` (``gzip``, ``deflate``); None when ``body`` is as sent."""

    def header(self, name: str) -> str | None:
        """The first value of header ``name``, compared case-insensitively."""
        return header_value(self.headers, name)
