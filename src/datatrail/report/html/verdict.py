"""The verdict: what a static report means, in sentences a non-expert can read.

Every sentence is generated from the report's facts and says only what static analysis
can support: code *can* read data, the package *names* servers, data *can* be sent where
the same code that reads it names a server. Nothing here claims that anything was sent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from datatrail.knowledge.geo import country_name
from datatrail.knowledge.jurisdictions import COMPELLED_ACCESS
from datatrail.model.report import CodeOwner, Report, Severity
from datatrail.model.sdk import SdkFinding
from datatrail.report.html.markup import plural
from datatrail.report.html.places import VIEWER_NAMES, Reach, level_of, reaches, worst

__all__ = ["Verdict", "verdict", "describe_data", "list_words"]

_CATEGORY_WORDS = {
    "Device or other IDs": "device identifiers",
    "Personal info": "personal information",
    "App activity": "app activity",
    "App info and performance": "app diagnostics",
    "Web browsing": "web browsing",
}
STATIC_CAVEAT = (
    "How to read this: it comes from the package alone (static analysis). It shows what the code can do and "
    "which servers it names, not that it runs or sends anything; a capture of the app's traffic shows that."
)


@dataclass(frozen=True, slots=True)
class Verdict:
    level: str
    """One of ``places.LEVELS``: the worst jurisdiction flag any destination carries."""
    headline: str
    points: tuple[str, ...]
    caveat: str


def list_words(items: Sequence[str], limit: int = 4) -> str:
    """``"a, b and c"``; past ``limit`` items, ``"a, b, c and 4 more"``."""
    items = list(items)
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" and {len(items) - limit} more"
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def describe_data(labels: Iterable[tuple[str, Sequence[str]]], limit: int = 4) -> str:
    """(data label, Data safety categories) pairs as ``"device identifiers (Android ID, IMEI)"``."""
    by_category: dict[str, dict[str, None]] = {}
    for label, categories in labels:
        if categories:
            # "installed apps (matching an intent)" reads as "installed apps" inside a list in brackets.
            by_category.setdefault(categories[0], {})[label.split(" (", 1)[0]] = None
    parts = []
    for category, found in sorted(by_category.items(), key=lambda item: (-len(item[1]), item[0])):
        word = _CATEGORY_WORDS.get(category, category.lower())
        examples = [label for label in sorted(found, key=str.lower) if label.lower() != word]
        parts.append(f"{word} ({list_words(examples, 3)})" if examples else word)
    return list_words(parts, limit)


def _country(code: str) -> str:
    return country_name(code) or code


def _data_of(report: Report) -> dict[tuple[str, str], list[tuple[str, Sequence[str]]]]:
    """What each code owner can read, as (label, categories)."""
    out: dict[tuple[str, str], list[tuple[str, Sequence[str]]]] = {}
    for access in report.readable_data_access:
        for owner in access.owners:
            out.setdefault((owner.kind, owner.id), []).append((access.data, access.data_categories))
    return out


@dataclass(frozen=True, slots=True)
class _Flagged:
    """The hosts of one organisation (or domain) carrying one kind of flag for one country."""

    country: str
    org: str
    title: str
    basis: str
    owners: tuple[CodeOwner, ...]
    weak: bool
    """The flag rests on a country-code domain or a bare address no known organisation runs."""


def _flagged(report: Report, flag_ids: set[str]) -> list[_Flagged]:
    groups: dict[tuple[str, str], tuple[str, str, bool, dict[tuple[str, str], CodeOwner]]] = {}
    for dest in report.destinations:
        org = dest.named_owner or dest.endpoint.registrable_domain or dest.endpoint.host
        for flag in dest.attribution.flags:
            if flag.id in flag_ids:
                title, basis, weak, owners = groups.setdefault((flag.country, org), (flag.title, flag.basis, True, {}))
                groups[(flag.country, org)] = (title, basis, weak and dest.weakly_placed(flag), owners)
                owners.update({(o.kind, o.id): o for o in dest.owners})
    return [_Flagged(c, org, title, basis, tuple(owners.values()), weak)
            for (c, org), (title, basis, weak, owners) in groups.items()]


def _who(group: _Flagged, others: int) -> str:
    """Whose servers, worded by why the flag applies: a company's home, a server's place, or a ccTLD.
    Hosts no known organisation runs are named as hosts, never as organisations."""
    more = f" (and {plural(others, 'other organisation' if not group.weak else 'other')})" if others else ""
    if group.basis == "server location" and group.weak:
        return f"the server at {group.org}{more}, which the address database places in {_country(group.country)}"
    if group.basis == "server location":
        return f"servers of {group.org}{more} located in {_country(group.country)}"
    if group.basis == "ccTLD":
        return f"servers at {group.org}{more}, whose country-code domain points to {_country(group.country)}"
    return f"servers run by {group.org}{more}, {'companies' if others else 'a company'} based in {_country(group.country)}"


def _headline(report: Report, data_of: dict[tuple[str, str], list[tuple[str, Sequence[str]]]]) -> str:
    viewer = VIEWER_NAMES.get(report.viewer, report.viewer.upper())

    def reads(group: _Flagged) -> list[tuple[str, Sequence[str]]]:
        return [item for o in group.owners for item in data_of.get((o.kind, o.id), []) if item[1]]

    for ids, tail in (
        ({COMPELLED_ACCESS}, None),
        ({f"{report.viewer}-third-country"}, f"outside {viewer}, in a country without an adequacy decision"),
    ):
        groups = _flagged(report, ids)
        if not groups:
            continue
        # A known organisation leads a guess from a name or an address; then the one whose hosts
        # are named by code that reads the most kinds of data.
        groups.sort(key=lambda g: (g.weak, -len({label for label, _ in reads(g)}), g.org))
        lead = groups[0]
        same = [g for g in groups if g.country == lead.country and g.basis == lead.basis and g.weak == lead.weak]
        data = describe_data([item for g in same for item in reads(g)], limit=2)
        who = _who(lead, len(same) - 1)
        text = f"Can send {data} to {who}" if data else f"Names {who}"
        text += f": {tail or lead.title}."
        elsewhere = sorted({g.country for g in groups} - {lead.country})
        if elsewhere:
            text += f" It also names servers under the law of {list_words([_country(c) for c in elsewhere])}."
        return text
    if not report.destinations:
        if not report.completeness.complete:
            return "Names no servers in the parts of its code and files that could be read; the rest could not be checked."
        if report.references:
            return (f"Names no servers to connect to in its code or files; {plural(len(report.references), 'host')} "
                    "named only for people (messages, credits, documentation links).")
        return "Names no servers in its code or files."
    text = (
        f"Names {plural(len(report.destinations), 'host')}, none run by a company under a state-access law "
        f"or based outside {viewer} without an adequacy decision."
    )
    conditional = _flagged(report, {f"{report.viewer}-adequacy-conditional"})
    if conditional:
        more = f" and {plural(len(conditional) - 1, 'other')}" if len(conditional) > 1 else ""
        text += f" For {conditional[0].org}{more}: {conditional[0].title}."
    return text


def _sdk_point(report: Report) -> str | None:
    inside = report.sdks_in_code
    if not inside:
        return None
    by_country: dict[str, list[SdkFinding]] = {}
    for sdk in inside:
        by_country.setdefault(sdk.vendor_country or "", []).append(sdk)
    total = len(inside)
    parts = []
    for code, sdks in sorted(by_country.items(), key=lambda item: (-len(item[1]), item[0])):
        where = f"from {_country(code)}" if code else "from vendors of unknown country"
        kinds = list(dict.fromkeys(c.replace("-", " ") for sdk in sdks for c in sdk.categories))
        what = f" ({list_words(kinds, 4)})" if kinds else ""
        names = list_words([sdk.name for sdk in sdks], 4)
        parts.append(f"{len(sdks)} of its {total} SDKs {'is' if len(sdks) == 1 else 'are'} {where}{what}: {names}")
    return "; ".join(parts[:3]) + (f"; and {len(parts) - 3} more countries" if len(parts) > 3 else "") + "."


def _data_point(report: Report) -> str | None:
    by_kind: dict[str, list[tuple[str, Sequence[str]]]] = {}
    for access in report.readable_data_access:
        for kind in {o.kind for o in access.owners}:
            by_kind.setdefault(kind, []).append((access.data, access.data_categories))
    parts = []
    for kind, who in (("sdk", "SDK code"), ("library", "Other libraries"), ("app", "The app's own code")):
        text = describe_data(by_kind.get(kind, ()), limit=5)
        if text:
            parts.append(f"{who} can read {text}")
    return ". ".join(parts) + "." if parts else None


def _permission_point(report: Report) -> str | None:
    dangerous = [p for p in report.permissions if p.protection_level == "dangerous"]
    if not dangerous:
        return f"Asks for {plural(len(report.permissions), 'permission')}, none of them dangerous." if report.permissions else None
    cats = sorted({c for p in dangerous for c in p.data_categories})
    names = [p.name.removeprefix("android.permission.") for p in dangerous]
    reach = f", giving access to {list_words([_CATEGORY_WORDS.get(c, c.lower()) for c in cats], 6)}" if cats else ""
    return f"Asks for {plural(len(dangerous), 'dangerous permission')} ({list_words(names, 5)}){reach}."


def _destination_point(report: Report, items: Sequence[Reach]) -> str | None:
    if not items:
        return None
    homes = Counter(r.law_countries[0] for r in items if r.law_countries)
    unknown = sum(1 for r in items if not r.law_countries)
    orgs = {r.organisation for r in items if r.organisation}
    text = f"Its code and files name {plural(len(items), 'host')} run by {plural(len(orgs), 'known organisation')}"
    if homes:
        text += ", based in " + list_words([f"{_country(c)} ({plural(n, 'host')})" for c, n in homes.most_common()], 5)
    if unknown:
        text += f"; {plural(unknown, 'host')} could not be attributed"
    cleartext = sum(1 for r in items if r.cleartext)
    if cleartext:
        text += f". {plural(cleartext, 'host')} {'is' if cleartext == 1 else 'are'} named with unencrypted URLs (http://)"
    return text + "."


def _findings_point(report: Report) -> str | None:
    if not report.findings:
        return None
    counts = Counter(f.severity for f in report.findings)
    parts = [f"{counts[s]} {s.value}" for s in sorted(counts, key=lambda s: -s.rank)]
    top = [f.title for f in report.findings if f.severity.rank >= Severity.HIGH.rank]
    tail = f" (high or worse: {list_words(list(dict.fromkeys(top)), 3)})" if top else ""
    return f"Checks of the manifest, the code and its destinations raised {', '.join(parts)}{tail}."


def verdict(report: Report) -> Verdict:
    items = reaches(report)
    level = worst(level_of(flag_id) for r in items for flag_id, _, _ in r.flags)
    data_of = _data_of(report)
    points = (
        _sdk_point(report),
        _data_point(report),
        _permission_point(report),
        _destination_point(report, items),
        _findings_point(report),
    )
    return Verdict(level, _headline(report, data_of), tuple(p for p in points if p), STATIC_CAVEAT)
