"""The embedded code signature of a Mach-O slice (the LC_CODE_SIGNATURE data):
who signed it, for which bundle identifier, and with which entitlements.

The signature is a big-endian "SuperBlob" indexing typed blobs (from Apple's
``cs_blobs.h``)::

    SuperBlob:     I magic fade0cc0, I length, I count, count x (I slot type, I offset)
    Blob:          I magic, I length, payload
    slot 0         CodeDirectory  fade0c02: I version, I flags, I hashOffset, I identOffset,
                                  I nSpecialSlots, I nCodeSlots, I codeLimit, B hashSize, B hashType,
                                  B platform, B pageSize, I spare2, [I scatterOffset >= 0x20100],
                                  [I teamOffset >= 0x20200]   (offsets from the blob start)
    slot 2         Requirements   fade0c01
    slot 5         Entitlements   fade7171: an XML property list
    slot 7         DER entitl.    fade7172: the same dictionary in DER (iOS 15+)
    slot 0x1000+   alternate CodeDirectories (SHA-256 next to SHA-1)
    slot 0x10000   CMS signature  fade0b01: a PKCS#7 SignedData; empty for ad-hoc signatures

The DER form encodes a dictionary as a SET OF SEQUENCE { UTF8String key,
value } with BOOLEAN, INTEGER, UTF8String, SEQUENCE (array) and SET
(dictionary) values, bare or inside ``[APPLICATION 16] { INTEGER 1, ... }``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from datatrail.errors import CorruptInput, InputError, UnsupportedInput
from datatrail.formats.apple.plist import parse_plist_dict

__all__ = [
    "CodeSignature",
    "parse_code_signature",
    "decode_der_entitlements",
]

SUPERBLOB_MAGIC: Final = 0xFADE0CC0
CODEDIRECTORY_MAGIC: Final = 0xFADE0C02
REQUIREMENTS_MAGIC: Final = 0xFADE0C01
ENTITLEMENTS_MAGIC: Final = 0xFADE7171
DER_ENTITLEMENTS_MAGIC: Final = 0xFADE7172
CMS_MAGIC: Final = 0xFADE0B01

_SLOT_CODEDIRECTORY: Final = 0
_SLOT_ALTERNATE_CD: Final = range(0x1000, 0x1005)
_SLOT_CMS: Final = 0x10000
_MAX_SLOTS: Final = 64
_MAX_DEPTH: Final = 32
_MAX_STRING: Final = 4096
_CS_ADHOC: Final = 0x2
_HASH_TYPES: Final = {1: "sha1", 2: "sha256", 3: "sha256-truncated", 4: "sha384"}

_HEADER: Final = struct.Struct(">III")
_INDEX: Final = struct.Struct(">II")
_CD: Final = struct.Struct(">IIIIIIIIIBBBBI")


@dataclass(frozen=True, slots=True)
class CodeSignature:
    ident: str | None
    """Signing identifier from the CodeDirectory (the bundle id for apps)."""
    team_id: str | None
    """Apple team identifier; None for ad-hoc and pre-2013 signatures."""
    entitlements: dict[str, object] | None
    """The entitlements dictionary: from the XML blob, else from the DER blob."""
    has_cms: bool
    """Whether a non-empty CMS (certificate) signature is present; ad-hoc signatures have none."""
    der_entitlements: dict[str, object] | None = None
    """The DER blob decoded on its own, to compare with the XML form."""
    adhoc: bool = False
    hash_type: str | None = None
    """Hash of the primary CodeDirectory: ``sha1``, ``sha256``..."""
    cd_version: int | None = None
    code_directories: int = 0
    """How many CodeDirectories (primary and alternates) the signature holds."""
    entitlements_xml: bytes | None = None
    """The raw XML entitlements blob payload."""
    cms: bytes | None = None
    """The CMS SignedData (DER) when present, for certificate readers such as
    :func:`datatrail.formats.android.signing.certificates_from_pkcs7`."""


def parse_code_signature(blob: bytes | bytearray | memoryview) -> CodeSignature:
    """Read a code-signature SuperBlob.

    Raises :class:`UnsupportedInput` when ``blob`` is not a SuperBlob and
    :class:`CorruptInput` when its index is unusable; a damaged entitlements
    blob gives ``entitlements=None`` rather than an error.
    """
    data = bytes(blob)
    if len(data) < _HEADER.size:
        raise CorruptInput("code signature shorter than its header")
    magic, length, count = _HEADER.unpack_from(data, 0)
    if magic != SUPERBLOB_MAGIC:
        raise UnsupportedInput(f"not a code-signature SuperBlob (magic 0x{magic:08x})")
    data = data[: min(length, len(data))]
    if count > _MAX_SLOTS or _HEADER.size + count * _INDEX.size > len(data):
        raise CorruptInput(f"code signature index of {count} slots does not fit in {len(data)} bytes")
    blobs: dict[int, bytes] = {}
    for index in range(count):
        slot, offset = _INDEX.unpack_from(data, _HEADER.size + index * _INDEX.size)
        if offset + 8 > len(data):
            continue
        _magic, blob_len = struct.unpack_from(">II", data, offset)
        if blob_len < 8:
            continue
        blobs.setdefault(slot, data[offset : offset + blob_len])

    ident = team = hash_type = None
    version: int | None = None
    flags = 0
    cd = blobs.get(_SLOT_CODEDIRECTORY)
    if cd is not None and len(cd) >= _CD.size and _blob_magic(cd) == CODEDIRECTORY_MAGIC:
        (_m, _l, version, flags, _hash_off, ident_off, _ns, _nc, _limit,
         _hsize, htype, _platform, _page, _spare) = _CD.unpack_from(cd, 0)
        ident = _cstring(cd, ident_off)
        hash_type = _HASH_TYPES.get(htype, f"hash:{htype}")
        if version >= 0x20200 and len(cd) >= 52:
            (team_off,) = struct.unpack_from(">I", cd, 48)
            team = _cstring(cd, team_off) if team_off else None

    xml_blob = blobs.get(5)
    xml = xml_blob[8:] if xml_blob is not None and _blob_magic(xml_blob) == ENTITLEMENTS_MAGIC else None
    xml_dict = _plist_dict(xml) if xml else None
    der_blob = blobs.get(7)
    der_dict = None
    if der_blob is not None and _blob_magic(der_blob) == DER_ENTITLEMENTS_MAGIC:
        try:
            der_dict = decode_der_entitlements(der_blob[8:])
        except CorruptInput:
            der_dict = None
    cms_blob = blobs.get(_SLOT_CMS)
    cms = cms_blob[8:] if cms_blob is not None and _blob_magic(cms_blob) == CMS_MAGIC and len(cms_blob) > 8 else None
    return CodeSignature(
        ident=ident,
        team_id=team,
        entitlements=xml_dict if xml_dict is not None else der_dict,
        has_cms=cms is not None,
        der_entitlements=der_dict,
        adhoc=bool(flags & _CS_ADHOC),
        hash_type=hash_type,
        cd_version=version,
        code_directories=sum(1 for slot in blobs if slot == _SLOT_CODEDIRECTORY or slot in _SLOT_ALTERNATE_CD),
        entitlements_xml=xml,
        cms=cms,
    )


def _blob_magic(blob: bytes) -> int:
    return int.from_bytes(blob[:4], "big")


def _cstring(blob: bytes, offset: int) -> str | None:
    if not 0 < offset < len(blob):
        return None
    end = blob.find(b"\0", offset, offset + _MAX_STRING)
    raw = blob[offset : end if end >= 0 else min(len(blob), offset + _MAX_STRING)]
    return raw.decode("utf-8", "replace") or None


def _plist_dict(xml: bytes) -> dict[str, object] | None:
    """The XML entitlements as a dictionary; None when they are not a readable plist dictionary."""
    try:
        return parse_plist_dict(xml, "entitlements")
    except InputError:
        return None


# ------------------------------------------------------------------ DER

_BOOLEAN: Final = 0x01
_INTEGER: Final = 0x02
_UTF8STRING: Final = 0x0C
_SEQUENCE: Final = 0x30
_SET: Final = 0x31
_APPLICATION_16: Final = 0x70
_CONTEXT_16: Final = 0xB0


def decode_der_entitlements(der: bytes) -> dict[str, object]:
    """The entitlements dictionary of a DER entitlements payload.

    Accepts the bare dictionary (a SET, as ``codesign`` on iOS 14-era Xcode
    writes it) and the versioned wrapper (``[APPLICATION 16] { INTEGER 1,
    SET or [16] }``). Raises :class:`CorruptInput` for anything else.
    """
    tag, body, end = _tlv(der, 0)
    if end != len(der):
        raise CorruptInput("DER entitlements: trailing bytes")
    if tag == _SET:
        return _dict(body, 0)
    if tag != _APPLICATION_16:
        raise CorruptInput(f"DER entitlements: unexpected outer tag 0x{tag:02x}")
    version_tag, version, after = _tlv(body, 0)
    if version_tag != _INTEGER or _int(version) != 1:
        raise CorruptInput("DER entitlements: unknown version")
    dict_tag, content, end = _tlv(body, after)
    if dict_tag not in (_SET, _CONTEXT_16) or end != len(body):
        raise CorruptInput("DER entitlements: no dictionary")
    return _dict(content, 0)


def _tlv(data: bytes, at: int) -> tuple[int, bytes, int]:
    """``(tag, value, next offset)`` of the DER element at ``at``."""
    if at + 2 > len(data):
        raise CorruptInput("DER: element cut off")
    tag, first = data[at], data[at + 1]
    at += 2
    if first < 0x80:
        length = first
    else:
        width = first & 0x7F
        if width == 0 or width > 4 or at + width > len(data):
            raise CorruptInput("DER: bad length")
        length = int.from_bytes(data[at : at + width], "big")
        at += width
    if at + length > len(data):
        raise CorruptInput("DER: element runs past its container")
    return tag, data[at : at + length], at + length


def _int(raw: bytes) -> int:
    if not raw or len(raw) > 16:
        raise CorruptInput("DER: bad integer")
    return int.from_bytes(raw, "big", signed=True)


def _value(tag: int, raw: bytes, depth: int) -> object:
    if depth > _MAX_DEPTH:
        raise CorruptInput("DER: nested too deeply")
    if tag == _BOOLEAN:
        if len(raw) != 1:
            raise CorruptInput("DER: bad boolean")
        return raw != b"\0"
    if tag == _INTEGER:
        return _int(raw)
    if tag == _UTF8STRING:
        return raw.decode("utf-8", "replace")
    if tag == _SEQUENCE:
        items = []
        at = 0
        while at < len(raw):
            item_tag, item, at = _tlv(raw, at)
            items.append(_value(item_tag, item, depth + 1))
        return items
    if tag == _SET:
        return _dict(raw, depth + 1)
    raise CorruptInput(f"DER: unexpected tag 0x{tag:02x}")


def _dict(raw: bytes, depth: int) -> dict[str, object]:
    out: dict[str, object] = {}
    at = 0
    while at < len(raw):
        pair_tag, pair, at = _tlv(raw, at)
        if pair_tag != _SEQUENCE:
            raise CorruptInput("DER: dictionary entry is not a SEQUENCE")
        key_tag, key, after = _tlv(pair, 0)
        if key_tag != _UTF8STRING:
            raise CorruptInput("DER: dictionary key is not a string")
        value_tag, value, end = _tlv(pair, after)
        if end != len(pair):
            raise CorruptInput("DER: dictionary entry has extra elements")
        out[key.decode("utf-8", "replace")] = _value(value_tag, value, depth)
    return out
