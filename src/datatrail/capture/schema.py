"""The JSON Schema of ``datatrail capture --format json``, generated from the capture model.

The committed ``report/schema/capture.schema.json`` is this module's output
(``python -m datatrail.capture.schema > src/datatrail/report/schema/capture.schema.json``);
a test keeps them equal, so a contract change is always a visible diff.
Bodies are bytes in the model and text in JSON: UTF-8 as is, anything else
base64, with ``body_encoding`` saying which.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any

from datatrail.knowledge.viewers import VIEWERS
from datatrail.model.capture import CaptureReport
from datatrail.model.http import HttpRequest
from datatrail.model.personal_data import ENCODINGS, HIT_KINDS
from datatrail.report.schema_gen import object_schema, schema_for

__all__ = ["capture_schema"]

_ENDPOINT = r"^(\[[0-9A-Fa-f:.]+\]|[^\[\]:]+):[0-9]{1,5}$"
_OVERRIDES: dict[tuple[str, str], dict[str, Any]] = {
    ("CaptureReport", "schema_version"): {"type": "string", "pattern": r"^1\.[0-9]+$"},
    ("CaptureReport", "viewer"): {"enum": list(VIEWERS)},
    ("CaptureInput", "sha256"): {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    ("CaptureInput", "format"): {"enum": ["pcap", "pcapng", "har", "mitmproxy"]},
    ("Flow", "client"): {"type": "string", "pattern": _ENDPOINT},
    ("Flow", "server"): {"type": "string", "pattern": _ENDPOINT},
    ("Flow", "transport"): {"enum": ["tcp", "udp"]},
    ("Flow", "protocol"): {"enum": ["tls", "http", "dns", "quic", "unknown"]},
    ("Flow", "hostname_source"): {"enum": ["sni", "http-host", "dns-answer", "dns-query", "har", None]},
    ("TrafficDestination", "kind"): {"enum": ["host", "ip"]},
    ("HttpRequest", "scheme"): {"enum": ["http", "https"]},
    ("HttpRequest", "source"): {"enum": ["pcap", "har", "mitmproxy"]},
    ("DataHit", "rule_id"): {"type": "string", "pattern": "^NET[0-9]{3}$"},
    ("DataHit", "kind"): {"enum": list(HIT_KINDS)},
    ("DataHit", "encoding"): {"enum": list(ENCODINGS)},
}


def _apply_overrides(defs: dict[str, Any]) -> None:
    for (cls, name), schema in _OVERRIDES.items():
        if cls in defs and name in defs[cls]["properties"]:
            defs[cls]["properties"][name] = schema


def _request_def(defs: dict[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(HttpRequest)
    props: dict[str, Any] = {}
    for f in dataclasses.fields(HttpRequest):
        if f.name == "body":
            props["body"] = {"type": "string"}
            props["body_encoding"] = {"enum": ["utf-8", "base64"]}
        else:
            props[f.name] = schema_for(hints[f.name], defs)
    return {"type": "object", "additionalProperties": False, "required": list(props), "properties": props}


def capture_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {"HttpRequest": _request_def({})}
    report = object_schema(CaptureReport, defs)
    defs["CaptureReport"] = report
    _apply_overrides(defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:datatrail:capture:1",
        "title": "datatrail capture report",
        "description": "Output of `datatrail capture --format json`. Keys are never renamed within a major "
        "schema_version; a minor version only adds fields.",
        "type": "object",
        "additionalProperties": False,
        "required": ["schema_version", "viewer", "captures"],
        "properties": {
            "schema_version": {"type": "string", "pattern": r"^1\.[0-9]+$"},
            "viewer": {"enum": list(VIEWERS)},
            "captures": {"type": "array", "items": {"$ref": "#/$defs/CaptureReport"}},
        },
        "$defs": dict(sorted(defs.items())),
    }


if __name__ == "__main__":
    print(json.dumps(capture_schema(), indent=2, ensure_ascii=False))
