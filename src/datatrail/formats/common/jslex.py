"""The string literals, template text and comments of a JavaScript source, found by its lexical
grammar (ECMAScript §12): what a scan for host names needs from a script, and nothing else.

Identifiers, member chains (``e.prototype.call``), numbers, punctuators and regular-expression
literals are skipped as the tokens they are, so none of them is ever read as a host. A ``/``
starts a regular expression where the grammar expects an expression (after an operator, an
opening bracket, a comma or a keyword such as ``return``) and is a division after a value (an
identifier, a number, a literal or a closing bracket); that is the usual one-token look-behind,
exact for every script that does not end a block statement right before a regular expression.

Template literals nest (``${`` … ``}`` may hold templates of its own); their text parts are
reported one by one. Unterminated literals and comments end at the end of the source (a
truncated bundle still yields what it holds). Escapes in strings are decoded as far as host
names care (``\\/``, ``\\xNN``, ``\\uNNNN``, ``\\u{…}``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Iterator, Literal

__all__ = ["JsPiece", "js_pieces"]

PieceKind = Literal["string", "template", "comment"]


@dataclass(frozen=True, slots=True)
class JsPiece:
    kind: PieceKind
    text: str
    """The literal's value (escapes decoded) or the comment's text, without delimiters."""
    line: int
    """1-based line where the piece starts."""


_PLAIN: Final = re.compile(r"[^\"'`/]+")
_PLAIN_IN_TEMPLATE: Final = re.compile(r"[^\"'`/{}]+")
"""Runs with nothing to report: outside templates braces do not matter."""
_STRING: Final = {q: re.compile(q + r"((?:[^" + q + r"\\\n]|\\(?:\r\n|[\s\S]))*)(" + q + r")?") for q in "\"'"}
_TEMPLATE_TEXT: Final = re.compile(r"((?:[^`\\$]|\\[\s\S]|\$(?!\{))*)(`|\$\{)?")
_REGEX: Final = re.compile(r"/(?![*/])(?:[^/\\\[\n]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[A-Za-z]*")
_LINE_END: Final = re.compile(r"[\n\r\u2028\u2029]")
_LAST_WORD: Final = re.compile(r"([A-Za-z_$][\w$]*)\s*$")
_KEYWORDS_BEFORE_EXPRESSION: Final = frozenset({
    "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do",
    "else", "yield", "await",
})
_ESCAPE: Final = re.compile(r"\\(u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])")
_SIMPLE_ESCAPES: Final = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _unescape_one(m: re.Match[str]) -> str:
    body = m.group(1)
    if body[0] == "u" and len(body) > 1:
        code = int(body[2:-1] if body[1] == "{" else body[1:], 16)
        return chr(code) if code <= 0x10FFFF else ""
    if body[0] == "x" and len(body) == 3:
        return chr(int(body[1:], 16))
    if body in ("\n", "\r\n", "\r", "\u2028", "\u2029"):
        return ""  # a line continuation
    return _SIMPLE_ESCAPES.get(body, body)


def _unescape(text: str) -> str:
    return _ESCAPE.sub(_unescape_one, text) if "\\" in text else text


def _regex_allowed(src: str, pos: int) -> bool:
    """Whether a ``/`` at ``pos`` starts a regular expression: the last token before it decides."""
    i = pos - 1
    while i >= 0 and src[i] in " \t\r\n\u00a0\ufeff":
        i -= 1
    if i < 0:
        return True
    c = src[i]
    if c in ")]}\"'`":
        return False
    if c.isalnum() or c in "_$":
        word = _LAST_WORD.search(src, max(0, i - 16), i + 1)
        return word is not None and word.group(1) in _KEYWORDS_BEFORE_EXPRESSION
    return True


class _Lines:
    """Line numbers of offsets visited in increasing order, counted once."""

    def __init__(self, src: str) -> None:
        self.src = src
        self.pos = 0
        self.line = 1

    def at(self, pos: int) -> int:
        if pos > self.pos:
            self.line += self.src.count("\n", self.pos, pos)
            self.pos = pos
        return self.line


def js_pieces(src: str) -> Iterator[JsPiece]:
    """Every string literal, template text part and comment of ``src``, in source order."""
    n = len(src)
    lines = _Lines(src)
    depths: list[int] = []
    """Open ``${`` substitutions, innermost last: braces opened inside each."""
    pos = 0

    def template_text(start: int) -> Iterator[JsPiece]:
        nonlocal pos
        m = _TEMPLATE_TEXT.match(src, start)
        assert m is not None  # the pattern matches the empty string
        if m.group(1):
            yield JsPiece("template", _unescape(m.group(1)), lines.at(start))
        pos = m.end()
        if m.group(2) == "${":
            depths.append(0)

    while pos < n:
        m = (_PLAIN_IN_TEMPLATE if depths else _PLAIN).match(src, pos)
        if m is not None:
            pos = m.end()
            continue
        c = src[pos]
        if c == '"' or c == "'":
            s = _STRING[c].match(src, pos)
            assert s is not None
            yield JsPiece("string", _unescape(s.group(1)), lines.at(pos))
            pos = s.end()
        elif c == "`":
            yield from template_text(pos + 1)
        elif c == "{":
            depths[-1] += 1
            pos += 1
        elif c == "}":
            if depths[-1] == 0:
                depths.pop()
                yield from template_text(pos + 1)
            else:
                depths[-1] -= 1
                pos += 1
        else:  # "/"
            nxt = src[pos + 1 : pos + 2]
            if nxt == "/":
                line_end = _LINE_END.search(src, pos)
                end = n if line_end is None else line_end.start()
                yield JsPiece("comment", src[pos + 2 : end], lines.at(pos))
                pos = end
            elif nxt == "*":
                end = src.find("*/", pos + 2)
                stop = n if end < 0 else end
                yield JsPiece("comment", src[pos + 2 : stop], lines.at(pos))
                pos = n if end < 0 else end + 2
            elif _regex_allowed(src, pos) and (r := _REGEX.match(src, pos)) is not None:
                pos = r.end()
            else:
                pos += 1
