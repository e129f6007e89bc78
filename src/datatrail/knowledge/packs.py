"""Optional data packs: third-party datasets a user has obtained themselves, installed into
their own data directory and off until then. Nothing of them ships with datatrail.

The first format is Ghostery's TrackerDB (the npm package ``@ghostery/trackerdb``, file
``dist/trackerdb.json``: ``organizations``, ``patterns`` with their ``domains``), licensed
CC BY-NC-SA 4.0, which is why it cannot be bundled. ``datatrail data add FILE`` shows the
licence, checks the file, and writes a normalised copy (``table.json``: domain -> organisation,
country, tracker name and category) with its metadata (``pack.json``: name, format, licence,
sha256 of the file given, install date) under ``$DATATRAIL_DATA_DIR/packs/NAME/`` (default
``$XDG_DATA_HOME/datatrail``, else ``~/.local/share/datatrail``).

A pack only answers where datatrail's own table is silent (``knowledge.orgs`` wins), every fact
taken from it names the pack, and every report lists the installed packs with their licences
among its datasets.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, NamedTuple

from datatrail.errors import DatatrailError
from datatrail.knowledge import geo, orgs

__all__ = [
    "PackFile", "PackInfo", "PackMatch", "PackError", "data_dir", "read_pack_file", "licence_of", "install", "remove",
    "installed_packs", "match_domain", "reset",
]

DATA_DIR_ENV: Final = "DATATRAIL_DATA_DIR"
TRACKERDB: Final = "ghostery-trackerdb"
_LICENCES: Final = {
    TRACKERDB: "CC BY-NC-SA 4.0 (Ghostery TrackerDB, https://github.com/ghostery/trackerdb): non-commercial use only, "
               "share alike, attribution to Ghostery",
}
_SOURCES: Final = {TRACKERDB: "Ghostery TrackerDB (npm @ghostery/trackerdb, dist/trackerdb.json)"}
_NAME: Final = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
_MAX_FILE: Final = 256 << 20
"""Largest pack file read (TrackerDB is about 5 MB)."""
_MAX_DOMAINS: Final = 2_000_000


class PackError(DatatrailError):
    """A pack file that is not one, or a pack directory that cannot be written or read."""


class PackInfo(NamedTuple):
    name: str
    format: str
    license: str
    source: str
    sha256: str
    """Of the file the user installed."""
    installed: str
    """ISO date of the install."""
    organisations: int
    domains: int
    path: Path


class PackFile(NamedTuple):
    """A dataset file read and checked, ready to install (its licence to show first)."""

    path: Path
    format: str
    table: dict[str, Any]
    """The normalised table: organisations and domains."""
    sha256: str


class PackMatch(NamedTuple):
    host: str
    matched: str
    organisation: orgs.Organisation
    tracker: str | None
    """The pack's name for what runs on the domain (a TrackerDB pattern: "Google Analytics")."""
    category: str | None
    pack: PackInfo


def data_dir() -> Path:
    """The user's datatrail data directory: ``$DATATRAIL_DATA_DIR``, else
    ``$XDG_DATA_HOME/datatrail``, else ``~/.local/share/datatrail``."""
    explicit = os.environ.get(DATA_DIR_ENV)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "datatrail"


def _packs_dir() -> Path:
    return data_dir() / "packs"


def _trackerdb(doc: Mapping[str, Any]) -> dict[str, Any]:
    """TrackerDB's export -> datatrail's normalised table; PackError when it is not one."""
    raw_orgs, patterns = doc.get("organizations"), doc.get("patterns")
    if not isinstance(raw_orgs, dict) or not isinstance(patterns, dict):
        raise PackError("not a TrackerDB export: it has no 'organizations' and 'patterns' objects")
    organisations: dict[str, dict[str, str | None]] = {}
    for org_id, raw in raw_orgs.items():
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not str(org_id):
            raise PackError(f"organization {str(org_id)[:60]!r} has no name")
        country = raw.get("country")
        code = country.strip().upper() if isinstance(country, str) else None
        organisations[str(org_id)] = {"name": raw["name"].strip()[:200], "country": code if code and geo.is_country_code(code) else None}
    domains: dict[str, dict[str, str | None]] = {}
    for pattern_id, raw in patterns.items():
        if not isinstance(raw, dict):
            raise PackError(f"pattern {str(pattern_id)[:60]!r} is not an object")
        org = raw.get("organization")
        if not isinstance(org, str) or org not in organisations:
            continue  # a tracker of no known organisation says nothing about an owner
        listed = raw.get("domains") or []
        if not isinstance(listed, list):
            raise PackError(f"pattern {str(pattern_id)[:60]!r}: 'domains' is not a list")
        for entry in listed:
            host = orgs.normalise_host(entry) if isinstance(entry, str) else None
            if host is None or orgs.registrable_domain(host) is None:
                continue  # a pattern, a path or a public suffix: no domain to own
            domains.setdefault(host, {
                "org": org, "tracker": str(raw.get("name") or "")[:200] or None, "category": str(raw.get("category") or "")[:60] or None,
            })
            if len(domains) > _MAX_DOMAINS:
                raise PackError(f"more than {_MAX_DOMAINS} domains")
    if not domains:
        raise PackError("the TrackerDB export names no domain of a known organization")
    used = {d["org"] for d in domains.values()}
    return {"organisations": {k: v for k, v in organisations.items() if k in used}, "domains": domains}


