"""Property lists (XML and binary) read through the standard library, bounded.

``plistlib`` does the decoding; this module adds what hostile input needs: a
size cap before anything is parsed, one error type (:class:`CorruptInput`) for
every way a document can be malformed, and a converter that turns the values
plistlib returns (``bytes``, ``datetime``, ``UID``) into JSON-safe ones.
Entity declarations in XML plists are refused by plistlib itself, so entity
expansion bombs cannot grow; binary plists that refer to themselves end in a
recursion error, reported like any other corruption.
"""

from __future__ import annotations

import plistlib
import struct
import xml.parsers.expat
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from datatrail.errors import CorruptInput, LimitExceeded

__all__ = ["MAX_PLIST_SIZE", "is_plist", "parse_plist", "parse_plist_dict", "jsonable"]

MAX_PLIST_SIZE = 16 << 20
"""Largest plist parsed (16 MiB): real Info.plists and privacy manifests are kilobytes."""

_MAX_JSON_DEPTH = 32
_MAX_JSON_ITEMS = 10_000
_BINARY_MAGIC = b"bplist00"


def is_plist(head: bytes) -> bool:
    """True for a binary plist or an XML document that declares a plist near its start."""
    if head.startswith(_BINARY_MAGIC):
        return True
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:512]
    if text.startswith(b"<?xml"):
        return b"<plist" in text or b"DOCTYPE plist" in text
    return text.startswith(b"<plist")


def parse_plist(data: bytes | memoryview, location: str, max_size: int = MAX_PLIST_SIZE) -> Any:
    """The top-level value of a plist; raises CorruptInput (LimitExceeded when too big)."""
    if len(data) > max_size:
        raise LimitExceeded(f"{location}: property list of {len(data)} bytes exceeds the {max_size}-byte limit")
    raw = bytes(data)
    if not raw.strip():
        raise CorruptInput(f"{location}: property list is empty")
    try:
        return plistlib.loads(raw)
    except RecursionError as exc:
        raise CorruptInput(f"{location}: property list nests too deeply or refers to itself") from exc
    except MemoryError as exc:
        raise LimitExceeded(f"{location}: property list asks for more memory than it can have") from exc
    except (
        plistlib.InvalidFileException,
        xml.parsers.expat.ExpatError,
        ValueError,
        TypeError,
        LookupError,  # KeyError and IndexError from the binary reader; an unknown XML encoding ("UTF-4") from expat
        OverflowError,
        struct.error,
        AttributeError,
    ) as exc:
        raise CorruptInput(f"{location}: not a readable property list ({type(exc).__name__}: {exc})") from exc


def parse_plist_dict(data: bytes | memoryview, location: str, max_size: int = MAX_PLIST_SIZE) -> dict[str, Any]:
    """A plist whose top level must be a dictionary (Info.plist, privacy manifests, profiles)."""
    value = parse_plist(data, location, max_size)
    if not isinstance(value, dict):
        raise CorruptInput(f"{location}: property list holds a {type(value).__name__}, not a dictionary")
    return value


class _Budget:
    __slots__ = ("left",)

    def __init__(self, items: int) -> None:
        self.left = items


def _convert(value: Any, depth: int, budget: _Budget) -> Any:
    budget.left -= 1
    if budget.left < 0 or depth > _MAX_JSON_DEPTH:
        return "…"
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, bytes | bytearray):
        return "hex:" + bytes(value[:256]).hex()
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, plistlib.UID):
        return value.data
    if isinstance(value, Mapping):
        return {str(k): _convert(v, depth + 1, budget) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_convert(v, depth + 1, budget) for v in value]
    return str(value)


def jsonable(value: Any) -> Any:
    """A JSON-safe copy: data as ``hex:...`` (first 256 bytes), dates as ISO 8601 UTC, bounded in size."""
    return _convert(value, 0, _Budget(_MAX_JSON_ITEMS))
