"""Whether a host mention is an endpoint or a reference, from the text it sits in.

An **endpoint** is a host the code or configuration would contact: a URL or host constant on
its own, a config value, ``host:port``, a native library's socket or DNS name, a
network-security-config domain, a URL a bundled page or style sheet loads. A **reference** is
a host named for people, not for the network: in a message or a sentence ("See
https://goo.gl/…", "详见 http://…"), a comment or licence header, an open-source credit or a
link on an about page, a documentation or homepage link kept as a resource.

Every decision carries its reason, a short phrase a report can print. Containers that know
more than the text (a script's comment, a page's ``<a href>``, a resource's entry name) decide
before this module's text rule is asked; see :class:`RoleHint`.
"""

from __future__ import annotations

import re
from typing import Callable, Final, NamedTuple

__all__ = [
    "ENDPOINT", "REFERENCE", "RoleHint", "role_in_text", "comment_line", "role_of_resource_entry", "is_stronger",
    "identifier_holder", "documentation_page",
]

ENDPOINT: Final = "endpoint"
REFERENCE: Final = "reference"


class RoleHint(NamedTuple):
    role: str
    """:data:`ENDPOINT` or :data:`REFERENCE`."""
    reason: str


_PROSE: Final = re.compile(r"[A-Za-z]{2,}[,.;:!?)]?[ \t]+\(?[A-Za-z]{2,}")
"""Two words in a row: a sentence, not a constant (``"See  https://…"`` has one, a JSON line
``{"host":"a.b.com"}`` none)."""
_CJK: Final = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff01-\uff60]")
"""Chinese, Japanese and Korean script: host names are ASCII, so these are words around one."""
_COMMENT_LINE: Final = re.compile(r"\s*(?:#|//|;|--|<!--|\*|/\*)")


def role_in_text(text: str, start: int, end: int, *, url: bool) -> RoleHint:
    """The role of the mention ``text[start:end]`` judged by what surrounds it in its string."""
    rest = text[:start] + " " + text[end:]
    if _CJK.search(rest):
        return RoleHint(REFERENCE, "named in a message (text in words around it)")
    if _PROSE.search(rest):
        return RoleHint(REFERENCE, "named in a message (a sentence around it)")
    return RoleHint(ENDPOINT, "a URL constant" if url else "a host name constant")


def comment_line(line: str) -> bool:
    """Whether a config file's line is a comment (``#``, ``//``, ``;``, ``<!--``, ``*``)."""
    return _COMMENT_LINE.match(line) is not None


_PEOPLE_LINK_WORDS: Final = frozenset({
    "website", "homepage", "webpage", "site", "repository", "repo", "github", "gitlab", "license",
    "licence", "licenses", "licences", "author", "authors", "credit", "credits", "about", "privacy",
    "policy", "terms", "tos", "eula", "agreement", "help", "faq", "feedback", "doc", "docs",
    "documentation", "wiki", "changelog", "twitter", "facebook", "weibo", "telegram", "rate",
    "donate", "donation", "contact", "blog", "copyright", "thanks", "translate", "translation",
    "issues", "issue", "tutorial", "guide", "manual", "learn", "share", "hint", "placeholder",
})
"""Words in a resource entry's name that say it holds a link for people to open, or text shown
to them (an input field's hint)."""
_NAME_WORDS: Final = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


_DOC_HOST_LABELS: Final = frozenset({"support", "help", "docs", "doc", "manual", "manuals", "wiki", "faq", "kb", "ask"})
"""First labels of hosts that serve pages for people to read: a help centre, a manual, a wiki,
a Q&A site (``support.google.com``, ``manual.sensorsdata.cn``, ``ask.dcloud.net.cn``)."""
_DOC_FILE: Final = re.compile(
    r"(?:^|[/_\-])(?:help|faq|faqs|readme|license|licence|manual|guide|tutorial|docs?|changelog)[\w\-]*\.(?:html?|md|pdf|txt)$", re.I)
"""A document's file name: ``help.html``, ``faq.htm``, ``README.md``, ``user-guide.pdf``."""


def documentation_page(host: str, path: str) -> bool:
    """Whether a URL (``host`` and what follows it) is a page of documentation for people to
    read - a help centre's article, a manual's page, a help file - and so never what the code
    fetches for itself. A bare host, or any path with an ``api`` segment, is not."""
    page = path.split("?", 1)[0].split("#", 1)[0]
    segments = [seg for seg in page.split("/") if seg]
    if not segments or any(seg.lower() in ("api", "apis") or seg.lower().startswith("api.") for seg in segments):
        return False
    if host.split(".", 1)[0].lower() in _DOC_HOST_LABELS:
        return True
    return _DOC_FILE.search(segments[-1]) is not None


def role_of_resource_entry(entry: str) -> RoleHint | None:
    """A resource entry's name can say its URL is for people (``library_okhttp_authorWebsite``,
    ``privacy_policy_url``); None when the name says nothing."""
    name = entry.rsplit("/", 1)[-1]
    words = {w.lower() for w in _NAME_WORDS.findall(name)}
    if name.startswith("library_") and ("website" in words or "link" in words or "repository" in words or "author" in words):
        return RoleHint(REFERENCE, f"an open-source credit (resource {name})")
    hit = sorted(words & _PEOPLE_LINK_WORDS)
    if hit:
        return RoleHint(REFERENCE, f"a link for people to open (resource {name})")
    return None


def is_stronger(new: str, old: str | None) -> bool:
    """An endpoint use outranks a reference: one is enough to make the host a destination."""
    return old is None or (new == ENDPOINT and old == REFERENCE)


class _IdentifierClass(NamedTuple):
    reason: str
    constants: frozenset[str]
    """Its URL-shaped ``static final`` strings: compilers inline them, so the class itself
    may never load them in code."""


_IDENTIFIER_CLASSES: Final = {
    "com.google.android.gms.auth.api.credentials.IdentityProviders": _IdentifierClass(
        "an account provider's identifier (Google Smart Lock IdentityProviders), never fetched",
        frozenset({
            "https://accounts.google.com", "https://www.facebook.com", "https://www.linkedin.com",
            "https://login.live.com", "https://www.paypal.com", "https://twitter.com", "https://login.yahoo.com",
        }),
    ),
}
"""Classes whose URL-shaped strings are names, not addresses: the code compares them, never
connects to them (public API classes, so their names survive shrinking)."""


def identifier_holder(text: str, users: list[str], defined: Callable[[str], bool]) -> str | None:
    """Why the string ``text`` is an identifier and not an address, or None: it is a constant of
    a known identifier class the app defines, and no other class's code loads it."""
    for name, known in _IDENTIFIER_CLASSES.items():
        if text in known.constants and all(u == name for u in users) and (name in users or defined(name)):
            return known.reason
    return None
