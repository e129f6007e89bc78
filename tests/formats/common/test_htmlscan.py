"""The HTML tokenizer's pieces: what a page loads, what it links to, its text and comments."""

from __future__ import annotations

from datatrail.formats.common.htmlscan import html_pieces

PAGE = """<!doctype html>
<html><head>
<!-- built from https://comment.example-build.org -->
<link rel="stylesheet" href="https://css.example-cdn.net/a.css">
<link rel="author" href="https://people.example-team.org/me">
<script src="//js.example-cdn.net/lib.js"></script>
<script>var api = "https://api.example-app.com/v1"; // inline
</script>
<style>body { background: url(https://img.example-cdn.net/bg.png) }</style>
</head><body>
<a href="https://github.com/example/lib">lib</a> — visit www.example-homepage.org
<img src=http://img.example-photos.com/a.png alt="a photo">
<form action="https://forms.example-app.com/post"><input name=q value="x.y.z"></form>
<div class="unclosed <p>odd markup
"""


def test_pieces_by_kind() -> None:
    pieces = html_pieces(PAGE)
    by_kind: dict[str, list[str]] = {}
    for p in pieces:
        by_kind.setdefault(p.kind, []).append(p.text)
    assert by_kind["load"] == [
        "https://css.example-cdn.net/a.css", "//js.example-cdn.net/lib.js", "http://img.example-photos.com/a.png",
        "https://forms.example-app.com/post",
    ]
    assert by_kind["link"] == ["https://people.example-team.org/me", "https://github.com/example/lib"]
    assert any("www.example-homepage.org" in t for t in by_kind["text"])
    assert by_kind["comment"] == [" built from https://comment.example-build.org "]
    assert ['var api = "https://api.example-app.com/v1"; // inline\n'] == by_kind["script"]
    assert any("img.example-cdn.net" in t for t in by_kind["style"])
    assert "x.y.z" in by_kind["attr"]


def test_lines_and_elements() -> None:
    pieces = html_pieces(PAGE)
    script = next(p for p in pieces if p.kind == "script")
    assert script.line == 7 and script.where == "<script>"
    img = next(p for p in pieces if p.text.startswith("http://img."))
    assert img.line == 12 and img.where == "<img src>"


def test_hostile_markup_never_raises() -> None:
    for page in ("<", "<<<<>>>>", "<script>" + "a" * 10_000, "<!--", "<a href='", "&#xffffffff;", "\0" * 100):
        assert isinstance(html_pieces(page), list)


def test_event_handlers_are_scripts() -> None:
    pieces = html_pieces("<li onclick=\"plus.runtime.openURL('http://a.example.com')\" title=\"t.example.com\">x</li>")
    kinds = {p.text: (p.kind, p.where) for p in pieces}
    assert kinds["plus.runtime.openURL('http://a.example.com')"] == ("script", "<li onclick>")
    assert kinds["t.example.com"] == ("attr", "<li title>")
