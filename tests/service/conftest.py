"""Every service test runs on SQLite and on PostgreSQL (skipped, with the reason, without a server);
``service`` is the API in-process over a fresh store (test_pages.py has its own, for the pages)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from datatrail.service.api import create_app
from datatrail.service.config import ServiceConfig
from datatrail.store import Store, open_store
from tests.support.databases import database

__all__ = ["database", "service"]


@pytest.fixture
def service(database: str, tmp_path: Path) -> Iterator[tuple[TestClient, Store, ServiceConfig]]:
    config = ServiceConfig(data_dir=tmp_path / "data", database=database, max_upload=8 << 20)
    store = open_store(database, config.data_dir)
    with TestClient(create_app(config, store)) as client:
        yield client, store, config
    store.engine.dispose()
