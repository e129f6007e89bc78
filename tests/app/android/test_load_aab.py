"""An App Bundle reports the same facts as the APK built from it."""

from __future__ import annotations

from datatrail.app.pipeline import scan_file
from tests.support.corpus import corpus_dir


def test_bundle_and_its_apk_agree() -> None:
    root = corpus_dir() / "apk" / "app-info"
    aab, apk = scan_file(root / "android.aab"), scan_file(root / "android.apk")
    assert aab.inputs[0].kind == "aab" and apk.inputs[0].kind == "apk"
    # aapt dump badging on the APK prints application-label:'AppInfoDemo'.
    assert aab.app.label == apk.app.label == "AppInfoDemo"
    for field in ("package", "version_name", "version_code", "min_sdk", "target_sdk", "dex_count", "class_count"):
        assert getattr(aab.app, field) == getattr(apk.app, field), field
    assert [p.name for p in aab.permissions] == [p.name for p in apk.permissions]
    assert {c.name for c in aab.components} == {c.name for c in apk.components}
    assert sorted(f.rule_id for f in aab.findings) == sorted(f.rule_id for f in apk.findings if not f.rule_id.startswith("SIG"))
    assert not [d for d in aab.diagnostics if d.severity.value == "error"]
