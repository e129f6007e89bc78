"""Corpus scans on a real Dask cluster: ``datatrail scan --cluster`` against ``dask scheduler`` and
``dask worker`` processes on loopback (and a LocalCluster). The reports equal a local scan's, a
worker killed mid-run loses nothing, a second run skips everything, ``--ship`` works for workers
that cannot read the client's files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from datatrail.app.pipeline import scan_file
from datatrail.report.json import to_dict
from tests.support.corpus import corpus_files
from tests.support.dask_cluster import DaskCluster

APPS = corpus_files("apk/bugly-demo/*.apk", "apk/exodus-core/*.apk", "apk/app-info/*.apk", "apk/androguard/TC*.apk",
                    "apk/androguard/com.*.apk")
VOLATILE = ("generated_at", "timings")
SRC = str(Path(__file__).resolve().parents[2] / "src")


def _cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "datatrail.cli", "scan", *args], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd, env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"}, check=False)


def _reports(out: Path) -> dict[str, dict[str, object]]:
    docs = {}
    for f in (out / "reports").rglob("*.json"):
        doc = json.loads(f.read_text())
        docs[doc["inputs"][0]["path"]] = {k: v for k, v in doc.items() if k not in VOLATILE}
    return docs


def _local(paths: list[Path]) -> dict[str, dict[str, object]]:
    return {str(p): {k: v for k, v in to_dict(scan_file(p)).items() if k not in VOLATILE} for p in paths}


def _wait_for_first_report(out: Path) -> None:
    """Until the run is under way: its first report is written (the index is written in flushes)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any((out / "reports").rglob("*.json")):
        time.sleep(0.02)


def _index(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / "index.jsonl").read_text().splitlines()]


def _copies(apps: list[Path], prefix: str) -> list[Path]:
    """Each app three times under new bytes (appended after the ZIP): three times the work, each copy its own report."""
    names = []
    for i, app in enumerate(apps * 3):
        copy = app.with_name(f"{prefix}{i:03d}-{app.name}")
        copy.write_bytes(app.read_bytes() + f"{prefix} {i}".encode())
        names.append(copy)
    return names


@pytest.fixture
def apps(tmp_path: Path) -> list[Path]:
    """The corpus apps under distinct names in one folder (absolute paths: the workers' cwd is another)."""
    folder = tmp_path / "apps"
    folder.mkdir()
    copies = []
    for i, app in enumerate(APPS):
        copy = folder / f"{i:02d}-{app.name}"
        shutil.copy(app, copy)
        copies.append(copy)
    return copies


pytestmark = pytest.mark.skipif(not APPS, reason="test corpus not found (set DATATRAIL_CORPUS)")


