"""Text files bundled in an app, scanned for hosts by their own format: scripts by the
JavaScript lexer, pages by the HTML tokenizer, style sheets by CSS's tokens, configs line by
line with comments told apart, and documents (``.txt``, ``.md``) as text for people.

Each format says what it can of a mention's role (see ``datatrail.app.shared.mention_role``):
a script's comment, a page's ``<a href>`` or text, a style sheet's selector, a string a script
logs, shows in a dialog or opens in the system browser are references; another string literal, a page's ``<script src>``, a style sheet's ``url()`` are judged by the
text around the mention, like any string constant.
"""

from __future__ import annotations

from typing import Final

from datatrail.app.shared.mention_role import ENDPOINT, REFERENCE, RoleHint, comment_line
from datatrail.app.shared.strings import StringScan
from datatrail.formats.common.csslex import css_pieces
from datatrail.formats.common.htmlscan import HtmlPiece, html_pieces
from datatrail.formats.common.jslex import JsScript
from datatrail.knowledge.script_sinks import CONSOLE_STYLING, people_call

__all__ = ["scan_text_file", "SCRIPT_EXTENSIONS", "PAGE_EXTENSIONS", "STYLE_EXTENSIONS", "DOCUMENT_EXTENSIONS"]

SCRIPT_EXTENSIONS: Final = frozenset({"js", "mjs", "cjs", "jsbundle", "bundle"})
PAGE_EXTENSIONS: Final = frozenset({"html", "htm", "xhtml"})
STYLE_EXTENSIONS: Final = frozenset({"css"})
DOCUMENT_EXTENSIONS: Final = frozenset({"txt", "md", "markdown", "rst"})

_SCRIPT_COMMENT: Final = RoleHint(REFERENCE, "in a script comment")
_CONSOLE_TEXT: Final = RoleHint(REFERENCE, "console output (a string styled with %c)")
_PAGE_LINK: Final = RoleHint(REFERENCE, "a link on a bundled page, for people to follow")
_PAGE_TEXT: Final = RoleHint(REFERENCE, "in a bundled page's text")
_PAGE_COMMENT: Final = RoleHint(REFERENCE, "in a bundled page's comment")
_PAGE_LOAD: Final = RoleHint(ENDPOINT, "loaded by a bundled page")
_STYLE_LOAD: Final = RoleHint(ENDPOINT, "loaded by a bundled style sheet (url())")
_STYLE_OTHER: Final = RoleHint(REFERENCE, "named in a style sheet's selector or value")
_STYLE_COMMENT: Final = RoleHint(REFERENCE, "in a style sheet comment")
_DOCUMENT: Final = RoleHint(REFERENCE, "in a bundled document for people to read")
_CONFIG_COMMENT: Final = RoleHint(REFERENCE, "in a comment")


def _extension(name: str) -> str:
    return name.rsplit("/", 1)[-1].rpartition(".")[2].lower()


def _script_hint(script: JsScript, i: int) -> RoleHint | None:
    """A comment is a reference; so is a literal given to a call that hands it to people (the
    console, a dialog, the system browser) or styled for the console. Other literals are judged
    by their text."""
    piece = script.pieces[i]
    if piece.kind == "comment":
        return _SCRIPT_COMMENT
    if CONSOLE_STYLING in piece.text:
        return _CONSOLE_TEXT
    callee = script.call_of(i)
    reason = people_call(callee) if callee else None
    return RoleHint(REFERENCE, reason) if reason else None


def _script(scan: StringScan, text: str, location: str, line_offset: int = 0) -> None:
    script = JsScript(text)
    pieces = script.pieces
    scan.strings(
        [p.text for p in pieces],
        lambda i: f"{location}:{pieces[i].line + line_offset}",
        hint=lambda i: _script_hint(script, i),
    )


def _style(scan: StringScan, text: str, location: str, line_offset: int = 0) -> None:
    pieces = list(css_pieces(text))
    hints = {"load": _STYLE_LOAD, "comment": _STYLE_COMMENT, "other": _STYLE_OTHER}
    scan.strings(
        [p.text for p in pieces],
        lambda i: f"{location}:{pieces[i].line + line_offset}",
        hint=lambda i: hints[pieces[i].kind],
    )


def _page_hint(piece: HtmlPiece) -> RoleHint | None:
    if piece.kind == "load":
        return _PAGE_LOAD
    if piece.kind == "link":
        return _PAGE_LINK
    if piece.kind == "text":
        return _PAGE_TEXT
    if piece.kind == "comment":
        return _PAGE_COMMENT
    return None


def _page(scan: StringScan, text: str, location: str) -> None:
    pieces = html_pieces(text)
    plain = [p for p in pieces if p.kind not in ("script", "style")]
    scan.strings(
        [p.text for p in plain],
        lambda i: f"{location}:{plain[i].line} {plain[i].where}",
        hint=lambda i: _page_hint(plain[i]),
    )
    for piece in pieces:
        if piece.kind == "script":
            _script(scan, piece.text, location, piece.line - 1)
        elif piece.kind == "style":
            _style(scan, piece.text, location, piece.line - 1)


def scan_text_file(scan: StringScan, text: str, location: str) -> None:
    """Scan one bundled text file by the format its name says."""
    ext = _extension(location)
    if ext in SCRIPT_EXTENSIONS:
        _script(scan, text, location)
    elif ext in PAGE_EXTENSIONS:
        _page(scan, text, location)
    elif ext in STYLE_EXTENSIONS:
        _style(scan, text, location)
    elif ext in DOCUMENT_EXTENSIONS:
        scan.text(text, location, lambda _line: _DOCUMENT)
    else:
        scan.text(text, location, lambda line: _CONFIG_COMMENT if comment_line(line) else None)
