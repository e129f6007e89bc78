"""Where a corpus scan runs: ``local:N`` (a Dask LocalCluster of N worker processes on this
machine) or the address of a running scheduler (``tcp://HOST:8786``), as Dask's own tools start it
(``dask scheduler``, ``dask worker``, Kubernetes, SLURM, SSH)."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from contextlib import contextmanager

from distributed import Client, LocalCluster

from datatrail.cluster.task import release

__all__ = ["ClusterSpecError", "parse_spec", "connect"]

_LOCAL = re.compile(r"^local(?::(\d{1,4}))?$")


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
    raise ClusterSpecError(f"--cluster {spec!r}: give local:N (N worker processes here) or a scheduler address like tcp://HOST:8786")


@contextmanager
def connect(spec: str, timeout: float = 30.0) -> Iterator[Client]:
    """A client on the cluster ``spec`` names; a local cluster is started and stopped with it."""
    kind, value = parse_spec(spec)
    if kind == "local":
        assert isinstance(value, int)
        dashboard = ":0" if importlib.util.find_spec("bokeh") is not None else None
        cluster = LocalCluster(n_workers=value, threads_per_worker=1, processes=True, dashboard_address=dashboard,
                               host="127.0.0.1", silence_logs=40)
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
