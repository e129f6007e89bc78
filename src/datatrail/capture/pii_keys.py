"""Which field names in traffic carry which personal data (``traffic_keys.json``), and value shapes.

A key alone is weak evidence (``model`` may be a car, ``long`` a flag), so
every field rule also names the shape its value must have: an IMEI is 14 to
16 digits, a latitude a decimal number within ±90, an advertising ID a UUID
that is not all zeros (the value Android sends when the user opted out).
Read once and validated: a malformed file is a DatatrailError.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from datatrail.errors import DatatrailError
from datatrail.knowledge.datafile import read_data_file
from datatrail.knowledge.psl import registrable_domain

__all__ = ["VALUE_SHAPES", "FieldRule", "Activity", "TrafficKeys", "traffic_keys", "normalise_key", "shape_ok", "emails_in"]

_FILE = "traffic_keys.json"
_NON_KEY = re.compile(r"[^a-z0-9]")

_DIGITS = re.compile(r"\d+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")
_HEXID = re.compile(r"[0-9a-fA-F]{8,64}")
_DIGEST = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}")
_MAC = re.compile(r"[0-9a-fA-F]{2}([:-]?)(?:[0-9a-fA-F]{2}\1){4}[0-9a-fA-F]{2}")
_ID = re.compile(r"[0-9A-Za-z._:-]{6,128}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}")
_EMAIL_IN_TEXT = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])")
_PHONE = re.compile(r"\+?[0-9 ().-]{7,24}")
_COORD = re.compile(r"-?\d{1,3}\.\d{2,}")
_PAIR = re.compile(r"\s*(-?\d{1,2}\.\d{2,})\s*[,;/ ]\s*(-?\d{1,3}\.\d{2,})\s*")
_SCREEN = re.compile(r"\d{2,5}\s*[x*X×,]\s*\d{2,5}|\d{2,5}(?:\.\d+)?")
_ID_LEADS = ('id="', "id='", "id=", "id:", "id:<", "id=<", 'id="<')
_NULL_MACS = frozenset({"000000000000", "020000000000", "ffffffffffff"})


def _not_constant(text: str) -> bool:
    """Not a placeholder: more than one distinct letter or digit (zeroed IDs, ``xxxxxxxx``)."""
    return len({ch for ch in text.lower() if ch.isalnum()}) > 1


def _imei(v: str) -> bool:
    return bool(_DIGITS.fullmatch(v)) and 14 <= len(v) <= 16 and _not_constant(v)


def _imsi(v: str) -> bool:
    return bool(_DIGITS.fullmatch(v)) and 14 <= len(v) <= 15 and _not_constant(v)


def _mac(v: str) -> bool:
    return bool(_MAC.fullmatch(v)) and re.sub(r"[:-]", "", v.lower()) not in _NULL_MACS


def _coord(limit: int) -> Callable[[str], bool]:
    def check(v: str) -> bool:
        return bool(_COORD.fullmatch(v)) and 0 < abs(float(v)) <= limit
    return check


def _pair(v: str) -> bool:
    m = _PAIR.fullmatch(v)
    return m is not None and abs(float(m[1])) <= 90 and abs(float(m[2])) <= 180 and (float(m[1]), float(m[2])) != (0, 0)


def _email(v: str) -> bool:
    # The domain must be registrable: "icon@2x.png" is an image name, not an address.
    return bool(_EMAIL.fullmatch(v)) and registrable_domain(v.rpartition("@")[2].lower()) is not None


def emails_in(text: str) -> list[str]:
    """Email addresses with a registrable domain anywhere in free text.

    Message ids are shaped like addresses (``push-id="1_103185@host.net"``, ``<123@host>``); a
    match right after an ``id=``/``id:`` or inside angle brackets after one is taken for an id.
    """
    out = []
    for m in _EMAIL_IN_TEXT.finditer(text):
        before = text[max(0, m.start() - 12):m.start()].lower().replace(" ", "")
        if before.endswith(_ID_LEADS) or not _email(m.group()):
            continue
        out.append(m.group())
    return out


def _text(v: str) -> bool:
    return 0 < len(v.strip()) <= 120 and any(ch.isalnum() for ch in v) and v.strip().lower() not in _EMPTY_WORDS


_EMPTY_WORDS = frozenset({"null", "none", "undefined", "unknown", "nil", "n/a", "false", "true", "0"})

VALUE_SHAPES: Mapping[str, Callable[[str], bool]] = {
    "imei": _imei,
    "imsi": _imsi,
    "digest": lambda v: bool(_DIGEST.fullmatch(v)) and _not_constant(v),
    "uuid": lambda v: bool(_UUID.fullmatch(v)) and _not_constant(v.replace("-", "")),
    "hexid": lambda v: bool(_HEXID.fullmatch(v)) and _not_constant(v),
    "mac": _mac,
    "id": lambda v: bool(_ID.fullmatch(v)) and _not_constant(v) and any(ch.isdigit() for ch in v),
    "email": _email,
    "phone": lambda v: bool(_PHONE.fullmatch(v)) and 7 <= sum(ch.isdigit() for ch in v) <= 15 and _not_constant(v),
    "lat": _coord(90),
    "lon": _coord(180),
    "latlon": _pair,
    "digits": lambda v: bool(_DIGITS.fullmatch(v)) and 1 <= len(v) <= 12 and _not_constant(v),
    "text": _text,
    "screen": lambda v: bool(_SCREEN.fullmatch(v.strip())),
}
"""Value shape name -> check; a field rule fires only when its value has the shape."""


def shape_ok(shape: str, value: str) -> bool:
    return VALUE_SHAPES[shape](value)


def normalise_key(key: str, header: bool = False) -> str:
    """``device_id`` / ``deviceId`` / ``X-Device-ID`` -> ``deviceid``."""
    lowered = key.lower()
    if header and lowered.startswith("x-"):
        lowered = lowered[2:]
    return _NON_KEY.sub("", lowered)


@dataclass(frozen=True, slots=True)
class FieldRule:
    rule_id: str
    label: str
    data_category: str
    shape: str
    keys: frozenset[str]
    suffixes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Activity:
    """How one kind of user activity shows in a request's structure."""

    rule_id: str
    label: str
    data_category: str
    keys: frozenset[str]
    path_keys: frozenset[str] = frozenset()
    path_tokens: frozenset[str] = frozenset()
    action_keys: frozenset[str] = frozenset()
    action_values: frozenset[str] = frozenset()
    leaf_keys: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class TrafficKeys:
    fields: tuple[FieldRule, ...]
    search: Activity
    like: Activity
    comment: Activity
    browsing: Activity
    upload_rule: str
    large_body: int
    """A write with a body at least this big is an upload whatever its type."""
    upload_types: tuple[tuple[str, str], ...]
    """Content-type prefix -> category."""
    upload_extensions: Mapping[str, str]
    upload_default: str
    sha256: str

    def field_rule(self, key: str) -> FieldRule | None:
        """The rule for a normalised key: exact names first, then suffixes."""
        for rule in self.fields:
            if key in rule.keys:
                return rule
        for rule in self.fields:
            if any(key.endswith(s) for s in rule.suffixes):
                return rule
        return None


