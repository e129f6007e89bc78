"""Golden files: JSON a test compares against, regenerated with DATATRAIL_REGEN=1.

A regenerated golden must be read by a person before it is committed; the
test that owns it says what to check.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.support import paths

__all__ = ["FIXTURES", "check_golden", "check_golden_text"]

FIXTURES = paths.FIXTURES


def check_golden(path: Path, doc: Any) -> None:
    """Assert ``doc`` equals the JSON in ``path``; with DATATRAIL_REGEN=1 write it there first."""
    if os.environ.get("DATATRAIL_REGEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert path.is_file(), f"no golden {path.name}: run with DATATRAIL_REGEN=1 and review it"
    assert doc == json.loads(path.read_text(encoding="utf-8")), f"differs from {path.name} (DATATRAIL_REGEN=1 to update, then review)"


def check_golden_text(path: Path, text: str) -> None:
    """Assert ``text`` equals the file at ``path`` (a terminal view, say); with DATATRAIL_REGEN=1 write it there first."""
    if os.environ.get("DATATRAIL_REGEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no golden {path.name}: run with DATATRAIL_REGEN=1 and review it"
    assert text == path.read_text(encoding="utf-8"), f"differs from {path.name} (DATATRAIL_REGEN=1 to update, then review)"
