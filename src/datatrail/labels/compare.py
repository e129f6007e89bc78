"""Declared label vs derived label: what the evidence shows that the app does not declare, and the reverse.

Matching is per store, by category and type; an entry that names only its
category (on either side) matches any type of that category. A declared row
with neither collected nor shared set declares nothing. Stores the declared
label does not mention are not compared.

"declared-not-seen" is weak by nature: a static scan cannot see data the user
types in or the server computes, so it is a prompt to check, not an accusation.
"""

from __future__ import annotations

from datatrail.labels.taxonomy import taxonomy
from datatrail.model.label import DeclaredEntry, DeclaredLabel, DerivedLabel, LabelComparison, LabelEntry, Mismatch

__all__ = ["compare"]


def _matches(category: str, data_type: str | None, other_category: str, other_type: str | None) -> bool:
    return category == other_category and (data_type is None or other_type is None or data_type == other_type)


def _name(category: str, data_type: str | None) -> str:
    return category if data_type is None or data_type == category else f"{category} / {data_type}"


def _why(entry: LabelEntry) -> str:
    first = entry.reasons[0].evidence if entry.reasons else ""
    more = f" (+{entry.reason_count - 1} more)" if entry.reason_count > 1 else ""
    return f"{entry.basis}: {first}{more}"


def compare(declared: DeclaredLabel, derived: DerivedLabel) -> LabelComparison:
    tax = taxonomy()
    mismatches: list[Mismatch] = []
    for store in declared.stores:
        claims: list[DeclaredEntry] = [e for e in declared.entries if e.store == store and (e.collected or e.shared)]
        seen = derived.store(store).entries
        for entry in seen:
            covering = [c for c in claims if _matches(entry.category, entry.data_type, c.category, c.data_type)]
            if not covering:
                mismatches.append(Mismatch(store, "seen-not-declared", entry.category, entry.data_type, entry.basis, _why(entry)))
            elif entry.third_parties and not any(c.shared for c in covering):
                mismatches.append(Mismatch(
                    store, "shared-not-declared", entry.category, entry.data_type, entry.basis,
                    f"declared collected, not shared; read by or sent to {', '.join(entry.third_parties)}",
                ))
        for claim in claims:
            if not any(_matches(claim.category, claim.data_type, e.category, e.data_type) for e in seen):
                mismatches.append(Mismatch(
                    store, "declared-not-seen", claim.category, claim.data_type, None,
                    f"declared in {declared.path} (row {claim.line}); no evidence for {_name(claim.category, claim.data_type)}",
                ))
    mismatches.sort(key=lambda m: (m.store, m.kind, tax.order(m.store, m.category, m.data_type), m.data_type or ""))
    return LabelComparison(declared, derived, tuple(mismatches))
