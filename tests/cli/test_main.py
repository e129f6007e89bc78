"""The command line contract: formats, output files, documented exit codes."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from datatrail.cli.main import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from tests.support.corpus import corpus_dir


@pytest.fixture()
def a2dp() -> Path:
    return corpus_dir() / "apk" / "androguard" / "a2dp.Vol_137.apk"


def test_terminal_summary(a2dp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(a2dp)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "a2dp.Vol" in out and "2.12.9.2" in out
    assert "READ_CONTACTS" in out and "dangerous" in out
    assert "AND008" in out  # targetSdk 25


def test_json_to_file(a2dp: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert main(["scan", str(a2dp), "--format", "json", "-o", str(out)]) == EXIT_OK
    doc = json.loads(out.read_text())
    assert doc["app"]["package"] == "a2dp.Vol"
    assert doc["app"]["version_code"] == 137
    assert len(doc["permissions"]) == 17
    assert not (tmp_path / "r.json.part").exists()


def test_fail_on_thresholds(a2dp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a2dp.Vol has medium findings (exported receivers, targetSdk 25) and nothing high.
    assert main(["scan", str(a2dp), "--format", "json", "--fail-on", "medium"]) == EXIT_FINDINGS
    assert main(["scan", str(a2dp), "--format", "json", "--fail-on", "high"]) == EXIT_OK
    capsys.readouterr()


def test_usage_errors(a2dp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_USAGE
    with pytest.raises(SystemExit) as exc:
        main(["scan", str(a2dp), "--format", "pdf"])
    assert exc.value.code == EXIT_USAGE
    with pytest.raises(SystemExit) as exc:
        main(["scan"])
    assert exc.value.code == EXIT_USAGE
    assert main(["scan", str(a2dp), str(a2dp), "--format", "json"]) == EXIT_USAGE
    assert "jsonl" in capsys.readouterr().err


def test_unreadable_inputs_exit_3_and_others_still_reported(a2dp: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.apk"
    junk.write_bytes(os.urandom(4096))
    missing = tmp_path / "missing.apk"
    code = main(["scan", str(junk), str(missing), str(a2dp), "--format", "jsonl"])
    captured = capsys.readouterr()
    assert code == EXIT_INPUT
    lines = captured.out.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["app"]["package"] == "a2dp.Vol"
    assert "junk.apk: not a format datatrail reads" in captured.err
    assert "missing.apk" in captured.err
    assert "Traceback" not in captured.err


def test_several_json_reports_into_a_directory(a2dp: Path, tmp_path: Path) -> None:
    other = corpus_dir() / "apk" / "androguard" / "com.politedroid_4.apk"
    assert main(["scan", str(a2dp), str(other), "--format", "json", "-o", str(tmp_path)]) == EXIT_OK
    assert json.loads((tmp_path / "com.politedroid_4.apk.json").read_text())["app"]["package"] == "com.politedroid"
    assert json.loads((tmp_path / "a2dp.Vol_137.apk.json").read_text())["app"]["package"] == "a2dp.Vol"


def test_help_documents_exit_codes() -> None:
    proc = subprocess.run([sys.executable, "-m", "datatrail.cli", "scan", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    for line in ("0  analysed", "1  a finding at or above --fail-on", "2  usage error", "3  an input could not be analysed"):
        assert line in proc.stdout


def test_no_traceback_for_garbage_in_a_fresh_process(tmp_path: Path) -> None:
    junk = tmp_path / "x.dex"
    junk.write_bytes(b"dex\n035\0" + b"\xff" * 200)
    proc = subprocess.run([sys.executable, "-m", "datatrail.cli", "scan", str(junk)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == EXIT_INPUT
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("datatrail: cannot analyse")


def test_scan_timeout_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["scan", "x.apk", "--timeout", "0"])
    assert exc.value.code == EXIT_USAGE
    assert "positive number of seconds" in capsys.readouterr().err
    apk = corpus_dir() / "apk" / "uiautomator" / "app-uiautomator-androidx.apk"
    assert main(["scan", str(apk), "--timeout", "0.001", "--jobs", "1", "--format", "json", "-o", str(tmp_path / "r.json")]) == EXIT_INPUT
    assert "timed out after 0.001 s" in capsys.readouterr().err
    assert main(["scan", str(apk), "--timeout", "600", "--format", "json", "-o", str(tmp_path / "r.json")]) in (EXIT_OK, EXIT_FINDINGS)


def _subcommands() -> dict[str, Any]:
    from datatrail.cli.main import _build_parser

    parser, _ = _build_parser([])
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


_WRITES_OUTPUT = ("scan", "lookup", "data", "render", "capture", "diff", "label", "corpus")
_GATES = ("scan", "capture", "diff", "label")


def _options(parser: Any) -> dict[str, Any]:
    return {opt: action for action in parser._actions for opt in action.option_strings}


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_command_keeps_the_cli_contract(name: str) -> None:
    """docs/cli.md: the same flag for the same thing, a default format, help with exit codes and examples."""
    from datatrail.knowledge.viewers import DEFAULT_VIEWER, VIEWERS

    parser = _subcommands()[name]
    options = _options(parser)
    assert parser.allow_abbrev is False
    assert "exit codes" in (parser.epilog or "") and "examples" in (parser.epilog or ""), "--help says both"
    if "--format" in options:
        fmt = options["--format"]
        assert fmt.option_strings == ["-f", "--format"]
        assert fmt.default == "terminal" and "terminal" in fmt.choices
    if name in _WRITES_OUTPUT:
        assert options["-o"].option_strings == ["-o", "--output"] and options["-o"].dest == "output"
    if "--viewer" in options:
        from datatrail.cli.commands.common import VIEWER_HELP

        viewer = options["--viewer"]
        assert tuple(viewer.choices) == tuple(VIEWERS) and viewer.default == DEFAULT_VIEWER and viewer.help == VIEWER_HELP
    assert ("--fail-on" in options) == (name in _GATES)


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_example_in_help_parses(name: str) -> None:
    """Each `datatrail ...` line of a command's examples is a command line the parser accepts."""
    import shlex

    from datatrail.cli.main import _build_parser

    examples = (_subcommands()[name].epilog or "").split("examples:", 1)[1]
    lines = [line.split("  #", 1)[0].strip() for line in examples.splitlines() if line.strip().startswith("datatrail ")]
    assert lines, "at least one example"
    for line in lines:
        argv = shlex.split(line)[1:]
        parser, _ = _build_parser(argv)
        parser.parse_args(argv)  # a usage error exits 2 and fails the test
