"""``local:N``: a LocalCluster whose workers are threads of the client, each with a scanning
process of its own, every server it opens on loopback; and the dashboard link printed only when a
dashboard answers there."""

from __future__ import annotations

import os
from pathlib import Path

import psutil
import pytest

from datatrail.cli.commands.scan_cluster import _dashboard
from datatrail.cluster import task
from datatrail.cluster.connect import WORKER_SETTINGS, ClusterSpecError, connect, parse_spec, worker_environment
from datatrail.cluster.task import Item, scan_items
from tests.support.corpus import corpus_files

APPS = corpus_files("apk/bugly-demo/*.apk", "apk/exodus-core/*.apk")


def _listening() -> set[str]:
    return {c.laddr.ip for c in psutil.Process().net_connections(kind="inet") if c.status == psutil.CONN_LISTEN}


def test_parse_spec() -> None:
    assert parse_spec("local:3") == ("local", 3)
    assert parse_spec("local") == ("local", os.cpu_count() or 1)
    assert parse_spec("tcp://10.0.0.5:8786") == ("scheduler", "tcp://10.0.0.5:8786")
    for bad in ("local:x", "http://host:1", "tcp://host", ""):
        with pytest.raises(ClusterSpecError):
            parse_spec(bad)


@pytest.mark.skipif(len(APPS) < 2, reason="test corpus not found (set DATATRAIL_CORPUS)")
def test_local_workers_are_threads_here_each_with_its_own_scanning_process() -> None:
    before = _listening()
    with connect("local:2") as client:
        workers = list(client.scheduler_info(n_workers=-1)["workers"])
        assert len(workers) == 2 and all(w.startswith("inproc://") for w in workers)  # no port for the workers
        assert set(client.run(os.getpid).values()) == {os.getpid()}
        opened = _listening() - before
        assert opened and opened <= {"127.0.0.1"}  # the HTTP servers Dask always starts: loopback only
        futures = [client.submit(scan_items, [Item(i, str(app))], 120.0, workers=[w], pure=False)
                   for i, (app, w) in enumerate(zip(APPS[:2], workers, strict=False))]
        results = [f.result() for f in futures]
        assert [r[0].status for r in results] == ["analysed", "analysed"]
        assert all(r[0].sha256 and r[0].rows for r in results)
        # One scanning process per worker thread, not one the two share.
        children = {frozenset(runner._resident.pool._processes)  # type: ignore[union-attr]
                    for runner in task._RUNNERS.values()}
        assert len(task._RUNNERS) == 2 and len(children) == 2
    assert task._RUNNERS == {}  # released when the cluster stops


@pytest.mark.skipif(__import__("importlib").util.find_spec("bokeh") is not None, reason="bokeh is installed: the dashboard runs")
def test_no_dashboard_link_where_no_dashboard_answers(tmp_path: Path) -> None:
    # Dask's scheduler serves HTTP (health, metrics) without bokeh and names a dashboard link that 404s.
    with connect("local:1") as client:
        assert "dashboard" in client.scheduler_info(n_workers=0)["services"]
        assert _dashboard(client) is None


def test_the_readme_gives_the_worker_settings_local_clusters_use() -> None:
    import dask

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    env = worker_environment()
    assert all(f"{name}={value}" in readme for name, value in env.items())
    # Dask reads them back as the settings (the names are spelled as it expects).
    collected = dask.config.collect_env(env)
    assert {key: dask.config.get(key, config=collected) for key in WORKER_SETTINGS} == WORKER_SETTINGS
