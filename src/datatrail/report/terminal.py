"""Terminal view of a report, readable at a glance (rich)."""

from __future__ import annotations

import re
from collections import Counter

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from datatrail.knowledge.jurisdictions import COMPELLED_ACCESS
from datatrail.model.ios import IosBundle
from datatrail.model.report import Destination, Report
from datatrail.report.terminal_table import SEVERITY_STYLE, TerminalTable
from datatrail.report.visible import visible_tree

__all__ = ["render_terminal", "first_sentences"]

_LEVEL_STYLE = {"dangerous": "bold red", "signature": "magenta", "signatureOrSystem": "magenta", "normal": "green"}
_MAX_ROWS = 40


def _table(title: str, *columns: str) -> Table:
    """A titled table; a column name ending in ">" is right-aligned (numbers)."""
    table = TerminalTable(title=title, title_justify="left")
    for col in columns:
        # "fold": a word wider than its column (a host, a permission, an API) wraps, never ends in "…".
        table.add_column(col.rstrip(">"), justify="right" if col.endswith(">") else "left", overflow="fold")
    return table


def _identity(report: Report) -> Panel:
    app = report.app
    inp = report.inputs[0]
    grid = TerminalTable.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Package", app.package or "none named (no manifest package)")
    if app.label:
        grid.add_row("Label", app.label)
    version = app.version_name or "no version name"
    ios = report.ios
    if ios is not None:
        grid.add_row("Version", f"{version} (build {ios.build_version})" if ios.build_version else version)
        grid.add_row("iOS", f"minimum {ios.minimum_os or 'not given'}")
        grid.add_row("Code", f"{len(ios.binaries)} Mach-O binaries, {app.class_count:,} Objective-C classes")
    else:
        grid.add_row("Version", f"{version} (code {app.version_code})" if app.version_code is not None else version)
        levels = [f"{word} {value}" for word, value in (("min", app.min_sdk), ("target", app.target_sdk), ("compile", app.compile_sdk))
                  if value is not None]
        grid.add_row("SDK", "  ".join(levels) if levels else "not stated")
        grid.add_row("Code", f"{app.dex_count} dex, {app.class_count:,} classes")
    grid.add_row("File", inp.path)
    grid.add_row("Input", f"{inp.kind}, {inp.size:,} bytes, sha256 {inp.sha256[:16]}…")
    if app.splits:
        grid.add_row("Splits", ", ".join(app.splits))
    if app.nested:
        grid.add_row("Nested", ", ".join(app.nested[:6]) + (" …" if len(app.nested) > 6 else ""))
    # A Text title, not markup: an app's label is the app author's string, and "[link=…]" in it must stay text.
    return Panel(grid, title=Text(app.label or app.package or inp.path, style="bold"), expand=False)


def _verdict(report: Report) -> Text:
    """The answer first, in words a non-expert understands."""
    text = Text()
    if report.ios is not None:
        dangerous = [p for p in report.permissions if p.data_categories]
        text.append(f"{len(report.permissions)} usage descriptions, ")
        text.append(f"{len(dangerous)} for personal data", style="bold red" if dangerous else "green")
    else:
        dangerous = [p for p in report.permissions if p.protection_level == "dangerous"]
        text.append(f"{len(report.permissions)} permissions requested, ")
        text.append(f"{len(dangerous)} dangerous", style="bold red" if dangerous else "green")
    cats = sorted({c for p in dangerous for c in p.data_categories})
    if cats:
        text.append(f" (can reach: {', '.join(cats)})")
    text.append(".\n")
    inside = report.sdks_in_code
    if inside:
        by_country = Counter(s.vendor_country or "" for s in inside)
        countries = ", ".join(f"{n} from {c or 'vendors of unknown country'}" for c, n in by_country.most_common())
        text.append(f"{len(inside)} third-party SDK{'s' if len(inside) != 1 else ''} ({countries}). ")
    if report.sdks_declared_only:
        text.append(f"Configured in the manifest, code not found: {', '.join(s.name for s in report.sdks_declared_only)}. ")
    sdk_reads = sorted({a.data for a in report.readable_data_access for o in a.owners if o.kind == "sdk"})
    if sdk_reads:
        text.append("SDK code can read: ")
        text.append(", ".join(sdk_reads[:8]) + (" …" if len(sdk_reads) > 8 else ""), style="bold")
        text.append(". ")
    flagged = [(d, f) for d in report.destinations for f in d.attribution.flags if f.id == COMPELLED_ACCESS]
    reached = sorted({(f.country, _org(d)) for d, f in flagged if not d.weakly_placed(f)})
    if reached:
        text.append("Names servers under state-access law: ", style="bold red")
        text.append("; ".join(f"{org} ({c})" for c, org in reached[:6]) + ". ")
    guessed = sorted({(f.country, _org(d)) for d, f in flagged if d.weakly_placed(f)} - set(reached))
    if guessed:
        text.append("Hosts whose country-code domain or address alone points to a state-access law: ")
        text.append("; ".join(f"{org} ({c})" for c, org in guessed[:6]) + ". ")
    counts = Counter(f.severity for f in report.findings)
    text.append("Findings: ")
    parts = [f"{counts[s]} {s.value}" for s in sorted(counts, key=lambda s: -s.rank)]
    text.append(", ".join(parts) if parts else "none")
    text.append(".")
    return text


