"""Bring a store's schema up to date with its alembic migrations (``migrations/``)."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

__all__ = ["upgrade", "HEAD"]

HEAD = "0005"
"""The newest migration: what ``upgrade`` brings every store to."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("datatrail.store").joinpath("migrations")))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration the store has not had (up to ``revision``), in one transaction."""
    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
