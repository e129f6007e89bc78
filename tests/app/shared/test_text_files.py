"""Bundled text files scanned by their format: roles from the lexers, and no code read as hosts."""

from __future__ import annotations

from datatrail.app.shared.hosts import CodeNames
from datatrail.app.shared.strings import PartyJudge, StringScan
from datatrail.app.shared.text_files import scan_text_file
from datatrail.model.endpoint import Endpoint

SCRIPT = """/*! lib v1 | (c) https://licence.example-lib.org */
var e = t.prototype.call, g = this.context.gl, m = window.location.href;
var api = "https://api.example-app.com/v2/"; // see https://docs.example-lib.org/api
throw new Error("Failed, see https://help.example-lib.org/errors for details");
"""
PAGE = """<html><head><script src="https://cdn.example-cdn.net/x.js"></script>
<script>fetch("https://events.example-app.com/e")</script></head>
<body><a href="https://github.com/example/lib">Lib</a> Made with love at www.example-studio.com</body></html>"""
STYLE = '.x img[src*="example-photos.com/eq"] { background: url(https://img.example-cdn.net/a.png) }'
CONFIG = "# old server: https://old.example-app.com\nserver=https://new.example-app.com\n"
README = "Report bugs at https://bugs.example-lib.org\n"


def _scan(files: dict[str, str]) -> dict[str, Endpoint]:
    scan = StringScan()
    for name, text in files.items():
        scan_text_file(scan, text, name)
    return {e.host: e for e in scan.finish(lambda: CodeNames([]), PartyJudge("com.example.app", None, {}))}


def test_script_roles_and_no_member_chains() -> None:
    hosts = _scan({"assets/www/app.js": SCRIPT})
    assert hosts["api.example-app.com"].role == "endpoint"
    assert hosts["licence.example-lib.org"].role_reason == "in a script comment"
    assert hosts["docs.example-lib.org"].role == "reference"
    assert hosts["help.example-lib.org"].role == "reference"
    assert not {"t.prototype.call", "this.context.gl", "window.location.href", "prototype.call", "context.gl"} & set(hosts)


def test_page_style_config_and_document_roles() -> None:
    hosts = _scan({"assets/page.html": PAGE, "assets/s.css": STYLE, "assets/app.properties": CONFIG, "assets/README.md": README})
    roles = {h: (e.role, e.role_reason) for h, e in hosts.items()}
    assert roles["cdn.example-cdn.net"] == ("endpoint", "loaded by a bundled page")
    assert roles["events.example-app.com"][0] == "endpoint"  # a string in the page's script
    assert roles["github.com"] == ("reference", "a link on a bundled page, for people to follow")
    assert roles["www.example-studio.com"][0] == "reference"
    assert roles["img.example-cdn.net"] == ("endpoint", "loaded by a bundled style sheet (url())")
    assert roles["example-photos.com"][0] == "reference"
    assert roles["old.example-app.com"] == ("reference", "in a comment")
    assert roles["new.example-app.com"][0] == "endpoint"
    assert roles["bugs.example-lib.org"][0] == "reference"
    where = [s.location for s in hosts["cdn.example-cdn.net"].sources]
    assert where == ["assets/page.html:1 <script src>"]


def test_one_endpoint_use_outweighs_references() -> None:
    hosts = _scan({"assets/a.js": '// https://api.example-app.com\nvar u = "https://api.example-app.com/x";'})
    api = hosts["api.example-app.com"]
    assert api.role == "endpoint" and {s.role for s in api.sources} == {"endpoint", "reference"}
