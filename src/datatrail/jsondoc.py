"""Read a small JSON document a user hands us (a baseline, a declared label): one set of clear errors."""

from __future__ import annotations

import json
from typing import Any

from datatrail.errors import CorruptInput, UnsupportedInput

__all__ = ["read_json_document"]


def read_json_document(text: str, location: str, expected_format: str, what: str) -> dict[str, Any]:
    """The parsed object; CorruptInput when it isn't JSON, UnsupportedInput when its ``format`` isn't ours."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorruptInput(f"{location}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    except RecursionError as exc:
        raise CorruptInput(f"{location}: JSON nested too deeply") from exc
    if not isinstance(doc, dict) or doc.get("format") != expected_format:
        raise UnsupportedInput(f"{location}: not {what} (expected \"format\": \"{expected_format}\")")
    return doc
