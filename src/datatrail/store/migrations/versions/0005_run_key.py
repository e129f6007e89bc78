"""Which tool and datasets made each stored report (the corpus scan's run key), so a rerun into
the store alone can skip what is already there and unchanged

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("versions", sa.Column("run_key", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("run_key")
