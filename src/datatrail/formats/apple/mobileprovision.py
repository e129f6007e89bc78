"""embedded.mobileprovision: the provisioning profile an iOS build was signed for.

The file is a CMS (PKCS#7) SignedData envelope whose content is an XML plist.
The plist is stored verbatim inside the DER, so it is located by its
``<?xml`` ... ``</plist>`` bounds rather than by decoding the envelope; the
signature itself is not verified (that needs Apple's roots and says nothing
about privacy). What it tells: the team, when the profile expires, which
devices may run the build (ad-hoc and development builds list them) and the
entitlements the app may claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from datatrail.errors import CorruptInput, LimitExceeded
from datatrail.formats.apple.plist import jsonable, parse_plist_dict

__all__ = ["MAX_PROFILE_SIZE", "Profile", "parse_mobileprovision", "profile_plist"]

MAX_PROFILE_SIZE = 4 << 20
"""Largest profile read (4 MiB); real ones are 5-60 KB."""

_DER_SEQUENCE = 0x30


@dataclass(frozen=True, slots=True)
class Profile:
    name: str | None
    uuid: str | None
    team_id: str | None
    team_name: str | None
    app_id_name: str | None
    platforms: tuple[str, ...]
    created: str | None
    """ISO 8601 UTC."""
    expires: str | None
    provisioned_devices: tuple[str, ...]
    provisions_all_devices: bool
    entitlements: dict[str, Any]
    """JSON-safe copy of the profile's Entitlements dictionary."""
    distribution: str
    """"development", "ad-hoc", "enterprise" or "app-store" (inferred, see ``_distribution``)."""


def profile_plist(data: bytes | memoryview, location: str) -> bytes:
    """The XML plist embedded in the CMS envelope; raises CorruptInput when there is none."""
    if len(data) > MAX_PROFILE_SIZE:
        raise LimitExceeded(f"{location}: provisioning profile of {len(data)} bytes exceeds the {MAX_PROFILE_SIZE}-byte limit")
    raw = bytes(data)
    if not raw or raw[0] != _DER_SEQUENCE:
        raise CorruptInput(f"{location}: not a provisioning profile (no CMS envelope)")
    start = raw.find(b"<?xml")
    end = raw.find(b"</plist>", start + 1) if start >= 0 else -1
    if start < 0 or end < 0:
        raise CorruptInput(f"{location}: provisioning profile holds no XML property list")
    return raw[start : end + len(b"</plist>")]


def _str(doc: dict[str, Any], key: str) -> str | None:
    value = doc.get(key)
    return value if isinstance(value, str) and value else None


def _strs(doc: dict[str, Any], key: str) -> tuple[str, ...]:
    value = doc.get(key)
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _date(doc: dict[str, Any], key: str) -> str | None:
    value = doc.get(key)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(value, datetime) else None


def _distribution(devices: tuple[str, ...], all_devices: bool, entitlements: dict[str, Any]) -> str:
    # How Xcode tells them apart: enterprise profiles run anywhere, development
    # ones let a debugger attach, ad-hoc ones list devices without that.
    if all_devices:
        return "enterprise"
    if devices:
        return "development" if entitlements.get("get-task-allow") is True else "ad-hoc"
    return "app-store"


def parse_mobileprovision(data: bytes | memoryview, location: str) -> Profile:
    """Read a provisioning profile; raises CorruptInput when it cannot be read."""
    doc = parse_plist_dict(profile_plist(data, location), location)
    raw_entitlements = doc.get("Entitlements")
    entitlements = jsonable(raw_entitlements) if isinstance(raw_entitlements, dict) else {}
    devices = _strs(doc, "ProvisionedDevices")
    all_devices = doc.get("ProvisionsAllDevices") is True
    team_ids = _strs(doc, "TeamIdentifier")
    return Profile(
        name=_str(doc, "Name"),
        uuid=_str(doc, "UUID"),
        team_id=team_ids[0] if team_ids else None,
        team_name=_str(doc, "TeamName"),
        app_id_name=_str(doc, "AppIDName"),
        platforms=_strs(doc, "Platform"),
        created=_date(doc, "CreationDate"),
        expires=_date(doc, "ExpirationDate"),
        provisioned_devices=devices,
        provisions_all_devices=all_devices,
        entitlements=entitlements,
        distribution=_distribution(devices, all_devices, entitlements),
    )
