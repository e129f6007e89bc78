"""`datatrail lookup` and `datatrail data`: output shapes and exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from datatrail.cli.main import EXIT_OK, EXIT_USAGE, main

DATASET_FIELDS = {"name", "version", "source", "license", "sha256", "date"}


def test_lookup_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "weixin.qq.com", "203.205.254.157", "10.0.0.1"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Tencent Holdings Ltd." in out and "WeChat" in out
    words = " ".join(out.split())  # wrapped to the terminal: read across line breaks
    assert "flag Chinese law obliges organisations to give the state access to data (China;" in words
    assert "National Intelligence Law" in out
    assert "flag          compelled-access" not in out  # a sentence, as scan and capture show it; the id is in the JSON
    assert "HK (Hong Kong)" in out and "registered in CN (China)" in out and "AS132203" in out
    assert "private/reserved" in out
    assert "<dbip-country-lite>" in out  # every fact names its dataset


def test_lookup_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "yandex.ru", "8.8.8.8", "--format", "json", "--viewer", "us"]) == EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"viewer", "results", "datasets"} and doc["viewer"] == "us"
    yandex, google = doc["results"]
    assert yandex["query"] == "yandex.ru" and yandex["org_country"] == "RU"
    assert [f["id"] for f in yandex["flags"]] == ["compelled-access", "us-country-of-concern"]
    assert set(yandex["flags"][0]) == {"id", "title", "country", "citations", "basis"}
    assert google["asn"] == 15169 and google["anycast_or_cdn"] is True and google["flags"] == []
    assert all(set(e) == {"fact", "dataset"} for e in google["evidence"])
    assert {d["name"] for d in doc["datasets"]} >= {"dbip-country-lite", "ip-location-db-asn", "datatrail-orgs"}


def test_lookup_viewer_changes_flags(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "facebook.com", "-f", "json", "--viewer", "uk"]) == EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    assert [f["id"] for f in doc["results"][0]["flags"]] == ["uk-adequacy-conditional"]


def test_lookup_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    # A bad query is reported, the good ones are still printed, the exit code is 2.
    assert main(["lookup", "qq.com", "not a host!", "--format", "json"]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert "not a host name or IP address" in captured.err
    assert [r["query"] for r in json.loads(captured.out)["results"]] == ["qq.com"]
    with pytest.raises(SystemExit) as exc:
        main(["lookup"])
    assert exc.value.code == EXIT_USAGE
    with pytest.raises(SystemExit) as exc:
        main(["lookup", "qq.com", "--viewer", "mars"])
    assert exc.value.code == EXIT_USAGE
    capsys.readouterr()


@pytest.mark.parametrize(("query", "host"), [
    ("https://log.tbs.qq.com/ajax?c=dl", "log.tbs.qq.com"),
    ("HTTP://User:pw@WeChat.COM:8443/path", "wechat.com"),
    ("support@adjust.com", "adjust.com"),
    ("api.adjust.com:443", "api.adjust.com"),
    ("[2001:4860:4860::8888]:53", "2001:4860:4860::8888"),
    ("2001:4860:4860::8888", "2001:4860:4860::8888"),
    ("8.8.8.8", "8.8.8.8"),
])
def test_lookup_takes_urls_mail_addresses_and_ports(query: str, host: str) -> None:
    from datatrail.cli.commands.lookup import host_of

    assert host_of(query).lower() == host


def test_lookup_names_the_query_as_given_and_writes_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "new" / "lookup.json"
    assert main(["lookup", "https://log.tbs.qq.com/ajax?c=dl", "support@adjust.com", "-f", "json", "-o", str(out)]) == EXIT_OK
    assert capsys.readouterr().out == ""
    tbs, adjust = json.loads(out.read_text())["results"]
    assert (tbs["query"], tbs["host"], tbs["organisation"]) == ("https://log.tbs.qq.com/ajax?c=dl", "log.tbs.qq.com",
                                                               "Tencent Holdings Ltd.")
    assert (adjust["query"], adjust["host"]) == ("support@adjust.com", "adjust.com")


def test_lookup_text_fits_the_terminal_and_never_cuts_a_word(capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["lookup", "weixin.qq.com", "203.205.254.157"]) == EXIT_OK
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    words = " ".join(out.split())
    assert "National Intelligence Law of the PRC (2017, amended 2018), art. 7:" in words  # wrapped between words only


def test_data_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "--format", "json"]) == EXIT_OK
    rows = json.loads(capsys.readouterr().out)
    names = [r["name"] for r in rows]
    assert len(names) == len(set(names))
    assert "organisations" in next(r for r in rows if r["name"] == "datatrail-orgs")["size"]
    assert {"aosp-permissions", "permission-categories", "android-attrs", "dbip-country-lite", "iptocc-rir",
            "ip-location-db-asn", "datatrail-orgs", "datatrail-jurisdictions", "public-suffix-list",
            "iso-3166-countries", "world-map"} <= set(names)  # world-map: the HTML map, listed in the README too
    for row in rows:
        # Every row has the dataset fields; datatrail's organisation table says its size too, and
        # data packs (none here) what they hold.
        assert DATASET_FIELDS <= set(row) and set(row) - DATASET_FIELDS <= {"size", "pack", "format", "organisations", "domains", "path"}
        assert re.fullmatch(r"[0-9a-f]{64}", row["sha256"]), row["name"]
        assert row["license"] and row["version"]


def test_data_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "dbip-country-lite  2.3.2026060120  2026-06-01" in out
    assert "IP Geolocation by DB-IP" in out and "CC-BY-4.0" in out
