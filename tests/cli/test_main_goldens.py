"""Golden terminal views of scan, render, lookup, label and diff at 80 and 120 columns (capture's are in
tests/cli/commands/test_capture.py), so the look is defended as the JSON is.

Inputs are committed (tests/data/realworld, see its SOURCES.md), so these run in
a plain checkout. Paths are given relative to that folder (the view shows the
path as given), and the user's data packs are kept out ($DATATRAIL_DATA_DIR
points at an empty folder): nothing of the machine or the day reaches a golden.
What is left comes from the apps and the datasets in the repository; a change
to those changes these views, and the regenerated files must be read (no host,
permission or path cut, no "None" or "?" standing for a value, the verdict
first) before they are committed. Regenerate with DATATRAIL_REGEN=1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rich.cells import cell_len

from datatrail.cli.main import EXIT_OK, main
from tests.support.golden import FIXTURES, check_golden_text
from tests.support.realworld import HERE

GOLDENS = FIXTURES / "terminal"


@pytest.fixture(autouse=True)
def _same_everywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATATRAIL_DATA_DIR", str(tmp_path / "no-packs"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.chdir(HERE)


def _needs(*names: str) -> None:
    for name in names:
        if not (HERE / name).is_file():
            pytest.skip(f"tests/data/realworld/{name} is absent (see tests/data/realworld/SOURCES.md)")


def _view(args: list[str], columns: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    capsys.readouterr()
    assert main(args) == EXIT_OK
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert max(map(cell_len, lines)) <= columns  # in cells: 快递 takes four
    assert "\x1b" not in text  # not a terminal: no escape codes
    assert "None" not in text
    assert not any(cell.strip() == "?" for line in lines for cell in line.split("│")), "a '?' where a value should be"
    return text


def _column(text: str, index: int, after: str = "", until: str = "") -> str:
    """A table column's cells joined in order: a value wrapped over several lines comes back whole."""
    part = text.split(after, 1)[1] if after else text
    part = part.split(until, 1)[0] if until else part
    rows = [line.split("│") for line in part.splitlines() if line.startswith("│") and line.count("│") > index]
    return "".join(row[index].strip() for row in rows)


def _words(text: str) -> str:
    """The text with its line breaks, borders and padding gone: a wrapped sentence reads whole."""
    return " ".join(text.replace("│", " ").split())


def _scan(text: str) -> None:
    assert text.startswith("╭─ What it means")
    assert "Russian law obliges organisations to keep citizens' data in Russia" in _words(text)
    hosts = _column(text, 3, after="Where data can go", until="Permissions").replace(" ", "")
    assert "api.vk.com,oauth.vk.com,vk.com" in hosts
    assert "READ_EXTERNAL_STORAGE" in _column(text, 1, after="Permissions", until="Signing certificates")
    assert "File     vk-sdk-samples.apk" in text


def _render(text: str) -> None:
    assert text.startswith("╭─ What it means")
    assert "File     branch-testbed.apk" in text
    assert "Branch" in _column(text, 1, after="SDKs inside", until="What the code can read")
    hosts = _column(text, 3, after="Where data can go", until="more hosts are named only for people")
    assert "pagead2.googlesyndication.com" in hosts and "api.branch.io" in hosts


def _lookup(text: str) -> None:
    assert text.startswith("https://log.tbs.qq.com/ajax?c=dl → log.tbs.qq.com\n")
    words = _words(text)
    assert "flag Chinese law obliges organisations to give the state access to data (China; by organisation home country)" in words
    assert "flag compelled-access" not in words  # flags read as sentences, as in scan and capture
    assert "National Intelligence Law of the PRC (2017, amended 2018), art. 7:" in words  # wrapped between words only
    assert "support@adjust.com → adjust.com" in text and "AS132203 Shenzhen Tencent Computer Systems Company Limited" in words


def _label(text: str) -> None:
    assert text.startswith("Privacy label derived for me.wcy.music 1.3.1 (evidence: static)\n")
    words = _words(text)
    assert "requests READ_PHONE_STATE (dangerous)" in words and "TelephonyManager.getDeviceId" in words


def _diff(text: str) -> None:
    assert text.startswith("╭─ What changed")
    verdict = _words(text.split("╰", 1)[0])
    assert "me.wcy.music 1.3.1 (code 131) adds 1 SDK" in verdict
    assert "6 new hosts reached by the law of China (CN): Chinese law obliges organisations" in verdict
    hosts = _column(text, 2, after="Destinations (hosts named", until="Countries of")
    for host in ("abroad.apilocate.amap.com", "tingapi.ting.baidu.com", "m.kuaidi100.com", "github.com"):
        assert host in hosts
    marks = _column(text, 1, after="Destinations (hosts named", until="Countries of")
    assert marks.count("+ !") == 6 and marks.count("- !") == 2


VIEWS: dict[str, tuple[tuple[str, ...], list[str], Callable[[str], None]]] = {
    "scan": (("vk-sdk-samples.apk",), ["scan", "vk-sdk-samples.apk"], _scan),
    "lookup": ((), ["lookup", "https://log.tbs.qq.com/ajax?c=dl", "203.205.254.157", "support@adjust.com", "10.0.0.1"], _lookup),
    "label": (("ponymusic.apk",), ["label", "ponymusic.apk"], _label),
    "diff": (("ponyexpress.apk", "ponymusic.apk"), ["diff", "ponyexpress.apk", "ponymusic.apk"], _diff),
}


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("command", sorted(VIEWS))
def test_golden_terminal_view(command: str, columns: int, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    needs, args, check = VIEWS[command]
    _needs(*needs)
    text = _view(args, columns, capsys, monkeypatch)
    check(text)
    check_golden_text(GOLDENS / f"{command}-{columns}.txt", text)


@pytest.fixture(scope="module")
def saved_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """branch-testbed's report saved by ``scan --format json``, scanned by its relative path."""
    _needs("branch-testbed.apk")
    out = tmp_path_factory.mktemp("render") / "branch.json"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATATRAIL_DATA_DIR", str(out.parent / "no-packs"))
        mp.chdir(HERE)
        assert main(["scan", "branch-testbed.apk", "--format", "json", "-o", str(out)]) == EXIT_OK
    return out


@pytest.mark.parametrize("columns", [80, 120])
def test_golden_render_view(saved_report: Path, columns: int, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    text = _view(["render", str(saved_report)], columns, capsys, monkeypatch)
    _render(text)
    assert str(saved_report.parent) not in text  # the saved file's own place is not shown
    check_golden_text(GOLDENS / f"render-{columns}.txt", text)
