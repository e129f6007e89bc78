"""Every offline dataset a scan used, with version, source, license and sha256: the ones datatrail
ships, then the data packs the user installed (each with its own licence)."""

from __future__ import annotations

from functools import cache

from datatrail.formats.android import attrs as android_attrs
from datatrail.knowledge import api_access, packs, sdks
from datatrail.knowledge.geo import attribution_dataset_info
from datatrail.knowledge.permissions import dataset_info
from datatrail.model.report import DatasetRef

__all__ = ["dataset_refs"]


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
