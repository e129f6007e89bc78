"""``--fail-on-new``: which additions make ``datatrail diff`` exit 1.

Kinds name sections of the diff, or the flagged part of one, so a pipeline
can stop on exactly what its policy forbids (a new SDK, a new dangerous
permission, a new host under a state-access law...).
"""

from __future__ import annotations

from collections.abc import Iterable

from datatrail.model.changes import DiffItem, ReportDiff

__all__ = ["FAIL_KINDS", "parse_kinds", "new_items"]

FAIL_KINDS: dict[str, tuple[tuple[str, ...], bool]] = {
    "sdks": (("sdks",), False),
    "permissions": (("permissions",), False),
    "dangerous-permissions": (("permissions",), True),
    "destinations": (("destinations",), False),
    "flagged-destinations": (("destinations",), True),
    "countries": (("org_countries", "server_countries"), False),
    "flagged-countries": (("org_countries", "server_countries"), True),
    "data": (("data_categories", "data"), False),
    "findings": (("findings",), False),
    "high-findings": (("findings",), True),
}
"""kind -> (diff sections it covers, only flagged items). ``any`` means every kind."""


def parse_kinds(text: str) -> tuple[str, ...]:
    """``"sdks,flagged-destinations"`` -> the kinds; raises ValueError naming an unknown one."""
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    if not kinds:
        raise ValueError("no kind given")
    if "any" in kinds:
        return tuple(FAIL_KINDS)
    unknown = [k for k in kinds if k not in FAIL_KINDS]
    if unknown:
        raise ValueError(f"unknown kind {unknown[0]!r} (choose from any, {', '.join(FAIL_KINDS)})")
    return kinds


def new_items(diff: ReportDiff, kinds: Iterable[str]) -> list[tuple[str, DiffItem]]:
    """The added items that the kinds forbid, as (section, item), each once."""
    seen: set[tuple[str, str]] = set()
    out: list[tuple[str, DiffItem]] = []
    for kind in kinds:
        sections, flagged_only = FAIL_KINDS[kind]
        for name in sections:
            for item in diff.section(name).added:
                if (flagged_only and not item.flagged) or (name, item.key) in seen:
                    continue
                seen.add((name, item.key))
                out.append((name, item))
    return out
