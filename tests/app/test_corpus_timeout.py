"""The static scan over many inputs with a per-input timeout: a slow input fails alone, in this process and in workers."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from datatrail.app.corpus import scan_apps
from datatrail.app.options import ScanOptions
from datatrail.app.pipeline import scan_file
from datatrail.batch import BatchInput, Status
from datatrail.model.report import Report
from tests.support.corpus import corpus_dir

SMALL_APK = "apk/androguard/com.politedroid_4.apk"
OTHER_APK = "apk/androguard/TC-debug.apk"


def sleep_on_marked_inputs(path: Path, options: ScanOptions) -> Report:
    """A scanner that hangs in Python on inputs named ``slow*``. Module-level so workers can import it."""
    if path.name.startswith("slow"):
        time.sleep(60)
    return scan_file(path, options)


def stuck_in_c_on_marked_inputs(path: Path, options: ScanOptions) -> Report:
    """A scanner stuck inside one long C call on inputs named ``stuck*``.

    ``sum`` over a range loops in C without checking for signals (minutes
    here), so no Python signal handler runs until it returns: only the
    worker's CPU-time limit can end it.
    """
    if path.name.startswith("stuck"):
        sum(range(10**12))
    return scan_file(path, options)


@pytest.fixture()
def apps(tmp_path: Path) -> dict[str, Path]:
    corpus = corpus_dir()
    out = {}
    for name, src in {"slow.apk": SMALL_APK, "stuck.apk": SMALL_APK, "small.apk": SMALL_APK, "other.apk": OTHER_APK}.items():
        out[name] = tmp_path / name
        shutil.copyfile(corpus / src, out[name])
    return out


def test_timeout_in_process_fails_the_slow_input_and_goes_on(apps: dict[str, Path]) -> None:
    inputs = [BatchInput(apps["slow.apk"]), BatchInput(apps["small.apk"])]
    start = time.perf_counter()
    outcomes = list(scan_apps(inputs, jobs=1, scanner=sleep_on_marked_inputs, timeout=0.5))
    assert time.perf_counter() - start < 20  # not the scanner's 60 s
    assert [o.status for o in outcomes] == [Status.FAILED, Status.ANALYSED]
    assert outcomes[0].error == f"datatrail: cannot analyse {apps['slow.apk']}: timed out after 0.5 s"
    assert 0.4 < outcomes[0].seconds < 20
    assert outcomes[1].report is not None and outcomes[1].report.app.package == "com.politedroid"


def test_timeout_in_workers_fails_only_the_slow_input(apps: dict[str, Path]) -> None:
    inputs = [BatchInput(apps[n]) for n in ("small.apk", "slow.apk", "other.apk")]
    # Generous enough for a fresh worker's first scan (it loads the knowledge tables) on a busy machine.
    outcomes = sorted(scan_apps(inputs, jobs=2, render=str, scanner=sleep_on_marked_inputs, timeout=3),
                      key=lambda o: o.index)
    assert [o.status for o in outcomes] == [Status.ANALYSED, Status.FAILED, Status.ANALYSED]
    assert outcomes[1].error is not None and outcomes[1].error.endswith("timed out after 3 s")


def test_a_worker_stuck_in_c_is_ended_by_its_cpu_limit(apps: dict[str, Path]) -> None:
    inputs = [BatchInput(apps[n]) for n in ("stuck.apk", "small.apk")]
    start = time.perf_counter()
    outcomes = sorted(scan_apps(inputs, jobs=2, render=str, scanner=stuck_in_c_on_marked_inputs, timeout=1),
                      key=lambda o: o.index)
    assert time.perf_counter() - start < 40
    assert [o.status for o in outcomes] == [Status.FAILED, Status.ANALYSED]
    assert outcomes[0].error is not None and "stuck past the time limit" in outcomes[0].error


def test_a_generous_timeout_changes_nothing(apps: dict[str, Path]) -> None:
    inputs = [BatchInput(apps["other.apk"])]
    timed = next(scan_apps(inputs, timeout=120))
    plain = next(scan_apps(inputs))
    assert timed.status is plain.status is Status.ANALYSED
    assert timed.report is not None and plain.report is not None
    assert timed.report.sdks == plain.report.sdks and timed.report.destinations == plain.report.destinations


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf")])
def test_timeout_must_be_positive(apps: dict[str, Path], bad: float) -> None:
    with pytest.raises(ValueError, match="timeout must be positive and finite"):
        list(scan_apps([BatchInput(apps["small.apk"])], timeout=bad))
