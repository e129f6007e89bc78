"""The first schema: queue, files, apps, versions, reports, query tables, tokens

Revision ID: 0001
Revises: 
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('workers',
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('started_at', sa.Float(), nullable=False),
    sa.Column('seen_at', sa.Float(), nullable=False),
    sa.Column('jobs', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('apps',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('package', sa.String(length=255), nullable=False),
    sa.Column('label', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'package', name='uq_apps_platform_package')
    )
    op.create_table('blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('suffix', sa.String(length=16), nullable=False),
    sa.Column('stored_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    op.create_table('tokens',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('revoked_at', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('digest'),
    sa.UniqueConstraint('name')
    )
    op.create_table('versions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('app_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('version_name', sa.Text(), nullable=True),
    sa.Column('version_code', sa.String(length=32), nullable=True),
    sa.Column('signer_sha256', sa.String(length=64), nullable=True),
    sa.Column('label', sa.Text(), nullable=True),
    sa.Column('worst_severity', sa.Integer(), nullable=False),
    sa.Column('complete', sa.Integer(), nullable=False),
    sa.Column('scanned_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sha256')
    )
    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_versions_app_id'), ['app_id'], unique=False)
        batch_op.create_index('ix_versions_app_scanned', ['app_id', 'scanned_at'], unique=False)

    op.create_table('jobs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('submitted_at', sa.Float(), nullable=False),
    sa.Column('started_at', sa.Float(), nullable=True),
    sa.Column('finished_at', sa.Float(), nullable=True),
    sa.Column('lease_owner', sa.String(length=128), nullable=True),
    sa.Column('lease_until', sa.Float(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.Column('token_id', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['sha256'], ['blobs.sha256'], ),
    sa.ForeignKeyConstraint(['token_id'], ['tokens.id'], ),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_lease_until'), ['lease_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_status'), ['status'], unique=False)

    op.create_table('reports',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('schema_version', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], ),
    sa.PrimaryKeyConstraint('version_id')
    )
    op.create_table('version_destinations',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('registrable_domain', sa.String(length=255), nullable=True),
    sa.Column('organisation', sa.Text(), nullable=True),
    sa.Column('org_country', sa.String(length=2), nullable=True),
    sa.Column('server_country', sa.String(length=2), nullable=True),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], )
    )
    with op.batch_alter_table('version_destinations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_version_destinations_host'), ['host'], unique=False)
        batch_op.create_index(batch_op.f('ix_version_destinations_org_country'), ['org_country'], unique=False)
        batch_op.create_index(batch_op.f('ix_version_destinations_server_country'), ['server_country'], unique=False)
        batch_op.create_index(batch_op.f('ix_version_destinations_version_id'), ['version_id'], unique=False)

    op.create_table('version_findings',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.String(length=32), nullable=False),
    sa.Column('severity_rank', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], )
    )
    with op.batch_alter_table('version_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_version_findings_rule_id'), ['rule_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_version_findings_version_id'), ['version_id'], unique=False)

    op.create_table('version_flags',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('flag', sa.String(length=64), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], )
    )
    with op.batch_alter_table('version_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_version_flags_flag'), ['flag'], unique=False)
        batch_op.create_index(batch_op.f('ix_version_flags_version_id'), ['version_id'], unique=False)

    op.create_table('version_permissions',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], )
    )
    with op.batch_alter_table('version_permissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_version_permissions_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_version_permissions_version_id'), ['version_id'], unique=False)

    op.create_table('version_sdks',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('sdk_id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('vendor', sa.Text(), nullable=False),
    sa.Column('vendor_country', sa.String(length=2), nullable=True),
    sa.Column('presence', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], )
    )
    with op.batch_alter_table('version_sdks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_version_sdks_sdk_id'), ['sdk_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_version_sdks_vendor_country'), ['vendor_country'], unique=False)
        batch_op.create_index(batch_op.f('ix_version_sdks_version_id'), ['version_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('version_sdks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_version_sdks_version_id'))
        batch_op.drop_index(batch_op.f('ix_version_sdks_vendor_country'))
        batch_op.drop_index(batch_op.f('ix_version_sdks_sdk_id'))

    op.drop_table('version_sdks')
    with op.batch_alter_table('version_permissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_version_permissions_version_id'))
        batch_op.drop_index(batch_op.f('ix_version_permissions_name'))

    op.drop_table('version_permissions')
    with op.batch_alter_table('version_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_version_flags_version_id'))
        batch_op.drop_index(batch_op.f('ix_version_flags_flag'))

    op.drop_table('version_flags')
    with op.batch_alter_table('version_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_version_findings_version_id'))
        batch_op.drop_index(batch_op.f('ix_version_findings_rule_id'))

    op.drop_table('version_findings')
    with op.batch_alter_table('version_destinations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_version_destinations_version_id'))
        batch_op.drop_index(batch_op.f('ix_version_destinations_server_country'))
        batch_op.drop_index(batch_op.f('ix_version_destinations_org_country'))
        batch_op.drop_index(batch_op.f('ix_version_destinations_host'))

    op.drop_table('version_destinations')
    op.drop_table('reports')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_status'))
        batch_op.drop_index(batch_op.f('ix_jobs_sha256'))
        batch_op.drop_index(batch_op.f('ix_jobs_lease_until'))

    op.drop_table('jobs')
    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.drop_index('ix_versions_app_scanned')
        batch_op.drop_index(batch_op.f('ix_versions_app_id'))

    op.drop_table('versions')
    op.drop_table('tokens')
    op.drop_table('blobs')
    op.drop_table('apps')
    op.drop_table('workers')
