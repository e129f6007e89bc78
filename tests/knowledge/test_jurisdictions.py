"""Jurisdiction facts: every flag cites law, EEA and adequacy lists, viewers, ccTLDs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import datatrail.knowledge.jurisdictions as jur
from datatrail.knowledge.geo import is_country_code
from datatrail.knowledge.jurisdictions import cctld_country, flags_for, is_eea, region_note
from datatrail.model.attribution import BASES

DATA = Path(jur.__file__).parent / "data" / "jurisdictions.json"
HOME = "organisation home country"


def _doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return doc


def _ids(country: str, viewer: str, basis: str = HOME) -> list[tuple[str, str]]:
    return [(f.id, f.country) for f in flags_for(country, basis, viewer)]


def test_public_api() -> None:
    assert sorted(jur.__all__) == ["COMPELLED_ACCESS", "VIEWERS", "cctld_country", "compels_access", "dataset_info",
                                   "flag_title", "flags_for", "is_eea", "region_note"]
    assert jur.VIEWERS == ("eu", "uk", "us")


def test_a_flag_id_reads_as_the_sentence_flags_for_gives() -> None:
    for country, viewer in (("CN", "eu"), ("US", "eu"), ("RU", "us"), ("IN", "uk")):
        for flag in flags_for(country, HOME, viewer):
            assert jur.flag_title(flag.id, country, viewer) == flag.title
    assert jur.flag_title("compelled-access", "DE", "eu") is None  # not raised for that country
    assert jur.flag_title("no-such-flag", "CN", "eu") is None and jur.flag_title("compelled-access", "CN", "mars") is None


# --- integrity -----------------------------------------------------------------------------

def test_every_citation_is_non_empty() -> None:
    doc = _doc()
    for code, entry in doc["compelled_access"].items():
        assert entry["title"] and entry["summary"] and entry["citations"], code
        assert all(len(c) > 20 for c in entry["citations"]), code
    for code, entry in doc["regions"].items():
        assert entry["note"] and entry["citations"] and all(entry["citations"]), code
    for name, viewer in doc["viewers"].items():
        if "third_country" in viewer:
            assert viewer["third_country"]["citations"] and all(viewer["third_country"]["citations"]), name
        if "concern" in viewer:
            assert all(len(c) > 20 for c in viewer["concern"]["citations"]) and viewer["concern"]["countries"], name
        for code, entry in viewer.get("adequacy", {}).items():
            assert len(entry["decision"]) > 10, (name, code)
            assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", entry["date"]), (name, code)
            if entry.get("conditional"):
                assert entry["scope"] and entry["title"], (name, code)


def test_every_code_is_an_iso_code() -> None:
    doc = _doc()
    codes = set(doc["compelled_access"]) | set(doc["regions"]) | set(doc["eea"]["members"])
    codes |= set(doc["eea"]["territories"]) | set(doc["eea"]["territories"].values())
    codes |= set(doc["idn_cctld"].values()) | set(doc["cctld"]["exceptions"].values())
    for viewer in doc["viewers"].values():
        codes |= set(viewer.get("adequacy", {})) | {c for c in viewer["home"] if c != "eea"}
        codes |= set(viewer.get("concern", {}).get("countries", []))
    assert all(is_country_code(c) for c in codes), sorted(c for c in codes if not is_country_code(c))


def test_eea_is_eu27_plus_three() -> None:
    members = _doc()["eea"]["members"]
    assert len(members) == len(set(members)) == 30
    assert {"IS", "LI", "NO"} <= set(members)
    assert not {"GB", "CH"} & set(members)
    assert is_eea("GR") and is_eea("NO") and is_eea("RE") and is_eea("AX")
    assert not is_eea("GB") and not is_eea("CH") and not is_eea("US")


def test_eu_adequacy_list_matches_knowledge() -> None:
    adequacy = _doc()["viewers"]["eu"]["adequacy"]
    assert set(adequacy) == {"AD", "AR", "CA", "FO", "GG", "IM", "IL", "JE", "NZ", "CH", "UY", "JP", "KR", "GB", "BR", "US"}
    assert adequacy["JP"]["date"].startswith("2019") and adequacy["KR"]["date"].startswith("2021")
    assert "2031" in adequacy["GB"]["decision"] and adequacy["BR"]["date"] == "2026-01"
    assert "2023/1795" in adequacy["US"]["decision"] and adequacy["US"]["conditional"] is True


def test_china_and_russia_cite_the_laws() -> None:
    doc = _doc()["compelled_access"]
    cn = " ".join(doc["CN"]["citations"])
    for needle in ("National Intelligence Law", "art. 7", "art. 14", "Data Security Law", "art. 35",
                   "Cybersecurity Law", "art. 28", "art. 37", "Personal Information Protection Law", "arts. 38-41",
                   "Counter-Espionage Law"):
        assert needle in cn, needle
    ru = " ".join(doc["RU"]["citations"])
    for needle in ("152-FZ", "art. 18(5)", "23-FZ of 28 February 2025", "1 July 2025", "SORM", "Yarovaya"):
        assert needle in ru, needle


# --- flags ----------------------------------------------------------------------------------

def test_eu_viewer() -> None:
    assert _ids("CN", "eu") == [("compelled-access", "CN"), ("eu-third-country", "CN")]
    assert _ids("RU", "eu") == [("compelled-access", "RU"), ("eu-third-country", "RU")]
    assert _ids("US", "eu") == [("eu-adequacy-conditional", "US")]
    assert _ids("HK", "eu") == [("eu-third-country", "HK")]  # separate legal system: no compelled-access by place
    assert _ids("SG", "eu") == [("eu-third-country", "SG")]
    for adequate_or_home in ("DE", "FR", "IE", "NO", "RE", "GB", "CH", "JP", "KR", "BR", "IL", "CA"):
        assert _ids(adequate_or_home, "eu") == [], adequate_or_home


def test_uk_viewer() -> None:
    assert _ids("CN", "uk") == [("compelled-access", "CN"), ("uk-third-country", "CN")]
    assert _ids("US", "uk") == [("uk-adequacy-conditional", "US")]
    for adequate_or_home in ("GB", "DE", "IE", "GI", "KR", "JP", "CH", "IL"):
        assert _ids(adequate_or_home, "uk") == [], adequate_or_home
    assert _ids("BR", "uk") == [("uk-third-country", "BR")]  # an EU decision the UK has not made


def test_us_viewer_gets_compelled_access_and_countries_of_concern() -> None:
    concern = "us-country-of-concern"
    assert _ids("CN", "us") == [("compelled-access", "CN"), (concern, "CN")]
    assert _ids("RU", "us") == [("compelled-access", "RU"), (concern, "RU")]
    # 28 CFR 202.601: China including Hong Kong and Macau, Cuba, Iran, North Korea, Russia, Venezuela.
    for code in ("HK", "MO", "CU", "IR", "KP", "VE"):
        assert _ids(code, "us") == [(concern, code)], code
    for other in ("US", "DE", "SG", "IN", "TW", "BY"):
        assert _ids(other, "us") == [], other
    # The US list is the US viewer's: an EU viewer sees GDPR flags for Venezuela, not this one.
    assert concern not in {flag_id for flag_id, _ in _ids("VE", "eu")}


def test_flags_carry_citations_and_basis() -> None:
    for basis in BASES:
        for flag in flags_for("CN", basis, "eu"):
            assert flag.basis == basis and flag.citations and flag.title
    us = flags_for("US", "server location", "eu")[0]
    assert any("Data Privacy Framework" in c for c in us.citations)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="viewer"):
        flags_for("CN", HOME, "mars")
    with pytest.raises(ValueError, match="basis"):
        flags_for("CN", "gut feeling", "eu")


def test_region_notes() -> None:
    hk = region_note("HK")
    assert hk is not None and "separate legal system" in hk and "Cap. 486" in hk
    mo = region_note("MO")
    assert mo is not None and "8/2005" in mo
    assert region_note("CN") is None and region_note(None) is None


@pytest.mark.parametrize(("host", "country"), [
    ("foo.cn", "CN"), ("a.example.com.cn", "CN"), ("yandex.ru", "RU"), ("bbc.co.uk", "GB"), ("x.de", "DE"),
    ("xn--80ak6aa92e.xn--p1ai", "RU"), ("example.xn--fiqs8s", "CN"), ("a.hk", "HK"),
    ("sentry.io", None), ("pangle.io", None), ("example.co", None), ("twitch.tv", None), ("example.eu", None),
    ("qq.com", None), ("example.app", None),
])
def test_cctld_country(host: str, country: str | None) -> None:
    assert cctld_country(host) == country


def test_dataset_info() -> None:
    info = jur.dataset_info()
    assert set(info) == {"name", "version", "source", "license", "sha256", "date"}
    assert info["name"] == "datatrail-jurisdictions" and all(info.values())
