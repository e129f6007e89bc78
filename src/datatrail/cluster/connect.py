"""Where a corpus scan runs: ``local:N`` (a Dask LocalCluster of N workers on this machine) or the
address of a running scheduler (``tcp://HOST:8786``), as Dask's own tools start it (``dask
scheduler``, ``dask worker``, Kubernetes, SLURM, SSH).

The workers of ``local:N`` are threads of this process, talking over Dask's in-process transport
(no port is opened): a worker only hands its inputs to its own scanning process and waits
(``task.scan_items``), so the isolation, time limit and memory cap are the same as on a real
cluster, and the command does not pay for N more interpreters importing Dask (on 2 cores, a
LocalCluster of worker processes cost 1.2 s more per command: 0.67 of the pool's rate on 120 apps,
0.85 with threads).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import dask
from distributed import Client, LocalCluster

from datatrail.cluster.task import release

__all__ = ["ClusterSpecError", "parse_spec", "connect", "WORKER_SETTINGS", "worker_environment"]

WORKER_SETTINGS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}
"""Dask settings for datatrail's workers (``local:N`` uses them; the README gives them as
``DASK_…`` variables for ``dask scheduler`` and ``dask worker``). A task only waits on its scanning
process, so sampling its stack every 10 ms (the profiler), checking the event loop every 20 ms
(the tick) and polling the system every 0.5 s tell nothing and cost, on an idle 2-core machine,
4% of it: 0.85 CPU-seconds every 10 s for a scheduler and two workers, against 0.13 with these."""

_LOCAL = re.compile(r"^local(?::(\d{1,4}))?$")


def worker_environment() -> dict[str, str]:
    """``WORKER_SETTINGS`` as the environment variables ``dask scheduler`` and ``dask worker`` read."""
    return {"DASK_" + key.upper().replace(".", "__").replace("-", "_"): str(value) for key, value in WORKER_SETTINGS.items()}


class ClusterSpecError(ValueError):
    """``--cluster`` names neither ``local:N`` nor a scheduler address."""


def parse_spec(spec: str) -> tuple[str, int | str]:
    """("local", workers) or ("scheduler", address)."""
    m = _LOCAL.match(spec.strip())
    if m:
        n = int(m.group(1) or 0) or None
        if n is None:
            import os

            n = os.cpu_count() or 1
        return "local", n
    if re.match(r"^(tcp|tls|ucx|ws|wss)://[^\s/]+:\d{1,5}/?$", spec.strip()):
        return "scheduler", spec.strip()
    raise ClusterSpecError(f"--cluster {spec!r}: give local:N (N workers here) or a scheduler address like tcp://HOST:8786")


@contextmanager
def connect(spec: str, timeout: float = 30.0) -> Iterator[Client]:
    """A client on the cluster ``spec`` names; a local cluster is started and stopped with it."""
    kind, value = parse_spec(spec)
    if kind == "local":
        assert isinstance(value, int)
        # memory_limit=0: Dask's monitor would see this process's memory, not the scans' (capped in their own).
        # The scheduler and the workers run an HTTP server whatever they are told (the dashboard,
        # when bokeh is installed): on loopback, on free ports.
        try:
            with dask.config.set(WORKER_SETTINGS):
                cluster = LocalCluster(n_workers=value, threads_per_worker=1, processes=False, memory_limit=0,
                                       dashboard_address="127.0.0.1:0", worker_dashboard_address="127.0.0.1:0", silence_logs=40)
        except Exception as exc:  # noqa: BLE001 - Dask says only RuntimeError("Cluster failed to start")
            raise OSError(f"the local Dask cluster did not start: {exc}") from exc
        try:
            with Client(cluster, timeout=timeout) as client:
                try:
                    yield client
                finally:
                    # Each worker's scanning process, stopped by the worker: its exit need not wait for it.
                    client.run(release)
        finally:
            cluster.close()
        return
    with Client(str(value), timeout=timeout) as client:
        yield client
