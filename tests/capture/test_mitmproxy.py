"""mitmproxy flow files: every corpus format version, .mitm/.har pairs of the same flows, tnetstring bounds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from datatrail.capture import analyse_capture, analyse_capture_bytes
from datatrail.formats.net.mitmproxy import read_mitmproxy, sniff_mitmproxy
from datatrail.formats.net.tnetstring import TnetError, TnetLimits, looks_like_tnetstring, read_value
from datatrail.model.diagnostic import DiagnosticLog
from tests.support.corpus import corpus_files


def tnet(value: Any) -> bytes:
    """A tnetstring writer for building test inputs (text as ``;``, like mitmproxy since 0.18)."""
    if isinstance(value, bool):
        body, kind = (b"true" if value else b"false"), b"!"
    elif value is None:
        body, kind = b"", b"~"
    elif isinstance(value, int):
        body, kind = str(value).encode(), b"#"
    elif isinstance(value, float):
        body, kind = repr(value).encode(), b"^"
    elif isinstance(value, bytes):
        body, kind = value, b","
    elif isinstance(value, str):
        body, kind = value.encode(), b";"
    elif isinstance(value, list):
        body, kind = b"".join(tnet(v) for v in value), b"]"
    else:
        body, kind = b"".join(tnet(k) + tnet(v) for k, v in value.items()), b"}"
    return str(len(body)).encode() + b":" + body + kind


def test_tnetstring_values_round_trip() -> None:
    value = {"a": [1, -2, 3.5, True, False, None, b"\x00raw", "t\u00e9xt"], "b": {"c": {}}, b"k": []}
    data = tnet(value)
    assert read_value(data, 0) == (value, len(data))
    assert looks_like_tnetstring(data) and not looks_like_tnetstring(b"12:abc")


@pytest.mark.parametrize("data", [b"5:abc,", b"x:abc,", b"3:abc?", b"3:abc", b"1:x#", b"4:true~", b"5:maybe!",
                                  b"2:\xff\xfe;", b"4:1:a}}", b"99999999999999:a,", b"6:1#1#}"])
def test_malformed_tnetstrings_raise_tnet_error(data: bytes) -> None:
    with pytest.raises(TnetError):
        read_value(data, 0)


def test_nesting_and_item_bounds() -> None:
    deep = b"0:]"
    for _ in range(100):
        deep = str(len(deep)).encode() + b":" + deep + b"]"
    with pytest.raises(TnetError, match="nested deeper"):
        read_value(deep, 0)
    assert read_value(deep, 0, TnetLimits(max_depth=200))[1] == len(deep)
    with pytest.raises(TnetError, match="more than 10 values"):
        read_value(tnet(list(range(20))), 0, TnetLimits(max_items=10))


def _flow(host: str, body: bytes = b"", **request: Any) -> dict[str, Any]:
    return {"version": 20, "type": "http", "id": "f",
            "client_conn": {"peername": ["10.0.0.4", 40000], "id": "c"},
            "server_conn": {"peername": ["198.51.100.9", 443], "sni": host, "id": "s1", "alpn": b"h2",
                            "transport_protocol": "tcp"},
            "request": {"method": b"POST", "scheme": b"https", "host": host, "port": 443, "path": b"/p?q=1",
                        "http_version": b"HTTP/2.0", "headers": [[b"content-type", b"text/plain"]], "content": body,
                        "timestamp_start": 1700000000.5, "timestamp_end": 1700000001.0, **request},
            "response": {"content": b"x" * 10}}


def test_built_flows_give_requests_and_flows_and_damage_keeps_the_prefix() -> None:
    data = tnet(_flow("a.example", b"hello")) + tnet({"type": "tcp", "version": 20}) + tnet(_flow("b.example"))
    report = analyse_capture_bytes(data + b"123:broken", "t.mitm", attribute=False)
    assert report.input.format == "mitmproxy" and report.input.frames == 2
    first, second = report.requests
    assert (first.host, first.path, first.query, first.body, first.source, first.entry) == (
        "a.example", "/p", "q=1", b"hello", "mitmproxy", 0)
    flow = report.flows[first.flow]
    assert (flow.client, flow.server, flow.hostname, flow.hostname_source, flow.alpn) == (
        "10.0.0.4:40000", "198.51.100.9:443", "a.example", "sni", ("h2",))
    assert (flow.first_seen, flow.last_seen, flow.bytes_down) == (1700000000.5, 1700000001.0, 10)
    assert first.flow != second.flow  # a different server name on the same connection id is a different flow
    assert [d.code for d in report.diagnostics] == ["mitmproxy.damaged", "mitmproxy.not-http"]


def test_sniffing() -> None:
    assert sniff_mitmproxy(tnet(_flow("a.example")))
    assert not sniff_mitmproxy(b"12:hello world,") and not sniff_mitmproxy(b'{"log": {}}')
    assert read_mitmproxy(tnet([1, 2]), DiagnosticLog(), "t") == []


DUMPFILES = {p.name: p for p in corpus_files("net/mitmproxy/dumpfiles/*.mitm")}
# (file, method, url, client, server, hostname, transport): read by hand from each file's tnetstring dump.
EXPECTED = [
    ("dumpfile-010.mitm", "GET", "http://example.com/", "0.0.0.0:0", "example.com:80", "example.com", "tcp"),
    ("dumpfile-011.mitm", "GET", "https://example.com/", "127.0.0.1:60786", "example.com:443", "example.com", "tcp"),
    ("dumpfile-018.mitm", "GET", "https://www.example.com/", "127.0.0.1:52774", "93.184.216.34:443",
     "www.example.com", "tcp"),
    ("dumpfile-019.mitm", "GET", "https://webrv.rtb-seller.com/webrv-at", "127.0.0.1:53976", "3.213.13.94:443",
     "webrv.rtb-seller.com", "tcp"),
    ("dumpfile-7.mitm", "GET", "http://example.com/", "127.0.0.1:64276", "93.184.216.34:80", "example.com", "tcp"),
    ("dumpfile-19.mitm", "GET", "https://cloudflare-quic.com/", "[::1]:62648", "104.22.8.38:443",
     "cloudflare-quic.com", "udp"),
]


@pytest.mark.skipif(not DUMPFILES, reason="corpus not present")
@pytest.mark.parametrize("row", EXPECTED, ids=lambda r: r[0])
def test_every_format_version_in_the_corpus(row: tuple[str, ...]) -> None:
    name, method, url, client, server, hostname, transport = row
    report = analyse_capture(DUMPFILES[name], attribute=False)
    first = report.requests[0]
    flow = report.flows[first.flow]
    assert (first.method, f"{first.scheme}://{first.host}{first.path}") == (method, url)
    assert (flow.client, flow.server, flow.hostname, flow.transport) == (client, server, hostname, transport)
    assert not report.diagnostics


@pytest.mark.skipif(not DUMPFILES, reason="corpus not present")
def test_websocket_dump_counts_its_non_http_flows() -> None:
    report = analyse_capture(DUMPFILES["dumpfile-7-websocket.mitm"], attribute=False)
    assert len(report.requests) == 3 and {r.host for r in report.requests} == {"echo.websocket.org"}


PAIRS = [p for p in corpus_files("net/mitmproxy/flows/*.mitm") if p.with_suffix(".har").is_file()]


@pytest.mark.skipif(not PAIRS, reason="corpus not present")
@pytest.mark.parametrize("path", PAIRS, ids=lambda p: p.name)
def test_the_same_flows_as_mitm_and_har_give_the_same_requests(path: Path) -> None:
    mitm = analyse_capture(path, attribute=False).requests
    har = analyse_capture(path.with_suffix(".har"), attribute=False).requests
    assert mitm and len(mitm) == len(har)
    for a, b in zip(mitm, har):
        assert (a.method, a.scheme, a.host, a.path, a.query, a.body) == (b.method, b.scheme, b.host, b.path, b.query, b.body)
        assert [(k.lower(), v) for k, v in a.headers] == [(k.lower(), v) for k, v in b.headers]
        assert a.time == pytest.approx(b.time, abs=1e-3)


def test_request_bodies_are_decoded_and_a_corrupt_one_kept_as_sent() -> None:
    import gzip

    good = _flow("a.example", gzip.compress(b"lat=1"), headers=[[b"Content-Encoding", b"gzip"]])
    bad = _flow("a.example", b"\x1f\x8bnot really", headers=[[b"Content-Encoding", b"gzip"]])
    report = analyse_capture_bytes(tnet(good) + tnet(bad), "t.mitm", attribute=False)
    ok, kept = report.requests
    assert (ok.body, ok.content_encoding, ok.body_size) == (b"lat=1", "gzip", len(gzip.compress(b"lat=1")))
    assert (kept.body, kept.content_encoding) == (b"\x1f\x8bnot really", None)
    assert [d.code for d in report.diagnostics] == ["http.content-coding"]


LOGS = corpus_files("net/mitmproxy/**/*.mitm", "net/mitmproxy/flows/*.har", "net/mitmproxy/flows/*.zhar",
                    "net/har/mitmproxy/har_files/*.har")


@pytest.mark.skipif(not LOGS, reason="corpus not present")
def test_cut_and_corrupted_logs_give_partial_results_or_a_clear_error() -> None:
    import random

    from datatrail.errors import InputError

    rng = random.Random(7)
    for path in LOGS:
        original = path.read_bytes()
        full = len(analyse_capture_bytes(original, path.name, attribute=False).requests)
        variants = [original[:cut] for cut in range(0, len(original), max(1, len(original) // 25))]
        for _ in range(10):
            data = bytearray(original)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            variants.append(bytes(data))
        for data in variants:
            try:
                report = analyse_capture_bytes(data, path.name, attribute=False)
            except InputError:
                continue
            if len(data) < len(original):
                assert len(report.requests) <= full, path.name
