"""Real reports into the store, and the questions people ask of it, on both databases."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from datatrail.app.pipeline import scan_file
from datatrail.report.json import to_json
from datatrail.store import open_store
from datatrail.store.catalogue import record_report
from datatrail.store.queries import AppFilter, app_versions, list_apps, stats, version_report
from datatrail.store.store import Store
from tests.support.corpus import corpus_dir

BUGLY = "apk/bugly-demo/BuglyHotfixDemo-app-release.apk"
BLOOD = "apk/exodus-core/blooddonation.apk"


def _record(store: Store, rel: str) -> tuple[int, dict[str, Any], str]:
    path = corpus_dir() / rel
    text = to_json(scan_file(path))
    doc = json.loads(text)
    stored = store.store_file(io.BytesIO(path.read_bytes()), path.name, 1 << 30)
    store.submit(stored, path.name)
    with store.begin() as conn:
        return record_report(conn, stored.sha256, stored.size, doc, text, 1.0), doc, text


def test_reports_are_stored_as_written_and_found_by_what_they_hold(database: str, tmp_path: Path) -> None:
    store = open_store(database, tmp_path / "data")
    bugly_id, bugly, bugly_text = _record(store, BUGLY)
    blood_id, blood, _ = _record(store, BLOOD)
    with store.begin() as conn:
        assert version_report(conn, bugly_id) == bugly_text  # byte for byte what scan --format json writes

        def packages(**kw: Any) -> list[str]:
            total, items = list_apps(conn, AppFilter(**kw), 50, 0)
            assert total == len(items)
            return [i["package"] for i in items]

        both = sorted([bugly["app"]["package"], blood["app"]["package"]])
        assert packages() == both
        assert packages(sdk_vendor_country="CN") == [bugly["app"]["package"]]
        assert packages(sdk="tencent-bugly") == [bugly["app"]["package"]]
        assert packages(sdk="google-admob") == [blood["app"]["package"]]
        assert packages(org_country="cn") == [bugly["app"]["package"]]
        assert packages(jurisdiction_flag="compelled-access") == [bugly["app"]["package"]]
        assert packages(permission="READ_PHONE_STATE") == [bugly["app"]["package"]]
        assert packages(rule="DST001") == [bugly["app"]["package"]]
        assert packages(min_severity="critical") == []
        assert packages(q="BLOOD") == [blood["app"]["package"]]
        assert packages(sdk_vendor_country="CN", sdk="google-admob") == []
        # The oracle: the report's own facts.
        cn_sdks = {s["id"] for s in bugly["sdks"] if s["vendor_country"] == "CN" and s["presence"] == "code"}
        (item,) = list_apps(conn, AppFilter(sdk_vendor_country="CN"), 50, 0)[1]
        assert {s["id"] for s in item["latest"]["sdks"]} >= cn_sdks and item["latest"]["id"] == bugly_id
        counts = stats(conn)
        assert counts["apps"] == 2 and counts["versions"] == 2 and counts["apps_by_sdk_vendor_country"]["CN"] == 1
        assert counts["apps_by_sdk_vendor_country"]["US"] == 1 and counts["apps_by_jurisdiction_flag"]["compelled-access"] == 1
        (detail,) = app_versions(conn, blood["app"]["package"])
        assert [v["id"] for v in detail["versions"]] == [blood_id]
    store.engine.dispose()


def test_recording_again_replaces_and_never_duplicates(database: str, tmp_path: Path) -> None:
    store = open_store(database, tmp_path / "data")
    first, doc, _ = _record(store, BUGLY)
    again, _, _ = _record(store, BUGLY)
    assert again == first
    with store.begin() as conn:
        total, items = list_apps(conn, AppFilter(sdk="tencent-bugly"), 50, 0)
        assert total == 1 and len(items[0]["latest"]["sdks"]) == len([s for s in doc["sdks"] if s["presence"] == "code"])
        assert stats(conn)["versions"] == 1
    store.engine.dispose()
