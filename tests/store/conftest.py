"""Every store test runs on SQLite and on PostgreSQL (skipped, with the reason, without a server)."""

from tests.support.databases import database

__all__ = ["database"]
