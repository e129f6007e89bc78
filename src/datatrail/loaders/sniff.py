"""Decide what an input is from its bytes, never from its file name."""

from __future__ import annotations

from enum import Enum

from datatrail.errors import CorruptInput
from datatrail.formats.axml import is_axml
from datatrail.formats.classfile import is_class_file
from datatrail.formats.dex import is_dex
from datatrail.formats.zip import ZipArchive, is_zip

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
    ZIP = "zip"
    """A ZIP that is none of the above."""
    UNKNOWN = "unknown"


def sniff_bytes(head: bytes) -> Kind:
    """Classify by magic bytes alone; ZIPs need ``sniff_archive`` to go further."""
    if is_dex(head):
        return Kind.DEX
    if is_zip(head):
        return Kind.ZIP
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
    apks = [n for n in names if n.lower().endswith(".apk") and "/" not in n.strip("/")]
    nested_apks = [n for n in names if n.lower().endswith(".apk")]
    if "manifest.json" in names and nested_apks:
        return Kind.XAPK
    if "info.json" in names and nested_apks:
        return Kind.APKM
    if "toc.pb" in names or (nested_apks and (apks or any(n.startswith("splits/") for n in nested_apks))):
        return Kind.APKS
    if any(n.endswith(".class") for n in names) or "classes.dex" in names or "META-INF/MANIFEST.MF" in names:
        return Kind.JAR
    return Kind.ZIP
