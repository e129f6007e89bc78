"""Every offline dataset a scan used, with version, source, license and sha256."""

from __future__ import annotations

import hashlib
import json
from functools import cache

from datatrail.knowledge.datafile import data_path
from datatrail.knowledge import api_access, sdks
from datatrail.knowledge.geo import attribution_dataset_info
from datatrail.knowledge.permissions import dataset_info
from datatrail.model.report import DatasetRef

__all__ = ["dataset_refs"]


@cache
def _attrs_ref() -> DatasetRef:
    raw = data_path("android_attrs.json").read_bytes()
    doc = json.loads(raw)
    return DatasetRef(
        name="android-attrs",
        version=str(doc["format"]),
        source=doc["source"],
        license=doc["license"],
        sha256=hashlib.sha256(raw).hexdigest(),
    )


@cache
def dataset_refs() -> tuple[DatasetRef, ...]:
    refs = [
        DatasetRef(
            name=d["name"], version=d.get("version", ""), source=d.get("source", ""),
            license=d.get("license", ""), sha256=d.get("sha256", ""), date=d.get("date", ""),
        )
        for d in dataset_info()
    ]
    refs.append(_attrs_ref())
    extra = [*sdks.dataset_info(), api_access.dataset_info(), *attribution_dataset_info()]
    seen = {r.name for r in refs}
    for d in extra:
        if d["name"] not in seen:
            seen.add(d["name"])
            refs.append(DatasetRef(**{k: d.get(k, "") for k in ("name", "version", "source", "license", "sha256", "date")}))
    return tuple(refs)
