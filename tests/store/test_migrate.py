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


def test_a_store_from_before_latest_versions_is_backfilled(database: str) -> None:
    from sqlalchemy import text

    engine = make_engine(database)
    upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO apps (id, platform, package) VALUES (1, 'android', 'a'), (2, 'android', 'b')"))
        for vid, app in ((1, 1), (2, 2), (3, 1)):
            conn.execute(text("INSERT INTO versions (id, app_id, sha256, size, kind, worst_severity, complete, scanned_at) "
                              "VALUES (:v, :a, :s, 1, 'apk', 0, 1, 0)"), {"v": vid, "a": app, "s": f"{vid:064x}"})
    upgrade(engine)
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, latest_version_id FROM apps ORDER BY id")).all())
    assert rows == {1: 3, 2: 2}
    engine.dispose()
