"""Decide what an input is from its bytes, never from its file name."""

from __future__ import annotations

import re
from enum import Enum

from datatrail.errors import CorruptInput
from datatrail.formats.android.axml import is_axml
from datatrail.formats.android.classfile import is_class_file
from datatrail.formats.android.dex import is_dex
from datatrail.formats.common.magic import is_ar, is_fat, is_thin_macho
from datatrail.formats.common.zip import ZipArchive, is_zip

__all__ = ["Kind", "sniff_bytes", "sniff_archive"]


class Kind(str, Enum):
    APK = "apk"
    APKS = "apks"
    """A set of split APKs: .apks (bundletool), .xapk, .apkm."""
    XAPK = "xapk"
    APKM = "apkm"
    AAB = "aab"
    JAR = "jar"
    AAR = "aar"
    DEX = "dex"
    CLASS = "class"
    IPA = "ipa"
    """An iOS app archive: a ZIP with ``Payload/<name>.app/`` (sometimes one folder deeper)."""
    APP_BUNDLE = "app"
    """An .app bundle: a folder, or a ZIP of one without ``Payload/``."""
    FRAMEWORK = "framework"
    """A .framework or .xcframework (folder or ZIP), or a folder of iOS SDK files."""
    MACHO = "macho"
    """A Mach-O executable, dylib or object file, thin or fat."""
    AR = "ar"
    """A static library (``ar`` archive), possibly inside a fat file."""
    ZIP = "zip"
    """A ZIP that is none of the above."""
    UNKNOWN = "unknown"


def sniff_bytes(head: bytes) -> Kind:
    """Classify by magic bytes alone; ZIPs need ``sniff_archive`` to go further."""
    if is_dex(head):
        return Kind.DEX
    if is_zip(head):
        return Kind.ZIP
    if is_thin_macho(head):
        return Kind.MACHO
    if is_ar(head):
        return Kind.AR
    # 0xcafebabe starts both Java class files and fat Mach-O: a class file's
    # version in the count field is far above any architecture count.
    if is_fat(head):
        return Kind.MACHO
    if is_class_file(head):
        return Kind.CLASS
    return Kind.UNKNOWN


def sniff_archive(z: ZipArchive) -> Kind:
    """Tell the ZIP-based formats apart by the entries they hold."""
    names = set(z.names())
    if "AndroidManifest.xml" in names:
        try:
            head = z.read("AndroidManifest.xml", max_size=64)
        except CorruptInput:  # the loader reports it when it reads the manifest for real
            head = b""
        # A tampered AXML header can hide the magic; an APK still has its other parts.
        if is_axml(head) or "resources.arsc" in names or "classes.dex" in names:
            return Kind.APK
        return Kind.AAR
    if "base/manifest/AndroidManifest.xml" in names or "BundleConfig.pb" in names:
        return Kind.AAB
    if "resources.arsc" in names:
        # Only an APK holds a compiled resource table: one whose manifest is missing is a
        # damaged APK (the loader says so), not a JAR.
        return Kind.APK
    apks = [n for n in names if n.lower().endswith(".apk") and "/" not in n.strip("/")]
    nested_apks = [n for n in names if n.lower().endswith(".apk")]
    if "manifest.json" in names and nested_apks:
        return Kind.XAPK
    if "info.json" in names and nested_apks:
        return Kind.APKM
    if "toc.pb" in names or (nested_apks and (apks or any(n.startswith("splits/") for n in nested_apks))):
        return Kind.APKS
    ios = _ios_kind(names)
    if ios is not None:
        return ios
    if any(n.endswith(".class") for n in names) or "classes.dex" in names or "META-INF/MANIFEST.MF" in names:
        return Kind.JAR
    return Kind.ZIP


# "Payload/X.app/", or one folder deeper ("Build/Payload/X.app/") as some tools zip it.
_IPA = re.compile(r"^(?:[^/]+/)?Payload/")
_APP = re.compile(r"^(?:[^/]+/)?[^/]+\.app/Info\.plist$")
_FRAMEWORK = re.compile(r"^(?:[^/]+/)?[^/]+\.(?:xc)?framework/")


def _ios_kind(names: set[str]) -> Kind | None:
    relevant = [n for n in names if not n.startswith("__MACOSX/")]
    if any(_IPA.match(n) for n in relevant):
        return Kind.IPA
    if any(_APP.match(n) for n in relevant):
        return Kind.APP_BUNDLE
    if any(_FRAMEWORK.match(n) for n in relevant):
        return Kind.FRAMEWORK
    return None
