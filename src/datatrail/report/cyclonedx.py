"""Report -> CycloneDX 1.6 JSON: the app, the SDKs inside it, and the services it names.

A software bill of materials answers "what is in it" for supply-chain tools
(Dependency-Track, GUAC, procurement checklists). datatrail's inventory is
evidence-based, not declared by a build system, so every SDK component carries
CycloneDX ``evidence.identity`` with how it was identified. Confidence words map to
numbers as 0.9 (high), 0.6 (medium) and 0.3 (low): an ordering, not a measured
probability.

No purl is invented: an SDK found by class prefixes has no known Maven
coordinates or version, and a made-up package URL would send vulnerability
matching to the wrong package.
"""

from __future__ import annotations

import json
import uuid
from pathlib import PurePath
from typing import Any

from datatrail.model.report import CodeOwner, Destination, Report
from datatrail.model.sdk import SdkEvidence, SdkFinding

__all__ = ["SPEC_VERSION", "CONFIDENCE", "to_cyclonedx_dict", "to_cyclonedx"]

SPEC_VERSION = "1.6"
CONFIDENCE = {"high": 0.9, "medium": 0.6, "low": 0.3}

# Class patterns are matched in compiled bytecode (DEX/class files), not source; the rest
# match file names or manifest entries, which CycloneDX names separately.
_TECHNIQUE = {
    "class-prefix": "binary-analysis",
    "class-package": "binary-analysis",
    "class-regex": "binary-analysis",
    "objc-class": "binary-analysis",
    "ios-framework": "filename",
    "native-lib": "filename",
    "asset": "filename",
    "manifest-component": "manifest-analysis",
    "manifest-meta-data": "manifest-analysis",
    "manifest-permission": "manifest-analysis",
}
_LIBRARY_KINDS = frozenset({"jar", "aar", "dex", "class", "ar", "macho", "framework"})
_NAMESPACE = uuid.UUID("6d1c3a52-9f0e-4b6b-8a43-0c5d2f8e7a10")


def _prop(name: str, value: object) -> dict[str, str]:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return {"name": f"datatrail:{name}", "value": text}


def _app_ref(report: Report) -> str:
    return f"app:{report.app.package or report.inputs[0].sha256}"


def _app_component(report: Report) -> dict[str, Any]:
    app, primary = report.app, report.inputs[0]
    # An SDK binary analysed on its own (jar, aar, dex) is a library, not an application.
    kind = "library" if primary.kind in _LIBRARY_KINDS and app.package is None else "application"
    component: dict[str, Any] = {
        "type": kind,
        "bom-ref": _app_ref(report),
        "name": app.package or app.label or PurePath(primary.path).name,
    }
    if app.version_name:
        component["version"] = app.version_name
    if app.label and app.package:
        component["description"] = app.label
    component["hashes"] = [{"alg": "SHA-256", "content": i.sha256} for i in report.inputs]
    props = [_prop("input:kind", primary.kind), _prop("input:file", PurePath(primary.path).name)]
    for name in ("version_code", "min_sdk", "target_sdk", "compile_sdk"):
        value = getattr(app, name)
        if value is not None:
            props.append(_prop(f"app:{name}", value))
    props.append(_prop("app:class_count", app.class_count))
    props.extend(_prop("app:split", s) for s in app.splits)
    component["properties"] = props
    return component


def _method(evidence: SdkEvidence, confidence: float) -> dict[str, Any]:
    examples = f"; e.g. {', '.join(evidence.examples)}" if evidence.examples else ""
    return {
        "technique": _TECHNIQUE.get(evidence.kind, "other"),
        "confidence": confidence,
        "value": f"{evidence.kind} {evidence.pattern}: {evidence.count} matched{examples}",
    }


def _sdk_component(sdk: SdkFinding) -> dict[str, Any]:
    confidence = CONFIDENCE.get(sdk.confidence, 0.3)
    component: dict[str, Any] = {"type": "library", "bom-ref": sdk.id, "name": sdk.name}
    if sdk.vendor and sdk.vendor != "unknown":
        supplier: dict[str, Any] = {"name": sdk.vendor}
        if sdk.website:
            supplier["url"] = [sdk.website]
        component["supplier"] = supplier
        component["publisher"] = sdk.vendor
    if sdk.website:
        component["externalReferences"] = [{"type": "website", "url": sdk.website}]
    component["evidence"] = {
        "identity": [
            {
                "field": "name",
                "confidence": confidence,
                "concludedValue": sdk.name,
                "methods": [_method(e, confidence) for e in sdk.evidence],
            }
        ],
    }
    props = [
        _prop("sdk:id", sdk.id),
        _prop("sdk:source", sdk.source),
        _prop("sdk:confidence", sdk.confidence),
        _prop("sdk:obfuscated", sdk.obfuscated),
        _prop("sdk:class_count", sdk.class_count),
    ]
    if sdk.vendor_country:
        props.append(_prop("sdk:vendor_country", sdk.vendor_country))
    if sdk.parent:
        props.append(_prop("sdk:parent", sdk.parent))
    if sdk.parent_country:
        props.append(_prop("sdk:parent_country", sdk.parent_country))
    props.extend(_prop("sdk:category", c) for c in sdk.categories)
    props.extend(_prop("sdk:alias", a) for a in sdk.aliases)
    component["properties"] = props
    return component


