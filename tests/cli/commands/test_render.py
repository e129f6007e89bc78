"""``datatrail render`` and the sarif/cyclonedx scan formats: the command line contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datatrail.cli.main import EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from tests.support.corpus import corpus_dir
from tests.support.official_schemas import cyclonedx_validator, errors_of, sarif_validator


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One JSON report of a corpus app, written by the scan command."""
    apk = corpus_dir() / "apk" / "bugly-demo" / "BuglyUpgradeDemo-demo.apk"
    out = tmp_path_factory.mktemp("render") / "report.json"
    assert main(["scan", str(apk), "--format", "json", "-o", str(out)]) == EXIT_OK
    return out


def test_render_sarif_matches_scan_sarif(saved: Path, tmp_path: Path) -> None:
    rendered = tmp_path / "from-report.sarif"
    assert main(["render", str(saved), "--format", "sarif", "-o", str(rendered)]) == EXIT_OK
    doc = json.loads(rendered.read_text(encoding="utf-8"))
    assert errors_of(sarif_validator(), doc) == []
    scanned = tmp_path / "from-scan.sarif"
    apk = corpus_dir() / "apk" / "bugly-demo" / "BuglyUpgradeDemo-demo.apk"
    assert main(["scan", str(apk), "--format", "sarif", "-o", str(scanned)]) == EXIT_OK
    again = json.loads(scanned.read_text(encoding="utf-8"))
    # Same findings and fingerprints; only the run properties (scan time) may differ.
    assert again["runs"][0]["results"] == doc["runs"][0]["results"]
    assert not (tmp_path / "from-report.sarif.part").exists()


def test_render_cyclonedx_to_stdout(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", str(saved), "-f", "cyclonedx"]) == EXIT_OK
    bom = json.loads(capsys.readouterr().out)
    assert errors_of(cyclonedx_validator(), bom) == []
    assert bom["metadata"]["component"]["name"] == "com.bugly.upgrade.demo"


def test_render_json_is_the_saved_report(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", str(saved), "--format", "json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out) == json.loads(saved.read_text(encoding="utf-8"))


def test_scan_cyclonedx_to_file(tmp_path: Path) -> None:
    out = tmp_path / "app.cdx.json"
    apk = corpus_dir() / "apk" / "androguard" / "a2dp.Vol_137.apk"
    assert main(["scan", str(apk), "--format", "cyclonedx", "-o", str(out)]) == EXIT_OK
    assert errors_of(cyclonedx_validator(), json.loads(out.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "missing.json"),
        (b"{broken", "not JSON"),
        (b'{"schema_version": "2.0"}', "schema_version 2.0 is not supported"),
        (b'{"schema_version": "1.1"}', "tool: is missing"),
        (b'{"bomFormat": "CycloneDX"}', "not a datatrail report"),
    ],
)
def test_unreadable_reports_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str) -> None:
    path = tmp_path / "missing.json"
    if content is not None:
        path.write_bytes(content)
    out = tmp_path / "out.sarif"
    assert main(["render", str(path), "--format", "sarif", "-o", str(out)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_usage_errors_exit_2(saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["render", str(saved), "--format", "pdf"])
    assert exc.value.code == EXIT_USAGE
    assert main(["render", str(saved), "--format", "sarif", "-o", str(tmp_path)]) == EXIT_USAGE
    capsys.readouterr()


def test_render_shows_a_saved_report_in_the_terminal_by_default(saved: Path, capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["render", str(saved)]) == EXIT_OK
    shown = capsys.readouterr().out
    apk = corpus_dir() / "apk" / "bugly-demo" / "BuglyUpgradeDemo-demo.apk"
    assert main(["scan", str(apk)]) == EXIT_OK
    assert shown == capsys.readouterr().out  # what the scan printed, from the saved report alone
    assert "com.bugly.upgrade.demo" in shown and max(map(len, shown.splitlines())) <= 100


def _saved_capture(tmp_path: Path, several: bool = False) -> Path:
    har = tmp_path / "s.har"
    entry = {"request": {"method": "GET", "url": "https://api.weixin.qq.com/x?email=me@example.org", "headers": []}}
    har.write_text(json.dumps({"log": {"entries": [entry]}}))
    saved = tmp_path / "traffic.json"
    assert main(["capture", str(har), *([str(har)] if several else []), "-f", "json", "-o", str(saved)]) == EXIT_OK
    return saved


def test_render_reads_capture_reports_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = _saved_capture(tmp_path)
    for fmt in ("terminal", "json", "sarif", "label"):
        assert main(["capture", str(tmp_path / "s.har"), "-f", fmt]) == EXIT_OK
        direct = capsys.readouterr().out
        assert main(["render", str(saved), "-f", fmt]) == EXIT_OK
        assert capsys.readouterr().out == direct, fmt
    assert main(["render", str(saved), "-f", "html", "-o", str(tmp_path / "t.html")]) == EXIT_OK
    assert "api.weixin.qq.com" in (tmp_path / "t.html").read_text(encoding="utf-8")
    assert main(["render", str(saved), "-f", "cyclonedx"]) == EXIT_USAGE
    assert "--format cyclonedx is for app reports" in capsys.readouterr().err


def test_several_captures_render_one_page_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = _saved_capture(tmp_path, several=True)
    assert main(["render", str(saved), "-f", "html"]) == EXIT_USAGE
    assert "give -o DIRECTORY" in capsys.readouterr().err
    assert main(["render", str(saved), "-f", "html", "-o", str(tmp_path / "pages")]) == EXIT_OK
    assert [p.name for p in (tmp_path / "pages").iterdir()] == ["s.har.html"]


def test_render_html_from_saved_report(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert main(["render", str(saved), "--format", "html", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in page
