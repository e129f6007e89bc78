"""The service as it runs for real: ``datatrail serve`` and ``datatrail worker`` processes on
loopback, uploads over HTTP, a worker frozen and killed mid-scan; every accepted upload ends."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from datatrail.app.pipeline import scan_file
from datatrail.errors import DatatrailError
from datatrail.report.json import to_dict
from tests.support.corpus import corpus_dir, corpus_files
from tests.support.processes import group_members
from tests.support.service_process import ServiceProcess, start_worker, wait_until

APPS = corpus_files("apk/**/*.apk", "apk/**/*.aab", "apk/**/*.apks", "ipa/**/*.ipa")
CAPTURES = corpus_files("net/ndpi/pcap/*", "net/pcapdroid/*.pcap", "net/har/**/*.har", "net/har/**/*.zhar",
                        "net/mitmproxy/**/*.har", "net/mitmproxy/**/*.mitm", "net/mitmproxy/**/*.flow")
VOLATILE = ("generated_at", "timings")


def _upload(client: httpx.Client, path: Path) -> httpx.Response:
    with path.open("rb") as fh:
        return client.post("/api/v1/scans", files={"file": (path.name, fh)})


def _ended(client: httpx.Client, ids: list[int]) -> dict[int, dict[str, Any]]:
    return {i: client.get(f"/api/v1/scans/{i}").json() for i in ids}


def _wait_all(client: httpx.Client, ids: list[int], timeout: float) -> dict[int, dict[str, Any]]:
    states: dict[int, dict[str, Any]] = {}

    def all_ended() -> bool:
        nonlocal states
        states = _ended(client, ids)
        return all(s["status"] in ("done", "failed") for s in states.values())

    assert wait_until(all_ended, timeout, every=0.5), {i: s["status"] for i, s in states.items()}
    return states


@pytest.mark.skipif(not APPS, reason="test corpus not found (set DATATRAIL_CORPUS)")
def test_every_corpus_app_through_the_service_equals_the_cli(tmp_path: Path) -> None:
    service = ServiceProcess(tmp_path / "data", "--workers", "1", "--jobs", "2", "--lease", "10")
    try:
        ids: dict[Path, int] = {}
        refused: dict[Path, str] = {}
        for path in APPS:
            r = _upload(service.client, path)
            assert r.status_code in (200, 202, 422), (path, r.status_code, r.text)
            if r.status_code == 422:
                refused[path] = r.json()["error"]["message"]
            else:
                ids[path] = r.json()["id"]
        states = _wait_all(service.client, list(ids.values()), 600)
        compared = 0
        for path, job_id in ids.items():
            try:
                cli_text = json.dumps(to_dict(scan_file(path)), ensure_ascii=False)
                cli = json.loads(cli_text.replace(json.dumps(str(path))[1:-1], json.dumps(path.name)[1:-1]))
            except DatatrailError:
                assert states[job_id]["status"] == "failed" and states[job_id]["error"], path
                continue
            assert states[job_id]["status"] == "done", (path, states[job_id])
            served = service.client.get(f"/api/v1/scans/{job_id}/report").json()
            assert {k: v for k, v in served.items() if k not in VOLATILE} == {k: v for k, v in cli.items() if k not in VOLATILE}, path
            compared += 1
        for path in refused:  # refused at the door only what the scan cannot read either
            with pytest.raises(DatatrailError):
                scan_file(path)
        assert compared >= len(APPS) * 0.8
    finally:
        service.stop()


@pytest.mark.skipif(not CAPTURES, reason="test corpus not found (set DATATRAIL_CORPUS)")
def test_every_corpus_capture_through_the_service_equals_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datatrail.capture import analyse_capture
    from datatrail.report.capture_json import captures_json

    service = ServiceProcess(tmp_path / "data", "--workers", "1", "--jobs", "2", "--lease", "10")
    try:
        ids: dict[Path, int] = {}
        seen: set[str] = set()
        for path in CAPTURES:
            r = _upload(service.client, path)
            assert r.status_code in (200, 202, 422), (path, r.status_code, r.text)
            if r.status_code != 422 and r.json()["sha256"] not in seen:  # the same bytes twice keep the first name
                seen.add(r.json()["sha256"])
                ids[path] = r.json()["id"]
        states = _wait_all(service.client, list(ids.values()), 300)
        compared = 0
        for path, job_id in ids.items():
            monkeypatch.chdir(path.parent)  # the CLI names the file as given: here, as it was uploaded
            try:
                cli = json.loads(captures_json([analyse_capture(Path(path.name))], "eu"))
            except DatatrailError:
                assert states[job_id]["status"] == "failed" and states[job_id]["error"], path
                continue
            assert states[job_id]["status"] == "done" and states[job_id]["kind"] == "capture", (path, states[job_id])
            assert service.client.get(f"/api/v1/scans/{job_id}/report").json() == cli, path
            compared += 1
        assert compared >= 60
        assert service.client.get("/api/v1/apps").json()["total"] == 0
    finally:
        service.stop()


def test_a_worker_frozen_then_killed_mid_scan_loses_nothing(database: str, tmp_path: Path) -> None:
    root = corpus_dir()
    slow = root / "apk/exodus-core/instapaper.apk"
    others = [root / p for p in ("apk/bugly-demo/BuglyHotfixDemo-app-release.apk", "apk/exodus-core/blooddonation.apk",
                                 "apk/bugly-demo/BuglyUpgradeDemo-demo.apk", "apk/androguard/com.politedroid_4.apk")]
    data = tmp_path / "data"
    service = ServiceProcess(data, "--workers", "0", database=database)
    first = start_worker(data, database, "--jobs", "1", "--lease", "3", "--poll", "0.05")
    second = None
    try:
        slow_id = _upload(service.client, slow).json()["id"]
        # Catch the first worker in the middle of the slow scan, freeze it (it stops renewing), then kill it.
        assert wait_until(lambda: service.client.get(f"/api/v1/scans/{slow_id}").json()["status"] == "running", 60, every=0.02)
        first.signal(signal.SIGSTOP)
        frozen_at = time.monotonic()
        uploads = [_upload(service.client, p) for p in [*others, others[0]]]  # the last one a duplicate: the same job
        assert all(r.status_code in (200, 202) for r in uploads), [(r.status_code, r.text[:300]) for r in uploads]
        ids = [slow_id] + [r.json()["id"] for r in uploads]
        assert ids[-1] == ids[1]
        second = start_worker(data, database, "--jobs", "1", "--lease", "3", "--poll", "0.05")
        states = _wait_all(service.client, ids, 300)
        first.signal(signal.SIGKILL)
        assert all(s["status"] == "done" for s in states.values()), states
        assert states[slow_id]["attempts"] == 2 and states[slow_id]["finished_at"] - states[slow_id]["started_at"] >= 0
        assert time.monotonic() - frozen_at >= 3  # claimed again only once its lease ran out
        stats = service.client.get("/api/v1/stats").json()
        assert stats["versions"] == len(set(ids)) == 5
        files = [p for p in (data / "files").rglob("*") if p.is_file()]
        assert len(files) == 5 and not any(p.name.startswith(".upload-") for p in files)
        ready = service.client.get("/readyz").json()
        assert ready["ready"] and ready["queue"] == {"done": 5}
    finally:
        first.stop()
        if second is not None:
            second.stop()
        service.stop()


@pytest.mark.skipif(not APPS, reason="test corpus not found (set DATATRAIL_CORPUS)")
def test_two_hundred_uploads_from_sixteen_clients(database: str, tmp_path: Path) -> None:
    """Bounded load: 200 uploads of the corpus's apps (repeats included) from 16 clients at once,
    against a server with 2 workers: every accepted upload ends, no 5xx, one report per content."""
    from concurrent.futures import ThreadPoolExecutor

    # No rate limit: one address sends all 200 (the limit itself is tested in test_api.py).
    service = ServiceProcess(tmp_path / "data", "--workers", "2", "--jobs", "1", "--lease", "20", "--rate-limit", "0",
                             database=database)
    uploads = [APPS[i % len(APPS)] for i in range(200)]
    try:
        def send(path: Path) -> tuple[Path, int, dict[str, Any]]:
            with httpx.Client(base_url=service.base, timeout=120) as client:
                r = _upload(client, path)
                return path, r.status_code, r.json()

        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(send, uploads))
        codes = [code for _, code, _ in results]
        assert not [c for c in codes if c >= 500], codes
        accepted = {body["id"] for _, code, body in results if code in (200, 202)}
        assert set(codes) <= {200, 202, 422}
        states = _wait_all(service.client, sorted(accepted), 600)
        done = [s["sha256"] for s in states.values() if s["status"] == "done"]
        assert len(done) == len(set(done))  # one job per content (a failed one may be tried again by a new upload)
        stats = service.client.get("/api/v1/stats").json()
        assert stats["versions"] == len(done) and len(done) >= len(APPS) * 0.8
    finally:
        service.stop()


def _group(pgid: int) -> list[str]:
    return [cmd for _, cmd in group_members(pgid)]  # not serve itself once ended and not yet reaped by the test


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_stopping_or_killing_serve_leaves_no_worker_behind(tmp_path: Path, sig: int) -> None:
    """SIGTERM to the whole group (what a service manager sends) stops serve and its workers, none
    restarted; SIGKILL to serve alone (a crash) ends its workers too: nothing polls a store no one serves."""
    service = ServiceProcess(tmp_path / "data", "--workers", "2", "--jobs", "1")
    pgid = service.proc.pid
    try:
        assert wait_until(lambda: sum("datatrail.cli worker" in line for line in _group(pgid)) == 2, 30)
        if sig == signal.SIGTERM:
            os.killpg(pgid, signal.SIGTERM)
        else:
            service.proc.send_signal(signal.SIGKILL)
        assert wait_until(lambda: not _group(pgid), 20, every=0.2), _group(pgid)
    finally:
        if _group(pgid):
            os.killpg(pgid, signal.SIGKILL)
        service.stop()
