"""Values the user knows about their own device (``--known``) and every form they may travel in.

``parse_known("email=a@b.example,imei=356938035643809,lat=51.5074,lon=-0.1278")``
validates each value and expands it into the forms apps and SDKs really send:
the value as given and normalised (a phone number in E.164, with ``00`` and
national forms; a MAC address with and without separators; an advertising ID
with and without dashes), in lower, upper and given case, each plain,
URL-encoded, base64 (standard and URL-safe alphabets, with and without
padding), hex, and as MD5, SHA-1 and SHA-256 hex digests. Hex and digests match
in any letter case; base64 is case-sensitive by nature, so each case variant
is encoded separately.

A match must stand alone: a letter or digit right before or after it means
the needle is only part of a longer token (an IMEI inside a longer number, an
email at the end of a longer address).

Coordinates are numbers, not strings: a number in the text matches a known
latitude or longitude when both agree, rounded or truncated, at the precision
the less precise of them has, capped at four decimals (about 11 m) and never
below three (about 110 m); ``51.51`` is too coarse to say anything.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import quote, quote_plus

__all__ = ["KINDS", "KnownValue", "KnownMatch", "KnownValues", "parse_known", "coordinate_matches"]

_DEVICE_IDS = "Device or other IDs"
_PERSONAL = "Personal info"
_LOCATION = "Location"

KINDS: dict[str, tuple[str, str]] = {
    "email": ("email", _PERSONAL),
    "phone": ("phone number", _PERSONAL),
    "name": ("name", _PERSONAL),
    "imei": ("IMEI", _DEVICE_IDS),
    "imsi": ("IMSI", _DEVICE_IDS),
    "adid": ("advertising ID", _DEVICE_IDS),
    "gaid": ("advertising ID", _DEVICE_IDS),
    "aaid": ("advertising ID", _DEVICE_IDS),
    "idfa": ("advertising ID", _DEVICE_IDS),
    "oaid": ("OAID", _DEVICE_IDS),
    "android_id": ("Android ID", _DEVICE_IDS),
    "mac": ("MAC address", _DEVICE_IDS),
    "serial": ("device serial", _DEVICE_IDS),
    "lat": ("latitude", _LOCATION),
    "lon": ("longitude", _LOCATION),
}
"""Accepted ``--known`` keys: label and Google Play Data safety category of each."""

_COORD_MIN_DECIMALS = 3
_COORD_MAX_DECIMALS = 4

_EMAIL = re.compile(r"[^@\s,]+@[^@\s,]+\.[A-Za-z0-9-]{2,}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")
_HEX = re.compile(r"[0-9a-fA-F]{8,16}")
_MAC = re.compile(r"[0-9a-fA-F]{2}([:-]?)(?:[0-9a-fA-F]{2}\1){4}[0-9a-fA-F]{2}")
_TOKEN = re.compile(r"[0-9A-Za-z._:-]{4,128}")
_NUMBER = re.compile(r"-?\d{1,3}\.\d+")
_PHONE_CHARS = re.compile(r"\+?[0-9 ().-]+")
_TEXT_NUMBER = re.compile(r"(?<![\w.\-])-?\d{1,3}\.\d+(?![\w.])")

# ITU-T E.164 country calling codes that are one or two digits long; all others have three.
_CC1 = frozenset({"1", "7"})
_CC2 = frozenset("20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 "
                 "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98".split())


@dataclass(frozen=True, slots=True)
class KnownValue:
    kind: str
    """The ``--known`` key: ``email``, ``imei``, ``lat``..."""
    value: str
    """As the user gave it."""
    label: str
    data_category: str
    forms: tuple[str, ...]
    """The value normalised in the ways it is commonly written (before case and encoding)."""

    @property
    def is_coordinate(self) -> bool:
        return self.kind in ("lat", "lon")


@dataclass(frozen=True, slots=True)
class KnownMatch:
    value: KnownValue
    encoding: str
    start: int
    end: int
    text: str


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def _phone_forms(value: str) -> tuple[str, ...]:
    digits = _digits(value)
    forms = [value, digits]
    if value.lstrip().startswith(("+", "00")):
        e164 = digits[2:] if value.lstrip().startswith("00") else digits
        cc_len = 1 if e164[:1] in _CC1 else 2 if e164[:2] in _CC2 else 3
        national = e164[cc_len:]
        forms += ["+" + e164, e164, "00" + e164, national]
        if e164[:1] != "1":
            forms.append("0" + national)
    return tuple(dict.fromkeys(forms))


def _mac_forms(value: str) -> tuple[str, ...]:
    bare = re.sub(r"[:-]", "", value)
    pairs = [bare[i:i + 2] for i in range(0, 12, 2)]
    return tuple(dict.fromkeys([value, ":".join(pairs), "-".join(pairs), bare]))


def _uuid_forms(value: str) -> tuple[str, ...]:
    bare = value.replace("-", "")
    dashed = f"{bare[:8]}-{bare[8:12]}-{bare[12:16]}-{bare[16:20]}-{bare[20:]}"
    return tuple(dict.fromkeys([value, dashed, bare]))


def _check(kind: str, value: str) -> tuple[str, ...]:
    """The value's forms; ValueError saying what is wrong with it."""
    if kind == "email":
        if not _EMAIL.fullmatch(value):
            raise ValueError(f"email={value!r} is not an email address like name@example.com")
        return (value,)
    if kind == "phone":
        if not _PHONE_CHARS.fullmatch(value) or not 7 <= len(_digits(value)) <= 15:
            raise ValueError(f"phone={value!r} is not a phone number (7 to 15 digits, optionally +country code)")
        return _phone_forms(value)
    if kind in ("imei", "imsi"):
        digits = _digits(value)
        if not re.fullmatch(r"[0-9 -]+", value) or not 14 <= len(digits) <= 16:
            raise ValueError(f"{kind}={value!r} is not an {kind.upper()} (14 to 16 digits)")
        return tuple(dict.fromkeys([digits, value]))
    if kind in ("adid", "gaid", "aaid", "idfa"):
        if not _UUID.fullmatch(value):
            raise ValueError(f"{kind}={value!r} is not an advertising ID (a UUID like 38400000-8cf0-11bd-b23e-10b96e40000d)")
        return _uuid_forms(value)
    if kind == "android_id":
        if not _HEX.fullmatch(value):
            raise ValueError(f"android_id={value!r} is not an Android ID (8 to 16 hex digits)")
        return (value,)
    if kind == "mac":
        if not _MAC.fullmatch(value):
            raise ValueError(f"mac={value!r} is not a MAC address like 00:1a:2b:3c:4d:5e")
        return _mac_forms(value)
    if kind in ("lat", "lon"):
        if not _NUMBER.fullmatch(value):
            raise ValueError(f"{kind}={value!r} is not a decimal number like 51.5074")
        limit = 90 if kind == "lat" else 180
        if abs(Decimal(value)) > limit:
            raise ValueError(f"{kind}={value} is out of range (±{limit})")
        if _decimals(value) < _COORD_MIN_DECIMALS:
            raise ValueError(f"{kind}={value} needs at least {_COORD_MIN_DECIMALS} decimals to be recognised reliably")
        return (value,)
    if kind == "name":
        if len(value.strip()) < 3:
            raise ValueError(f"name={value!r} is too short to search for (3 characters at least)")
        return (value.strip(),)
    if not _TOKEN.fullmatch(value):
        raise ValueError(f"{kind}={value!r} is not an identifier (4 to 128 letters, digits or ._:-)")
    return (value,)


