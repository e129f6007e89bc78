"""Installed data packages (the Public Suffix List, iptocc): where their files are and which version.

``importlib.metadata`` answers this too, but importing it costs ~20 ms (email,
csv, zipfile...) that every scan would pay to read two version strings. A
wheel installed by pip puts ``NAME-VERSION.dist-info`` beside the package's
folder; that is read directly, and ``importlib.metadata`` is the fallback for
any other layout (eggs, zip imports).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.util
from pathlib import Path
from typing import NamedTuple

__all__ = ["Installed", "installed", "package_dir"]


class Installed(NamedTuple):
    name: str
    version: str
    files: tuple[Path, ...]
    """Every file the distribution installed (from its RECORD), as absolute paths."""
    recorded_sha256: dict[Path, str]
    """Lowercase hex SHA-256 of each file as the installer recorded it (pip checks the wheel's RECORD)."""

    def sha256(self, path: Path) -> str:
        """The file's SHA-256 as recorded at install time, or computed when nothing was recorded."""
        return self.recorded_sha256.get(path) or hashlib.sha256(path.read_bytes()).hexdigest()


def package_dir(package: str) -> Path | None:
    """The folder of an importable package (found without importing it), or None."""
    spec = importlib.util.find_spec(package)
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(spec.origin).parent if spec.origin else None


def _from_dist_info(dist: str, package_dir: Path) -> Installed | None:
    site = package_dir.parent
    wanted = dist.lower().replace("-", "_")
    for info in site.glob("*.dist-info"):
        name, _, version = info.name[: -len(".dist-info")].partition("-")
        if name.lower().replace("-", "_").replace(".", "_") != wanted or not version:
            continue
        try:
            record = (info / "RECORD").read_text(encoding="utf-8")
        except OSError:
            return None
        files: list[Path] = []
        hashes: dict[Path, str] = {}
        for line in record.splitlines():
            name, _, rest = line.partition(",")
            if not name:
                continue
            path = site / name
            files.append(path)
            algorithm, _, value = rest.partition(",")[0].partition("=")
            if algorithm == "sha256" and value:
                try:
                    hashes[path] = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex()
                except ValueError:
                    pass
        return Installed(dist, version, tuple(files), hashes)
    return None


def _from_metadata(dist: str) -> Installed | None:
    from importlib import metadata

    try:
        found = metadata.distribution(dist)
    except metadata.PackageNotFoundError:
        return None
    return Installed(dist, found.version, tuple(Path(str(f.locate())) for f in found.files or ()), {})


@functools.cache
def installed(dist: str, package: str) -> Installed | None:
    """The installed distribution ``dist`` whose import package is ``package``, or None when it is not installed."""
    folder = package_dir(package)
    if folder is None:
        return None
    return _from_dist_info(dist, folder) or _from_metadata(dist)
