"""The iOS privacy vocabulary (knowledge/data/ios_usage_keys.json), read once.

Maps Info.plist usage-description keys and privacy-manifest data types onto
the data categories the Android side uses, says which data categories SDKs of
a kind collect by nature, and which names in a binary show use of each
required-reason API category.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from datatrail.errors import DatatrailError
from datatrail.knowledge.datafile import read_data_file
from datatrail.model.report import DatasetRef

__all__ = ["UsageKey", "IosKnowledge", "ios_knowledge", "ios_dataset_ref"]

_FILE = "ios_usage_keys.json"


@dataclass(frozen=True, slots=True)
class UsageKey:
    categories: tuple[str, ...]
    group: str
    access: str


@dataclass(frozen=True, slots=True)
class IosKnowledge:
    usage_keys: dict[str, UsageKey]
    data_types: dict[str, str | None]
    sdk_category_data: dict[str, tuple[str, ...]]
    required_reason_apis: dict[str, tuple[str, ...]]
    ref: DatasetRef


def _build(doc: dict[str, Any], meta: dict[str, str]) -> IosKnowledge:
    usage = {
        str(k): UsageKey(tuple(str(c) for c in v["categories"]), str(v["group"]), str(v["access"]))
        for k, v in doc["usage_keys"].items()
    }
    types = {str(k): (None if v is None else str(v)) for k, v in doc["privacy_data_types"].items()}
    sdk = {str(k): tuple(str(c) for c in v) for k, v in doc["sdk_category_data"].items()}
    apis = {str(k): tuple(str(n) for n in v) for k, v in doc["required_reason_apis"].items()}
    return IosKnowledge(usage, types, sdk, apis, DatasetRef(**meta))


@functools.cache
def ios_knowledge() -> IosKnowledge:
    data = read_data_file(_FILE, "iOS privacy knowledge")
    try:
        return _build(data.doc, data.meta())
    except (KeyError, TypeError, AttributeError) as exc:
        raise DatatrailError(f"knowledge file {_FILE} is malformed") from exc


def ios_dataset_ref() -> DatasetRef:
    return ios_knowledge().ref
