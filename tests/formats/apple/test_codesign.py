"""Code-signature reading checked against independent sources in the same app
bundle: the signing identifier against Info.plist's CFBundleIdentifier, the
team against the provisioning profile and the signer certificate (openssl),
the entitlements against ``archived-expanded-entitlements.xcent`` and the
DER form against the XML form and ``openssl asn1parse``; plus hand-built
ad-hoc signatures, DER edge cases and damaged blobs."""

from __future__ import annotations

import fnmatch
import plistlib
import re
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datatrail.errors import CorruptInput, InputError, UnsupportedInput
from datatrail.formats.apple.codesign import CodeSignature, decode_der_entitlements, parse_code_signature
from datatrail.formats.apple.macho import is_macho, parse_macho
from datatrail.model.diagnostic import DiagnosticLog
from tests.support.corpus import corpus_dir, corpus_files

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl not installed")


def _profile_plist(der: bytes) -> dict[str, object]:
    start, end = der.find(b"<?xml"), der.find(b"</plist>")
    value = plistlib.loads(der[start : end + len(b"</plist>")])
    assert isinstance(value, dict)
    return value


def _app_bundles() -> list[tuple[str, dict[str, bytes]]]:
    """Per signed executable in the corpus IPAs: its bundle's files (binary, Info.plist...)."""
    out = []
    for ipa in corpus_files("ipa/**/*.ipa"):
        try:
            archive = zipfile.ZipFile(ipa)
        except zipfile.BadZipFile:
            continue
        with archive:
            names = archive.namelist()
            for name in names:
                path = PurePosixPath(name)
                if path.parent.suffix not in (".app", ".appex") or name.endswith("/"):
                    continue
                data = archive.read(name)
                if is_macho(data[:512]):
                    folder = str(path.parent) + "/"
                    files = {n[len(folder):]: archive.read(n) for n in names
                             if n.startswith(folder) and "/" not in n[len(folder):] and not n.endswith("/")}
                    out.append((f"{ipa.name}:{name}", {"binary": data, **files}))
    return out


BUNDLES = _app_bundles()


def _signatures(binary: bytes) -> list[tuple[str, CodeSignature]]:
    macho = parse_macho(binary, "x", DiagnosticLog())
    return [(sl.cpu, parse_code_signature(sl.code_signature_blob())) for sl in macho.slices]


def test_corpus_has_signed_bundles() -> None:
    corpus_dir()  # skips without the corpus (fails under CI)
    assert len(BUNDLES) == 5, [n for n, _ in BUNDLES]


@pytest.mark.parametrize("name", [n for n, _ in BUNDLES])
def test_signature_matches_the_bundle(name: str) -> None:
    files = dict(BUNDLES)[name]
    info = plistlib.loads(files["Info.plist"])
    profile = _profile_plist(files["embedded.mobileprovision"])
    for cpu, sig in _signatures(files["binary"]):
        where = f"{name}[{cpu}]"
        assert sig.ident == info["CFBundleIdentifier"], where
        assert sig.has_cms and sig.cms is not None and not sig.adhoc
        team = profile["TeamIdentifier"]
        assert isinstance(team, list)
        if sig.cd_version is not None and sig.cd_version >= 0x20200 and sig.team_id is not None:
            assert sig.team_id == team[0], where
        assert sig.entitlements is not None
        allowed = profile["Entitlements"]
        assert isinstance(allowed, dict)
        # wildcard profiles (TEAM.*) allow any application identifier of the team
        assert fnmatch.fnmatchcase(str(sig.entitlements["application-identifier"]), str(allowed["application-identifier"])), where
        if "archived-expanded-entitlements.xcent" in files:
            # Xcode archives the entitlements it expanded from wildcards; signing adds the rest
            expanded = plistlib.loads(files["archived-expanded-entitlements.xcent"])
            assert expanded and expanded.items() <= sig.entitlements.items(), where
        if sig.der_entitlements is not None:
            assert sig.der_entitlements == sig.entitlements, where


