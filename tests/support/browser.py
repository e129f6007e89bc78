"""Debian's Chromium driven by Playwright (pointed at the system browser: nothing is downloaded),
and axe-core for accessibility checks. Tests skip, naming what to install, when either is missing;
on CI (``CI`` set) a missing browser is an error, since ``.ci/run`` installs it."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["CHROMIUM", "AXE", "SHOTS", "MISSING", "AXE_MISSING", "chromium_binary"]


def chromium_binary() -> str | None:
    """The Chromium executable itself (Debian's ``/usr/bin/chromium`` is a shell wrapper around it)."""
    for candidate in ("/usr/lib/chromium/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            with open(candidate, "rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    return candidate
    return None


CHROMIUM = chromium_binary()
try:
    import playwright.sync_api  # noqa: F401

    _PLAYWRIGHT = True
except ImportError:
    _PLAYWRIGHT = False

MISSING: str | None = (
    "chromium not installed (apt-get install chromium)" if CHROMIUM is None
    else "playwright not installed (pip install -e '.[test]')" if not _PLAYWRIGHT else None
)
if MISSING and os.environ.get("CI"):
    raise RuntimeError(f"{MISSING}; .ci/run installs it")

_AXE_DEFAULT = Path.home() / ".cache" / "datatrail" / "axe" / "axe.min.js"
AXE = Path(os.environ.get("DATATRAIL_AXE", _AXE_DEFAULT))
AXE_MISSING: str | None = None if AXE.is_file() else f"axe-core not found at {AXE} (bash tools/fetch-axe.sh {AXE.parent})"

SHOTS = Path(os.environ.get("DATATRAIL_SHOTS", Path(tempfile.gettempdir()) / "datatrail-pages"))
"""Where the page tests write their screenshots, for a reviewer to look at (not committed)."""
