"""Read a document a user hands us (a baseline, a declared label, a saved report): one set of clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from datatrail.errors import CorruptInput, LimitExceeded, UnsupportedInput
from datatrail.formats.common.regular import open_regular

__all__ = ["read_limited", "read_text", "parse_json", "read_json_document"]


def read_limited(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; UnsupportedInput when it cannot be read, LimitExceeded past ``max_bytes``."""
    try:
        with open_regular(path) as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise UnsupportedInput(f"{path}: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise LimitExceeded(f"{path}: larger than {max_bytes} bytes")
    return data


def read_text(path: Path, max_bytes: int) -> str:
    """``read_limited`` as UTF-8 text; CorruptInput when it is not."""
    try:
        return read_limited(path, max_bytes).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorruptInput(f"{path}: not UTF-8 text") from exc


def parse_json(text: str, location: str) -> Any:
    """``json.loads``; CorruptInput when it isn't JSON or nests too deeply."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorruptInput(f"{location}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    except RecursionError as exc:
        raise CorruptInput(f"{location}: JSON nested too deeply") from exc


def read_json_document(text: str, location: str, expected_format: str, what: str) -> dict[str, Any]:
    """The parsed object; CorruptInput when it isn't JSON, UnsupportedInput when its ``format`` isn't ours."""
    doc = parse_json(text, location)
    if not isinstance(doc, dict) or doc.get("format") != expected_format:
        raise UnsupportedInput(f"{location}: not {what} (expected \"format\": \"{expected_format}\")")
    return doc
