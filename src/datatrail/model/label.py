"""Privacy labels: what the evidence says an app collects, in the stores' own terms.

A label is derived from *observations*, each a piece of evidence that some
kind of personal data is within the app's reach (static: a requested
permission, code that reads it) or left the device (traffic). Static and
traffic evidence are kept apart in every entry's reasons and never merged
into one claim: "code can read it" is not "it was sent".

The same model holds a label an app *declares* (read from the file format in
docs/labels.md) and the comparison of the two.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "STORES",
    "SOURCES",
    "BASES",
    "MISMATCH_KINDS",
    "Observation",
    "LabelReason",
    "LabelEntry",
    "StoreLabel",
    "DerivedLabel",
    "DeclaredEntry",
    "DeclaredLabel",
    "Mismatch",
    "LabelComparison",
]

STORES = ("play", "apple")
"""Google Play Data safety, Apple App Privacy."""

SOURCES = ("static", "traffic")

BASES = ("traffic", "code", "permission")
"""Why data is thought collected, strongest first: seen leaving the device in a
capture; code in the package invokes an API that reads it; the app requests a
permission that gives access to it."""

MISMATCH_KINDS = ("seen-not-declared", "declared-not-seen", "shared-not-declared")


@dataclass(frozen=True, slots=True)
class Observation:
    """One piece of evidence that a kind of personal data is involved; the neutral input of ``derive``."""

    category: str
    """A datatrail data category (the Play Data safety category names, e.g. "Location")."""
    source: str
    """"static" or "traffic"."""
    basis: str
    """One of ``BASES``."""
    evidence: str
    """For people: what was seen and where."""
    data: str | None = None
    """A finer data item when known ("IMEI/MEID", "advertising ID"): selects the store type."""
    permission: str | None = None
    """The permission this observation rests on, for permission-based evidence."""
    third_party: str | None = None
    """Whose code read it or which organisation received it, when that is not the app itself."""


@dataclass(frozen=True, slots=True)
class LabelReason:
    source: str
    basis: str
    evidence: str


@dataclass(frozen=True, slots=True)
class LabelEntry:
    """One data type of a store's label, and why datatrail thinks it applies."""

    category: str
    """The store's category ("Device or other IDs"; Apple: "Identifiers")."""
    data_type: str | None
    """The store's data type, or None when the evidence shows only the category."""
    basis: str
    """The strongest basis among the reasons (see ``BASES``)."""
    sources: tuple[str, ...]
    third_parties: tuple[str, ...]
    """SDK vendors whose code reads it, or organisations that received it: it may be shared."""
    reasons: tuple[LabelReason, ...]
    """Up to ``derive.MAX_REASONS`` reasons, strongest first."""
    reason_count: int
    """How many reasons there were, including those not kept."""


@dataclass(frozen=True, slots=True)
class StoreLabel:
    store: str
    entries: tuple[LabelEntry, ...]
    """Sorted by the store's category order, then type."""


@dataclass(frozen=True, slots=True)
class DerivedLabel:
    package: str | None
    version_name: str | None
    version_code: int | None
    sources: tuple[str, ...]
    """What the evidence came from: "static", "traffic" or both."""
    labels: tuple[StoreLabel, ...]
    """One per store, in ``STORES`` order."""
    unread: tuple[str, ...] = ()
    """What of the app could not be read (its report's completeness): the label is then a lower bound."""

    def store(self, name: str) -> StoreLabel:
        for label in self.labels:
            if label.store == name:
                return label
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class DeclaredEntry:
    store: str
    category: str
    data_type: str | None
    """None declares the category without naming a type."""
    collected: bool
    shared: bool
    line: int
    """Where it was in the file (CSV line, or 1-based index in the JSON list)."""


@dataclass(frozen=True, slots=True)
class DeclaredLabel:
    path: str
    package: str | None
    entries: tuple[DeclaredEntry, ...]

    @property
    def stores(self) -> tuple[str, ...]:
        return tuple(s for s in STORES if any(e.store == s for e in self.entries))


@dataclass(frozen=True, slots=True)
class Mismatch:
    store: str
    kind: str
    """One of ``MISMATCH_KINDS``."""
    category: str
    data_type: str | None
    basis: str | None
    """For derived data: the strongest basis; None for "declared-not-seen"."""
    detail: str


@dataclass(frozen=True, slots=True)
class LabelComparison:
    declared: DeclaredLabel
    derived: DerivedLabel
    mismatches: tuple[Mismatch, ...]
