"""The HTML report in a real browser: Debian's headless Chromium loads it from a file.

One Chromium run per page writes the rendered DOM, a screenshot and a network log.
The network log is the oracle for "no request of any kind": a control page that does
make requests shows up in it, the report does not. The console (Chromium's stderr log)
shows any Content-Security-Policy violation, and the screenshot's pixels show the
stylesheet was applied and the map coloured.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import tempfile
import zlib
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

import pytest

from datatrail.model.report import Report
from datatrail.report.html import to_html
from tests.support.corpus import corpus_dir, scan_cached
from tests.support.html_pages import BUGLY, hostile_page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and os.environ.get("CI"):
    raise RuntimeError("chromium is not installed; .ci/run installs the Debian package")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")

SHOTS = Path(os.environ.get("DATATRAIL_SHOTS", Path(tempfile.gettempdir()) / "datatrail-html"))
STATE_ACCESS_RED = (0xC6, 0x28, 0x28)
CONDITIONAL_YELLOW = (0xF2, 0xB7, 0x05)


@dataclass(frozen=True)
class Loaded:
    dom: str
    console: str
    page_requests: list[str]
    screenshot: Path


def _page_requests(net_log: Path) -> list[str]:
    """URLs the page asked for: requests made on behalf of a file:// document.

    Chromium's own background requests (component updates, account checks) carry no
    file:// isolation key and are not the page's doing.
    """
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        if event["type"] == start and "file://" in str(params.get("network_isolation_key", "")):
            urls.append(str(params.get("url")))
    return urls


def load(html: str, name: str, height: int = 2400) -> Loaded:
    """Open ``html`` from a file in headless Chromium; DOM, console, page requests and a screenshot."""
    assert CHROMIUM is not None
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, shot = SHOTS / f"{name}.html", SHOTS / f"{name}.png"
    page.write_text(html, encoding="utf-8")
    shot.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="datatrail-chromium-") as profile:
        net_log = Path(profile) / "net-log.json"
        done = subprocess.run(
            [
                CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={profile}/data", "--host-resolver-rules=MAP * ~NOTFOUND",
                "--enable-logging=stderr", "--v=0", "--hide-scrollbars", f"--window-size=1280,{height}",
                f"--log-net-log={net_log}", f"--screenshot={shot}", "--dump-dom", page.as_uri(),
            ],
            capture_output=True, text=True, timeout=90, check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        requests = _page_requests(net_log)
    print(f"screenshot: {shot}")
    return Loaded(done.stdout, "\n".join(line for line in done.stderr.splitlines() if ":CONSOLE" in line), requests, shot)


def _pixels(png: Path) -> tuple[int, int, bytes, int]:
    """Width, height, raw unfiltered rows and bytes per pixel of an 8-bit RGB(A) PNG."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    bpp = 4 if colour == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * bpp
    out = bytearray()
    prev = bytes(stride)
    for row in range(height):
        kind = raw[row * (stride + 1)]
        line = raw[row * (stride + 1) + 1:(row + 1) * (stride + 1)]
        if kind == 1:
            chans = [bytes(v & 0xFF for v in accumulate(line[c::bpp])) for c in range(bpp)]
            line = bytes(b for pixel in zip(*chans, strict=True) for b in pixel)
        elif kind == 2:
            line = bytes((a + b) & 0xFF for a, b in zip(line, prev, strict=True))
        elif kind in (3, 4):
            line = _slow_filter(kind, bytearray(line), prev, bpp)
        out += line
        prev = line
    return width, height, bytes(out), bpp


def _slow_filter(kind: int, line: bytearray, prev: bytes, bpp: int) -> bytes:
    for i in range(len(line)):
        left = line[i - bpp] if i >= bpp else 0
        up = prev[i]
        if kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        else:
            corner = prev[i - bpp] if i >= bpp else 0
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
    return bytes(line)


