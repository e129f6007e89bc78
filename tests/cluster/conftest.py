"""The store tests' databases, for the corpus scans that fill a store (SQLite and PostgreSQL)."""

from tests.support.databases import database

__all__ = ["database"]
