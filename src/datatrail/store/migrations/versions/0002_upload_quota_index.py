"""Uploads by token and time, for per-token quotas

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_jobs_token_submitted", "jobs", ["token_id", "submitted_at"])


def downgrade() -> None:
    op.drop_index("ix_jobs_token_submitted", table_name="jobs")
