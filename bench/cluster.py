"""Corpus scans on Dask against the local pool, in one run: apps/min of ``datatrail scan DIR
--jobs 2``, ``--cluster local:2`` and a real ``dask scheduler`` with two ``dask worker`` processes
on loopback, on the same files (the corpus apps repeated under new bytes to reach ``--apps``),
interleaved run by run; medians and ratios. Whole command wall time each: process start, cluster
start (LocalCluster) or connection, scanning, writing the output.

    .venv/bin/python bench/cluster.py [--runs 3] [--apps 60] [DIR...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ENV = {**os.environ, "PYTHONPATH": str(REPO / "src")}


def _apps(dirs: list[Path]) -> list[Path]:
    return [p for d in dirs for p in sorted(d.rglob("*")) if p.suffix in (".apk", ".aab", ".apks") and p.is_file()]


def _timed(*args: str) -> float:
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "datatrail.cli", "scan", *args], env=ENV, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    if done.returncode not in (0, 3, 4):
        raise SystemExit(done.stderr[-2000:])
    return time.perf_counter() - t0


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Dask:
    def __init__(self, workdir: Path) -> None:
        from datatrail.cluster.connect import worker_environment

        env = {**ENV, **worker_environment()}  # as the README starts them
        port = _port()
        self.address = f"tcp://127.0.0.1:{port}"
        self.procs = [subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                        "--no-dashboard"], env=env, cwd=workdir, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True)]
        for i in range(2):
            self.procs.append(subprocess.Popen([sys.executable, "-m", "dask", "worker", self.address, "--nworkers", "1",
                                                "--nthreads", "1", "--no-dashboard", "--memory-limit", "0", "--name", f"w{i}"],
                                               env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                               start_new_session=True))
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)

    def stop(self) -> None:
        for p in self.procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            p.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, default=[REPO.parent / "shared" / "corpus" / "apk"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--apps", type=int, default=60)
    args = parser.parse_args()
    sources = _apps(args.dirs)
    if not sources:
        raise SystemExit("no apps found")
    sys.path.insert(0, str(REPO / "src"))
    times: dict[str, list[float]] = {"pool": [], "local": [], "scheduler": []}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "apps"
        folder.mkdir()
        for i in range(max(args.apps, len(sources))):
            src = sources[i % len(sources)]
            target = folder / f"{i:04d}-{src.name}"
            if i < len(sources):
                shutil.copy(src, target)
            else:  # the same app under other bytes (appended after the ZIP): another report
                target.write_bytes(src.read_bytes() + f"copy {i}".encode())
        n = len(list(folder.iterdir()))
        dask = _Dask(root)
        try:
            for run in range(args.runs):
                times["pool"].append(_timed(str(folder), "--jobs", "2", "--format", "jsonl", "-o", str(root / f"pool{run}.jsonl"),
                                            "--accept-partial", "--no-progress"))
                times["local"].append(_timed(str(folder), "--cluster", "local:2", "--out", str(root / f"local{run}"), "--no-progress"))
                times["scheduler"].append(_timed(str(folder), "--cluster", dask.address, "--out", str(root / f"sched{run}"),
                                                 "--no-progress"))
        finally:
            dask.stop()
    base = statistics.median(times["pool"])
    rows = [("`datatrail scan DIR --jobs 2` (local pool)", "pool"), ("`--cluster local:2` (LocalCluster started by the command)", "local"),
            ("`--cluster tcp://…` (a running scheduler, 2 `dask worker` processes)", "scheduler")]
    lines = [f"# Cluster benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
             f"{n} apps ({len(sources)} corpus apps, repeated under new bytes); {args.runs} runs each, interleaved; medians.", "",
             "| how | wall s | apps/min | ratio to the pool |", "|---|---:|---:|---:|"]
    for label, key in rows:
        med = statistics.median(times[key])
        lines.append(f"| {label} | {med:.2f} | {n * 60 / med:.0f} | {base / med:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "cluster.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