def _org(d: Destination) -> str:
    return d.named_owner or d.endpoint.registrable_domain or d.endpoint.host


def _sdks(report: Report) -> Table:
    table = _table("SDKs inside (present in code)", "SDK", "Vendor", "Country", "Categories", "Classes>", "Confidence")
    for sdk in report.sdks_in_code[:_MAX_ROWS]:
        name = sdk.name + (" (obfuscated)" if sdk.obfuscated else "")
        table.add_row(name, sdk.vendor, sdk.vendor_country or "unknown", ", ".join(sdk.categories), str(sdk.class_count), sdk.confidence)
    captions = []
    if report.sdks_declared_only:
        captions.append("Configured in the manifest, code not found: " + ", ".join(s.name for s in report.sdks_declared_only))
    if report.unidentified_libraries:
        captions.append("Unidentified libraries: " + ", ".join(f"{u.package} ({u.class_count})" for u in report.unidentified_libraries[:6]))
    if captions:
        table.caption = Text("\n".join(captions))
    return table


def _data_access(report: Report) -> Table:
    table = _table("What the code can read", "Data", "Whose code", "Via", "Permission")
    order = {"sdk": 0, "library": 1, "app": 2}
    rows = sorted(report.data_access, key=lambda a: (min((order[o.kind] for o in a.owners), default=3), a.data))
    for a in rows[:_MAX_ROWS]:
        owners = ", ".join(o.name for o in a.owners[:3]) + (" …" if len(a.owners) > 3 else "")
        if a.permission is None:
            perm = Text("none needed", style="dim")
        else:
            name = a.permission.removeprefix("android.permission.")
            perm = Text(name) if a.can_succeed else Text(_refused(name, report.is_app), style="dim")
        table.add_row(a.data, owners, a.api.rsplit(".", 2)[-2] + "." + a.api.rsplit(".", 1)[-1], perm)
    return table


def _refused(permission: str, is_app: bool) -> str:
    if is_app:
        return f"cannot succeed without {permission}, which the app does not request"
    return f"{permission} (not requested here: the host app's manifest decides)"


def _destinations(report: Report) -> Table:
    table = _table("Where data can go (hosts named in the package)", "Organisation", "Home", "Hosts", "In code of", "Flags")
    groups: dict[str, list[Destination]] = {}
    for d in report.destinations:
        groups.setdefault(_org(d), []).append(d)

    def weight(item: tuple[str, list[Destination]]) -> tuple[int, str]:
        flagged = any(f.id == COMPELLED_ACCESS for d in item[1] for f in d.attribution.flags)
        return (0 if flagged else 1, item[0])

    for org, dests in sorted(groups.items(), key=weight)[:_MAX_ROWS]:
        a = dests[0].attribution
        hosts = sorted({d.endpoint.host for d in dests})
        owners = sorted({o.name for d in dests for o in d.owners})
        flags = sorted({f.title for d in dests for f in d.attribution.flags})
        style = "bold red" if any(f.id == COMPELLED_ACCESS for d in dests for f in d.attribution.flags) else ""
        table.add_row(
            Text(org, style=style), a.org_country or a.cctld_country or "unknown",
            ", ".join(hosts[:3]) + (f" +{len(hosts) - 3}" if len(hosts) > 3 else ""),
            ", ".join(owners[:3]) + (" …" if len(owners) > 3 else ""),
            "; ".join(flags),
        )
    if len(groups) > _MAX_ROWS:
        table.caption = Text(f"… and {len(groups) - _MAX_ROWS} more organisations (see the JSON report)")
    return table


