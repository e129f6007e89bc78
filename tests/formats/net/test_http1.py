"""Host normalisation shared by the pcap HTTP reader and the mitmproxy reader: brackets and port dropped."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from datatrail.formats.net.http1 import normalise_host, parse_request


@pytest.mark.parametrize(("value", "expected"), [
    ("api.example.com", "api.example.com"),
    ("api.example.com:8080", "api.example.com"),
    ("203.0.113.9:443", "203.0.113.9"),
    ("[2001:db8::1]:8443", "2001:db8::1"),
    ("[2001:db8::1]", "2001:db8::1"),
    ("2001:db8::1", "2001:db8::1"),  # bare IPv6: several colons, so no port is cut
    ("Mixed.Case:80", "Mixed.Case"),  # case is the caller's business
])
def test_normalise_host(value: str, expected: str) -> None:
    assert normalise_host(value) == expected


@pytest.mark.parametrize("authority", ["api.example.com:8080", "[2001:db8::1]:8443", "203.0.113.9", "[::1]"])
def test_agrees_with_urllib_on_well_formed_authorities(authority: str) -> None:
    assert normalise_host(authority) == urlsplit(f"//{authority}").hostname


def test_parse_request_host_is_normalised() -> None:
    head = parse_request(b"GET / HTTP/1.1\r\nHost: [2001:DB8::1]:8080\r\n\r\n")
    assert head is not None and head.host == "2001:db8::1"
    head = parse_request(b"GET http://Proxy.Example:3128/x HTTP/1.1\r\nAccept: */*\r\n\r\n")
    assert head is not None and head.host == "proxy.example"
    head = parse_request(b"CONNECT api.example.com:443 HTTP/1.1\r\nUser-Agent: t\r\n\r\n")
    assert head is not None and head.host == "api.example.com"
