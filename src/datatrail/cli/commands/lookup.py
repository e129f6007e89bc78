"""``datatrail lookup HOST_OR_IP...``: offline attribution of hosts and addresses."""

from __future__ import annotations

import argparse
import dataclasses
import json
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

from datatrail.cli.commands.common import EXIT_INPUT, EXIT_OK, EXIT_USAGE, VIEWER_HELP, Errors, Parser, output_width, write_output
from datatrail.errors import DatatrailError
from datatrail.knowledge.viewers import DEFAULT_VIEWER, VIEWERS
from datatrail.model.attribution import Attribution
from datatrail.report.visible import visible

__all__ = ["NAME", "register", "run", "host_of"]

NAME = "lookup"


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    lookup = sub.add_parser(
        "lookup",
        help="who is behind a host or IP address, where it is, and whose law reaches it (offline)",
        description="Attribute hosts and IP addresses offline: organisation, parent and home country; for addresses "
        "also the located and registered country, AS and anycast/CDN; jurisdiction flags with their legal citations. "
        "Hosts are not resolved.",
        epilog="A query may be a host, an IPv4 or IPv6 address, a URL (its host is looked up), host:port, or an "
        "e-mail address (its domain).\n\nexit codes: 0 every query attributed, 2 usage error (including a query "
        "that names no host or IP), 3 a data file is unreadable, 5 the output cannot be written\n\nexamples:\n"
        "  datatrail lookup weixin.qq.com 203.205.254.157\n"
        "  datatrail lookup https://log.tbs.qq.com/ajax?c=dl support@adjust.com\n"
        "  datatrail lookup adjust.com --viewer uk --format json -o adjust.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    lookup.add_argument("queries", nargs="+", metavar="HOST_OR_IP",
                        help="host names, IPv4/IPv6 addresses, URLs, host:port or e-mail addresses")
    lookup.add_argument("-f", "--format", choices=("terminal", "json"), default="terminal", help="output format (default: terminal)")
    lookup.add_argument("-o", "--output", type=Path, metavar="OUT", help="write output here instead of standard output")
    lookup.add_argument("--viewer", choices=VIEWERS, default=DEFAULT_VIEWER,
                        help=VIEWER_HELP)


def host_of(query: str) -> str:
    """The host or address a query names: a URL's host, an e-mail address's domain, host:port's host,
    a bracketed IPv6 address's address; else the query itself."""
    text = query.strip()
    if "://" in text:
        try:
            return urlsplit(text).hostname or text
        except ValueError:
            return text
    if "@" in text:
        return text.rsplit("@", 1)[1]
    if text.startswith("["):
        return text[1:].split("]", 1)[0]
    host, colon, port = text.rpartition(":")
    if colon and host.count(":") == 0 and port.isdigit():
        return host
    return text


def _render_attribution(a: Attribution, width: int = 120) -> str:
    """Plain text for people: one block per query, facts first, then flags, caveats, evidence.
    Lines wrap at ``width`` between words: a host, URL or citation is never cut."""
    from datatrail.knowledge.geo import country_name

    def country(code: str | None) -> str:
        return f"{code} ({country_name(code) or 'unknown'})" if code else "-"

    lines = [a.query if a.query == (a.host or a.ip) else f"{a.query} → {a.host or a.ip}"]

    def row(label: str, value: str, indent: int = 16) -> None:
        lines.extend(textwrap.wrap(value, max(width, 40), initial_indent=f"  {label}".ljust(indent),
                                   subsequent_indent=" " * (indent + 2), break_long_words=False,
                                   break_on_hyphens=False) or [f"  {label}"])

    if a.address_class and a.address_class != "public":
        row("address", a.address_class)
    if a.registrable_domain:
        row("domain", a.registrable_domain)
    if a.organisation:
        via = {"domain": f"domain {a.matched_domain}", "hosting domain": f"hosting domain {a.matched_domain}",
               "AS number": f"AS{a.asn}", "anycast prefix": "anycast prefix"}.get(a.org_basis or "", a.org_basis or "")
        own = country(a.organisation_country) if a.organisation_country else "country not recorded"
        row("organisation", f"{a.organisation}, {own}  [by {via}]")
        if a.parent:
            row("parent", a.parent)
        row("home country", country(a.org_country) + (
            f"; operations in {', '.join(a.operations_countries)}" if a.operations_countries else ""))
        row("source", a.org_source or "-")
    elif a.address_class in (None, "public"):
        row("organisation", "unknown")
    if a.service:
        row("service", a.service)
    if a.kind == "ip" and a.address_class == "public":
        row("located in", country(a.server_country) + "  (DB-IP)" + ("  anycast/CDN: not pinned" if a.anycast_or_cdn else ""))
        row("registered in", country(a.registration_country) + "  (RIR)")
        row("network", f"AS{a.asn} {a.as_org}" if a.asn else "-")
    if a.cctld_country:
        row("ccTLD", f"{country(a.cctld_country)}  (weak evidence)")
    for flag in a.flags:
        row("flag", f"{flag.title} ({country_name(flag.country) or flag.country}; by {flag.basis})")
        for citation in flag.citations:
            row("", f"- {citation}", 18)
    for caveat in a.caveats:
        row("caveat", caveat)
    for fact in a.evidence:
        row("evidence", f"{fact.fact}  <{fact.dataset}>")
    return "\n".join(lines) + "\n\n"


def run(args: argparse.Namespace, err: Errors) -> int:
    from datatrail.knowledge.attribution import attribute, attribution_to_dict
    from datatrail.knowledge.geo import attribution_dataset_info

    results: list[Attribution] = []
    status = EXIT_OK
    try:
        for query in args.queries:
            try:
                found = attribute(host_of(query), args.viewer)
            except ValueError as exc:
                err.print(f"datatrail: error: {exc} — give a host, an IP address, a URL or an e-mail address")
                status = EXIT_USAGE
                continue
            results.append(dataclasses.replace(found, query=query))
        datasets = attribution_dataset_info()
    except DatatrailError as exc:  # an unreadable data file
        err.print(f"datatrail: error: {exc}")
        return EXIT_INPUT
    if args.format == "json":
        doc = {"viewer": args.viewer, "results": [attribution_to_dict(a) for a in results], "datasets": datasets}
        write_output(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", args.output)
    else:
        width = output_width(args.output)
        write_output(visible("".join(_render_attribution(a, width) for a in results)), args.output)
    return status
