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

import bisect
import re
from dataclasses import dataclass, field
from typing import Final, Iterator, Literal

__all__ = ["JsPiece", "JsScript", "js_pieces"]

PieceKind = Literal["string", "template", "comment"]


@dataclass(frozen=True, slots=True)
class JsPiece:
    kind: PieceKind
    text: str
    """The literal's value (escapes decoded) or the comment's text, without delimiters."""
    line: int
    """1-based line where the piece starts."""
    start: int = field(default=-1, compare=False)
    """Offset of the token in the source (its opening quote, ``//``, or the template part's
    first character)."""
    end: int = field(default=-1, compare=False)
    """Offset just after the token."""


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


def js_pieces(src: str, regexes: list[tuple[int, int]] | None = None) -> Iterator[JsPiece]:
    """Every string literal, template text part and comment of ``src``, in source order; the
    spans of regular-expression literals go to ``regexes`` when given."""
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
            yield JsPiece("template", _unescape(m.group(1)), lines.at(start), start, m.end(1))
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
            yield JsPiece("string", _unescape(s.group(1)), lines.at(pos), pos, s.end())
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
                yield JsPiece("comment", src[pos + 2 : end], lines.at(pos), pos, end)
                pos = end
            elif nxt == "*":
                end = src.find("*/", pos + 2)
                stop = n if end < 0 else end
                yield JsPiece("comment", src[pos + 2 : stop], lines.at(pos), pos, n if end < 0 else end + 2)
                pos = n if end < 0 else end + 2
            elif _regex_allowed(src, pos) and (r := _REGEX.match(src, pos)) is not None:
                if regexes is not None:
                    regexes.append((pos, r.end()))
                pos = r.end()
            else:
                pos += 1


_CALL_WINDOW: Final = 4000
"""Characters looked back from a literal for the call it is an argument of."""
_CALLEE: Final = re.compile(r"[A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*\s*$")
_NOT_CALLS: Final = frozenset({"if", "while", "for", "switch", "catch", "with", "function"})
"""Words before a ``(`` that opens a condition or a function's parameters, not a call."""
_BEFORE_GROUPING: Final = frozenset({
    "return", "typeof", "void", "delete", "in", "of", "instanceof", "case", "do", "else", "throw", "yield",
    "await", "new",
})
"""Words before a ``(`` that opens a parenthesised expression."""
_SPACE: Final = " \t\r\n\u00a0\ufeff"
_GROUPING: Final = "("
"""Said of a ``(`` that groups an expression rather than calling."""


class JsScript:
    """A script's pieces (:func:`js_pieces`) and, for each literal, the call it is an argument of."""

    def __init__(self, src: str) -> None:
        self.src = src
        regexes: list[tuple[int, int]] = []
        self.pieces = list(js_pieces(src, regexes))
        spans = sorted([(p.start, p.end) for p in self.pieces] + regexes)
        self._starts = [a for a, _ in spans]
        self._ends = [b for _, b in spans]

    def call_of(self, index: int) -> str | None:
        """The dotted name of the call whose arguments hold piece ``index`` - directly, or in an
        expression of them (``console.log("x " + v)``, ``f(a, c ? "x" : y)``) - read back from
        it over the tokens between; None inside an array or object literal, a function body, a
        condition, a statement of its own, or when the callee is not a name (``f()("x")``). A
        method called on something not a name keeps its dotted tail after a ``.``
        (``$(x).css("display")`` is ``.css``)."""
        piece = self.pieces[index]
        if piece.kind == "comment" or piece.start < 0:
            return None
        src, starts, ends = self.src, self._starts, self._ends
        k = bisect.bisect_left(starts, piece.start) - 1
        depth = {")": 0, "]": 0, "}": 0}
        i = piece.start - 1
        stop = max(0, piece.start - _CALL_WINDOW)
        while i >= stop:
            while k >= 0 and ends[k] > i:  # inside a literal, comment or regex: skip it whole
                if starts[k] <= i:
                    i = starts[k] - 1
                k -= 1
            if i < stop:
                break
            c = src[i]
            if c in ")]}":
                depth[c] += 1
            elif c == "(":
                if depth[")"] == 0:
                    callee = self._callee(i)
                    if callee is not _GROUPING:
                        return callee
                else:
                    depth[")"] -= 1
            elif c == "[":
                if depth["]"] == 0:
                    return None
                depth["]"] -= 1
            elif c == "{":
                if depth["}"] == 0:
                    return None
                depth["}"] -= 1
            elif c == ";" and not any(depth.values()):
                return None
            i -= 1
        return None

    def _callee(self, paren: int) -> str | None:
        """The call a ``(`` opens; :data:`_GROUPING` for a parenthesised expression (look further
        out); None for a condition, a function's parameters, or a callee that is not a name."""
        src = self.src
        lo = max(0, paren - 200)
        k = bisect.bisect_left(self._ends, paren) - 1  # a comment or literal just before: not part of it
        if k >= 0 and self._ends[k] > lo:
            lo = self._ends[k]
        m = _CALLEE.search(src, lo, paren)
        if m is None:
            j = paren - 1
            while j >= lo and src[j] in _SPACE:
                j -= 1
            return None if j >= lo and src[j] in ")]" else _GROUPING
        name = re.sub(r"\s+", "", m.group(0))
        last = name.rsplit(".", 1)[-1]
        if last in _NOT_CALLS:
            return None
        if last in _BEFORE_GROUPING:
            return _GROUPING
        j = m.start() - 1
        while j >= lo and src[j] in _SPACE:
            j -= 1
        before = src[j] if j >= lo else ""
        if before == ".":  # a method of something not a name: a call's result, an index
            return "." + name
        if before and (before.isalnum() or before in "_$"):
            word = _LAST_WORD.search(src, max(lo, j - 16), j + 1)
            if word is not None and word.group(1) == "function":
                return None  # function f(a = "x"): a parameter's default
        return name
