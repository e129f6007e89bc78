"""The app report's evidence tables: countries, SDKs, data access, destinations, permissions,
findings, certificates, diagnostics and provenance. Each function returns one section body."""

from __future__ import annotations

from collections.abc import Sequence

from datatrail.model.report import Destination, Report, Severity
from datatrail.report.html.markup import Markup, el, join, plural
from datatrail.report.html.places import CountryUse, country_label, level_of, owner_label
from datatrail.report.html.table import MAX_ITEMS, code, details, items, pill, table

__all__ = [
    "flag_pill",
    "countries_table",
    "sdks_table",
    "data_access_table",
    "destinations_table",
    "permissions_table",
    "findings_table",
    "certificates_table",
    "diagnostics_table",
    "provenance",
]

_PERMISSION_ORDER = {"dangerous": 0, "signature": 1, "signatureOrSystem": 1, "unknown": 2, "normal": 3}


_SHORT = {"state-access": "state access", "no-adequacy": "no adequacy", "conditional": "conditional adequacy"}


def flag_pill(flag_id: str, country: str | None, title: str) -> Markup:
    """A short label for a jurisdiction flag; the full title shows on hover."""
    level = level_of(flag_id)
    text = _SHORT.get(level, flag_id) + (f" ({country})" if country else "")
    return pill(text, f"lv-{level}", title)


def countries_table(uses: Sequence[CountryUse], observed: bool = False) -> Markup:
    """One row per country; ``observed`` for captures (apps that connected, data seen sent)."""
    rows = []
    for use in uses:
        why = [
            text
            for text, present in (
                ("organisation based here (its law)", use.law),
                ("servers located here", use.servers),
                ("country-code domain only (weak)", use.weak),
            )
            if present
        ]
        rows.append(
            [
                el("span", country_label(use.code), class_=f"cc lv-{use.level}"),
                join(why, "; "),
                join(use.law, ", "),
                details(plural(len(use.hosts), "host"), items(use.hosts)),
                join(flag_pill(flag_id, None, title) for flag_id, title in use.flags),
                join(use.owners[:6], ", "),
                join(use.data[:10], ", "),
            ]
        )
    who, what = ("Apps", "Personal data seen") if observed else ("Named by", "That code can read")
    return table("countries", ["Country", "Why it is here", "Organisations based here", "Hosts", "Flags", who, what], rows)


def sdks_table(report: Report) -> Markup:
    rows = []
    for sdk in report.sdks:
        vendor = sdk.vendor + (f" (part of {sdk.parent})" if sdk.parent else "")
        evidence = items(
            join([code(e.kind), " ", code(e.pattern), f" matched {plural(e.count, 'item')}: ", join((code(x) for x in e.examples), ", ")])
            for e in sdk.evidence
        )
        extra = [f"signature set: {sdk.source}"]
        if sdk.aliases:
            extra.append("also known as: " + ", ".join(sdk.aliases))
        if sdk.website:
            extra.append(f"website: {sdk.website}")
        rows.append(
            [
                join([sdk.name, pill("renamed", "lv-conditional") if sdk.obfuscated else None,
                      None if sdk.in_code else pill("configured, code not found", "lv-no-flag")], " "),
                vendor,
                country_label(sdk.vendor_country),
                ", ".join(sdk.categories),
                f"{sdk.class_count:,}",
                sdk.confidence,
                details("evidence", evidence, el("p", "; ".join(extra), class_="note")),
            ]
        )
    body = table("sdks", ["SDK", "Vendor", "Vendor country", "Categories", "Classes", "Confidence", "Evidence"], rows, numeric=(4,))
    if report.unidentified_libraries:
        libs = ", ".join(f"{u.package} ({u.class_count:,} classes)" for u in report.unidentified_libraries[:40])
        body = join([body, el("p", "Large libraries no signature identified: ", libs, class_="note")])
    return body


