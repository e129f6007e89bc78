"""--known values: validation, the forms each value expands to, and finding them in text."""

from __future__ import annotations

import base64
import hashlib
import os
import time
from urllib.parse import quote

import pytest

from datatrail.capture.known_values import coordinate_matches, parse_known

SPEC = ("email=Jane.Doe@example.com,imei=356938035643809,adid=38400000-8cf0-11bd-b23e-10b96e40000d,"
        "android_id=9774d56d682e549c,phone=+44 7700 900123,lat=51.5074,lon=-0.1278,mac=00:1A:2B:3C:4D:5E")
KNOWN = parse_known(SPEC)


def _found(text: str) -> list[tuple[str, str, str]]:
    return [(m.value.kind, m.encoding, m.text) for m in KNOWN.find(text)]


@pytest.mark.parametrize(("spec", "message"), [
    ("", "at least one"),
    ("email", "not key=value"),
    ("=x", "not key=value"),
    ("colour=red", "not one of"),
    ("email=", "has no value"),
    ("email=not-an-address", "not an email"),
    ("imei=12345", "not an IMEI"),
    ("imei=35693803564380x", "not an IMEI"),
    ("adid=1234", "not an advertising ID"),
    ("android_id=xyz", "not an Android ID"),
    ("mac=00:11:22", "not a MAC"),
    ("phone=12ab34", "not a phone"),
    ("lat=95.12345", "out of range"),
    ("lon=-181.0000", "out of range"),
    ("lat=51.5", "at least 3 decimals"),
    ("lat=north", "not a decimal"),
])
def test_invalid_specs_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_known(spec)


def test_keys_may_repeat_and_case_of_keys_is_ignored() -> None:
    known = parse_known("EMAIL=a@example.com, email=b@example.org")
    assert [v.value for v in known.values] == ["a@example.com", "b@example.org"]
    assert {v.data_category for v in known.values} == {"Personal info"}


@pytest.mark.parametrize(("phone", "expected"), [
    ("+44 7700 900123", {"+447700900123", "447700900123", "00447700900123", "07700900123", "7700900123"}),
    ("+1 (202) 555-0143", {"+12025550143", "12025550143", "2025550143"}),
    ("+353 85 123 4567", {"+353851234567", "0851234567", "851234567"}),
    ("0049 30 1234567", {"+49301234567", "0301234567"}),
])
def test_phone_numbers_expand_to_international_and_national_forms(phone: str, expected: set[str]) -> None:
    forms = set(parse_known(f"phone={phone}").values[0].forms)
    assert expected <= forms
    assert phone in forms


def test_us_numbers_have_no_trunk_zero() -> None:
    assert "02025550143" not in parse_known("phone=+1 202 555 0143").values[0].forms


def test_mac_and_advertising_id_separators() -> None:
    assert {"00:1A:2B:3C:4D:5E", "00-1A-2B-3C-4D-5E", "001A2B3C4D5E"} <= set(KNOWN.values[7].forms)
    assert "384000008cf011bdb23e10b96e40000d" in KNOWN.values[2].forms


def _b64(raw: bytes) -> list[tuple[str, str]]:
    std, url = base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()
    out = [("base64", std), ("base64", std.rstrip("="))]
    if url != std:
        out += [("base64url", url), ("base64url", url.rstrip("="))]
    return out


@pytest.mark.parametrize("variant", ["Jane.Doe@example.com", "jane.doe@example.com", "JANE.DOE@EXAMPLE.COM"])
def test_email_found_in_every_encoding_of_every_case(variant: str) -> None:
    raw = variant.encode()
    samples = [("plain", variant), ("url", quote(variant, safe="")), ("hex", raw.hex()), ("hex", raw.hex().upper()),
               ("md5", hashlib.md5(raw).hexdigest()), ("md5", hashlib.md5(raw).hexdigest().upper()),
               ("sha1", hashlib.sha1(raw).hexdigest()), ("sha256", hashlib.sha256(raw).hexdigest().upper())]
    samples += _b64(raw)
    for encoding, text in samples:
        assert _found(f"k={text}&x=1") == [("email", encoding, text)], (encoding, text)


def test_base64url_differs_from_base64_only_where_the_alphabet_does() -> None:
    known = parse_known("email=jd~smith@example.com")
    assert _found_in(known, "amR-c21pdGhAZXhhbXBsZS5jb20") == [("email", "base64url")]
    assert _found_in(known, "amR+c21pdGhAZXhhbXBsZS5jb20=") == [("email", "base64")]
    # base64 is case-sensitive: the swapped-case string encodes other bytes.
    assert _found_in(known, "AMr-C21PDgHazXHHBxbSZs5JB20") == []


def _found_in(known: object, text: str) -> list[tuple[str, str]]:
    from datatrail.capture.known_values import KnownValues

    assert isinstance(known, KnownValues)
    return [(m.value.kind, m.encoding) for m in known.find(text)]


def test_phone_forms_found_as_sent() -> None:
    assert _found("tel=+447700900123") == [("phone", "plain", "+447700900123")]
    assert _found("n=07700900123;") == [("phone", "plain", "07700900123")]
    assert _found("n=+44 7700 900123") == [("phone", "plain", "+44 7700 900123")]


def test_values_glued_to_longer_tokens_are_not_matches() -> None:
    assert _found("id=1356938035643809") == []
    assert _found("id=3569380356438091") == []
    assert _found("mail=xjane.doe@example.com") == []
    assert _found("h=a" + hashlib.md5(b"jane.doe@example.com").hexdigest()) == []
    assert _found("id=356938035643809") == [("imei", "plain", "356938035643809")]


def test_unicode_text_whose_lowercase_changes_length() -> None:
    # "İ" lowercases to two code points; offsets must still point into the original text.
    text = "İİİ email=JANE.DOE@example.com"
    assert _found(text) == [("email", "plain", "JANE.DOE@example.com")]


@pytest.mark.parametrize(("number", "known", "expected"), [
    ("51.5074", "51.5074", True),
    ("51.507", "51.5074", True),       # rounded to 3 decimals
    ("51.50741", "51.5074", True),     # more precise than what the user gave
    ("51.5075", "51.50749", True),     # rounded half up at 4 decimals
    ("51.507", "51.50779", True),      # truncated at 3 decimals
    ("51.5079", "51.5074", False),     # a different place 50 m away
    ("51.508", "51.5074", False),
    ("51.51", "51.5074", False),       # 2 decimals say too little
    ("-0.1278", "-0.1278", True),
    ("0.1278", "-0.1278", False),      # the other side of Greenwich
    ("-0.128", "-0.1278", True),
])
def test_coordinates_compare_as_numbers(number: str, known: str, expected: bool) -> None:
    assert coordinate_matches(number, known) is expected


def test_coordinates_are_whole_numbers_in_text() -> None:
    assert _found('{"lat":51.5074,"lon":-0.1278}') == [("lat", "plain", "51.5074"), ("lon", "plain", "-0.1278")]
    assert _found("t=151.5074&v=51.5074.2&w=x-0.1278") == []


def test_search_is_fast_on_a_large_body() -> None:
    blob = base64.b64encode(os.urandom(600_000)).decode() + '{"a": 1234, "b": "hello world"} ' * 10_000
    start = time.perf_counter()
    assert _found(blob) == []
    assert time.perf_counter() - start < 3.0
