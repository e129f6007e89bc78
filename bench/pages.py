"""The service's pages over a big store, in one run: server-side render time of each page (p50,
p95 over sequential requests on loopback) with >= 10,000 versions, and the weight of the app page
for the largest apps at hand.

The store is filled the way ``service.py`` fills it (real reports stored again under new package
names and version codes), then ``datatrail serve --workers 0`` answers. Times are client-side
round trips on loopback, so they include the HTTP stack: an upper bound of the render time.

    .venv/bin/python bench/pages.py [--versions 10000] [--requests 100] [--large DIR] [DIR...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from service import REPO, _apps, _fill, _serve, _stop  # noqa: E402


def _timed(client: httpx.Client, path: str, n: int) -> tuple[float, float, int]:
    first = client.get(path)
    assert first.status_code == 200, (path, first.status_code, first.text[:200])
    times = []
    for _ in range(n):
        t = time.perf_counter()
        r = client.get(path)
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))], len(first.content)


def _inflated(app: Path, times: int) -> dict[str, object]:
    """The app's report with its hosts, data access, findings, SDKs and permissions repeated
    ``times`` over (other names each time): a stand-in for the biggest apps in stores."""
    import dataclasses
    import json

    from datatrail.app.pipeline import scan_file
    from datatrail.report.json import to_json

    r = scan_file(app)
    def many(items: tuple, rename) -> tuple:  # type: ignore[type-arg, no-untyped-def]
        return tuple(rename(x, i) for i in range(times) for x in items)
    r = dataclasses.replace(
        r,
        app=dataclasses.replace(r.app, package="bench.inflated", label="Inflated"),
        destinations=many(r.destinations, lambda d, i: dataclasses.replace(
            d, endpoint=dataclasses.replace(d.endpoint, host=f"h{i}.{d.endpoint.host}"))),
        data_access=many(r.data_access, lambda a, i: a),
        findings=many(r.findings, lambda f, i: dataclasses.replace(f, message=f"{f.message} #{i}")),
        sdks=many(r.sdks, lambda s, i: dataclasses.replace(s, id=f"{s.id}-{i}", name=f"{s.name} {i}")),
        permissions=many(r.permissions, lambda p, i: dataclasses.replace(p, name=f"{p.name}_{i}")),
    )
    return json.loads(to_json(r))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, default=[REPO.parent / "shared" / "corpus" / "apk"])
    parser.add_argument("--versions", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--large", type=Path, default=None, help="a folder of big apps (fetch-large.sh) for the page-weight row")
    parser.add_argument("--inflate", type=int, default=50, help="repeat the largest app's findings this many times for a worst case")
    args = parser.parse_args()
    apps = _apps(args.dirs)
    large = _apps([args.large]) if args.large else []
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        t0 = time.perf_counter()
        _fill(data, None, apps + large, args.versions)
        fill_s = time.perf_counter() - t0
        biggest = max(apps + large, key=lambda p: p.stat().st_size)
        inflated = _inflated(biggest, args.inflate)
        import hashlib
        import json

        from datatrail.store import open_store
        from datatrail.store.catalogue import record_report

        store = open_store(None, data)
        with store.begin() as conn:
            text = json.dumps(inflated)
            record_report(conn, hashlib.sha256(b"inflated").hexdigest(), len(text), inflated, text, time.time())
        store.engine.dispose()
        proc, base = _serve(data, "--workers", "0")
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                listed = client.get("/api/v1/apps", params={"sdk_vendor_country": "CN", "limit": 1}).json()["items"][0]["package"]
                detail = client.get(f"/api/v1/apps/{listed}").json()["apps"][0]["versions"]
                pages = [
                    ("upload", "/"),
                    ("catalogue", "/apps"),
                    ("catalogue, filtered", "/apps?sdk_vendor_country=CN&sort=newest"),
                    ("catalogue, page 100", "/apps?page=100"),
                    ("app page", f"/apps/{listed}"),
                    ("diff", f"/apps/{listed}/diff?from={detail[-1]['id']}&to={detail[0]['id']}"),
                    ("overview", "/stats"),
                    ("risk card", f"/apps/{listed}/card"),
                    ("risk card SVG", f"/apps/{listed}/card.svg"),
                ]
                for name, path in pages:
                    p50, p95, size = _timed(client, path, args.requests)
                    rows.append(f"| {name} | `{path.split('?')[0] if len(path) > 50 else path}` | {p50:.1f} | {p95:.1f} | {size / 1024:,.0f} |")
                weights = []
                page = client.get("/apps/bench.inflated")
                counts = ", ".join(f"{len(inflated[k]):,} {k}" for k in ("destinations", "data_access", "findings", "sdks"))  # type: ignore[arg-type]
                weights.append(f"| {biggest.name}, every list x{args.inflate} ({counts}; JSON {len(text) / 2**20:.1f} MB) | "
                               f"{biggest.stat().st_size / 2**20:.1f} MB | {len(page.content) / 2**20:.2f} MB |")
                for app in large:
                    from datatrail.app.pipeline import scan_file

                    package = scan_file(app).app.package
                    found = client.get("/api/v1/apps", params={"q": package, "limit": 1}).json()["items"]
                    if found:
                        page = client.get(f"/apps/{found[0]['package']}")
                        weights.append(f"| {app.name} | {app.stat().st_size / 2**20:.1f} MB | {len(page.content) / 2**20:.2f} MB |")
        finally:
            _stop(proc)
    lines = [
        f"# Pages benchmark (SQLite), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        f"{args.versions:,} versions ({args.versions // 5:,} apps) filled in {fill_s:.1f} s from {len(apps) + len(large)} real reports; "
        f"{args.requests} sequential requests per page after one warm-up; loopback round trips.",
        "",
        "| page | path | p50 ms | p95 ms | size KB |",
        "|---|---|---:|---:|---:|",
        *rows,
    ]
    if weights:
        lines += ["", "| app (largest at hand) | file | app page |", "|---|---:|---:|", *weights]
    text = "\n".join(lines) + "\n"
    print(text)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "pages.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
