"""Personal data in HTTP requests: locations, each rule's positive and negative case, bounds, corpus captures."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from datatrail.capture import analyse_capture
from datatrail.capture.known_values import parse_known
from datatrail.capture.personal_data import MAX_HITS_PER_REQUEST, RULE_IDS, categories_by_flow, find_personal_data
from datatrail.capture.pii_keys import normalise_key, traffic_keys
from datatrail.model.http import HttpRequest
from datatrail.model.personal_data import MATCHED_MAX, DataHit
from tests.support.corpus import corpus_files


def req(method: str = "GET", path: str = "/", query: str = "", headers: tuple[tuple[str, str], ...] = (),
        body: bytes = b"", content_type: str | None = None, body_size: int | None = None, flow: int = 0) -> HttpRequest:
    return HttpRequest(flow, 0.0, method, "http", "api.example.com", path, query, headers, body,
                       len(body) if body_size is None else body_size, body_size is not None and body_size > len(body),
                       content_type, "har")


def js(doc: object, method: str = "POST", path: str = "/", query: str = "") -> HttpRequest:
    return req(method, path, query, body=json.dumps(doc).encode(), content_type="application/json")


def hits(*requests: HttpRequest, known: str | None = None) -> list[tuple[str, str, str, str]]:
    found = find_personal_data(requests, parse_known(known) if known else None)
    return [(h.rule_id, h.label, h.location, h.matched) for h in found]


def test_hit_carries_flow_request_category_and_kind() -> None:
    found = find_personal_data([req(), req(query="imei=356938035643809", flow=7)])
    assert found == (DataHit(7, 1, "NET002", "heuristic", "IMEI", "Device or other IDs", "query:imei", "plain",
                             "356938035643809"),)


def test_categories_by_flow() -> None:
    found = find_personal_data([req(query="imei=356938035643809&lat=48.8566", flow=3), req(query="q=tea", flow=1),
                                req(query="imei=356938035643809", flow=3)])
    assert categories_by_flow(found) == {1: ("App activity",), 3: ("Device or other IDs", "Location")}


@pytest.mark.parametrize(("query", "expected"), [
    ("imei=356938035643809", ("NET002", "IMEI")),
    ("gps_adid=38400000-8cf0-11bd-b23e-10b96e40000d", ("NET002", "advertising ID")),
    ("androidId=9774d56d682e549c", ("NET002", "Android ID")),
    ("wifi_mac=00:1a:2b:3c:4d:5e", ("NET002", "MAC address")),
    ("imei_md5=" + "0f" * 16, ("NET002", "IMEI (hashed)")),
    ("latitude=48.8566", ("NET003", "latitude")),
    ("lng=2.3522", ("NET003", "longitude")),
    ("bssid=00:1a:2b:3c:4d:5f", ("NET003", "Wi-Fi network")),
    ("phone_model=SM-G991B", ("NET004", "device model")),
    ("carrier=T-Mobile", ("NET004", "mobile carrier")),
    ("screen=1080*2400", ("NET004", "screen")),
    ("user_email=a.b@example.org", ("NET005", "email")),
    ("msisdn=%2B33612345678", ("NET005", "phone number")),
    ("first_name=Ada", ("NET005", "name")),
])
def test_identifier_location_device_and_contact_keys(query: str, expected: tuple[str, str]) -> None:
    found = hits(req(query=query))
    assert [(rule, label) for rule, label, *_ in found] == [expected]


@pytest.mark.parametrize("query", [
    "imei=12345",                                   # too short for an IMEI
    "adid=00000000-0000-0000-0000-000000000000",    # opted-out advertising ID
    "mac=02:00:00:00:00:00",                        # Android's placeholder MAC
    "lat=51",                                       # no decimals: not a coordinate
    "long=true",                                    # a flag, not a longitude
    "location=AT",                                  # a country, not coordinates
    "model=",                                       # empty
    "os=null",
    "email=someone@localhost",                      # no registrable domain
    "session=38400000-8cf0-11bd-b23e-10b96e40000d", # a UUID under a name that says nothing personal
    "like_count=4",
])
def test_keys_with_values_of_the_wrong_shape_are_not_flagged(query: str) -> None:
    assert hits(req(query=query)) == []


def test_only_custom_headers_are_read_by_name() -> None:
    found = hits(req(headers=(("User-Agent", "Pixel 7"), ("X-Device-Model", "Pixel 7"), ("Model", "Pixel 8"),
                              ("sec-ch-ua-model", "Pixel 9"), (":path", "/?imei=356938035643809"))))
    assert found == [("NET004", "device model", "header:X-Device-Model", "Pixel 7"),
                     ("NET004", "device model", "header:Model", "Pixel 8")]


def test_cookies_are_split_into_pairs() -> None:
    found = hits(req(headers=(("Cookie", "theme=dark; device_id=ab12cd34ef56; uid=%31%32%33%34%35%36"),)))
    assert found == [("NET002", "device ID", "cookie:device_id", "ab12cd34ef56"),
                     ("NET005", "user ID", "cookie:uid", "123456")]


def test_json_paths_nested_json_strings_and_json_in_query() -> None:
    inner = json.dumps({"imei": "356938035643809"})
    found = hits(js({"user": {"email": "a@example.com"}, "list": [{"lat": 48.8566}], "weird key": {"mac": "00:1a:2b:3c:4d:5e"},
                     "blob": inner}, query="data=" + inner))
    assert found == [
        ("NET002", "IMEI", "query:data$.imei", "356938035643809"),
        ("NET005", "email", "body:$.user.email", "a@example.com"),
        ("NET003", "latitude", "body:$.list[0].lat", "48.8566"),
        ("NET002", "MAC address", 'body:$["weird key"].mac', "00:1a:2b:3c:4d:5e"),
        ("NET002", "IMEI", "body:$.blob$.imei", "356938035643809"),
    ]


def test_form_bodies_and_plain_text_bodies() -> None:
    form = req("POST", body=b"contact_phone=%2B44+7700+900123&x=1", content_type="application/x-www-form-urlencoded")
    text = req("POST", body=b"Write to jane@example.org or icon@2x.png", content_type="text/plain")
    assert hits(form, text) == [("NET005", "phone number", "body:form:contact_phone", "+44 7700 900123"),
                                ("NET005", "email", "body", "jane@example.org")]


def test_message_ids_shaped_like_addresses_are_not_emails() -> None:
    body = (b'<msg push-id="1h9301_1031854562482_1038@gecds2.mobilitylab.net"/>\nMessage-ID: <a1b2@mail.example.com>'
            b"\nFrom: Ann <ann@example.com>")
    assert hits(req("POST", body=body, content_type="application/xml")) == [("NET005", "email", "body", "ann@example.com")]


def test_form_bodies_sent_without_a_form_content_type() -> None:
    untyped = req("POST", body=b"imei=356938035643809&sig=YWJj==")
    plain = req("POST", body=b"lat=48.8566&lng=2.3522", content_type="text/plain;charset=UTF-8")
    prose = req("POST", body=b"imei = 356938035643809 is mine", content_type="text/plain")
    assert hits(untyped, plain, prose) == [("NET002", "IMEI", "body:form:imei", "356938035643809"),
                                           ("NET003", "latitude", "body:form:lat", "48.8566"),
                                           ("NET003", "longitude", "body:form:lng", "2.3522")]


def test_multipart_with_bare_line_feeds() -> None:
    body = b'--B1\nContent-Disposition: form-data; name="email"\n\nann@example.com\n--B1--\n'
    found = hits(req("POST", body=body, content_type="multipart/form-data; boundary=B1"))
    assert found == [("NET005", "email", "body:multipart[0]:email", "ann@example.com")]


def test_email_inside_a_binary_body() -> None:
    body = b"\n\x14stanley@example.com\x10c\x18\x01\xff\xfe"
    assert hits(req("POST", body=body, content_type="application/x-protobuf")) == \
        [("NET005", "email", "body", "stanley@example.com")]


def _multipart(parts: list[tuple[str, str | None, str | None, bytes]]) -> HttpRequest:
    chunks = []
    for name, filename, ctype, content in parts:
        head = f'--B0\r\nContent-Disposition: form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        head += f"\r\nContent-Type: {ctype}" if ctype else ""
        chunks.append(head.encode() + b"\r\n\r\n" + content + b"\r\n")
    body = b"".join(chunks) + b"--B0--\r\n"
    return req("POST", "/upload", body=body, content_type='multipart/form-data; boundary="B0"')


def test_multipart_parts_and_upload_categories() -> None:
    request = _multipart([("email", None, None, b"ann@example.com"), ("clip", "a.MP3", "application/octet-stream", b"ID3"),
                          ("doc", "notes.pdf", "application/pdf", b"%PDF ann@example.com"),
                          ("img", "x", "image/png", b"\x89PNG")])
    found = find_personal_data([request])
    assert [(h.rule_id, h.label, h.data_category, h.location, h.matched) for h in found] == [
        ("NET005", "email", "Personal info", "body:multipart[0]:email", "ann@example.com"),
        ("NET005", "email", "Personal info", "body:multipart[2]:doc", "ann@example.com"),
        ("NET010", "file upload", "Audio", "body:multipart[1]:clip", "a.MP3"),
        ("NET010", "file upload", "Files and docs", "body:multipart[2]:doc", "notes.pdf"),
        ("NET010", "file upload", "Photos and videos", "body:multipart[3]:img", "x"),
    ]


def test_media_and_large_bodies_are_uploads_only_on_writes() -> None:
    large = traffic_keys().large_body
    found = hits(req("PUT", body=b"\x00" * 10, content_type="video/mp4"),
                 req("POST", body=b"{}", content_type="application/json", body_size=large + 1),
                 req("POST", body=b"{}", content_type="application/json", body_size=large - 1),
                 req("GET", body=b"\x00" * 10, content_type="image/jpeg"))
    assert found == [("NET010", "content upload", "body", "video/mp4 10 bytes"),
                     ("NET010", "large upload", "body", f"application/json {large + 1} bytes")]


def test_search_terms() -> None:
    found = hits(req(query="q=weather+in+paris"), req(path="/api/search", query="term=shoes&page=2"),
                 req(query="term=shoes"), req(query="q="), req(query="q=12"),
                 js({"query": "query { viewer { id } }"}), req(query="keyword=https://example.com/x"))
    assert found == [("NET006", "search query", "query:q", "weather in paris"),
                     ("NET006", "search query", "query:term", "shoes")]


def test_likes_and_comments_from_paths_on_writes_and_from_fields() -> None:
    found = hits(req("POST", "/v1/posts/9/like"), req("GET", "/v1/posts/9/likes"),
                 js({"type": "favorite", "id": "9"}), js({"liked": True}), js({"liked": False}),
                 js({"comment": "nice one"}, path="/v1/posts/9/comments"), req("POST", "/v1/replies/new"),
                 req("GET", "/v1/posts/9/comments"))
    assert [(h[0], h[2], h[3]) for h in found] == [
        ("NET007", "path[3]", "like"), ("NET007", "body:$.type", "favorite"), ("NET007", "body:$.liked", "true"),
        ("NET008", "body:$.comment", "nice one"), ("NET008", "path[1]", "replies"),
    ]


def test_browsing_history_needs_urls_or_content_ids_under_a_history_key() -> None:
    found = hits(js({"visited": ["https://a.example/1", "not a url"], "history": {"items": [{"article_id": "77", "n": 3}]},
                     "referrer": "https://b.example/", "page": "https://c.example/"}))
    assert found == [("NET009", "browsing history", "body:$.visited[0]", "https://a.example/1"),
                     ("NET009", "browsing history", "body:$.history.items[0].article_id", "77")]


def test_known_value_replaces_the_heuristic_hit_at_the_same_place() -> None:
    found = find_personal_data([req(query="imei=356938035643809&device_id=356938035643809x")],
                               parse_known("imei=356938035643809"))
    assert [(h.rule_id, h.kind, h.location) for h in found] == [("NET001", "known", "query:imei"),
                                                               ("NET002", "heuristic", "query:device_id")]


def test_matched_text_is_truncated() -> None:
    found = find_personal_data([req(query="device_model=" + "x1" * 55)])
    assert len(found[0].matched) == MATCHED_MAX and found[0].matched.endswith("…")


def test_work_and_hits_are_bounded() -> None:
    wide = js({f"sim{i}_imei": "356938035643809" for i in range(20_000)})
    deep = req("POST", body=b"[" * 100_000 + b"]" * 100_000, content_type="application/json")
    broken = req("POST", body=b'{"imei": "3569', content_type="application/json")
    bad_multipart = req("POST", body=b"--B\r\nno headers here", content_type="multipart/form-data; boundary=B")
    start = time.perf_counter()
    found = find_personal_data([wide, deep, broken, bad_multipart])
    assert time.perf_counter() - start < 5
    assert sum(1 for h in found if h.request == 0) == MAX_HITS_PER_REQUEST
    assert all(h.request == 0 for h in found)


def test_rule_catalogue_matches_the_data() -> None:
    keys = traffic_keys()
    used = {f.rule_id for f in keys.fields} | {a.rule_id for a in (keys.search, keys.like, keys.comment, keys.browsing)}
    assert used | {"NET001", keys.upload_rule} == set(RULE_IDS)
    categories = set(json.loads((Path(__file__).resolve().parents[2] / "src/datatrail/knowledge/data/"
                                 "permission_categories.json").read_text())["categories"])
    assert {f.data_category for f in keys.fields} <= categories
    assert set(keys.upload_extensions.values()) | {c for _, c in keys.upload_types} | {keys.upload_default} <= categories
    for rule in keys.fields:
        assert all(normalise_key(k) == k for k in rule.keys)


# Hits in the corpus's real browser and proxy captures, each checked by hand: a tracking cookie holding a
# user id, an account address inside Chrome sync's protobuf, a login form, and a search parameter. Every other
# request (pages, images, scripts, S3 listings, metrics with "location": "AT", GA cookies, client hints) is clean.
CORPUS_HITS = {
    "net/mitmproxy/dumpfiles/dumpfile-019.mitm": [("NET005", "user ID", "cookie:wrvUserID", "e6527ecc-e4e3-4a75-ad58-2f883e53d9e4")],
    "net/mitmproxy/flows/diff_data.har": [("NET005", "email", "body", "stanleygvi@gmail.com")],
    "net/mitmproxy/flows/diff_data.mitm": [("NET005", "email", "body", "stanleygvi@gmail.com")],
    "net/mitmproxy/mitmproxy2swagger/form_data_har.har": [("NET005", "user name", "body:form:username", "alice")],
    "net/mitmproxy/mitmproxy2swagger/headers_and_params_har.har": [("NET006", "search query", "query:search", "test")],
}
NOT_HAR_LOGS = {"single_entry.har", "har_extractor.har"}  # a bare entry and a test response, no log.entries
CAPTURES = [p for p in corpus_files("net/har/**/*.har", "net/mitmproxy/**/*.har", "net/mitmproxy/**/*.mitm",
                                    "net/mitmproxy/mitmproxy2swagger/*_flows") if p.name not in NOT_HAR_LOGS]


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.name)
def test_corpus_captures_flag_only_what_was_checked_by_hand(path: Path) -> None:
    report = analyse_capture(path, attribute=False)
    found = [(h.rule_id, h.label, h.location, h.matched) for h in find_personal_data(report.requests)]
    key = str(path).split("corpus/", 1)[1]
    assert found == CORPUS_HITS.get(key, [])


def test_corpus_captures_were_found() -> None:
    if not CAPTURES:
        pytest.skip("no corpus")
    names = {p.name for p in CAPTURES}
    assert {"chrome.har", "firefox.har", "postdata.har", "dumpfile-019.mitm", "form_data_har.har"} <= names


PCAPS = corpus_files("net/ndpi/pcap/*", "net/pcapdroid/*.pcap")


def test_corpus_pcaps_have_no_personal_data_in_their_cleartext_requests() -> None:
    # Checked by hand: the nDPI and PCAPdroid pcaps carry software updates, page loads and an MMS push
    # (its push-id looks like an address, see above); none of it is personal data.
    if not PCAPS:
        pytest.skip("no corpus")
    requests = 0
    for path in PCAPS:
        report = analyse_capture(path, attribute=False)
        requests += len(report.requests)
        assert find_personal_data(report.requests) == (), path.name
    assert requests >= 50