def _decimals(number: str) -> int:
    return len(number.partition(".")[2])


def parse_known(spec: str) -> KnownValues:
    """Parse ``key=value,key=value``; a key may repeat. ValueError with a clear message when invalid."""
    values: list[KnownValue] = []
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or not key:
            raise ValueError(f"--known item {item!r} is not key=value")
        if key not in KINDS:
            raise ValueError(f"--known key {key!r} is not one of: {', '.join(KINDS)}")
        if not value:
            raise ValueError(f"--known {key}= has no value")
        label, category = KINDS[key]
        values.append(KnownValue(key, value, label, category, _check(key, value)))
    if not values:
        raise ValueError("--known needs at least one key=value")
    return KnownValues(tuple(values))


def _b64_forms(raw: bytes) -> Iterator[tuple[str, str]]:
    std = base64.b64encode(raw).decode()
    url = base64.urlsafe_b64encode(raw).decode()
    yield "base64", std
    yield "base64", std.rstrip("=")
    if url != std:
        yield "base64url", url
        yield "base64url", url.rstrip("=")


def _encodings(text: str) -> Iterator[tuple[str, str, bool]]:
    """(encoding, needle, case_sensitive) for one case variant of one form."""
    raw = text.encode()
    yield "plain", text, False
    for encoded in (quote(text, safe=""), quote_plus(text, safe="")):
        if encoded != text:
            yield "url", encoded, False
    for encoding, needle in _b64_forms(raw):
        yield encoding, needle, True
    yield "hex", raw.hex(), False
    yield "md5", hashlib.md5(raw).hexdigest(), False
    yield "sha1", hashlib.sha1(raw).hexdigest(), False
    yield "sha256", hashlib.sha256(raw).hexdigest(), False