def test_team_ids_and_formats_by_hand() -> None:
    """Expected values read from each bundle's provisioning profile by eye."""
    corpus_dir()  # skips without the corpus (fails under CI)
    found = {name.split(":")[1]: _signatures(files["binary"]) for name, files in BUNDLES}
    demo = dict(found["Payload/Demo.app/Demo"])["arm64"]
    assert (demo.team_id, demo.hash_type, demo.code_directories) == ("72LA85G59H", "sha256", 1)
    assert demo.der_entitlements is not None and demo.der_entitlements["get-task-allow"] is False
    ipad = dict(found["Payload/bundle.app/bundle"])
    assert {s.team_id for s in ipad.values()} == {"5PJA6N5A3B"}
    assert {s.code_directories for s in ipad.values()} == {2}  # SHA-1 plus alternate SHA-256


@needs_openssl
@pytest.mark.parametrize("name", [n for n, _ in BUNDLES])
def test_team_id_is_the_signer_certificates_ou(name: str, tmp_path: Path) -> None:
    for cpu, sig in _signatures(dict(BUNDLES)[name]["binary"]):
        if sig.team_id is None:
            continue
        assert sig.cms is not None
        (tmp_path / "cms.der").write_bytes(sig.cms)
        out = subprocess.run([OPENSSL or "", "pkcs7", "-inform", "DER", "-in", str(tmp_path / "cms.der"), "-print_certs", "-noout"],
                             check=True, capture_output=True, text=True).stdout
        assert f"OU = {sig.team_id}," in out, (name, cpu)


@needs_openssl
def test_der_entitlements_strings_match_asn1parse(tmp_path: Path) -> None:
    corpus_dir()  # skips without the corpus (fails under CI)
    checked = 0
    for _name, files in BUNDLES:
        macho = parse_macho(files["binary"], "x", DiagnosticLog())
        for sl in macho.slices:
            blob = sl.code_signature_blob()
            count = struct.unpack_from(">I", blob, 8)[0]
            for index in range(count):
                slot, offset = struct.unpack_from(">II", blob, 12 + 8 * index)
                if slot != 7:
                    continue
                length = struct.unpack_from(">I", blob, offset + 4)[0]
                der = blob[offset + 8 : offset + length]
                (tmp_path / "e.der").write_bytes(der)
                out = subprocess.run([OPENSSL or "", "asn1parse", "-inform", "DER", "-in", str(tmp_path / "e.der")],
                                     check=True, capture_output=True, text=True).stdout
                theirs = re.findall(r"UTF8STRING\s+:(.*)$", out, re.M)
                ours = decode_der_entitlements(der)
                flat: list[str] = []
                for key, value in ours.items():
                    flat.append(key)
                    flat.extend(value if isinstance(value, list) else [value] if isinstance(value, str) else [])
                assert flat == theirs
                checked += 1
    assert checked == 2


# ------------------------------------------------------------- hand-built

def _blob(magic: int, payload: bytes) -> bytes:
    return struct.pack(">II", magic, 8 + len(payload)) + payload


def _code_directory(ident: str, team: str | None, flags: int = 0, version: int = 0x20400) -> bytes:
    fixed = 88 - 8
    ident_off = 8 + fixed
    strings = ident.encode() + b"\0"
    team_off = 0
    if team is not None:
        team_off = ident_off + len(strings)
        strings += team.encode() + b"\0"
    body = struct.pack(">IIIIIIIBBBBIII", version, flags, 0, ident_off, 0, 0, 0, 32, 2, 0, 12, 0, 0, team_off)
    body = body.ljust(fixed, b"\0") + strings
    return _blob(0xFADE0C02, body)


def _superblob(slots: list[tuple[int, bytes]]) -> bytes:
    header = 12 + 8 * len(slots)
    index = b""
    payload = b""
    for slot, blob in slots:
        index += struct.pack(">II", slot, header + len(payload))
        payload += blob
    return struct.pack(">III", 0xFADE0CC0, header + len(payload), len(slots)) + index + payload


