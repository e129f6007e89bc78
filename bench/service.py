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
            with httpx.Client(base_url=base, timeout=120) as client:
                # Steady state: the first app warms the worker's pool up (as a running service's is);
                # the others are timed, uploads included.
                _wait_done(client, [_post(client, apps[0], raw)])
                t0 = time.perf_counter()
                ids = [_post(client, app, raw) for app in apps[1:]]
                _wait_done(client, ids)
                return time.perf_counter() - t0
        finally:
            _stop(proc)


def _post(client: httpx.Client, app: Path, raw: bool = False) -> int:
    """Upload one app: as a multipart form's field, or (``raw``) as the whole body."""
    with app.open("rb") as fh:
        if raw:
            r = client.post("/api/v1/scans", content=fh, params={"filename": app.name},
                            headers={"content-type": "application/octet-stream"})
        else:
            r = client.post("/api/v1/scans", files={"file": (app.name, fh)})
    r.raise_for_status()
    return int(r.json()["id"])


def _wait_done(client: httpx.Client, ids: list[int]) -> None:
    """Until every job has ended: one waiting status request per job, oldest first (``?wait=``),
    as a client following its uploads does. (Asking about every pending job every 50 ms, as this
    bench first did, cost the API and this client about a core between them on 2 cores, and
    that was measured as the service's own slowness.)"""
    for job in ids:
        while client.get(f"/api/v1/scans/{job}", params={"wait": 60}).json()["status"] not in ("done", "failed"):
            pass


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
