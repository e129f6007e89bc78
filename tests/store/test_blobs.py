"""Uploaded files: content-addressed, complete or absent, never named by the user."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from datatrail.store.blobs import Blobs, TooLarge, safe_suffix


def test_files_are_stored_by_content(tmp_path: Path) -> None:
    blobs = Blobs(tmp_path / "files")
    data = b"PK\x03\x04" + bytes(range(256)) * 5000
    stored = blobs.put(io.BytesIO(data), ".apk", 10 << 20)
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    assert stored.path == tmp_path / "files" / stored.sha256[:2] / stored.sha256[2:4] / f"{stored.sha256}.apk"
    assert stored.path.read_bytes() == data and blobs.orphans() == []


def test_too_large_leaves_nothing(tmp_path: Path) -> None:
    blobs = Blobs(tmp_path / "files")
    with pytest.raises(TooLarge):
        blobs.put(io.BytesIO(b"x" * (3 << 20)), ".apk", 2 << 20)
    assert [p for p in (tmp_path / "files").rglob("*") if p.is_file()] == []


@pytest.mark.parametrize(("name", "suffix"), [
    ("app.APK", ".apk"), ("../../etc/passwd", ""), ("x.ipa", ".ipa"), ("C:\\evil\\a.aab", ".aab"),
    ("a.apk.sh", ""), ("noext", ""), ("a.apk/../../b.dex", ".dex"), ("<script>.apks", ".apks"),
])
def test_only_known_suffixes_reach_the_disk(name: str, suffix: str) -> None:
    assert safe_suffix(name) == suffix


def test_paths_come_from_digests_only(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Blobs(tmp_path).path("../" * 21 + "x", ".apk")
