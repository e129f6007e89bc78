"""Where the test suite's files are: the repository, its fixtures and shipped data."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
DATA = REPO / "src" / "datatrail" / "knowledge" / "data"
"""The datasets the package ships."""
