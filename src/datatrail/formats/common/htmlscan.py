"""The parts of an HTML page a scan for host names tells apart, found by the HTML tokenizer
(Python's ``html.parser``): URLs the page loads, links for people to follow, other attribute
values, text, comments, and the bodies of scripts, event handlers and style sheets (for their
own lexers).
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Final, Literal

__all__ = ["HtmlPiece", "html_pieces"]

HtmlKind = Literal["load", "link", "attr", "text", "comment", "script", "style"]

_LOADS: Final = {
    "src": frozenset({"script", "img", "iframe", "frame", "embed", "video", "audio", "source", "track", "input"}),
    "data-src": None,
    "srcset": frozenset({"img", "source"}),
    "poster": frozenset({"video"}),
    "data": frozenset({"object"}),
    "action": frozenset({"form"}),
    "formaction": frozenset({"button", "input"}),
    "manifest": frozenset({"html"}),
    "background": None,
}
"""Attributes whose URL the browser fetches by itself (None: on any element)."""
_LINK_LOADS: Final = frozenset({"stylesheet", "icon", "preload", "prefetch", "preconnect", "dns-prefetch", "modulepreload", "manifest", "apple-touch-icon", "shortcut"})
"""``<link rel>`` values that make the browser contact the ``href``."""
_MAX_PIECES: Final = 200_000


@dataclass(frozen=True, slots=True)
class HtmlPiece:
    kind: HtmlKind
    """``load``: a URL the page fetches (``script src``, ``img src``, ``link rel=stylesheet``,
    ``form action``); ``link``: a URL for people to follow (``a href``); ``attr``: another attribute
    value; ``text``; ``comment``; ``script`` / ``style``: an element's body or an event handler
    attribute (``onclick``), for its own lexer."""
    text: str
    line: int
    """1-based line where the piece starts."""
    where: str
    """``<tag attr>`` or ``<tag>``: the element it belongs to."""


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[HtmlPiece] = []
        self.open: list[str] = []

    def _add(self, kind: HtmlKind, text: str, where: str) -> None:
        if text.strip() and len(self.pieces) < _MAX_PIECES:
            self.pieces.append(HtmlPiece(kind, text, self.getpos()[0], where))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        rel = " ".join(v or "" for k, v in attrs if k == "rel").lower().split()
        for name, value in attrs:
            if not value:
                continue
            where = f"<{tag} {name}>"
            loads = _LOADS.get(name, frozenset())
            if name.startswith("on"):  # an event handler: a script, for the script lexer
                self._add("script", value, where)
            elif loads is None or tag in loads or (tag == "link" and name == "href" and _LINK_LOADS.intersection(rel)):
                self._add("load", value, where)
            elif name == "href":
                self._add("link", value, where)
            else:
                self._add("attr", value, where)
        if tag in ("script", "style"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open:
            self._add("script" if self.open[-1] == "script" else "style", data, f"<{self.open[-1]}>")
        else:
            self._add("text", data, "text")

    def handle_comment(self, data: str) -> None:
        self._add("comment", data, "<!-- -->")


def html_pieces(text: str) -> list[HtmlPiece]:
    """The page's pieces in document order (at most 200,000). Never raises on bad markup: the
    tokenizer recovers as browsers do."""
    collector = _Collector()
    collector.feed(text)
    collector.close()
    return collector.pieces
