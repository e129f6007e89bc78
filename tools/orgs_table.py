"""Check datatrail's organisation table, merge researched entries into it, and summarise it.

Development-time only. The table is ``src/datatrail/knowledge/data/orgs.json``; every fact in it
is compiled by hand from public sources (companies' sites and filings, registries,
encyclopaedia articles), each organisation naming its own.

    .venv/bin/python tools/orgs_table.py check              # the table's integrity tests, then the summary
    .venv/bin/python tools/orgs_table.py summary            # organisations by home country, domains by kind
    .venv/bin/python tools/orgs_table.py merge PART.json    # add {"new": {id: org}, "add_domains": {id: [d]}, "add_hosting": {id: [d]}}
    .venv/bin/python tools/orgs_table.py merge --dry-run PART.json   # what would be refused, the table untouched
    .venv/bin/python tools/orgs_table.py sources            # after a hand edit: the sha256 in SOURCES
    .venv/bin/python tools/orgs_table.py against LIST.json  # coverage and agreement on a list gathered elsewhere

``merge`` refuses an entry that would break the table (an unknown parent, a country that is no
ISO 3166-1 code, a domain another organisation claims, a missing source) and says why; the
table's version and date move to today. ``check`` runs tests/knowledge/test_orgs.py (the same
checks CI runs) and prints the summary.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "src" / "datatrail" / "knowledge" / "data" / "orgs.json"
sys.path.insert(0, str(ROOT / "src"))

from datatrail.knowledge import orgs  # noqa: E402
from datatrail.knowledge.geo import is_country_code  # noqa: E402


def _load() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(TABLE.read_text(encoding="utf-8"))
    return doc


def _claimed(doc: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for org_id, org in doc["organisations"].items():
        for domain in [*org.get("domains", ()), *org.get("hosting", ())]:
            out[domain] = org_id
    return out


def _problems(org_id: str, org: dict[str, Any], ids: set[str], claimed: dict[str, str]) -> list[str]:
    out = []
    if not org_id.replace("_", "").isalnum() or org_id != org_id.lower():
        out.append("the id is not lowercase letters, digits and _")
    if not str(org.get("name", "")).strip():
        out.append("no name")
    country = org.get("country")
    if country is not None and not is_country_code(country):
        out.append(f"country {country!r} is no ISO 3166-1 alpha-2 code")
    if country is None and org.get("parent") is None:
        out.append("neither a country nor a parent")
    if org.get("parent") is not None and org["parent"] not in ids:
        out.append(f"unknown parent {org['parent']!r}")
    if not str(org.get("source", "")).strip():
        out.append("no source")
    since = org.get("since")
    if since is not None and not (isinstance(since, str) and since.isdigit() and len(since) == 4):
        out.append(f"since {since!r} is not a year written as a string (\"2021\")")
    if since is not None and org.get("parent") is None:
        out.append("since without a parent")
    for code in org.get("operations", ()):
        if not is_country_code(code):
            out.append(f"operations country {code!r} is no ISO code")
    for domain in [*org.get("domains", ()), *org.get("hosting", ())]:
        host = orgs.normalise_host(domain)
        if host != domain or orgs.registrable_domain(domain) is None:
            out.append(f"{domain!r} is not a normalised host under a public suffix")
        elif claimed.get(domain, org_id) != org_id:
            out.append(f"{domain} is claimed by {claimed[domain]}")
    return out


# What a part may add to an existing organisation: its key in the part -> the list it extends, and
# how a refusal names a domain already in the other list.
_ADDITIONS = {"add_domains": "domains", "add_hosting": "hosting"}
_OTHER = {"domains": ("hosting", "hosting domains"), "hosting": ("domains", "own domains")}


def _add_to_list(lines: list[str], org_id: str, key: str, wanted: list[str]) -> None:
    """Put ``wanted`` at the head of the organisation's ``key`` list, in its own lines only; a
    missing "hosting" list opens right after its "domains" list."""
    start = next((i for i, line in enumerate(lines) if line.startswith(f'  {json.dumps(org_id)}: {{')), None)
    if start is None:
        return
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(('  "', " }"))), len(lines))
    for i in range(start, end):
        listed = re.search(rf'"{key}": \[([^\]]*)\]', lines[i])
        if listed:
            fresh = [d for d in wanted if d not in json.loads(f"[{listed.group(1)}]")]
            if fresh:
                lines[i] = lines[i].replace(f'"{key}": [', f'"{key}": [' + "".join(json.dumps(d) + ", " for d in fresh), 1)
            return
    for i in range(start, end):
        own = re.search(r'"domains": \[[^\]]*\]', lines[i])
        if own and key == "hosting":
            lines[i] = lines[i][:own.end()] + ', "hosting": [' + ", ".join(json.dumps(d) for d in wanted) + "]" + lines[i][own.end():]
            return
    raise SystemExit(f"{org_id}: its lines have no {key!r} list to add to; add it by hand")


def _edited(text: str, doc: dict[str, Any], incoming: dict[str, Any], additions: dict[str, dict[str, list[str]]]) -> str:
    """The table's text with the accepted entries put in by hand's way: the file is laid out for
    people (one organisation to a line or a few), so it is edited, not rewritten. New
    organisations go at the end of the organisations object, one to a line; added domains at the
    head of their organisation's "domains" or "hosting" list; version and date move to today."""
    table = doc["organisations"]
    lines = text.split("\n")
    for key, adds in additions.items():
        for org_id, domains in adds.items():
            wanted = [d for d in domains if d in table.get(org_id, {}).get(key, ())]
            if wanted:
                _add_to_list(lines, org_id, key, wanted)
    opened = lines.index(' "organisations": {')
    close = lines.index(" },", opened)
    added = [org_id for org_id in incoming if org_id in table]
    if added:
        if not lines[close - 1].endswith(","):
            lines[close - 1] += ","
        new_lines = [f"  {json.dumps(org_id)}: {json.dumps(table[org_id], ensure_ascii=False)}," for org_id in added]
        new_lines[-1] = new_lines[-1][:-1]
        lines[close:close] = new_lines
    today = dt.date.today().isoformat()
    out = "\n".join(lines)
    out = out.replace(f'"version": {json.dumps(doc["version"])}', f'"version": {json.dumps(today.replace("-", "."))}', 1)
    return out.replace(f'"date": {json.dumps(doc["date"])}', f'"date": {json.dumps(today)}', 1)


