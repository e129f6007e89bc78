"""The screening service's store: apps, versions, their reports and what people query about
them, the job queue, uploaded files and API tokens, in SQLite (default) or PostgreSQL.

Needs the ``[serve]`` extra (SQLAlchemy, alembic); the plain CLI never imports it.
"""

from datatrail.store.store import Store, open_store

__all__ = ["Store", "open_store"]
