"""The capture JSON contract: the committed schema is the model's, and every corpus capture's output obeys it."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from datatrail.capture import analyse_capture
from datatrail.capture.known_values import parse_known
from datatrail.capture.schema import capture_schema
from datatrail.errors import InputError
from datatrail.report.capture_json import capture_to_dict
from tests.support.corpus import CORPUS, corpus_files

CAPTURES = corpus_files("net/ndpi/pcap/*", "net/pcapdroid/*", "net/har/**/*.har", "net/mitmproxy/**/*")
KNOWN = parse_known("email=stanleygvi@gmail.com,imei=356938035643809")


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(resources.files("datatrail.report").joinpath("schema/capture.schema.json").read_text("utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_committed_schema_is_the_generated_one() -> None:
    """Regenerate with `python -m datatrail.capture.schema > src/datatrail/report/schema/capture.schema.json`."""
    committed = json.loads(resources.files("datatrail.report").joinpath("schema/capture.schema.json").read_text("utf-8"))
    assert committed == capture_schema()


def _doc(path: Path) -> dict[str, object]:
    report = analyse_capture(path, known=KNOWN)
    return json.loads(json.dumps({"schema_version": report.schema_version, "viewer": report.viewer,
                                  "captures": [capture_to_dict(report)]}))


@pytest.mark.skipif(not CAPTURES, reason="corpus not present")
def test_every_corpus_capture_validates(validator: jsonschema.protocols.Validator) -> None:
    checked = 0
    for path in CAPTURES:
        try:
            doc = _doc(path)
        except InputError:
            continue  # not a capture (e.g. a HAR test fixture of another shape): the CLI says so, exit 3
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        assert not errors, f"{path.relative_to(CORPUS or path)}: " + "; ".join(
            f"{list(e.path)}: {e.message}" for e in errors[:5])
        checked += 1
    assert checked >= 60


@pytest.mark.skipif(not CAPTURES, reason="corpus not present")
def test_schema_is_strict(validator: jsonschema.protocols.Validator) -> None:
    doc = _doc(next(p for p in CAPTURES if p.name == "diff_data.har"))
    captures = doc["captures"]
    assert isinstance(captures, list)
    flow = captures[0]["flows"][0]
    flow["client_ip"] = flow.pop("client")
    assert list(validator.iter_errors(doc))
    flow["client"] = "not-an-endpoint"
    del flow["client_ip"]
    assert list(validator.iter_errors(doc))
