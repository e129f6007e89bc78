"""The terminal view of a diff (``datatrail.report.diff_terminal``) on apps committed under tests/data/realworld.

ponyexpress (me.wcy.express) and ponymusic (me.wcy.music) are two apps of one
author: from the first to the second, AMap's SDK and six hosts of Chinese
organisations come in (every one under a state-access law), Kuaidi100's two
hosts and github.com go.
"""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from rich.console import Console

from datatrail.changes.diff import diff_reports
from datatrail.model.report import Report
from datatrail.report.diff_terminal import render_diff_terminal
from tests.support.realworld import HERE


def _scan(name: str, cache: dict[Path, Any]) -> Report:
    from datatrail.app.pipeline import scan_file

    path = HERE / name
    if path not in cache:
        cache[path] = scan_file(path)
    report: Report = cache[path]
    return report


def _view(old: Report, new: Report, width: int = 80) -> str:
    console = Console(record=True, width=width, file=io.StringIO(), color_system=None)
    render_diff_terminal(diff_reports(old, new), old, new, console)
    return console.export_text()


@pytest.fixture(scope="module")
def pony() -> tuple[Report, Report]:
    cache: dict[Path, Any] = {}
    return _scan("ponyexpress.apk", cache), _scan("ponymusic.apk", cache)


def _cells(text: str, column: int) -> str:
    """The text of one table column, its wrapped pieces joined in order."""
    rows = [line.split("│") for line in text.splitlines() if line.startswith("│") and line.count("│") >= 4]
    return "".join(r[column].strip() for r in rows)


@pytest.mark.parametrize("width", [60, 80, 120])
def test_the_verdict_comes_first_and_every_line_fits(pony: tuple[Report, Report], width: int) -> None:
    text = _view(*pony, width=width)
    assert max(map(cell_len, text.splitlines())) <= width  # in cells: 快递 takes four
    verdict = " ".join(text.split("╰", 1)[0].replace("│", " ").split())
    assert text.startswith("╭─ What changed")
    assert "me.wcy.music 1.3.1 (code 131) adds 1 SDK, 4 permissions (1 dangerous), 6 hosts (6 under a state-access law)" in verdict
    assert "It removes 4 permissions (2 dangerous), 3 hosts (2 under a state-access law)" in verdict
    # The law, as a sentence, not an id.
    assert ("6 new hosts reached by the law of China (CN): Chinese law obliges organisations to give the state "
            "access to data.") in verdict
    assert "compelled-access" not in text and "None" not in text


def test_hosts_and_permissions_wrap_and_are_never_cut(pony: tuple[Report, Report]) -> None:
    text = _view(*pony, width=60)
    hosts = _cells(text.split("Destinations (hosts named in the package)", 1)[1].split("Countries of", 1)[0], 2)
    for host in ("abroad.apilocate.amap.com", "tingapi.ting.baidu.com", "www.kuaidi100.com", "github.com"):
        assert host in hosts
    assert "…" not in hosts


def test_flagged_rows_are_marked_without_colour(pony: tuple[Report, Report]) -> None:
    text = _view(*pony, width=120)
    assert re.search(r"│ \+ ! │ READ_PHONE_STATE +│ dangerous; can reach Device or other IDs, Personal info", text)
    assert re.search(r"│ - ! │ CAMERA +│ dangerous", text)
    assert re.search(r"│ \+   │ CHANGE_WIFI_STATE +│ normal", text)
    assert re.search(r"│ \+ ! │ abroad\.apilocate\.amap\.com +│ Alibaba Group Holding Ltd\. \(CN\); under state-access law of CN", text)
    assert re.search(r"│ \+ ! │ high +│ DST001 │ AutoNavi", text)
    assert '"!" marks what a --fail-on gate can stop on' in text


def test_no_change_says_so_first(pony: tuple[Report, Report]) -> None:
    _, music = pony
    text = _view(music, music)
    verdict = " ".join(text.split("╰", 1)[0].replace("│", " ").split())
    assert "No change in SDKs, permissions, destinations, countries, data or findings from me.wcy.music 1.3.1 (code 131)" in verdict
    assert "┏" not in text  # no table


def test_strings_from_the_apps_are_text_never_markup_or_escapes(pony: tuple[Report, Report]) -> None:
    express, music = pony
    first = music.destinations[0]
    hostile = dataclasses.replace(first, endpoint=dataclasses.replace(first.endpoint, host="[bold]x[/bold]\x1b]0;owned\x07.example"))
    sdk = dataclasses.replace(music.sdks[0], name="[link=https://evil.example]AMap[/link]\u202e")
    new = dataclasses.replace(music, destinations=(hostile, *music.destinations[1:]), sdks=(sdk, *music.sdks[1:]))
    text = _view(express, new, width=200)
    assert "[bold]x[/bold][U+001B]]0;owned[U+0007].example" in text
    assert "[link=https://evil.example]AMap[/link][U+202E]" in text
    assert "\x1b" not in text and "\u202e" not in text
