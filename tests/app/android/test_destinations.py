"""Which compared hosts stay endpoints: a pattern the code matches the URLs it handles against
(a domain suffix, a URL prefix with a path) does; a whole host or URL compared is recognised."""

from __future__ import annotations

import pytest

from datatrail.app.android.destinations import _url_pattern


@pytest.mark.parametrize(("text", "pattern"), [
    (".googleadservices.com", True),  # host.endsWith(".googleadservices.com"): an ad click's host
    ("http://www.myapp.com/down/", True),  # url.startsWith(...): the store's downloads
    ("https://example.com/a", True),
    ("tiros.com.cn", False),  # a whole host name
    ("https://www.google.com", False),  # a whole URL
    ("https://www.google.com/", False),
    ("epc.tmobile.com", False),
    (".tumblr.com/followers", False),  # a fragment, not a suffix pattern
    ("market://details?id=x", False),
])
def test_url_patterns(text: str, pattern: bool) -> None:
    assert _url_pattern(text) is pattern
