"""A host mention's role from the text around it, a resource entry's name, or a known identifier."""

from __future__ import annotations

import pytest

from datatrail.app.shared.mention_role import (
    ENDPOINT,
    REFERENCE,
    comment_line,
    documentation_page,
    identifier_holder,
    is_stronger,
    role_in_text,
    role_of_resource_entry,
)


def _role(text: str, host: str) -> str:
    start = text.index(host)
    return role_in_text(text, start, start + len(host), url=False).role


@pytest.mark.parametrize(("text", "host"), [
    ("https://api.example-app.com/v1/", "api.example-app.com"),
    ('{"host":"testapi.example-app.com","appid":49}', "testapi.example-app.com"),
    ("api_host = api.example-app.com", "api.example-app.com"),
    ("udp.example-app.cn:6001", "udp.example-app.cn"),
    ("https://a.example-app.com https://b.example-app.com", "a.example-app.com"),
    ("GET /v1 HTTP/1.1\r\nHost: api.example-app.com", "api.example-app.com"),
    ("https://api.example-app.com/search?q=%s&lang=%s", "api.example-app.com"),
])
def test_constants_are_endpoints(text: str, host: str) -> None:
    assert _role(text, host) == ENDPOINT


@pytest.mark.parametrize(("text", "host"), [
    ("tinker load exception, welcome to submit issue to us: https://github.com/Tencent/tinker/issues", "github.com"),
    ("# You can use Bugly(http:\\\\bugly.qq.com) to get more Crash Detail!", "bugly.qq.com"),
    ("*** POWERED BY bugly.qq.com ***", "bugly.qq.com"),
    ("详见 http://developer.example-vendor.cn/docs", "developer.example-vendor.cn"),
    ('URL(%s) does not contain "qq.com".', "qq.com"),
    ("Please register yourself as a dev at http://www.example-vendor.com", "www.example-vendor.com"),
])
def test_sentences_make_references(text: str, host: str) -> None:
    assert _role(text, host) == REFERENCE


@pytest.mark.parametrize(("entry", "role"), [
    ("string/library_okhttp_authorWebsite", REFERENCE),
    ("string/library_okhttp_repositoryLink", REFERENCE),
    ("string/privacy_policy_url", REFERENCE),
    ("string/about_github", REFERENCE),
    ("string/api_host", None),
    ("string/upsdk_store_url", None),
    ("string/base_url", None),
])
def test_resource_entry_names(entry: str, role: str | None) -> None:
    hint = role_of_resource_entry(entry)
    assert (hint.role if hint else None) == role


def test_comment_lines_and_strength() -> None:
    assert comment_line("  # server = a.example.com") and comment_line("// x") and comment_line("<!-- y -->")
    assert not comment_line("server = a.example.com")
    assert is_stronger(ENDPOINT, REFERENCE) and is_stronger(REFERENCE, None) and not is_stronger(REFERENCE, ENDPOINT)


def test_identity_provider_constants_are_identifiers_only_in_their_class() -> None:
    holder = "com.google.android.gms.auth.api.credentials.IdentityProviders"
    defined = {holder}.__contains__
    assert identifier_holder("https://www.facebook.com", [], defined) is not None
    assert identifier_holder("https://www.facebook.com", [holder], defined) is not None
    # The app's own code loading the same URL uses it: no longer only an identifier.
    assert identifier_holder("https://www.facebook.com", [holder, "com.example.app.Share"], defined) is None
    assert identifier_holder("https://www.facebook.com", [], set().__contains__) is None
    assert identifier_holder("https://graph.facebook.com", [], defined) is None


@pytest.mark.parametrize(("host", "path", "page"), [
    ("support.google.com", "/dfp_premium/answer/7160685#push", True),
    ("ask.dcloud.net.cn", "/article/282", True),
    ("manual.sensorsdata.cn", "/sa/latest/flutter-22257963.html", True),
    ("dev.voicecloud.cn", "/msc/help.html", True),
    ("www.example.com", "/docs/user-guide.pdf", True),
    ("support.example.com", "", False),  # a bare host names no page
    ("support.example.com", "/", False),
    ("help.example.com", "/api/v2/ticket", False),  # an API under a help host
    ("docs.example.com", "/api.json", False),
    ("api.example.com", "/v1/help", False),  # no document file, no documentation host
    ("www.example.com", "/helper.js", False),
])
def test_documentation_pages(host: str, path: str, page: bool) -> None:
    assert documentation_page(host, path) is page
