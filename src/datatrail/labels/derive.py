"""Observations -> a Play Data safety-style and an Apple App Privacy-style label, with reasons.

Each observation is placed in each store's taxonomy (the finest knowledge
wins: data item, then permission, then category) and observations landing on
the same (category, type) are merged into one entry that keeps every reason,
strongest first. An entry known only down to its category keeps type None
rather than guessing one, unless the category has a single type.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from datatrail.labels.observations import static_observations
from datatrail.labels.taxonomy import Taxonomy, taxonomy
from datatrail.model.label import BASES, SOURCES, STORES, DerivedLabel, LabelEntry, LabelReason, Observation, StoreLabel
from datatrail.model.report import Report

__all__ = ["MAX_REASONS", "derive", "derive_from_report"]

MAX_REASONS = 20
"""Reasons kept per entry; ``reason_count`` says how many there were."""


@dataclass(slots=True)
class _Acc:
    reasons: dict[LabelReason, None] = field(default_factory=dict)
    third_parties: set[str] = field(default_factory=set)


def _build(store: str, acc: dict[tuple[str, str | None], _Acc], tax: Taxonomy) -> StoreLabel:
    entries: list[LabelEntry] = []
    for (category, data_type), a in acc.items():
        reasons = sorted(a.reasons, key=lambda r: (BASES.index(r.basis), SOURCES.index(r.source), r.evidence))
        entries.append(
            LabelEntry(
                category=category,
                data_type=data_type,
                basis=reasons[0].basis,
                sources=tuple(s for s in SOURCES if any(r.source == s for r in reasons)),
                third_parties=tuple(sorted(a.third_parties)),
                reasons=tuple(reasons[:MAX_REASONS]),
                reason_count=len(reasons),
            )
        )
    entries.sort(key=lambda e: (tax.order(store, e.category, e.data_type), e.data_type or ""))
    return StoreLabel(store, tuple(entries))


_PRECISION_BY_PERMISSION = frozenset({"Location"})
"""Store categories whose type is the precision the app's permissions allow: code that
reads "location" reads it as precisely as ACCESS_FINE/COARSE_LOCATION let it."""


def _merge_untyped(acc: dict[tuple[str, str | None], _Acc]) -> None:
    """Fold category-only entries into the typed entries of the same category where that is sound.

    In a precision category, the typed entries (from the permissions) say how
    precise the untyped evidence (code reading "location") is, so its reasons
    join each of them. Elsewhere an untyped entry is dropped only when every
    one of its reasons is already listed on a typed entry: "Personal info (some
    type)" from READ_PHONE_STATE says something "Email address" does not.
    """
    for (category, data_type), a in list(acc.items()):
        if data_type is not None:
            continue
        typed = [b for (c, t), b in acc.items() if c == category and t is not None]
        if not typed:
            continue
        if category in _PRECISION_BY_PERMISSION:
            for b in typed:
                b.reasons.update(a.reasons)
                b.third_parties |= a.third_parties
            del acc[(category, data_type)]
        elif all(any(r in b.reasons for b in typed) for r in a.reasons):
            del acc[(category, data_type)]


def derive(
    observations: Iterable[Observation],
    *,
    package: str | None = None,
    version_name: str | None = None,
    version_code: int | None = None,
    tax: Taxonomy | None = None,
) -> DerivedLabel:
    """The store labels the observations support."""
    tax = tax or taxonomy()
    stores: dict[str, dict[tuple[str, str | None], _Acc]] = {s: {} for s in STORES}
    sources: set[str] = set()
    for obs in observations:
        placement = tax.place(obs.category, obs.data, obs.permission)
        if placement is None:
            continue
        sources.add(obs.source)
        reason = LabelReason(obs.source, obs.basis, obs.evidence)
        for store, (category, data_type) in (("play", placement.play), ("apple", placement.apple)):
            if data_type is None:
                data_type = tax.only_type(store, category)
            a = stores[store].setdefault((category, data_type), _Acc())
            a.reasons[reason] = None
            if obs.third_party:
                a.third_parties.add(obs.third_party)
    for acc in stores.values():
        _merge_untyped(acc)
    return DerivedLabel(
        package=package,
        version_name=version_name,
        version_code=version_code,
        sources=tuple(s for s in SOURCES if s in sources),
        labels=tuple(_build(store, stores[store], tax) for store in STORES),
    )


def derive_from_report(report: Report, extra: Iterable[Observation] = ()) -> DerivedLabel:
    """The label of a static report, plus any other observations (e.g. from traffic of the same app)."""
    app = report.app
    label = derive(
        (*static_observations(report), *extra),
        package=app.package,
        version_name=app.version_name,
        version_code=app.version_code,
    )
    return dataclasses.replace(label, unread=report.completeness.unread) if report.completeness.unread else label
