"""Style sheets: what url() and @import fetch, apart from comments and selectors."""

from __future__ import annotations

from datatrail.formats.common.csslex import CssPiece, css_pieces


def test_loads_comments_and_the_rest() -> None:
    sheet = ('/* (c) https://licence.example.org */\n@import "https://fonts.example-cdn.net/f.css";\n'
             '.a img[src*="example-photos.com/eq"] {\n  background: url( \'https://img.example-cdn.net/x.png\' );\n'
             "  src: url(data:font/woff2;base64,AAAA) }\n")
    pieces = list(css_pieces(sheet))
    assert [p for p in pieces if p.kind == "load"] == [
        CssPiece("load", "https://fonts.example-cdn.net/f.css", 2),
        CssPiece("load", "https://img.example-cdn.net/x.png", 4),
        CssPiece("load", "data:font/woff2;base64,AAAA", 5),
    ]
    assert [p for p in pieces if p.kind == "comment"] == [CssPiece("comment", " (c) https://licence.example.org ", 1)]
    assert any('example-photos.com/eq' in p.text and p.line == 3 for p in pieces if p.kind == "other")


def test_unterminated_comment_ends_the_sheet() -> None:
    assert [p.kind for p in css_pieces("a{} /* open url(http://x.example.com)")] == ["other", "comment"]
