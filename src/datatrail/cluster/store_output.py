"""A corpus scan into the service's store alone (``--database URL`` without ``--out``): each
report recorded as ``datatrail serve`` records an upload's, with the run key of the tool and
datasets that made it, so a rerun skips every input whose bytes already have a report of the
same key - the store is the index. Inputs that failed keep no trace and are tried again."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from datatrail.cluster.output import Seen, run_key
from datatrail.errors import InputError
from datatrail.formats.common.regular import open_regular
from datatrail.store import Store, open_store
from datatrail.store.catalogue import record_report
from datatrail.store.tables import versions

__all__ = ["StoreOutput"]

_CHUNK = 1 << 20


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open_regular(path) as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
    except (OSError, InputError):  # unreadable here: the worker says why, as a local scan would
        return None
    return digest.hexdigest()


class StoreOutput:
    """What ``scan_on_cluster`` writes to, when the store is the only output."""

    def __init__(self, database: str, scratch: Path) -> None:
        self.store: Store = open_store(database, scratch)
        self.key = run_key()
        self.tabled: set[str] = set()
        """Bytes recorded in this run (a copy of the same bytes adds nothing)."""
        self.recorded = 0

    def done_before(self, path: Path) -> Seen | None:
        """The stored report of these bytes, when the same tool and datasets made it."""
        sha = _sha256(path)
        if sha is None:
            return None
        with self.store.begin() as conn:
            row = conn.execute(select(versions.c.run_key, versions.c.size).where(versions.c.sha256 == sha)).first()
        if row is None or row.run_key != self.key:
            return None
        return Seen(sha, "analysed", int(row.size), -1)

    def has_report(self, sha256: str) -> bool:
        return sha256 in self.tabled

    def add(self, path: Path, status: str, text: str | None, error: str | None, *, sha256: str | None = None,
            rows: dict[str, list[dict[str, Any]]] | None = None) -> str | None:
        """Record an analysed input's report; failures leave nothing (a rerun tries them again)."""
        if text is None or status not in ("analysed", "skipped"):
            return None
        doc = json.loads(text)
        sha = sha256 or str((doc.get("inputs") or [{}])[0].get("sha256") or hashlib.sha256(text.encode()).hexdigest())
        if sha in self.tabled:
            return sha
        size = int((doc.get("inputs") or [{}])[0].get("size") or 0)
        with self.store.begin() as conn:
            record_report(conn, sha, size, doc, text, time.time(), self.key)
        self.tabled.add(sha)
        self.recorded += 1
        return sha

    def flush(self) -> None:
        """Each report is committed as it arrives: nothing is buffered."""

    def close(self) -> None:
        self.store.engine.dispose()
