"""formats/plist.py and formats/mobileprovision.py on real files and hostile input."""

from __future__ import annotations

import plistlib
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from datatrail.errors import CorruptInput, LimitExceeded
from datatrail.formats.apple.mobileprovision import parse_mobileprovision, profile_plist
from datatrail.formats.apple.plist import is_plist, jsonable, parse_plist, parse_plist_dict
from tests.support.corpus import corpus_dir, corpus_files

PROFILES = corpus_files("ipa/app-info/payload/**/embedded.mobileprovision")


def test_xml_and_binary_plists_read_the_same() -> None:
    doc = {"CFBundleIdentifier": "org.example.app", "n": 3, "flag": True, "list": ["a", "b"], "data": b"\x00\x01"}
    xml = plistlib.dumps(doc, fmt=plistlib.FMT_XML)
    binary = plistlib.dumps(doc, fmt=plistlib.FMT_BINARY)
    assert is_plist(xml[:64]) and is_plist(binary[:8])
    assert parse_plist(xml, "x") == parse_plist(binary, "b") == doc


@pytest.mark.parametrize("raw", [b"", b"   ", b"not a plist at all", b"bplist00\xff\xff\xff", b"<?xml version='1.0'?><plist><dict><key>a</key>"])
def test_garbage_is_corrupt_input(raw: bytes) -> None:
    with pytest.raises(CorruptInput):
        parse_plist(raw, "Info.plist")


def test_entity_declarations_are_refused() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE plist [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            b"<plist><string>&b;&b;&b;</string></plist>")
    with pytest.raises(CorruptInput):
        parse_plist(bomb, "Info.plist")


def test_binary_plist_that_contains_itself_stays_bounded() -> None:
    # One array object (0xa1: one element) whose only element is object 0: itself.
    # plistlib returns the cycle; everything that walks plists must stay bounded.
    objects = b"\xa1\x00"
    offsets = bytes([8])
    trailer = b"\x00" * 6 + bytes([1, 1]) + (1).to_bytes(8, "big") + (0).to_bytes(8, "big") + (10).to_bytes(8, "big")
    value = parse_plist(b"bplist00" + objects + offsets + trailer, "loop.plist")
    assert value[0] is value
    depth = 0
    node = jsonable(value)
    while isinstance(node, list) and node:
        node, depth = node[0], depth + 1
    assert node == "…" and depth <= 40


def test_size_limit_is_checked_before_parsing() -> None:
    with pytest.raises(LimitExceeded):
        parse_plist(b"<plist>" + b" " * 100 + b"</plist>", "big.plist", max_size=50)


def test_top_level_must_be_a_dictionary_where_one_is_expected() -> None:
    with pytest.raises(CorruptInput, match="not a dictionary"):
        parse_plist_dict(plistlib.dumps(["a"]), "Info.plist")


def test_jsonable_converts_plist_only_types() -> None:
    value = {"d": datetime(2021, 1, 15, 6, 40, 53), "b": b"\xab\xcd", "u": plistlib.UID(7), "n": [1, {"x": True}]}
    assert jsonable(value) == {"d": "2021-01-15T06:40:53Z", "b": "hex:abcd", "u": 7, "n": [1, {"x": True}]}


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.parent.name)
def test_profile_fields_match_plistlib(path: Path) -> None:
    raw = path.read_bytes()
    start, end = raw.index(b"<?xml"), raw.index(b"</plist>") + len(b"</plist>")
    oracle = plistlib.loads(raw[start:end])
    profile = parse_mobileprovision(raw, path.name)
    assert profile.team_id == oracle["TeamIdentifier"][0]
    assert profile.team_name == oracle["TeamName"]
    assert profile.name == oracle["Name"]
    assert profile.uuid == oracle["UUID"]
    assert profile.provisioned_devices == tuple(oracle.get("ProvisionedDevices", ()))
    assert profile.expires == oracle["ExpirationDate"].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert profile.entitlements["application-identifier"] == oracle["Entitlements"]["application-identifier"]
    # Devices listed and no debugger entitlement: an ad-hoc ("match AdHoc ...") profile.
    assert profile.distribution == "ad-hoc" and "AdHoc" in oracle["Name"]


def test_every_corpus_ipa_profile_parses() -> None:
    seen = 0
    for ipa in corpus_files("ipa/**/*.ipa"):
        try:
            z = zipfile.ZipFile(ipa)
        except zipfile.BadZipFile:
            continue
        for name in z.namelist():
            if name.endswith("embedded.mobileprovision"):
                raw = z.read(name)
                profile = parse_mobileprovision(raw, name)
                oracle = plistlib.loads(profile_plist(raw, name))
                assert profile.team_id == oracle["TeamIdentifier"][0]
                assert profile.created == oracle["CreationDate"].strftime("%Y-%m-%dT%H:%M:%SZ")
                seen += 1
    if corpus_dir():
        assert seen >= 5


@pytest.mark.parametrize("raw", [b"", b"<?xml version='1.0'?><plist></plist>", b"\x30\x82\x01\x00 no xml inside", b"\x30<?xml x"])
def test_bad_profiles_are_corrupt_input(raw: bytes) -> None:
    with pytest.raises(CorruptInput):
        parse_mobileprovision(raw, "embedded.mobileprovision")
