"""A corpus scan into the service's store (``--database URL``): each report recorded as ``datatrail
serve`` records an upload's, so a cluster can fill the store a store-front service reads. The
input files stay where they are (the store's own folder of uploads is not used)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from datatrail.cluster.output import run_key
from datatrail.store import Store, open_store
from datatrail.store.catalogue import record_report

__all__ = ["StoreSink"]


class StoreSink:
    def __init__(self, database: str, scratch: Path) -> None:
        self.store: Store = open_store(database, scratch)
        self.key = run_key()
        self.recorded = 0

    def add(self, sha256: str, text: str) -> int:
        """Record one report; returns its version id (a report of the same bytes is replaced)."""
        doc = json.loads(text)
        size = int((doc.get("inputs") or [{}])[0].get("size") or 0)
        with self.store.begin() as conn:
            version = record_report(conn, sha256, size, doc, text, time.time(), self.key)
        self.recorded += 1
        return version

    def close(self) -> None:
        self.store.engine.dispose()