def _names(doc: Mapping[str, Any], name: str) -> frozenset[str]:
    values = doc.get(name, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v == normalise_key(v) for v in values):
        raise DatatrailError(f"{_FILE}: {name!r} must be a list of normalised names")
    return frozenset(values)


def _activity(doc: Mapping[str, Any]) -> Activity:
    try:
        return Activity(str(doc["rule"]), str(doc["label"]), str(doc["category"]), _names(doc, "keys"),
                        _names(doc, "path_keys"), _names(doc, "path_tokens"), _names(doc, "action_keys"),
                        _names(doc, "action_values"), _names(doc, "leaf_keys"))
    except KeyError as exc:
        raise DatatrailError(f"{_FILE}: activity lacks {exc.args[0]!r}") from exc


@functools.cache
def traffic_keys() -> TrafficKeys:
    data = read_data_file(_FILE, "traffic keys")
    doc = data.doc
    try:
        fields = tuple(
            FieldRule(str(f["rule"]), str(f["label"]), str(f["category"]), str(f["value"]),
                      _names(f, "keys"), tuple(sorted(_names(f, "suffixes"))))
            for f in doc["fields"]
        )
        acts = doc["activities"]
        upload = acts["upload"]
        result = TrafficKeys(
            fields, _activity(acts["search"]), _activity(acts["like"]), _activity(acts["comment"]),
            _activity(acts["browsing"]), str(upload["rule"]), int(upload["large_body"]),
            tuple((str(k), str(v)) for k, v in upload["categories"].items()),
            {str(k): str(v) for k, v in upload["extensions"].items()}, str(upload["default_category"]),
            data.sha256,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DatatrailError(f"{_FILE} is malformed: {exc}") from exc
    for rule in fields:
        if rule.shape not in VALUE_SHAPES:
            raise DatatrailError(f"{_FILE}: unknown value shape {rule.shape!r} for {rule.label}")
    return result
