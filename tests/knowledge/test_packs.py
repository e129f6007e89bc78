"""Optional data packs: a TrackerDB-format file of our own making (no third-party data here),
installed into a temporary data directory, answers only where datatrail's table is silent, says
so in every fact, and is listed with its licence; the command line shows the licence first."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from datatrail.cli.commands.common import EXIT_INPUT, EXIT_OK, EXIT_USAGE
from datatrail.cli.main import main
from datatrail.knowledge import packs
from datatrail.knowledge.attribution import attribute_host
from datatrail.knowledge.datasets import dataset_refs
from tests.support.corpus import corpus_dir

PACK = {
    "categories": {"advertising": {"name": "Advertising", "color": "#cb55cd", "description": "ads"}},
    "organizations": {
        "acme": {"name": "Acme Adnet Ltd", "country": "GB", "tags": []},
        "shadow": {"name": "Shadow Metrics", "description": "no country given"},
        "pack_google": {"name": "Google (as the pack names it)", "country": "US"},
        "unused": {"name": "Nobody's Tracker", "country": "FR"},
    },
    "patterns": {
        "acme_ads": {"name": "Acme Ads", "category": "advertising", "organization": "acme", "domains": ["acme-adnet.com", "cdn.acme-static.net"]},
        "shadow": {"name": "Shadow Pixel", "category": "site_analytics", "organization": "shadow", "domains": ["shadow-metrics.net"]},
        "dc": {"name": "DoubleClick", "category": "advertising", "organization": "pack_google", "domains": ["doubleclick.net"]},
        "loose": {"name": "No owner", "category": "misc", "domains": ["orphan-tracker.com"]},
        "odd": {"name": "Odd", "category": "misc", "organization": "acme", "domains": ["co.uk", "*.wild", "not a host"]},
    },
    "domains": {},
    "filters": {},
}


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(packs.DATA_DIR_ENV, str(tmp_path / "data"))
    packs.reset()
    yield tmp_path
    packs.reset()


def _pack_file(tmp: Path, doc: object = PACK) -> Path:
    path = tmp / "trackerdb.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_a_pack_answers_where_the_table_is_silent_and_says_so(home: Path) -> None:
    info = packs.install(_pack_file(home))
    assert (info.name, info.organisations, info.domains) == ("ghostery-trackerdb", 3, 4)  # the odd entries are no domains
    hit = attribute_host("t.acme-adnet.com")
    assert (hit.organisation, hit.org_country, hit.matched_domain, hit.service) == ("Acme Adnet Ltd", "GB", "acme-adnet.com", "Acme Ads")
    assert hit.org_basis == "domain (data pack)" and "CC BY-NC-SA 4.0" in (hit.org_source or "")
    org_facts = [f for f in hit.evidence if "Acme" in f.fact]
    assert org_facts and all(f.dataset == "ghostery-trackerdb" for f in org_facts)
    assert not any("not in datatrail's table" in c for c in hit.caveats)
    assert attribute_host("img.cdn.acme-static.net").organisation == "Acme Adnet Ltd"
    assert attribute_host("www.acme-static.net").organisation is None  # only cdn.acme-static.net is listed


def test_datatrails_table_wins_over_a_pack(home: Path) -> None:
    packs.install(_pack_file(home))
    hit = attribute_host("ad.doubleclick.net")
    assert hit.organisation == "Google LLC" and hit.parent == "Alphabet Inc."
    assert not any(f.dataset == "ghostery-trackerdb" for f in hit.evidence)


def test_an_organisation_without_a_country_raises_no_flag(home: Path) -> None:
    packs.install(_pack_file(home))
    hit = attribute_host("shadow-metrics.net")
    assert hit.organisation == "Shadow Metrics" and hit.org_country is None and hit.flags == ()
    assert attribute_host("orphan-tracker.com").organisation is None  # a tracker of no organisation names no owner


def test_reports_list_installed_packs_with_their_licence(home: Path) -> None:
    assert not any(r.name == "ghostery-trackerdb" for r in dataset_refs())
    packs.install(_pack_file(home))
    (ref,) = [r for r in dataset_refs() if r.name == "ghostery-trackerdb"]
    assert "CC BY-NC-SA 4.0" in ref.license and len(ref.sha256) == 64
    assert packs.remove("ghostery-trackerdb") and not packs.installed_packs()
    assert attribute_host("t.acme-adnet.com").organisation is None


@pytest.mark.parametrize("doc", [[1, 2], {"organizations": {}, "patterns": {}}, {"organizations": [], "patterns": {}},
                                 {"organizations": {"a": {}}, "patterns": {}}, {"hello": "world"}])
def test_files_that_are_not_packs_are_refused(home: Path, doc: object) -> None:
    with pytest.raises(packs.PackError):
        packs.install(_pack_file(home, doc))
    assert packs.installed_packs() == []


def test_the_command_line_shows_the_licence_and_needs_it_accepted(home: Path, capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = _pack_file(home)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["data", "add", str(path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "CC BY-NC-SA 4.0" in err and "--yes" in err and packs.installed_packs() == []
    assert main(["data", "add", str(path), "--yes"]) == EXIT_OK
    assert "installed ghostery-trackerdb: 3 organisations, 4 domains" in capsys.readouterr().out
    assert main(["data"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "data packs (installed by you" in out and "CC BY-NC-SA 4.0" in out
    assert re.search(r"^  size     \d+ organisations, \d+ domains", out, re.M)  # datatrail's own table
    assert main(["data", "--format", "json"]) == EXIT_OK
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows if r.get("pack")] == ["ghostery-trackerdb"]
    assert main(["lookup", "pixel.shadow-metrics.net", "--format", "json"]) in (EXIT_OK, 1)
    looked = json.loads(capsys.readouterr().out)
    text = json.dumps(looked)
    assert "Shadow Metrics" in text and "ghostery-trackerdb" in text
    assert main(["data", "remove", "nothing-here"]) == EXIT_USAGE
    assert "no data pack named 'nothing-here' (ghostery-trackerdb)" in capsys.readouterr().err
    assert main(["data", "remove", "ghostery-trackerdb"]) == EXIT_OK
    assert main(["data", "add", str(home / "missing.json"), "--yes"]) == EXIT_INPUT
    assert "cannot read it" in capsys.readouterr().err


def test_a_damaged_pack_says_how_to_remove_it(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    info = packs.install(_pack_file(home))
    (info.path / "table.json").write_text("{", encoding="utf-8")
    packs.reset()
    assert main(["data"]) == EXIT_INPUT
    assert "datatrail data remove ghostery-trackerdb" in capsys.readouterr().err
    assert main(["data", "remove", "ghostery-trackerdb"]) == EXIT_OK


def test_a_scan_lists_the_pack_and_a_damaged_one_stops_it_once(home: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    apk = corpus_dir() / "apk" / "androguard" / "a2dp.Vol_137.apk"
    if not apk.is_file():
        pytest.skip("the shared corpus is not here (../shared/corpus)")
    packs.install(_pack_file(home))
    out = tmp_path / "r.json"
    assert main(["scan", str(apk), "--format", "json", "-o", str(out)]) in (EXIT_OK, 1)
    datasets = {d["name"]: d for d in json.loads(out.read_text())["datasets"]}
    assert "CC BY-NC-SA 4.0" in datasets["ghostery-trackerdb"]["license"]
    (packs.installed_packs()[0].path / "pack.json").write_text("{", encoding="utf-8")
    packs.reset()
    assert main(["scan", str(apk), "--format", "json", "-o", str(out)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert err.count("damaged") == 1 and "datatrail data remove ghostery-trackerdb" in err and "internal error" not in err
