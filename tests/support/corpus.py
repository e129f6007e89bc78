"""Where the shared corpus is, and the corpus files tests read."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

__all__ = ["corpus_dir", "corpus_files", "ios_inputs", "scan_cached"]


def _find_corpus() -> Path | None:
    env = os.environ.get("DATATRAIL_CORPUS")
    if env:
        return Path(env) if Path(env).is_dir() else None
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "corpus"
        if candidate.is_dir():
            return candidate
    return None


CORPUS = _find_corpus()


def corpus_dir() -> Path:
    if CORPUS is None or not CORPUS.is_dir():
        pytest.skip("test corpus not found (set DATATRAIL_CORPUS)")
    return CORPUS


def corpus_files(*patterns: str) -> list[Path]:
    """Corpus files matching glob patterns, sorted; empty when there is no corpus."""
    if CORPUS is None:
        return []
    out: set[Path] = set()
    for pattern in patterns:
        out.update(p for p in CORPUS.glob(pattern) if p.is_file())
    return sorted(out)


_NOT_APPS = frozenset({"not-an-ipa.ipa", "no-app-bundle.ipa"})
"""fastlane's broken IPAs: not analysable by design (tests/app/ios checks their errors)."""


def ios_inputs() -> list[Path]:
    """The iOS corpus inputs that are apps or SDKs: IPAs and static libraries."""
    return [p for p in corpus_files("ipa/**/*.ipa", "sdk/ios/**/*.a") if p.name not in _NOT_APPS]


def scan_cached(path: Path, cache: dict[Path, Any]) -> Any:
    from datatrail.app.pipeline import scan_file

    if path not in cache:
        cache[path] = scan_file(path)
    return cache[path]
