"""Validators for the vendored official SARIF and CycloneDX schemas (tests/fixtures/schemas)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT7

from tests.support import paths

__all__ = ["SCHEMAS", "sarif_validator", "cyclonedx_validator", "errors_of"]

SCHEMAS = paths.FIXTURES / "schemas"
# The CycloneDX copies come from cyclonedx-python-lib, which renamed the $ref targets to
# *.SNAPSHOT.schema.json; relative to the bom schema's $id they resolve to these URIs.
_CYCLONEDX_BASE = "http://cyclonedx.org/schema/"


def _load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return doc


@cache
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = _load("sarif-schema-2.1.0.json")
    # The OASIS schema declares draft-04.
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@cache
def cyclonedx_validator() -> jsonschema.protocols.Validator:
    schema = _load("bom-1.6.SNAPSHOT.schema.json")
    registry: Registry = Registry().with_resources(
        (_CYCLONEDX_BASE + name, DRAFT7.create_resource(_load(name)))
        for name in ("spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json")
    )
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


def errors_of(validator: jsonschema.protocols.Validator, doc: Any) -> list[str]:
    """Readable schema violations, after a JSON round trip so tuples and the like cannot hide."""
    plain = json.loads(json.dumps(doc))
    errors = sorted(validator.iter_errors(plain), key=lambda e: list(e.absolute_path))
    return [f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:5]]
