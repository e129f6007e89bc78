"""What a style sheet fetches and what it only mentions: ``url(…)`` and ``@import`` targets
apart from comments and the rest (selectors, property values), by CSS's tokens (CSS Syntax
Level 3, §4: comments, strings and url tokens)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Iterator, Literal

__all__ = ["CssPiece", "css_pieces"]

CssKind = Literal["load", "comment", "other"]

_TOKEN: Final = re.compile(
    r"/\*(?P<comment>[\s\S]*?)(?:\*/|\Z)"
    r"|url\(\s*(?:\"(?P<dq>[^\"\n]*)\"|'(?P<sq>[^'\n]*)'|(?P<bare>[^)\s\"']*))\s*\)"
    r"|@import\s+(?:\"(?P<idq>[^\"\n]*)\"|'(?P<isq>[^'\n]*)')",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class CssPiece:
    kind: CssKind
    """``load``: a URL the browser fetches; ``comment``; ``other``: the text between them."""
    text: str
    line: int
    """1-based line where the piece starts."""


def css_pieces(text: str) -> Iterator[CssPiece]:
    """The style sheet cut into its pieces, in order; ``other`` text comes one line at a time."""
    pos = 0
    line = 1

    def other(start: int, end: int) -> Iterator[CssPiece]:
        nonlocal line
        for offset, part in enumerate(text[start:end].split("\n")):
            if part.strip():
                yield CssPiece("other", part, line + offset)

    for m in _TOKEN.finditer(text):
        yield from other(pos, m.start())
        line += text.count("\n", pos, m.start())
        if m.group("comment") is not None:
            yield CssPiece("comment", m.group("comment"), line)
        else:
            url = next(g for g in (m.group(k) for k in ("dq", "sq", "bare", "idq", "isq")) if g is not None)
            yield CssPiece("load", url, line)
        line += text.count("\n", m.start(), m.end())
        pos = m.end()
    yield from other(pos, len(text))
