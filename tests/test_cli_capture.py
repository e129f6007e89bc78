"""`datatrail capture`: output shapes, attribution of destinations, and exit codes."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from datatrail.cli import EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from tests.capture.netfactory import client_hello, dns_message, ether, ipv4, pcap, tcp, tls_records, udp

C = "192.168.1.10"
FLOW_FIELDS = {"client", "server", "transport", "protocol", "hostname", "hostname_source", "opaque", "encrypted_dns",
               "alpn", "bytes_up", "bytes_down", "packets_up", "packets_down", "first_seen", "last_seen", "first_frame"}


@pytest.fixture()
def capture(tmp_path: Path) -> Path:
    answer = dns_message("weixin.qq.com", [("weixin.qq.com", 1, socket.inet_aton("203.205.254.157"))], response=True)
    frames = [
        ipv4(C, "192.168.1.1", 17, udp(40000, 53, dns_message("weixin.qq.com"))),
        ipv4("192.168.1.1", C, 17, udp(53, 40000, answer)),
        ipv4(C, "203.205.254.157", 6, tcp(50000, 443, tls_records(client_hello("weixin.qq.com")))),
        ipv4(C, "203.205.254.157", 6, tcp(50001, 8080, b"\x00\x00\x00\x10mmtls")),
    ]
    path = tmp_path / "app.pcap"
    path.write_bytes(pcap([ether(f) for f in frames]))
    return path


def test_json_report(capture: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["capture", str(capture), "--format", "json"]) == EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema_version"] == "1.0" and doc["viewer"] == "eu"
    (report,) = doc["captures"]
    assert report["schema_version"] == "1.0"
    assert report["input"]["format"] == "pcap" and len(report["input"]["sha256"]) == 64
    assert report["input"]["size"] == capture.stat().st_size and report["input"]["frames"] == 4
    assert all(set(f) == FLOW_FIELDS for f in report["flows"])
    by_server = {f["server"]: f for f in report["flows"]}
    assert by_server["203.205.254.157:443"]["hostname_source"] == "sni"
    mmtls = by_server["203.205.254.157:8080"]
    assert (mmtls["hostname"], mmtls["hostname_source"], mmtls["opaque"]) == ("weixin.qq.com", "dns-answer", True)
    dest = next(d for d in report["destinations"] if d["name"] == "weixin.qq.com")
    assert dest["organisation"].startswith("Tencent") and dest["org_country"] == "CN"
    assert dest["server_countries"] == ["HK"] and "compelled-access:CN" in dest["flags"]
    assert (dest["flows"], dest["ports"], dest["addresses"]) == (2, [443, 8080], ["203.205.254.157"])
    assert dest["hostname_sources"] == ["dns-answer", "sni"]
    resolver = next(d for d in report["destinations"] if d["name"] == "192.168.1.1")
    assert resolver["kind"] == "ip" and resolver["server_countries"] == [] and resolver["flags"] == []


def test_terminal_report_and_output_file(capture: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.txt"
    assert main(["capture", str(capture), "-o", str(out), "--viewer", "uk"]) == EXIT_OK
    assert capsys.readouterr().out == ""
    text = out.read_text(encoding="utf-8")
    assert "weixin.qq.com" in text and "Tencent" in text and "FLAG compelled-access:CN" in text
    assert "opaque" in text


def test_not_a_capture_is_exit_3_and_others_still_reported(capture: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "notes.pcap"
    junk.write_text("not a capture")
    assert main(["capture", str(junk), str(capture), "-f", "json"]) == EXIT_INPUT
    captured = capsys.readouterr()
    assert "not a pcap or pcapng capture" in captured.err
    assert len(json.loads(captured.out)["captures"]) == 1
    assert main(["capture", str(tmp_path / "missing.pcap")]) == EXIT_INPUT


def test_truncated_capture_is_analysed_with_diagnostics(capture: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(capture.read_bytes()[:-7])
    assert main(["capture", str(cut), "-f", "json"]) == EXIT_OK
    (report,) = json.loads(capsys.readouterr().out)["captures"]
    assert report["diagnostics"][0]["code"] == "pcap.truncated-record"
    assert report["diagnostics"][0]["severity"] == "warning"


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["capture"])
    assert exc.value.code == EXIT_USAGE
    with pytest.raises(SystemExit) as exc:
        main(["capture", "x.pcap", "--viewer", "mars"])
    assert exc.value.code == EXIT_USAGE
