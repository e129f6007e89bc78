"""How much of what real apps name the organisation table knows: the share of distinct
registrable domains of third-party destinations, over every app and bundle of the shared
corpus, that get an owner with a home country (issue 18's goal is 90%). Printed with -s; held
as a floor, so growth of the table shows and a loss fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from datatrail.knowledge.attribution import attribute_host
from datatrail.model.report import Report
from tests.support.corpus import corpus_files, scan_cached

FLOOR = 0.9


def test_corpus_domains_get_an_owner_and_a_country(corpus_reports: dict[Path, Any]) -> None:
    files = [*corpus_files("apk/**/*.apk"), *corpus_files("**/*.ipa")]
    if not files:
        pytest.skip("the shared corpus is not here (../shared/corpus)")
    domains: dict[str, set[str]] = {}
    for path in files:
        try:
            report = scan_cached(path, corpus_reports)
        except Exception:  # an unreadable corpus file (some are meant to be): nothing it names
            continue
        if not isinstance(report, Report):
            continue
        for dest in report.destinations:
            endpoint = dest.endpoint
            if endpoint.party != "first" and not endpoint.is_ip and endpoint.registrable_domain:
                domains.setdefault(endpoint.registrable_domain, set()).add(path.name)
    named = {d for d in domains if attribute_host(d).org_country}
    share = len(named) / len(domains)
    print(f"\ncorpus: {len(named)} of {len(domains)} third-party registrable domains have an owner and country ({share:.1%})")
    for domain in sorted(set(domains) - named):
        print("  unknown:", domain, sorted(domains[domain])[:2])
    assert len(domains) >= 20
    assert share >= FLOOR, sorted(set(domains) - named)
