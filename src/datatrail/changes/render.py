"""A diff as JSON (``datatrail-diff/1``) or as plain text (the service's text answer, a pull-request comment).

The terminal's view is ``datatrail.report.diff_terminal``, on rich."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from datatrail.model.changes import AppVersion, DiffItem, ReportDiff

__all__ = ["DIFF_FORMAT", "SECTION_TITLES", "diff_document", "diff_json", "diff_text", "version_label"]

DIFF_FORMAT = "datatrail-diff/1"

SECTION_TITLES = {
    "sdks": "SDKs",
    "permissions": "Permissions",
    "destinations": "Destinations (hosts named in the package)",
    "org_countries": "Countries of the organisations behind those hosts",
    "server_countries": "Countries the servers are in (--resolve)",
    "data_categories": "Data categories within reach",
    "data": "Data the code can read",
    "findings": "Findings",
}


def _item(item: DiffItem) -> dict[str, Any]:
    return {"key": item.key, "detail": item.detail, "flagged": item.flagged}


def diff_document(diff: ReportDiff) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": DIFF_FORMAT,
        "old": dataclasses.asdict(diff.old),
        "new": dataclasses.asdict(diff.new),
        "changed": diff.changed,
        "finding_key": diff.finding_key,
    }
    for section in diff.sections:
        doc[section.name] = {"added": [_item(i) for i in section.added], "removed": [_item(i) for i in section.removed]}
    return doc


def diff_json(diff: ReportDiff) -> str:
    return json.dumps(diff_document(diff), indent=2, ensure_ascii=False) + "\n"


def version_label(v: AppVersion) -> str:
    """``me.wcy.music 1.3.1 (code 131)``: the package (else the path) and what it says of its version."""
    code = f"code {v.version_code}" if v.version_code is not None else ""
    version = f"{v.version_name} ({code})" if v.version_name and code else v.version_name or code
    return f"{v.package or v.path} {version}".rstrip()


def diff_text(diff: ReportDiff) -> str:
    lines = [f"{version_label(diff.old)} -> {version_label(diff.new)}"]
    if not diff.changed:
        lines.append("no change in SDKs, permissions, destinations, countries, data or findings")
        return "\n".join(lines) + "\n"
    if diff.finding_key != "fingerprint":
        lines.append("(different packages: findings matched by rule and message)")
    for section in diff.sections:
        if not section.changed:
            continue
        lines.append("")
        lines.append(f"{SECTION_TITLES[section.name]}: {len(section.added)} added, {len(section.removed)} removed")
        for sign, items in (("+", section.added), ("-", section.removed)):
            for item in items:
                mark = " !" if item.flagged else ""
                detail = item.detail if section.name != "findings" else ""
                text = item.detail if section.name == "findings" else f"{item.key}  {detail}".rstrip()
                lines.append(f"  {sign}{mark} {text}")
    return "\n".join(lines) + "\n"
