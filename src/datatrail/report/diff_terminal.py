"""Terminal view of a diff (rich): the verdict first, then one table for each part that changed.

It has the look of the app and capture views: width-aware tables whose hosts,
permissions, API and finding texts wrap rather than being cut, state-access
flags as sentences, and every string from the apps shown as text (never read as
markup, its controls written out). An addition or removal that CI may stop on
(a dangerous permission, a host or country under a state-access law, a high or
critical finding) is marked "!" in its row, so it shows without colour too.
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from datatrail.changes.render import SECTION_TITLES, version_label
from datatrail.knowledge.geo import country_name
from datatrail.knowledge.jurisdictions import COMPELLED_ACCESS, flag_title
from datatrail.model.changes import AppVersion, DiffItem, DiffSection, ReportDiff
from datatrail.model.report import Report, Severity
from datatrail.report.terminal import first_sentences
from datatrail.report.terminal_table import SEVERITY_STYLE, TerminalTable
from datatrail.report.visible import visible_tree

__all__ = ["render_diff_terminal"]

_NOUNS: dict[str, tuple[str, str, str]] = {
    "sdks": ("SDK", "SDKs", ""),
    "permissions": ("permission", "permissions", "dangerous"),
    "destinations": ("host", "hosts", "under a state-access law"),
    "org_countries": ("organisation country", "organisation countries", "under a state-access law"),
    "server_countries": ("server country", "server countries", "under a state-access law"),
    "data_categories": ("data category", "data categories", ""),
    "data": ("data item the code can read", "data items the code can read", ""),
    "findings": ("finding", "findings", "high or critical"),
}
"""section -> (one, several, what its "!" means) for the verdict's counts."""

_KEY_COLUMN = {"sdks": "SDK", "permissions": "Permission", "destinations": "Host", "org_countries": "Country",
               "server_countries": "Country", "data_categories": "Category", "data": "Data"}

_LEGEND = ('+ added by NEW, - removed; "!" marks what a --fail-on gate can stop on: a dangerous permission, '
           "a host or country under a state-access law, a high or critical finding.")


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _count(name: str, items: tuple[DiffItem, ...]) -> str:
    one, several, flagged_means = _NOUNS[name]
    text = f"{len(items)} {one if len(items) == 1 else several}"
    flagged = sum(i.flagged for i in items)
    return text + (f" ({flagged} {flagged_means})" if flagged and flagged_means else "")


def _adds_flagged(diff: ReportDiff) -> bool:
    """NEW adds something marked "!"."""
    return any(i.flagged for s in diff.sections for i in s.added)


def _side(report: Report, version: AppVersion) -> str:
    return version_label(version) if report.completeness.complete else f"{version_label(version)} (read only in part)"


def _state_access(report: Report) -> dict[str, set[str]]:
    """host -> the countries whose state-access law reaches it, as ``diff`` flags them (by organisation or address)."""
    out: dict[str, set[str]] = {}
    for d in report.destinations:
        flags = [*d.attribution.flags, *(f for a in d.addresses for f in a.flags)]
        out.setdefault(d.endpoint.host, set()).update(f.country for f in flags if f.id == COMPELLED_ACCESS)
    return out


def _state_access_lines(diff: ReportDiff, new: Report) -> list[str]:
    """One sentence for each state-access law that reaches what NEW adds: its new hosts, or a new country."""
    reached = _state_access(new)
    per_host = [reached.get(i.key, set()) for i in diff.section("destinations").added if i.flagged]
    countries = {i.key for n in ("org_countries", "server_countries") for i in diff.section(n).added if i.flagged}
    lines = []
    for code in sorted(countries.union(*per_host)):
        n = sum(code in found for found in per_host)
        subject = f"{n} new host{'s' if n != 1 else ''}" if n else "A new destination country"
        law = flag_title(COMPELLED_ACCESS, code, new.viewer) or "a law that lets the state compel access to data"
        lines.append(f"{subject} reached by the law of {_country(code)}: {law}.")
    return lines


def _country(code: str) -> str:
    name = country_name(code)
    return f"{name} ({code})" if name else code