def _alternation(needles: dict[str, tuple[KnownValue, str]], flags: int = 0) -> re.Pattern[str] | None:
    if not needles:
        return None
    return re.compile("|".join(re.escape(n) for n in sorted(needles, key=lambda n: (-len(n), n))), flags)


def _alnum(text: str, index: int) -> bool:
    return 0 <= index < len(text) and text[index].isascii() and text[index].isalnum()


def _standalone(pattern: re.Pattern[str], haystack: str) -> Iterator[re.Match[str]]:
    """Matches not glued to a letter or digit on either side (checked here: lookarounds make re slow)."""
    pos = 0
    while (m := pattern.search(haystack, pos)) is not None:
        start, end = m.span()
        if _alnum(haystack, start - 1) or _alnum(haystack, end):
            pos = start + 1
            continue
        yield m
        pos = end


@dataclass(frozen=True, slots=True)
class KnownValues:
    """The parsed ``--known`` values, compiled for searching text."""

    values: tuple[KnownValue, ...]
    _folded: dict[str, tuple[KnownValue, str]] = field(init=False, repr=False, compare=False)
    _exact: dict[str, tuple[KnownValue, str]] = field(init=False, repr=False, compare=False)
    _folded_re: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _folded_ci_re: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _exact_re: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _coords: tuple[KnownValue, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        folded: dict[str, tuple[KnownValue, str]] = {}
        exact: dict[str, tuple[KnownValue, str]] = {}
        coords: list[KnownValue] = []
        for value in self.values:
            if value.is_coordinate:
                coords.append(value)
                continue
            for form in value.forms:
                for variant in dict.fromkeys((form, form.lower(), form.upper())):
                    for encoding, needle, case_sensitive in _encodings(variant):
                        if case_sensitive:
                            exact.setdefault(needle, (value, encoding))
                        else:
                            folded.setdefault(needle.lower(), (value, encoding))
        # A base64 needle equal (ignoring case) to a plain one is the plain one.
        exact = {n: v for n, v in exact.items() if n.lower() not in folded}
        object.__setattr__(self, "_folded", folded)
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "_folded_re", _alternation(folded))
        object.__setattr__(self, "_folded_ci_re", _alternation(folded, re.IGNORECASE))
        object.__setattr__(self, "_exact_re", _alternation(exact))
        object.__setattr__(self, "_coords", tuple(coords))

    def find(self, text: str) -> Iterator[KnownMatch]:
        """Every known value in ``text``, in any of its forms, in order of position."""
        found: list[KnownMatch] = []
        if self._folded_re is not None and self._folded_ci_re is not None:
            lowered = text.lower()
            # Lowering a few non-ASCII letters changes the length; only then is the slower search needed.
            same_length = len(lowered) == len(text)
            pattern, haystack = (self._folded_re, lowered) if same_length else (self._folded_ci_re, text)
            for m in _standalone(pattern, haystack):
                value, encoding = self._folded[m.group().lower()]
                found.append(KnownMatch(value, encoding, m.start(), m.end(), text[m.start():m.end()]))
        if self._exact_re is not None:
            for m in _standalone(self._exact_re, text):
                value, encoding = self._exact[m.group()]
                found.append(KnownMatch(value, encoding, m.start(), m.end(), m.group()))
        if self._coords:
            for m in _TEXT_NUMBER.finditer(text):
                for value in self._coords:
                    if coordinate_matches(m.group(), value.value):
                        found.append(KnownMatch(value, "plain", m.start(), m.end(), m.group()))
        found.sort(key=lambda k: (k.start, -k.end))
        return iter(found)


def coordinate_matches(number: str, known: str) -> bool:
    """Whether the decimal ``number`` is ``known`` written at some precision of 3 to 4 decimals."""
    try:
        seen, wanted = Decimal(number), Decimal(known)
    except InvalidOperation:
        return False
    places = min(_decimals(number), _decimals(known), _COORD_MAX_DECIMALS)
    if places < _COORD_MIN_DECIMALS:
        return False
    unit = Decimal(1).scaleb(-places)
    a_round, b_round = (x.quantize(unit, ROUND_HALF_UP) for x in (seen, wanted))
    a_cut, b_cut = (x.quantize(unit, ROUND_DOWN) for x in (seen, wanted))
    return a_round == b_round or a_cut == b_cut
