"""Build the labelled capture: planted personal data sent over loopback, captured by tcpdump, and its truth.

Starts a local HTTP server on 127.0.0.1 (stdlib, in a thread), runs
``tcpdump -i lo -U -w labelled.pcap port N`` (root and the Debian tcpdump
package needed), and sends requests with stdlib http.client: known values in
every encoding the personal-data search claims to read (plain, URL-encoded,
base64 and base64url with and without padding, hex, MD5/SHA-1/SHA-256 of the
lower- and upper-case value, digests written in either case) in query
strings, paths, headers, cookies, form, JSON and multipart bodies; values only
their field names give away; a search, likes, a comment, browsing history and
a file upload; and harmless requests that must not be flagged (random tokens,
timestamps, numbers near the planted coordinates, hashes of other values,
prose). It writes the HAR 1.2 of the same requests itself and
``labelled.truth.json``: the ``--known`` spec and every hit the search must
report, and nothing else.

Run (as root, from the repository): .venv/bin/python tools/make_labelled_capture.py [OUTDIR]
Default OUTDIR: tests/fixtures/capture. The three files are committed; rerunning
changes only the pcap's timestamps and ports.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

EMAIL = "jd~smith@example.com"
"""The ~ makes base64 and base64url differ (+ versus -)."""
IMEI = "356938035643809"
ADID = "38400000-8cf0-11bd-b23e-10b96e40000d"
ANDROID_ID = "9774d56d682e549c"
PHONE = "+44 7700 900123"
LAT, LON = "51.5074", "-0.1278"
KNOWN = f"email={EMAIL},imei={IMEI},adid={ADID},android_id={ANDROID_ID},phone={PHONE},lat={LAT},lon={LON}"

DEVICE = "Device or other IDs"
PERSONAL = "Personal info"
LOCATION = "Location"
DEVICE_DATA = "App info and performance"
ACTIVITY = "App activity"

_LABELS = {"email": ("email", PERSONAL), "imei": ("IMEI", DEVICE), "adid": ("advertising ID", DEVICE),
           "android_id": ("Android ID", DEVICE), "phone": ("phone number", PERSONAL),
           "lat": ("latitude", LOCATION), "lon": ("longitude", LOCATION)}

SEED = 20261128


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def b64(text: str, urlsafe: bool = False, pad: bool = True) -> str:
    raw = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(text.encode()).decode()
    return raw if pad else raw.rstrip("=")


@dataclass
class Planned:
    method: str
    host: str
    path: str
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    content_type: str | None = None
    expect: list[dict[str, str]] = field(default_factory=list)

    def known(self, kind: str, location: str, encoding: str, matched: str) -> Planned:
        label, category = _LABELS[kind]
        self.expect.append({"rule": "NET001", "kind": "known", "value": kind, "label": label, "category": category,
                            "location": location, "encoding": encoding, "matched": matched})
        return self

    def flag(self, rule: str, kind: str, label: str, category: str, location: str, matched: str) -> Planned:
        self.expect.append({"rule": rule, "kind": kind, "value": "", "label": label, "category": category,
                            "location": location, "encoding": "plain", "matched": matched})
        return self


def _json(method: str, host: str, path: str, doc: Any, query: str = "") -> Planned:
    return Planned(method, host, path, query, body=json.dumps(doc).encode(), content_type="application/json")


def _form(host: str, path: str, pairs: list[tuple[str, str]]) -> Planned:
    return Planned("POST", host, path, body=urlencode(pairs).encode(), content_type="application/x-www-form-urlencoded")


def _multipart(host: str, path: str, parts: list[tuple[str, str | None, str | None, bytes]]) -> Planned:
    boundary = "----datatrail0labelled0boundary"
    chunks = []
    for name, filename, ctype, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
        head += f"Content-Type: {ctype}\r\n" if ctype else ""
        chunks.append(head.encode() + b"\r\n" + content + b"\r\n")
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    return Planned("POST", host, path, body=body, content_type=f"multipart/form-data; boundary={boundary}")


def plan() -> list[Planned]:
    """The requests to send, in order, each with the hits it must give. Deterministic."""
    rng = random.Random(SEED)
    api, ads, cdn = "api.example.com", "ads.tracker.example.net", "cdn.example.com"
    email_up = EMAIL.upper()
    phone_e164 = "+447700900123"
    adid_bare_upper = ADID.replace("-", "").upper()
    fake_jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(rng.randrange(256) for _ in range(400)) + b"\xff\xd9"
    readme = ("datatrail labelled capture\n\nThis request carries prose only. It talks about email, phone numbers, "
              "location and search in words, lists version 51.50 and build 2026.11, and names no person.\n").encode()
    out: list[Planned] = [
        Planned("GET", api, "/v1/config", f"email={quote(EMAIL)}&imei={IMEI}")
        .known("email", "query:email", "plain", EMAIL).known("imei", "query:imei", "plain", IMEI),
        Planned("GET", ads, "/v1/t", f"u={quote(quote(EMAIL, safe=''), safe='')}&p={quote(phone_e164, safe='')}&n=07700900123")
        .known("email", "query:u", "url", quote(EMAIL, safe="")).known("phone", "query:p", "plain", phone_e164)
        .known("phone", "query:n", "plain", "07700900123"),
        _json("POST", ads, "/collect", {"device": {"imei_md5": md5(IMEI), "aid": sha1(ANDROID_ID).upper(),
                                                   "gaid": sha256(ADID.upper())},
                                        "user": {"contact": b64(EMAIL), "tel": b64(phone_e164),
                                                 "ref": b64(email_up, urlsafe=True, pad=False)}})
        .known("imei", "body:$.device.imei_md5", "md5", md5(IMEI))
        .known("android_id", "body:$.device.aid", "sha1", sha1(ANDROID_ID).upper())
        .known("adid", "body:$.device.gaid", "sha256", sha256(ADID.upper()))
        .known("email", "body:$.user.contact", "base64", b64(EMAIL))
        .known("phone", "body:$.user.tel", "base64", b64(phone_e164))
        .known("email", "body:$.user.ref", "base64url", b64(email_up, urlsafe=True, pad=False)),
        _form(api, "/v1/register", [("android_id", ANDROID_ID.upper()), ("lat", LAT), ("lon", LON),
                                    ("sig", md5(email_up).upper())])
        .known("android_id", "body:form:android_id", "plain", ANDROID_ID.upper())
        .known("lat", "body:form:lat", "plain", LAT).known("lon", "body:form:lon", "plain", LON)
        .known("email", "body:form:sig", "md5", md5(email_up).upper()),
        Planned("GET", ads, "/v1/ad", "slot=banner", headers=[
            ("X-Device-Id", IMEI.encode().hex().upper()), ("Cookie", f"uid={b64(EMAIL, urlsafe=True)}; theme=dark"),
            ("X-Ad-Id", adid_bare_upper), ("X-Client", b64(EMAIL, pad=False)), ("X-Ad-B64", b64(ADID)), ("X-Trace", sha1(EMAIL.upper()))])
        .known("imei", "header:X-Device-Id", "hex", IMEI.encode().hex().upper())
        .known("email", "cookie:uid", "base64url", b64(EMAIL, urlsafe=True))
        .known("adid", "header:X-Ad-Id", "plain", adid_bare_upper)
        .known("email", "header:X-Client", "base64", b64(EMAIL, pad=False))
        .known("adid", "header:X-Ad-B64", "base64", b64(ADID))
        .known("email", "header:X-Trace", "sha1", sha1(EMAIL.upper())),
        _json("POST", api, f"/u/{md5(EMAIL)}/ping", {"loc": {"latitude": 51.50741, "longitude": -0.12782},
                                                    "h": sha256(IMEI).upper(), "x": ANDROID_ID.encode().hex()})
        .known("email", "path[1]", "md5", md5(EMAIL))
        .known("lat", "body:$.loc.latitude", "plain", "51.50741").known("lon", "body:$.loc.longitude", "plain", "-0.12782")
        .known("imei", "body:$.h", "sha256", sha256(IMEI).upper()).known("android_id", "body:$.x", "hex", ANDROID_ID.encode().hex()),
        Planned("GET", api, "/search", "q=cheap+flights+to+london&page=1")
        .flag("NET006", "category", "search query", ACTIVITY, "query:q", "cheap flights to london"),
        Planned("GET", api, "/v2/suggest", "term=pizza%20near%20me")
        .flag("NET006", "category", "search query", ACTIVITY, "query:term", "pizza near me"),
        _json("POST", api, "/api/posts/8812/like", {})
        .flag("NET007", "category", "like", ACTIVITY, "path[3]", "like"),
        _json("POST", api, "/api/feed/event", {"action": "like", "post_id": "8813"})
        .flag("NET007", "category", "like", ACTIVITY, "body:$.action", "like"),
        _json("POST", api, "/api/posts/8812/comments", {"comment": "Great photo!", "post_id": "8812"})
        .flag("NET008", "category", "comment", ACTIVITY, "body:$.comment", "Great photo!"),
        _json("POST", api, "/api/history", {"history": [{"url": "https://news.example.org/a/1", "ts": 1732761234},
                                                        {"url": "https://news.example.org/a/2", "ts": 1732761299}]})
        .flag("NET009", "category", "browsing history", "Web browsing", "body:$.history[0].url", "https://news.example.org/a/1")
        .flag("NET009", "category", "browsing history", "Web browsing", "body:$.history[1].url", "https://news.example.org/a/2"),
        _multipart(api, "/upload", [("caption", None, None, b"holiday"), ("photo", "beach.jpg", "image/jpeg", fake_jpeg),
                                    ("contact", None, None, PHONE.encode())])
        .flag("NET010", "category", "file upload", "Photos and videos", "body:multipart[1]:photo", "beach.jpg")
        .known("phone", "body:multipart[2]:contact", "plain", PHONE),
        _json("POST", ads, "/api/device", {"device_model": "Pixel 7", "os_version": "14", "carrier": "Vodafone UK",
                                           "screen": "1080x2400", "device_id": "f3b1c2d4-5e6f-4a1b-9c8d-7e6f5a4b3c2d"})
        .flag("NET004", "heuristic", "device model", DEVICE_DATA, "body:$.device_model", "Pixel 7")
        .flag("NET004", "heuristic", "operating system", DEVICE_DATA, "body:$.os_version", "14")
        .flag("NET004", "heuristic", "mobile carrier", DEVICE_DATA, "body:$.carrier", "Vodafone UK")
        .flag("NET004", "heuristic", "screen", DEVICE_DATA, "body:$.screen", "1080x2400")
        .flag("NET002", "heuristic", "device ID", DEVICE, "body:$.device_id", "f3b1c2d4-5e6f-4a1b-9c8d-7e6f5a4b3c2d"),
        _form(api, "/v1/contact", [("contact_email", "someone.else@example.org"), ("mobile", "+1 202 555 0143")])
        .flag("NET005", "heuristic", "email", PERSONAL, "body:form:contact_email", "someone.else@example.org")
        .flag("NET005", "heuristic", "phone number", PERSONAL, "body:form:mobile", "+1 202 555 0143"),
        Planned("GET", ads, "/v1/geo", "ll=48.8566,2.3522&X=1", headers=[("X-Serial", "R58M123ABC")])
        .flag("NET003", "heuristic", "coordinates", LOCATION, "query:ll", "48.8566,2.3522")
        .flag("NET002", "heuristic", "device serial", DEVICE, "header:X-Serial", "R58M123ABC"),
        # Harmless: nothing below may be flagged.
        Planned("GET", cdn, "/static/app.js",
                f"v=1732761234&nonce={rng.getrandbits(128):032x}&token={b64(str(rng.random()), urlsafe=True, pad=False)}"),
        _json("POST", api, "/metrics", {"price": 51.5079, "ratio": -0.1279, "score": 51.51, "temp": 151.5074,
                                        "count": 356938, "checksum": md5("hello world"), "ts": 1732761234567,
                                        "session": f"{rng.getrandbits(128):032x}", "build": "0.1278",
                                        "digest": sha256(EMAIL + "x"), "like_count": 3}),
        Planned("POST", api, "/feedback", body=readme, content_type="text/plain; charset=utf-8"),
        Planned("GET", cdn, "/images/icon@2x.png"),
        Planned("GET", api, "/api/posts/8812/comments", "limit=20"),
        _json("POST", api, "/api/settings", {"theme": "dark", "model": "", "os": "null", "lat": "n/a", "idfa": "00000000-0000-0000-0000-000000000000"}),
    ]
    return out


class _Handler(BaseHTTPRequestHandler):
    def _reply(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = do_POST = do_PUT = _reply

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _send(port: int, item: Planned) -> list[tuple[str, str]]:
    headers = [("Host", item.host), ("User-Agent", "datatrail-labelled/1")] + item.headers
    if item.content_type:
        headers.append(("Content-Type", item.content_type))
    if item.body or item.method in ("POST", "PUT"):
        headers.append(("Content-Length", str(len(item.body))))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    target = item.path + ("?" + item.query if item.query else "")
    conn.putrequest(item.method, target, skip_host=True, skip_accept_encoding=True)
    for name, value in headers:
        conn.putheader(name, value)
    conn.endheaders(item.body or None)
    conn.getresponse().read()
    conn.close()
    return headers


def _har_entry(item: Planned, headers: list[tuple[str, str]], started: float) -> dict[str, Any]:
    url = f"http://{item.host}{item.path}" + ("?" + item.query if item.query else "")
    request: dict[str, Any] = {
        "method": item.method, "url": url, "httpVersion": "HTTP/1.1",
        "headers": [{"name": n, "value": v} for n, v in headers],
        "queryString": [{"name": n, "value": v} for n, v in parse_qsl(item.query, keep_blank_values=True)],
        "cookies": [], "headersSize": -1, "bodySize": len(item.body),
    }
    if item.body or item.method in ("POST", "PUT"):
        try:
            request["postData"] = {"mimeType": item.content_type or "", "text": item.body.decode("utf-8")}
        except UnicodeDecodeError:
            request["postData"] = {"mimeType": item.content_type or "", "text": base64.b64encode(item.body).decode(),
                                   "encoding": "base64"}
    stamp = datetime.fromtimestamp(started, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "startedDateTime": stamp, "time": 1, "request": request,
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                     "headers": [{"name": "Content-Type", "value": "text/plain"}], "cookies": [],
                     "content": {"size": 2, "mimeType": "text/plain", "text": "ok"},
                     "redirectURL": "", "headersSize": -1, "bodySize": 2},
        "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}, "serverIPAddress": "127.0.0.1",
    }


def main(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pcap = outdir / "labelled.pcap"
    dump = subprocess.Popen(["tcpdump", "-i", "lo", "-U", "-n", "--immediate-mode", "-w", str(pcap), f"tcp port {port}"],
                            stderr=subprocess.PIPE, text=True)
    assert dump.stderr is not None
    if "listening on" not in dump.stderr.readline():
        dump.kill()
        raise SystemExit("tcpdump did not start")
    time.sleep(1.0)  # "listening" is printed a moment before packets are really captured
    items = plan()
    entries: list[dict[str, Any]] = []
    truth: list[dict[str, Any]] = []
    base = 1764288000.0  # 2025-11-28T00:00:00Z: fixed HAR times keep the committed HAR stable
    for index, item in enumerate(items):
        headers = _send(port, item)
        entries.append(_har_entry(item, headers, base + index))
        truth.extend({"request": index, **hit} for hit in item.expect)
        time.sleep(0.02)
    time.sleep(1.5)  # let tcpdump drain its capture buffer before it is stopped
    dump.send_signal(signal.SIGINT)
    _, errors = dump.communicate(timeout=10)
    print(errors.strip(), file=sys.stderr)
    server.shutdown()
    har = {"log": {"version": "1.2", "creator": {"name": "datatrail make_labelled_capture", "version": "1"},
                   "pages": [], "entries": entries}}
    (outdir / "labelled.har").write_text(json.dumps(har, indent=1) + "\n", encoding="utf-8")
    doc = {"known": KNOWN, "requests": [{"method": i.method, "host": i.host, "path": i.path} for i in items],
           "hits": truth}
    (outdir / "labelled.truth.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"{len(items)} requests, {len(truth)} expected hits -> {outdir}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "capture")
