"""Invisible characters made visible: one rule for every renderer that shows an app's or a capture's strings.

Labels, hosts, class names, certificate subjects, HTTP values and file names are
written by whoever built the input. A terminal escape (``ESC ]0;…BEL``, ``ESC [2J``),
a NUL, or a right-to-left override in one of them could retitle or clear the
reader's terminal, or make a string read as something else. So each control and
bidirectional formatting character is written out as ``[U+001B]``, in the HTML
page and in the terminal alike. Tabs and line ends are kept.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeVar

__all__ = ["visible", "visible_tree"]

_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""C0/C1 controls but tab and line ends, and the bidirectional marks, embeddings, overrides and isolates."""

T = TypeVar("T")


def visible(text: str) -> str:
    """``text`` with its invisible controls written out (``[U+202E]``); ``text`` itself when it has none."""
    if text.isprintable():  # the common case, checked in C: no control or format character at all
        return text
    return _CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def visible_tree(value: T) -> T:
    """``value`` (a report, a part of one) with ``visible`` applied to every string inside it:
    dataclasses, tuples, lists and dicts are rebuilt only where a string changed."""
    return _visible(value)  # type: ignore[no-any-return]


def _visible(value: Any) -> Any:
    if isinstance(value, str):
        return visible(value)  # an Enum member's value is printable: returned as it is
    if isinstance(value, tuple):
        items = tuple(_visible(v) for v in value)
        if all(a is b for a, b in zip(items, value)):
            return value
        return type(value)(*items) if hasattr(value, "_fields") else items
    if isinstance(value, list):
        return [_visible(v) for v in value]
    if isinstance(value, dict):
        return {_visible(k): _visible(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            if not f.init:
                continue
            old = getattr(value, f.name)
            new = _visible(old)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value