def merge(part: Path, *, dry_run: bool = False) -> int:
    doc = _load()
    new = json.loads(part.read_text(encoding="utf-8"))
    table = doc["organisations"]
    claimed = _claimed(doc)
    added = extended = 0
    refused: list[str] = []
    incoming = dict(new.get("new", {}))
    ids = set(table) | set(incoming)
    for org_id, org in incoming.items():
        if org_id in table:
            refused.append(f"{org_id}: the id exists already (use add_domains)")
            continue
        problems = _problems(org_id, org, ids, claimed)
        if problems:
            refused.append(f"{org_id}: " + "; ".join(problems))
            continue
        keep = {k: org[k] for k in ("name", "country", "parent", "since", "operations", "source", "note", "domains", "hosting", "services")
                if org.get(k) not in (None, [], {}) or k in ("country", "parent")}
        table[org_id] = keep
        for domain in [*keep.get("domains", ()), *keep.get("hosting", ())]:
            claimed[domain] = org_id
        added += 1
    additions = {key: new.get(part_key, {}) for part_key, key in _ADDITIONS.items()}
    for key, adds in additions.items():
        other, other_noun = _OTHER[key]
        for org_id, domains in adds.items():
            if org_id not in table:
                refused.append(f"{org_id}: no such organisation to add {'hosting ' if key == 'hosting' else ''}domains to")
                continue
            for domain in domains:
                problems = _problems(org_id, {**table[org_id], other: [], key: [domain]}, set(table), claimed)
                if domain in table[org_id].get(other, ()):
                    problems.append(f"{domain} is one of its {other_noun} already: a domain is operated or hosted, not both")
                if problems:
                    refused.append(f"{org_id} + {'hosting ' if key == 'hosting' else ''}{domain}: " + "; ".join(problems))
                    continue
                if domain not in table[org_id].setdefault(key, []):
                    table[org_id][key].append(domain)
                    claimed[domain] = org_id
                    extended += 1
    if not dry_run:
        TABLE.write_text(_edited(TABLE.read_text(encoding="utf-8"), doc, incoming, additions), encoding="utf-8")
        json.loads(TABLE.read_text(encoding="utf-8"))  # still JSON
        refresh_sources()
    print(f"{'would merge' if dry_run else 'merged'} {part}: {added} organisations added, {extended} domains added to existing ones")
    for line in refused:
        print("  refused:", line)
    return 1 if refused else 0