def _colours(png: Path, *wanted: tuple[int, int, int]) -> list[int]:
    """How many pixels of the screenshot have exactly each of the ``wanted`` colours."""
    width, height, pixels, bpp = _pixels(png)
    counts = Counter(pixels[i:i + 3] for i in range(0, width * height * bpp, bpp))
    return [counts[bytes(rgb)] for rgb in wanted]


@pytest.fixture(scope="module")
def bugly(corpus_reports: dict[Path, Any]) -> Loaded:
    report = scan_cached(corpus_dir() / BUGLY, corpus_reports)
    assert isinstance(report, Report)
    # Tall enough for the verdict, the map and its legend; decoding a taller PNG in Python costs seconds.
    return load(to_html(report), "bugly-demo", height=1300)


def test_report_loads_with_zero_requests_and_no_policy_violation(bugly: Loaded) -> None:
    assert bugly.page_requests == []
    assert "Content Security Policy" not in bugly.console and "Refused" not in bugly.console, bugly.console


def test_rendered_dom_has_the_sections_the_map_and_the_script_ran(bugly: Loaded) -> None:
    dom = bugly.dom
    for ident in ("verdict", "map", "flow", "sdks", "data-access", "destinations", "permissions", "findings", "certificates"):
        assert f'id="{ident}"' in dom, ident
    assert '<svg viewBox="0 0 1000 ' in dom and 'data-cc="CN"' in dom
    assert "Tencent Holdings Ltd., a company based in China" in dom
    # The filter script is allowed by the policy: it added a filter box above the 8 permissions.
    assert '<input type="search" class="filter" placeholder="Filter 8 rows…"' in dom


def test_screenshot_shows_the_coloured_map(bugly: Loaded) -> None:
    # China (state-access red) is filled: the stylesheet applied. The US is not: github.com is named
    # only in an error message, a reference, so no place data goes.
    red, yellow = _colours(bugly.screenshot, STATE_ACCESS_RED, CONDITIONAL_YELLOW)
    assert red > 4000 and yellow < 1000


def test_hostile_strings_stay_inert_in_the_browser(corpus_reports: dict[Path, Any]) -> None:
    report = scan_cached(corpus_dir() / BUGLY, corpus_reports)
    assert isinstance(report, Report)
    loaded = load(hostile_page(report), "hostile", height=900)
    assert loaded.page_requests == []  # the injected <img src=x> was never an element
    assert "<img" not in loaded.dom and "onerror=" not in loaded.dom.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;alert" in loaded.dom
    assert loaded.console == "" or "Content Security Policy" not in loaded.console


def test_a_hostile_apps_own_page_stays_inert_in_the_browser(tmp_path: Path) -> None:
    """An APK whose label carries <script>, an <img onerror> and terminal escapes, scanned to its
    page by the command line and opened in Chromium: nothing of it became an element, nothing was
    requested, the page's policy was never violated, and the label shows as text."""
    from datatrail.cli.main import main
    from tests.support.hostile_apps import hostile_apk

    page = tmp_path / "hostile.html"
    assert main(["scan", str(hostile_apk(tmp_path)), "--format", "html", "-o", str(page), "--accept-partial"]) in (0, 1)
    loaded = load(page.read_text(encoding="utf-8"), "hostile-apk", height=900)
    assert loaded.page_requests == []
    assert "<img" not in loaded.dom and "<script>alert" not in loaded.dom and "<script>x" not in loaded.dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in loaded.dom and "[U+001B]" in loaded.dom
    assert "Content Security Policy" not in loaded.console


def test_the_request_detector_sees_a_page_that_does_make_requests() -> None:
    control = (
        '<!DOCTYPE html><html><head><link rel="stylesheet" href="https://datatrail-canary.invalid/a.css"></head>'
        '<body><img src="http://127.0.0.1:9/x.png"></body></html>'
    )
    loaded = load(control, "control", height=300)
    assert sorted(loaded.page_requests) == ["http://127.0.0.1:9/x.png", "https://datatrail-canary.invalid/a.css"]
