"""Diffs of corpus app pairs: goldens checked by hand, and properties any diff must have.

Goldens (tests/fixtures/changes/*.diff.json) were checked against the two
apps' ``datatrail scan`` output: the Bugly Hotfix demo has Tencent Tinker
(and its github.com issue URL) while the Upgrade demo does not; both are
debuggable with the same permissions, and the Upgrade demo targets SDK 28
(so AND003's pre-28 cleartext default is gone) with a cleartext domain
config (AND004) and a debug certificate (SIG001). Test-debug vs its
unaligned copy and the app-info APK vs the same app as an AAB are "no change";
TestActivity vs its unsigned copy differ only in SIG001 -> SIG002.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from datatrail.changes.diff import diff_reports
from datatrail.changes.render import DIFF_FORMAT, diff_document, diff_text
from datatrail.model.changes import SECTIONS
from datatrail.report.json import to_dict
from datatrail.report.load import report_from_dict
from tests.support.corpus import corpus_dir, scan_cached
from tests.support.golden import FIXTURES, check_golden

PAIRS = {
    "bugly-hotfix-to-upgrade": ("apk/bugly-demo/BuglyHotfixDemo-app-release.apk", "apk/bugly-demo/BuglyUpgradeDemo-demo.apk"),
    "test-debug-unaligned": ("apk/androguard/Test-debug.apk", "apk/androguard/Test-debug-unaligned.apk"),
    "testactivity-unsigned": ("apk/androguard/TestActivity.apk", "apk/androguard/TestActivity_unsigned.apk"),
    "app-info-apk-to-aab": ("apk/app-info/android.apk", "apk/app-info/android.aab"),
}


def _pair(name: str, cache: dict[Path, Any]) -> tuple[Any, Any]:
    old, new = PAIRS[name]
    return scan_cached(corpus_dir() / old, cache), scan_cached(corpus_dir() / new, cache)


def _portable(doc: dict[str, Any]) -> dict[str, Any]:
    """Input paths depend on where the corpus is; keep the file name."""
    for side in ("old", "new"):
        doc[side]["path"] = Path(doc[side]["path"]).name
    return doc


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_diff_golden(name: str, corpus_reports: dict[Path, Any]) -> None:
    old, new = _pair(name, corpus_reports)
    doc = _portable(diff_document(diff_reports(old, new)))
    assert doc["format"] == DIFF_FORMAT
    check_golden(FIXTURES / "changes" / f"{name}.diff.json", doc)


def test_bugly_pair_by_hand(corpus_reports: dict[Path, Any]) -> None:
    old, new = _pair("bugly-hotfix-to-upgrade", corpus_reports)
    diff = diff_reports(old, new)
    assert [i.key for i in diff.section("sdks").removed] == ["tencent-tinker"]
    assert diff.section("sdks").added == ()
    # The hot-fix demo names github.com only in Tinker's "welcome to submit issue to us: https://github.com/…":
    # a reference in both, so the places data can go are the same two Tencent hosts.
    assert not diff.section("destinations").changed and not diff.section("org_countries").changed
    assert not diff.section("permissions").changed
    assert diff.finding_key == "rule-and-message"
    added = {i.detail.split(":")[0] for i in diff.section("findings").added}
    assert added == {"medium AND004", "medium AND008", "high SIG001"}


@pytest.mark.parametrize("name", ["test-debug-unaligned", "app-info-apk-to-aab"])
def test_same_app_is_no_change(name: str, corpus_reports: dict[Path, Any]) -> None:
    old, new = _pair(name, corpus_reports)
    diff = diff_reports(old, new)
    assert not diff.changed
    assert diff.finding_key == "fingerprint"
    assert "no change" in diff_text(diff)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_reversing_swaps_added_and_removed(name: str, corpus_reports: dict[Path, Any]) -> None:
    old, new = _pair(name, corpus_reports)
    forward, backward = diff_reports(old, new), diff_reports(new, old)
    for section in SECTIONS:
        assert forward.section(section).added == backward.section(section).removed
        assert forward.section(section).removed == backward.section(section).added


def test_a_report_and_its_saved_json_do_not_differ(corpus_reports: dict[Path, Any]) -> None:
    old, _ = _pair("bugly-hotfix-to-upgrade", corpus_reports)
    reloaded = report_from_dict(to_dict(old))
    assert not diff_reports(old, reloaded).changed


def test_each_section_sees_its_change(corpus_reports: dict[Path, Any]) -> None:
    """Remove one fact of each family from a copy of a real report: exactly that section changes."""
    base, _ = _pair("bugly-hotfix-to-upgrade", corpus_reports)
    cuts = {
        "sdks": {"sdks": base.sdks[1:]},
        "permissions": {"permissions": tuple(p for p in base.permissions if p.name != "android.permission.INTERNET")},
        "findings": {"findings": base.findings[1:]},
    }
    for section, change in cuts.items():
        diff = diff_reports(base, dataclasses.replace(base, **change))
        changed = [s.name for s in diff.sections if s.changed]
        assert section in changed and all(not s.added for s in diff.sections)
    diff = diff_reports(dataclasses.replace(base, destinations=()), base)
    assert {s.name for s in diff.sections if s.changed} == {"destinations", "org_countries"}
    flagged = [i.key for i in diff.section("destinations").added if i.flagged]
    assert flagged == ["android.bugly.qq.com", "rqd.uu.qq.com"]
    assert [i.key for i in diff.section("org_countries").added if i.flagged] == ["CN"]
