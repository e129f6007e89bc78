"""Flows from captures: built cases for each rule, nDPI's expected outputs as the oracle for names."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

from datatrail.capture import analyse_capture, analyse_capture_bytes
from datatrail.capture.flows import FlowTable
from datatrail.formats.net.pcap import CaptureLimits, read_frames
from datatrail.model.capture import Flow
from datatrail.model.diagnostic import DiagnosticLog
from tests.support.corpus import corpus_dir, corpus_files
from tests.support.ndpi_oracle import SUPPORTED_PROTOCOLS, read_ndpi_flows
from tests.support.netfactory import client_hello, dns_message, ether, ipv4, ipv6, pcap, tcp, tls_records, udp

SYN, SYNACK, PSH = 0x02, 0x12, 0x18
C, S = "192.168.1.10", "203.0.113.7"


def flows_of(frames: list[bytes], limits: CaptureLimits = CaptureLimits()) -> list[Flow]:
    return list(analyse_capture_bytes(pcap([ether(f) for f in frames]), "t", limits=limits, attribute=False).flows)


def tcp_pkt(src: str, dst: str, sport: int, dport: int, payload: bytes = b"", seq: int = 1000, flags: int = PSH) -> bytes:
    return ipv4(src, dst, 6, tcp(sport, dport, payload, seq, flags))


def test_tls_flow_named_by_sni_with_direction_and_counts() -> None:
    hello = tls_records(client_hello("app-measurement.com", ("h2",)))
    (flow,) = flows_of([
        tcp_pkt(C, S, 50000, 443, flags=SYN, seq=999),
        tcp_pkt(S, C, 443, 50000, flags=SYNACK),
        tcp_pkt(C, S, 50000, 443, hello, seq=1000),
        tcp_pkt(S, C, 443, 50000, b"\x16\x03\x03\x00\x10" + b"\x00" * 16),
    ])
    assert (flow.client, flow.server, flow.transport) == (f"{C}:50000", f"{S}:443", "tcp")
    assert (flow.protocol, flow.hostname, flow.hostname_source, flow.alpn) == ("tls", "app-measurement.com", "sni", ("h2",))
    assert flow.opaque and not flow.encrypted_dns
    assert (flow.packets_up, flow.packets_down) == (2, 2)
    assert flow.bytes_up == 40 + 40 + len(hello) and flow.last_seen - flow.first_seen == pytest.approx(3)


def test_client_hello_split_over_out_of_order_segments() -> None:
    hello = tls_records(client_hello("split.example.org", pad=2500))
    parts = [hello[i:i + 700] for i in range(0, len(hello), 700)]
    seqs = [1000 + 700 * i for i in range(len(parts))]
    order = [0, 2, 1, 1] + list(range(3, len(parts)))  # a segment early, one retransmitted
    frames = [tcp_pkt(C, S, 50001, 443, flags=SYN, seq=999)]
    frames += [tcp_pkt(C, S, 50001, 443, parts[i], seq=seqs[i]) for i in order]
    (flow,) = flows_of(frames)
    assert flow.hostname == "split.example.org"


def test_capture_starting_mid_flow_with_server_packet_first() -> None:
    hello = tls_records(client_hello("late.example"))
    (flow,) = flows_of([tcp_pkt(S, C, 443, 50002, b"\x17\x03\x03\x00\x01x"), tcp_pkt(C, S, 50002, 443, hello)])
    assert flow.client == f"{C}:50002" and flow.hostname == "late.example"


def test_http_host_and_dns_names() -> None:
    answer = dns_message("tracker.example", [("tracker.example", 1, socket.inet_aton(S))], response=True)
    frames = [
        ipv4(C, "192.168.1.1", 17, udp(40000, 53, dns_message("tracker.example"))),
        ipv4("192.168.1.1", C, 17, udp(53, 40000, answer)),
        tcp_pkt(C, S, 50003, 80, b"GET /collect?id=1 HTTP/1.1\r\nHost: Ads.Example:8080\r\n\r\n"),
        tcp_pkt(C, S, 50004, 5222, b"\x00\x01binary"),
    ]
    by_port = {f.server.rsplit(":", 1)[1]: f for f in flows_of(frames)}
    assert (by_port["53"].hostname, by_port["53"].hostname_source, by_port["53"].opaque) == ("tracker.example", "dns-query", False)
    assert (by_port["80"].hostname, by_port["80"].hostname_source, by_port["80"].protocol) == ("ads.example", "http-host", "http")
    assert not by_port["80"].opaque
    unknown = by_port["5222"]
    assert (unknown.hostname, unknown.hostname_source, unknown.protocol, unknown.opaque) == (
        "tracker.example", "dns-answer", "unknown", True)


def test_dns_over_tcp_is_named_by_its_query() -> None:
    query = dns_message("big.example")
    message = len(query).to_bytes(2, "big") + query
    (flow,) = flows_of([tcp_pkt(C, "192.168.1.1", 50010, 53, message[:5]),
                        tcp_pkt(C, "192.168.1.1", 50010, 53, message[5:], seq=1005)])
    assert (flow.protocol, flow.hostname, flow.hostname_source, flow.opaque) == ("dns", "big.example", "dns-query", False)


def test_encrypted_dns_is_flagged() -> None:
    frames = [
        tcp_pkt(C, "1.1.1.1", 50005, 853, b"\x16\x03\x01\x00\x01\x01"),
        tcp_pkt(C, "8.8.8.8", 50006, 443, tls_records(client_hello("dns.google"))),
        tcp_pkt(C, S, 50007, 443, tls_records(client_hello("www.example.com"))),
    ]
    flags = {f.server: f.encrypted_dns for f in flows_of(frames)}
    assert flags == {"1.1.1.1:853": True, "8.8.8.8:443": True, f"{S}:443": False}


def test_ipv6_endpoints_are_bracketed() -> None:
    frames = [ipv6("2001:db8::1", "2a00:1450::5", 6, tcp(50008, 443, tls_records(client_hello("v6.example"))))]
    (flow,) = flows_of(frames)
    assert (flow.client, flow.server, flow.hostname) == ("[2001:db8::1]:50008", "[2a00:1450::5]:443", "v6.example")


def test_flow_limit_counts_instead_of_storing() -> None:
    frames = [tcp_pkt(C, S, 40000 + i, 443, b"x") for i in range(10)]
    report = analyse_capture_bytes(pcap([ether(f) for f in frames]), "t", limits=CaptureLimits(max_flows=3), attribute=False)
    assert len(report.flows) == 3
    assert {d.code for d in report.diagnostics} == {"capture.flow-limit", "capture.flows-dropped"}


def test_report_carries_input_identity() -> None:
    data = pcap([ether(tcp_pkt(C, S, 1, 2))])
    report = analyse_capture_bytes(data, "x.pcap", attribute=False)
    assert (report.input.format, report.input.size, report.input.frames, report.schema_version) == ("pcap", len(data), 1, "1.0")


# --- nDPI's expected outputs as the oracle ---------------------------------------------------------------

NDPI_RESULTS = corpus_files("net/ndpi/result/*.out")
# Fuzzed captures: nDPI and datatrail read different garbage out of the same damaged names; agreement there
# means nothing, so these are held to "no crash, partial results" instead.
FUZZ = frozenset({"fuzz-2006-06-26-2594.pcap", "fuzz-2006-09-29-28586.pcap", "fuzz-2020-02-16-11740.pcap",
                  "fuzz-2021-06-07-c6c72a0a56.pcap", "fuzz-2021-10-13.pcap", "quic-fuzz-overflow.pcapng"})


def _norm(endpoint: str) -> str:
    host, _, port = endpoint.rpartition(":")
    try:
        return f"{ipaddress.ip_address(host.strip('[]'))}:{port}"
    except ValueError:  # nDPI prints some IPv6 addresses invalidly (e.g. "2600:1901::7a0b::")
        return endpoint


def agreement(result: Path) -> tuple[int, int, list[str]]:
    capture = result.parent.parent / "pcap" / result.name[: -len(".out")]
    flows = analyse_capture(capture, attribute=False).flows
    exact: dict[tuple[str, str, str], Flow] = {}
    by_port: dict[tuple[str, str, str], Flow] = {}
    for f in flows:
        for a, b in ((f.client, f.server), (f.server, f.client)):
            exact[(f.transport, _norm(a), _norm(b))] = f
            by_port[(f.transport, _norm(a), b.rpartition(":")[2])] = f
    named = agree = 0
    misses: list[str] = []
    for nf in read_ndpi_flows(result):
        if nf.hostname is None or nf.master not in SUPPORTED_PROTOCOLS:
            continue
        named += 1
        flow = exact.get((nf.transport, _norm(nf.a), _norm(nf.b))) or by_port.get(
            (nf.transport, _norm(nf.a), nf.b.rpartition(":")[2]))
        if flow is not None and flow.hostname == nf.hostname:
            agree += 1
        else:
            misses.append(f"{nf.a} <-> {nf.b}: nDPI {nf.hostname!r}, datatrail {flow.hostname if flow else 'no flow'!r}")
    return agree, named, misses


@pytest.mark.skipif(not NDPI_RESULTS, reason="corpus not present")
def test_hostnames_agree_with_ndpi(capsys: pytest.CaptureFixture[str]) -> None:
    total_agree = total = 0
    lines: list[str] = []
    for result in NDPI_RESULTS:
        agree, named, misses = agreement(result)
        if not named:
            continue
        tag = " (fuzz, not in the bar)" if result.name[:-4] in FUZZ else ""
        lines.append(f"{result.name[:-4]:<34} {agree:>3}/{named:<3}{tag}")
        if not tag:
            total_agree += agree
            total += named
            lines.extend(f"    {m}" for m in misses)
    lines.append(f"overall {total_agree}/{total} = {total_agree / total:.1%}")
    with capsys.disabled():
        print("\nnDPI hostname agreement (TLS/QUIC SNI, HTTP Host, DNS query):\n" + "\n".join(lines))
    assert total >= 350 and total_agree / total >= 0.97


@pytest.mark.skipif(not NDPI_RESULTS, reason="corpus not present")
def test_quic_names_agree_with_ndpi() -> None:
    for name in ("quic.pcap", "quic-29.pcap", "quic-v2.pcapng", "quic_0RTT.pcap"):
        agree, named, misses = agreement(corpus_dir() / "net/ndpi/result" / f"{name}.out")
        assert named and agree == named, misses


CAPTURES = corpus_files("net/ndpi/pcap/*", "net/pcapdroid/*.pcap")


@pytest.mark.skipif(not CAPTURES, reason="corpus not present")
def test_damaged_corpus_captures_give_partial_results_and_diagnostics() -> None:
    for path in CAPTURES:
        if path.name in FUZZ | {"ip_fragmented_garbage.pcap", "malformed_dns.pcap", "invalid_or_unsupported.pcap"}:
            report = analyse_capture(path, attribute=False)
            assert report.diagnostics or report.input.frames <= 1, path.name


@pytest.mark.skipif(not CAPTURES, reason="corpus not present")
def test_truncation_at_many_offsets_never_raises_and_keeps_a_prefix() -> None:
    for name in ("android.pcap", "sites.pcapng", "quic-v2.pcapng"):
        data = next(p for p in CAPTURES if p.name == name).read_bytes()
        full = analyse_capture_bytes(data, name, attribute=False)
        full_names = {f.hostname for f in full.flows if f.hostname}
        step = max(1, len(data) // 150)
        for cut in range(0, len(data), step):
            if cut < 32:
                continue
            report = analyse_capture_bytes(data[:cut], name, attribute=False)
            assert report.input.frames <= full.input.frames
            assert {f.hostname for f in report.flows if f.hostname} <= full_names | {None}
            # A cut on a record boundary is a shorter valid capture; anywhere else it must be reported.
            assert report.diagnostics or report.input.frames < full.input.frames, (name, cut)


def test_flow_table_accepts_frames_one_by_one() -> None:
    log = DiagnosticLog()
    table = FlowTable(log, "t")
    table.add_all(read_frames(pcap([ether(tcp_pkt(C, S, 1, 443, b"\x00"))]), log, "t"))
    assert table.frames == 1 and len(table.flows()) == 1


@pytest.mark.skipif(not CAPTURES, reason="corpus not present")
def test_random_byte_corruption_is_contained() -> None:
    import random

    rng = random.Random(5)
    for name in ("quic-v2.pcapng", "android.pcap", "dns.pcap"):
        original = next(p for p in CAPTURES if p.name == name).read_bytes()
        for _ in range(60):
            data = bytearray(original)
            for _ in range(rng.randint(1, 40)):
                data[rng.randrange(24, len(data))] = rng.randrange(256)
            report = analyse_capture_bytes(bytes(data), name, attribute=False)
            assert len(report.flows) <= report.input.frames
            assert all(f.packets_up + f.packets_down >= 1 for f in report.flows)
