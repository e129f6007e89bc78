"""One case-insensitive header lookup serves every reader (pcap, HAR, mitmproxy) and the detectors."""

from __future__ import annotations

from datatrail.formats.net.http1 import parse_request
from datatrail.model.http import HttpRequest, header_value

HEADERS = (("Host", "a.example"), ("X-Id", ""), ("content-TYPE", "text/plain"), ("Content-Type", "application/json"))


def test_first_match_any_case_none_when_absent() -> None:
    assert header_value(HEADERS, "content-type") == "text/plain"  # the first of two, as sent
    assert header_value(HEADERS, "CONTENT-type") == "text/plain"
    assert header_value(HEADERS, "x-id") == ""  # present but empty is not absent
    assert header_value(HEADERS, "cookie") is None
    assert header_value(iter(HEADERS), "HOST") == "a.example"  # any iterable of pairs, read once


def test_request_and_request_head_answer_alike() -> None:
    head = parse_request(b"POST /t HTTP/1.1\r\nHost: a.example\r\nContent-Type: text/plain\r\n"
                         b"content-type: application/json\r\n\r\n")
    assert head is not None
    request = HttpRequest(flow=0, time=0.0, method="POST", scheme="http", host=head.host, path="/t", query="",
                          headers=head.headers, body=b"", body_size=0, body_truncated=False, content_type=None,
                          source="pcap")
    for name in ("content-type", "Host", "x-missing"):
        assert head.header(name) == request.header(name) == header_value(head.headers, name)
    assert head.header("CONTENT-TYPE") == "text/plain"
