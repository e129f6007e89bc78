"""datatrail scan's outputs and gate: paths that just work, one reason per tripped rule, no abbreviations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datatrail.cli.main import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, main
from tests.support.corpus import corpus_dir

EXIT_OUTPUT = 5


@pytest.fixture()
def apps() -> tuple[Path, Path]:
    root = corpus_dir() / "apk" / "androguard"
    return root / "Test-debug.apk", root / "com.politedroid_4.apk"


def test_outputs_make_their_folders(apps: tuple[Path, Path], tmp_path: Path) -> None:
    out, baseline, summary = tmp_path / "new" / "dir" / "x.json", tmp_path / ".datatrail" / "baseline.json", tmp_path / "s" / "s.json"
    assert main(["scan", str(apps[0]), "--format", "json", "-o", str(out), "--write-baseline", str(baseline),
                 "--summary-json", str(summary)]) == EXIT_OK
    assert json.loads(out.read_text())["app"]["package"] == "org.t0t0.androguard.test"
    assert json.loads(baseline.read_text())["format"] == "datatrail-baseline/1"
    assert json.loads(summary.read_text())["analysed"] == 1
    assert not list(tmp_path.rglob("*.part"))


def test_several_inputs_into_a_folder_that_does_not_exist_yet(apps: tuple[Path, Path], tmp_path: Path) -> None:
    assert main(["scan", *map(str, apps), "--format", "json", "-o", str(tmp_path / "reports"), "--jobs", "1"]) == EXIT_OK
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["Test-debug.apk.json", "com.politedroid_4.apk.json"]


def test_an_output_that_cannot_be_written_exits_5_naming_the_path_given(
        apps: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("")
    for args in (["-o", str(blocker / "x.json")], ["--format", "jsonl", "-o", str(blocker / "x.jsonl")],
                 ["--write-baseline", str(blocker / "b.json")]):
        assert main(["scan", str(apps[0]), *args]) == EXIT_OUTPUT
        err = capsys.readouterr().err
        assert f"datatrail: error: cannot write {blocker}/" in err and f"{blocker} is a file, not a folder" in err
        assert ".part" not in err


def test_a_tripped_gate_names_each_input_and_rule(apps: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", *map(str, apps), "--format", "jsonl", "--fail-on", "high,AND002", "--jobs", "1"]) == EXIT_FINDINGS
    err = capsys.readouterr().err.splitlines()
    gate = [line for line in err if line.startswith("datatrail: gate: ")]
    # Test-debug is signed with the debug key (SIG001, high); politedroid targets an old API (AND008, high);
    # both allow backups (AND002, low), which the gate names explicitly.
    assert f"datatrail: gate: {apps[0]}: SIG001 (high) is at or above --fail-on high" in gate
    assert f"datatrail: gate: {apps[1]}: AND008 (high) is at or above --fail-on high" in gate
    assert f"datatrail: gate: {apps[0]}: AND002 (low) is named by --fail-on" in gate
    assert not any("AND006" in line for line in gate)


def test_options_are_never_abbreviated(apps: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    # "--fail" used to be taken for --fail-on without a word; diff's gate is now --fail-on too, by its full name.
    with pytest.raises(SystemExit) as exc:
        main(["diff", str(apps[0]), str(apps[1]), "--fail", "sdks"])
    assert exc.value.code == EXIT_USAGE and "unrecognized arguments: --fail sdks" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["scan", str(apps[0]), "--fail", "high"])
    assert exc.value.code == EXIT_USAGE


def test_a_directory_scan_stays_inside_its_tree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.support.factories import build_apk

    root = tmp_path / "apps"
    root.mkdir()
    (root / "one.apk").write_bytes(build_apk("com.example.one"))
    (root / "etc").symlink_to("/etc", target_is_directory=True)  # once made the scan read /etc and /etc/mtab
    (root / "empty.apk").write_bytes(b"")                         # not an app: skipped, as the README says
    assert main(["scan", str(root), "--format", "jsonl", "-o", str(tmp_path / "out.jsonl"), "--jobs", "1"]) == EXIT_OK
    err = capsys.readouterr().err
    assert "1 symbolic link leading out of the directory not followed (--follow-symlinks follows them)" in err
    assert "1 analysed, 0 failed, 1 skipped" in err
    assert [json.loads(line)["app"]["package"] for line in (tmp_path / "out.jsonl").read_text().splitlines()] == ["com.example.one"]


def test_a_fifo_named_on_the_command_line_is_refused_not_waited_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os

    fifo = tmp_path / "app.apk"
    os.mkfifo(fifo)
    assert main(["scan", str(fifo)]) == 3
    assert f"datatrail: cannot analyse {fifo}: a FIFO (named pipe), not a file datatrail reads" in capsys.readouterr().err


def test_several_apps_in_the_terminal_give_one_overview_row_each(
        apps: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["scan", *map(str, apps), "--jobs", "1"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "2 apps, worst first" in out and "Package " not in out  # no per-app panels
    rows = [line for line in out.splitlines() if line.startswith("│")]
    assert len(rows) == 2
    # Both have high findings (a debug key; an old target API): equal worst, so by path.
    assert str(apps[0]) in rows[0] and "org.t0t0.androguard.test" in rows[0] and "high" in rows[0]
    assert str(apps[1]) in rows[1] and "org.poirsouille.tinc_keygen" not in rows[1] and "high" in rows[1]
    assert main(["scan", *map(str, apps), "--jobs", "1", "--details"]) == EXIT_OK
    detailed = capsys.readouterr().out
    assert detailed.count("Package ") == 2 and "2 apps, worst first" in detailed
    assert f"File     {apps[0]}" in detailed  # each panel says which file it is


def test_one_app_gets_its_whole_view_and_no_overview(apps: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(apps[0])]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Package " in out and "worst first" not in out


def test_a_saved_report_or_a_capture_given_to_scan_says_which_command_reads_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.support.factories import build_apk

    app = tmp_path / "one.apk"
    app.write_bytes(build_apk("com.example.one"))
    saved = tmp_path / "report.json"
    assert main(["scan", str(app), "-f", "json", "-o", str(saved)]) == EXIT_OK
    assert main(["scan", str(saved)]) == 3
    assert f"a saved datatrail report, not an app — show it with: datatrail render {saved}" in capsys.readouterr().err
    har = tmp_path / "traffic.har"
    har.write_text('{"log": {"entries": []}}')
    assert main(["scan", str(har)]) == 3
    assert f"a network capture, not an app — read it with: datatrail capture {har}" in capsys.readouterr().err
