"""Multipart uploads streamed into the store: the file arrives byte for byte under its sha256 with
the fields beside it kept; every malformed or oversized form is a 400 or 413 that leaves no file,
whole or partial, in the store."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from datatrail.service.api import create_app
from datatrail.service.config import ServiceConfig
from datatrail.service.multipart import MAX_FIELD, MAX_HEADER, MAX_PARTS
from datatrail.store import Store
from tests.support.corpus import corpus_dir

BUGLY = "apk/bugly-demo/BuglyHotfixDemo-app-release.apk"
BOUNDARY = "datatrail-test-boundary"
FORM = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


def _part(name: str, body: bytes, filename: str | None = None, extra: str = "") -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n{extra}\r\n".encode() + body + b"\r\n"


def _form(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _files(config: ServiceConfig) -> list[Path]:
    return [p for p in (config.data_dir / "files").rglob("*") if p.is_file()]


def test_the_file_is_stored_byte_for_byte_with_its_fields_beside_it(service: tuple[TestClient, Store, ServiceConfig]) -> None:
    client, store, config = service
    app = (corpus_dir() / BUGLY).read_bytes()
    # The fields before and after the file, the body sent in small pieces, as a slow client would.
    body = _form(_part("note", b"first"), _part("file", app, "Bugly Demo.apk", "Content-Type: application/vnd.android.package-archive\r\n"),
                 _part("after", "é".encode()))
    r = client.post("/api/v1/scans", content=(body[i:i + 977] for i in range(0, len(body), 977)), headers=FORM)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["sha256"] == hashlib.sha256(app).hexdigest() and job["filename"] == "Bugly Demo.apk"
    (stored,) = _files(config)
    assert stored.read_bytes() == app and stored.name == f"{job['sha256']}.apk"
    # The same bytes again: the same job (dedup by content), nothing more on disk.
    again = client.post("/api/v1/scans", files={"file": ("other-name.apk", app)})
    assert again.status_code == 200 and again.json()["id"] == job["id"]
    assert _files(config) == [stored]


@pytest.mark.parametrize("body, why", [
    (_form(_part("file", b"PK\x03\x04a", "a.apk"), _part("file", b"PK\x03\x04b", "b.apk")), "more than one file"),
    (_form(*[_part(f"f{i}", b"1") for i in range(MAX_PARTS)], _part("file", b"PK\x03\x04", "a.apk")), f"more than {MAX_PARTS} parts"),
    (_form(_part("token", b"x" * (MAX_FIELD + 1)), _part("file", b"PK\x03\x04", "a.apk")), "longer than"),
    (_form(_part("file", b"PK\x03\x04", "a.apk", "X-Pad: " + "p" * MAX_HEADER + "\r\n")), "header size"),
    (_form(b"--" + BOUNDARY.encode() + b"\r\nContent-Type: text/plain\r\n\r\nhello\r\n"), "no Content-Disposition"),
    (_part("file", b"PK\x03\x04" + os.urandom(50_000), "cut.apk")[:30_000], "ends inside the file"),
    (b"no boundary line at all\r\n" * 100, "cannot be parsed"),
])
def test_a_malformed_form_is_a_400_and_leaves_no_file(service: tuple[TestClient, Store, ServiceConfig], body: bytes, why: str) -> None:
    client, _, config = service
    r = client.post("/api/v1/scans", content=body, headers=FORM)
    assert r.status_code == 400, r.text
    assert why in r.json()["error"]["message"] and r.json()["error"]["message"].startswith("the multipart body cannot be parsed")
    assert _files(config) == []  # not the file, not its temporary copy


def test_a_form_without_a_boundary_or_with_one_the_parser_refuses_is_a_400(service: tuple[TestClient, Store, ServiceConfig]) -> None:
    client, _, config = service
    r = client.post("/api/v1/scans", content=_form(_part("file", b"PK", "a.apk")), headers={"content-type": "multipart/form-data"})
    assert r.status_code == 400 and "boundary" in r.json()["error"]["message"]
    long = "b" * 300  # RFC 2046 allows 70 characters; the parser refuses more than 256
    body = _form(_part("file", b"PK\x03\x04", "a.apk")).replace(BOUNDARY.encode(), long.encode())
    for path in ("/api/v1/scans", "/upload"):
        r = client.post(path, content=body, headers={"content-type": f"multipart/form-data; boundary={long}"})
        assert r.status_code == 400, (path, r.text)
    assert _files(config) == []


def test_padding_after_a_boundary_is_bounded(service: tuple[TestClient, Store, ServiceConfig]) -> None:
    """The parser reads the padding after a boundary a byte at a time in Python: past what a form
    can carry besides its file, the request ends (413) instead of holding the server for minutes."""
    client, _, config = service
    head = _part("note", b"x") + f"--{BOUNDARY}".encode()
    padding = (head if i == 0 else b" " * (1 << 20) for i in range(64))
    r = client.post("/api/v1/scans", content=padding, headers=FORM)
    assert r.status_code == 413 and "besides its file" in r.json()["error"]["message"]
    assert _files(config) == []


def test_a_client_gone_mid_body_is_a_400_and_leaves_no_file(service: tuple[TestClient, Store, ServiceConfig]) -> None:
    """Straight through the ASGI app: the body's first part, then the client disconnects."""
    import asyncio

    _, store, config = service
    app = create_app(config, store)
    body = _form(_part("file", b"PK\x03\x04" + os.urandom(200_000), "gone.apk"))
    for headers in (FORM, {"content-type": "application/octet-stream"}):
        messages = [{"type": "http.request", "body": body[:100_000], "more_body": True}, {"type": "http.disconnect"}]
        sent: list[dict[str, object]] = []

        async def receive() -> dict[str, object]:
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, object]) -> None:
            sent.append(message)

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
                 "path": "/api/v1/scans", "raw_path": b"/api/v1/scans", "query_string": b"filename=gone.apk", "root_path": "",
                 "headers": [(k.encode(), v.encode()) for k, v in headers.items()], "client": ("127.0.0.1", 5000),
                 "server": ("127.0.0.1", 8750)}
        asyncio.run(app(scope, receive, send))
        start = next(m for m in sent if m["type"] == "http.response.start")
        assert start["status"] == 400, sent
        assert _files(config) == []


