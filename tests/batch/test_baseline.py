"""The CI gate: baselines keyed by fingerprint, and --fail-on by severity and by rule ID."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datatrail.batch.baseline import (
    BASELINE_FORMAT,
    apply_baseline,
    baseline_from_reports,
    baseline_json,
    parse_baseline,
)
from datatrail.cli.commands.scan import FailOn, parse_fail_on
from datatrail.cli.main import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from datatrail.errors import CorruptInput, InputError, UnsupportedInput
from datatrail.model.report import Severity
from tests.support import paths
from tests.support.corpus import corpus_dir, scan_cached

HOTFIX = "apk/bugly-demo/BuglyHotfixDemo-app-release.apk"
UPGRADE = "apk/bugly-demo/BuglyUpgradeDemo-demo.apk"


def test_baseline_round_trip_and_suppression(corpus_reports: dict[Path, Any]) -> None:
    report = scan_cached(corpus_dir() / HOTFIX, corpus_reports)
    baseline = baseline_from_reports([report])
    assert len(baseline.entries) == len(report.findings) > 0
    again = parse_baseline(baseline_json(baseline), "b.json")
    assert again == baseline
    assert apply_baseline(report, again.fingerprints).findings == ()
    keep = report.findings[0]
    partial = apply_baseline(report, frozenset(f.fingerprint for f in report.findings[1:]))
    assert partial.findings == (keep,)
    assert apply_baseline(report, frozenset()) is report


def test_parse_fail_on() -> None:
    assert parse_fail_on("none") == FailOn()
    assert parse_fail_on("high,DST001") == FailOn(Severity.HIGH.rank, frozenset({"DST001"}))
    assert parse_fail_on("medium, high, and002") == FailOn(Severity.MEDIUM.rank, frozenset({"AND002"}))
    with pytest.raises(ValueError, match="neither a severity"):
        parse_fail_on("DST999")
    gate = parse_fail_on("critical,AND002")
    assert gate.tripped(Severity.CRITICAL.rank)
    assert not gate.tripped(Severity.HIGH.rank, {"AND001"})
    assert gate.tripped(-1, {"AND002"})


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[]", UnsupportedInput),
        ('{"format": "' + BASELINE_FORMAT + '"}', CorruptInput),
        ('{"format": "' + BASELINE_FORMAT + '", "findings": [{"rule_id": "AND001"}]}', CorruptInput),
        ("{", CorruptInput),
    ],
)
def test_bad_baselines(text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_baseline(text, "b.json")


@settings(max_examples=200, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["format", "findings", "fingerprint", "x"]), inner, max_size=3),
    max_leaves=12,
))
def test_any_json_gives_a_baseline_or_an_input_error(doc: object) -> None:
    text = json.dumps({"format": BASELINE_FORMAT, "findings": doc} if isinstance(doc, list) else doc)
    try:
        baseline = parse_baseline(text, "fuzz")
    except InputError:
        return
    assert all(e.fingerprint for e in baseline.entries)


def test_cli_write_then_suppress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    apk = str(corpus_dir() / HOTFIX)
    baseline = tmp_path / "baseline.json"
    assert main(["scan", apk, "-f", "json", "-o", str(tmp_path / "r.json"), "--write-baseline", str(baseline)]) == EXIT_OK
    doc = json.loads(baseline.read_text())
    rules = sorted(e["rule_id"] for e in doc["findings"])
    assert rules == ["AND001", "AND002", "AND003", "AND008", "DST001", "DST002", "DST003"]
    assert main(["scan", apk, "--fail-on", "info"]) == EXIT_FINDINGS
    capsys.readouterr()
    # Every finding known: nothing left to fail on, and none in the report.
    assert main(["scan", apk, "--baseline", str(baseline), "--fail-on", "info", "-f", "json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["findings"] == []
    # Forget the DST001 entry: only it comes back, and trips a gate on its rule ID.
    doc["findings"] = [e for e in doc["findings"] if e["rule_id"] != "DST001"]
    baseline.write_text(json.dumps(doc))
    sarif = tmp_path / "r.sarif"
    assert main(["scan", apk, "--baseline", str(baseline), "--fail-on", "DST001", "-f", "sarif", "-o", str(sarif)]) == EXIT_FINDINGS
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"DST001"}
    assert main(["scan", apk, "--baseline", str(baseline), "--fail-on", "AND001,critical"]) == EXIT_OK


def test_cli_fail_on_rule_ids_across_a_parallel_batch(tmp_path: Path) -> None:
    """Only the Upgrade demo is signed with the debug key (SIG001); with two jobs the gate still sees it."""
    hotfix, upgrade = str(corpus_dir() / HOTFIX), str(corpus_dir() / UPGRADE)
    out = tmp_path / "all.jsonl"
    assert main(["scan", hotfix, upgrade, "-j", "2", "-f", "jsonl", "-o", str(out), "--fail-on", "SIG001"]) == EXIT_FINDINGS
    assert len(out.read_text().splitlines()) == 2
    assert main(["scan", hotfix, "-f", "jsonl", "-o", str(out), "--fail-on", "SIG001"]) == EXIT_OK
    baseline = tmp_path / "b.json"
    assert main(["scan", hotfix, upgrade, "-j", "2", "-f", "jsonl", "-o", str(out), "--write-baseline", str(baseline)]) == EXIT_OK
    packages = {e["package"] for e in json.loads(baseline.read_text())["findings"]}
    assert packages == {"com.tencent.bugly.hotfix", "com.bugly.upgrade.demo"}


def test_cli_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    apk = str(corpus_dir() / HOTFIX)
    for args in (["--fail-on", "XYZ001"], ["--fail-on", "severe"], ["--baseline", "a", "--write-baseline", "b"]):
        with pytest.raises(SystemExit) as exc:
            main(["scan", apk, *args])
        assert exc.value.code == EXIT_USAGE
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert main(["scan", apk, "--baseline", str(bad)]) == EXIT_USAGE
    assert "not a datatrail baseline" in capsys.readouterr().err
    assert main(["scan", apk, "--baseline", str(tmp_path / "missing.json")]) == EXIT_USAGE
    # A file that is not an app still exits 3, baseline or not.
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    assert main(["scan", str(notes), "--fail-on", "DST001"]) == EXIT_INPUT


DOCS = paths.REPO / "docs"


def _documented_commands(text: str) -> list[list[str]]:
    """Every command line starting with ``datatrail`` in a document's code blocks (continuations joined, pipes and comments cut)."""
    import shlex

    commands = []
    blocks = text.split("```")[1::2]
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip()
            if line.startswith("datatrail "):
                command = line.split(" | ")[0].split("  #")[0]
                commands.append(shlex.split(command)[1:])
    return commands


@pytest.mark.parametrize("name", ["ci.md", "labels.md"])
def test_documented_commands_parse(name: str) -> None:
    """The docs' examples are accepted by the real argument parser (options and their values)."""
    from datatrail.cli.main import _build_parser

    parser, _ = _build_parser([])
    commands = _documented_commands((DOCS / name).read_text(encoding="utf-8"))
    assert len(commands) >= 6
    for argv in commands:
        parser.parse_args(argv)


def test_documented_workflow_is_valid_yaml() -> None:
    import yaml  # type: ignore[import-untyped]  # PyYAML comes with androguard, a test dependency

    text = (DOCS / "ci.md").read_text(encoding="utf-8")
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    workflow = yaml.safe_load(block)
    steps = workflow["jobs"]["datatrail"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert "github/codeql-action/upload-sarif@v3" in uses
    assert workflow["permissions"]["security-events"] == "write"
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert upload["if"] == "always()"  # results are uploaded even when the gate trips
