"""Build the report's JSON Schema from the model's dataclasses.

The committed schema file is this function's output; a test keeps them equal,
so a change to the contract is always a visible diff in the schema file.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from enum import Enum
from typing import Any

from datatrail.knowledge.viewers import VIEWERS
from datatrail.model.report import Report, type_hints
from datatrail.model.sdk import PRESENCE_CODE, PRESENCE_DECLARED

__all__ = ["report_schema", "object_schema", "schema_for"]

# Constraints the type hints cannot say.
_OVERRIDES: dict[tuple[str, str], dict[str, Any]] = {
    ("Report", "schema_version"): {"type": "string", "pattern": r"^1\.[0-9]+$"},
    ("Report", "generated_at"): {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"},
    ("Report", "viewer"): {"enum": list(VIEWERS)},
    ("ToolInfo", "name"): {"const": "datatrail"},
    ("InputFile", "sha256"): {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    ("InputFile", "kind"): {"enum": ["apk", "apks", "xapk", "apkm", "aab", "jar", "aar", "dex", "class",
                                        "ipa", "app", "framework", "macho", "ar"]},
    ("AppIdentity", "platform"): {"enum": ["android", "ios"]},
    ("Finding", "rule_id"): {"type": "string", "pattern": "^[A-Z]{2,5}[0-9]{3}$"},
    ("Finding", "fingerprint"): {"type": "string", "pattern": "^[0-9a-f]{32}$"},
    ("Certificate", "scheme"): {"enum": ["v1", "v2", "v3", "v3.1"]},
    ("Certificate", "sha256"): {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    ("Certificate", "sha1"): {"type": "string", "pattern": "^[0-9a-f]{40}$"},
    ("Component", "kind"): {"enum": ["activity", "activity-alias", "service", "receiver", "provider"]},
    ("CodeOwner", "kind"): {"enum": ["sdk", "app", "library"]},
    ("SdkFinding", "confidence"): {"enum": ["high", "medium", "low"]},
    ("SdkFinding", "source"): {"enum": ["datatrail", "exodus-etip"]},
    ("SdkFinding", "presence"): {"enum": [PRESENCE_CODE, PRESENCE_DECLARED]},
    ("Endpoint", "party"): {"enum": ["first", "third", "unknown"]},
}
_MIN_ITEMS = {("Report", "inputs"): 1, ("Report", "datasets"): 1}


def schema_for(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema of one type hint; a dataclass is added to ``defs`` once and referenced."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        inner = schema_for(members[0], defs) if len(members) == 1 else {"anyOf": [schema_for(a, defs) for a in members]}
        if type(None) not in args:
            return inner
        if set(inner) == {"type"} and isinstance(inner["type"], str):
            return {"type": [inner["type"], "null"]}
        return {"anyOf": [inner, {"type": "null"}]}
    if origin is tuple or origin is list:
        return {"type": "array", "items": schema_for(args[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": schema_for(args[1], defs)}
    if isinstance(tp, type) and issubclass(tp, Enum):
        return {"enum": [m.value for m in tp]}
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        _define(tp, defs)
        return {"$ref": f"#/$defs/{tp.__name__}"}
    simple = {str: "string", bool: "boolean", int: "integer", float: "number"}
    if tp in simple:
        return {"type": simple[tp]}
    if tp is object or tp is Any:
        return {}
    raise TypeError(f"no JSON Schema for {tp!r}")


def object_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema of one dataclass: its fields as properties, the report's overrides applied."""
    hints = type_hints(cls)
    props: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name.startswith("_"):
            continue
        schema = _OVERRIDES.get((cls.__name__, f.name)) or schema_for(hints[f.name], defs)
        if (cls.__name__, f.name) in _MIN_ITEMS:
            schema = {**schema, "minItems": _MIN_ITEMS[(cls.__name__, f.name)]}
        props[f.name] = schema
    return {"type": "object", "additionalProperties": False, "required": list(props), "properties": props}


def _define(cls: type, defs: dict[str, Any]) -> None:
    if cls.__name__ in defs:
        return
    defs[cls.__name__] = {}  # placeholder: recursion guard
    defs[cls.__name__] = object_schema(cls, defs)


def report_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    body = object_schema(Report, defs)
    order = ["schema_version"] + [k for k in body["properties"] if k != "schema_version"]
    body["properties"] = {k: body["properties"][k] for k in order}
    body["required"] = order
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:datatrail:report:1",
        "title": "datatrail static scan report",
        "description": "Output of `datatrail scan --format json`. Keys are never renamed within a major "
        "schema_version; a minor version only adds fields.",
        **body,
        "$defs": dict(sorted(defs.items())),
    }