def data_access_table(report: Report) -> Markup:
    order = {"sdk": 0, "library": 1, "app": 2}
    accesses = sorted(report.data_access, key=lambda a: (min((order.get(o.kind, 3) for o in a.owners), default=3), a.data))
    rows = []
    for access in accesses:
        if access.permission is None:
            permission: Markup | str = "none needed"
        else:
            name = access.permission.removeprefix("android.permission.")
            if access.can_succeed:
                permission = name
            elif report.is_app:
                permission = join([pill("cannot succeed", "muted"), f" without {name}, which the app does not request"])
            else:
                permission = join([name, " ", pill("not requested here", "muted"), " the host app's manifest decides"])
        owners = join((owner_label(o) + (f" ({o.kind})" if o.kind != "app" else "") for o in access.owners[:5]), ", ")
        evidence = join(
            [
                el("p", "API: ", code(access.api)),
                items((code(loc) for loc in access.locations), total=len(access.locations)),
                items(join([owner_label(o), ": ", join((code(c) for c in o.classes), ", ")]) for o in access.owners),
            ]
        )
        rows.append([access.data, ", ".join(access.data_categories), owners, permission, details("where", evidence)])
    return table("data-access", ["Data", "Data safety category", "Whose code", "Permission", "Evidence"], rows)


def _destination_evidence(dest: Destination) -> Markup:
    a = dest.attribution
    e = dest.endpoint
    parts: list[Markup | str | None] = []
    if e.urls:
        parts.append(el("p", "URLs:"))
        parts.append(items(code(u) for u in e.urls))
    parts.append(el("p", f"Found in {plural(e.source_count, 'place')}:"))
    parts.append(
        items((join([code(s.location), ": ", code(s.context)]) for s in e.sources), total=e.source_count)
    )
    parts.append(el("p", "Attribution:"))
    parts.append(items(join([f.fact, " ", el("span", f"({f.dataset})", class_="muted")]) for f in a.evidence))
    for flag in a.flags:
        parts.append(details(join([pill(flag.title, f"lv-{level_of(flag.id)}"), f" by {flag.basis}"]), items(flag.citations)))
    if a.caveats:
        parts.append(items(a.caveats))
    if dest.resolution is not None:
        r = dest.resolution
        answer = ", ".join(r.answers) or (r.error or "no answer")
        parts.append(el("p", f"Resolved by {r.resolver} at {r.resolved_at}: {answer}"))
    parts.append(el("p", f"Party: {e.party} ({e.party_reason})", class_="note"))
    return join(parts)


def destinations_table(report: Report) -> Markup:
    def rank(dest: Destination) -> tuple[int, str, str]:
        levels = [level_of(f.id) for f in dest.attribution.flags]
        worst_index = min((("state-access", "no-adequacy", "conditional").index(lv) for lv in levels), default=3)
        return worst_index, dest.endpoint.registrable_domain or "~", dest.endpoint.host

    rows = []
    for dest in sorted(report.destinations, key=rank):
        a = dest.attribution
        org = a.organisation or ""
        if a.parent:
            org += f" (part of {a.parent})"
        if a.hosting:
            org += " — hosting platform; the customer is unknown"
        servers = [a.server_country] + [x.server_country for x in dest.addresses]
        host: list[Markup | str | None] = [code(dest.endpoint.host)]
        if dest.endpoint.cleartext:
            host += [" ", pill("http", "lv-no-adequacy")]
        rows.append(
            [
                join(host),
                org or el("span", "unknown", class_="muted"),
                country_label(a.org_country) if a.org_country else (f"{country_label(a.cctld_country)} (ccTLD only)" if a.cctld_country else "unknown"),
                ", ".join(dict.fromkeys(country_label(c) for c in servers if c)) or el("span", "not resolved", class_="muted"),
                join(flag_pill(f.id, f.country, f.title) for f in a.flags),
                join((owner_label(o) for o in dest.owners[:4]), ", "),
                details("evidence", _destination_evidence(dest)),
            ]
        )
    return table("destinations", ["Host", "Organisation", "Home country (whose law)", "Server location", "Flags", "Named by", "Evidence"], rows)


def references_table(report: Report) -> Markup:
    """Hosts named only for people, with why and where: folded away, never counted."""
    rows = []
    for dest in sorted(report.references, key=lambda d: (d.endpoint.registrable_domain or "~", d.endpoint.host)):
        e = dest.endpoint
        first = e.sources[0] if e.sources else None
        rows.append([
            code(e.host),
            e.role_reason,
            join((owner_label(o) for o in dest.owners[:4]), ", "),
            details("where", items((join([code(s.location), ": ", code(s.context)]) for s in e.sources), total=e.source_count))
            if first else "",
        ])
    return table("references", ["Host", "Why it is not a destination", "Named by", "Where"], rows)


