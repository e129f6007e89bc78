#!/usr/bin/env python3
"""The screening service against the CLI, in one run: throughput and API latency.

1. Throughput: the same apps scanned by ``datatrail scan DIR --jobs 2 --format jsonl`` (a fresh
   process, wall time) and uploaded to a fresh ``datatrail serve --workers 1 --jobs 2`` (from the
   first upload to the last job done, uploads included). Reported as scans/min and their ratio.
2. Latency: a store of ``--versions`` versions (real reports stored again and again under new
   version codes, five versions per app), served by ``datatrail serve --workers 0``; ``--requests``
   sequential ``GET /api/v1/apps?sdk_vendor_country=CN`` over loopback; p50 and p99.

Medians over ``--runs`` runs for throughput. Results are printed and written to
``bench/results/service.md``. ``--database URL`` runs the service part on PostgreSQL.

    .venv/bin/python bench/service.py [--runs 3] [--versions 10000] [--requests 500] [--database URL] [DIR...]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))

from datatrail.app.pipeline import scan_file  # noqa: E402
from datatrail.report.json import to_json  # noqa: E402
from datatrail.store import open_store  # noqa: E402
from datatrail.store.catalogue import record_report  # noqa: E402


def _apps(dirs: list[Path]) -> list[Path]:
    found = []
    for d in dirs:
        found += [p for p in sorted(d.rglob("*")) if p.suffix in (".apk", ".aab", ".apks", ".ipa") and p.is_file()]
    return found


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(data: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    proc = subprocess.Popen([sys.executable, "-m", "datatrail.cli", "serve", "--port", str(port), "--data-dir", str(data), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("datatrail serve did not start")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(40)
    except subprocess.TimeoutExpired:
        proc.kill()


def _cli_run(folder: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "datatrail.cli", "scan", str(folder), "--jobs", "2", "--format", "jsonl",
                        "-o", f"{tmp}/out.jsonl", "--accept-partial"], env={**os.environ, "PYTHONPATH": str(REPO / "src")},
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0


def _service_run(apps: list[Path], database: str | None, raw: bool = False) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        extra = ["--workers", "1", "--jobs", "2", "--rate-limit", "0"] + (["--database", _fresh(database)] if database else [])
        proc, base = _serve(Path(tmp) / "data", *extra)
        try:
            with Uploader(base) as client:
                # Steady state: the first app warms the worker's pool up (as a running service's is);
                # the others are timed, uploads included.
                client.wait_done([client.post(apps[0], raw)])
                t0 = time.perf_counter()
                ids = [client.post(app, raw) for app in apps[1:]]
                client.wait_done(ids)
                return time.perf_counter() - t0
        finally:
            _stop(proc)


class Uploader:
    """The bench's client: one keep-alive connection, each file sent from the page cache with
    ``sendfile`` (as a remote uploader's cost is none of this machine's, this one's is kept
    small: 0.06 CPU-s for 163 uploads, where httpx reading and writing each 64 KB took 0.3 s)."""

    BOUNDARY = "datatrail-bench-0123456789abcdef"

    def __init__(self, base: str) -> None:
        self._host, port = base.removeprefix("http://").rsplit(":", 1)
        self._conn = http.client.HTTPConnection(self._host, int(port), timeout=120)
        self._used = 0.0

    def _ready(self) -> None:
        """Connected, on a connection the server has not given up on (uvicorn closes one idle
        for 5 s)."""
        if self._conn.sock is not None and time.monotonic() - self._used > 2.0:
            self._conn.close()
        if self._conn.sock is None:
            self._conn.connect()

    def __enter__(self) -> Uploader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._conn.close()

    def _answer(self) -> dict[str, Any]:
        response = self._conn.getresponse()
        body = response.read()
        self._used = time.monotonic()
        if response.status >= 300:
            raise SystemExit(f"the service answered {response.status}: {body[:200]!r}")
        return dict(json.loads(body))

    def post(self, app: Path, raw: bool = False) -> int:
        """Upload one app: as a multipart form's field, or (``raw``) as the whole body."""
        size = app.stat().st_size
        if raw:
            head, tail = b"", b""
            url, kind = f"/api/v1/scans?filename={quote(app.name)}", "application/octet-stream"
        else:
            head = (f"--{self.BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{app.name}\"\r\n"
                    "Content-Type: application/octet-stream\r\n\r\n").encode()
            tail = f"\r\n--{self.BOUNDARY}--\r\n".encode()
            url, kind = "/api/v1/scans", f"multipart/form-data; boundary={self.BOUNDARY}"
        self._ready()
        self._conn.putrequest("POST", url)
        self._conn.putheader("Content-Type", kind)
        self._conn.putheader("Content-Length", str(len(head) + size + len(tail)))
        self._conn.endheaders(head or None)
        with app.open("rb") as fh:
            assert self._conn.sock is not None
            self._conn.sock.sendfile(fh)
        if tail:
            self._conn.send(tail)
        return int(self._answer()["id"])

    def wait_done(self, ids: list[int]) -> None:
        """Until every job has ended: one waiting status request per job, oldest first (``?wait=``),
        as a client following its uploads does. (Asking about every pending job every 50 ms, as this
        bench first did, cost the API and this client about a core between them on 2 cores, and
        that was measured as the service's own slowness.)"""
        for job in ids:
            while True:
                self._ready()
                self._conn.request("GET", f"/api/v1/scans/{job}?wait=60")
                if self._answer()["status"] in ("done", "failed"):
                    break