def refresh_sources() -> None:
    """Put the table's sha256 and today's date in knowledge/data/SOURCES (after any edit)."""
    sources = TABLE.parent / "SOURCES"
    text = sources.read_text(encoding="utf-8")
    head, sep, rest = text.partition("file: orgs.json\n")
    entry, blank, tail = rest.partition("\n\n")
    digest = hashlib.sha256(TABLE.read_bytes()).hexdigest()
    entry = re.sub(r"^sha256: [0-9a-f]{64}$", f"sha256: {digest}", entry, flags=re.M)
    entry = re.sub(r"^date generated: .*$", f"date generated: {dt.date.today().isoformat()}", entry, flags=re.M)
    sources.write_text(head + sep + entry + blank + tail, encoding="utf-8")


def summary() -> None:
    doc = _load()
    table = doc["organisations"]

    def home(org_id: str) -> str:
        seen = set()
        while table[org_id].get("parent") and org_id not in seen:
            seen.add(org_id)
            org_id = table[org_id]["parent"]
        return str(table[org_id].get("country"))

    by_country = collections.Counter(home(o) for o in table)
    domains = sum(len(o.get("domains", ())) for o in table.values())
    hosting = sum(len(o.get("hosting", ())) for o in table.values())
    groups = sum(1 for o in table.values() if not o.get("parent"))
    print(f"{doc['name']} {doc['version']} ({doc['date']}): {len(table)} organisations in {groups} groups, "
          f"{domains} operated domains, {hosting} hosting/CDN domains, {len(doc.get('asns', {}))} AS numbers")
    print("organisations by home country: " + ", ".join(f"{c} {n}" for c, n in by_country.most_common()))


def against(path: Path) -> int:
    """How the table does on a list of tracking domains gathered independently of it (kept out of
    this repository): ``[{"domain", "owner", "country"}, ...]``, ``country`` that of the owner's
    group. Prints the share given an owner country (a hosting domain gives none: its customer is
    unknown) and the share of those that agree with the list, then each disagreement."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    named, disagreements = 0, []
    for row in rows:
        host = orgs.normalise_host(str(row["domain"]))
        match = orgs.match_domain(host) if host else None
        if match is None or match.hosting:
            continue
        named += 1
        country, _operations = orgs.home_countries(match.organisation)
        if country != row["country"]:
            disagreements.append(f"  {row['domain']}: the list says {row['owner']} ({row['country']}), "
                                 f"the table {orgs.top_parent(match.organisation).name} ({country})")
    agree = named - len(disagreements)
    print(f"{len(rows)} domains: an owner country for {named} ({named / max(len(rows), 1):.1%}); "
          f"{agree} of those agree with the list ({agree / max(named, 1):.1%})")
    print("\n".join(disagreements))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("check", "summary", "merge", "sources", "against"))
    parser.add_argument("part", nargs="?", type=Path, help="merge: the JSON of researched entries; against: the list to compare with")
    parser.add_argument("--dry-run", action="store_true", help="merge: say what would be added and refused, write nothing")
    args = parser.parse_intermixed_args()
    if args.command == "merge":
        if args.part is None:
            parser.error("merge needs the file of entries")
        return merge(args.part, dry_run=args.dry_run)
    if args.command == "against":
        if args.part is None:
            parser.error("against needs the list of domains")
        return against(args.part)
    if args.command == "sources":
        refresh_sources()
        return 0
    if args.command == "check":
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", str(ROOT / "tests" / "knowledge" / "test_orgs.py")], cwd=ROOT)
        if run.returncode:
            return run.returncode
    summary()
    return 0


if __name__ == "__main__":
    sys.exit(main())
