"""The corpus figures, checked against the JSON reports they come from (counted here independently),
and ``datatrail corpus`` in its three formats."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from datatrail.app.pipeline import scan_file
from datatrail.cluster.corpus import corpus_figures
from datatrail.cluster.output import CorpusOutput
from datatrail.report.json import to_json
from tests.support.corpus import corpus_files
from tests.support.html_pages import parse_html
from tests.support.service_apps import VERSIONED, two_versions

APPS = corpus_files("apk/bugly-demo/*.apk", "apk/exodus-core/*.apk", "apk/app-info/*.apk")
SRC = str(Path(__file__).resolve().parents[2] / "src")

pytestmark = pytest.mark.skipif(not APPS, reason="test corpus not found (set DATATRAIL_CORPUS)")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, object]]]:
    root = tmp_path_factory.mktemp("corpus")
    out = CorpusOutput(root / "out")
    docs: dict[str, dict[str, object]] = {}
    for path in [*APPS, *two_versions(root)]:
        text = to_json(scan_file(path))
        sha = out.add(path, "analysed", text, None)
        assert sha is not None
        docs[sha] = json.loads(text)
    out.close()
    return root / "out", docs


def _latest(docs: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    """The newest version of each package (by version code), the figures' unit."""
    best: dict[str, tuple[int, str]] = {}
    for sha, d in docs.items():
        app = d["app"]
        assert isinstance(app, dict)
        key, code = str(app["package"]), int(app.get("version_code") or -1)
        if key not in best or code > best[key][0]:
            best[key] = (code, sha)
    return {sha: docs[sha] for _, sha in best.values()}


def test_figures_are_the_reports_counted(corpus: tuple[Path, dict[str, dict[str, object]]]) -> None:
    root, docs = corpus
    f = corpus_figures(root)
    latest = _latest(docs)
    assert f["apps"] == len(latest) and f["versions"] == len(docs)
    vendor: dict[str, set[str]] = defaultdict(set)
    places: dict[str, set[str]] = defaultdict(set)
    flagged: set[str] = set()
    for sha, d in latest.items():
        for s in d["sdks"]:  # type: ignore[attr-defined]
            if s.get("presence", "code") == "code" and s.get("vendor_country"):
                vendor[s["vendor_country"]].add(sha)
        for x in d["destinations"]:  # type: ignore[attr-defined]
            a = x["attribution"]
            servers = [a.get("server_country")] + [y.get("server_country") for y in x.get("addresses", [])]
            for code in {a.get("org_country"), next((c for c in servers if c), None)} - {None}:
                places[code].add(sha)
            if any(fl["id"] == "compelled-access" for fl in a.get("flags", [])):
                flagged.add(d["app"]["package"])  # type: ignore[index]
    assert {k: v["apps"] for k, v in f["apps_by_sdk_vendor_country"].items()} == {k: len(v) for k, v in vendor.items()}
    assert {k: v["apps"] for k, v in f["apps_by_destination_country"].items()} == {k: len(v) for k, v in places.items()}
    assert {i["package"] for i in f["state_access"]["items"]} == flagged and "com.tencent.bugly.hotfix" in flagged
    assert all((root / i["report"]).is_file() for i in f["state_access"]["items"])
    (change,) = [c for c in f["version_changes"] if c["package"] == VERSIONED]
    assert change["versions"] == 2 and change["from"] == "1" and change["to"] == "2"
    assert list(f["apps_by_sdk_vendor_country"]) == sorted(f["apps_by_sdk_vendor_country"],
                                                           key=lambda k: (-f["apps_by_sdk_vendor_country"][k]["apps"], k))


def test_the_command_in_every_format(corpus: tuple[Path, dict[str, dict[str, object]]], tmp_path: Path) -> None:
    root, _ = corpus
    env = {"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "datatrail.cli", "corpus", *args], capture_output=True, text=True,
                              env=env, timeout=120, check=False)

    terminal = run(str(root))
    assert terminal.returncode == 0 and "apps naming servers a state-access law reaches" in terminal.stdout
    as_json = run(str(root), "--format", "json")
    assert json.loads(as_json.stdout) == json.loads(json.dumps(corpus_figures(root)))
    page = tmp_path / "site" / "corpus.html"
    assert run(str(root), "--format", "html", "-o", str(page)).returncode == 0
    doc = parse_html(page.read_text())
    links = [a["href"] for t, a in doc.tags if t == "a" and str(a.get("href", "")).endswith(".json")]
    assert links and all((page.parent / str(h)).resolve().is_file() for h in links)  # each app's report, relative
    assert not [a for t, a in doc.tags if t in ("script", "img", "link") and "http" in str(a.get("src") or a.get("href") or "")]
    missing = run(str(tmp_path))
    assert missing.returncode == 3 and "no corpus tables" in missing.stderr


def test_permission_and_data_figures_are_the_reports_counted(corpus: tuple[Path, dict[str, dict[str, object]]]) -> None:
    root, docs = corpus
    f = corpus_figures(root)
    latest = _latest(docs)
    permissions: dict[str, set[str]] = defaultdict(set)
    categories: dict[str, set[str]] = defaultdict(set)
    by_sdks: dict[str, set[str]] = defaultdict(set)
    for sha, d in latest.items():
        for p in d.get("permissions", []):  # type: ignore[attr-defined]
            if p.get("protection_level") == "dangerous":
                permissions[p["name"].removeprefix("android.permission.")].add(sha)
        for a in d.get("data_access", []):  # type: ignore[attr-defined]
            if a.get("permission_requested") is False:
                continue
            sdk = any(o.get("kind") == "sdk" for o in a.get("owners", []))
            for c in a.get("data_categories", []):
                categories[c].add(sha)
                if sdk:
                    by_sdks[c].add(sha)
    expected = sorted(((k, len(v)) for k, v in permissions.items()), key=lambda kv: (-kv[1], kv[0]))[:len(f["apps_by_dangerous_permission"])]
    assert [(k, v["apps"]) for k, v in f["apps_by_dangerous_permission"].items()] == expected and expected
    assert {k: (v["apps"], v["by_sdks"]) for k, v in f["apps_by_data_category"].items()} == {
        k: (len(v), len(by_sdks[k])) for k, v in categories.items()}
    assert f["apps_by_data_category"] and all(0 < v["share"] <= 1 for v in f["apps_by_data_category"].values())
