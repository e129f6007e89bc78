"""Undo a request body's Content-Encoding (gzip, deflate), never inflating past a bound.

A compressed body is what the app chose to hide from a casual look; the
personal-data search must see the decoded bytes. A small body can inflate to
gigabytes, so output is capped and the cut is reported, not followed.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

__all__ = ["Decoded", "decode_content"]

_DECODABLE = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


@dataclass(frozen=True, slots=True)
class Decoded:
    body: bytes
    encoding: str | None
    """The coding that was undone, or None when the body is as sent."""
    truncated: bool
    """Decoding stopped at the output bound or at the end of a cut input."""
    error: str | None = None
    """Why a declared coding could not be undone (the body is then kept as sent)."""


def decode_content(body: bytes, content_encoding: str | None, max_output: int) -> Decoded:
    """body decoded per its Content-Encoding header value; unknown codings leave it as sent with an error."""
    if not content_encoding:
        return Decoded(body, None, False)
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return Decoded(body, None, False)
    if len(codings) > 1:
        return Decoded(body, None, False, f"stacked content codings {content_encoding!r} not decoded")
    coding = codings[0]
    if coding not in _DECODABLE:
        return Decoded(body, None, False, f"content coding {coding!r} not decoded")
    if not body:
        return Decoded(body, coding, False)
    out, complete, error = _inflate(body, _DECODABLE[coding], max_output)
    if error is not None and coding == "deflate":
        # "deflate" is specified as a zlib stream, but some senders ship raw deflate: try that before giving up.
        raw_out, raw_complete, raw_error = _inflate(body, -zlib.MAX_WBITS, max_output)
        if raw_error is None:
            out, complete, error = raw_out, raw_complete, None
    if error is not None and not out:
        return Decoded(body, None, False, f"{coding} body could not be decoded: {error}")
    return Decoded(out, coding, not complete, f"{coding} body damaged: {error}" if error else None)


def _inflate(data: bytes, wbits: int, max_output: int) -> tuple[bytes, bool, str | None]:
    """(output, reached the stream's end, error) with output at most max_output bytes."""
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(data, max_output)
    except zlib.error as exc:
        return b"", False, str(exc)
    if inflater.unconsumed_tail:
        return out, False, None  # stopped at the bound
    return out, inflater.eof, None
