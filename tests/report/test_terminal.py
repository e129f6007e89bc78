"""The terminal view: app-controlled strings stay text, and missing facts are said, not printed as None."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from rich.console import Console

from datatrail.model.report import Report
from datatrail.report.terminal import render_terminal
from tests.support.corpus import corpus_dir, scan_cached

HOSTILE = "[link=https://evil.example]pay here[/link] [bold red]FAKE"


def _text(report: Report) -> str:
    console = Console(width=160, record=True, color_system="truecolor")
    render_terminal(report, console)
    return console.export_text(styles=False)


def test_a_hostile_label_in_the_panel_title_is_shown_as_text(corpus_reports: dict[Path, Report]) -> None:
    report = scan_cached(corpus_dir() / "apk" / "androguard" / "com.politedroid_4.apk", corpus_reports)
    hostile = dataclasses.replace(report, app=dataclasses.replace(report.app, label=HOSTILE))
    console = Console(width=160, record=True, color_system="truecolor")
    render_terminal(hostile, console)
    assert HOSTILE in console.export_text()
    assert "\x1b]8;" not in console.export_text(styles=True)  # no OSC 8 hyperlink escape was made of it


def test_missing_levels_and_package_are_said_not_printed_as_none(corpus_reports: dict[Path, Report]) -> None:
    report = scan_cached(corpus_dir() / "apk" / "androguard" / "com.politedroid_4.apk", corpus_reports)
    bare = dataclasses.replace(report, app=dataclasses.replace(report.app, package=None, min_sdk=None, target_sdk=None,
                                                                compile_sdk=None))
    text = _text(bare)
    assert "None" not in text
    assert "not stated" in text and "none named (no manifest package)" in text
    some = dataclasses.replace(report, app=dataclasses.replace(report.app, compile_sdk=None))
    assert "compile" not in _text(some).split("SDK", 1)[1].split("\n", 1)[0]


def test_app_strings_in_table_cells_are_text_not_markup(corpus_reports: dict[Path, Report]) -> None:
    report = scan_cached(corpus_dir() / "apk" / "androguard" / "com.politedroid_4.apk", corpus_reports)
    assert report.certificates and report.unidentified_libraries == ()
    cert = dataclasses.replace(report.certificates[0], subject=HOSTILE)
    hostile = dataclasses.replace(report, certificates=(cert,), app=dataclasses.replace(report.app, version_name=HOSTILE))
    console = Console(width=400, record=True, color_system="truecolor")
    render_terminal(hostile, console)
    text = console.export_text()
    assert text.count(HOSTILE) == 2  # the version in the identity grid, the subject in the certificate table
    assert "\x1b]8;" not in console.export_text(styles=True)


def test_references_are_listed_apart_and_not_counted(corpus_reports: dict[Path, Report]) -> None:
    # The hot-fix demo names github.com only in Tinker's "welcome to submit issue to us: https://github.com/…".
    report = scan_cached(corpus_dir() / "apk" / "bugly-demo" / "BuglyHotfixDemo-app-release.apk", corpus_reports)
    text = _text(report)
    table = text.split("Where data can go", 1)[1].split("named only for people", 1)[0]
    assert "github.com" not in table and "android.bugly.qq.com" in table
    assert "2 more hosts are named only for people" in text and "bugly.qq.com, github.com." in text


def test_an_sdk_vendor_of_unknown_country_is_said_not_marked_with_a_question_mark() -> None:
    from datatrail.app.pipeline import scan_file
    from tests.support.realworld import HERE

    # Countly's demo: the Countly SDK's vendor has no country in the SDK table.
    report = scan_file(HERE / "countly-sample.apk")
    assert any(s.vendor_country is None for s in report.sdks_in_code)
    text = _text(report)
    assert "1 from vendors of unknown country" in " ".join(text.split())
    assert "from ?" not in text and "│ ? " not in text
    assert "│ unknown " in text  # the SDK table's country cell
