"""Hostile strings from an app in every renderer: terminal escapes, NULs, bidi overrides and rich markup
come out as visible text; the machine formats stay valid and keep the exact value."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from datatrail.cli.main import main
from datatrail.report.visible import visible, visible_tree
from tests.support.hostile_apps import HOSTILE, hostile_apk, hostile_ipa
from tests.support.hostile_apps import RAW as _RAW
from tests.support.html_pages import Parsed
from tests.support.official_schemas import cyclonedx_validator, errors_of, sarif_validator


def test_visible_writes_controls_out_and_keeps_the_rest() -> None:
    assert visible("plain text, ünïcode, 中文") == "plain text, ünïcode, 中文"
    assert visible("a\x1b[2Jb\u202ec\td\n") == "a[U+001B][2Jb[U+202E]c\td\n"


def test_visible_tree_rebuilds_only_what_changed() -> None:
    @dataclasses.dataclass(frozen=True)
    class Inner:
        name: str
        tags: tuple[str, ...]

    @dataclasses.dataclass(frozen=True)
    class Outer:
        inner: Inner
        same: Inner
        count: int

    same = Inner("ok", ("a", "b"))
    value = Outer(Inner("x\x1by", ("t\u202e", "fine")), same, 3)
    out = visible_tree(value)
    assert out.inner == Inner("x[U+001B]y", ("t[U+202E]", "fine")) and out.count == 3
    assert out.same is same and visible_tree(same) is same


@pytest.mark.parametrize("build", [hostile_apk, hostile_ipa], ids=["apk", "ipa"])
def test_every_renderer_keeps_hostile_strings_inert(build: object, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    app = build(tmp_path)  # type: ignore[operator]
    monkeypatch.setenv("COLUMNS", "100")
    out = {fmt: tmp_path / f"out.{fmt}" for fmt in ("terminal", "json", "jsonl", "sarif", "cyclonedx", "label", "html")}
    for fmt, path in out.items():
        assert main(["scan", str(app), "--format", fmt, "-o", str(path), "--accept-partial"]) in (0, 1), fmt
    # The terminal view: nothing that a terminal would act on, markup shown as it is, no hyperlink escape.
    terminal = out["terminal"].read_text(encoding="utf-8")
    assert not any(c in terminal for c in _RAW)
    assert "[U+001B]]0;pwn[U+0007]" in terminal and "[bold red]X[/]" in terminal and "\x1b]8;" not in terminal
    # The machine formats: valid, and the exact string kept (JSON escapes it).
    report = json.loads(out["json"].read_text(encoding="utf-8"))
    assert report["app"]["label"] == HOSTILE
    assert json.loads(out["jsonl"].read_text(encoding="utf-8").splitlines()[0])["app"] == report["app"]
    assert errors_of(sarif_validator(), json.loads(out["sarif"].read_text(encoding="utf-8"))) == []
    assert errors_of(cyclonedx_validator(), json.loads(out["cyclonedx"].read_text(encoding="utf-8"))) == []
    json.loads(out["label"].read_text(encoding="utf-8"))
    # The page: no raw control bytes, no tag or handler from the app, the controls written out.
    page = out["html"].read_text(encoding="utf-8")
    assert not any(c in page for c in _RAW)
    parsed = Parsed()
    parsed.feed(page)
    assert not [t for t, attrs in parsed.tags if t == "img" or any(k.startswith("on") for k in attrs)]
    assert sum(1 for t, _ in parsed.tags if t == "script") <= 1  # the page's own, nothing from the app
    assert "[U+001B]" in "".join(parsed.text)


def test_messages_on_stderr_write_controls_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    odd = tmp_path / "a\x1b]0;pwn\x07\u202e.apk"
    odd.write_bytes(b"not an app at all")
    assert main(["scan", str(odd)]) == 3
    err = capsys.readouterr().err
    assert "a[U+001B]]0;pwn[U+0007][U+202E].apk" in err and not any(c in err for c in _RAW)
