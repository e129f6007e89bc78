"""Package identity, permissions, class names and strings agree with androguard.

androguard is the independent oracle here (a test-only dependency). Where it
fails or is wrong, the case is listed with the reason and checked another way.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from datatrail.app.android.load import load_android
from datatrail.app.android.manifest import read_manifest
from tests.support.corpus import CORPUS, corpus_files

androguard_apk = pytest.importorskip("androguard.core.apk")
androguard_dex = pytest.importorskip("androguard.core.dex")

try:
    from loguru import logger as _loguru

    _loguru.remove()
except ImportError:  # pragma: no cover
    pass
logging.getLogger("androguard").setLevel(logging.ERROR)

APKS = corpus_files("apk/**/*.apk")
DEXES = corpus_files("apk/**/*.dex", "sdk/**/*.dex")
JARS = corpus_files("apk/**/*.jar", "sdk/**/*.jar", "sdk/**/*.aar")

# Inputs where androguard's APK() cannot be used as the oracle, and why.
ANDROGUARD_APK_FAILS: dict[str, str] = {
    "CertChain.apk": "androguard's manifest parsing raises KeyError on this file (see corpus MANIFEST)",
    "multidex.apk": "synthetic, has no AndroidManifest.xml: androguard has no package to compare",
}


def _aapt_permissions(path: Path) -> set[str] | None:
    if shutil.which("aapt") is None:
        return None
    proc = subprocess.run(["aapt", "dump", "permissions", str(path)], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        return None
    return set(re.findall(r"^uses-permission(?:-sdk-23)?: name='([^']+)'", proc.stdout, re.M))


def _rel(p: Path) -> str:
    assert CORPUS is not None
    return str(p.relative_to(CORPUS))


def _androguard_apk(path: Path):  # type: ignore[no-untyped-def]
    try:
        return androguard_apk.APK(str(path))
    except Exception as exc:  # the oracle failing is a listed case, not our failure
        pytest.skip(f"androguard cannot read {path.name}: {exc}")


@pytest.mark.parametrize("path", APKS, ids=_rel)
def test_apk_identity_and_permissions_match_androguard(path: Path) -> None:
    if path.name in ANDROGUARD_APK_FAILS:
        pytest.skip(ANDROGUARD_APK_FAILS[path.name])
    ref = _androguard_apk(path)
    art = load_android(path)
    facts = read_manifest(art)
    assert facts.identity.package == (ref.get_package() or None)
    ref_code = ref.get_androidversion_code()
    assert facts.identity.version_code == (int(ref_code) if ref_code else None)
    ref_name = ref.get_androidversion_name()
    assert facts.identity.version_name == (ref_name or None)
    ours = {p.name for p in facts.permissions}
    # androguard skips <uses-permission-sdk-23>, which Android grants on API 23+;
    # aapt lists both, so it is the oracle for the full set.
    assert set(ref.get_permissions()) <= ours
    aapt = _aapt_permissions(path)
    if aapt is not None:
        assert ours == aapt
    ref_min = ref.get_min_sdk_version()
    assert facts.identity.min_sdk == (int(ref_min) if ref_min else None)


@pytest.mark.parametrize("path", APKS, ids=_rel)
def test_apk_classes_and_strings_match_androguard(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        ref_dex = sorted(n for n in zf.namelist() if n.startswith("classes") and n.endswith(".dex"))
        raws = {n: zf.read(n) for n in ref_dex}
    art = load_android(path)
    ours = {d.name: d for d in art.dex_files}
    for name, raw in raws.items():
        assert name in ours, f"{name} not loaded"
        ref = androguard_dex.DEX(raw)
        dex = ours[name]
        assert set(dex.class_descriptors()) == set(ref.get_classes_names())
        assert set(dex.strings()) == set(ref.get_strings())


@pytest.mark.parametrize("path", DEXES, ids=_rel)
def test_bare_dex_matches_androguard(path: Path) -> None:
    ref = androguard_dex.DEX(path.read_bytes())
    art = load_android(path)
    assert art.input.kind == "dex"
    (dex,) = art.dex_files
    assert set(dex.class_descriptors()) == set(ref.get_classes_names())
    assert set(dex.strings()) == set(ref.get_strings())
    assert len(art.class_names) == len(ref.get_classes_names())


@pytest.mark.parametrize("path", JARS, ids=_rel)
def test_jar_and_aar_classes(path: Path) -> None:
    """androguard does not read Java class files, so the oracle here is the archive itself:
    every .class entry of the JAR (or of classes.jar / libs/*.jar in an AAR) is one class
    whose name is its path. Class-file contents are checked against javap in
    tests/formats/android/test_classfile.py; embedded classes.dex against androguard below."""
    expected: set[str] = set()
    ref_strings: set[str] = set()
    with zipfile.ZipFile(path) as zf:
        jars = [(zf, "")]
        inner_names = [n for n in zf.namelist() if n == "classes.jar" or (n.startswith("libs/") and n.endswith(".jar"))]
        import io

        for n in inner_names:
            jars.append((zipfile.ZipFile(io.BytesIO(zf.read(n))), n))
        for z, _prefix in jars:
            for n in z.namelist():
                if n.endswith(".class") and not n.endswith("/"):
                    expected.add(n[: -len(".class")].replace("/", "."))
                elif n.rsplit("/", 1)[-1] == "classes.dex":
                    dex = androguard_dex.DEX(z.read(n))
                    expected.update(c[1:-1].replace("/", ".") for c in dex.get_classes_names())
                    ref_strings.update(dex.get_strings())
    art = load_android(path)
    assert art.input.kind == ("aar" if path.suffix == ".aar" else "jar")
    assert set(art.class_names) == expected
    if ref_strings:
        assert set().union(*(set(d.strings()) for d in art.dex_files)) == ref_strings
