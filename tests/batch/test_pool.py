"""The worker pool's processes never outlive the process that started them: a scan killed with
``kill -9`` mid-run leaves no worker (nor forkserver) behind; and a resident runner keeps one
worker from call to call."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from datatrail.app.corpus import PRELOAD
from datatrail.app.pipeline import scan_file
from datatrail.batch import BatchInput, ResidentRunner, Status
from tests.support.corpus import corpus_files
from tests.support.processes import group_members

APPS = corpus_files("apk/**/*.apk")
SRC = str(Path(__file__).resolve().parents[2] / "src")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(len(APPS) < 10, reason="test corpus not found (set DATATRAIL_CORPUS)")
def test_a_scan_killed_mid_run_leaves_no_worker_behind(tmp_path: Path) -> None:
    folder = tmp_path / "apps"
    folder.mkdir()
    for i in range(80):
        (folder / f"{i:02d}.apk").write_bytes(APPS[i % len(APPS)].read_bytes() + bytes([i]))
    scan = subprocess.Popen([sys.executable, "-m", "datatrail.cli", "scan", str(folder), "--jobs", "2", "--format", "jsonl",
                             "-o", str(tmp_path / "out.jsonl"), "--no-progress"], env={**os.environ, "PYTHONPATH": SRC},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    members = group_members(scan.pid)
    while time.monotonic() < deadline and len(members) < 4 and scan.poll() is None:
        time.sleep(0.02)  # until the pool is up: the scan, its forkserver and workers
        members = group_members(scan.pid)
    assert scan.poll() is None and len(members) >= 4, members  # killed mid-run, not after it ended
    scan.send_signal(signal.SIGKILL)  # the scan alone, not its group: its children are on their own now
    scan.wait(timeout=10)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _group_alive(scan.pid):
        time.sleep(0.2)
    left = group_members(scan.pid)
    if left:
        os.killpg(scan.pid, signal.SIGKILL)
    assert left == []


def _pid(report: object) -> str:
    return str(os.getpid())


@pytest.mark.skipif(not APPS, reason="test corpus not found (set DATATRAIL_CORPUS)")
def test_a_resident_runner_keeps_its_worker_between_calls() -> None:
    analyse = ResidentRunner(scan_file, render=_pid, timeout=60, preload=PRELOAD)
    pids = set()
    for app in APPS[:3]:
        (outcome,) = list(analyse([BatchInput(app)]))
        assert outcome.status is Status.ANALYSED and outcome.text is not None
        pids.add(int(outcome.text))
    analyse.close()
    assert len(pids) == 1 and os.getpid() not in pids  # one child, not this process, reused


_IDLE_OWNER = """
import sys, time
from pathlib import Path
from datatrail.app.pipeline import scan_file
from datatrail.batch import BatchInput, ResidentRunner
analyse = ResidentRunner(scan_file, timeout=60)
list(analyse([BatchInput(Path(sys.argv[1]))]))
print("ready", flush=True)
time.sleep(600)
"""


@pytest.mark.skipif(not APPS, reason="test corpus not found (set DATATRAIL_CORPUS)")
def test_an_idle_worker_ends_when_its_owner_is_killed() -> None:
    # A worker waiting for its next input holds its own end of the task pipe: only the guard ends it.
    owner = subprocess.Popen([sys.executable, "-c", _IDLE_OWNER, str(APPS[0])], env={**os.environ, "PYTHONPATH": SRC},
                             stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert owner.stdout is not None and owner.stdout.readline().strip() == "ready"
        assert len(group_members(owner.pid)) >= 2
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _group_alive(owner.pid):
            time.sleep(0.2)
        assert not _group_alive(owner.pid)
    finally:
        if _group_alive(owner.pid):
            os.killpg(owner.pid, signal.SIGKILL)
