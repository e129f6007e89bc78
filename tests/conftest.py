"""Fixtures shared by every test module, and the session's checks. Helpers live in tests/support."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.support.corpus import CORPUS


@pytest.fixture(scope="session")
def corpus_reports() -> dict[Path, Any]:
    """Scans of corpus files shared by every test module: reports are immutable,
    and scanning the corpus once instead of once per output format keeps CI short."""
    return {}


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI the corpus must be there: a suite that skips its oracles proves nothing."""
    if os.environ.get("CI") and CORPUS is None:
        raise pytest.UsageError("CI run without the test corpus (../shared/corpus or DATATRAIL_CORPUS)")
