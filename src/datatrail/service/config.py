"""How a service runs: where its store is, who may do what, how big an upload may be."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["ServiceConfig", "DEFAULT_PORT", "DEFAULT_MAX_UPLOAD"]

DEFAULT_PORT = 8750
DEFAULT_MAX_UPLOAD = 1 << 30
"""1 GiB: the largest apps in stores are a few hundred MB; split sets and bundles a little more."""


@dataclass(frozen=True)
class ServiceConfig:
    data_dir: Path = Path("datatrail-data")
    database: str | None = None
    """A SQLAlchemy URL; None for the SQLite file ``data_dir/datatrail.sqlite3``."""
    files: Path | None = None
    """Where uploads are kept; None for ``data_dir/files``."""
    max_upload: int = DEFAULT_MAX_UPLOAD
    require_token: bool = False
    """Uploads need a token even while none exists (they always do once one exists)."""
    private: bool = False
    """Reads need a token too."""
    rate_limit: int = 120
    """Uploads a minute per token (or per address without one); 0 for no limit."""
    daily_quota: int = 0
    """Uploads a day per token; 0 for no quota."""
    worker_timeout: float = 30.0
    """Seconds without a heartbeat after which a worker counts as gone (for ``/readyz``)."""
