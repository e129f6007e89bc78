"""Every offline dataset a scan used, with version, source, license and sha256: the ones datatrail
ships, then the data packs the user installed (each with its own licence)."""

from __future__ import annotations

import hashlib
from functools import cache

from datatrail.formats.android import attrs as android_attrs
from datatrail.knowledge import api_access, packs, sdks
from datatrail.knowledge.geo import attribution_dataset_info
from datatrail.knowledge.ios_usage import ios_dataset_ref
from datatrail.knowledge.permissions import dataset_info
from datatrail.model.report import DatasetRef
from datatrail.version import __version__

__all__ = ["dataset_refs", "scan_key"]


def dataset_refs() -> tuple[DatasetRef, ...]:
    return _shipped() + tuple(
        DatasetRef(name=p.name, version=p.installed, source=p.source, license=p.license, sha256=p.sha256, date=p.installed)
        for p in packs.installed_packs())


@cache
def _shipped() -> tuple[DatasetRef, ...]:
    refs = [
        DatasetRef(
            name=d["name"], version=d.get("version", ""), source=d.get("source", ""),
            license=d.get("license", ""), sha256=d.get("sha256", ""), date=d.get("date", ""),
        )
        for d in dataset_info()
    ]
    refs.append(DatasetRef(**android_attrs.dataset_info()))
    extra = [*sdks.dataset_info(), api_access.dataset_info(), *attribution_dataset_info()]
    seen = {r.name for r in refs}
    for d in extra:
        if d["name"] not in seen:
            seen.add(d["name"])
            refs.append(DatasetRef(**{k: d.get(k, "") for k in ("name", "version", "source", "license", "sha256", "date")}))
    return tuple(refs)


def scan_key() -> str:
    """This tool's version and the digests of every dataset it reads (the data packs installed
    too): what makes two reports of the same bytes the same. Stored with each report a corpus
    scan or the service records, so a rerun can tell what it need not scan again."""
    parts = [__version__, *sorted(f"{r.name}={r.sha256}" for r in (*dataset_refs(), ios_dataset_ref()))]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