def _references(report: Report) -> Text:
    """Hosts only named for people, in one line: listed so nothing is hidden, never counted."""
    hosts = sorted({d.endpoint.host for d in report.references})
    shown = ", ".join(hosts[:8]) + (f" and {len(hosts) - 8} more" if len(hosts) > 8 else "")
    what = "host is" if len(hosts) == 1 else "hosts are"
    return Text(f"{len(hosts)} more {what} named only for people (in messages, comments, credits or documentation "
                f"links), not as places to connect to: {shown}.", style="dim")


def _permissions(report: Report) -> Table:
    table = _table("Permissions", "Permission", "Level", "Gives access to")
    order = {"dangerous": 0, "signature": 1, "signatureOrSystem": 1, "unknown": 2, "normal": 3}
    perms = sorted(report.permissions, key=lambda p: (order.get(p.protection_level, 2), p.name))
    for p in perms[:_MAX_ROWS]:
        name = p.name.removeprefix("android.permission.")
        level = p.protection_level + (" (app)" if p.declared_by_app else "")
        table.add_row(name, Text(level, style=_LEVEL_STYLE.get(p.protection_level, "")), p.access or ", ".join(p.data_categories))
    if len(perms) > _MAX_ROWS:
        table.caption = Text(f"… and {len(perms) - _MAX_ROWS} more (see the JSON report)")
    return table


_SENTENCE_END = re.compile(r"(?<=[a-z0-9)])\. (?=[A-Z])")
_LONG_MESSAGE = 200


def first_sentences(message: str) -> str:
    """A long message's first sentence: the statutes a destination finding cites stay in the JSON and the page."""
    if len(message) <= _LONG_MESSAGE:
        return message
    end = _SENTENCE_END.search(message)
    return message if end is None else message[: end.start() + 1] + " …"


def _findings(report: Report) -> Table:
    table = _table("Findings", "Severity", "Rule", "What")
    for f in report.findings[:_MAX_ROWS]:
        table.add_row(Text(f.severity.value, style=SEVERITY_STYLE[f.severity.value]), f.rule_id, first_sentences(f.message))
    if len(report.findings) > _MAX_ROWS:
        table.caption = Text(f"… and {len(report.findings) - _MAX_ROWS} more (see the JSON report)")
    return table


def _certificates(report: Report) -> Table:
    table = _table("Signing certificates", "Scheme", "Subject", "Valid until", "SHA-256")
    seen: set[tuple[str, str]] = set()
    for c in report.certificates:
        if (c.scheme, c.sha256) in seen:
            continue
        seen.add((c.scheme, c.sha256))
        subject = c.subject + ("  [debug]" if c.is_debug else "")
        table.add_row(c.scheme, subject, c.not_after[:10], c.sha256[:16] + "…")
    return table


def _ios_usages(ios: IosBundle) -> Table:
    table = _table("Usage descriptions (what the app may ask for, and why it says so)", "Key", "Gives access to", "The app's reason")
    for u in ios.usage_descriptions[:_MAX_ROWS]:
        name = u.key.removeprefix("NS").removesuffix("UsageDescription")
        table.add_row(name, u.access or "not listed", u.text[:120])
    return table


