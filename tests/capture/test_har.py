"""HAR input: mitmproxy's own expected conversions as the oracle, plus built HARs for each tolerance."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from pathlib import Path
from typing import Any

import pytest

from datatrail.capture import analyse_capture, analyse_capture_bytes
from datatrail.errors import CorruptInput, LimitExceeded, UnsupportedInput
from datatrail.formats.net.har import HarLimits, read_har, sniff_har
from datatrail.model.diagnostic import DiagnosticLog
from tests.support.corpus import corpus_files

ORACLE_HARS = [p for p in corpus_files("net/har/mitmproxy/har_files/*.har") if p.with_suffix(".json").is_file()]


@pytest.mark.skipif(not ORACLE_HARS, reason="corpus not present")
@pytest.mark.parametrize("path", ORACLE_HARS, ids=lambda p: p.name)
def test_requests_match_mitmproxys_conversion(path: Path) -> None:
    expected: list[dict[str, Any]] = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    report = analyse_capture(path, attribute=False)
    assert len(report.requests) == len(expected) and report.input.format == "har"
    by_entry = {r.entry: r for r in report.requests}
    for index, flow in enumerate(expected):
        want, got = flow["request"], by_entry[index]
        assert (got.method, got.scheme, got.host) == (want["method"], want["scheme"], want["host"])
        assert got.path + (f"?{got.query}" if got.query else "") == want["path"]
        headers = want["headers"]
        if not any(k.lower() == "content-length" for k, _ in got.headers):
            headers = [h for h in headers if h[0] != "content-length"]  # mitmproxy adds one when it sets a body
        assert [list(h) for h in got.headers] == headers
        assert (got.body_size, hashlib.sha256(got.body).hexdigest()) == (want["contentLength"], want["contentHash"])
        server = report.flows[got.flow]
        address = flow["server_conn"]["address"]
        if address and address[0]:
            host, port = server.server.rsplit(":", 1)
            assert (host.strip("[]"), int(port)) == (address[0], address[1])
        assert (server.hostname, server.hostname_source) == (want["host"], "har")
        assert got.time == pytest.approx(flow["client_conn"]["timestamp_start"], abs=1e-3)


def _har(entries: list[dict[str, Any]]) -> bytes:
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}}).encode()


def _entry(url: str, method: str = "GET", post: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"method": method, "url": url, "httpVersion": "HTTP/1.1",
                               "headers": [{"name": "User-Agent", "value": "t"}], "headersSize": 100, "bodySize": -1}
    if post is not None:
        request["postData"] = post
    return {"startedDateTime": "2024-01-02T03:04:05.250Z", "time": 500, "request": request,
            "response": {"status": 200, "headersSize": 50, "bodySize": 300, "content": {"size": 300}}, **extra}


def test_bodies_params_base64_and_binary_text() -> None:
    gz_json = zlib.compress(b'{"imei":"356938035643809"}')
    data = _har([
        _entry("https://api.example/a?x=1", "POST", {"mimeType": "application/json", "text": '{"k":"v"}'},
               serverIPAddress="203.0.113.5", connection="7"),
        _entry("https://api.example/b", "POST", {"mimeType": "application/x-www-form-urlencoded",
                                                 "params": [{"name": "q", "value": "a b&c"}, {"name": "n", "value": "1"}]},
               serverIPAddress="203.0.113.5", connection="7"),
        _entry("http://[2001:db8::1]:8080/c", "PUT", {"mimeType": "application/octet-stream", "encoding": "base64",
                                                      "text": base64.b64encode(b"\x00\x01binary").decode()}),
        {**_entry("https://api.example/d", "POST", {"mimeType": "application/json", "encoding": "base64",
                                                    "text": base64.b64encode(gz_json).decode()})},
        _entry("https://api.example/e", "POST", {"mimeType": "application/x-protobuf", "text": "\n\x14a\x88\xae"}),
    ])
    data = data.replace(b'"User-Agent", "value": "t"}], "headersSize": 100, "bodySize": -1, "postData": {"mimeType": '
                        b'"application/json", "encoding"',
                        b'"Content-Encoding", "value": "deflate"}], "headersSize": 100, "bodySize": -1, "postData": '
                        b'{"mimeType": "application/json", "encoding"')
    report = analyse_capture_bytes(data, "t.har", attribute=False)
    a, b, c, d, e = sorted(report.requests, key=lambda r: r.entry or 0)
    assert (a.body, a.query, a.content_type, a.time) == (b'{"k":"v"}', "x=1", "application/json", 1704164645.25)
    assert b.body == b"q=a+b%26c&n=1"
    assert (c.body, c.host, c.scheme) == (b"\x00\x01binary", "2001:db8::1", "http")
    assert (d.body, d.content_encoding) == (b'{"imei":"356938035643809"}', "deflate")
    assert e.body == b"\n\x14a\x88\xae"
    assert a.flow == b.flow and len({a.flow, c.flow, d.flow}) == 3
    shared = report.flows[a.flow]
    assert (shared.server, shared.client, shared.transport, shared.protocol) == (
        "203.0.113.5:443", "0.0.0.0:0", "tcp", "tls")
    assert (shared.bytes_up, shared.bytes_down, shared.last_seen - shared.first_seen) == (200, 700, 0.5)
    v6 = report.flows[c.flow]
    assert (v6.server, v6.hostname, v6.protocol) == ("[2001:db8::1]:8080", None, "http")


def test_bom_missing_fields_and_bad_entries_are_tolerated() -> None:
    entries: list[Any] = [
        {"request": {"method": "GET", "url": "https://ok.example/"}},
        {"request": {"method": "GET"}},
        "junk",
        {"request": {"method": "GET", "url": "ftp://files.example/x"}},
        {"request": {"method": "GET", "url": "https://bad.example:99999/"}},
    ]
    report = analyse_capture_bytes(b"\xef\xbb\xbf" + _har(entries), "t.har", attribute=False)
    (req,) = report.requests
    assert (req.host, req.time, req.headers) == ("ok.example", 0.0, ())
    assert [d.code for d in report.diagnostics] == ["har.bad-entry", "har.bad-entry", "har.bad-url", "har.bad-url"]


def test_zhar_and_sniffing_by_content() -> None:
    plain = _har([_entry("https://z.example/")])
    assert sniff_har(plain) == "har" and sniff_har(zlib.compress(plain)) == "zhar"
    assert sniff_har(b'{"other": 1}') is None and sniff_har(zlib.compress(b"text")) is None
    (req,) = analyse_capture_bytes(zlib.compress(plain), "t.zhar", attribute=False).requests
    assert req.host == "z.example"
    with pytest.raises(LimitExceeded):
        read_har(zlib.compress(plain), DiagnosticLog(), "t", HarLimits(max_inflated=100))
    with pytest.raises(CorruptInput):
        read_har(b'{"log": {"entries": [', DiagnosticLog(), "t")
    with pytest.raises(UnsupportedInput):
        read_har(b'{"log": {"pages": []}}', DiagnosticLog(), "t")
    with pytest.raises(CorruptInput):
        read_har(b'{"log": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", DiagnosticLog(), "t")


@pytest.mark.skipif(not corpus_files("net/mitmproxy/flows/compressed.zhar"), reason="corpus not present")
def test_corpus_zhar_equals_its_flows() -> None:
    (path,) = corpus_files("net/mitmproxy/flows/compressed.zhar")
    report = analyse_capture(path)
    assert [(r.method, r.host, r.path) for r in report.requests] == [
        ("GET", "example.com", "/"), ("POST", "httpbin.org", "/post")]
    assert {d.name for d in report.destinations} == {"example.com", "httpbin.org"}


def test_cut_har_keeps_the_entries_before_the_cut() -> None:
    data = _har([_entry(f"https://e{i}.example/") for i in range(3)])
    cut = data[:data.index(b"https://e2.example/") - 40]
    report = analyse_capture_bytes(cut, "cut.har", attribute=False)
    assert [r.host for r in report.requests] == ["e0.example", "e1.example"]
    assert [d.code for d in report.diagnostics] == ["har.damaged"]
    with pytest.raises(CorruptInput):
        analyse_capture_bytes(data[:data.index(b"https://e0.example/")], "cut.har", attribute=False)


def test_a_big_har_is_read_in_memory_bounded_by_its_largest_entry(tmp_path: Path) -> None:
    # 40 MB of HAR (responses of 100 KB each, which the reader never needs): the reader holds a window and
    # one entry, so its peak stays far below the file; before, the whole document was parsed at once.
    import tracemalloc

    path = tmp_path / "big.har"
    with path.open("w") as out:
        out.write('{"log": {"version": "1.2", "entries": [')
        for i in range(400):
            entry = _entry(f"https://e{i % 7}.example/p?i={i}")
            entry["response"]["content"]["text"] = "x" * 100_000
            out.write(("," if i else "") + json.dumps(entry))
        out.write("]}}")
    tracemalloc.start()
    try:
        report = analyse_capture(path, attribute=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(report.requests) == 400 and report.input.size == path.stat().st_size
    assert report.input.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert peak < 8 << 20, f"peak {peak / 2**20:.1f} MB for a {path.stat().st_size / 2**20:.0f} MB HAR"


def test_entry_limit_and_a_zhar_read_as_a_stream() -> None:
    entries = [_entry(f"https://s{i}.example/") for i in range(5)]
    log = DiagnosticLog()
    assert [e.url for e in read_har(zlib.compress(_har(entries)), log, "t", HarLimits(max_entries=3))] == [
        "https://s0.example/", "https://s1.example/", "https://s2.example/"]
    assert [d.message for d in log.items] == ["more than 3 entries; only the first 3 read"]
    plain = _har(entries)
    packer = zlib.compressobj()
    first = packer.compress(plain[:100]) + packer.flush(zlib.Z_FULL_FLUSH)  # a block boundary: the head inflates alone
    packed = first + packer.compress(plain[100:]) + packer.flush()
    with pytest.raises(CorruptInput, match="compressed HAR is damaged"):
        read_har(first + b"\xff" * 8 + packed[len(first) + 8:], DiagnosticLog(), "t")
    log = DiagnosticLog()  # cut short, it keeps the entries before the cut, as a plain HAR does
    packed = zlib.compress(_har([_entry(f"https://s{i}.example/") for i in range(50)]))
    assert 1 <= len(read_har(packed[:len(packed) * 3 // 4], log, "t")) < 50 and [d.code for d in log.items] == ["har.damaged"]