def _der(tag: int, content: bytes) -> bytes:
    if len(content) < 0x80:
        return bytes([tag, len(content)]) + content
    size = len(content).to_bytes((len(content).bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + content


def _pair(key: str, value: bytes) -> bytes:
    return _der(0x30, _der(0x0C, key.encode()) + value)


DER_DICT = _der(0x31, b"".join([
    _pair("a-bool", _der(0x01, b"\xff")),
    _pair("an-int", _der(0x02, b"\xff\x85")),  # -123
    _pair("groups", _der(0x30, _der(0x0C, b"group.one") + _der(0x0C, "grüppe".encode()))),
    _pair("nested", _der(0x31, _pair("inner", _der(0x0C, b"x" * 300)))),
]))
DER_EXPECTED = {"a-bool": True, "an-int": -123, "groups": ["group.one", "grüppe"], "nested": {"inner": "x" * 300}}


def test_adhoc_signature_without_cms() -> None:
    xml = plistlib.dumps({"get-task-allow": True})
    blob = _superblob([(0, _code_directory("com.example.app", None, flags=0x2)),
                       (5, _blob(0xFADE7171, xml)), (0x10000, _blob(0xFADE0B01, b""))])
    sig = parse_code_signature(blob)
    assert (sig.ident, sig.team_id, sig.adhoc, sig.has_cms, sig.cms) == ("com.example.app", None, True, False, None)
    assert sig.entitlements == {"get-task-allow": True} and sig.entitlements_xml == xml
    assert sig.hash_type == "sha256" and sig.cd_version == 0x20400


def test_team_id_needs_a_recent_code_directory() -> None:
    assert parse_code_signature(_superblob([(0, _code_directory("a.b", "TEAM123456"))])).team_id == "TEAM123456"
    old = _code_directory("a.b", "TEAM123456", version=0x20100)
    assert parse_code_signature(_superblob([(0, old)])).team_id is None


def test_der_entitlements_forms() -> None:
    assert decode_der_entitlements(DER_DICT) == DER_EXPECTED
    wrapped = _der(0x70, _der(0x02, b"\x01") + DER_DICT)
    assert decode_der_entitlements(wrapped) == DER_EXPECTED
    context = _der(0x70, _der(0x02, b"\x01") + _der(0xB0, DER_DICT[2 + (DER_DICT[1] & 0x7F if DER_DICT[1] & 0x80 else 0):]))
    assert decode_der_entitlements(context) == DER_EXPECTED
    only_der = parse_code_signature(_superblob([(7, _blob(0xFADE7172, DER_DICT))]))
    assert only_der.entitlements == DER_EXPECTED == only_der.der_entitlements and only_der.ident is None


@pytest.mark.parametrize("der", [
    b"", b"\x31", b"\x31\x05\x30\x03", b"\x30\x00", b"\x31\x84\xff\xff\xff\xff",
    _der(0x70, _der(0x02, b"\x02") + DER_DICT),  # unknown version
    _der(0x31, _pair("k", _der(0x04, b"octets"))),  # unexpected value type
    _der(0x31, _der(0x30, _der(0x02, b"\x01") + _der(0x01, b"\x00"))),  # key not a string
    DER_DICT + b"\0",
])
def test_bad_der_is_corrupt(der: bytes) -> None:
    with pytest.raises(CorruptInput):
        decode_der_entitlements(der)


def test_deep_der_nesting_is_cut() -> None:
    value = _der(0x30, b"")
    for _ in range(100):
        value = _der(0x30, value)
    with pytest.raises(CorruptInput):
        decode_der_entitlements(_der(0x31, _pair("deep", value)))


def test_damaged_signatures() -> None:
    with pytest.raises(UnsupportedInput):
        parse_code_signature(b"\xfa\xde\x0c\x02" + b"\0" * 20)
    with pytest.raises(CorruptInput):
        parse_code_signature(b"\xfa\xde")
    with pytest.raises(CorruptInput):
        parse_code_signature(struct.pack(">III", 0xFADE0CC0, 12, 0xFFFFFFFF))
    # slots pointing outside the blob, a broken plist and a broken DER blob are skipped
    blob = _superblob([(0, _code_directory("a.b", "T")), (5, _blob(0xFADE7171, b"<plist><dict><key>x")),
                       (7, _blob(0xFADE7172, b"\x31\x05"))])
    blob = blob[:12] + blob[12:] + struct.pack(">II", 2, 0xFFFFFF)
    sig = parse_code_signature(blob)
    assert sig.ident == "a.b" and sig.entitlements is None and sig.der_entitlements is None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_signature_bytes(tail: bytes) -> None:
    for data in (struct.pack(">III", 0xFADE0CC0, 12 + len(tail), 3) + tail, tail):
        try:
            parse_code_signature(data)
        except InputError:
            pass
    try:
        decode_der_entitlements(tail)
    except CorruptInput:
        pass