def _verdict(diff: ReportDiff, old: Report, new: Report) -> Text:
    """The answer in one paragraph: what NEW adds and removes, counted; which state-access laws it newly reaches."""
    text = Text()
    name = version_label(diff.new)
    if not diff.changed:
        text.append(f"No change in SDKs, permissions, destinations, countries, data or findings from "
                    f"{version_label(diff.old)} to {name}.", style="bold green")
    else:
        added = [_count(s.name, s.added) for s in diff.sections if s.added]
        removed = [_count(s.name, s.removed) for s in diff.sections if s.removed]
        text.append(f"{name} adds {_and(added)}." if added else f"{name} adds nothing.",
                    style="bold red" if _adds_flagged(diff) else "bold")
        if removed:
            text.append(f" It removes {_and(removed)}.")
        for line in _state_access_lines(diff, new):
            text.append(f"\n{line}", style="bold red")
    for side, report in (("OLD", old), ("NEW", new)):
        if not report.completeness.complete:
            text.append(f"\n{side} was analysed only in part: what looks added or removed may be only what could not be read.",
                        style="yellow")
    if diff.finding_key != "fingerprint":
        text.append("\nDifferent packages: findings are matched by rule and message, not by fingerprint.", style="dim")
    return text


def _identity(diff: ReportDiff, old: Report, new: Report) -> Table:
    """Which two apps: name and version, then the file and its hash."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for word, version, report in (("Old", diff.old, old), ("New", diff.new, new)):
        shown = Text(_side(report, version) + "\n")
        shown.append(version.path + (f", sha256 {version.sha256[:16]}…" if version.sha256 else ""), style="dim")
        grid.add_row(word, shown)
    return grid


def _mark(sign: str, item: DiffItem) -> Text:
    if item.flagged:
        return Text(f"{sign} !", style="bold red")
    return Text(sign, style="green" if sign == "+" else "dim")


def _rows(section: DiffSection) -> list[tuple[str, DiffItem]]:
    return [("+", i) for i in section.added] + [("-", i) for i in section.removed]


def _titled(section: DiffSection, *columns: str) -> Table:
    """The section's table: its title (never wrapped narrower than itself), the mark column, then ``columns``;
    a column name ending in "=" never wraps (a severity, a rule id), the others fold."""
    title = f"{SECTION_TITLES[section.name]}: {len(section.added)} added, {len(section.removed)} removed"
    table = TerminalTable(title=title, title_justify="left", min_width=len(title))
    table.add_column("", no_wrap=True)
    for column in columns:
        table.add_column(column.rstrip("="), no_wrap=column.endswith("="), overflow="fold")
    return table


def _table(section: DiffSection, viewer: str) -> Table:
    table = _titled(section, _KEY_COLUMN[section.name], "Detail")
    countries = section.name in ("org_countries", "server_countries")
    for sign, item in _rows(section):
        style = "bold red" if item.flagged else ("dim" if sign == "-" else "")
        key = _country(item.key) if countries else item.key.removeprefix("android.permission.")
        detail = Text(item.detail)
        law = flag_title(COMPELLED_ACCESS, item.key, viewer) if countries and item.flagged else None
        if law:
            detail.append(f"\n{law}", style="bold red")
        table.add_row(_mark(sign, item), Text(key, style=style), detail)
    return table


def _findings(section: DiffSection) -> Table:
    table = _titled(section, "Severity=", "Rule=", "What")
    for sign, item in _rows(section):
        # The detail reads "<severity> <rule>: <message>"; anything else is shown whole.
        severity, _, rest = item.detail.partition(" ")
        rule, _, message = rest.partition(": ")
        if severity not in {s.value for s in Severity} or not message:
            severity, rule, message = "", "", item.detail
        table.add_row(_mark(sign, item), Text(severity, style=SEVERITY_STYLE.get(severity, "")), Text(rule),
                      Text(first_sentences(message), style="dim" if sign == "-" else ""))
    return table


def render_diff_terminal(diff: ReportDiff, old: Report, new: Report, console: Console) -> None:
    """Print what ``new`` adds to and removes from ``old`` (``diff`` is ``diff_reports(old, new)``): the verdict,
    which two apps, then each part that changed. Every string from the apps has its controls written out."""
    diff, old, new = visible_tree((diff, old, new))
    # No path in the title: a panel's title is cut to its width, and a path must never be; the grid below folds it.
    verdict = Panel(_verdict(diff, old, new), title=Text("What changed", style="bold"), title_align="left",
                    border_style="red" if _adds_flagged(diff) else "")
    parts: list[RenderableType] = [verdict, _identity(diff, old, new)]
    for section in diff.sections:
        if section.changed:
            parts.append(_findings(section) if section.name == "findings" else _table(section, new.viewer))
    if diff.changed:
        parts.append(Text(_LEGEND, style="dim"))
    console.print(Group(*parts))
