"""Building HTML safely: every string is escaped unless it is already :class:`Markup`.

App strings (labels, hosts, class names, certificate subjects) are written by whoever
built the package and must come out inert. Building the page only through :func:`el`
means no call site can forget to escape: plain ``str`` children and every attribute
value are escaped here, once. Invisible controls are written out as ``[U+202E]``: a
right-to-left override or a terminal escape in a label cannot disguise what it says.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from datatrail.report.visible import visible

__all__ = ["MAX_TEXT", "Markup", "esc", "el", "join", "plural", "visible"]


class Markup(str):
    """Text that already is HTML (built by :func:`el` or :func:`esc`); never escaped again."""

    __slots__ = ()


MAX_TEXT = 4000
"""Longest text child kept: package strings are attacker-controlled, the page must stay small."""

_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "col", "wbr"})


def esc(value: object) -> Markup:
    """``value`` as HTML text, its invisible controls written out; quotes are escaped too, so it is safe in attributes."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(visible(str(value)), quote=True))


def _text(child: Markup | str | int) -> Markup:
    if isinstance(child, str) and not isinstance(child, Markup) and len(child) > MAX_TEXT:
        child = child[:MAX_TEXT] + f"… ({len(child) - MAX_TEXT:,} more characters)"
    return esc(child)


def _attr_name(key: str) -> str:
    # class_ -> class, data_cc -> data-cc, stroke_width -> stroke-width; viewBox stays as written.
    return key.rstrip("_").replace("_", "-")


def el(tag: str, *children: Markup | str | int | None, **attrs: str | int | float | bool | None) -> Markup:
    """``<tag attrs>children</tag>``; None children and None/False attributes are left out."""
    parts = [f"<{tag}"]
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        name = _attr_name(key)
        parts.append(f" {name}" if value is True else f' {name}="{esc(value)}"')
    parts.append(">")
    if tag in _VOID:
        return Markup("".join(parts))
    parts.extend(_text(child) for child in children if child is not None)
    parts.append(f"</{tag}>")
    return Markup("".join(parts))


def join(children: Iterable[Markup | str | int | None], separator: str = "") -> Markup:
    """Children side by side (escaped as needed), with an optional plain-text separator."""
    return Markup(esc(separator).join(esc(child) for child in children if child is not None))


def plural(count: int, word: str, many: str | None = None) -> str:
    """``"1 host"``, ``"3 hosts"``; ``many`` for irregular plurals."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"
