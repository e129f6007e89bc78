"""`datatrail capture`: output shapes, attribution of destinations, and exit codes."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from datatrail.cli.main import EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from tests.support.netfactory import client_hello, dns_message, ether, ipv4, pcap, tcp, tls_records, udp

C = "192.168.1.10"
FLOW_FIELDS = {"client", "server", "transport", "protocol", "hostname", "hostname_source", "opaque", "encrypted_dns",
               "alpn", "bytes_up", "bytes_down", "packets_up", "packets_down", "first_seen", "last_seen", "first_frame", "app"}


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
    assert "weixin.qq.com" in text and "Tencent" in text and "Chinese law obliges organisations to give the state access" in text
    assert "opaque" in text


def test_not_a_capture_is_exit_3_and_others_still_reported(capture: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "notes.pcap"
    junk.write_text("not a capture")
    assert main(["capture", str(junk), str(capture), "-f", "json"]) == EXIT_INPUT
    captured = capsys.readouterr()
    assert "not a pcap, pcapng, HAR or mitmproxy capture" in captured.err
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


def _har(tmp_path: Path) -> Path:
    entries = [
        {"startedDateTime": "2024-05-01T10:00:00Z", "serverIPAddress": "203.0.113.9",
         "request": {"method": "POST", "url": "https://settings.crashlytics.com/spi/v2?imei=356938035643809",
                     "headers": [{"name": "Content-Type", "value": "application/json"}],
                     "postData": {"mimeType": "application/json", "text": '{"user": {"email": "me@example.org"}}'}}},
        {"startedDateTime": "2024-05-01T10:00:01Z",
         "request": {"method": "PUT", "url": "https://tracker.unknown-example.net/up", "headers": [],
                     "postData": {"mimeType": "application/octet-stream", "encoding": "base64", "text": "/wD+"}}},
    ]
    path = tmp_path / "session.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}), encoding="utf-8")
    return path


def test_har_with_known_values_in_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    har = _har(tmp_path)
    assert main(["capture", str(har), "-f", "json", "--known", "email=me@example.org,imei=356938035643809"]) == EXIT_OK
    (report,) = json.loads(capsys.readouterr().out)["captures"]
    assert report["input"]["format"] == "har" and report["input"]["frames"] == 2
    first, second = report["requests"]
    assert (first["body"], first["body_encoding"], first["query"]) == (
        '{"user": {"email": "me@example.org"}}', "utf-8", "imei=356938035643809")
    assert first["headers"] == [["Content-Type", "application/json"]]
    assert (second["body"], second["body_encoding"]) == ("/wD+", "base64")
    known = {(h["label"], h["location"]) for h in report["personal_data"] if h["rule_id"] == "NET001"}
    assert {label.lower() for label, _ in known} >= {"email", "imei"}
    assert all(h["request"] == 0 and h["flow"] == first["flow"] for h in report["personal_data"] if h["rule_id"] == "NET001")
    crash = next(d for d in report["destinations"] if d["name"] == "settings.crashlytics.com")
    assert crash["requests"] == 1 and crash["addresses"] == ["203.0.113.9"] and crash["data_categories"]
    assert report["app_comparison"] is None


def test_bad_known_spec_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["capture", str(_har(tmp_path)), "--known", "imei=12"]) == EXIT_USAGE
    assert "--known" in capsys.readouterr().err


def test_terminal_shows_personal_data_per_destination(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["capture", str(_har(tmp_path)), "--known", "email=me@example.org"]) == EXIT_OK
    text = capsys.readouterr().out
    assert "2 readable requests" in text and "Personal data sent" in text
    assert "me@example.org" in text and "settings.crashlytics.com" in text
    verdict = text.split("╰", 1)[0]  # the verdict comes first, in its panel
    assert "Personal data (" in verdict and "was sent to 1 of them" in " ".join(verdict.replace("│", " ").split())


_LONG_HOST = "a-very-long-subdomain-name-that-goes-on.and-on-and-on.telemetry.example-analytics.com"


def _wide_har(tmp_path: Path) -> Path:
    entries = [{"startedDateTime": "2024-05-01T10:00:00Z",
                "request": {"method": "POST", "url": f"https://{_LONG_HOST}/v1/collect?email=someone@example.org",
                            "headers": [{"name": "Content-Type", "value": "application/json"}],
                            "postData": {"mimeType": "application/json", "text": '{"imei": "356938035643809"}'}}},
               {"startedDateTime": "2024-05-01T10:00:01Z", "serverIPAddress": "203.0.113.9",
                "request": {"method": "GET", "url": "https://api.weixin.qq.com/cgi-bin/token", "headers": []}}]
    path = tmp_path / "wide.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}), encoding="utf-8")
    return path


@pytest.mark.parametrize("columns", [80, 120])
def test_terminal_view_fits_the_width_and_keeps_every_host_whole(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    from tests.support.golden import FIXTURES, check_golden_text

    monkeypatch.setenv("COLUMNS", str(columns))
    _wide_har(tmp_path)
    monkeypatch.chdir(tmp_path)  # the path shown is the one given: the same on every machine
    assert main(["capture", "wide.har"]) == EXIT_OK
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert "\x1b" not in text  # not a terminal: no colour codes
    # The long host is wrapped, never cut: its pieces, read in order, give it back whole.
    cells = [line.split("│")[1].strip() for line in lines if line.startswith("│") and line.count("│") > 3]
    assert _LONG_HOST in "".join(cells)
    assert "│ api.weixin.qq.com │ Chinese law obliges organisations" in text  # a sentence, not a flag id
    assert "compelled-access" not in text
    check_golden_text(FIXTURES / "capture" / f"terminal-{columns}.txt", text)


def test_fail_on_names_each_capture_and_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    har = _wide_har(tmp_path)
    assert main(["capture", str(har), "--fail-on", "personal-data"]) == 1
    gate = [line for line in capsys.readouterr().err.splitlines() if line.startswith("datatrail: gate: ")]
    assert f"datatrail: gate: {har}: email (NET005) sent to {_LONG_HOST}" in gate
    assert f"datatrail: gate: {har}: IMEI (NET002) sent to {_LONG_HOST}" in gate or any("NET002" in g for g in gate)
    assert main(["capture", str(har), "--fail-on", "compelled-access"]) == 1
    err = capsys.readouterr().err
    assert f"datatrail: gate: {har}: api.weixin.qq.com is flagged: Chinese law obliges" in err
    assert main(["capture", str(har), "--fail-on", "NET009"]) == EXIT_OK  # no browsing history in it
    with pytest.raises(SystemExit) as exc:
        main(["capture", str(har), "--fail-on", "everything"])
    assert exc.value.code == EXIT_USAGE
    assert "neither a kind (personal-data, flagged-destinations, compelled-access) nor a rule ID" in capsys.readouterr().err


def test_a_directory_of_captures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "caps"
    (folder / "deeper").mkdir(parents=True)
    _wide_har(folder / "deeper")
    (folder / "notes.txt").write_text("not a capture")
    assert main(["capture", str(folder), "-f", "json"]) == EXIT_OK
    captured = capsys.readouterr()
    assert [c["input"]["path"] for c in json.loads(captured.out)["captures"]] == [str(folder / "deeper" / "wide.har")]
    assert "1 file in the directories given are not captures: skipped" in captured.err
    assert main(["capture", str(folder / "deeper" / "..")]) == EXIT_OK
    (folder / "deeper" / "wide.har").unlink()
    assert main(["capture", str(folder)]) == EXIT_INPUT
    assert "datatrail: error: no capture found in" in capsys.readouterr().err


def test_app_comparison_from_a_saved_report(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            corpus_reports: dict[Path, object]) -> None:
    from datatrail.report.json import to_json
    from tests.support.corpus import corpus_dir, scan_cached

    saved = tmp_path / "app.json"
    saved.write_text(to_json(scan_cached(corpus_dir() / "apk/exodus-core/instapaper.apk", corpus_reports)), encoding="utf-8")
    assert main(["capture", str(_har(tmp_path)), "-f", "json", "--app", str(saved)]) == EXIT_OK
    (report,) = json.loads(capsys.readouterr().out)["captures"]
    cmp = report["app_comparison"]
    assert cmp["app"] == "com.olivierpayen.leaninstapaper"
    assert "firebase-crashlytics" in cmp["sdks_contacted"]
    assert cmp["hosts_not_in_code"] == ["tracker.unknown-example.net"]
    assert main(["capture", str(_har(tmp_path)), "--app", str(saved)]) == EXIT_OK
    assert "contacted but named nowhere in the code: tracker.unknown-example.net" in capsys.readouterr().out
    assert main(["capture", str(_har(tmp_path)), "--app", str(tmp_path / "missing.apk")]) == EXIT_INPUT


def test_html_one_page_per_capture(capture: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "one.html"
    assert main(["capture", str(capture), "--format", "html", "-o", str(page)]) == EXIT_OK
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in text
    second = tmp_path / "second.pcap"
    second.write_bytes(capture.read_bytes())
    out_dir = tmp_path / "pages"
    out_dir.mkdir()
    assert main(["capture", str(capture), str(second), "--format", "html", "-o", str(out_dir)]) == EXIT_OK
    assert sorted(p.name for p in out_dir.iterdir()) == sorted([f"{capture.name}.html", "second.pcap.html"])
    # Several pages can't go to one file or to stdout.
    assert main(["capture", str(capture), str(second), "--format", "html"]) == EXIT_USAGE
    assert "give -o DIRECTORY" in capsys.readouterr().err


def test_a_fifo_is_refused_not_waited_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os

    fifo = tmp_path / "traffic.pcap"
    os.mkfifo(fifo)
    assert main(["capture", str(fifo)]) == 3
    assert f"{fifo}: a FIFO (named pipe), not a file datatrail reads" in capsys.readouterr().err


def test_one_of_a_thing_is_said_in_the_singular(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.support.corpus import corpus_dir

    har = corpus_dir() / "net/mitmproxy/mitmproxy2swagger/form_data_har.har"  # one entry, one request
    assert main(["capture", str(har)]) == EXIT_OK
    out = " ".join(capsys.readouterr().out.split())  # read across the terminal's line breaks
    assert "1 entry, har," in out and "1 flow (1 named" in out and "1 readable request;" in out and "1 personal-data hit" in out
    assert "1 entries" not in out and "1 flows" not in out
