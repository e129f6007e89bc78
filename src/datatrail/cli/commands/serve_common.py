"""What ``serve``, ``worker`` and ``token`` share: the store options and the check that the
``[serve]`` extra is installed."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

from datatrail.cli.commands.common import Errors, Parser

__all__ = ["add_store_options", "missing_extra", "database_url", "EXTRA_HINT"]

EXTRA_HINT = "install the service's libraries: pip install 'datatrail[serve]' (or: make serve)"
_NEEDED = ("fastapi", "uvicorn", "sqlalchemy", "alembic", "multipart")


def add_store_options(parser: Parser) -> None:
    group = parser.add_argument_group("store")
    group.add_argument("--data-dir", type=Path, default=Path("datatrail-data"), metavar="DIR",
                       help="where the SQLite store and uploaded files live (default: ./datatrail-data)")
    group.add_argument("--database", metavar="URL",
                       help="a database URL instead of the SQLite file: postgresql://user@host/db (shared by every worker)")
    group.add_argument("--files", type=Path, metavar="DIR",
                       help="where uploaded files are kept (default: DATA_DIR/files; share it with workers on other machines)")


def missing_extra(err: Errors) -> bool:
    """True (after saying what to install) when a library of the ``[serve]`` extra is missing."""
    missing = [name for name in _NEEDED if importlib.util.find_spec(name) is None]
    if missing:
        err.print(f"datatrail: error: {', '.join(missing)} not installed; {EXTRA_HINT}")
        return True
    return False


def database_url(args: argparse.Namespace) -> str | None:
    return str(args.database) if args.database else None
