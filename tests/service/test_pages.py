"""The pages in-process (the real ASGI app, both databases): each answers with HTML under a strict
Content-Security-Policy, shows what the API and the report say, escapes what apps control, and
refuses bad requests with a page that says why."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from datatrail.app.pipeline import scan_file
from datatrail.changes.diff import diff_reports
from datatrail.report.card import risk_card
from datatrail.service.api import create_app
from datatrail.service.config import ServiceConfig
from datatrail.service.pages.layout import CSP
from datatrail.service.worker import Worker, WorkerConfig
from datatrail.store import Store, open_store
from tests.support.corpus import corpus_dir
from tests.support.html_pages import parse_html as _parse
from tests.support.service_apps import HOSTILE_LABEL, HOSTILE_PACKAGE, VERSIONED, hostile_apk, two_versions

BUGLY = "apk/bugly-demo/BuglyHotfixDemo-app-release.apk"


@pytest.fixture
def service(database: str, tmp_path: Path) -> Iterator[tuple[TestClient, Store]]:
    config = ServiceConfig(data_dir=tmp_path / "data", database=database, max_upload=8 << 20)
    store = open_store(database, config.data_dir)
    with TestClient(create_app(config, store)) as client:
        yield client, store
    store.engine.dispose()


def _submit(client: TestClient, store: Store, *paths: Path) -> list[int]:
    ids = []
    for path in paths:
        with path.open("rb") as fh:
            r = client.post("/api/v1/scans", files={"file": (path.name, fh)})
        assert r.status_code in (200, 202), r.text
        ids.append(r.json()["id"])
    worker = Worker(store, WorkerConfig(jobs=1))
    while worker.run_once():
        pass
    return ids


def _page(client: TestClient, url: str, status: int = 200) -> str:
    r = client.get(url, follow_redirects=False)
    assert r.status_code == status, (url, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == CSP and r.headers["x-content-type-options"] == "nosniff"
    return r.text


def test_every_page_answers_with_html_under_the_policy(service: tuple[TestClient, Store]) -> None:
    client, store = service
    (scan,) = _submit(client, store, corpus_dir() / BUGLY)
    redirect = client.get(f"/scans/{scan}", follow_redirects=False)
    assert redirect.status_code == 303 and redirect.headers["location"] == "/apps/com.tencent.bugly.hotfix?platform=android&version=1"
    for url in ("/", "/apps", "/apps?sdk_vendor_country=cn&sort=newest", "/apps/com.tencent.bugly.hotfix", "/stats"):
        doc = _parse(_page(client, url))
        # Nothing inline runs, nothing loads from elsewhere: scripts and stylesheets are the server's own files.
        assert all(a.get("src", "").startswith("/static/") for t, a in doc.tags if t == "script")
        assert all(a.get("href", "").startswith(("/static/", "data:")) for t, a in doc.tags if t == "link")
        assert not [a for _, a in doc.tags for k in a if k.startswith("on")]
        assert not [a for _, a in doc.tags for k in ("href", "src", "action") if (a.get(k) or "").startswith("javascript:")]
    for name in ("report.css", "pages.css", "filter.js", "upload.js", "scan.js", "card.css"):
        assert client.get(f"/static/{name}").status_code == 200, name
    assert client.get("/static/../api.py").status_code == 404
    assert client.get("/static/secret.txt").status_code == 404


def test_catalogue_filters_are_the_api_filters(service: tuple[TestClient, Store], tmp_path: Path) -> None:
    client, store = service
    paths = [corpus_dir() / p for p in (BUGLY, "apk/exodus-core/instapaper.apk", "apk/bugly-demo/BuglyUpgradeDemo-demo.apk")]
    _submit(client, store, *paths)
    for query in ("", "sdk_vendor_country=CN", "sdk_vendor_country=US", "org_country=CN", "q=bugly", "jurisdiction_flag=compelled-access",
                  "permission=READ_PHONE_STATE", "min_severity=high", "sort=label", "sdk=tencent-bugly"):
        api = client.get(f"/api/v1/apps?{query}").json()
        page = _page(client, f"/apps?{query}")
        linked = re.findall(r'<a href="/apps/([^"?]+)\?platform=android">', page)
        assert linked == [i["package"] for i in api["items"]], query
        assert f"{api['total']} app" in page
    # The form shows the filter it applied, so the view can be shared as its URL.
    page = _page(client, "/apps?sdk_vendor_country=CN")
    assert '<option value="CN" selected>' in page
    bad = _page(client, "/apps?org_country=CHN", 422)
    assert "two-letter country code" in bad
    assert "must be one of" in _page(client, "/apps?sort=evil", 422)


def test_app_page_is_the_report_then_its_history(service: tuple[TestClient, Store], tmp_path: Path) -> None:
    client, store = service
    old, new = two_versions(tmp_path)
    _submit(client, store, old, new)
    page = _page(client, f"/apps/{VERSIONED}")
    sections = re.findall(r'<section id="([a-z-]+)"', page)
    assert sections[0] == "verdict" and sections[-2:] == ["versions", "card"] and "destinations" in sections
    # The history says what version 2 added, and links to the diff between them.
    history = page[page.index('id="versions"'):]
    assert "New destination country: China" in history and "2 new permissions: ACCESS_FINE_LOCATION, READ_CONTACTS" in history
    versions = client.get(f"/api/v1/apps/{VERSIONED}").json()["apps"][0]["versions"]
    new_id, old_id = versions[0]["id"], versions[1]["id"]
    assert f"/apps/{VERSIONED}/diff?platform=android&amp;from={old_id}&amp;to={new_id}" in history
    diff = _page(client, f"/apps/{VERSIONED}/diff?platform=android&from={old_id}&to={new_id}")
    expected = diff_reports(scan_file(old), scan_file(new))
    for section in expected.sections:
        for item in section.added:
            assert re.search(r'<li class="added">(<strong>Flagged: </strong>)?' + re.escape(item.key), diff), (section.name, item.key)
    assert _page(client, f"/apps/{VERSIONED}/diff?platform=android&from={new_id}&to={new_id}").count('class="added"') == 0
    # An older version's page says so and links to the newest.
    assert "not the newest one" in _page(client, f"/apps/{VERSIONED}?version={old_id}")
    assert "is not a version of" in _page(client, f"/apps/{VERSIONED}?version=999999", 404)
    assert "nothing to compare" in _page(client, f"/apps/{VERSIONED}/diff?to={old_id}", 409)
    assert "has been screened" in _page(client, "/apps/com.nobody.here", 404)


def test_risk_card_says_what_the_report_says_and_is_small(service: tuple[TestClient, Store]) -> None:
    client, store = service
    path = corpus_dir() / BUGLY
    _submit(client, store, path)
    expected = risk_card(scan_file(path))
    card = client.get("/api/v1/apps/com.tencent.bugly.hotfix/card").json()
    assert [c["text"] for c in card["claims"]] == [c.text for c in expected.claims]
    assert card["level"] == "state-access" and card["claims"][0]["text"] == "Contains code from 1 company in China (Tencent)"
    assert all(c["evidence"].startswith("/apps/com.tencent.bugly.hotfix?platform=android&version=") for c in card["claims"])
    assert not any("send" in c["text"].lower() for c in card["claims"])  # present in code is never said as sent
    fragment = client.get("/apps/com.tencent.bugly.hotfix/card")
    assert fragment.status_code == 200 and len(fragment.content) < 10_000
    assert "frame-ancestors *" in fragment.headers["content-security-policy"] and "script-src" not in fragment.headers["content-security-policy"]
    links = [a["href"] for t, a in _parse(fragment.text).tags if t == "a"]
    assert len(links) == len(expected.claims) + 1 and all(str(h).startswith("/apps/com.tencent.bugly.hotfix?") for h in links)
    anchors = {str(h).split("#")[1] for h in links if "#" in str(h)}
    app_page = client.get(str(links[0]).split("#")[0]).text
    assert all(f'id="{a}"' in app_page for a in anchors)  # every claim's evidence is a section of the app page
    svg = client.get("/apps/com.tencent.bugly.hotfix/card.svg")
    assert svg.headers["content-type"] == "image/svg+xml" and len(svg.content) < 10_000
    assert svg.text.count("<text") >= len(expected.claims) + 1 and "<script" not in svg.text
    assert client.get("/api/v1/apps/com.nobody/card").status_code == 404


def test_hostile_strings_are_inert_text(service: tuple[TestClient, Store], tmp_path: Path) -> None:
    client, store = service
    _submit(client, store, hostile_apk(tmp_path))
    for url in (f"/apps/{HOSTILE_PACKAGE}", "/apps", f"/apps/{HOSTILE_PACKAGE}/card", f"/apps/{HOSTILE_PACKAGE}/card.svg"):
        body = client.get(url).text
        assert "<script>alert" not in body and "<img src=x" not in body, url
        assert "\u202e" not in body and "\x1b" not in body, url  # controls are written out, never passed through
        if not url.endswith(".svg"):
            doc = _parse(body)
            assert not [a for t, a in doc.tags if t == "img"] and not [t for t, a in doc.tags if t == "script" and not a.get("src")]
            shown = HOSTILE_LABEL.replace("\u202e", "[U+202E]").replace("\x1b", "[U+001B]")
            assert any(shown in t for t in doc.text), url


def test_upload_form_without_javascript(service: tuple[TestClient, Store], tmp_path: Path) -> None:
    client, store = service
    path = corpus_dir() / BUGLY
    with path.open("rb") as fh:
        r = client.post("/upload", files={"file": (path.name, fh)}, follow_redirects=False)
    assert r.status_code == 303 and re.fullmatch(r"/scans/\d+", r.headers["location"])
    waiting = _page(client, r.headers["location"])
    assert "Queued" in waiting and 'http-equiv="refresh"' in waiting  # it refreshes itself until the scan ends
    Worker(store, WorkerConfig(jobs=1)).run_once()
    done = client.get(r.headers["location"], follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/apps/com.tencent.bugly.hotfix?")
    junk = tmp_path / "notes.txt"
    junk.write_text("not an app\n")
    with junk.open("rb") as fh:
        refused = client.post("/upload", files={"file": (junk.name, fh)})
    assert refused.status_code == 422 and "not an APK" in refused.text and refused.headers["content-type"].startswith("text/html")
    assert client.post("/upload", data={"x": "1"}).status_code == 422
    assert "there is no scan" in _page(client, "/scans/424242", 404)


def test_upload_form_asks_for_a_token_once_one_exists(service: tuple[TestClient, Store]) -> None:
    from datatrail.store.tokens import create_token

    client, store = service
    assert 'name="token"' not in _page(client, "/")
    with store.begin() as conn:
        secret = create_token(conn, "browser", 1.0)
    assert 'name="token"' in _page(client, "/")
    path = corpus_dir() / BUGLY
    with path.open("rb") as fh:
        assert client.post("/upload", files={"file": (path.name, fh)}).status_code == 401
    with path.open("rb") as fh:
        ok = client.post("/upload", files={"file": (path.name, fh)}, data={"token": secret}, follow_redirects=False)
    assert ok.status_code == 303


def test_overview_counts_what_the_store_holds(service: tuple[TestClient, Store]) -> None:
    client, store = service
    _submit(client, store, *(corpus_dir() / p for p in (BUGLY, "apk/exodus-core/instapaper.apk")))
    stats = client.get("/api/v1/stats").json()
    assert stats["apps_by_destination_country"]["CN"] == 1 and stats["apps_by_sdk"]["Tencent Bugly"] == 1
    page = _page(client, "/stats")
    assert "50%" in page  # one app of two names servers a state-access law reaches
    assert re.search(r'<path[^>]*class="c shade-\d"[^>]*data-cc="CN"', page) or 'data-cc="CN"' in page
    assert "China (CN): 1 app (50% of 2 apps)" in page
    assert json.dumps(stats)  # the API's numbers are the page's


def test_a_browser_gets_a_page_for_an_unknown_path_and_scripts_get_json(service: tuple[TestClient, Store]) -> None:
    client, _ = service
    html = {"Accept": "text/html,application/xhtml+xml"}
    page = client.get("/no/such/page", headers=html)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html") and "no such page" in page.text
    assert client.get("/scans/abc", headers=html).status_code == 422
    api = client.get("/api/v1/nothing", headers=html)
    assert api.status_code == 404 and api.json()["error"]["status"] == 404
    assert client.get("/no/such/page").json()["error"]["status"] == 404
    assert client.get("/api/v1/scans/abc").json()["error"]["status"] == 422
