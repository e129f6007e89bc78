"""A ``multipart/form-data`` upload read as it arrives: the part named ``file`` goes straight into
the store (hashed and counted on the way, as a whole-body upload is), the few small fields beside
it are kept, and everything is bounded.

Starlette's form parser would first spool the file to a temporary file, with a thread hop for each
chunk once it is past 1 MB, and the store would then read it back and write it again: twice the
writes, for the path most clients use (``curl -F file=@app.apk``). On 163 uploads that cost the
service 10% of its throughput against whole-body uploads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from datatrail.store.blobs import BlobWriter, TooLarge

__all__ = ["FormError", "Received", "receive_file", "MAX_PARTS", "MAX_FIELD", "MAX_HEADER", "MAX_BESIDES"]

MAX_PARTS = 16
"""Parts a form may have (the file and its fields)."""
MAX_FIELD = 64 * 1024
"""Bytes in one field other than the file (a token, a flag)."""
MAX_HEADER = 4096
"""Bytes of one header line of a part (the parser counts them, and at most 8 headers a part)."""
MAX_BESIDES = MAX_PARTS * (MAX_FIELD + 8 * MAX_HEADER + 1024)
"""Bytes of a form besides its file: the fields, headers and boundaries a legal form can hold.
It also bounds what the parser reads one byte at a time in Python (padding after a boundary,
0.25 s a MB), and an endless epilogue."""

_SLICE = 64 * 1024


class FormError(Exception):
    """The body is not a form this service reads (a 400)."""


@dataclass
class Received:
    """What a form carried: the file, written but not yet committed (``writer``; None when no
    part named ``file`` had a file name), its name as the client gave it, and the other fields."""

    writer: BlobWriter | None = None
    filename: str | None = None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    header_name: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    name: str | None = None
    data: bytearray = field(default_factory=bytearray)
    to_file: bool = False


class _Reader:
    """The parser's callbacks: one part at a time, the file part into ``open_writer``'s writer."""

    def __init__(self, open_writer: Callable[[str], BlobWriter]) -> None:
        self.open_writer = open_writer
        self.received = Received()
        self.part = _Part()
        self.parts = 0
        self.file_ended = False

    def written(self) -> int:
        """Bytes of the file so far."""
        return self.received.writer.size if self.received.writer is not None else 0

    def part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise FormError(f"more than {MAX_PARTS} parts")
        self.part = _Part()

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.part.header_name += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self.part.header_value += data[start:end]

    def header_end(self) -> None:
        self.part.headers[bytes(self.part.header_name).strip().lower()] = bytes(self.part.header_value).strip()
        self.part.header_name, self.part.header_value = bytearray(), bytearray()

    def headers_finished(self) -> None:
        disposition, options = parse_options_header(self.part.headers.get(b"content-disposition", b""))
        if disposition != b"form-data" or b"name" not in options:
            raise FormError("a part has no Content-Disposition: form-data with a name")
        self.part.name = options[b"name"].decode("utf-8", "replace")
        if self.part.name == "file" and b"filename" in options:
            if self.received.writer is not None:
                raise FormError("more than one file")
            self.received.filename = options[b"filename"].decode("utf-8", "replace")
            self.received.writer = self.open_writer(self.received.filename or "upload")
            self.part.to_file = True

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.part.to_file:
            assert self.received.writer is not None
            self.received.writer.write(data[start:end])  # TooLarge past the store's limit
            return
        if len(self.part.data) + end - start > MAX_FIELD:
            raise FormError(f"the field {self.part.name!r} is longer than {MAX_FIELD:,} bytes")
        self.part.data += data[start:end]

    def part_end(self) -> None:
        if self.part.to_file:
            self.file_ended = True
        elif self.part.name is not None:
            self.received.fields.setdefault(self.part.name, self.part.data.decode("utf-8", "replace"))


async def receive_file(request: Request, open_writer: Callable[[str], BlobWriter]) -> Received:
    """Read the request's form; the file part is written to ``open_writer(filename)``. Raises
    ``FormError`` for a body that is not a well-formed form or a client that went away (the
    file written so far removed), ``TooLarge`` from the writer, or for more than
    ``MAX_BESIDES`` bytes besides the file. The caller commits ``writer`` in a ``with`` block."""
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if kind == b"application/x-www-form-urlencoded":
        return Received()  # a form of fields only: no file in it
    if kind != b"multipart/form-data" or not boundary:
        raise FormError("not multipart/form-data with a boundary")
    reader = _Reader(open_writer)
    callbacks = {"on_part_begin": reader.part_begin, "on_header_field": reader.header_field,
                 "on_header_value": reader.header_value, "on_header_end": reader.header_end,
                 "on_headers_finished": reader.headers_finished, "on_part_data": reader.part_data,
                 "on_part_end": reader.part_end}
    try:
        parser = MultipartParser(boundary, callbacks, max_header_size=MAX_HEADER)  # type: ignore[arg-type]
        fed = 0
        async for chunk in request.stream():
            for at in range(0, len(chunk), _SLICE):  # the budget checked every slice, however the server chunks the body
                piece = chunk[at:at + _SLICE]
                parser.write(piece)
                fed += len(piece)
                if fed - reader.written() > MAX_BESIDES:
                    raise TooLarge(f"the form carries more than {MAX_BESIDES:,} bytes besides its file")
        parser.finalize()
        if reader.received.writer is not None and not reader.file_ended:
            raise FormError("the body ends inside the file")
    except BaseException as exc:
        if reader.received.writer is not None:
            reader.received.writer.__exit__(None, None, None)  # the partial file goes
        if isinstance(exc, FormParserError):  # the parser's own errors, a boundary it refuses included
            raise FormError(str(exc) or type(exc).__name__) from None
        if isinstance(exc, ClientDisconnect):
            raise FormError("the client went away before the end of the body") from None
        raise
    return reader.received
