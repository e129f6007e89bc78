"""Offline knowledge: which Android/SDK APIs read which personal data.

``api_data_access.json`` (hand-curated from the Android API reference) maps a
privacy-relevant API - a method, a static field, or a base class whose
subclasses receive data - to a short label of the data it returns, the
Google Play Data safety categories of that data and the permission the
platform checks. Some APIs mean nothing alone (``ContentResolver.query``
reads any provider); their *refinements* name the string constants, field
reads or calls that, used in the same class, say which data they read.

Read once, on first use, and validated: a malformed file is a
:class:`~datatrail.errors.DatatrailError`, never a silent partial table.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

from datatrail.errors import DatatrailError
from datatrail.knowledge.datafile import read_data_file

__all__ = [
    "ApiAccessTable",
    "ApiEntry",
    "DataUse",
    "Refinement",
    "api_access",
    "class_descriptor",
    "dataset_info",
]

_FILE = "api_data_access.json"
_SUPPORTED_FORMAT = 1
_KINDS = ("method", "field", "extends")

ApiKind = Literal["method", "field", "extends"]


def class_descriptor(dotted: str) -> str:
    """``android.provider.Settings$Secure`` -> ``Landroid/provider/Settings$Secure;``."""
    return "L" + dotted.replace(".", "/") + ";"


class DataUse(NamedTuple):
    """What using an API means for personal data."""

    data: str
    """Short label: "IMEI/MEID", "advertising ID", "contacts", "sends SMS"."""
    categories: tuple[str, ...]
    """Google Play Data safety categories of the data (empty when none fits)."""
    permission: str | None
    """Main permission the platform checks, if any."""
    reads: bool
    """False for APIs that act (send an SMS) rather than read."""
    note: str | None
    """API-level changes and caveats, from the API reference."""


class Refinement(NamedTuple):
    """Evidence that narrows a generic API to specific data, used in the same class."""

    use: DataUse
    strings: tuple[str, ...]
    """String constants equal to one of these."""
    string_prefixes: tuple[str, ...]
    """String constants starting with one of these (content URIs)."""
    fields: tuple[tuple[str, str], ...]
    """Reads of these static fields: (dotted class, field name)."""
    methods: tuple[tuple[str, str], ...]
    """Calls to these methods: (dotted class, method name)."""


class ApiEntry(NamedTuple):
    """One curated API."""

    kind: ApiKind
    class_name: str
    """Binary class name, dotted, nested classes with ``$``."""
    member: str | None
    """Method or field name; None for kind "extends"."""
    use: DataUse | None
    """None when only a refinement gives the API a meaning."""
    refinements: tuple[Refinement, ...]

    @property
    def api(self) -> str:
        """``android.telephony.TelephonyManager.getDeviceId`` (class alone for "extends")."""
        return self.class_name if self.member is None else f"{self.class_name}.{self.member}"

    @property
    def descriptor(self) -> str:
        return class_descriptor(self.class_name)


class ApiAccessTable(NamedTuple):
    entries: tuple[ApiEntry, ...]
    meta: Mapping[str, str]

    def of_kind(self, kind: ApiKind) -> tuple[ApiEntry, ...]:
        return tuple(e for e in self.entries if e.kind == kind)


def _str_tuple(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DatatrailError(f"{_FILE}: {what} must be a list of non-empty strings")
    return tuple(value)


def _member_pairs(value: Any, what: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for text in _str_tuple(value, what):
        cls, sep, member = text.rpartition(".")
        if not sep or not cls or not member:
            raise DatatrailError(f"{_FILE}: {what} entry {text!r} is not class.member")
        out.append((cls, member))
    return tuple(out)


def _use(doc: Mapping[str, Any], where: str) -> DataUse:
    data = doc.get("data")
    permission = doc.get("permission")
    note = doc.get("note")
    reads = doc.get("reads", True)
    if not isinstance(data, str) or not data:
        raise DatatrailError(f"{_FILE}: {where}: data must be a non-empty string")
    if permission is not None and not (isinstance(permission, str) and permission):
        raise DatatrailError(f"{_FILE}: {where}: permission must be a string or null")
    if note is not None and not isinstance(note, str):
        raise DatatrailError(f"{_FILE}: {where}: note must be a string")
    if not isinstance(reads, bool):
        raise DatatrailError(f"{_FILE}: {where}: reads must be a boolean")
    return DataUse(
        data=data,
        categories=_str_tuple(doc.get("categories", []), f"{where}: categories"),
        permission=permission,
        reads=reads,
        note=note,
    )


def _refinement(doc: Mapping[str, Any], where: str) -> Refinement:
    ref = Refinement(
        use=_use(doc, where),
        strings=_str_tuple(doc.get("strings", []), f"{where}: strings"),
        string_prefixes=_str_tuple(doc.get("string_prefixes", []), f"{where}: string_prefixes"),
        fields=_member_pairs(doc.get("fields", []), f"{where}: fields"),
        methods=_member_pairs(doc.get("methods", []), f"{where}: methods"),
    )
    if not (ref.strings or ref.string_prefixes or ref.fields or ref.methods):
        raise DatatrailError(f"{_FILE}: {where}: a refinement needs strings, prefixes, fields or methods")
    return ref


def _entry(doc: Mapping[str, Any], groups: Mapping[str, tuple[Refinement, ...]], pos: int) -> ApiEntry:
    where = f"apis[{pos}]"
    kind = doc.get("kind")
    cls = doc.get("class")
    member = doc.get("member")
    if kind not in _KINDS:
        raise DatatrailError(f"{_FILE}: {where}: kind must be one of {_KINDS}")
    if not isinstance(cls, str) or not cls or "/" in cls or cls.startswith("L"):
        raise DatatrailError(f"{_FILE}: {where}: class must be a dotted binary name")
    if kind == "extends":
        if member is not None:
            raise DatatrailError(f"{_FILE}: {where}: an extends entry has no member")
    elif not isinstance(member, str) or not member:
        raise DatatrailError(f"{_FILE}: {where}: member must be a non-empty string")
    refine = doc.get("refine")
    if refine is not None and refine not in groups:
        raise DatatrailError(f"{_FILE}: {where}: unknown refinement group {refine!r}")
    refinements = groups[refine] if refine is not None else ()
    use = None if doc.get("data") is None else _use(doc, where)
    if use is None and not refinements:
        raise DatatrailError(f"{_FILE}: {where}: data is null but nothing refines it")
    return ApiEntry(kind=kind, class_name=cls, member=member, use=use, refinements=refinements)


@functools.cache
def _load() -> ApiAccessTable:
    data = read_data_file(_FILE, "API access knowledge", _SUPPORTED_FORMAT)
    doc = data.doc
    try:
        groups_doc = doc.get("refinements", {})
        groups = {
            str(name): tuple(_refinement(r, f"refinements.{name}[{i}]") for i, r in enumerate(items))
            for name, items in groups_doc.items()
        }
        apis: Sequence[Mapping[str, Any]] = doc["apis"]
        entries = tuple(_entry(e, groups, i) for i, e in enumerate(apis))
        meta = data.meta()
    except (KeyError, TypeError, AttributeError) as exc:
        raise DatatrailError(f"knowledge file {_FILE} is malformed") from exc
    keys = [(e.kind, e.class_name, e.member) for e in entries]
    if len(set(keys)) != len(keys):
        raise DatatrailError(f"knowledge file {_FILE} lists an API twice")
    return ApiAccessTable(entries=entries, meta=meta)


def api_access() -> ApiAccessTable:
    """The curated API table (read and validated once)."""
    return _load()


def dataset_info() -> dict[str, str]:
    """Name, version, source, license, date and sha256 of the dataset."""
    return dict(_load().meta)
