"""The migrations build exactly the schema the code describes, and running them again changes nothing."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from datatrail.store.engine import make_engine
from datatrail.store.migrate import HEAD, upgrade
from datatrail.store.tables import metadata


def test_migrated_schema_is_the_described_one(database: str) -> None:
    engine = make_engine(database)
    upgrade(engine)
    upgrade(engine)  # idempotent: a restart migrates nothing
    with engine.connect() as conn:
        context = MigrationContext.configure(conn)
        assert context.get_current_revision() == HEAD
        assert compare_metadata(context, metadata) == []
    assert set(inspect(engine).get_table_names()) == set(metadata.tables) | {"alembic_version"}
    engine.dispose()
