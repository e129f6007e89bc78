"""A capture's JSON document read back is the same report, and writes the same text again: what
the service stores is enough to render every other format without the capture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datatrail.capture import analyse_capture, capture_format
from datatrail.capture.known_values import parse_known
from datatrail.errors import DatatrailError
from datatrail.report.capture_json import capture_from_dict, captures_from_document, captures_json
from datatrail.report.load import ReportFormatError
from tests.support.corpus import corpus_files

CAPTURES = corpus_files("net/ndpi/pcap/*", "net/pcapdroid/*.pcap", "net/har/**/*.har", "net/har/**/*.zhar",
                        "net/mitmproxy/**/*.har", "net/mitmproxy/**/*.mitm", "net/mitmproxy/**/*.flow")


@pytest.mark.skipif(not CAPTURES, reason="test corpus not found (set DATATRAIL_CORPUS)")
def test_every_corpus_capture_round_trips() -> None:
    read = 0
    for path in CAPTURES:
        try:
            report = analyse_capture(path, "uk")
        except DatatrailError:
            continue
        text = captures_json([report], "uk")
        viewer, (back,) = captures_from_document(json.loads(text))
        assert viewer == "uk" and back == report, path
        assert captures_json([back], viewer) == text, path
        read += 1
    assert read >= 60


def test_binary_bodies_and_known_values_round_trip(tmp_path: Path) -> None:
    har = {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [{
        "startedDateTime": "2026-01-01T00:00:00Z", "time": 1,
        "request": {"method": "POST", "url": "https://log.example.cn/up?imei=356938035643809", "httpVersion": "HTTP/1.1",
                    "headers": [{"name": "Content-Type", "value": "application/octet-stream"}], "queryString": [], "cookies": [],
                    "headersSize": -1, "bodySize": 4, "postData": {"mimeType": "application/octet-stream", "text": "//4AgA==",
                                                                   "encoding": "base64"}},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                     "content": {"size": 0, "mimeType": "text/plain"}, "redirectURL": "", "headersSize": -1, "bodySize": 0},
        "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}]}}
    path = tmp_path / "s.har"
    path.write_text(json.dumps(har))
    assert capture_format(path.read_bytes()) == "har"
    report = analyse_capture(path, known=parse_known("imei=356938035643809"))
    assert report.requests and report.requests[0].body == b"\xff\xfe\x00\x80" and report.personal_data
    doc = json.loads(captures_json([report], "eu"))
    assert doc["captures"][0]["requests"][0]["body_encoding"] == "base64"
    assert capture_from_dict(doc["captures"][0]) == report


@pytest.mark.parametrize("doc, message", [
    ([], "no 'captures'"),
    ({"schema_version": "2.0", "captures": []}, "not supported"),
    ({"schema_version": "1.0", "captures": [{"input": 3}]}, "captures[0]"),
    ({"schema_version": "1.0", "captures": [{"requests": [{"body": 5}]}]}, "captures[0].requests[0].body"),
])
def test_what_is_not_a_capture_report_is_refused(doc: object, message: str) -> None:
    with pytest.raises(ReportFormatError, match=message.replace("[", r"\[").replace("]", r"\]")):
        captures_from_document(doc)
