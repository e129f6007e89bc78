"""A real Dask cluster on loopback for tests: ``dask scheduler`` and ``dask worker`` processes,
bounded in time and always stopped (then killed) when the test ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.service_process import free_port

__all__ = ["DaskCluster"]


class DaskCluster:
    def __init__(self, workdir: Path, workers: int = 2, **config: str) -> None:
        """``config``: Dask settings for every process, as ``DASK_*`` variables (``DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="0"``)."""
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        src = str(Path(__file__).resolve().parents[2] / "src")
        self.env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", ""),
                    **{f"DASK_{key}": value for key, value in config.items()}}
        self.scheduler = self._start("scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard")
        self.workers = [self.add_worker() for _ in range(workers)]

    def _start(self, *args: str) -> subprocess.Popen[bytes]:
        log = (self.workdir / f"dask-{args[0]}-{time.monotonic_ns()}.log").open("wb")
        # The workers' own folder: they see the inputs only by absolute path (or shipped).
        return subprocess.Popen([sys.executable, "-m", "dask", *args], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                cwd=self.workdir, start_new_session=True)

    def add_worker(self) -> subprocess.Popen[bytes]:
        return self._start("worker", self.address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                           "--memory-limit", "0", "--name", f"w{time.monotonic_ns()}")

    def wait_for_workers(self, n: int, timeout: float = 60) -> None:
        from distributed import Client

        with Client(self.address, timeout=timeout) as client:
            client.wait_for_workers(n, timeout=timeout)

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """``kill -9`` on a worker and every process it started."""
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for proc in [*self.workers, self.scheduler]:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill(proc)
