"""The API in-process (Starlette's test client over the real ASGI app), on both databases: uploads,
dedup, refusals with their statuses, tokens, reports in every format, queries."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from datatrail.app.pipeline import scan_file
from datatrail.report.json import to_dict
from datatrail.service.api import create_app
from datatrail.service.config import ServiceConfig
from datatrail.service.worker import Worker, WorkerConfig
from datatrail.store import Store, open_store
from tests.support.corpus import corpus_dir

BUGLY = "apk/bugly-demo/BuglyHotfixDemo-app-release.apk"
VOLATILE = ("generated_at", "timings")


def _upload(client: TestClient, path: Path, **kw: object) -> object:
    with path.open("rb") as fh:
        return client.post("/api/v1/scans", files={"file": (path.name, fh)}, **kw)  # type: ignore[arg-type]


def _stable(doc: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in doc.items() if k not in VOLATILE}


def test_upload_scan_report_equals_the_cli(service: tuple[TestClient, Store, ServiceConfig]) -> None:
    client, store, _ = service
    path = corpus_dir() / BUGLY
    r = _upload(client, path)
    assert r.status_code == 202, r.text  # type: ignore[attr-defined]
    job = r.json()  # type: ignore[attr-defined]
    assert job["status"] == "queued" and job["filename"] == path.name
    assert client.get(f"/api/v1/scans/{job['id']}/report").status_code == 409
    assert Worker(store, WorkerConfig(jobs=1)).run_once() == 1
    done = client.get(f"/api/v1/scans/{job['id']}").json()
    assert done["status"] == "done" and done["report"] == f"/api/v1/scans/{job['id']}/report" and done["attempts"] == 1
    body = client.get(done["report"])
    assert body.headers["content-type"] == "application/json"
    served = json.loads(body.text)
    # The CLI names the path it was given; the service the upload's name.
    cli = json.loads(json.dumps(to_dict(scan_file(path))).replace(json.dumps(str(path))[1:-1], path.name))
    assert _stable(served) == _stable(cli)
    for fmt, marker in (("html", "<!doctype html>"), ("sarif", '"version": "2.1.0"'), ("cyclonedx", '"bomFormat"'), ("label", '"')):
        page = client.get(f"{done['report']}?format={fmt}")
        assert page.status_code == 200, fmt
        assert marker in (page.text.lower() if fmt == "html" else page.text), fmt
    # The same bytes again: the same job, 200.
    again = _upload(client, path)
    assert again.status_code == 200 and again.json()["id"] == job["id"]  # type: ignore[attr-defined]
    apps = client.get("/api/v1/apps", params={"sdk_vendor_country": "CN"}).json()
    assert apps["total"] == 1 and apps["items"][0]["package"] == served["app"]["package"]  # type: ignore[index]
    assert client.get(f"/api/v1/apps/{served['app']['package']}").json()["apps"][0]["versions"][0]["sha256"] == job["sha256"]  # type: ignore[index]
    assert client.get("/api/v1/stats").json()["apps_by_sdk_vendor_country"] == {"CN": 1}


def test_refusals_have_statuses_and_json_bodies(service: tuple[TestClient, Store, ServiceConfig], tmp_path: Path) -> None:
    client, store, config = service
    junk = tmp_path / "notes.apk"
    junk.write_text("not an app at all\n" * 10)
    r = _upload(client, junk)
    assert r.status_code == 422 and "nothing queued" in r.json()["error"]["message"]  # type: ignore[attr-defined]
    assert list((config.data_dir / "files").rglob("*.apk")) == []  # refused files are not kept
    empty = tmp_path / "empty.apk"
    empty.write_bytes(b"")
    assert _upload(client, empty).status_code == 422  # type: ignore[attr-defined]
    big = tmp_path / "big.apk"
    big.write_bytes(b"PK\x03\x04" + b"\0" * (9 << 20))
    r = _upload(client, big)
    assert r.status_code == 413 and r.json()["error"]["status"] == 413  # type: ignore[attr-defined]
    assert client.post("/api/v1/scans").status_code == 422  # no file field
    assert client.get("/api/v1/scans/999999").status_code == 404
    assert client.get("/api/v1/apps/com.nobody.here").status_code == 404
    assert client.get("/api/v1/apps", params={"limit": 0}).status_code == 422
    assert client.get("/api/v1/apps", params={"org_country": "CHN"}).status_code == 422
    assert client.get("/api/v1/scans/1/report", params={"format": "pdf"}).status_code == 422
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] is True


def test_tokens_guard_uploads_once_one_exists(service: tuple[TestClient, Store, ServiceConfig]) -> None:
    from datatrail.store.tokens import create_token, revoke_token

    client, store, _ = service
    path = corpus_dir() / BUGLY
    with store.begin() as conn:
        secret = create_token(conn, "ci-uploader", 1.0)
    r = _upload(client, path)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"  # type: ignore[attr-defined]
    assert _upload(client, path, headers={"Authorization": "Bearer dt_wrong"}).status_code == 403  # type: ignore[attr-defined]
    assert _upload(client, path, headers={"Authorization": "Basic abc"}).status_code == 401  # type: ignore[attr-defined]
    assert _upload(client, path, headers={"Authorization": f"Bearer {secret}"}).status_code == 202  # type: ignore[attr-defined]
    assert client.get("/api/v1/apps").status_code == 200  # reads stay public
    with store.begin() as conn:
        assert revoke_token(conn, "ci-uploader", 2.0)
    assert _upload(client, path, headers={"Authorization": f"Bearer {secret}"}).status_code == 403  # type: ignore[attr-defined]


def test_diff_between_two_versions_is_what_the_cli_says(service: tuple[TestClient, Store, ServiceConfig]) -> None:
    from datatrail.changes.diff import diff_reports
    from datatrail.changes.render import diff_json

    client, store, _ = service
    old, new = corpus_dir() / "apk/app-info/android.apk", corpus_dir() / "apk/app-info/android.aab"
    ids = [_upload(client, p).json()["id"] for p in (old, new)]  # type: ignore[attr-defined]
    worker = Worker(store, WorkerConfig(jobs=1))
    assert worker.run_once() + worker.run_once() == 2
    versions = [client.get(f"/api/v1/scans/{i}").json() for i in ids]
    assert [v["status"] for v in versions] == ["done", "done"]
    package = json.loads(client.get(versions[0]["report"]).text)["app"]["package"]
    served = client.get(f"/api/v1/apps/{package}/diff")
    assert served.status_code == 200, served.text
    expected = json.loads(diff_json(diff_reports(scan_file(old), scan_file(new))))
    got = json.loads(served.text)
    for doc in (expected, got):
        for side in ("old", "new"):
            if isinstance(doc.get(side), dict):
                doc[side].pop("path", None)
    assert got == expected
    assert client.get(f"/api/v1/apps/{package}/diff", params={"format": "text"}).headers["content-type"].startswith("text/plain")
    assert client.get(f"/api/v1/apps/{package}/diff", params={"from": 999999}).status_code == 404
    assert client.get("/api/v1/apps/com.nobody/diff").status_code == 404


def test_uploads_are_rate_limited_and_quotas_counted(database: str, tmp_path: Path) -> None:
    from datatrail.store.tokens import create_token

    config = ServiceConfig(data_dir=tmp_path / "data", database=database, rate_limit=2, daily_quota=3)
    store = open_store(database, config.data_dir)
    path = corpus_dir() / BUGLY
    with TestClient(create_app(config, store)) as client:
        codes = [_upload(client, path).status_code for _ in range(3)]  # type: ignore[attr-defined]
        assert codes == [202, 200, 429]
        limited = _upload(client, path)
        assert limited.headers["retry-after"].isdigit() and "uploads a minute" in limited.json()["error"]["message"]  # type: ignore[attr-defined]
        with store.begin() as conn:
            secret = create_token(conn, "small", 1.0)
        auth = {"Authorization": f"Bearer {secret}"}
        for name in ("a.apk", "b.apk"):  # a token has a window of its own
            copy = tmp_path / name
            copy.write_bytes(path.read_bytes() + name.encode())  # other bytes, other jobs
            assert _upload(client, copy, headers=auth).status_code == 202  # type: ignore[attr-defined]
    store.engine.dispose()
    # Quota: 3 a day; a fresh process (no rate window) sees the store's count.
    config2 = ServiceConfig(data_dir=tmp_path / "data", database=database, rate_limit=0, daily_quota=3)
    store = open_store(database, config2.data_dir)
    with TestClient(create_app(config2, store)) as client:
        c = tmp_path / "c.apk"
        c.write_bytes(path.read_bytes() + b"c")
        assert _upload(client, c, headers=auth).status_code == 202  # type: ignore[attr-defined]
        d = tmp_path / "d.apk"
        d.write_bytes(path.read_bytes() + b"d")
        over = _upload(client, d, headers=auth)
        assert over.status_code == 429 and "quota" in over.json()["error"]["message"]  # type: ignore[attr-defined]
    store.engine.dispose()


def test_a_capture_upload_gives_what_datatrail_capture_writes(service: tuple[TestClient, Store, ServiceConfig],
                                                              tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from datatrail.cli.main import main

    client, store, _ = service
    path = corpus_dir() / "net/pcapdroid/metadata.pcap"
    r = _upload(client, path)
    assert r.status_code == 202, r.text  # type: ignore[attr-defined]
    job = r.json()  # type: ignore[attr-defined]
    assert Worker(store, WorkerConfig(jobs=1)).run_once() == 1
    done = client.get(f"/api/v1/scans/{job['id']}").json()
    assert done["status"] == "done" and done["kind"] == "capture", done
    # The CLI, run where the file is named as it was uploaded, is the oracle for every format.
    copy = tmp_path / "cli" / path.name
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    monkey = pytest.MonkeyPatch()
    monkey.chdir(copy.parent)
    try:
        for fmt in ("json", "sarif", "label", "html"):
            assert main(["capture", path.name, "--format", fmt]) == 0
            cli = capsys.readouterr().out
            served = client.get(f"{done['report']}?format={fmt}")
            assert served.status_code == 200, (fmt, served.text)
            if fmt == "html":
                assert served.text == cli and path.name in cli
            else:
                assert json.loads(served.text) == json.loads(cli), fmt
    finally:
        monkey.undo()
    assert json.loads(client.get(done["report"]).text)["captures"][0]["input"]["path"] == path.name
    refused = client.get(f"{done['report']}?format=cyclonedx")
    assert refused.status_code == 422 and "capture" in refused.json()["error"]["message"]
    # A capture is no app: the catalogue is unchanged.
    assert client.get("/api/v1/apps").json()["total"] == 0
    assert _upload(client, path).json()["id"] == job["id"]  # type: ignore[attr-defined]


def test_a_store_that_stops_answering_gives_503_not_500(database: str, tmp_path: Path) -> None:
    if not database.startswith("postgresql"):
        pytest.skip("needs a server whose connections can be refused: the PostgreSQL variant")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    config = ServiceConfig(data_dir=tmp_path / "data", database=database)
    store = open_store(database, config.data_dir)
    url = make_url(database)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with TestClient(create_app(config, store)) as client:
            assert client.get("/api/v1/apps").status_code == 200
            with admin.connect() as conn:  # the database refuses new connections and drops the open ones
                conn.execute(text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS false'))
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"),
                             {"d": url.database})
            r = client.get("/api/v1/apps")
            assert r.status_code == 503 and r.headers["retry-after"] == "2" and "nothing was changed" in r.json()["error"]["message"]
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS true'))
            assert client.get("/api/v1/apps").status_code == 200  # and back when it is
    finally:
        store.engine.dispose()
        admin.dispose()


def test_a_status_request_can_wait_for_its_scan_to_end(service: tuple[TestClient, Store, ServiceConfig]) -> None:
    client, store, _ = service
    job = _upload(client, corpus_dir() / BUGLY).json()  # type: ignore[attr-defined]
    url = f"/api/v1/scans/{job['id']}"
    t0 = time.monotonic()
    r = client.get(url, params={"wait": 0.3})
    assert r.json()["status"] == "queued" and 0.3 <= time.monotonic() - t0 < 10  # no worker: it waited its time
    # A worker ends the job while the request waits: the answer comes then, not at the deadline.
    worker = threading.Timer(0.2, lambda: Worker(store, WorkerConfig(jobs=1)).run_once())
    worker.start()
    t0 = time.monotonic()
    r = client.get(url, params={"wait": 60})
    worker.join()
    assert r.json()["status"] == "done" and time.monotonic() - t0 < 50
    t0 = time.monotonic()
    assert client.get(url, params={"wait": 60}).json()["status"] == "done" and time.monotonic() - t0 < 5  # ended: at once
    assert client.get(url, params={"wait": 61}).status_code == 422
    assert client.get(url, params={"wait": -1}).status_code == 422
    assert client.get("/api/v1/scans/99999", params={"wait": 30}).status_code == 404


def test_the_file_can_be_the_whole_body(service: tuple[TestClient, Store, ServiceConfig]) -> None:
    client, store, config = service
    path = corpus_dir() / BUGLY
    raw = client.post("/api/v1/scans", content=path.read_bytes(), params={"filename": path.name},
                      headers={"content-type": "application/octet-stream"})
    assert raw.status_code == 202, raw.text
    job = raw.json()
    assert job["filename"] == path.name and job["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    # The same bytes as a multipart upload: the same job.
    again = _upload(client, path)
    assert again.status_code == 200 and again.json()["id"] == job["id"]  # type: ignore[attr-defined]
    assert Worker(store, WorkerConfig(jobs=1)).run_once() == 1
    assert client.get(f"/api/v1/scans/{job['id']}", params={"wait": 30}).json()["status"] == "done"
    # Streamed in pieces, with no declared length: the same file.
    chunks = (path.read_bytes()[i:i + 65536] for i in range(0, path.stat().st_size, 65536))
    assert client.post("/api/v1/scans", content=chunks).json()["id"] == job["id"]


def test_a_refused_body_leaves_nothing(service: tuple[TestClient, Store, ServiceConfig]) -> None:
    client, store, config = service
    octets = {"content-type": "application/octet-stream"}
    r = client.post("/api/v1/scans", content=b"not an app at all\n" * 10, params={"filename": "notes.apk"}, headers=octets)
    assert r.status_code == 422 and "notes.apk: not" in r.json()["error"]["message"]
    # Over the limit, though under the declared length the middleware refuses at once: counted as it streams.
    r = client.post("/api/v1/scans", content=b"PK\x03\x04" + b"\0" * (config.max_upload + 1000), headers=octets)
    assert r.status_code == 413 and r.json()["error"]["status"] == 413
    r = client.post("/api/v1/scans", content=(b"\0" * (1 << 20) for _ in range(9)), headers=octets)  # no length given
    assert r.status_code == 413
    assert [p for p in (config.data_dir / "files").rglob("*") if p.is_file()] == []  # no blob, no temporary file
    # A multipart upload without its file field.
    r = client.post("/api/v1/scans", files={"other": ("x.apk", b"PK")})
    assert r.status_code == 422 and "field 'file'" in r.json()["error"]["message"]