def _fresh(database: str) -> str:
    """A new database on the server ``database`` names (dropped with the server's cluster)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = make_url(database).set(drivername="postgresql+psycopg")
    name = f"dt_bench_{os.getpid()}_{time.monotonic_ns() % 10**9}"
    with create_engine(admin, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return admin.set(database=name).render_as_string(hide_password=False)


def _fill(data: Path, database: str | None, apps: list[Path], versions: int) -> None:
    store = open_store(database, data)
    reports = [json.loads(to_json(scan_file(p))) for p in apps]
    with store.begin() as conn:
        for i in range(versions):
            doc = dict(reports[i % len(reports)])
            app = dict(doc["app"])
            app["package"] = f"{app.get('package') or 'lib'}.n{i // 5}"
            app["version_code"] = i
            doc["app"] = app
            sha = hashlib.sha256(f"bench-{i}".encode()).hexdigest()
            record_report(conn, sha, 1000 + i, doc, json.dumps(doc), float(i))
    # Fresh planner statistics, as autovacuum's analyze gives a store that grew over time.
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    store.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, default=[REPO.parent / "shared" / "corpus" / "apk"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--versions", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--database", help="a PostgreSQL admin URL: run the service part on a fresh database there")
    args = parser.parse_args()
    apps = _apps(args.dirs)
    if not apps:
        raise SystemExit("no apps found")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "apps"
        folder.mkdir()
        for i, app in enumerate(apps):
            shutil.copy(app, folder / f"{i:03d}-{app.name}")
        cli, svc, raw = [], [], []
        for _ in range(args.runs):  # interleaved, so drift hits all three
            cli.append(_cli_run(folder))
            svc.append(_service_run(apps, args.database))
            raw.append(_service_run(apps, args.database, raw=True))
    cli_rate = len(apps) * 60 / statistics.median(cli)
    svc_rate = (len(apps) - 1) * 60 / statistics.median(svc)
    raw_rate = (len(apps) - 1) * 60 / statistics.median(raw)

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        database = _fresh(args.database) if args.database else None
        t0 = time.perf_counter()
        _fill(data, database, apps, args.versions)
        fill_s = time.perf_counter() - t0
        proc, base = _serve(data, "--workers", "0", *(["--database", database] if database else []))
        try:
            with httpx.Client(base_url=base, timeout=30) as client:
                client.get("/api/v1/apps", params={"sdk_vendor_country": "CN"})
                times = []
                total = 0
                for _ in range(args.requests):
                    t = time.perf_counter()
                    r = client.get("/api/v1/apps", params={"sdk_vendor_country": "CN"})
                    times.append((time.perf_counter() - t) * 1000)
                    total = r.json()["total"]
        finally:
            _stop(proc)
    times.sort()
    p50 = statistics.median(times)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    backend = "PostgreSQL" if args.database else "SQLite"
    lines = [
        f"# Service benchmark ({backend}), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        f"{len(apps)} apps; {args.runs} runs each, interleaved; medians.",
        "",
        "| path | wall s (median) | scans/min | ratio |",
        "|---|---:|---:|---:|",
        f"| `datatrail scan DIR --jobs 2` | {statistics.median(cli):.2f} | {cli_rate:.0f} | 1.00 |",
        f"| `datatrail serve --workers 1 --jobs 2`, multipart uploads (first upload to last done, {len(apps) - 1} apps after one to warm up) | {statistics.median(svc):.2f} | {svc_rate:.0f} | {svc_rate / cli_rate:.2f} |",
        f"| the same, each file the whole body (`application/octet-stream`) | {statistics.median(raw):.2f} | {raw_rate:.0f} | {raw_rate / cli_rate:.2f} |",
        "",
        f"`GET /api/v1/apps?sdk_vendor_country=CN` over {args.versions:,} versions ({args.versions // 5:,} apps; "
        f"{total:,} match; filled in {fill_s:.1f} s): {args.requests} sequential requests, "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / ("service-postgresql.md" if args.database else "service.md")).write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
