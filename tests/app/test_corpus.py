"""Corpus-scale scanning: directories, worker pools, crashes, progress and summary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from datatrail.app.corpus import discover_apps, scan_apps, scan_stream
from datatrail.app.options import ScanOptions
from datatrail.app.pipeline import scan_file
from datatrail.batch import BatchInput, Status
from datatrail.cli.main import EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from datatrail.model.report import Report
from datatrail.report.json import to_json
from tests.support.corpus import corpus_dir

# Small inputs of every kind the loader sniffs, so the suite stays fast.
APPS = {
    "a2dp.apk": "apk/androguard/a2dp.Vol_137.apk",
    "politedroid.apk": "apk/androguard/com.politedroid_4.apk",
    "nested/deeper/tc.apk": "apk/androguard/TC-debug.apk",
    "nested/lib.jar": "sdk/android/adjust/adjust-android-oaid.jar",
    "nested/code.dex": "apk/androguard/Test.dex",
    "no-extension": "apk/androguard/Test-debug.apk",
}


def crash_on_marked_inputs(path: Path, options: ScanOptions) -> Report:
    """A scanner whose process dies, as under the OOM killer, on inputs named ``crash*``.

    Module-level so worker processes can import it by name.
    """
    if path.name.startswith("crash"):
        os._exit(70)
    return scan_file(path, options)


def out_of_memory_on_marked_inputs(path: Path, options: ScanOptions) -> Report:
    if path.name.startswith("huge"):
        raise MemoryError
    return scan_file(path, options)


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """Apps, junk and a symlink loop, the way a downloaded corpus looks."""
    root = tmp_path / "corpus"
    corpus = corpus_dir()
    for rel, src in APPS.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / src, target)
    (root / "README.txt").write_text("not an app\n")
    (root / "nested" / "empty.apk").write_bytes(b"")
    (root / "nested" / "random.bin").write_bytes(os.urandom(2048))
    with zipfile.ZipFile(root / "nested" / "photos.zip", "w") as z:  # a ZIP, but no app
        z.writestr("a.txt", "hello")
    (root / "nested" / "deeper" / "loop").symlink_to(root, target_is_directory=True)
    return root


def _normalised(line: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(line)
    doc.pop("generated_at")
    doc.pop("timings")
    return doc


def _by_path(lines: list[str]) -> dict[str, dict[str, Any]]:
    docs = [_normalised(line) for line in lines]
    return {doc["inputs"][0]["path"]: doc for doc in docs}


def test_discover_walks_sorted_skips_junk_and_loops(tree: Path) -> None:
    found = discover_apps([tree])
    rel = [str(item.relative) for item in found.inputs]
    # A directory's own files in name order, then its subdirectories; the loop is entered once.
    assert rel == [
        "a2dp.apk",
        "no-extension",
        "politedroid.apk",
        "nested/code.dex",
        "nested/lib.jar",
        "nested/photos.zip",
        "nested/deeper/tc.apk",
    ]
    assert found.skipped == 3  # README.txt, empty.apk, random.bin; photos.zip is only told apart by parsing
    assert found.directories == 1 and not found.problems
    assert all(not item.explicit for item in found.inputs)
    assert discover_apps([tree]).inputs == found.inputs


def test_directory_jsonl_equals_serial_scans_for_one_and_two_jobs(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = {str(tree / rel): _normalised(to_json(scan_file(tree / rel), indent=None)) for rel in APPS}
    results = {}
    for jobs in ("1", "2"):
        assert main(["scan", str(tree), "--format", "jsonl", "--jobs", jobs]) == EXIT_OK
        captured = capsys.readouterr()
        lines = captured.out.splitlines()
        assert len(lines) == len(APPS)
        results[jobs] = _by_path(lines)
        # photos.zip is found to be no app by the worker: skipped, not failed.
        assert captured.err.splitlines() == [captured.err.splitlines()[-1]]
        assert f"datatrail: {len(APPS)} analysed, 0 failed, 4 skipped in " in captured.err
        assert "apps/min" in captured.err
    assert results["1"] == expected
    assert results["2"] == expected


def test_corrupt_app_in_a_directory_fails_alone(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = (tree / "a2dp.apk").read_bytes()
    (tree / "nested" / "broken.apk").write_bytes(data[:3000])  # a ZIP header, no central directory
    code = main(["scan", str(tree), "--format", "jsonl", "--jobs", "2"])
    captured = capsys.readouterr()
    assert code == EXIT_INPUT
    assert len(captured.out.splitlines()) == len(APPS)
    errors = [line for line in captured.err.splitlines() if "cannot analyse" in line]
    assert len(errors) == 1 and "broken.apk" in errors[0]
    assert f"{len(APPS)} analysed, 1 failed, 4 skipped" in captured.err
    assert "Traceback" not in captured.err


def test_a_named_non_app_is_still_an_error(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", str(tree / "README.txt"), str(tree / "nested" / "photos.zip"), str(tree / "a2dp.apk"), "--format", "jsonl"])
    captured = capsys.readouterr()
    assert code == EXIT_INPUT
    assert len(captured.out.splitlines()) == 1
    assert "README.txt: not a format datatrail reads" in captured.err
    assert "photos.zip: a ZIP archive, but not an app package" in captured.err
    assert "1 analysed, 2 failed, 0 skipped" in captured.err


def test_directory_without_apps_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("nothing here")
    assert main(["scan", str(tmp_path), "--format", "jsonl"]) == EXIT_INPUT
    assert "no app package or code found in" in capsys.readouterr().err


def test_json_reports_mirror_the_tree(tree: Path, tmp_path: Path) -> None:
    (tree / "nested" / "a2dp.apk").write_bytes((tree / "a2dp.apk").read_bytes())  # same name, other folder
    out = tmp_path / "reports"
    out.mkdir()
    assert main(["scan", str(tree), "--format", "json", "-o", str(out), "--jobs", "2"]) == EXIT_OK
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.json"))
    assert written == sorted([f"{rel}.json" for rel in APPS] + ["nested/a2dp.apk.json"])
    assert json.loads((out / "nested" / "deeper" / "tc.apk.json").read_text())["inputs"][0]["kind"] == "apk"
    assert not list(out.rglob("*.part"))


def test_json_from_a_directory_needs_an_output_directory(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(tree), "--format", "json"]) == EXIT_USAGE
    assert "needs -o DIRECTORY" in capsys.readouterr().err


def test_terminal_reports_keep_input_order(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "summary.txt"
    summary = tmp_path / "summary.json"
    files = [str(tree / "politedroid.apk"), str(tree / "a2dp.apk"), str(tree / "nested" / "deeper" / "tc.apk")]
    assert main(["scan", *files, "-o", str(out), "--jobs", "2", "--summary-json", str(summary)]) == EXIT_OK
    text = out.read_text()
    assert 0 < text.index("com.politedroid") < text.index("a2dp.Vol")
    counts = json.loads(summary.read_text())
    assert counts["analysed"] == 3 and counts["failed"] == 0 and counts["jobs"] == 2
    assert counts["apps_per_minute"] > 0


def test_ordered_batch_yields_in_input_order(tree: Path) -> None:
    inputs = discover_apps([tree]).inputs
    outcomes = list(scan_apps(inputs, jobs=2, ordered=True, tasks_per_child=1))
    assert [o.index for o in outcomes] == list(range(len(inputs)))
    assert [o.status for o in outcomes if o.path.name == "photos.zip"] == [Status.SKIPPED]
    assert all(o.status is Status.ANALYSED and o.report is not None for o in outcomes if o.path.name != "photos.zip")


def test_a_dying_worker_fails_only_its_input(tree: Path) -> None:
    crash = tree / "crash.apk"
    crash.write_bytes((tree / "a2dp.apk").read_bytes())
    inputs = [BatchInput(tree / rel) for rel in APPS] + [BatchInput(crash)]
    outcomes = list(scan_apps(inputs, jobs=2, render=str, scanner=crash_on_marked_inputs))
    assert sorted(o.index for o in outcomes) == list(range(len(inputs)))
    failed = [o for o in outcomes if o.status is Status.FAILED]
    assert [o.path for o in failed] == [crash]
    assert failed[0].error is not None and "died" in failed[0].error
    assert sum(o.status is Status.ANALYSED for o in outcomes) == len(APPS)


def test_memory_error_fails_only_its_input(tree: Path) -> None:
    huge = tree / "huge.apk"
    huge.write_bytes((tree / "politedroid.apk").read_bytes())
    inputs = [BatchInput(huge), BatchInput(tree / "politedroid.apk")]
    outcomes = list(scan_apps(inputs, jobs=1, scanner=out_of_memory_on_marked_inputs))
    assert [o.status for o in outcomes] == [Status.FAILED, Status.ANALYSED]
    assert outcomes[0].error == f"datatrail: cannot analyse {huge}: out of memory"


def test_progress_goes_to_stderr_only(tree: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "datatrail.cli", "scan", str(tree), "--format", "jsonl", "--jobs", "2", "--progress"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == EXIT_OK, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(APPS)
    assert all(line.startswith("{") and json.loads(line) for line in lines)
    total = len(APPS) + 1  # photos.zip is only found to be no app by its worker
    assert "scanning" in proc.stderr and f"{total}/{total}" in proc.stderr
    assert proc.stderr.rstrip().splitlines()[-1].startswith(f"datatrail: {len(APPS)} analysed, 0 failed")


def test_jobs_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["scan", "x.apk", "--jobs", "0"])
    assert exc.value.code == EXIT_USAGE
    assert "must be at least 1" in capsys.readouterr().err


def test_ios_bundle_folders_are_one_input_each(tmp_path: Path) -> None:
    """An unzipped .app/.framework is one app, not a tree of loose binaries; plain folders are walked."""
    app = tmp_path / "store" / "Demo.app"
    (app / "Frameworks" / "Kit.framework").mkdir(parents=True)
    (app / "Info.plist").write_bytes(b"<plist/>")
    (app / "Demo").write_bytes(b"\xcf\xfa\xed\xfe" + bytes(60))
    (app / "Frameworks" / "Kit.framework" / "Kit").write_bytes(b"\xcf\xfa\xed\xfe" + bytes(60))
    loose = tmp_path / "store" / "libs"
    loose.mkdir()
    (loose / "libfoo.a").write_bytes(b"!<arch>\n")
    found = discover_apps([tmp_path / "store"])
    assert [i.path for i in found.inputs] == [app, loose / "libfoo.a"]
    named = discover_apps([app])
    assert [i.path for i in named.inputs] == [app] and named.directories == 0


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_stream_scans_inputs_as_they_arrive_with_one_pool(tree: Path, jobs: int) -> None:
    # Inputs trickle in (a service's queue): some at first, more while the pool works, a crash among
    # them; the stream ends when its source says so, after the inputs in flight.
    crash = tree / "crash.apk"
    crash.write_bytes((tree / "a2dp.apk").read_bytes())
    arrivals = [[tree / "a2dp.apk"], [], [tree / "politedroid.apk", crash], [], [tree / "nested/code.dex"]]
    asked: list[tuple[int, bool]] = []

    def more(inputs: list[BatchInput], n: int, block: bool) -> bool:
        asked.append((n, block))
        assert n >= 1
        if arrivals:
            batch = arrivals.pop(0)
            inputs.extend(BatchInput(p) for p in batch[:n])
            if batch[n:]:
                arrivals.insert(0, batch[n:])
        return bool(arrivals)

    outcomes = list(scan_stream(more, jobs=jobs, render=str, scanner=crash_on_marked_inputs if jobs > 1 else scan_file, poll=0.05))
    assert sorted(o.index for o in outcomes) == [0, 1, 2, 3]
    by_name = {o.path.name: o.status for o in outcomes}
    assert by_name["a2dp.apk"] is by_name["politedroid.apk"] is by_name["code.dex"] is Status.ANALYSED
    assert by_name["crash.apk"] is (Status.FAILED if jobs > 1 else Status.ANALYSED)
    assert arrivals == [] and any(block for _, block in asked)
