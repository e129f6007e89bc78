"""Installed data packages: versions and the file hashes pip recorded, checked against the files themselves."""

from __future__ import annotations

import hashlib
from importlib import metadata

import pytest

from datatrail.knowledge import geo, psl
from datatrail.knowledge.installed import installed


@pytest.mark.parametrize(("dist", "package"), [("publicsuffixlist", "publicsuffixlist"), ("iptocc", "iptocc")])
def test_agrees_with_importlib_metadata(dist: str, package: str) -> None:
    found = installed(dist, package)
    assert found is not None
    reference = metadata.distribution(dist)
    assert found.version == reference.version
    assert sorted(map(str, found.files)) == sorted(str(f.locate()) for f in reference.files or ())
    checked = 0
    for path in found.files:
        if path in found.recorded_sha256:
            assert found.recorded_sha256[path] == hashlib.sha256(path.read_bytes()).hexdigest(), path
            checked += 1
    assert checked >= 2  # RECORD lists a hash for every file but itself


def test_not_installed_is_none() -> None:
    assert installed("no-such-distribution-here", "no_such_package_here") is None


def test_dataset_hashes_are_the_files_hashes() -> None:
    assert psl.dataset_info()["sha256"] == hashlib.sha256(psl.psl_file().read_bytes()).hexdigest()
    info = geo._iptocc_info()
    assert info is not None
    library = next(p for p in installed("iptocc", "iptocc").files if p.name.startswith("iptocc.") and p.suffix in (".so", ".pyd"))  # type: ignore[union-attr]
    assert info["sha256"] == hashlib.sha256(library.read_bytes()).hexdigest()