def read_pack_file(path: Path) -> PackFile:
    """The dataset file read, checked and normalised; PackError when it is none datatrail reads."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise PackError(f"{path}: not a regular file")
        if size > _MAX_FILE:
            raise PackError(f"{path}: {size} bytes, larger than the {_MAX_FILE >> 20} MiB a pack may be")
        data = path.read_bytes()
    except OSError as exc:
        raise PackError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise PackError(f"{path}: not JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise PackError(f"{path}: not a dataset datatrail knows (a JSON object is expected)")
    if "organizations" in doc and "patterns" in doc:
        try:
            return PackFile(path, TRACKERDB, _trackerdb(doc), hashlib.sha256(data).hexdigest())
        except PackError as exc:
            raise PackError(f"{path}: {exc}") from exc
    raise PackError(f"{path}: not a dataset datatrail knows; it reads Ghostery's TrackerDB (dist/trackerdb.json)")


def licence_of(fmt: str) -> str:
    """The licence a pack of that format comes under, shown before it is installed."""
    return _LICENCES[fmt]


def install(source: Path | PackFile, name: str | None = None) -> PackInfo:
    """Install a dataset file (a path, or one :func:`read_pack_file` has read already) as the pack
    ``name`` (default: its format's name), replacing one of that name. PackError when the file is
    not a dataset datatrail reads, or the data directory cannot be written."""
    import datetime
    import shutil
    import tempfile

    pack = source if isinstance(source, PackFile) else read_pack_file(source)
    path, fmt, table, sha256 = pack
    name = name or fmt
    if not _NAME.match(name):
        raise PackError(f"{name!r} is not a pack name (lowercase letters, digits, '.', '_' and '-')")
    meta = {
        "name": name, "format": fmt, "license": _LICENCES[fmt], "source": f"{_SOURCES[fmt]}; file {path.name}",
        "sha256": sha256, "installed": datetime.date.today().isoformat(),
        "organisations": len(table["organisations"]), "domains": len(table["domains"]),
    }
    home = _packs_dir()
    try:
        home.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=home))
        (staging / "table.json").write_text(json.dumps(table, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        (staging / "pack.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        target = home / name
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except OSError as exc:
        raise PackError(f"cannot install into {home}: {exc.strerror or exc}") from exc
    reset()
    return _info(meta, target)


def remove(name: str) -> bool:
    """Remove the pack ``name`` (a damaged one too); False when there is none."""
    import shutil

    target = _packs_dir() / name
    if not _NAME.match(name) or not target.is_dir():
        return False
    try:
        shutil.rmtree(target)
    except OSError as exc:
        raise PackError(f"cannot remove {target}: {exc.strerror or exc}") from exc
    reset()
    return True


def _info(meta: Mapping[str, Any], path: Path) -> PackInfo:
    return PackInfo(str(meta["name"]), str(meta["format"]), str(meta["license"]), str(meta["source"]), str(meta["sha256"]),
                    str(meta["installed"]), int(meta["organisations"]), int(meta["domains"]), path)


class _Pack(NamedTuple):
    info: PackInfo
    organisations: Mapping[str, orgs.Organisation]
    domains: Mapping[str, tuple[str, str | None, str | None]]


@functools.cache
def _loaded(home: Path) -> tuple[_Pack, ...]:
    if not home.is_dir():
        return ()
    out: list[_Pack] = []
    for folder in sorted(p for p in home.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            meta = json.loads((folder / "pack.json").read_text(encoding="utf-8"))
            table = json.loads((folder / "table.json").read_text(encoding="utf-8"))
            info = _info(meta, folder)
            organisations = {
                org_id: orgs.Organisation(
                    id=f"{info.name}:{org_id}", name=str(raw["name"]), country=raw.get("country"), parent=None, operations=(),
                    source=f"the {info.name} data pack ({info.license})",
                    note=f"named by the {info.name} data pack, which datatrail does not check",
                )
                for org_id, raw in table["organisations"].items()
            }
            domains = {host: (str(d["org"]), d.get("tracker"), d.get("category")) for host, d in table["domains"].items()
                       if d.get("org") in organisations}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PackError(f"the data pack in {folder} is damaged ({exc}); remove it with: datatrail data remove {folder.name}") from exc
        out.append(_Pack(info, organisations, domains))
    return tuple(out)


def installed_packs() -> list[PackInfo]:
    """The packs installed in the user's data directory, by name."""
    return [p.info for p in _loaded(_packs_dir())]


def match_domain(host: str) -> PackMatch | None:
    """What an installed pack says runs a normalised host, matched from its longest suffix down
    to the registrable domain, packs in name order; None when none knows it."""
    packs = _loaded(_packs_dir())
    if not packs:
        return None
    base = orgs.registrable_domain(host)
    if base is None:
        return None
    labels = host.split(".")
    floor = len(labels) - base.count(".") - 1
    for i in range(floor + 1):
        suffix = ".".join(labels[i:])
        for pack in packs:
            hit = pack.domains.get(suffix)
            if hit is not None:
                return PackMatch(host, suffix, pack.organisations[hit[0]], hit[1], hit[2], pack.info)
    return None


def reset() -> None:
    """Forget the loaded packs (after an install or a removal, or a change of data directory)."""
    _loaded.cache_clear()
