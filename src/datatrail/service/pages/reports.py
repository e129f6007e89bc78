"""The stored reports pages show, rebuilt into the report model and kept for a while: an app page,
its card and its diffs read the same few versions again and again."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from datatrail.model.report import Report
from datatrail.report.load import report_from_dict
from datatrail.service.errors import ApiError
from datatrail.store import Store
from datatrail.store.queries import app_versions, version_report

__all__ = ["AppVersions", "ReportCache", "find_app"]


@dataclass(frozen=True)
class AppVersions:
    package: str
    platform: str
    label: str | None
    versions: list[dict[str, Any]]
    """Newest first, as ``app_versions`` gives them."""

    def version(self, version_id: int | None) -> dict[str, Any] | None:
        if version_id is None:
            return self.versions[0] if self.versions else None
        return next((v for v in self.versions if v["id"] == version_id), None)

    def one(self, version_id: int | None) -> dict[str, Any]:
        """The version ``version_id`` (default: the newest); 404 when it is not one of this app's."""
        version = self.version(version_id)
        if version is None:
            raise ApiError(404, f"version {version_id} is not a version of {self.package}")
        return version

    def pair(self, from_id: int | None, to_id: int | None) -> tuple[dict[str, Any], dict[str, Any]]:
        """The two versions a diff compares: ``to`` (default: the newest) and ``from`` (default: the
        version before it); 409 when there is none before, 404 for an id not of this app."""
        new = self.one(to_id)
        if from_id is None:
            from_id = next((v["id"] for v in self.versions if v["id"] < new["id"]), None)
            if from_id is None:
                raise ApiError(409, f"{self.package} has no version before {new['id']}: nothing to compare")
        return self.one(from_id), new


def find_app(store: Store, package: str, platform: str | None = None) -> AppVersions:
    """The app with this package (on ``platform``, or the first platform that has it); 404 without one."""
    with store.begin() as conn:
        found = app_versions(conn, package, platform)
    if not found or not found[0]["versions"]:
        raise ApiError(404, f"no app {package!r} has been screened here")
    a = found[0]
    return AppVersions(a["package"], a["platform"], a["label"], a["versions"])


class ReportCache:
    """The last ``size`` reports read, by version id and scan time (a rescan is another entry)."""

    def __init__(self, store: Store, size: int = 32) -> None:
        self.store = store
        self.size = size
        self._items: OrderedDict[tuple[int, float], Report] = OrderedDict()
        self._lock = threading.Lock()

    def report(self, version: dict[str, Any]) -> Report:
        """``get``, with a 404 when the version has no report."""
        report = self.get(version)
        if report is None:
            raise ApiError(404, f"version {version['id']} has no report")
        return report

    def get(self, version: dict[str, Any]) -> Report | None:
        key = (int(version["id"]), float(version["scanned_at"]))
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        with self.store.begin() as conn:
            body = version_report(conn, key[0])
        if body is None:
            return None
        report = report_from_dict(json.loads(body))
        with self._lock:
            self._items[key] = report
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return report
