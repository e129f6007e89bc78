"""The store's tables (SQLAlchemy Core). ``migrations/`` creates and evolves them; a test checks
that the migrated schema is exactly this one."""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

__all__ = [
    "metadata", "jobs", "blobs", "apps", "versions", "reports", "version_sdks", "version_destinations",
    "version_flags", "version_permissions", "version_findings", "captures", "tokens", "workers",
]

metadata = MetaData()

blobs = Table(
    "blobs", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("suffix", String(16), nullable=False),
    Column("stored_at", Float, nullable=False),
)
"""Uploaded files, stored content-addressed on disk (``Blobs``); a row once the file is complete."""

jobs = Table(
    "jobs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), ForeignKey("blobs.sha256"), nullable=False, index=True),
    Column("filename", String(255), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("submitted_at", Float, nullable=False),
    Column("started_at", Float),
    Column("finished_at", Float),
    Column("lease_owner", String(128)),
    Column("lease_until", Float, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("seconds", Float),
    Column("token_id", Integer, ForeignKey("tokens.id")),
    Column("version_id", Integer, ForeignKey("versions.id")),
    Column("kind", String(16)),
)
"""The queue: ``queued`` -> ``running`` (leased to a worker until ``lease_until``) -> ``done`` or ``failed``.
A done job's ``kind`` says what it made: an app ``version`` (``version_id``) or a ``capture``
(the ``captures`` row of its ``sha256``)."""

apps = Table(
    "apps", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(16), nullable=False),
    Column("package", String(255), nullable=False),
    Column("label", Text),
    Column("latest_version_id", Integer),
    UniqueConstraint("platform", "package", name="uq_apps_platform_package"),
)
"""One row per app; ``latest_version_id`` is its newest version (the highest id), set as each is
recorded (no foreign key: SQLite could not add one to an existing store)."""

versions = Table(
    "versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app_id", Integer, ForeignKey("apps.id"), nullable=False, index=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("size", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("version_name", Text),
    Column("version_code", String(32)),
    Column("signer_sha256", String(64)),
    Column("label", Text),
    Column("worst_severity", Integer, nullable=False),
    Column("complete", Integer, nullable=False),
    Column("scanned_at", Float, nullable=False),
    Column("run_key", String(32)),
    # Tool version and dataset digests that made the report (cluster.output.run_key), when known.
)

reports = Table(
    "reports", metadata,
    Column("version_id", Integer, ForeignKey("versions.id"), primary_key=True),
    Column("schema_version", String(16), nullable=False),
    Column("body", Text, nullable=False),
)
"""Each version's report, the JSON text ``datatrail scan --format json`` writes."""

version_sdks = Table(
    "version_sdks", metadata,
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False, index=True),
    Column("sdk_id", String(128), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("vendor", Text, nullable=False),
    Column("vendor_country", String(2), index=True),
    Column("presence", String(16), nullable=False),
)

version_destinations = Table(
    "version_destinations", metadata,
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False, index=True),
    Column("host", String(255), nullable=False, index=True),
    Column("registrable_domain", String(255)),
    Column("organisation", Text),
    Column("org_country", String(2), index=True),
    Column("server_country", String(2), index=True),
)

version_flags = Table(
    "version_flags", metadata,
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False, index=True),
    Column("flag", String(64), nullable=False, index=True),
    Column("country", String(2)),
    Column("host", String(255), nullable=False),
)
"""Jurisdiction flags of the version's destinations (``compelled-access``, ``eu-third-country``...)."""

version_permissions = Table(
    "version_permissions", metadata,
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False, index=True),
    Column("name", String(255), nullable=False, index=True),
)

version_findings = Table(
    "version_findings", metadata,
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False, index=True),
    Column("rule_id", String(32), nullable=False, index=True),
    Column("severity_rank", Integer, nullable=False),
)

captures = Table(
    "captures", metadata,
    Column("sha256", String(64), ForeignKey("blobs.sha256"), primary_key=True),
    Column("format", String(16), nullable=False),
    Column("size", Integer, nullable=False),
    Column("flows", Integer, nullable=False),
    Column("destinations", Integer, nullable=False),
    Column("personal_data", Integer, nullable=False),
    Column("schema_version", String(16), nullable=False),
    Column("scanned_at", Float, nullable=False),
    Column("body", Text, nullable=False),
)
"""Each uploaded capture's report, the JSON text ``datatrail capture --format json`` writes."""

tokens = Table(
    "tokens", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float),
)
"""API tokens, stored as the SHA-256 of the secret (shown once, never kept)."""

workers = Table(
    "workers", metadata,
    Column("name", String(128), primary_key=True),
    Column("started_at", Float, nullable=False),
    Column("seen_at", Float, nullable=False),
    Column("jobs", Integer, nullable=False),
)
"""Workers' heartbeats: who is alive, for ``/readyz``."""

Index("ix_versions_app_scanned", versions.c.app_id, versions.c.scanned_at)
Index("ix_apps_latest_version", apps.c.latest_version_id)
Index("ix_jobs_token_submitted", jobs.c.token_id, jobs.c.submitted_at)
