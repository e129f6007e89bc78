"""``datatrail label``: the command line contract (outputs and exit codes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datatrail.cli.main import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from datatrail.labels.declared import DECLARED_FORMAT
from datatrail.report.label import LABEL_FORMAT
from tests.support.corpus import corpus_dir


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    apk = corpus_dir() / "apk" / "bugly-demo" / "BuglyUpgradeDemo-demo.apk"
    out = tmp_path_factory.mktemp("label") / "report.json"
    assert main(["scan", str(apk), "--format", "json", "-o", str(out)]) == EXIT_OK
    return out


def test_label_of_a_saved_report_equals_label_of_the_app(saved: Path, tmp_path: Path) -> None:
    from_report, from_app = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["label", str(saved), "-f", "json", "-o", str(from_report)]) == EXIT_OK
    apk = corpus_dir() / "apk" / "bugly-demo" / "BuglyUpgradeDemo-demo.apk"
    assert main(["label", str(apk), "-f", "json", "-o", str(from_app)]) == EXIT_OK
    doc = json.loads(from_report.read_text())
    assert doc["format"] == LABEL_FORMAT and doc["app"]["package"] == "com.bugly.upgrade.demo"
    assert doc == json.loads(from_app.read_text())


def _declared(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    path = tmp_path / "declared.json"
    path.write_text(json.dumps({"format": DECLARED_FORMAT, "store": "play", "data_types": rows}))
    return path


def test_mismatches_and_the_gate(saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Declares device IDs (collected, shared) but not the installed-apps read the code shows.
    declared = _declared(tmp_path, [
        {"category": "Device or other IDs", "collected": True, "shared": True},
        {"category": "Personal info"}, {"category": "Photos and videos"}, {"category": "Audio"}, {"category": "Files and docs"},
        {"category": "Financial info", "type": "Purchase history"},
    ])
    assert main(["label", str(saved), "--declared", str(declared), "-f", "json"]) == EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    kinds = sorted((m["kind"], m["category"], m["type"]) for m in doc["mismatches"])
    assert kinds == [("declared-not-seen", "Financial info", "Purchase history"), ("seen-not-declared", "App activity", "Installed apps")]
    assert main(["label", str(saved), "--declared", str(declared), "--fail-on", "seen-not-declared"]) == EXIT_FINDINGS
    captured = capsys.readouterr()
    assert "Compared with the declared label" in captured.out
    gate = [line for line in captured.err.splitlines() if line.startswith("datatrail: gate: ")]
    assert gate == [f"datatrail: gate: {saved}: seen-not-declared (play): App activity: Installed apps"]
    assert main(["label", str(saved), "--declared", str(declared), "--fail-on-mismatch", "shared-not-declared"]) == EXIT_OK


def test_permission_only_evidence_needs_strict_to_fail(saved: Path, tmp_path: Path) -> None:
    # Everything declared except the permission-only categories.
    declared = _declared(tmp_path, [{"category": "Device or other IDs", "shared": True}, {"category": "App activity"}])
    args = ["label", str(saved), "--declared", str(declared), "--fail-on-mismatch", "seen-not-declared"]
    assert main(args) == EXIT_OK
    assert main([*args, "--strict"]) == EXIT_FINDINGS


def test_usage_and_input_errors(saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["label"]) == EXIT_USAGE
    assert main(["label", str(saved), "--fail-on-mismatch", "any"]) == EXIT_USAGE
    with pytest.raises(SystemExit) as exc:
        main(["label", str(saved), "--declared", "x", "--fail-on-mismatch", "wrong"])
    assert exc.value.code == EXIT_USAGE
    bad = tmp_path / "bad.csv"
    bad.write_text("store,category,type\nplay,Nope,\n")
    assert main(["label", str(saved), "--declared", str(bad)]) == EXIT_INPUT
    assert "bad.csv:2: play has no data category 'Nope'" in capsys.readouterr().err
    assert main(["label", str(tmp_path / "missing.apk")]) == EXIT_INPUT
    not_capture = tmp_path / "notes.txt"
    not_capture.write_text("hello")
    assert main(["label", str(saved), "--capture", str(not_capture)]) == EXIT_INPUT


def test_capture_only_label(capsys: pytest.CaptureFixture[str]) -> None:
    """mitmproxy2swagger's HAR holds one request, GET https://httpbin.org/get?search=test: a search sent to a third party."""
    har = corpus_dir() / "net" / "mitmproxy" / "mitmproxy2swagger" / "headers_and_params_har.har"
    assert main(["label", "--capture", str(har), "-f", "json"]) == EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    assert doc["app"]["package"] is None and doc["sources"] == ["traffic"]
    (play,) = doc["play"]["data_types"]
    assert (play["category"], play["type"], play["basis"]) == ("App activity", "In-app search history", "traffic")
    assert play["third_parties"] == ["httpbin.org"]
    assert play["reasons"][0]["evidence"].startswith("search query sent to httpbin.org in query:search")
    (apple,) = doc["apple"]["data_types"]
    assert (apple["category"], apple["type"]) == ("Search History", "Search History")


def test_static_and_traffic_together(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    har = corpus_dir() / "net" / "mitmproxy" / "mitmproxy2swagger" / "headers_and_params_har.har"
    assert main(["label", str(saved), "--capture", str(har), "-f", "json"]) == EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    assert doc["sources"] == ["static", "traffic"]
    by_source = {tuple(e["sources"]) for e in doc["play"]["data_types"]}
    assert by_source == {("static",), ("traffic",)}


def test_a_partial_app_exits_4_unless_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.support.realworld import HERE

    cut = tmp_path / "cut.apk"
    cut.write_bytes((HERE / "countly-sample.apk").read_bytes()[:300_000])
    assert main(["label", str(cut)]) == 4
    err = capsys.readouterr().err
    assert "analysed only in part" in err and "--accept-partial" in err
    assert main(["label", str(cut), "--accept-partial"]) == EXIT_OK
    assert "analysed only in part" in capsys.readouterr().err
    assert main(["label", str(HERE / "countly-sample.apk")]) == EXIT_OK
    assert "analysed only in part" not in capsys.readouterr().err


def test_scan_format_label_is_the_label_commands_json(tmp_path: Path) -> None:
    apk = corpus_dir() / "apk" / "bugly-demo" / "BuglyUpgradeDemo-demo.apk"
    assert main(["scan", str(apk), "--format", "label", "-o", str(tmp_path / "a.json")]) == EXIT_OK
    assert main(["label", str(apk), "--format", "json", "-o", str(tmp_path / "b.json")]) == EXIT_OK
    assert json.loads((tmp_path / "a.json").read_text()) == json.loads((tmp_path / "b.json").read_text())


def test_the_text_label_fits_the_terminal(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    apk = corpus_dir() / "apk" / "bugly-demo" / "BuglyUpgradeDemo-demo.apk"
    assert main(["label", str(apk)]) == EXIT_OK
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "requests READ_PHONE_STATE (dangerous)" in out  # wrapped between words, names kept whole
