"""Captures: the reports of uploaded pcap, pcapng, HAR and mitmproxy files, and what each job made

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "captures",
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), primary_key=True),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("flows", sa.Integer, nullable=False),
        sa.Column("destinations", sa.Integer, nullable=False),
        sa.Column("personal_data", sa.Integer, nullable=False),
        sa.Column("schema_version", sa.String(16), nullable=False),
        sa.Column("scanned_at", sa.Float, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("kind", sa.String(16)))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("kind")
    op.drop_table("captures")
