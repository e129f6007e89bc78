"""Report <-> JSON. The layout is the published schema (schema/report.schema.json)."""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from typing import Any

from datatrail.model.report import Report

__all__ = ["to_dict", "to_json", "renamed_input"]


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def to_dict(report: Report) -> dict[str, Any]:
    """Plain JSON-ready dict; keys are in model order, schema_version first."""
    body = _plain(report)
    return {"schema_version": body.pop("schema_version"), **body}


def to_json(report: Report, indent: int | None = 2) -> str:
    return json.dumps(to_dict(report), indent=indent, ensure_ascii=False) + "\n"


def renamed_input(text: str, old: str, new: str) -> str:
    """A report's JSON text (as ``to_json`` writes it) with the input named ``new`` wherever it
    named it ``old`` (its path, findings' locations): for a report made from a copy of the file."""
    return text.replace(json.dumps(old, ensure_ascii=False)[1:-1], json.dumps(new, ensure_ascii=False)[1:-1])
