"""``datatrail serve``: the API under uvicorn, and the workers it keeps running beside it.

The workers are ``datatrail worker`` processes on the same store (one per ``--workers``, each
scanning ``--jobs`` at a time). One that exits (killed, crashed) is started again; its jobs are
claimed again when their leases run out, so nothing accepted is lost. ``--workers 0`` serves the
API alone, for deployments whose workers run on other machines.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from datatrail.service.config import ServiceConfig
from datatrail.store import open_store
from datatrail.store.engine import sqlite_url

__all__ = ["ServeOptions", "serve", "worker_command"]


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8750
    workers: int = 1
    jobs: int = 1
    lease: float = 60.0
    timeout: float = 600.0


def worker_command(config: ServiceConfig, jobs: int, lease: float, timeout: float) -> list[str]:
    database = config.database or sqlite_url(config.data_dir / "datatrail.sqlite3")
    files = config.files or config.data_dir / "files"
    return [sys.executable, "-m", "datatrail.cli", "worker", "--database", database, "--data-dir", str(config.data_dir),
            "--files", str(files), "--jobs", str(jobs), "--lease", str(lease), "--timeout", str(timeout), "--exit-with-parent", str(os.getpid())]


class _Supervisor(threading.Thread):
    """Keeps ``count`` worker processes running until stopped: one that dies (killed, a crash) is
    replaced; one that exits cleanly was asked to stop (a signal to the whole process group) and is not."""

    def __init__(self, command: list[str], count: int, log: Callable[[str], None]) -> None:
        super().__init__(name="worker-supervisor", daemon=True)
        self.command, self.count, self.log = command, count, log
        self.stopping = threading.Event()
        self.procs: list[subprocess.Popen[bytes]] = []

    def run(self) -> None:
        self.procs = [subprocess.Popen(self.command) for _ in range(self.count)]
        while not self.stopping.wait(1.0):
            for i, proc in enumerate(self.procs):
                code = proc.poll()
                if code is not None and code != 0 and not self.stopping.is_set():
                    self.log(f"datatrail serve: worker {proc.pid} exited ({code}); starting another")
                    self.procs[i] = subprocess.Popen(self.command)

    def stop(self) -> None:
        self.stopping.set()
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def serve(config: ServiceConfig, options: ServeOptions, log: Callable[[str], None]) -> None:
    """Run until interrupted: migrate the store, sweep killed uploads' leftovers, start the
    workers, serve the API."""
    import uvicorn

    from datatrail.service.api import create_app

    store = open_store(config.database, config.data_dir, config.files)
    for path in store.sweep_orphans():
        log(f"datatrail serve: removed {path} (left by an upload that never finished)")
    supervisor = None
    if options.workers > 0:
        supervisor = _Supervisor(worker_command(config, options.jobs, options.lease, options.timeout), options.workers, log)
        supervisor.start()
    log(f"datatrail serve: http://{options.host}:{options.port}/api/v1/ (store: {config.database or Path(config.data_dir, 'datatrail.sqlite3')})")
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again with the handler it
    # found: this one, so the workers are stopped below instead of the process just ending.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        uvicorn.run(create_app(config, store), host=options.host, port=options.port, log_level="warning")
    finally:
        if supervisor is not None:
            supervisor.stop()
