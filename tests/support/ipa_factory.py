"""Small IPAs built in tests from real parts: a corpus executable, plists written with plistlib.

Public so other test modules can build iOS inputs the same way.
"""

from __future__ import annotations

import plistlib
import struct
import zipfile
from pathlib import Path
from typing import Any

from tests.support.corpus import corpus_dir

__all__ = ["real_executable", "real_static_library", "encrypt", "build_ipa", "BUNDLE_ID"]

BUNDLE_ID = "org.example.factory"
_LC_ENCRYPTION_INFO_64 = 0x2C


def real_executable() -> bytes:
    """The signed arm64 executable of the corpus's embedded.ipa (LC_ENCRYPTION_INFO_64, cryptid 0)."""
    with zipfile.ZipFile(corpus_dir() / "ipa" / "app-info" / "embedded.ipa") as z:
        return z.read("Payload/Demo.app/Demo")


def real_static_library() -> bytes:
    return (corpus_dir() / "sdk" / "ios" / "jiguang" / "libJPush-5.7.0-arm64.a").read_bytes()


def encrypt(macho: bytes) -> bytes:
    """The same binary with cryptid set to 1, as App Store downloads carry it."""
    cmd = struct.pack("<II", _LC_ENCRYPTION_INFO_64, 24)
    at = macho.index(cmd)
    cryptid_at = at + 16
    assert struct.unpack_from("<I", macho, cryptid_at)[0] == 0
    return macho[:cryptid_at] + struct.pack("<I", 1) + macho[cryptid_at + 4:]


def build_ipa(
    path: Path,
    info: dict[str, Any] | None = None,
    *,
    executable: bytes | None = None,
    manifest: dict[str, Any] | None = None,
    frameworks: dict[str, tuple[bytes, dict[str, bytes]]] | None = None,
    files: dict[str, bytes] | None = None,
) -> Path:
    """``Payload/Factory.app`` with Info.plist (``info`` over a minimal default), the executable,
    an optional app privacy manifest, and frameworks ``name -> (binary, {relative file: bytes})``."""
    root = "Payload/Factory.app/"
    doc: dict[str, Any] = {
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": "1.2.3",
        "CFBundleVersion": "45",
        "MinimumOSVersion": "15.0",
        "CFBundleExecutable": "Factory",
        "CFBundleName": "Factory",
    }
    doc.update(info or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(root + "Info.plist", plistlib.dumps(doc, fmt=plistlib.FMT_BINARY))
        if executable is not None:
            z.writestr(root + "Factory", executable)
        if manifest is not None:
            z.writestr(root + "PrivacyInfo.xcprivacy", plistlib.dumps(manifest))
        for name, (binary, extra) in (frameworks or {}).items():
            fw = f"{root}Frameworks/{name}.framework/"
            z.writestr(fw + "Info.plist", plistlib.dumps({"CFBundleExecutable": name, "CFBundleIdentifier": f"com.vendor.{name}"}))
            z.writestr(fw + name, binary)
            for rel, data in extra.items():
                z.writestr(fw + rel, data)
        for rel, data in (files or {}).items():
            z.writestr(root + rel, data)
    return path