def test_local_cluster_reports_equal_a_local_scan_and_a_rerun_skips_all(apps: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _cli(str(apps[0].parent), "--cluster", "local:2", "--out", str(out), "--no-progress")
    assert done.returncode == 0, done.stderr
    assert f"{len(apps)} analysed, 0 failed, 0 skipped of {len(apps)}" in done.stderr
    assert _reports(out) == _local(apps)
    again = _cli(str(apps[0].parent), "--cluster", "local:2", "--out", str(out), "--no-progress")
    assert again.returncode == 0 and f"0 analysed, 0 failed, {len(apps)} skipped" in again.stderr, again.stderr
    assert len(_index(out)) == len(apps)  # the rerun wrote nothing


def test_a_worker_killed_mid_run_loses_nothing(apps: list[Path], tmp_path: Path) -> None:
    cluster = DaskCluster(tmp_path / "dask", workers=2)
    try:
        cluster.wait_for_workers(2)
        listing = tmp_path / "apps.txt"
        names = _copies(apps, "r")  # enough work that the kill lands mid-run
        listing.write_text("# the corpus, copied\n" + "\n".join(str(p) for p in names) + "\n")
        out = tmp_path / "out"
        scan = subprocess.Popen([sys.executable, "-m", "datatrail.cli", "scan", str(listing), "--cluster", cluster.address,
                                 "--out", str(out), "--no-progress"], stderr=subprocess.PIPE, text=True,
                                env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"})
        _wait_for_first_report(out)  # the first results are in: the run is under way
        cluster.kill(cluster.workers[0])
        _, err = scan.communicate(timeout=300)
        assert scan.returncode == 0, err
        assert f"{len(names)} analysed, 0 failed, 0 skipped of {len(names)}" in err
        entries = _index(out)
        assert sorted(e["path"] for e in entries) == sorted(str(p) for p in names)  # each input exactly once
        assert len({e["sha256"] for e in entries}) == len(names)
    finally:
        cluster.stop()


def test_a_scanning_process_killed_under_a_local_cluster_loses_nothing(apps: list[Path], tmp_path: Path) -> None:
    """``local:2``'s workers are threads of the command; what can die under them is a worker's
    scanning process (here ``kill -9``): its input is scanned again, the run ends complete."""
    import psutil

    names = _copies(apps, "s")
    out = tmp_path / "out"
    scan = subprocess.Popen([sys.executable, "-m", "datatrail.cli", "scan", *map(str, names), "--cluster", "local:2",
                             "--out", str(out), "--no-progress"], stderr=subprocess.PIPE, text=True,
                            env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"})
    _wait_for_first_report(out)
    # The scanning processes: forked by the forkserver the command started.
    scanners = [p for p in psutil.Process(scan.pid).children(recursive=True)
                if p.ppid() != scan.pid and "forkserver" in " ".join(p.cmdline())]
    assert scanners, "no scanning process found under the command"
    scanners[0].kill()
    _, err = scan.communicate(timeout=300)
    assert scan.returncode == 0, err
    assert f"{len(names)} analysed, 0 failed, 0 skipped of {len(names)}" in err
    entries = _index(out)
    assert sorted(e["path"] for e in entries) == sorted(str(p) for p in names)  # each input exactly once
    assert len(list((out / "reports").rglob("*.json"))) == len(names)


def test_shipped_inputs_reach_workers_that_cannot_read_them(apps: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cluster = DaskCluster(tmp_path / "dask", workers=1)
    try:
        cluster.wait_for_workers(1)
        # Relative paths: the client resolves them in its folder, the worker (elsewhere) could not.
        relative = [Path("apps") / p.name for p in apps[:4]]
        out = tmp_path / "out"
        blind = _cli(*map(str, relative), "--cluster", cluster.address, "--out", str(out / "blind"), "--no-progress", cwd=tmp_path)
        assert blind.returncode == 3 and "4 failed" in blind.stderr, blind.stderr
        shipped = _cli(*map(str, relative), "--cluster", cluster.address, "--out", str(out / "shipped"), "--ship", "--no-progress",
                       cwd=tmp_path)
        assert shipped.returncode == 0, shipped.stderr
        monkeypatch.chdir(tmp_path)
        assert _reports(out / "shipped") == _local(relative)  # named as the client named them, not as the worker's copies
    finally:
        cluster.stop()


def test_tasks_shrink_to_one_input_at_the_end_and_a_big_input_goes_alone(tmp_path: Path) -> None:
    from datatrail.cluster.output import CorpusOutput
    from datatrail.cluster.run import BATCH, BATCH_BYTES, ClusterSummary, _batches

    paths = []
    for i in range(100):
        path = tmp_path / f"{i:03d}.apk"
        path.write_bytes(b"x")
        if i == 10:
            os.truncate(path, BATCH_BYTES)  # sparse: big on paper, nothing on disk
        paths.append(path)
    out = CorpusOutput(tmp_path / "out")
    batches = [[item.index for item in batch] for batch in _batches(paths, out, ClusterSummary(total=100), False, tail=12)]
    assert [i for batch in batches for i in batch] == list(range(100))  # every input once, in order
    assert max(map(len, batches)) == BATCH
    big = next(b for b in batches if 10 in b)
    assert big[-1] == 10  # the big one closes its task
    after = [len(b) for b in batches[batches.index(big) + 1:]]
    assert after == sorted(after, reverse=True) and after[0] == BATCH  # full tasks, then shrinking
    assert after[-12:] == [1] * 12  # the last tasks hold one input each: they end together


def test_cluster_usage_errors() -> None:
    assert "needs --out DIR (where the reports and tables go) or --database URL" in _cli("x.apk", "--cluster", "local:2").stderr
    bad = _cli("x.apk", "--cluster", "http://nope", "--out", "/tmp/x")
    assert bad.returncode == 2 and "local:N" in bad.stderr
    assert _cli("x.apk", "--out", "/tmp/x").returncode == 2


def test_a_corpus_scan_fills_the_service_store(apps: list[Path], tmp_path: Path, database: str) -> None:
    from datatrail.store import open_store
    from datatrail.store.queries import AppFilter, list_apps, version_report
    from datatrail.store.tables import versions

    out = tmp_path / "out"
    done = _cli(*map(str, apps[:6]), "--cluster", "local:2", "--out", str(out), "--database", database, "--no-progress")
    assert done.returncode == 0, done.stderr
    assert "6 recorded in the store" in done.stderr
    store = open_store(database, tmp_path / "store")
    try:
        with store.begin() as conn:
            rows = {r.sha256: r.id for r in conn.execute(versions.select())}
            assert len(rows) == 6
            for report in (out / "reports").rglob("*.json"):
                assert version_report(conn, rows[report.stem]) == report.read_text()  # what serve would return
            total, _ = list_apps(conn, AppFilter(), 50, 0)
            assert total == len({json.loads(p.read_text())["app"]["package"] for p in (out / "reports").rglob("*.json")})
    finally:
        store.engine.dispose()


def test_the_store_alone_is_the_index_a_rerun_skips_by(apps: list[Path], tmp_path: Path, database: str) -> None:
    """--database without --out: the reports go to the store with the tool's run key; a rerun
    skips every input whose bytes have a report of that key, and scans what is new or changed."""
    from datatrail.cluster.output import run_key
    from datatrail.store import open_store
    from datatrail.store.queries import version_report
    from datatrail.store.tables import versions

    first = _cli(*map(str, apps[:4]), "--cluster", "local:2", "--database", database, "--no-progress")
    assert first.returncode == 0, first.stderr
    assert "4 analysed, 0 failed, 0 skipped of 4" in first.stderr and "4 recorded in the store" in first.stderr
    store = open_store(database, tmp_path / "store")
    try:
        with store.begin() as conn:
            rows = list(conn.execute(versions.select()))
            assert len(rows) == 4 and {r.run_key for r in rows} == {run_key()}
            local = _local(apps[:1])[str(apps[0])]
            stored = next(r for r in rows if r.sha256 == local["inputs"][0]["sha256"])  # type: ignore[index]
            doc = json.loads(version_report(conn, stored.id) or "{}")
            assert {k: v for k, v in doc.items() if k not in VOLATILE} == local
        again = _cli(*map(str, apps[:6]), "--cluster", "local:2", "--database", database, "--no-progress")
        assert again.returncode == 0, again.stderr
        assert "2 analysed, 0 failed, 4 skipped of 6" in again.stderr and "2 recorded in the store" in again.stderr
        with store.begin() as conn:
            # A report made by another tool or datasets is scanned again.
            conn.execute(versions.update().where(versions.c.sha256 == stored.sha256).values(run_key="older-tool"))
        third = _cli(*map(str, apps[:6]), "--cluster", "local:1", "--database", database, "--no-progress")
        assert "1 analysed, 0 failed, 5 skipped of 6" in third.stderr, third.stderr
        with store.begin() as conn:
            assert len(list(conn.execute(versions.select()))) == 6
    finally:
        store.engine.dispose()


def test_an_input_that_cannot_be_read_fails_alone(apps: list[Path], tmp_path: Path) -> None:
    broken = apps[0].parent / "broken.apk"
    broken.write_bytes(b"PK\x03\x04 cut short")
    out = tmp_path / "out"
    done = _cli(str(broken), str(apps[0]), "--cluster", "local:1", "--out", str(out), "--no-progress")
    assert done.returncode == 3, done.stderr  # an input failed, as a local scan says it
    assert "1 analysed, 1 failed, 0 skipped of 2" in done.stderr and "cannot analyse broken.apk" in done.stderr
    (entry,) = [e for e in _index(out) if e["path"] == str(broken)]
    assert entry["status"] == "failed" and "not a readable ZIP" in str(entry["error"])
    again = _cli(str(broken), str(apps[0]), "--cluster", "local:1", "--out", str(out), "--no-progress")
    assert "0 analysed, 0 failed, 2 skipped" in again.stderr  # a failure is remembered too, until the file changes


def test_inputs_the_cluster_loses_fail_then_a_rerun_scans_them(apps: list[Path], tmp_path: Path) -> None:
    # A scheduler that gives up on a task the first time its worker dies: the batch is lost (KilledWorker).
    cluster = DaskCluster(tmp_path / "dask", workers=2, DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="0")
    try:
        cluster.wait_for_workers(2)
        names = _copies(apps, "k")
        listing = tmp_path / "apps.txt"
        listing.write_text("\n".join(str(p) for p in names) + "\n")
        out = tmp_path / "out"
        scan = subprocess.Popen([sys.executable, "-m", "datatrail.cli", "scan", str(listing), "--cluster", cluster.address,
                                 "--out", str(out), "--no-progress"], stderr=subprocess.PIPE, text=True,
                                env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"})
        _wait_for_first_report(out)
        cluster.kill(cluster.workers[0])
        _, err = scan.communicate(timeout=300)
        lost = [e for e in _index(out) if e["status"] == "lost"]
        assert scan.returncode == 3 and lost and "KilledWorker" in str(lost[0]["error"]), err
        assert f"{len(names) - len(lost)} analysed, {len(lost)} failed" in err
        cluster.workers.append(cluster.add_worker())
        cluster.wait_for_workers(2)
        again = _cli(str(listing), "--cluster", cluster.address, "--out", str(out), "--no-progress")
        assert again.returncode == 0, again.stderr
        assert f"{len(lost)} analysed, 0 failed, {len(names) - len(lost)} skipped" in again.stderr
        assert len(list((out / "reports").rglob("*.json"))) == len(names)
    finally:
        cluster.stop()
