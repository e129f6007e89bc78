"""``datatrail serve`` and ``datatrail worker`` as real processes on loopback, for tests that
kill, restart and load them. Every process is stopped (then killed) when the test ends."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

__all__ = ["free_port", "ServiceProcess", "WorkerProcess", "start_worker", "wait_until"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: "object", timeout: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(every)
    return False


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "datatrail.cli", *args]


def _env() -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    return {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}


class ServiceProcess:
    def __init__(self, data_dir: Path, *extra: str, database: str | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", str(data_dir), *extra]
        if database:
            args += ["--database", database]
        self.log = data_dir.parent / f"serve-{self.port}.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(_command(*args), env=_env(), stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.client = httpx.Client(base_url=self.base, timeout=60)
        if not wait_until(self._healthy, 60):
            self.stop()
            raise RuntimeError(f"datatrail serve did not start: {self.log.read_text(errors='replace')[-2000:]}")

    def _healthy(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"datatrail serve exited: {self.log.read_text(errors='replace')[-2000:]}")
        try:
            return self.client.get("/healthz").status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        self.client.close()
        _stop(self.proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


class WorkerProcess:
    def __init__(self, data_dir: Path, database: str, *extra: str) -> None:
        self.log = data_dir.parent / f"worker-{time.monotonic_ns()}.log"
        args = ["worker", "--data-dir", str(data_dir), "--database", database, *extra]
        self.proc = subprocess.Popen(_command(*args), env=_env(), stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def signal(self, sig: int) -> None:
        os.killpg(self.proc.pid, sig)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGCONT)
            except ProcessLookupError:
                return
        _stop(self.proc)


def start_worker(data_dir: Path, database: str, *extra: str) -> WorkerProcess:
    return WorkerProcess(data_dir, database, *extra)
