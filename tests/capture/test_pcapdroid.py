"""PCAPdroid's per-app attribution: the pcap trailer and the pcapng comments plus uid-mapping blocks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from datatrail.capture import analyse_capture, analyse_capture_bytes
from tests.support.corpus import corpus_files
from tests.support.netfactory import (
    client_hello,
    ether,
    ipv4,
    pcap,
    pcapdroid_frame,
    pcapdroid_uid_block,
    pcapng,
    tcp,
    tls_records,
)

C, S = "10.215.173.1", "203.0.113.7"


def _hello(sport: int, name: str) -> bytes:
    return ipv4(C, S, 6, tcp(sport, 443, tls_records(client_hello(name))))


def test_trailer_names_the_app_of_each_flow() -> None:
    frames = [pcapdroid_frame(_hello(40000, "a.example"), 10123, "com.example.shop"),
              pcapdroid_frame(_hello(40001, "b.example"), 1000, ""),
              ether(_hello(40002, "c.example"))]
    report = analyse_capture_bytes(pcap(frames), "t", attribute=False)
    apps = {f.hostname: f.app for f in report.flows}
    assert apps == {"a.example": "com.example.shop", "b.example": "uid:1000", "c.example": None}


def test_pcapng_comments_and_uid_mapping_blocks() -> None:
    frames = [_hello(40000, "a.example"), _hello(40001, "b.example"), _hello(40002, "c.example")]
    data = pcapng(frames, linktype=101, comments=["u-10123", "u-10999", None],
                  extra_blocks=pcapdroid_uid_block(10123, "com.example.shop", "Shop"))
    report = analyse_capture_bytes(data, "t", attribute=False)
    apps = {f.hostname: f.app for f in report.flows}
    assert apps == {"a.example": "com.example.shop", "b.example": "uid:10999", "c.example": None}


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark missing")
def test_comments_agree_with_tshark(tmp_path: Path) -> None:
    path = tmp_path / "c.pcapng"
    path.write_bytes(pcapng([_hello(40000, "a.example")], linktype=101, comments=["u-10123"]))
    out = subprocess.run(["tshark", "-r", str(path), "-T", "fields", "-e", "frame.comment"],
                         capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    assert out == "u-10123"
    (flow,) = analyse_capture(path, attribute=False).flows
    assert flow.app == "uid:10123" and flow.hostname == "a.example"


@pytest.mark.skipif(not corpus_files("net/pcapdroid/*.pcap"), reason="corpus not present")
def test_corpus_pcapdroid_captures_carry_no_app_marks() -> None:
    # PCAPdroid's own test captures were dumped without the trailer: nothing may be invented.
    for path in corpus_files("net/pcapdroid/*.pcap"):
        assert all(f.app is None for f in analyse_capture(path, attribute=False).flows), path.name