def _owner_key(owner: CodeOwner) -> tuple[str, str]:
    return owner.kind, owner.id


def _service(dest: Destination, categories: dict[tuple[str, str], set[str]]) -> dict[str, Any]:
    endpoint, attribution = dest.endpoint, dest.attribution
    service: dict[str, Any] = {"bom-ref": f"service:{endpoint.host}", "name": endpoint.host}
    if attribution.organisation:
        service["provider"] = {"name": attribution.organisation}
    if endpoint.urls:
        service["endpoints"] = list(endpoint.urls)
    if endpoint.party in ("first", "third"):
        service["x-trust-boundary"] = endpoint.party == "third"
    # Categories of data the code naming this host can read: what could reach it, not what
    # was seen going there, hence flow "unknown".
    data = sorted(set().union(*(categories.get(_owner_key(o), set()) for o in dest.owners)))
    if data:
        service["data"] = [{"flow": "unknown", "classification": c} for c in data]
    props = [_prop("destination:party", endpoint.party), _prop("destination:cleartext", endpoint.cleartext)]
    if endpoint.registrable_domain:
        props.append(_prop("destination:registrable_domain", endpoint.registrable_domain))
    if attribution.service:
        props.append(_prop("destination:service", attribution.service))
    if attribution.parent:
        props.append(_prop("destination:parent", attribution.parent))
    if attribution.org_country:
        props.append(_prop("destination:org_country", attribution.org_country))
    if attribution.organisation_country:
        props.append(_prop("destination:organisation_country", attribution.organisation_country))
    servers = [attribution.server_country, *(a.server_country for a in dest.addresses)]
    props.extend(_prop("destination:server_country", c) for c in sorted({c for c in servers if c}))
    if attribution.cctld_country:
        props.append(_prop("destination:cctld_country", attribution.cctld_country))
    props.extend(_prop("destination:flag", f"{f.id} {f.country} ({f.basis})") for f in attribution.flags)
    props.extend(_prop("destination:owner", f"{o.kind}:{o.id}") for o in dest.owners)
    service["properties"] = props
    return service


def to_cyclonedx_dict(report: Report) -> dict[str, Any]:
    primary = report.inputs[0]
    categories: dict[tuple[str, str], set[str]] = {}
    for access in report.data_access:
        for owner in access.owners:
            categories.setdefault(_owner_key(owner), set()).update(access.data_categories)
    app_ref = _app_ref(report)
    sdk_refs = [sdk.id for sdk in report.sdks_in_code]
    services = [_service(d, categories) for d in report.destinations]
    bom: dict[str, Any] = {
        "$schema": f"http://cyclonedx.org/schema/bom-{SPEC_VERSION}.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        # Derived from the input and the scan time, so re-rendering a saved report yields the
        # same BOM identity while two scans stay distinct.
        "serialNumber": uuid.uuid5(_NAMESPACE, f"{primary.sha256}\0{report.generated_at}").urn,
        "version": 1,
        "metadata": {
            "timestamp": report.generated_at,
            "tools": {"components": [{"type": "application", "name": report.tool.name, "version": report.tool.version}]},
            "component": _app_component(report),
            "properties": [_prop("schema_version", report.schema_version), _prop("viewer", report.viewer),
                           _prop("complete", "true" if report.completeness.complete else "false")]
            + [_prop("dataset", f"{d.name} {d.version}") for d in report.datasets],
        },
        "components": [_sdk_component(sdk) for sdk in report.sdks_in_code],
        "services": services,
        "dependencies": [{"ref": app_ref, "dependsOn": sdk_refs}] + [{"ref": ref} for ref in sdk_refs],
    }
    return bom


def to_cyclonedx(report: Report) -> str:
    return json.dumps(to_cyclonedx_dict(report), indent=2, ensure_ascii=False) + "\n"
