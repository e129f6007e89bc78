"""Split sets (APKS, XAPK, APKM), nested code, sniffing by content."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from datatrail.app.android.load import load_android
from datatrail.app.android.manifest import read_manifest
from datatrail.app.pipeline import scan_file
from datatrail.formats.android.dex import DexFile
from tests.support.corpus import corpus_dir
from tests.support.factories import build_apk, zip_bytes


def _dex(name: str) -> bytes:
    return (corpus_dir() / "apk" / "androguard" / name).read_bytes()


def _classes(raw: bytes) -> set[str]:
    return set(DexFile(raw).class_names())


def test_factory_manifest_reads_the_same_in_aapt(tmp_path: Path) -> None:
    """The factory's binary XML is real: aapt, an independent parser, reads the same facts."""
    if shutil.which("aapt") is None:
        pytest.skip("aapt not installed")
    apk = tmp_path / "f.apk"
    apk.write_bytes(build_apk("org.example.f", permissions=("android.permission.CAMERA",), version_code=42))
    out = subprocess.run(["aapt", "dump", "badging", str(apk)], capture_output=True, text=True, timeout=60).stdout
    assert re.search(r"package: name='org.example.f' versionCode='42'", out)
    assert "uses-permission: name='android.permission.CAMERA'" in out
    facts = read_manifest(load_android(apk))
    assert facts.identity.package == "org.example.f" and facts.identity.version_code == 42
    assert [p.name for p in facts.permissions] == ["android.permission.CAMERA"]


def _split_set(tmp_path: Path, layout: str) -> tuple[Path, set[str]]:
    base_dex, feature_dex = _dex("Test.dex"), _dex("FieldsTest.dex")
    base = build_apk("org.example.split", permissions=("android.permission.ACCESS_FINE_LOCATION",), files={"classes.dex": base_dex})
    abi = build_apk("org.example.split", split="config.arm64_v8a", files={"lib/arm64-v8a/libnative.so": b"\x7fELF" + b"\0" * 60})
    feature = build_apk("org.example.split", split="feature", files={"classes.dex": feature_dex})
    if layout == "apks":
        files = {"toc.pb": b"", "splits/base-arm64_v8a.apk": abi, "splits/base-master.apk": base, "splits/feature-master.apk": feature}
    elif layout == "xapk":
        files = {"manifest.json": json.dumps({"package_name": "org.example.split"}).encode(), "config.arm64_v8a.apk": abi,
                 "org.example.split.apk": base, "feature.apk": feature}
    else:
        files = {"info.json": b"{}", "split_config.arm64_v8a.apk": abi, "base.apk": base, "feature.apk": feature}
    path = tmp_path / f"set.{layout}"
    path.write_bytes(zip_bytes(files))
    return path, _classes(base_dex) | _classes(feature_dex)


@pytest.mark.parametrize("layout", ["apks", "xapk", "apkm"])
def test_split_sets_merge_into_one_report(tmp_path: Path, layout: str) -> None:
    path, expected_classes = _split_set(tmp_path, layout)
    art = load_android(path)
    assert art.input.kind == layout
    facts = read_manifest(art)
    # The base is found by its manifest (no split attribute), not by its position.
    assert facts.identity.package == "org.example.split"
    assert art.splits[0].endswith(("base-master.apk", "org.example.split.apk", "base.apk"))
    assert len(art.splits) == 3
    assert [p.name for p in facts.permissions] == ["android.permission.ACCESS_FINE_LOCATION"]
    assert facts.identity.dex_count == 2
    assert set(art.class_names) == expected_classes
    assert any(n.endswith("lib/arm64-v8a/libnative.so") for n in art.file_names)


def test_code_nested_in_assets_is_found_by_content(tmp_path: Path) -> None:
    hidden, jar_dex = _dex("Test.dex"), _dex("InterfaceCls.dex")
    inner_jar = zip_bytes({"classes.dex": jar_dex})
    apk = tmp_path / "host.apk"
    apk.write_bytes(build_apk("org.example.host", files={
        "classes.dex": _dex("FieldsTest.dex"),
        "assets/classes.dex.dat": hidden,  # the name that crashes exodus-core
        "assets/payload.bin": inner_jar,
        "assets/readme.txt": b"not code" * 20,
    }))
    art = load_android(apk)
    assert sorted(art.nested) == ["assets/classes.dex.dat", "assets/payload.bin"]
    assert _classes(hidden) <= set(art.class_names)
    assert _classes(jar_dex) <= set(art.class_names)
    assert len(art.dex_files) == 3


def test_nesting_is_depth_limited(tmp_path: Path) -> None:
    blob = zip_bytes({"classes.dex": _dex("Test.dex")})
    for level in range(6):
        blob = zip_bytes({f"assets/level{level}.zip": blob})
    apk = tmp_path / "deep.apk"
    apk.write_bytes(build_apk("org.example.deep", files={"assets/outer.zip": blob}))
    report = scan_file(apk)
    assert any(d.code == "nesting.too-deep" for d in report.diagnostics)
    assert report.app.dex_count == 0


def test_kind_comes_from_content_not_name(tmp_path: Path) -> None:
    src = corpus_dir() / "apk" / "androguard" / "com.politedroid_4.apk"
    disguised = tmp_path / "holiday-photo.jpg"
    disguised.write_bytes(src.read_bytes())
    report = scan_file(disguised)
    assert report.inputs[0].kind == "apk"
    assert report.app.package == "com.politedroid"
    dex_named_zip = tmp_path / "thing.zip"
    dex_named_zip.write_bytes(_dex("Test.dex"))
    assert scan_file(dex_named_zip).inputs[0].kind == "dex"


def test_aar_library_gets_only_component_findings(tmp_path: Path) -> None:
    manifest = b"""<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="org.example.lib">
  <uses-sdk android:minSdkVersion="19" android:targetSdkVersion="21"/>
  <uses-permission android:name="android.permission.READ_PHONE_STATE"/>
  <application>
    <receiver android:name=".PushReceiver" android:exported="true"/>
  </application>
</manifest>"""
    aar = tmp_path / "lib.aar"
    aar.write_bytes(zip_bytes({"AndroidManifest.xml": manifest, "classes.jar": zip_bytes({"classes.dex": _dex("Test.dex")})}))
    report = scan_file(aar)
    assert report.inputs[0].kind == "aar"
    assert report.app.package == "org.example.lib"
    assert [p.name for p in report.permissions] == ["android.permission.READ_PHONE_STATE"]
    assert [f.rule_id for f in report.findings] == ["AND006"]
    assert "org.example.lib.PushReceiver" in report.findings[0].message
