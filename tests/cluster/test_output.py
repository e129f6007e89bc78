"""The output folder of a corpus scan: reports by sha256, Parquet rows that are exactly the
reports' facts, and an index a killed client resumes from."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from datatrail.app.pipeline import scan_file
from datatrail.cluster.output import CorpusOutput
from datatrail.report.json import to_json
from tests.support.corpus import corpus_files

APPS = corpus_files("apk/bugly-demo/*.apk", "apk/exodus-core/*.apk")


def _table(root: Path, name: str) -> list[dict[str, object]]:
    folder = root / "tables" / name
    return ds.dataset(folder).to_table().to_pylist() if folder.exists() else []


@pytest.mark.skipif(not APPS, reason="test corpus not found (set DATATRAIL_CORPUS)")
def test_tables_hold_every_fact_of_the_reports_and_nothing_else(tmp_path: Path) -> None:
    out = CorpusOutput(tmp_path)
    docs = {}
    for path in APPS:
        text = to_json(scan_file(path))
        sha = out.add(path, "analysed", text, None)
        assert sha is not None
        docs[sha] = json.loads(text)
    out.close()
    for sha, doc in docs.items():
        assert json.loads(out.report_path(sha).read_text()) == doc
    sdks = {(r["sha256"], r["sdk_id"]) for r in _table(tmp_path, "sdks")}
    assert sdks == {(sha, s["id"]) for sha, d in docs.items() for s in d["sdks"]}
    dests = [(r["sha256"], r["host"]) for r in _table(tmp_path, "destinations")]
    assert sorted(dests) == sorted((sha, x["endpoint"]["host"]) for sha, d in docs.items() for x in d["destinations"])
    perms = [(r["sha256"], r["name"]) for r in _table(tmp_path, "permissions")]
    assert sorted(perms) == sorted((sha, p["name"]) for sha, d in docs.items() for p in d["permissions"])
    findings = [(r["sha256"], r["rule_id"]) for r in _table(tmp_path, "findings")]
    assert sorted(findings) == sorted((sha, f["rule_id"]) for sha, d in docs.items() for f in d["findings"])
    versions = {r["sha256"]: r for r in _table(tmp_path, "versions")}
    assert set(versions) == set(docs) and all(versions[s]["package"] == d["app"]["package"] for s, d in docs.items())


@pytest.mark.skipif(not APPS, reason="test corpus not found (set DATATRAIL_CORPUS)")
def test_a_killed_client_loses_only_what_was_not_flushed_and_adds_no_row_twice(tmp_path: Path) -> None:
    first, second = APPS[0], APPS[1]
    out = CorpusOutput(tmp_path)
    out.add(first, "analysed", to_json(scan_file(first)), None)
    out.flush()
    out.add(second, "analysed", to_json(scan_file(second)), None)  # never flushed: the client is "killed" here
    with (tmp_path / "index.jsonl").open("a") as fh:
        fh.write('{"path": "cut')  # and its last line was cut half way
    again = CorpusOutput(tmp_path)
    assert again.done_before(first) is not None and again.done_before(second) is None
    again.add(second, "analysed", to_json(scan_file(second)), None)
    again.add(first, "analysed", to_json(scan_file(first)), None)  # the same bytes again: no second row
    again.close()
    rows = _table(tmp_path, "versions")
    assert sorted(r["path"] for r in rows) == sorted([str(first), str(second)])


def test_a_changed_file_or_another_tool_version_is_scanned_again(tmp_path: Path) -> None:
    app = tmp_path / "in" / "a.apk"
    app.parent.mkdir()
    app.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    mtime = app.stat().st_mtime_ns
    out = CorpusOutput(tmp_path / "out")
    out.add(app, "failed", None, "not an app")
    out.close()
    assert CorpusOutput(tmp_path / "out").done_before(app) is not None
    app.write_bytes(b"PK\x05\x06" + b"\0" * 19)
    assert CorpusOutput(tmp_path / "out").done_before(app) is None
    index = tmp_path / "out" / "index.jsonl"
    app.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    os.utime(app, ns=(mtime, mtime))
    assert CorpusOutput(tmp_path / "out").done_before(app) is not None  # unchanged again
    index.write_text(index.read_text().replace('"key": "', '"key": "old'))
    assert CorpusOutput(tmp_path / "out").done_before(app) is None  # made by another tool or datasets


def test_an_input_the_cluster_lost_is_tried_again(tmp_path: Path) -> None:
    app = tmp_path / "a.apk"
    app.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    out = CorpusOutput(tmp_path / "out")
    out.add(app, "lost", None, "its cluster worker died (KilledWorker)")
    out.close()
    assert CorpusOutput(tmp_path / "out").done_before(app) is None
