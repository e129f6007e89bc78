"""The privacy label as a document: JSON for machines, plain text for a terminal.

``to_label(report)`` is the ``--format label`` renderer of a static report;
``label_document`` and ``label_text`` also take a comparison with a declared
label (``datatrail label --declared``). Layout in docs/labels.md.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from datatrail.labels.derive import derive_from_report
from datatrail.labels.taxonomy import dataset_info
from datatrail.model.label import DerivedLabel, LabelComparison, LabelEntry, Mismatch
from datatrail.model.report import Report
from datatrail.report.visible import visible

__all__ = ["LABEL_FORMAT", "NOTE", "to_label", "label_document", "label_json", "label_text"]

LABEL_FORMAT = "datatrail-label/1"
NOTE = (
    "Derived from evidence, not from the developer's declaration. Static evidence (code that reads the data, "
    "permissions that reach it) shows what the app can collect, not that it does; traffic evidence shows data "
    "that left the device. third_parties are SDK vendors whose code reads the data or organisations that "
    "received it: the data may be shared with them."
)
_STORE_NAMES = {"play": "Google Play Data safety", "apple": "Apple App Privacy"}


def _entry(entry: LabelEntry) -> dict[str, Any]:
    return {
        "category": entry.category,
        "type": entry.data_type,
        "basis": entry.basis,
        "sources": list(entry.sources),
        "third_parties": list(entry.third_parties),
        "reasons": [{"source": r.source, "basis": r.basis, "evidence": r.evidence} for r in entry.reasons],
        "reason_count": entry.reason_count,
    }


def _mismatch(m: Mismatch) -> dict[str, Any]:
    return {"store": m.store, "kind": m.kind, "category": m.category, "type": m.data_type, "basis": m.basis, "detail": m.detail}


def label_document(label: DerivedLabel, comparison: LabelComparison | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": LABEL_FORMAT,
        "app": {"package": label.package, "version_name": label.version_name, "version_code": label.version_code},
        "sources": list(label.sources),
        **({"complete": False, "unread": list(label.unread)} if label.unread else {}),
        "note": NOTE,
        "taxonomy": {k: v for k, v in dataset_info().items() if k in ("name", "version", "sha256")},
    }
    for store in label.labels:
        doc[store.store] = {"data_types": [_entry(e) for e in store.entries]}
    if comparison is not None:
        doc["declared"] = {"path": comparison.declared.path, "package": comparison.declared.package,
                           "stores": list(comparison.declared.stores)}
        doc["mismatches"] = [_mismatch(m) for m in comparison.mismatches]
    return doc


def label_json(label: DerivedLabel, comparison: LabelComparison | None = None) -> str:
    return json.dumps(label_document(label, comparison), indent=2, ensure_ascii=False) + "\n"


def to_label(report: Report) -> str:
    """A static report's derived label as a JSON document."""
    return label_json(derive_from_report(report))


def _type_name(category: str, data_type: str | None) -> str:
    if data_type is None:
        return f"{category} (type not determined)"
    return category if data_type == category else f"{category} / {data_type}"


def _wrapped(lines: list[str], width: int | None) -> list[str]:
    """Each line wrapped at ``width`` between words, continued two columns past its own indent."""
    if width is None:
        return lines
    out: list[str] = []
    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        out.extend(textwrap.wrap(line, max(width, 40), subsequent_indent=" " * (indent + 2), break_long_words=False,
                                 break_on_hyphens=False) or [""])
    return out


def label_text(label: DerivedLabel, comparison: LabelComparison | None = None, width: int | None = None) -> str:
    """A plain-text label for people: one line per data type, with its strongest reason; wrapped at
    ``width`` when given (a host or permission name is never cut)."""
    version = f" {label.version_name}" if label.version_name else ""
    lines = [f"Analysed only in part ({len(label.unread)} part(s) of the app could not be read): "
             "this label is a lower bound."] if label.unread else []
    lines.append(f"Privacy label derived for {label.package or 'unknown package'}{version} (evidence: {', '.join(label.sources) or 'none'})")
    for store in label.labels:
        lines.append("")
        lines.append(f"{_STORE_NAMES.get(store.store, store.store)}: {len(store.entries)} data types")
        for entry in store.entries:
            shared = f"; may be shared with {', '.join(entry.third_parties)}" if entry.third_parties else ""
            lines.append(f"  {_type_name(entry.category, entry.data_type)}  [{entry.basis}{shared}]")
            if entry.reasons:
                more = f" (+{entry.reason_count - 1} more)" if entry.reason_count > 1 else ""
                lines.append(f"      {entry.reasons[0].evidence}{more}")
    if comparison is not None:
        lines.append("")
        lines.append(f"Compared with the declared label {comparison.declared.path}: {len(comparison.mismatches)} mismatches")
        for m in comparison.mismatches:
            lines.append(f"  {m.store:<5} {m.kind:<20} {_type_name(m.category, m.data_type)}")
            lines.append(f"      {m.detail}")
    lines.append("")
    lines.append("Static evidence shows what the app can collect, not that it does.")
    return visible("\n".join(_wrapped(lines, width)) + "\n")
