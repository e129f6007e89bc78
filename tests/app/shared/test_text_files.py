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


def test_strings_a_script_hands_to_people() -> None:
    """What a script logs, shows in a dialog, opens in the system browser or styles for the
    console is for people; the same text given to another call is judged as a constant."""
    script = (
        'console.log("Powered by " + name + " - http://www.banner-lib.com/");\n'
        'var banner = ["%c lib %c http://styled.banner-lib.com/", "color: red"];\n'
        'window.alert("Open https://alert.example-app.com now");\n'
        'plus.runtime.openURL("http://browser.example-app.com");\n'
        'fetch("https://api.example-app.com/feed"); load(console.log, "https://load.example-app.com/x");\n'
    )
    page = "<html><body><li onclick=\"plus.runtime.openURL('http://www.handler-site.com');\">About</li></body></html>"
    roles = {h: (e.role, e.role_reason) for h, e in _scan({"assets/www/app.js": script, "assets/www/about.html": page}).items()}
    assert roles["www.banner-lib.com"] == ("reference", "logged to the console (console.log)")
    assert roles["styled.banner-lib.com"] == ("reference", "console output (a string styled with %c)")
    assert roles["alert.example-app.com"][0] == "reference"
    assert roles["browser.example-app.com"] == ("reference", "opened for people in the system browser (plus.runtime.openURL)")
    assert roles["www.handler-site.com"] == roles["browser.example-app.com"]  # an onclick handler is lexed as a script
    assert roles["api.example-app.com"][0] == "endpoint"
    assert roles["load.example-app.com"][0] == "endpoint"  # given to load(), not to console.log


def test_documentation_pages_are_references() -> None:
    script = ('var help = "https://support.example-vendor.com/sdk/answer/7160685#push";\n'
              'var manual = "https://manual.example-vendor.cn/sa/latest/flutter-22257963.html";\n'
              'var file = "http://dev.example-speech.cn/msc/help.html";\n'
              'var api = "https://support.example-vendor.com/api/v1/tickets";\n'
              'var root = "https://help.example-vendor.com";\n'
              'var page = "https://www.example-vendor.com/download/help/app.apk";\n')
    roles = {h: e.role for h, e in _scan({"assets/www/app.js": script}).items()}
    assert roles["manual.example-vendor.cn"] == roles["dev.example-speech.cn"] == "reference"
    # One endpoint use is enough: the help centre's API keeps support.example-vendor.com an endpoint.
    assert roles["support.example-vendor.com"] == "endpoint"
    assert roles["help.example-vendor.com"] == "endpoint"  # a bare host: not a page
    assert roles["www.example-vendor.com"] == "endpoint"
