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
    for i in range(40):
        (folder / f"{i:02d}.apk").write_bytes(APPS[i % len(APPS)].read_bytes() + bytes([i]))
    scan = subprocess.Popen([sys.executable, "-m", "datatrail.cli", "scan", str(folder), "--jobs", "2", "--format", "jsonl",
                             "-o", str(tmp_path / "out.jsonl"), "--no-progress"], env={**os.environ, "PYTHONPATH": SRC},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    out = tmp_path / "out.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out.exists() and out.stat().st_size):
        time.sleep(0.05)  # the pool is up and scanning
    members = subprocess.run(["ps", "-o", "pid=", "-g", str(scan.pid)], capture_output=True, text=True).stdout.split()
    assert len(members) >= 3  # the scan, its forkserver and workers
    scan.send_signal(signal.SIGKILL)  # the scan alone, not its group: its children are on their own now
    scan.wait(timeout=10)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _group_alive(scan.pid):
        time.sleep(0.2)
    left = subprocess.run(["ps", "-o", "pid=,cmd=", "-g", str(scan.pid)], capture_output=True, text=True).stdout
    if left.strip():
        os.killpg(scan.pid, signal.SIGKILL)
    assert left.strip() == ""


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
        assert len(subprocess.run(["ps", "-o", "pid=", "-g", str(owner.pid)], capture_output=True, text=True).stdout.split()) >= 2
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _group_alive(owner.pid):
            time.sleep(0.2)
        assert not _group_alive(owner.pid)
    finally:
        if _group_alive(owner.pid):
            os.killpg(owner.pid, signal.SIGKILL)
