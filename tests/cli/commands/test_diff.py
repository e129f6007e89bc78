"""``datatrail diff``: apps and saved reports in, terminal or JSON out, exit codes 0/1/2/3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datatrail.cli.main import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from tests.support.corpus import corpus_dir

HOTFIX = "apk/bugly-demo/BuglyHotfixDemo-app-release.apk"
UPGRADE = "apk/bugly-demo/BuglyUpgradeDemo-demo.apk"


@pytest.fixture(scope="module")
def hotfix_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("diff") / "hotfix.json"
    assert main(["scan", str(corpus_dir() / HOTFIX), "--format", "json", "-o", str(out)]) == EXIT_OK
    return out


def test_saved_report_against_app(hotfix_report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "diff.json"
    assert main(["diff", str(hotfix_report), str(corpus_dir() / UPGRADE), "-f", "json", "-o", str(out)]) == EXIT_OK
    doc = json.loads(out.read_text())
    assert doc["changed"] is True
    assert [i["key"] for i in doc["sdks"]["removed"]] == ["tencent-tinker"]
    # The same pair given as two apps gives the same sections.
    assert main(["diff", str(corpus_dir() / HOTFIX), str(corpus_dir() / UPGRADE), "-f", "json"]) == EXIT_OK
    again = json.loads(capsys.readouterr().out)
    assert {k: v for k, v in again.items() if k not in ("old",)} == {k: v for k, v in doc.items() if k not in ("old",)}


def test_terminal_output_lists_changes(hotfix_report: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    assert main(["diff", str(hotfix_report), str(corpus_dir() / UPGRADE)]) == EXIT_OK
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 120
    panel, rest = out.split("╰", 1)  # the verdict first, in its panel
    verdict = " ".join(panel.replace("│", " ").split())
    assert out.startswith("╭─ What changed")
    assert "com.bugly.upgrade.demo 1.1 (code 11) adds 3 findings (1 high or critical)." in verdict
    assert "It removes 1 SDK, 1 data item the code can read and 2 findings." in verdict
    assert "Old  com.tencent.bugly.hotfix 2.0 (code 3)" in rest and "New  com.bugly.upgrade.demo 1.1 (code 11)" in rest
    assert "│ - │ tencent-tinker │ Tencent Tinker (Tencent, CN) │" in rest
    # A flagged addition is marked "!" in its row, readable without colour.
    assert "│ + ! │ high     │ SIG001 │ The signer certificate is the Android debug certificate." in rest
    assert "│ +   │ medium   │ AND008 │ targetSdkVersion is 28, below 34." in rest
    assert "\x1b" not in out  # not a terminal


def test_fail_on_new(hotfix_report: Path, capsys: pytest.CaptureFixture[str]) -> None:
    upgrade = str(corpus_dir() / UPGRADE)
    # Only removals in SDKs and hosts: nothing new of those kinds.
    assert main(["diff", str(hotfix_report), upgrade, "--fail-on-new", "sdks,destinations,countries,permissions,data"]) == EXIT_OK
    capsys.readouterr()
    assert main(["diff", str(hotfix_report), upgrade, "--fail-on", "high-findings"]) == EXIT_FINDINGS
    gate = [line for line in capsys.readouterr().err.splitlines() if line.startswith("datatrail: gate: ")]
    assert gate and all(line.startswith(f"datatrail: gate: {upgrade}: new in findings: ") for line in gate)
    assert any("SIG001" in line for line in gate)
    # The other way round, the SDK and its host are new; the older name of the flag still works.
    assert main(["diff", upgrade, str(hotfix_report), "--fail-on-new", "sdks"]) == EXIT_FINDINGS
    assert f"datatrail: gate: {hotfix_report}: new in sdks: tencent-tinker" in capsys.readouterr().err


def test_no_change_pair_passes_any_gate() -> None:
    a = corpus_dir() / "apk/androguard/Test-debug.apk"
    b = corpus_dir() / "apk/androguard/Test-debug-unaligned.apk"
    assert main(["diff", str(a), str(b), "--fail-on-new", "any"]) == EXIT_OK


def test_errors(hotfix_report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["diff", str(hotfix_report)])
    assert exc.value.code == EXIT_USAGE
    with pytest.raises(SystemExit) as exc:
        main(["diff", str(hotfix_report), str(hotfix_report), "--fail-on-new", "everything"])
    assert exc.value.code == EXIT_USAGE
    assert main(["diff", str(tmp_path / "missing.apk"), str(hotfix_report)]) == EXIT_INPUT
    assert "missing.apk" in capsys.readouterr().err
    not_report = tmp_path / "other.json"
    not_report.write_text('{"hello": 1}')
    assert main(["diff", str(not_report), str(hotfix_report)]) == EXIT_INPUT
    assert "no schema_version" in capsys.readouterr().err
    text = tmp_path / "notes.txt"
    text.write_text("not an app")
    assert main(["diff", str(hotfix_report), str(text)]) == EXIT_INPUT


def test_a_partial_side_exits_4_unless_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from datatrail.cli.main import main
    from tests.support.realworld import HERE

    whole = HERE / "countly-sample.apk"
    cut = tmp_path / "cut.apk"
    cut.write_bytes(whole.read_bytes()[:300_000])
    assert main(["diff", str(cut), str(whole)]) == 4
    assert f"{cut}: analysed only in part" in capsys.readouterr().err
    assert main(["diff", str(cut), str(whole), "--accept-partial"]) == 0
    # A tripped gate still exits 4 first: what looks new may only be what the cut side lost.
    assert main(["diff", str(cut), str(whole), "--fail-on-new", "any"]) == 4
    assert main(["diff", str(cut), str(whole), "--fail-on-new", "any", "--accept-partial"]) == 1
    assert main(["diff", str(whole), str(whole)]) == 0
