"""A JSON document read from a stream one value at a time: memory grows with the largest value, not the file.

Big JSON logs (a HAR of 200,000 requests) are a list of small records inside
an object or two. ``JsonStream`` walks the outer containers itself, token by
token, and hands each inner value to the standard library's C decoder
(``raw_decode``) as soon as the buffered text holds all of it. Only that value
and a window of text are ever held. Nesting deeper than Python's recursion
limit inside one value, text that is not UTF-8 and damaged JSON all end in
``JsonDamaged`` at the place they are met, after everything before them was
handed out.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import Any

from datatrail.formats.common.readable import Readable

__all__ = ["JsonDamaged", "JsonStream"]

_CHUNK = 1 << 20
_WHITESPACE = " \t\r\n"
_NUMBER_TAIL = re.compile(r"[0-9.eE+-]*\Z")
_CUT_NEAR_END = 16
"""An error this close to the window's end may be a cut literal or escape (``tru``, ``\\u00``)."""


class JsonDamaged(Exception):
    """The document stops being JSON here (``offset`` counts characters from its start)."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class JsonStream:
    """Tokens of the outer structure and whole inner values, read from a binary stream of UTF-8.

    A leading byte-order mark is skipped. ``members()`` and ``elements()``
    walk one object or array; within them, ``value()`` decodes the next value
    whole and ``peek()`` says which kind comes next without reading it.
    """

    def __init__(self, stream: Readable, chunk: int = _CHUNK) -> None:
        self._stream = stream
        self._chunk = chunk
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._json = json.JSONDecoder()
        self._buf = ""
        self._pos = 0
        self._dropped = 0  # characters before the buffer's start
        self._eof = False
        self._started = False

    @property
    def offset(self) -> int:
        """Characters read up to the current position."""
        return self._dropped + self._pos

    def _fill(self, at_least: int = 0) -> bool:
        """Append the next chunk of text (``at_least`` bytes of it); False at the end of the stream."""
        if self._eof:
            return False
        raw = self._stream.read(max(self._chunk, at_least))
        try:
            text = self._decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            raise JsonDamaged("not UTF-8 text", self.offset) from exc
        if not raw:
            self._eof = True
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        if self._pos > len(self._buf) // 2:  # forget what was consumed: the window stays small
            self._dropped += self._pos
            self._buf = self._buf[self._pos:]
            self._pos = 0
        self._buf += text
        return bool(raw)

    def peek(self) -> str:
        """The next character that is not whitespace, not consumed; "" at the end."""
        while True:
            buf, pos = self._buf, self._pos
            while pos < len(buf) and buf[pos] in _WHITESPACE:
                pos += 1
            self._pos = pos
            if pos < len(buf):
                return buf[pos]
            if not self._fill():
                return ""

    def expect(self, char: str) -> None:
        found = self.peek()
        if found != char:
            raise JsonDamaged(f"expected {char!r}, found {found!r}" if found else f"expected {char!r}, found the end",
                              self.offset)
        self._pos += 1

    def value(self) -> Any:
        """The next value, decoded whole by the C decoder once the window holds all of it."""
        if not self.peek():
            raise JsonDamaged("expected a value, found the end", self.offset)
        while True:
            try:
                value, end = self._json.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                # Cut by the window's end (a literal, an escape or a string that more text may
                # finish), or damaged where it says. The window at least doubles each time, so a
                # large value is decoded a few times, not once per chunk.
                if not self._eof and (exc.pos >= len(self._buf) - _CUT_NEAR_END or exc.msg.startswith("Unterminated string")):
                    self._fill(len(self._buf) - self._pos)
                    continue
                raise JsonDamaged(exc.msg, self._dropped + exc.pos) from None
            except RecursionError:
                raise JsonDamaged("nested too deeply", self.offset) from None
            if not self._eof and isinstance(value, (int, float)) and _NUMBER_TAIL.match(self._buf, end):
                self._fill()  # a number at the window's end ("1", "1.", "1e-") may go on in the next chunk
                continue
            self._pos = end
            return value

    def members(self) -> Iterator[str]:
        """The keys of the object that comes next; after each, the caller reads or skips its value."""
        self.expect("{")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            if self.peek() != '"':
                raise JsonDamaged("expected a key", self.offset)
            key = self.value()
            self.expect(":")
            yield key
            follow = self.peek()
            if follow not in (",", "}"):
                raise JsonDamaged(f"expected ',' or '}}', found {follow!r}" if follow else "object cut short", self.offset)
            self._pos += 1
            if follow == "}":
                return

    def elements(self) -> Iterator[Any]:
        """The values of the array that comes next, each decoded whole."""
        self.expect("[")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            value = self.value()
            follow = self.peek()
            if follow not in (",", "]"):
                damage = JsonDamaged(f"expected ',' or ']', found {follow!r}" if follow else "array cut short", self.offset)
                if isinstance(value, (int, float)):
                    raise damage  # a number cut short would read as a smaller one: never handed out
                yield value
                raise damage
            self._pos += 1
            yield value
            if follow == "]":
                return