def permissions_table(report: Report) -> Markup:
    perms = sorted(report.permissions, key=lambda p: (_PERMISSION_ORDER.get(p.protection_level, 2), p.name))
    rows = []
    for p in perms:
        level = p.protection_level + (" (defined by the app)" if p.declared_by_app else "")
        kind = {"dangerous": "lv-state-access", "signature": "lv-conditional"}.get(p.protection_level, "muted")
        name = p.name.removeprefix("android.permission.")
        note = f" (up to API {p.max_sdk})" if p.max_sdk is not None else ""
        rows.append([join([code(name), note]), pill(level, kind), p.access or "", ", ".join(p.data_categories)])
    return table("permissions", ["Permission", "Protection level", "Gives access to", "Data safety categories"], rows)


_SEVERITY_CLASS = {
    Severity.CRITICAL: "lv-state-access",
    Severity.HIGH: "lv-state-access",
    Severity.MEDIUM: "lv-no-adequacy",
    Severity.LOW: "lv-conditional",
    Severity.INFO: "muted",
}


def findings_table(report: Report) -> Markup:
    findings = sorted(report.findings, key=lambda f: (-f.severity.rank, f.rule_id))
    rows = []
    for f in findings:
        evidence = items(
            (join([code(e.location), ": ", e.detail]) for e in f.evidence[:MAX_ITEMS]), total=len(f.evidence)
        )
        rows.append(
            [
                pill(f.severity.value, _SEVERITY_CLASS[f.severity]),
                code(f.rule_id),
                f.title,
                details(f.message if len(f.message) <= 160 else f.message[:157] + "…", el("p", f.message), evidence),
            ]
        )
    return table("findings", ["Severity", "Rule", "Title", "What and where"], rows)


def certificates_table(report: Report) -> Markup:
    rows = []
    for c in report.certificates:
        key = c.public_key_algorithm + (f" {c.public_key_bits}" if c.public_key_bits else "")
        subject: list[Markup | str | None] = [c.subject]
        if c.is_debug:
            subject += [" ", pill("debug certificate", "lv-state-access")]
        digests = items(
            [
                join(["SHA-256 ", code(c.sha256)]),
                join(["SHA-1 ", code(c.sha1)]),
                join(["serial ", code(c.serial)]),
                f"signed with {c.signature_algorithm or 'an unknown algorithm'}",
                f"from {c.source}",
            ]
        )
        rows.append(
            [
                f"{c.scheme} #{c.signer_index}",
                join(subject),
                c.issuer,
                f"{c.not_before[:10]} – {c.not_after[:10]}",
                key,
                details(code(c.sha256[:16] + "…"), digests),
            ]
        )
    return table("certificates", ["Scheme", "Subject", "Issuer", "Valid", "Key", "Fingerprint"], rows)


def diagnostics_table(report: Report) -> Markup:
    rows = [[d.severity.value, code(d.code), d.message, code(d.location)] for d in report.diagnostics]
    total = len(report.diagnostics) + report.diagnostics_dropped
    return table("diagnostics", ["Severity", "Code", "Message", "Where"], rows, total=total)


def provenance(report: Report, map_source: str) -> Markup:
    inputs = items(join([code(i.path), f" ({i.kind}, {i.size:,} bytes, sha256 ", code(i.sha256), ")"]) for i in report.inputs)
    datasets = table(
        "datasets",
        ["Dataset", "Version", "License", "Source", "SHA-256"],
        [[d.name, d.version, d.license, d.source, code(d.sha256[:16] + "…")] for d in report.datasets],
    )
    return join(
        [
            el("p", f"Generated by {report.tool.name} {report.tool.version} at {report.generated_at}, "
                    f"report schema {report.schema_version}, jurisdiction flags for a viewer in region '{report.viewer}'."),
            inputs,
            datasets,
            el("p", f"Map: {map_source}.", class_="note"),
        ]
    )