def _ios_facts(ios: IosBundle) -> Text:
    text = Text()
    if ios.encrypted:
        text.append("Encrypted: ", style="bold yellow")
        text.append((ios.encryption_note or "") + "\n")
    elif ios.encrypted is False:
        text.append("The main executable is not encrypted: its strings and classes were analysed.\n")
    ats = ios.ats
    if ats is not None:
        insecure = [e.domain for e in ats.exception_domains if e.allows_insecure_http]
        text.append("App Transport Security: ")
        if ats.allows_arbitrary_loads:
            text.append("disabled for all hosts (NSAllowsArbitraryLoads)", style="bold red")
        else:
            text.append("on")
        if insecure:
            text.append(f"; plain HTTP allowed to {', '.join(insecure[:5])}" + (" …" if len(insecure) > 5 else ""), style="yellow")
        text.append(".\n")
    if ios.url_schemes:
        text.append(f"URL schemes: {', '.join(ios.url_schemes[:8])}.\n")
    if ios.associated_domains:
        text.append(f"Associated domains: {', '.join(ios.associated_domains[:8])}.\n")
    if ios.background_modes:
        text.append(f"Background modes: {', '.join(ios.background_modes)}.\n")
    for p in ios.provisioning[:3]:
        state = "expired on" if p.expired else "valid until"
        text.append(f"Provisioning: {p.distribution} profile of team {p.team_name or p.team_id or '(unnamed)'}, {state} {p.expires[:10] if p.expires else 'an unknown date'}"
                    + (f", {p.device_count} devices" if p.device_count else "") + ".\n")
    if ios.privacy_manifests:
        for m in ios.privacy_manifests[:6]:
            text.append(f"Privacy manifest ({m.owner}): tracking {'yes' if m.tracking else 'no'}, "
                        f"{len(m.collected_data)} collected data types, {len(m.tracking_domains)} tracking domains, "
                        f"{len(m.accessed_apis)} required-reason APIs.\n")
    else:
        text.append("No privacy manifest (PrivacyInfo.xcprivacy) found.\n")
    return text


def _incomplete(report: Report) -> Panel:
    """Said before anything else: what follows is what could be read, not the whole input."""
    done = report.completeness
    text = Text("Analysed only in part: ", style="bold red")
    text.append(f"{len(done.unread)} part(s) of the input could not be read, so every count below is a lower bound "
                "and nothing it does not list is known to be absent.")
    if done.classes_declared:
        text.append(f" Classes read: {done.classes_read or 0:,} of {done.classes_declared:,} declared.")
    for line in done.unread[:3]:
        text.append(f"\n  {line}", style="dim")
    if len(done.unread) > 3:
        text.append(f"\n  … and {len(done.unread) - 3} more (see the diagnostics)", style="dim")
    return Panel(text, title="Incomplete", border_style="red", title_align="left")


def _meaning(report: Report) -> Panel:
    """The page's plain-words verdict, first: what the report means, then the facts behind it."""
    from datatrail.report.html.verdict import verdict

    said = verdict(report)
    text = Text(said.headline, style="bold")
    for point in said.points:
        text.append("\n• ")
        text.append(point)
    text.append("\n")
    text.append(said.caveat, style="dim")
    return Panel(text, title="What it means", title_align="left",
                 border_style={"state-access": "red", "no-adequacy": "yellow", "conditional": "yellow"}.get(said.level, "green"))


def render_terminal(report: Report, console: Console) -> None:
    """Print the app's view. Every string from the app is shown with its controls written out
    (``report.visible``): an escape sequence in a label never reaches the terminal."""
    report = visible_tree(report)
    parts: list[object] = [] if report.completeness.complete else [_incomplete(report)]
    parts += [_meaning(report), _identity(report), _verdict(report)]
    if report.findings:
        parts.append(_findings(report))
    if report.ios is not None:
        parts.append(_ios_facts(report.ios))
        if report.ios.usage_descriptions:
            parts.append(_ios_usages(report.ios))
    if report.sdks:
        parts.append(_sdks(report))
    if report.data_access:
        parts.append(_data_access(report))
    if report.destinations:
        parts.append(_destinations(report))
    if report.references:
        parts.append(_references(report))
    if report.permissions and report.ios is None:
        parts.append(_permissions(report))
    if report.certificates:
        parts.append(_certificates(report))
    n_diag = len(report.diagnostics) + report.diagnostics_dropped
    if n_diag:
        parts.append(Text(f"{n_diag} parser diagnostics (odd or damaged structures) are listed in the JSON report.", style="dim"))
    console.print(Group(*parts))  # type: ignore[arg-type]
