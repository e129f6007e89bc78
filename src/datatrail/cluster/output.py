"""A corpus scan's output folder, written as results arrive and read back to resume:

    OUT/reports/ab/<sha256>.json      each input's full JSON report, content-addressed
    OUT/tables/<table>/part-*.parquet the Parquet tables (``tables.SCHEMAS``), a part per flush
    OUT/index.jsonl                   one line per input that ended: path, size, mtime, sha256, status, run key
                                      (status ``lost``: the cluster could not run it; a rerun tries again)

Everything is written under a temporary name and renamed, and an input's line is appended to
``index.jsonl`` only once its report and its table rows are on disk (at each flush), so a client
killed at any moment leaves a folder the next run continues from: an input is skipped when the
index has it, unchanged (same size and modification time), ended with the same tool and
knowledge datasets (the run key); one it lost is scanned again and its rows written once.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import pyarrow as pa
import pyarrow.parquet as pq

from datatrail.cluster.tables import SCHEMAS, rows_of
from datatrail.knowledge.datasets import scan_key

__all__ = ["CorpusOutput", "Seen", "run_key", "FLUSH_ROWS"]

FLUSH_ROWS = 20_000
"""Rows buffered (all tables together) before a Parquet part is written."""
FLUSH_INPUTS = 100
"""Inputs ended before a flush at the latest: what a killed client can lose and must redo."""


def run_key() -> str:
    """This tool's version and the digests of every knowledge dataset: what makes two reports of
    the same bytes the same (``knowledge.datasets.scan_key``)."""
    return scan_key()


@dataclass(frozen=True, slots=True)
class Seen:
    sha256: str | None
    status: str
    size: int
    mtime_ns: int


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


class CorpusOutput:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.key = run_key()
        self.run = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}"
        (root / "reports").mkdir(parents=True, exist_ok=True)
        self._buffer: dict[str, list[dict[str, Any]]] = {name: [] for name in SCHEMAS}
        self._buffered = 0
        self._parts = 0
        self.seen = self._read_index()
        self.tabled = {e.sha256 for e in self.seen.values() if e.sha256}
        """Inputs whose rows are in the tables already (a copy of the same bytes adds none)."""
        self._pending: list[str] = []
        self._index: TextIO = (root / "index.jsonl").open("a", encoding="utf-8")

    def _read_index(self) -> dict[str, Seen]:
        seen: dict[str, Seen] = {}
        index = self.root / "index.jsonl"
        if not index.exists():
            return seen
        for line in index.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut by a kill: that input runs again
            if isinstance(entry, dict) and entry.get("key") == self.key and entry.get("status") in ("analysed", "failed", "skipped"):
                seen[str(entry["path"])] = Seen(entry.get("sha256"), entry["status"], int(entry.get("size", -1)),
                                                int(entry.get("mtime_ns", -1)))
        return seen

    def done_before(self, path: Path) -> Seen | None:
        """How this input ended in an earlier run, if it is unchanged and the run key is the same."""
        entry = self.seen.get(str(path))
        if entry is None:
            return None
        try:
            size, mtime = _stat(path)
        except OSError:
            return None
        return entry if (size, mtime) == (entry.size, entry.mtime_ns) else None

    def report_path(self, sha256: str) -> Path:
        return self.root / "reports" / sha256[:2] / f"{sha256}.json"

    def has_report(self, sha256: str) -> bool:
        return self.report_path(sha256).exists()

    def add(self, path: Path, status: str, text: str | None, error: str | None, *, sha256: str | None = None,
            rows: dict[str, list[dict[str, Any]]] | None = None) -> str | None:
        """Record how one input ended; returns its sha256 when it was analysed. ``sha256`` and
        ``rows`` save reading the report again when the caller has them (a worker made them)."""
        sha: str | None = sha256
        if text is not None:
            if sha is None or rows is None:
                doc = json.loads(text)
                sha = str((doc.get("inputs") or [{}])[0].get("sha256") or hashlib.sha256(text.encode()).hexdigest())
                rows = rows_of(sha, doc)
            target = self.report_path(sha)
            if not target.exists():
                target.parent.mkdir(exist_ok=True)
                tmp = target.with_suffix(f".{uuid.uuid4().hex[:8]}.tmp")
                tmp.write_text(text, encoding="utf-8")
                os.replace(tmp, target)
            if sha not in self.tabled:
                self.tabled.add(sha)
                for name, table_rows in rows.items():
                    self._buffer[name].extend(table_rows)
                    self._buffered += len(table_rows)
        try:
            size, mtime = _stat(path)
        except OSError:
            size, mtime = -1, -1
        entry = {"path": str(path), "size": size, "mtime_ns": mtime, "sha256": sha, "status": status, "key": self.key,
                 "error": error}
        self._pending.append(json.dumps(entry, ensure_ascii=False))
        if self._buffered >= FLUSH_ROWS or len(self._pending) >= FLUSH_INPUTS:
            self.flush()
        return sha

    def flush(self) -> None:
        """Write the buffered rows as one Parquet part per table, then the index lines of their inputs."""
        if self._buffered:
            self._write_parts()
        if self._pending:
            self._index.write("".join(line + "\n" for line in self._pending))
            self._index.flush()
            os.fsync(self._index.fileno())
            self._pending.clear()

    def _write_parts(self) -> None:
        self._parts += 1
        for name, rows in self._buffer.items():
            if not rows:
                continue
            folder = self.root / "tables" / name
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"part-{self.run}-{self._parts:05d}.parquet"
            tmp = target.with_suffix(".tmp")
            pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMAS[name]), tmp)
            os.replace(tmp, target)
            rows.clear()
        self._buffered = 0

    def close(self) -> None:
        self.flush()
        self._index.close()
