"""``--fail-on-new`` kinds: which additions trip the diff gate."""

from __future__ import annotations

import pytest

from datatrail.changes.gate import FAIL_KINDS, new_items, parse_kinds
from datatrail.model.changes import SECTIONS, AppVersion, DiffItem, DiffSection, ReportDiff

_V = AppVersion("com.example", "1", 1, "a.apk", None)


def _diff(**added: tuple[DiffItem, ...]) -> ReportDiff:
    removed_sdk = (DiffItem("gone-sdk", "removed"),)
    sections = tuple(DiffSection(n, added.get(n, ()), removed_sdk if n == "sdks" else ()) for n in SECTIONS)
    return ReportDiff(_V, _V, "fingerprint", sections)


def test_kinds_parse_and_any_means_all() -> None:
    assert parse_kinds("sdks, flagged-destinations") == ("sdks", "flagged-destinations")
    assert parse_kinds("any") == tuple(FAIL_KINDS)
    with pytest.raises(ValueError, match="unknown kind 'sdk'"):
        parse_kinds("sdk")
    with pytest.raises(ValueError):
        parse_kinds(" , ")


def test_removals_never_trip() -> None:
    assert new_items(_diff(), parse_kinds("any")) == []


def test_flagged_kinds_only_see_flagged_items() -> None:
    diff = _diff(
        permissions=(DiffItem("android.permission.CAMERA", "dangerous", flagged=True), DiffItem("android.permission.INTERNET", "normal")),
        destinations=(DiffItem("cdn.example", "x"),),
        server_countries=(DiffItem("CN", "hosts a.cn", flagged=True),),
    )
    assert [i.key for _, i in new_items(diff, ["dangerous-permissions"])] == ["android.permission.CAMERA"]
    assert [i.key for _, i in new_items(diff, ["permissions"])] == ["android.permission.CAMERA", "android.permission.INTERNET"]
    assert new_items(diff, ["flagged-destinations"]) == []
    assert new_items(diff, ["flagged-countries"]) == [("server_countries", DiffItem("CN", "hosts a.cn", flagged=True))]
    # An item covered by two kinds is reported once.
    assert len(new_items(diff, ["permissions", "dangerous-permissions"])) == 2