def test_an_oversized_file_or_body_is_a_413_and_leaves_no_file(service: tuple[TestClient, Store, ServiceConfig]) -> None:
    client, _, config = service
    big = _form(_part("file", b"PK\x03\x04" + b"\0" * config.max_upload, "big.apk"))
    r = client.post("/api/v1/scans", content=(big[i:i + (1 << 20)] for i in range(0, len(big), 1 << 20)), headers=FORM)
    assert r.status_code == 413 and r.json()["error"]["status"] == 413
    # No file part at all, only an endless epilogue: the body itself is bounded.
    endless = (_form(_part("note", b"x")) if i == 0 else b"\0" * (1 << 20) for i in range(12))
    r = client.post("/api/v1/scans", content=endless, headers=FORM)
    assert r.status_code == 413
    assert _files(config) == []


def test_the_upload_page_keeps_nothing_when_the_token_is_wrong(service: tuple[TestClient, Store, ServiceConfig]) -> None:
    client, store, config = service
    from datatrail.store.tokens import create_token

    with store.begin() as conn:
        secret = create_token(conn, "page-uploader", 1.0)
    app = (corpus_dir() / BUGLY).read_bytes()
    wrong = client.post("/upload", content=_form(_part("file", app, "a.apk"), _part("token", b"wrong")), headers=FORM,
                        follow_redirects=False)
    assert wrong.status_code in (401, 403) and _files(config) == []
    # The token after the file in the body, as a browser may send it: accepted.
    right = client.post("/upload", content=_form(_part("file", app, "a.apk"), _part("token", secret.encode())), headers=FORM,
                        follow_redirects=False)
    assert right.status_code == 303 and len(_files(config)) == 1
