"""The terminal overview of many apps: one row per app, worst first, for a directory or multi-input scan."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

from datatrail.knowledge.jurisdictions import COMPELLED_ACCESS
from datatrail.model.report import Report
from datatrail.report.terminal_table import SEVERITY_STYLE, TerminalTable
from datatrail.report.visible import visible

__all__ = ["OverviewRow", "overview_row", "overview_table"]



@dataclass(frozen=True, slots=True)
class OverviewRow:
    path: str
    package: str
    sdks: str
    """SDKs in the code by vendor country, e.g. ``CN 2, US 5``."""
    countries: str
    """Home countries of the organisations behind the hosts it names; a ``!`` marks a state-access law."""
    worst: str
    """The highest finding severity, or ``none``."""
    rank: int
    partial: bool


def overview_row(report: Report, path: str) -> OverviewRow:
    """What one app's row says; computed as each report arrives, so a batch keeps only rows."""
    app = report.app
    package = (app.package or f"({report.inputs[0].kind}, no package)") + (f" {app.version_name}" if app.version_name else "")
    by_country = Counter(s.vendor_country or "unknown" for s in report.sdks_in_code)
    sdks = ", ".join(f"{c} {n}" for c, n in sorted(by_country.items(), key=lambda item: (-item[1], item[0]))) or "-"
    compelled = {f.country for d in report.destinations for f in d.attribution.flags
                 if f.id == COMPELLED_ACCESS and not d.weakly_placed(f)}
    homes = sorted({d.attribution.org_country for d in report.destinations if d.attribution.org_country})
    countries = ", ".join(f"{c}!" if c in compelled else c for c in homes) or "-"
    worst = max((f.severity for f in report.findings), key=lambda s: s.rank, default=None)
    # The path and the package are the input's own strings; the rest comes from datatrail's tables.
    return OverviewRow(visible(path), visible(package), sdks, countries, worst.value if worst else "none",
                       worst.rank if worst else -1, not report.completeness.complete)


def overview_table(rows: list[OverviewRow]) -> Table:
    """The rows, worst first then by path, as one table whose cells wrap (never cut)."""
    table = TerminalTable(title=f"{len(rows)} app{'s' if len(rows) != 1 else ''}, worst first", title_justify="left",
                  caption=Text("! = a state-access law reaches that country's organisations; "
                               "details: --details, or scan one app"), caption_justify="left")
    for name, ratio in (("file", 4), ("package", 3), ("SDKs by country", 2), ("hosts' org. countries", 2),
                        ("worst finding", 1)):
        table.add_column(name, overflow="fold", ratio=ratio)
    for row in sorted(rows, key=lambda r: (-r.rank, r.path)):
        worst = Text(row.worst, style=SEVERITY_STYLE.get(row.worst, ""))
        if row.partial:
            worst.append(" (partial)", style="red")
        table.add_row(Text(row.path), Text(row.package), Text(row.sdks), Text(row.countries), worst)
    return table

