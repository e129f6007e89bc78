"""pcap/pcapng readers and link/IP/transport decoding, on built captures and the shared corpus."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from datatrail.errors import UnsupportedInput
from datatrail.formats.net.packets import decode_ip, decode_tcp, decode_udp, link_payload
from datatrail.formats.net.pcap import CaptureLimits, read_frames, sniff_capture
from datatrail.model.diagnostic import DiagnosticLog
from tests.support.corpus import corpus_files
from tests.support.netfactory import ether, ipv4, ipv6, pcap, pcapng, sll, sll2, tcp, udp

PACKET = ipv4("10.0.0.1", "93.184.216.34", 17, udp(40000, 53, b"hello"))


def frames(data: bytes) -> tuple[list, DiagnosticLog]:  # type: ignore[type-arg]
    log = DiagnosticLog()
    return list(read_frames(data, log, "t")), log


@pytest.mark.parametrize("big_endian", [False, True])
@pytest.mark.parametrize("nanos", [False, True])
def test_pcap_byte_orders_and_resolutions(big_endian: bool, nanos: bool) -> None:
    got, log = frames(pcap([ether(PACKET)] * 3, big_endian=big_endian, nanos=nanos))
    assert [f.index for f in got] == [1, 2, 3] and not log.items
    assert got[0].ts == pytest.approx(1_700_000_000.0005) and got[2].ts == pytest.approx(1_700_000_002.0005)
    assert got[0].data == ether(PACKET)


@pytest.mark.parametrize("tsresol", [None, 9, 3])
def test_pcapng_timestamps_follow_if_tsresol(tsresol: int | None) -> None:
    got, log = frames(pcapng([ether(PACKET)] * 2, tsresol=tsresol))
    assert len(got) == 2 and not log.items
    assert got[1].ts == pytest.approx(1_700_000_001.0, abs=1e-3)


def test_sniff_is_by_magic_only() -> None:
    assert sniff_capture(pcap([])) == "pcap"
    assert sniff_capture(pcapng([])) == "pcapng"
    assert sniff_capture(b"PK\x03\x04rest") is None
    with pytest.raises(UnsupportedInput):
        frames(b"GET / HTTP/1.1\r\n")


@pytest.mark.parametrize("linktype,wrap", [
    (1, ether), (1, lambda ip: ether(ip, vlan=42)), (101, lambda ip: ip), (228, lambda ip: ip),
    (113, sll), (276, sll2),
])
def test_link_types_reach_the_ip_layer(linktype: int, wrap) -> None:  # type: ignore[no-untyped-def]
    (frame,), _ = frames(pcap([wrap(PACKET)], linktype=linktype))
    ip = decode_ip(link_payload(frame.linktype, frame.data) or b"")
    assert ip is not None and (ip.src, ip.dst, ip.proto) == ("10.0.0.1", "93.184.216.34", 17)
    seg = decode_udp(ip.payload)
    assert seg is not None and (seg.sport, seg.dport, seg.payload) == (40000, 53, b"hello")


def test_ipv6_and_tcp_headers() -> None:
    ip = decode_ip(ipv6("2001:db8::1", "2a00:1450::5", 6, tcp(51000, 443, b"x", seq=7, flags=0x02)))
    assert ip is not None and ip.ipv6 and (ip.src, ip.dst) == ("2001:db8::1", "2a00:1450::5")
    seg = decode_tcp(ip.payload)
    assert seg is not None and (seg.sport, seg.dport, seg.seq, seg.flags, seg.payload) == (51000, 443, 7, 2, b"x")


def test_headers_that_do_not_fit_are_refused_not_raised() -> None:
    assert decode_ip(PACKET[:10]) is None
    assert decode_ip(b"\x45" + PACKET[1:] [:5]) is None
    assert decode_tcp(b"\x00" * 19) is None
    assert decode_tcp(tcp(1, 2)[:12] + b"\xf0" + b"\x00" * 7) is None  # data offset past the segment
    assert link_payload(1, b"\x00" * 13) is None
    assert link_payload(147, PACKET) is None  # a link type we don't read


def test_truncated_pcap_keeps_what_came_before() -> None:
    data = pcap([ether(PACKET)] * 4)
    got, log = frames(data[:-10])
    assert len(got) == 4 and len(got[3].data) < len(ether(PACKET))
    assert [d.code for d in log.items] == ["pcap.truncated-record"]
    got, log = frames(data[:30])
    assert got == [] and log.items[0].code == "pcap.truncated-record"


def test_corrupt_record_length_stops_with_a_diagnostic() -> None:
    data = bytearray(pcap([ether(PACKET)] * 3))
    record2 = 24 + 16 + len(ether(PACKET))
    data[record2 + 8:record2 + 12] = (10_000_000).to_bytes(4, "little")
    got, log = frames(bytes(data))
    assert len(got) == 1 and log.items[0].code == "pcap.bad-record-length"


def test_truncated_pcapng_and_unknown_interface() -> None:
    data = pcapng([ether(PACKET)] * 3)
    got, log = frames(data[:-6])
    assert len(got) == 3 and got[2].data == got[0].data[:len(got[2].data)]
    assert log.items[0].code == "pcapng.truncated-block"
    got, log = frames(data[:-60])
    assert len(got) == 2 and log.items[0].code == "pcapng.truncated-block"
    shb_only = pcapng([])[:28]
    epb = pcapng([ether(PACKET)])[28 + 20:]  # drop the interface block
    got, log = frames(shb_only + epb)
    assert got == [] and log.items[0].code == "pcapng.unknown-interface"


def test_frame_limit_is_enforced() -> None:
    log = DiagnosticLog()
    got = list(read_frames(pcap([ether(PACKET)] * 10), log, "t", CaptureLimits(max_frames=4)))
    assert len(got) == 4 and log.items[0].code == "pcap.frame-limit"


CORPUS_CAPTURES = corpus_files("net/ndpi/pcap/*", "net/pcapdroid/*.pcap")


@pytest.mark.skipif(not CORPUS_CAPTURES, reason="corpus not present")
def test_every_corpus_capture_reads_without_raising() -> None:
    for path in CORPUS_CAPTURES:
        got, _ = frames(path.read_bytes())
        assert all(f.index == i + 1 for i, f in enumerate(got)), path


@pytest.mark.skipif(shutil.which("tshark") is None or not CORPUS_CAPTURES, reason="tshark or corpus missing")
@pytest.mark.parametrize("name", ["android.pcap", "sites.pcapng", "http_ipv6.pcap", "dns.pcap", "quic-v2.pcapng"])
def test_frame_count_and_times_agree_with_tshark(name: str) -> None:
    path = next(p for p in CORPUS_CAPTURES if p.name == name)
    out = subprocess.run(["tshark", "-r", str(path), "-T", "fields", "-e", "frame.time_epoch", "-e", "frame.cap_len"],
                         capture_output=True, text=True, check=True, timeout=60).stdout.split("\n")
    rows = [line.split("\t") for line in out if line]
    got, _ = frames(path.read_bytes())
    assert len(got) == len(rows)
    for frame, (epoch, caplen) in zip(got, rows):
        assert frame.ts == pytest.approx(float(epoch), abs=1e-5) and len(frame.data) == int(caplen)
