"""The other tools tests compare against: found on PATH, or the test skips naming what to install."""

from __future__ import annotations

import shutil

import pytest

__all__ = ["DEBIAN_PACKAGES", "oracle"]

DEBIAN_PACKAGES = {
    "aapt": "aapt", "aapt2": "aapt2", "apksigner": "apksigner", "dexdump": "dexdump", "gcc": "gcc",
    "javac": "default-jdk-headless", "javap": "default-jdk-headless", "keytool": "default-jre-headless",
    "llvm-ar": "llvm", "llvm-lipo": "llvm", "llvm-nm": "llvm", "llvm-objdump": "llvm", "node": "nodejs",
    "openssl": "openssl", "protoc": "protobuf-compiler", "readelf": "binutils", "strings": "binutils",
    "ar": "binutils", "tshark": "tshark", "chromium": "chromium",
}
"""Which Debian package gives each tool (what .ci/run installs)."""


def oracle(name: str) -> str:
    """The tool's path; skips the calling test when it is not installed, naming the package."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not installed (Debian package: {DEBIAN_PACKAGES.get(name, name)})")
    return path
