"""The real apps of the precision truth set, and their hand labels (``tests/data/realworld/``).

Three homes: the apps committed here (licences that allow it, small), the 14 in
``../shared/realworld/`` beside the corpus, and those kept outside the repository
(``$DATATRAIL_REALWORLD_EXTRA``, else ``realworld-extra/`` beside the checkout). An app whose
file is absent is skipped with the place to put it; one whose sha256 differs fails.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from tests.support import paths
from tests.support.corpus import CORPUS

__all__ = ["HERE", "TruthApp", "truth_apps", "locate", "present_apks"]

HERE = paths.REPO / "tests" / "data" / "realworld"
TRUTH = HERE / "truth.json"


def _homes() -> list[Path]:
    homes = [HERE]
    if CORPUS is not None:
        homes.append(CORPUS.parent / "realworld")
    extra = os.environ.get("DATATRAIL_REALWORLD_EXTRA")
    homes.append(Path(extra) if extra else paths.REPO.parent / "realworld-extra")
    return homes


@dataclass(frozen=True)
class TruthApp:
    file: str
    sha256: str
    hosts: dict[str, str]
    """host -> ``endpoint``, ``reference`` or ``not-host``."""
    sdks: dict[str, str]
    """SDK id -> ``present`` or ``absent``, for every SDK a scan claimed when it was labelled."""
    missed: tuple[str, ...]
    """Ids (or names) of SDKs whose code is present but that no signature knows."""


def truth_apps() -> list[TruthApp]:
    doc = json.loads(TRUTH.read_text(encoding="utf-8"))
    return [
        TruthApp(
            name,
            entry["sha256"],
            {h: v["label"] for h, v in entry["hosts"].items()},
            {s: v["label"] for s, v in entry["sdks"].items()},
            tuple(m.get("id") or m["name"] for m in entry.get("sdks_missed", [])),
        )
        for name, entry in sorted(doc["apps"].items())
    ]


def locate(app: TruthApp) -> Path | None:
    """The app's file when one of the homes holds it (checked against its sha256), else None."""
    for home in _homes():
        path = home / app.file
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != app.sha256:
                raise AssertionError(f"{path}: sha256 {digest}, the truth set labels {app.sha256}")
            return path
    return None


def present_apks() -> list[Path]:
    """Every real app file of the three homes that is here."""
    return sorted(p for home in _homes() if home.is_dir() for p in home.glob("*.apk"))
