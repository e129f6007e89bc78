"""schemathesis against the API's own OpenAPI document: generated requests (queries, paths,
multipart uploads) never get a 5xx, and every response matches what the document promises."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from datatrail.app.pipeline import scan_file
from datatrail.report.json import to_json
from datatrail.service.api import create_app
from datatrail.service.config import ServiceConfig
from datatrail.store import open_store
from datatrail.store.catalogue import record_report
from tests.support.corpus import CORPUS

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis not installed (pip install -e '.[test]')")

_DATA = Path(tempfile.mkdtemp(prefix="datatrail-schema-"))
_CONFIG = ServiceConfig(data_dir=_DATA, max_upload=1 << 20)
_STORE = open_store(None, _DATA)
if CORPUS is not None:  # one real report, so that reads have something to return
    _app = CORPUS / "apk/bugly-demo/BuglyHotfixDemo-app-release.apk"
    _text = to_json(scan_file(_app))
    _stored = _STORE.store_file(io.BytesIO(_app.read_bytes()), _app.name, 1 << 30)
    _STORE.submit(_stored, _app.name)
    with _STORE.begin() as _conn:
        record_report(_conn, _stored.sha256, _stored.size, json.loads(_text), _text, 1.0)

from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

# /readyz answers 503 while jobs wait and no worker runs, as documented (and as here: no worker);
# the readiness is tested with real workers in test_server.py.
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(_CONFIG, _STORE)).exclude(path="/readyz")


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_keeps_its_promises(case: "schemathesis.Case") -> None:
    # Bytes that match the schema (any file) are still refused when they are not an app: that is
    # the 422 the document promises, not a broken promise, so that one check does not apply.
    # A status request may wait up to a minute for its scan (here a job no worker ends): the
    # waiting itself is tested in test_api.py; here, that any valid wait gets a valid answer.
    wait = case.query.get("wait") if isinstance(case.query, dict) else None
    try:
        if wait is not None and float(wait) > 0.05:
            case.query["wait"] = "0.05"
    except (TypeError, ValueError):
        pass  # not a number: the 422 it gets is what is checked
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
