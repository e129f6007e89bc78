"""ClientHello reading (SNI, ALPN) on built hellos, QUIC Initial keys, and tshark as an oracle on the corpus."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from datatrail.capture import analyse_capture
from datatrail.formats.net.quic import gquic_sni, initial_keys
from datatrail.formats.net.tls import HelloStatus, parse_client_hello, parse_client_hello_message
from tests.support.corpus import corpus_files
from tests.support.netfactory import client_hello, tls_records


def test_sni_and_alpn() -> None:
    hello = parse_client_hello(tls_records(client_hello("API.Example.com.", ("h2", "http/1.1"))))
    assert hello.status is HelloStatus.OK
    assert hello.sni == "api.example.com" and hello.alpn == ("h2", "http/1.1")


def test_hello_without_sni_is_ok_and_nameless() -> None:
    hello = parse_client_hello(tls_records(client_hello(None)))
    assert hello.status is HelloStatus.OK and hello.sni is None


def test_hello_spanning_several_records() -> None:
    stream = tls_records(client_hello("split.example.org", pad=3000), record_size=500)
    assert parse_client_hello(stream).sni == "split.example.org"


def test_every_prefix_asks_for_more_never_guesses() -> None:
    stream = tls_records(client_hello("prefix.example.net", ("h2",)), record_size=40)
    for cut in range(len(stream)):
        assert parse_client_hello(stream[:cut]).status is HelloStatus.NEED_MORE, cut
    assert parse_client_hello(stream).sni == "prefix.example.net"


def test_not_tls_and_malformed() -> None:
    assert parse_client_hello(b"GET / HTTP/1.1\r\n").status is HelloStatus.NOT_TLS
    assert parse_client_hello(b"\x16\x03\x01\x00\x05\x02\x00\x00\x01\x00").status is HelloStatus.NOT_TLS  # ServerHello
    hello = bytearray(client_hello("x.example"))
    hello[-8:-6] = b"\xff\xff"  # bytes no hostname contains
    assert parse_client_hello_message(bytes(hello)).sni is None
    hello = bytearray(client_hello("x.example"))
    hello[-11:-9] = b"\x00\x40"  # a name length past the extension
    assert parse_client_hello_message(bytes(hello)).sni is None
    assert parse_client_hello_message(client_hello("x.example")[:30]).status is HelloStatus.MALFORMED


def test_quic_v1_initial_keys_match_rfc9001_appendix_a() -> None:
    keys = initial_keys(bytes.fromhex("8394c8f03e515708"), 1)
    assert keys is not None
    assert keys.key.hex() == "1f369613dd76d5467730efcbe3b1a22d"
    assert keys.iv.hex() == "fa044b2f42a3fd3b46fb255c"
    assert keys.hp.hex() == "9f50449e04a0e810283a1e9933adedd2"


def test_quic_v2_initial_keys_match_rfc9369_appendix_a() -> None:
    keys = initial_keys(bytes.fromhex("8394c8f03e515708"), 0x6B3343CF)
    assert keys is not None
    assert keys.key.hex() == "8b1a0bc121284290a29e0971b5cd045d"
    assert keys.iv.hex() == "91f73e2351d8fa91660e909f"
    assert keys.hp.hex() == "45b95e15235d6f45a6b19cbcb0294ba9"


def test_unknown_quic_version_has_no_keys() -> None:
    assert initial_keys(b"\x01" * 8, 0x0A0A0A0A) is None


def test_gquic_chlo_sni_is_bounded() -> None:
    tags = b"SNI\x00" + (11).to_bytes(4, "little") + b"VER\x00" + (15).to_bytes(4, "little")
    chlo = b"\x0d" + b"\x00" * 12 + b"CHLO" + (2).to_bytes(2, "little") + b"\x00\x00" + tags + b"www.example" + b"Q043"
    assert gquic_sni(chlo) == "www.example"
    assert gquic_sni(chlo[:-10]) is None


TSHARK_FILES = ["android.pcap", "reddit.pcap", "sites.pcapng", "quic.pcap", "quic-v2.pcapng", "http_ipv6.pcap"]
CAPTURES = {p.name: p for p in corpus_files("net/ndpi/pcap/*")}


def _tshark_snis(path: Path) -> dict[tuple[str, str], str]:
    """(client ip:port, transport) -> SNI, for every ClientHello tshark decodes (TLS and QUIC)."""
    fields = ["tls.handshake.extensions_server_name", "ip.src", "ipv6.src", "tcp.srcport", "udp.srcport"]
    cmd = ["tshark", "-r", str(path), "-Y", "tls.handshake.type == 1", "-T", "fields", "-E", "occurrence=f"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout
    snis: dict[tuple[str, str], str] = {}
    for line in out.splitlines():
        sni, ip4, ip6, tport, uport = (line.split("\t") + [""] * 5)[:5]
        if not sni:
            continue
        ip = ip4 or ip6
        client = f"[{ip}]:{tport or uport}" if ":" in ip else f"{ip}:{tport or uport}"
        snis.setdefault((client, "tcp" if tport else "udp"), sni.lower())
    return snis


@pytest.mark.skipif(shutil.which("tshark") is None or not CAPTURES, reason="tshark or corpus missing")
@pytest.mark.parametrize("name", TSHARK_FILES)
def test_sni_agrees_with_tshark(name: str) -> None:
    expected = _tshark_snis(CAPTURES[name])
    flows = {(f.client, f.transport): f for f in analyse_capture(CAPTURES[name], attribute=False).flows}
    agree = sum(1 for key, sni in expected.items() if key in flows and flows[key].hostname == sni)
    assert agree == len(expected), {k: (v, flows[k].hostname if k in flows else None) for k, v in expected.items()}
