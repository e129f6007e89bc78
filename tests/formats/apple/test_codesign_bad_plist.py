"""XML entitlements that plistlib cannot read: every way it fails (including
the ``AttributeError`` a malformed ``<date>`` gives) ends as "no entitlements
from the XML blob", never an exception out of :func:`parse_code_signature`.
Checked on hand-built SuperBlobs and on a corpus executable whose real
entitlements blob is overwritten in place, scanned end to end."""

from __future__ import annotations

import plistlib
import struct
from pathlib import Path

import pytest

from datatrail.errors import CorruptInput
from datatrail.formats.apple.codesign import parse_code_signature
from datatrail.formats.apple.plist import parse_plist_dict
from tests.support.corpus import corpus_dir

_XML_MAGIC = 0xFADE7171
_DER_MAGIC = 0xFADE7172

BAD_DATE = b"<plist><dict><key>a</key><date>zz</date></dict></plist>"

BROKEN = [
    BAD_DATE,  # plistlib: AttributeError
    b"<plist><dict><key>a</key><integer>x</integer></dict></plist>",  # ValueError
    b"<plist><dict><key>a</key><data>a</data></dict></plist>",  # binascii.Error
    b"<plist><dict><key>a</key></dict></plist>",  # key without a value
    b"<plist><dict><key>x",  # cut off
    b"not xml at all",
]


def _blob(magic: int, payload: bytes) -> bytes:
    return struct.pack(">II", magic, 8 + len(payload)) + payload


def _code_directory(ident: str) -> bytes:
    ident_off = 88
    body = struct.pack(">IIIIIIIBBBBI", 0x20100, 0, 0, ident_off, 0, 0, 0, 32, 2, 0, 12, 0).ljust(ident_off - 8, b"\0")
    return _blob(0xFADE0C02, body + ident.encode() + b"\0")


def _superblob(slots: list[tuple[int, bytes]]) -> bytes:
    header = 12 + 8 * len(slots)
    index = payload = b""
    for slot, blob in slots:
        index += struct.pack(">II", slot, header + len(payload))
        payload += blob
    return struct.pack(">III", 0xFADE0CC0, header + len(payload), len(slots)) + index + payload


def _der_one_bool(key: str) -> bytes:
    pair = bytes([0x0C, len(key)]) + key.encode() + b"\x01\x01\xff"
    entry = bytes([0x30, len(pair)]) + pair
    return bytes([0x31, len(entry)]) + entry


@pytest.mark.parametrize("xml", BROKEN)
def test_unreadable_xml_entitlements_give_none(xml: bytes) -> None:
    # the inputs really are unreadable: the standard library refuses each one
    with pytest.raises(Exception):  # noqa: B017 - any of plistlib's failure modes
        plistlib.loads(xml)
    sig = parse_code_signature(_superblob([(0, _code_directory("a.b")), (5, _blob(_XML_MAGIC, xml))]))
    assert sig.ident == "a.b"
    assert sig.entitlements is None and sig.der_entitlements is None
    assert sig.entitlements_xml == xml  # the raw payload is still there to show


def test_bad_date_is_a_corrupt_plist() -> None:
    with pytest.raises(AttributeError):
        plistlib.loads(BAD_DATE)  # what used to escape parse_code_signature
    with pytest.raises(CorruptInput, match="entitlements: not a readable property list"):
        parse_plist_dict(BAD_DATE, "entitlements")


def test_non_dictionary_xml_gives_none() -> None:
    xml = plistlib.dumps(["get-task-allow"])
    sig = parse_code_signature(_superblob([(5, _blob(_XML_MAGIC, xml))]))
    assert sig.entitlements is None and sig.entitlements_xml == xml


def test_unreadable_xml_falls_back_to_der() -> None:
    blob = _superblob([(5, _blob(_XML_MAGIC, BAD_DATE)), (7, _blob(_DER_MAGIC, _der_one_bool("get-task-allow")))])
    sig = parse_code_signature(blob)
    assert sig.entitlements == {"get-task-allow": True} == sig.der_entitlements


def _with_xml_entitlements(binary: bytes, replacement: bytes) -> tuple[bytes, int]:
    """``binary`` with every XML entitlements blob's payload overwritten, padded to its length."""
    out = bytearray(binary)
    count = 0
    at = out.find(_XML_MAGIC.to_bytes(4, "big"))
    while at >= 0:
        (length,) = struct.unpack_from(">I", out, at + 4)
        assert len(replacement) <= length - 8
        out[at + 8 : at + length] = replacement.ljust(length - 8, b" ")
        count += 1
        at = out.find(_XML_MAGIC.to_bytes(4, "big"), at + length)
    return bytes(out), count


def test_scan_of_a_binary_with_a_bad_date_in_its_entitlements(tmp_path: Path) -> None:
    from datatrail.app.pipeline import scan_file

    original = corpus_dir() / "ipa/app-info/payload/NotificationService.appex/NotificationService"
    good = scan_file(original)
    assert good.ios is not None
    assert good.ios.binaries[0].entitlements.get("com.apple.developer.team-identifier") == "WKR87TTKML"

    patched, count = _with_xml_entitlements(original.read_bytes(), BAD_DATE)
    assert count == 2  # armv7 and arm64 slices
    target = tmp_path / "NotificationService"
    target.write_bytes(patched)
    report = scan_file(target)  # used to end in an AttributeError traceback
    assert report.ios is not None
    (binary,) = report.ios.binaries
    assert binary.entitlements == {}
    assert binary.signing_id == good.ios.binaries[0].signing_id and binary.team_id == "WKR87TTKML"
