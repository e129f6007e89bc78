"""Is this text a host name? The syntax and the policy that tell a host a scan should report
from the Java names, file names, versions and placeholders that look like one.

Precision comes first: a reported host should be a real hostname. See
``datatrail.app.shared.strings`` for how candidates are found and judged.
"""

from __future__ import annotations

import ipaddress
import re
from bisect import bisect_left
from functools import lru_cache
from typing import Final, Iterable, NamedTuple

from datatrail.knowledge.psl import public_suffix_list, registrable_domain

__all__ = ["HostVerdict", "CodeNames", "check_host", "host_syntax", "version_like_ip", "bare_name_problem", "registrable_domain"]


_JAVA_ROOTS: Final = frozenset({
    "com", "org", "net", "edu", "gov", "android", "androidx", "java", "javax", "kotlin", "kotlinx",
    "dalvik", "sun", "jdk", "junit", "libcore", "okhttp3", "okio", "retrofit2", "scala", "groovy",
})
"""First labels of Java packages that are never the first label of a real host an
SDK would hard-code. (``io.``, ``cn.``, ``de.`` are: ``cn.bing.com``, so those
rely on the code-name check instead.)"""

_PROPERTY_ROOTS: Final = frozenset({"debug", "persist", "ro", "sys", "vendor", "dalvik", "ctl"})
"""First labels of Android system property names (``debug.firebase.analytics.app``,
``ro.build.version.emui``): a bare name starting so is a property, not a host."""

_BARE_GENERIC_TLDS: Final = frozenset({
    "com", "net", "org", "edu", "gov", "mil", "biz", "mobi", "asia", "tel", "travel", "aero", "coop",
    "jobs", "museum", "cat", "post", "pro",
    # New generic TLDs that service hosts use and code rarely ends an identifier with.
    "app", "dev", "cloud", "xyz", "tech", "online", "site", "vip", "club", "shop", "fun", "ltd",
    "work", "global", "ink", "wang", "ren", "games", "space", "website", "run",
})
"""Generic TLDs accepted for bare names. Others (``.name``, ``.info``, ``.top``,
``.host``, ``.date``, ``.data``, ``.properties``, ``.android``...) end property
keys and identifiers as often as hosts; they need a URL to vouch for them."""

_BARE_DENIED_CCTLDS: Final = frozenset({
    # file extensions that are country codes
    "so", "md", "py", "sh", "pl", "pm", "mk", "mo", "la", "am", "ac", "rs", "ps", "st", "cc", "cl",
    "ml", "tf", "bz", "ar", "ai", "ms", "mp", "ls", "cd", "gs", "sc", "ts",
    # English and Java words, and the id/in/is/it of property keys
    "as", "at", "be", "by", "do", "id", "in", "is", "it", "my", "no", "to", "us",
})
"""Country-code TLDs not accepted for bare names without a URL vouching for the
domain: ``libfoo.so``, ``README.md``, ``user.id``, ``this.is`` and friends."""

_BARE_APEX_SUFFIXES: Final = frozenset({"com", "net", "org", "edu", "gov", "cn"})
"""A bare name with no subdomain (``umeng.com``) is kept only under these
suffixes or a country second level (``sina.com.cn``, ``bbc.co.uk``)."""

_PLACEHOLDER_DOMAINS: Final = frozenset({
    "example.com", "example.net", "example.org", "example.edu", "test.com", "foo.com", "bar.com",
    "foo.bar", "foobar.com", "domain.com", "mydomain.com", "yourdomain.com", "your-domain.com",
    "yoursite.com", "mysite.com", "yourcompany.com", "mycompany.com", "company.com", "somewhere.com",
    "someserver.com", "server.com", "host.com", "website.com",
})
"""Documentation placeholders (RFC 2606 and habit). ``.test``, ``.example``,
``.invalid``, ``.localhost`` and ``.local`` are not ICANN TLDs, so those fail earlier."""


