"""Each app's newest version kept on the app, so queries over "the latest versions" join one row
per app instead of grouping every version

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain column, no foreign key: SQLite could add one only by rebuilding apps, which versions'
    # own key to apps forbids; the store sets it only to a version it has just written.
    op.add_column("apps", sa.Column("latest_version_id", sa.Integer))
    op.execute("UPDATE apps SET latest_version_id = (SELECT max(versions.id) FROM versions WHERE versions.app_id = apps.id)")
    op.create_index("ix_apps_latest_version", "apps", ["latest_version_id"])


def downgrade() -> None:
    op.drop_index("ix_apps_latest_version", table_name="apps")
    op.drop_column("apps", "latest_version_id")
