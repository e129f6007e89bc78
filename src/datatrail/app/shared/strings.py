"""Hosts and URLs in a batch of strings, judged once each: the scanner every
platform feeds (DEX string pools, resources, assets, native and Mach-O strings,
plists).

Precision comes first: a host reported here should be a real hostname, and a
Java name must never be taken for one. Candidates are found per batch of
strings (a whole DEX string pool at once): a substring test and a tiny regular
expression over the joined batch pick the few strings worth a look, and one
compiled expression finds candidates in those. Each distinct text is then
judged once:

* **URLs** (``https://api.example.org/v1``) with a network scheme are strong
  evidence. Their host must be a valid name under an ICANN top-level domain,
  or a public IP. ``content://``, ``market://`` and app schemes name nothing
  on the network.
* **Bare names** (``"api.example.org"`` as a string of its own) are weak
  evidence: Java packages, property keys and file names look the same. They
  must be lowercase, must not start with a Java root (``com.``, ``android.``...),
  must not be a version (``1.2.4.dev``), and their top-level domain must be one
  hosts commonly use: ``.properties``, ``.java``, ``.so``, ``.md`` and
  ``.name`` are ICANN TLDs too. A name with no subdomain (``asr.sn``) must be
  under ``.com``, ``.net``, ``.org``, ``.edu``, ``.gov``, ``.cn`` or a country
  second level (``sina.com.cn``). A bare name failing only these TLD tests is
  still kept when a URL elsewhere in the app names the same registrable domain.
* **Dotted quads** count with a port, inside a URL, or when they fill their
  string (alone, in a list, quoted); a first octet below 10 reads as a version
  (``3.4.0.200``) unless it is a well-known public resolver.
* **Any** candidate equal to, or a dotted prefix of, a class or package the
  app's code defines or references is dropped (``cn.jpush.android`` is a
  package even though ``.android`` is a TLD).
* A bare name inside longer text that other strings repeat with other last
  labels, ones that make no host (``"user.org will be cast to String"`` beside
  ``"user.email will be cast to String"`` and ``"user.phone …"``), is a field
  of a record, not a domain.
* Placeholders (``example.com``, ``localhost``), XML namespace and licence
  URLs, OAuth client IDs, and private, loopback or reserved addresses are
  dropped; e-mail addresses are listed apart.

Every drop is counted by reason in :attr:`EndpointReport.rejected` so the
filter can be audited.

Registrable domains come from the Public Suffix List bundled in the
``publicsuffixlist`` package (pin ``publicsuffixlist==1.1.2.20261023``), ICANN
section only: ``foo.s3.amazonaws.com`` belongs to ``amazonaws.com``, which is
what attribution to an organisation needs. The package never fetches at run
time; updating it is a dependency bump.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from typing import Callable, Final, Iterable, Sequence

from datatrail.app.shared.hosts import (
    CodeNames,
    HostVerdict,
    bare_name_problem,
    check_host,
    host_syntax,
    registrable_domain,
    version_like_ip,
)
from datatrail.app.shared.mention_role import ENDPOINT, REFERENCE, RoleHint, documentation_page, is_stronger, role_in_text
from datatrail.model.endpoint import Endpoint, EndpointReport, EndpointSource, Rejection

__all__ = ["StringScan", "PartyJudge", "MAX_CONTEXT", "NETWORK_SCHEMES", "Hint", "endpoints_in_strings"]

NETWORK_SCHEMES: Final = frozenset({
    "http", "https", "ws", "wss", "ftp", "ftps", "sftp", "rtmp", "rtmps", "rtmpt", "rtsp", "rtsps",
    "mqtt", "mqtts", "tcp", "udp", "ssl", "tls", "grpc", "grpcs", "quic", "smtp", "smtps",
    "imap", "imaps", "pop3", "pop3s", "xmpp", "irc", "ircs", "ldap", "ldaps", "git", "socks", "socks5",
})
"""Schemes that name a server. ``content://``, ``market://``, ``file://`` and app
schemes (``fb123://``) name something on the device; their authority is not a host."""
_CLEARTEXT_SCHEMES: Final = frozenset({"http", "ws", "ftp", "rtmp", "rtsp", "mqtt", "irc", "smtp", "imap", "pop3", "ldap"})
_IDENTIFIER_URL_PREFIXES: Final = (
    # XML namespaces and SAX/DOM feature names are identifiers, never fetched.
    "schemas.android.com/", "schemas.microsoft.com/", "schemas.xmlsoap.org/", "schemas.openxmlformats.org/",
    "www.w3.org/", "w3.org/", "xmlpull.org/", "www.xmlpull.org/", "xml.org/", "www.xml.org/",
    "ns.adobe.com/", "purl.org/", "java.sun.com/xml/", "xml.apache.org/", "apache.org/xml/",
    "javax.xml.xmlconstants/", "json-schema.org/", "www.opengis.net/", "docs.oasis-open.org/",
    "iptc.org/std/", "cipa.jp/exif/", "www.google.com/schemas/", "schemas.google.com/",
    "schema.org/", "www.schema.org/",
    # OAuth scopes: names of permissions, never fetched.
    "www.googleapis.com/auth/",
    # Licence texts bundled with libraries.
    "www.apache.org/licenses/", "apache.org/licenses/", "www.gnu.org/licenses/", "gnu.org/licenses/",
    "opensource.org/licenses/", "www.opensource.org/licenses/", "creativecommons.org/licenses/",
    "www.mozilla.org/mpl/", "mozilla.org/mpl/", "www.eclipse.org/legal/",
)
_IDENTIFIER_NAMES: Final = frozenset({
    # Firebase / Google Cloud Messaging: the "from" and scope values of Instance ID messages.
    "google.com/iid", "gcm.googleapis.com/refresh", "gcm.googleapis.com/iid",
})
"""Whole strings with a host's shape that are names, never fetched."""
_PEOPLE_URL_PREFIXES: Final = (
    # Store listings and social pages: opened in the store or a browser, for people.
    "play.google.com/store", "market.android.com/details", "itunes.apple.com/app/", "apps.apple.com/",
    "plus.google.com/", "appgallery.huawei.com/app/", "appgallery.cloud.huawei.com/", "app.mi.com/details",
)
_IP_LIST: Final = re.compile(r"[0-9.:,;|\s\[\]\"']+")
_EMAIL_LOCAL: Final = re.compile(r"[A-Za-z0-9._%+\-]{1,64}$")
_URL_TRAILING: Final = ".,;:!?)]}*'\""

_MAX_URLS: Final = 20
_MAX_SOURCES: Final = 20
MAX_CONTEXT: Final = 200
_MAX_URL_TEXT: Final = 300
_MAX_EMAILS: Final = 50
_MAX_EXAMPLES: Final = 5

_MAX_LINES: Final = 200_000
_MAX_FAMILY_NAMES: Final = 100_000
"""Bare names inside longer text whose families are remembered (memory stays bounded)."""
_FAMILY_MEMBERS: Final = 2
"""Other members that are no host names which make a bare name a record's field."""


_SEP: Final = "\n"

_STORE_PAGE: Final = RoleHint(REFERENCE, "a store or social page, opened for people")
_DOC_PAGE: Final = RoleHint(REFERENCE, "a documentation page (a help centre, a manual, a help file), for people to read")
_QUERY_VALUE: Final = re.compile(r"[?&][A-Za-z0-9_.\-]{1,40}=$")
"""A bare host right after ``?name=`` or ``&name=``: a value a request carries (a domain it
reports), not the server it goes to."""
_QUERY_VALUE_HINT: Final = RoleHint(REFERENCE, "a value in a URL's query, sent to a server, not contacted")

Hint = Callable[[int], RoleHint | None]
"""What a container knows of string ``i``'s role (a script comment, a page's link); None lets
the text around each mention decide."""

_CANDIDATES: Final = re.compile(
    # scheme://authority/rest - any scheme, so that content://com.foo.provider is
    # consumed here and its authority never reaches the bare-name branch.
    r"(?<![A-Za-z0-9+.\-])(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]{0,15})://"
    r"(?P<auth>[^\s/?#\"'<>\\^`{}|]{0,300})(?P<rest>[^\s\"'<>\\^`{}|]{0,1000})"
    # a dotted quad, optionally with a port
    r"|(?<![A-Za-z0-9_.$%/\-])(?P<ip>(?:[0-9]{1,3}\.){3}[0-9]{1,3})(?::(?P<ipport>[0-9]{1,5}))?"
    r"(?![A-Za-z0-9_\-]|\.[A-Za-z0-9]|:[0-9])"
    # a lowercase dotted name ending in an alphabetic label; "//" before it is a
    # protocol-relative URL, "." before it a cookie-style ".example.com"
    r"|(?:(?<=//)|(?<=[\s\"'=(,;]\.)|(?<![A-Za-z0-9_.$%/\-]))"
    r"(?P<host>(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.){1,20}(?:[a-z]{2,63}|xn--[a-z0-9\-]{1,59}))"
    r"(?::(?P<port>[0-9]{1,5}))?(?![A-Za-z0-9_$@\-]|\.[A-Za-z0-9]|:[0-9])"
)

_ANCHOR: Final = re.compile(r"[a-z0-9]\.[a-z0-9]|://")


def _join(strings: list[str]) -> tuple[str, list[int]]:
    """One buffer holding every string, and where each starts in it.

    The separator matches no branch of the expressions, so no match crosses
    from one string into the next; a leading separator lets look-behinds see
    a boundary before the first string.
    """
    starts = list(accumulate((len(s) + 1 for s in strings), initial=1))
    return _SEP + _SEP.join(strings), starts


def _clip(text: str, start: int, end: int) -> str:
    """``text`` cut to the context limit around ``text[start:end]``."""
    if len(text) <= MAX_CONTEXT:
        return text
    span = end - start
    if span >= MAX_CONTEXT:
        return text[start : start + MAX_CONTEXT]
    before = (MAX_CONTEXT - span) // 2
    lo = max(0, min(start - before, len(text) - MAX_CONTEXT))
    return text[lo : lo + MAX_CONTEXT]


def _split_authority(auth: str) -> tuple[str, str | None]:
    """``user@host:port`` -> (host, port); IPv6 keeps its brackets."""
    auth = auth.rsplit("@", 1)[-1]
    if auth.startswith("["):
        close = auth.find("]")
        if close < 0:
            return auth, None
        rest = auth[close + 1 :]
        return auth[: close + 1], rest[1:] if rest.startswith(":") else None
    host, colon, port = auth.partition(":")
    return host, port if colon else None


class _Acc:
    """Everything seen for one candidate host while scanning."""

    __slots__ = ("verdict", "strong", "urls", "schemes", "cleartext", "sources", "locations", "role")

    def __init__(self, verdict: HostVerdict) -> None:
        self.verdict = verdict
        self.strong = False
        self.urls: dict[str, None] = {}
        self.schemes: dict[str, None] = {}
        self.cleartext = False
        self.sources: list[EndpointSource] = []
        self.locations: set[str] = set()
        self.role: RoleHint | None = None
        """The strongest mention's role: one endpoint use outranks any number of references."""

    def add_source(self, source: EndpointSource) -> None:
        """Keep the first sources, but never let references crowd out an endpoint use."""
        if len(self.sources) < _MAX_SOURCES:
            self.sources.append(source)
        elif source.role == ENDPOINT:
            for i in range(len(self.sources) - 1, -1, -1):
                if self.sources[i].role != ENDPOINT:
                    del self.sources[i]
                    self.sources.append(source)
                    return


class _Rejections:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.examples: dict[str, list[str]] = {}

    def add(self, reason: str, text: str) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + 1
        examples = self.examples.setdefault(reason, [])
        if len(examples) < _MAX_EXAMPLES:
            examples.append(text)

    def result(self) -> tuple[Rejection, ...]:
        return tuple(Rejection(r, n, tuple(self.examples[r])) for r, n in sorted(self.counts.items()))


class StringScan:
    """Collects candidates from every source, then judges them once each."""

    def __init__(self) -> None:
        self.hosts: dict[str, _Acc] = {}
        self.rejected = _Rejections()
        self._seen_texts: set[str] = set()
        self.emails: dict[str, None] = {}
        self._families: dict[tuple[str, str], set[str]] = {}
        """(text before a bare name and its stem, text after it) -> the last labels met there."""
        self._family_of: dict[str, dict[str, tuple[str, str]]] = {}
        """Bare name -> location -> its family, for names inside longer text."""

    # -- intake ------------------------------------------------------------

    def strings(
        self,
        strings: Sequence[str],
        locate: Callable[[int], str],
        owner: Callable[[int], str | None] | None = None,
        hint: Hint | None = None,
    ) -> None:
        """Scan a batch of strings as one buffer; ``locate(i)`` names string ``i``, ``hint(i)``
        tells its role when the container knows it."""
        # Two cheap passes narrow the batch before the full expression runs,
        # which costs about ten times more per character: every candidate
        # holds a "." or a ":", and then a dot between letters or digits, or "://".
        picked = [i for i, s in enumerate(strings) if "." in s or ":" in s]
        if not picked:
            return
        buf, starts = _join([strings[i] for i in picked])
        hits = sorted({bisect_right(starts, m.start()) - 1 for m in _ANCHOR.finditer(buf)})
        if not hits:
            return
        picked = [picked[h] for h in hits]
        batch = [strings[i] for i in picked]
        buf, starts = _join(batch)
        for m in _CANDIDATES.finditer(buf):
            k = bisect_right(starts, m.start()) - 1
            self._match(m, batch[k], starts[k], locate, owner, picked[k], hint)

    def text(self, text: str, location: str, hint: Callable[[str], RoleHint | None] | None = None) -> None:
        """A text file: lines are the units (an IP must fill its line to count); ``hint(line)``
        may tell a line's role (a comment)."""
        lines = text.splitlines()[:_MAX_LINES]
        self.strings(lines, lambda i: f"{location}:{i + 1}", hint=(lambda i: hint(lines[i])) if hint else None)

    def declared(self, host_text: str, location: str, context: str, reason: str) -> None:
        """A host named as a host (a network security config domain): strong evidence."""
        self._add(host_text, location, context, None, strong=True, role=RoleHint(ENDPOINT, reason))

    def _match(
        self,
        m: re.Match[str],
        s: str,
        base: int,
        locate: Callable[[int], str],
        owner: Callable[[int], str | None] | None,
        index: int,
        hint: Hint | None,
    ) -> None:
        start, end = m.start() - base, m.end() - base
        known = hint(index) if hint is not None else None
        scheme = m.group("scheme")
        if scheme is not None:
            scheme = scheme.lower()
            if scheme not in NETWORK_SCHEMES:
                return
            host_text, _port = _split_authority(m.group("auth"))
            if not host_text.startswith("["):
                host_text = host_text.rstrip(_URL_TRAILING)  # "www.google.com," in prose
            if not host_text:
                return  # "http://" + something built at run time
            url = scheme + m.group(0).rstrip(_URL_TRAILING)[len(scheme) : _MAX_URL_TEXT]
            key = (host_text + (m.group("rest") or "/")).lower()
            if key.startswith(_IDENTIFIER_URL_PREFIXES):
                self._note_rejected(host_text, "identifier-url")
                return
            if key.startswith(_PEOPLE_URL_PREFIXES) and known is None:
                known = _STORE_PAGE
            if known is None and documentation_page(host_text, m.group("rest") or ""):
                known = _DOC_PAGE
            self._add(host_text, locate(index), _clip(s, start, end), owner(index) if owner else None,
                      strong=True, url=url, scheme=scheme, role=known or role_in_text(s, start, end, url=True))
            return
        ip = m.group("ip")
        if ip is not None:
            if m.group("ipport") is None:
                # Without a port, a dotted quad counts only when it fills its
                # string (alone, in a list, or quoted as a JSON or XML value):
                # inside other text it is mostly a version ("Version 8.0.0.1").
                # Whole-string versions ("3.4.0.200") give themselves away by
                # their small first number.
                quoted = 0 < start and end < len(s) and s[start - 1] in "\"'" and s[end] == s[start - 1]
                if not (quoted or _IP_LIST.fullmatch(s)):
                    self._note_rejected(ip, "ip-without-context")
                    return
                if version_like_ip(ip):
                    self._note_rejected(ip, "version-like")
                    return
            self._add(ip, locate(index), _clip(s, start, end), owner(index) if owner else None, strong=True,
                      role=known or role_in_text(s, start, end, url=False))
            return
        host_text = m.group("host")
        if s.strip() in _IDENTIFIER_NAMES:
            self._note_rejected(s.strip(), "identifier-name")
            return
        if start > 0 and s[start - 1] == "." and registrable_domain(host_text) != host_text:
            # ".doubleclick.net" is a cookie domain; ".mid.world.ro" a file-name suffix: domain
            # suffixes name registrable domains.
            self._note_rejected("." + host_text, "dotted-suffix")
            return
        if start > 0 and s[start - 1] == "@":
            local = _EMAIL_LOCAL.search(s, 0, start - 1)
            if local is not None and len(self.emails) < _MAX_EMAILS:
                self.emails[f"{local.group()}@{host_text}".lower()] = None
            return
        if known is None and _QUERY_VALUE.search(s, 0, start):
            known = _QUERY_VALUE_HINT
        where = locate(index)
        if (start > 0 or end < len(s)) and len(self._family_of) < _MAX_FAMILY_NAMES:
            stem, _, last = host_text.rpartition(".")
            family = (s[:start] + stem, s[end:])
            self._families.setdefault(family, set()).add(last)
            self._family_of.setdefault(host_text, {}).setdefault(where, family)
        self._add(host_text, where, _clip(s, start, end), owner(index) if owner else None, strong=False,
                  role=known or role_in_text(s, start, end, url=False))

    def _note_rejected(self, text: str, reason: str) -> None:
        key = reason + "\0" + text
        if key not in self._seen_texts:
            self._seen_texts.add(key)
            self.rejected.add(reason, text)

    def _add(
        self,
        host_text: str,
        location: str,
        context: str,
        owner_class: str | None,
        *,
        strong: bool,
        role: RoleHint,
        url: str | None = None,
        scheme: str | None = None,
    ) -> None:
        verdict = host_syntax(host_text)
        if verdict.host is None:
            self._note_rejected(host_text, verdict.reason)
            return
        acc = self.hosts.get(verdict.host)
        if acc is None:
            acc = self.hosts[verdict.host] = _Acc(verdict)
        if strong:
            acc.strong = True
        if url is not None and len(acc.urls) < _MAX_URLS:
            acc.urls[url] = None
        if scheme is not None:
            acc.schemes[scheme] = None
            if scheme in _CLEARTEXT_SCHEMES:
                acc.cleartext = True
        if acc.role is None or is_stronger(role.role, acc.role.role):
            acc.role = role
        if location not in acc.locations:
            acc.locations.add(location)
            acc.add_source(EndpointSource(location, context, owner_class, role.role, role.reason))

    def _member_name(self, acc: _Acc) -> bool:
        """Whether every place names the host inside text that other strings repeat with other
        last labels that make no host (``"user.org will be cast to String"`` beside
        ``"user.email …"``, ``"user.phone …"``): a field of a record, not a domain."""
        host = acc.verdict.host or ""
        places = self._family_of.get(host, {})
        if not places or len(places) < len(acc.locations):
            return False
        stem, _, own = host.rpartition(".")
        for before, after in places.values():
            others = self._families.get((before, after), set()) - {own}
            if sum(1 for label in others if not check_host(f"{stem}.{label}", in_url=False).ok) < _FAMILY_MEMBERS:
                return False
        return True

    def candidates(self) -> list[tuple[str, tuple[EndpointSource, ...], int]]:
        """Every host-shaped candidate seen so far, before judgement: (host, first sources,
        number of places). For labelling tools and audits."""
        return [(host, tuple(acc.sources), len(acc.locations)) for host, acc in self.hosts.items()]

    # -- judgement ---------------------------------------------------------

    def finish(self, code_names: Callable[[], CodeNames], party: "PartyJudge") -> tuple[Endpoint, ...]:
        names: CodeNames | None = None
        kept: list[_Acc] = []
        vouched: set[str] = set()
        pending: list[_Acc] = []
        for host, acc in self.hosts.items():
            verdict = acc.verdict
            if not verdict.is_ip:
                if names is None:
                    names = code_names()
                if names.matches(host):
                    self.rejected.add("code-name", host)
                    continue
            if acc.strong or verdict.is_ip:
                kept.append(acc)
                if verdict.registrable_domain:
                    vouched.add(verdict.registrable_domain)
            else:
                pending.append(acc)
        for acc in pending:
            if self._member_name(acc):
                self.rejected.add("member-name", acc.verdict.host or "")
                continue
            problem = bare_name_problem(acc.verdict)
            # A URL elsewhere naming the same registrable domain settles an
            # ambiguous TLD, never a Java root or a version.
            if problem is None or (problem in ("ambiguous-tld", "short-name", "bare-apex") and acc.verdict.registrable_domain in vouched):
                kept.append(acc)
            else:
                self.rejected.add(problem, acc.verdict.host or "")
        out: list[Endpoint] = []
        for acc in kept:
            v = acc.verdict
            assert v.host is not None
            who, why = party.judge(v.registrable_domain)
            out.append(Endpoint(
                host=v.host,
                registrable_domain=v.registrable_domain,
                is_ip=v.is_ip,
                urls=tuple(acc.urls),
                schemes=tuple(sorted(acc.schemes)),
                cleartext=acc.cleartext,
                sources=tuple(acc.sources),
                source_count=len(acc.locations),
                party=who,
                party_reason=why,
                role=acc.role.role if acc.role else ENDPOINT,
                role_reason=acc.role.reason if acc.role else "",
            ))
        out.sort(key=lambda e: (e.registrable_domain is None, e.registrable_domain or "", e.host))
        return tuple(out)


# ------------------------------------------------------------------ party

_GENERIC_LABELS: Final = frozenset({
    "com", "org", "net", "android", "app", "apps", "mobile", "client", "free", "pro", "lite", "beta",
    "debug", "release", "main", "demo", "sample", "test", "google", "sdk", "api", "www", "play",
})
_MIN_SUBSTRING: Final = 4
"""Shortest registrable-domain label matched inside a package label: "qq" is in
too many words for "mobileqq" to count, "instapaper" in "leaninstapaper" is not."""


class PartyJudge:
    """First party or third party, from the package name, the app's label and
    the domains the app handles links for. Deliberately simple: each answer
    carries the one reason that decided it."""

    def __init__(self, package: str | None, label: str | None, link_domains: dict[str, bool]) -> None:
        self.package = package.lower() if package else None
        # Hyphens are not allowed in package names, so "mob-dev.fr" is compared
        # as "mobdev" against "fr.mobdev.blooddonation".
        self.labels = [p.replace("_", "") for p in (self.package or "").split(".") if p and p not in _GENERIC_LABELS]
        self.app_label = re.sub(r"[^a-z0-9]", "", label.lower()) if label else ""
        self.package_key = self.package.replace("_", "") if self.package else None
        self.link_domains = link_domains
        self._cache: dict[str | None, tuple[str, str]] = {}

    def judge(self, domain: str | None) -> tuple[str, str]:
        if domain not in self._cache:
            self._cache[domain] = self._judge(domain)
        return self._cache[domain]

    def _judge(self, domain: str | None) -> tuple[str, str]:
        if domain is None:
            return "unknown", "an IP address has no domain to relate to the app"
        if domain in self.link_domains:
            verified = " with autoVerify" if self.link_domains[domain] else ""
            return "first", f"the app declares http(s) links to {domain}{verified}"
        if self.package is None:
            return "unknown", "no package name or app label to compare with"
        reversed_domain = ".".join(reversed(domain.replace("-", "").split(".")))
        key = self.package_key or ""
        if key == reversed_domain or key.startswith(reversed_domain + "."):
            return "first", f"the package name {self.package} starts with the reversed domain {reversed_domain}"
        name = domain.split(".", 1)[0].replace("-", "")
        if name not in _GENERIC_LABELS:
            for part in self.labels:
                if part == name or (len(name) >= _MIN_SUBSTRING and name in part):
                    return "first", f"the registrable domain's name '{name}' appears in the package name {self.package}"
            if len(name) >= _MIN_SUBSTRING and self.app_label and name in self.app_label:
                return "first", f"the registrable domain's name '{name}' appears in the app's label"
        return "third", f"no relation found between {domain} and the package {self.package}"


def endpoints_in_strings(
    strings: Sequence[str],
    *,
    location: str = "string",
    code_names: Iterable[str] = (),
    package: str | None = None,
    locate: Callable[[int], str] | None = None,
) -> EndpointReport:
    """The same judgement applied to loose strings (``"{location} {index}"`` as
    their location, or ``locate(index)`` when given): for other containers, and
    for testing the filter."""
    scan = StringScan()
    scan.strings(strings, locate if locate is not None else lambda i: f"{location} {i}")
    names = CodeNames(code_names)
    endpoints = scan.finish(lambda: names, PartyJudge(package, None, {}))
    return EndpointReport(endpoints, (), tuple(sorted(scan.emails)), scan.rejected.result())