_WELL_KNOWN_IPS: Final = frozenset({"8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "4.2.2.1", "4.2.2.2"})
"""Public DNS resolvers code names as bare strings, whose first octet would
otherwise read as a version's major number."""

_IDENTIFIER_HOST_SUFFIXES: Final = (".apps.googleusercontent.com",)
"""Names that are identifiers with a host's shape: OAuth client IDs."""

_LABEL: Final = re.compile(r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?")


class HostVerdict(NamedTuple):
    """What :func:`check_host` decided about one candidate."""

    host: str | None
    """The normalised host when accepted, else None."""
    registrable_domain: str | None
    is_ip: bool
    reason: str
    """``"ok"``, or why it was dropped (``"unknown-tld"``, ``"java-root"``...)."""

    @property
    def ok(self) -> bool:
        return self.host is not None


def _reject(reason: str) -> HostVerdict:
    return HostVerdict(None, None, False, reason)


@lru_cache(maxsize=65536)
def host_syntax(text: str) -> HostVerdict:
    """Checks that hold whatever the context: syntax, TLD, address ranges."""
    host = text.strip().rstrip(".").lower()
    if host.startswith("."):
        host = host[1:]
    if not host:
        return _reject("empty")
    if any(ch in host for ch in "%{}$*<>\\ "):
        return _reject("templated")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host or host.replace(".", "").isdigit():
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return _reject("bad-ip")
        if not ip.is_global or ip.is_multicast:
            return _reject("non-public-ip")
        return HostVerdict(ip.compressed, None, True, "ok")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return _reject("bad-idna")
    if len(host) > 253:
        return _reject("too-long")
    labels = host.split(".")
    if labels[0] == "localhost":
        return _reject("placeholder")
    if len(labels) < 2:
        return _reject("single-label")
    if not all(_LABEL.fullmatch(label) for label in labels):
        return _reject("bad-label")
    if labels[-1].isdigit():
        return _reject("bad-ip")
    domain = registrable_domain(host)
    if domain is None:
        return _reject("unknown-tld" if public_suffix_list().public_suffix(host) is None else "public-suffix")
    if domain in _PLACEHOLDER_DOMAINS:
        return _reject("placeholder")
    if host.endswith(_IDENTIFIER_HOST_SUFFIXES):
        return _reject("identifier")
    return HostVerdict(host, domain, False, "ok")


def version_like_ip(ip: str) -> bool:
    """A dotted quad with a small first number, seen without URL or port, is
    a version ("3.4.0.200") far more often than an address."""
    return "." in ip and int(ip.split(".", 1)[0]) < 10 and ip not in _WELL_KNOWN_IPS


def bare_name_problem(verdict: HostVerdict) -> str | None:
    """Why a name seen without a scheme might be something else, or None.

    Only called for names (not IPs) that passed :func:`host_syntax`.
    """
    host = verdict.host
    assert host is not None and verdict.registrable_domain is not None
    labels = host.split(".")
    if labels[0] in _JAVA_ROOTS:
        return "java-root"
    if labels[0] in _PROPERTY_ROOTS:
        return "property-name"
    if len(labels) > 2 and labels[0].isdigit() and labels[1].isdigit():
        return "version-like"
    tld = labels[-1]
    if tld in _BARE_DENIED_CCTLDS:
        return "ambiguous-tld"
    if tld not in _BARE_GENERIC_TLDS and len(tld) != 2 and not tld.startswith("xn--"):
        return "ambiguous-tld"
    domain = verdict.registrable_domain
    sld, _, suffix = domain.partition(".")
    if len(sld) < 2:
        return "short-name"
    if host == domain and suffix not in _BARE_APEX_SUFFIXES and "." not in suffix:
        # "asr.sn", "decoder-server.app": two-label keys of SDK parameter maps.
        return "bare-apex"
    return None


class CodeNames:
    """Lowercased dotted names of every class the code defines or references,
    sorted, for "is this string a package?" lookups by prefix."""

    def __init__(self, names: Iterable[str]) -> None:
        self._names = sorted({n.lower() for n in names if "." in n})
        self._exact = frozenset(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def matches(self, host: str) -> bool:
        """True when ``host`` or one of its dotted prefixes (two labels or more)
        names a class or package: ``com.tencent.mm`` for ``com.tencent.mm.opensdk.X``."""
        labels = host.split(".")
        names = self._names
        for k in range(2, len(labels) + 1):
            prefix = ".".join(labels[:k])
            if prefix in self._exact:
                return True
            dotted = prefix + "."
            i = bisect_left(names, dotted)
            if i < len(names) and names[i].startswith(dotted):
                return True
        return False


def check_host(text: str, *, in_url: bool, code_names: CodeNames | None = None) -> HostVerdict:
    """Judge one candidate host on its own (no corroboration by other URLs).

    ``in_url`` says it was the authority of a ``scheme://`` URL (or a declared
    domain), which lifts the checks meant for bare names.
    """
    if not in_url and text != text.lower():
        # Hosts are written in lowercase; "Schedulers.io", "R.id" are code.
        return _reject("uppercase")
    verdict = host_syntax(text)
    if not verdict.ok:
        return verdict
    if code_names is not None and not verdict.is_ip and code_names.matches(verdict.host or ""):
        return _reject("code-name")
    if not in_url:
        problem = ("version-like" if version_like_ip(verdict.host or "") else None) if verdict.is_ip else bare_name_problem(verdict)
        if problem is not None:
            return _reject(problem)
    return verdict


