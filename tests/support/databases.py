"""Real databases for the store's tests: a SQLite file, and a PostgreSQL server.

PostgreSQL comes from ``$DATATRAIL_TEST_POSTGRES`` (an admin URL; ``.ci/run`` starts a throwaway
cluster and sets it), or else from a throwaway cluster these helpers start themselves on a temp
dir and a loopback port when Debian's ``postgresql`` package is installed, or else the tests skip
saying so. Each test gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["postgres_admin_url", "fresh_postgres_database", "sqlite_database", "database", "STORE_BACKENDS"]

STORE_BACKENDS = ("sqlite", "postgresql")
_SKIP = "PostgreSQL not installed (apt-get install postgresql), and DATATRAIL_TEST_POSTGRES not set"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


class _Cluster:
    """A throwaway cluster: initdb on a temp dir, trust auth on loopback, stopped at the end."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="datatrail-pg-"))
        self.port = _free_port()
        self.user: str | None = None
        if os.geteuid() == 0:
            # initdb refuses to run as root: the package's postgres user owns the cluster.
            self.user = "postgres"
            pw = pwd.getpwnam(self.user)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        data = self.root / "data"
        self._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root} -c fsync=off"
        self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.root / "log"), "-w", "start")
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


_cluster: _Cluster | None = None
_admin: str | None = None


def postgres_admin_url() -> str:
    """An admin URL of a running PostgreSQL server, started once per test session when needed."""
    global _cluster, _admin
    if _admin is not None:
        return _admin
    env = os.environ.get("DATATRAIL_TEST_POSTGRES")
    if env:
        _admin = env
        return env
    bindir = _pg_bin()
    if bindir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        pytest.skip(_SKIP)
    _cluster = _Cluster(bindir)
    _admin = _cluster.start()
    import atexit

    atexit.register(_cluster.stop)
    return _admin


def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the server; dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = make_url(postgres_admin_url()).set(drivername="postgresql+psycopg")
    name = f"dt_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            for _ in range(50):
                try:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    break
                except Exception:  # noqa: BLE001 - a worker still closing its connection
                    time.sleep(0.1)
        engine.dispose()


def sqlite_database(tmp: Path) -> str:
    return f"sqlite:///{(tmp / 'store.sqlite3').resolve()}"


@pytest.fixture(params=STORE_BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, then a PostgreSQL database (skipped without a server)."""
    if request.param == "sqlite":
        yield sqlite_database(tmp_path)
    else:
        yield from fresh_postgres_database()
