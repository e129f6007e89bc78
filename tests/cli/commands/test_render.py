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
    with pytest.raises(SystemExit) as exc:
        main(["render", str(saved)])
    assert exc.value.code == EXIT_USAGE
    assert main(["render", str(saved), "--format", "sarif", "-o", str(tmp_path)]) == EXIT_USAGE
    capsys.readouterr()


def test_render_html_from_saved_report(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert main(["render", str(saved), "--format", "html", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in page
