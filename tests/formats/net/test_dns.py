"""DNS messages: questions, A/AAAA/CNAME answers, compression, and damage."""

from __future__ import annotations

import socket
import struct

import pytest

from datatrail.formats.net.dns import DnsError, parse_dns
from tests.support.netfactory import dns_message


def test_query() -> None:
    msg = parse_dns(dns_message("Graph.Facebook.com"))
    assert not msg.response and msg.questions == (("graph.facebook.com", 1),) and msg.answers == ()


def test_answers_with_cname_and_addresses() -> None:
    data = dns_message("www.example.com", [
        ("www.example.com", 5, b"\x03cdn\x07example\x03net\x00"),
        ("cdn.example.net", 1, socket.inet_aton("93.184.216.34")),
        ("cdn.example.net", 28, socket.inet_pton(socket.AF_INET6, "2606:2800:220:1::248")),
    ], response=True)
    msg = parse_dns(data)
    assert msg.response and not msg.truncated
    assert [(r.rtype, r.value) for r in msg.answers] == [(5, "cdn.example.net"), (1, "93.184.216.34"),
                                                          (28, "2606:2800:220:1::248")]


def test_compressed_names() -> None:
    head = struct.pack("!HHHHHH", 1, 0x8180, 1, 1, 0, 0)
    question = b"\x03api\x07example\x03com\x00" + struct.pack("!HH", 1, 1)
    answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton("1.2.3.4")
    msg = parse_dns(head + question + answer)
    assert msg.answers[0].name == "api.example.com" and msg.answers[0].value == "1.2.3.4"


def test_pointer_loops_and_forward_pointers_are_refused() -> None:
    head = struct.pack("!HHHHHH", 1, 0x0100, 1, 0, 0, 0)
    with pytest.raises(DnsError):
        parse_dns(head + b"\xc0\x0c" + b"\x00\x01\x00\x01")  # points at itself
    with pytest.raises(DnsError):
        parse_dns(head + b"\xc0\x20" + b"\x00" * 40)  # points forward


def test_overlong_name_is_refused() -> None:
    head = struct.pack("!HHHHHH", 1, 0x0100, 1, 0, 0, 0)
    with pytest.raises(DnsError):
        parse_dns(head + (b"\x3f" + b"a" * 63) * 5 + b"\x00\x00\x01\x00\x01")


def test_answers_cut_short_keep_the_question() -> None:
    data = dns_message("x.example", [("x.example", 1, socket.inet_aton("10.0.0.1"))] * 2, response=True)
    msg = parse_dns(data[:-3])
    assert msg.truncated and msg.questions == (("x.example", 1),) and len(msg.answers) == 1


def test_every_truncation_of_the_question_is_a_dnserror() -> None:
    data = dns_message("www.example.com")
    for cut in range(len(data)):
        with pytest.raises(DnsError):
            parse_dns(data[:cut])
    assert parse_dns(data).questions == (("www.example.com", 1),)
