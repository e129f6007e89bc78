"""IP fragment reassembly: built IPv4/IPv6 fragments and nDPI's fragmented capture, tshark as the oracle."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from datatrail.capture import analyse_capture, analyse_capture_bytes
from datatrail.capture.fragments import FragmentLimits, Reassembler
from datatrail.formats.net.packets import decode_ip
from tests.support.corpus import corpus_files
from tests.support.netfactory import dns_message, ether, ipv4, ipv4_fragments, ipv6_fragments, pcap, tcp, udp

C, S = "192.168.1.10", "203.0.113.7"
TSHARK = shutil.which("tshark")
LONG_NAME = ".".join(["label%02d" % i for i in range(30)]) + ".example"


def _dns_fragments() -> list[bytes]:
    query = udp(40000, 53, dns_message(LONG_NAME))
    return ipv4_fragments(C, "192.168.1.1", 17, query, 64)


def test_out_of_order_ipv4_fragments_are_reassembled() -> None:
    pieces = _dns_fragments()
    assert len(pieces) >= 3
    order = [pieces[2], pieces[0], pieces[0]] + pieces[3:] + [pieces[1]]  # shuffled, one piece repeated
    report = analyse_capture_bytes(pcap([ether(p) for p in order]), "t", attribute=False)
    (flow,) = report.flows
    assert (flow.hostname, flow.hostname_source, flow.server) == (LONG_NAME, "dns-query", "192.168.1.1:53")
    assert flow.packets_up == 1 and flow.bytes_up == sum(len(p) for p in order)  # the repeat crossed the wire too
    assert not report.diagnostics


def test_ipv6_fragment_header_carries_an_http_request() -> None:
    request = b"POST /v6 HTTP/1.1\r\nHost: six.example\r\nContent-Length: 300\r\n\r\n" + b"k" * 300
    segment = tcp(50000, 80, request, 1000)
    frames = ipv6_fragments("2001:db8::1", "2001:db8::2", 6, segment, 128)
    report = analyse_capture_bytes(pcap([ether(f) for f in reversed(frames)]), "t", attribute=False)
    (flow,) = report.flows
    (req,) = report.requests
    assert (flow.hostname, req.path, len(req.body)) == ("six.example", "/v6", 300)


def test_incomplete_and_bad_fragments_are_counted_in_one_diagnostic() -> None:
    pieces = _dns_fragments()
    frames = pieces[:-1] + [ipv4(C, S, 6, tcp(1, 2, b"x"))]
    report = analyse_capture_bytes(pcap([ether(p) for p in frames]), "t", attribute=False)
    (diag,) = report.diagnostics
    assert diag.code == "capture.ip-fragments"
    assert diag.message == f"{len(pieces) - 1} of {len(pieces) - 1} IP fragments could not be reassembled (0 datagrams were)"
    assert [f.server for f in report.flows] == [f"{S}:2"]


def test_bounds_on_pieces_pending_datagrams_and_age() -> None:
    pieces = [decode_ip(p) for p in _dns_fragments()]
    assert all(p is not None for p in pieces)
    few = Reassembler(FragmentLimits(max_fragments=2))
    assert [few.add(p, i) for i, p in enumerate(pieces)] == [None] * len(pieces)  # type: ignore[arg-type]
    assert few.dropped == len(pieces) - 2
    young = Reassembler(FragmentLimits(max_age_frames=5))
    young.add(pieces[0], 1)  # type: ignore[arg-type]
    assert young.add(pieces[1], 100) is None and young.dropped == 1  # type: ignore[arg-type]
    narrow = Reassembler(FragmentLimits(max_pending=1))
    other = [decode_ip(p) for p in ipv4_fragments(C, S, 17, udp(1, 2, b"z" * 100), 64, ident=9)]
    narrow.add(pieces[0], 1)  # type: ignore[arg-type]
    narrow.add(other[0], 2)  # type: ignore[arg-type]
    assert narrow.dropped == 1 and narrow.unfinished() == 1
    whole = Reassembler()
    results = [whole.add(p, i) for i, p in enumerate(pieces)]  # type: ignore[arg-type]
    assert results[-1] is not None and results[-1].payload == udp(40000, 53, dns_message(LONG_NAME))


def _tshark(path: Path, *fields: str, display: str) -> list[tuple[str, ...]]:
    cmd = [str(TSHARK), "-r", str(path), "-Y", display, "-T", "fields"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120).stdout
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


@pytest.mark.skipif(TSHARK is None, reason="tshark missing")
def test_built_fragments_agree_with_tshark(tmp_path: Path) -> None:
    path = tmp_path / "frag.pcap"
    path.write_bytes(pcap([ether(p) for p in _dns_fragments()]))
    assert _tshark(path, "dns.qry.name", display="dns") == [(LONG_NAME,)]


GARBAGE = corpus_files("net/ndpi/pcap/ip_fragmented_garbage.pcap")


@pytest.mark.skipif(TSHARK is None or not GARBAGE, reason="tshark or corpus missing")
def test_ndpi_fragmented_capture_reassembles_like_tshark() -> None:
    expected = _tshark(GARBAGE[0], "tcp.srcport", "tcp.dstport", display="ip.reassembled.length")
    assert len(expected) == 4
    report = analyse_capture(GARBAGE[0], attribute=False)
    ports = {(f.client.rsplit(":", 1)[1], f.server.rsplit(":", 1)[1]) for f in report.flows}
    ports |= {(b, a) for a, b in ports}
    # Two of the four reassembled datagrams are garbage too short for a TCP header; both tools agree on the rest.
    readable = [p for p in expected if p in ports]
    assert len(readable) == 2 and len(report.flows) == 2
    codes = [d.code for d in report.diagnostics]
    assert codes.count("capture.bad-transport-header") == 2 and "capture.ip-fragments" not in codes
