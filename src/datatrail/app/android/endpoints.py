"""Where the data goes, as far as the package says: hosts and URLs named in
code, resources, assets, native libraries and the network security config.

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

import ipaddress
import re
import time
from bisect import bisect_left, bisect_right
from functools import lru_cache
from itertools import accumulate
from typing import Callable, Final, Iterable, Iterator, NamedTuple, Sequence

from datatrail.app.android.manifest import as_bool
from datatrail.errors import CorruptInput
from datatrail.formats.android.aab_manifest import is_proto_xml, parse_proto_xml
from datatrail.formats.android.aab_resources import ProtoResourceTable
from datatrail.formats.android.arsc import ResourceTable
from datatrail.formats.android.axml import is_axml, parse_axml
from datatrail.formats.android.dex import descriptor_to_java
from datatrail.formats.android.elf import is_elf, string_runs
from datatrail.formats.common.xmltree import XmlElement
from datatrail.formats.common.zip import ZipArchive
from datatrail.knowledge.psl import public_suffix_list, registrable_domain
from datatrail.app.android.artifact import AndroidArtifact
from datatrail.model.diagnostic import DiagnosticLog
from datatrail.model.endpoint import (
    AppLink,
    DomainGroup,
    Endpoint,
    EndpointReport,
    EndpointSource,
    Rejection,
)

__all__ = [
    "EndpointReport",
    "DomainGroup",
    "HostVerdict",
    "check_host",
    "CodeNames",
    "extract_endpoints",
    "endpoints_in_strings",
    "registrable_domain",
]

# ---------------------------------------------------------------- policy data

_NETWORK_SCHEMES: Final = frozenset({
    "http", "https", "ws", "wss", "ftp", "ftps", "sftp", "rtmp", "rtmps", "rtmpt", "rtsp", "rtsps",
    "mqtt", "mqtts", "tcp", "udp", "ssl", "tls", "grpc", "grpcs", "quic", "smtp", "smtps",
    "imap", "imaps", "pop3", "pop3s", "xmpp", "irc", "ircs", "ldap", "ldaps", "git", "socks", "socks5",
})
"""Schemes that name a server. ``content://``, ``market://``, ``file://`` and app
schemes (``fb123://``) name something on the device; their authority is not a host."""

_CLEARTEXT_SCHEMES: Final = frozenset({"http", "ws", "ftp", "rtmp", "rtsp", "mqtt", "irc", "smtp", "imap", "pop3", "ldap"})

_JAVA_ROOTS: Final = frozenset({
    "com", "org", "net", "edu", "gov", "android", "androidx", "java", "javax", "kotlin", "kotlinx",
    "dalvik", "sun", "jdk", "junit", "libcore", "okhttp3", "okio", "retrofit2", "scala", "groovy",
})
"""First labels of Java packages that are never the first label of a real host an
SDK would hard-code. (``io.``, ``cn.``, ``de.`` are: ``cn.bing.com``, so those
rely on the code-name check instead.)"""

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

_IDENTIFIER_URL_PREFIXES: Final = (
    # XML namespaces and SAX/DOM feature names are identifiers, never fetched.
    "schemas.android.com/", "schemas.microsoft.com/", "schemas.xmlsoap.org/", "schemas.openxmlformats.org/",
    "www.w3.org/", "w3.org/", "xmlpull.org/", "www.xmlpull.org/", "xml.org/", "www.xml.org/",
    "ns.adobe.com/", "purl.org/", "java.sun.com/xml/", "xml.apache.org/", "apache.org/xml/",
    "javax.xml.xmlconstants/", "json-schema.org/", "www.opengis.net/", "docs.oasis-open.org/",
    "iptc.org/std/", "cipa.jp/exif/", "www.google.com/schemas/", "schemas.google.com/",
    # Licence texts bundled with libraries.
    "www.apache.org/licenses/", "apache.org/licenses/", "www.gnu.org/licenses/", "gnu.org/licenses/",
    "opensource.org/licenses/", "www.opensource.org/licenses/", "creativecommons.org/licenses/",
    "www.mozilla.org/mpl/", "mozilla.org/mpl/", "www.eclipse.org/legal/",
)

_WELL_KNOWN_IPS: Final = frozenset({"8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "4.2.2.1", "4.2.2.2"})
"""Public DNS resolvers code names as bare strings, whose first octet would
otherwise read as a version's major number."""

_IDENTIFIER_HOST_SUFFIXES: Final = (".apps.googleusercontent.com",)
"""Names that are identifiers with a host's shape: OAuth client IDs."""

_MAX_URLS: Final = 20
_MAX_SOURCES: Final = 20
_MAX_CONTEXT: Final = 200
_MAX_URL_TEXT: Final = 300
_MAX_EMAILS: Final = 50
_MAX_EXAMPLES: Final = 5

_TEXT_EXTENSIONS: Final = frozenset({
    "json", "js", "mjs", "html", "htm", "xml", "txt", "properties", "config", "conf", "cfg", "ini",
    "yaml", "yml", "plist", "csv", "toml", "env", "css", "md",
})
_MAX_TEXT_FILE: Final = 4 << 20
"""Bytes read from one asset or raw resource; URLs sit in configs, not in 100 MB blobs."""
_MAX_TEXT_TOTAL: Final = 64 << 20
_MAX_NATIVE_FILE: Final = 128 << 20
_MAX_NATIVE_SCAN: Final = 32 << 20
"""String-section bytes scanned per native library."""
_MAX_NATIVE_TOTAL: Final = 256 << 20
_MAX_XML_FILES: Final = 5000
_SNIFF: Final = 4096
_MAX_LINES: Final = 200_000
_ABI_PREFERENCE: Final = ("arm64-v8a", "armeabi-v7a", "armeabi", "x86_64", "x86", "mips64", "mips")
"""One copy of each native library is read: the ABIs hold the same source, so the
same strings, and reading all of them only multiplies the cost."""

# ------------------------------------------------------------- the scanner

_SEP: Final = "\n"

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


_LABEL: Final = re.compile(r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?")
_IP_LIST: Final = re.compile(r"[0-9.:,;|\s\[\]\"']+")
_EMAIL_LOCAL: Final = re.compile(r"[A-Za-z0-9._%+\-]{1,64}$")
_URL_TRAILING: Final = ".,;:!?)]}*'\""


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
def _syntax(text: str) -> HostVerdict:
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


def _version_like_ip(ip: str) -> bool:
    """A dotted quad with a small first number, seen without URL or port, is
    a version ("3.4.0.200") far more often than an address."""
    return "." in ip and int(ip.split(".", 1)[0]) < 10 and ip not in _WELL_KNOWN_IPS


def _bare_problem(verdict: HostVerdict) -> str | None:
    """Why a name seen without a scheme might be something else, or None.

    Only called for names (not IPs) that passed :func:`_syntax`.
    """
    host = verdict.host
    assert host is not None and verdict.registrable_domain is not None
    labels = host.split(".")
    if labels[0] in _JAVA_ROOTS:
        return "java-root"
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
    verdict = _syntax(text)
    if not verdict.ok:
        return verdict
    if code_names is not None and not verdict.is_ip and code_names.matches(verdict.host or ""):
        return _reject("code-name")
    if not in_url:
        problem = ("version-like" if _version_like_ip(verdict.host or "") else None) if verdict.is_ip else _bare_problem(verdict)
        if problem is not None:
            return _reject(problem)
    return verdict


def _clip(text: str, start: int, end: int) -> str:
    """``text`` cut to the context limit around ``text[start:end]``."""
    if len(text) <= _MAX_CONTEXT:
        return text
    span = end - start
    if span >= _MAX_CONTEXT:
        return text[start : start + _MAX_CONTEXT]
    before = (_MAX_CONTEXT - span) // 2
    lo = max(0, min(start - before, len(text) - _MAX_CONTEXT))
    return text[lo : lo + _MAX_CONTEXT]


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

    __slots__ = ("verdict", "strong", "urls", "schemes", "cleartext", "sources", "locations")

    def __init__(self, verdict: HostVerdict) -> None:
        self.verdict = verdict
        self.strong = False
        self.urls: dict[str, None] = {}
        self.schemes: dict[str, None] = {}
        self.cleartext = False
        self.sources: list[EndpointSource] = []
        self.locations: set[str] = set()


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


class _Scan:
    """Collects candidates from every source, then judges them once each."""

    def __init__(self) -> None:
        self.hosts: dict[str, _Acc] = {}
        self.rejected = _Rejections()
        self._seen_texts: set[str] = set()
        self.emails: dict[str, None] = {}

    # -- intake ------------------------------------------------------------

    def strings(
        self,
        strings: Sequence[str],
        locate: Callable[[int], str],
        owner: Callable[[int], str | None] | None = None,
    ) -> None:
        """Scan a batch of strings as one buffer; ``locate(i)`` names string ``i``."""
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
            self._match(m, batch[k], starts[k], locate, owner, picked[k])

    def text(self, text: str, location: str) -> None:
        """A text file: lines are the units (an IP must fill its line to count)."""
        lines = text.splitlines()[:_MAX_LINES]
        self.strings(lines, lambda i: f"{location}:{i + 1}")

    def declared(self, host_text: str, location: str, context: str) -> None:
        """A host named as a host (a network security config domain): strong evidence."""
        self._add(host_text, location, context, None, strong=True)

    def _match(
        self,
        m: re.Match[str],
        s: str,
        base: int,
        locate: Callable[[int], str],
        owner: Callable[[int], str | None] | None,
        index: int,
    ) -> None:
        start, end = m.start() - base, m.end() - base
        scheme = m.group("scheme")
        if scheme is not None:
            scheme = scheme.lower()
            if scheme not in _NETWORK_SCHEMES:
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
            self._add(host_text, locate(index), _clip(s, start, end), owner(index) if owner else None,
                      strong=True, url=url, scheme=scheme)
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
                if _version_like_ip(ip):
                    self._note_rejected(ip, "version-like")
                    return
            self._add(ip, locate(index), _clip(s, start, end), owner(index) if owner else None, strong=True)
            return
        host_text = m.group("host")
        if start > 0 and s[start - 1] == "@":
            local = _EMAIL_LOCAL.search(s, 0, start - 1)
            if local is not None and len(self.emails) < _MAX_EMAILS:
                self.emails[f"{local.group()}@{host_text}".lower()] = None
            return
        self._add(host_text, locate(index), _clip(s, start, end), owner(index) if owner else None, strong=False)

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
        url: str | None = None,
        scheme: str | None = None,
    ) -> None:
        verdict = _syntax(host_text)
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
        if location not in acc.locations:
            acc.locations.add(location)
            if len(acc.sources) < _MAX_SOURCES:
                acc.sources.append(EndpointSource(location, context, owner_class))

    # -- judgement ---------------------------------------------------------

    def finish(self, code_names: Callable[[], CodeNames], party: "_PartyJudge") -> tuple[Endpoint, ...]:
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
            problem = _bare_problem(acc.verdict)
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


class _PartyJudge:
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


# ------------------------------------------------------------- app links

_PATH_ATTRS: Final = (("path", ""), ("pathPrefix", "*"), ("pathPattern", ""), ("pathAdvancedPattern", ""), ("pathSuffix", ""))
_MAX_LINKS_PER_FILTER: Final = 64


def _str_attr(art: AndroidArtifact, node: XmlElement, name: str) -> str | None:
    value = art.resolve(node.get(name))
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _app_links(art: AndroidArtifact, package: str | None) -> list[AppLink]:
    if art.manifest is None:
        return []
    out: list[AppLink] = []
    for app in art.manifest.findall("application"):
        for tag in ("activity", "activity-alias"):
            for comp in app.findall(tag):
                name = _str_attr(art, comp, "name") or "?"
                if package and name.startswith("."):
                    name = package + name
                elif package and "." not in name:
                    name = f"{package}.{name}"
                for flt in comp.findall("intent-filter"):
                    out.extend(_filter_links(art, flt, name))
    return out


def _filter_links(art: AndroidArtifact, flt: XmlElement, component: str) -> list[AppLink]:
    # Android merges every <data> of one filter: each scheme pairs with each
    # host and each path, whichever element they were written on.
    schemes: list[str] = []
    hosts: list[str] = []
    paths: list[str] = []
    for data in flt.findall("data"):
        scheme = _str_attr(art, data, "scheme")
        if scheme and scheme not in schemes:
            schemes.append(scheme)
        host = _str_attr(art, data, "host")
        if host:
            port = _str_attr(art, data, "port")
            full = f"{host}:{port}" if port else host
            if full not in hosts:
                hosts.append(full)
        for attr, suffix in _PATH_ATTRS:
            value = _str_attr(art, data, attr)
            if value and value + suffix not in paths:
                paths.append(value + suffix)
    verify = as_bool(art.resolve(flt.get("autoVerify"))) is True
    out: list[AppLink] = []
    no_value: list[str | None] = [None]
    for scheme in schemes:
        for host in hosts or no_value:
            for path in paths or no_value:
                if len(out) >= _MAX_LINKS_PER_FILTER:
                    return out
                out.append(AppLink(scheme, host, path, component, verify))
    return out


def _link_domains(links: Iterable[AppLink]) -> dict[str, bool]:
    domains: dict[str, bool] = {}
    for link in links:
        if link.scheme not in ("http", "https") or not link.host:
            continue
        verdict = _syntax(link.host.split(":", 1)[0].lstrip("*."))
        if verdict.registrable_domain:
            domains[verdict.registrable_domain] = domains.get(verdict.registrable_domain, False) or link.auto_verify
    return domains


# ------------------------------------------------------------- sources


_SKIP_RESOURCE_TYPES: Final = frozenset({
    "attr", "id", "style", "dimen", "color", "integer", "bool", "layout", "drawable", "mipmap",
    "anim", "animator", "interpolator", "transition", "menu", "font", "navigation", "styleable",
})
"""Types whose values are never free text (numbers, references, file paths)."""


def _code_names(art: AndroidArtifact) -> CodeNames:
    names: list[str] = list(art.class_names)
    for dex in art.dex_files:
        names.extend(descriptor_to_java(d) for d in dex.type_names() if d.startswith("L"))
    for cf in art.class_files:
        names.extend(r for r in cf.class_refs if not r.startswith("["))
        names.extend(owner for owner, _, _ in cf.method_refs if not owner.startswith("["))
        names.extend(owner for owner, _, _ in cf.field_refs if not owner.startswith("["))
        if cf.super_name:
            names.append(cf.super_name)
        names.extend(cf.interfaces)
    if art.manifest is not None:
        package = art.manifest.get("package")
        if isinstance(package, str):
            names.append(package)
    return CodeNames(names)


def _scan_dex(scan: _Scan, art: AndroidArtifact) -> None:
    for dex in art.dex_files:
        name = dex.name
        scan.strings(dex.strings_once(), lambda i: f"{name} string {i}")


def _scan_class_files(scan: _Scan, art: AndroidArtifact) -> None:
    strings: list[str] = []
    owners: list[str] = []
    for cf in art.class_files:
        strings.extend(cf.strings)
        owners.extend([cf.name] * len(cf.strings))
    scan.strings(strings, lambda i: owners[i].replace(".", "/") + ".class", owners.__getitem__)


def _proto_resource_strings(table: ProtoResourceTable) -> Iterator[tuple[int, str, str]]:
    """(res_id, config, text) for every string value of an App Bundle's resource table."""
    for res_id in table.resource_ids():
        if table.type_name(res_id) in _SKIP_RESOURCE_TYPES:
            continue
        for config, rendered in table.values(res_id):
            # references render as "@...", files as their "res/..." path
            if isinstance(rendered, str) and rendered and not rendered.startswith(("@", "res/")):
                yield res_id, config, rendered


def _scan_resources(scan: _Scan, art: AndroidArtifact) -> None:
    table = art.resources
    if not isinstance(table, (ResourceTable, ProtoResourceTable)):
        return
    where = art.res_root + ("resources.pb" if isinstance(table, ProtoResourceTable) else "resources.arsc")
    if isinstance(table, ResourceTable):
        found = table.texts(_SKIP_RESOURCE_TYPES)
    else:
        found = [(res_id, table.entry_name(res_id) or f"0x{res_id:08x}", config, text)
                 for res_id, config, text in _proto_resource_strings(table)]
    strings: list[str] = []
    labels: list[str] = []
    seen: set[tuple[int, str]] = set()
    for res_id, entry, config, text in found:
        if (res_id, text) in seen:  # the same URL in every translation is one place
            continue
        seen.add((res_id, text))
        labels.append(f"{where}: {entry}" + ("" if config in ("", "default") else f" [{config}]"))
        strings.append(text)
    scan.strings(strings, labels.__getitem__)


def _resource_files(art: AndroidArtifact, base: ZipArchive) -> list[str]:
    """XML and raw resources: by directory, and through the resource table so that
    shrunk paths (``res/a1.xml``) are found too."""
    prefix = art.res_root
    names = set(base.names())
    wanted: dict[str, None] = {}
    dirs = tuple(f"{prefix}res/{d}" for d in ("xml/", "xml-", "raw/", "raw-"))
    for n in sorted(names):
        if n.startswith(dirs) and not n.endswith("/"):
            wanted[n] = None
        elif art.manifest_is_source and n.startswith(f"{prefix}res/values") and n.endswith(".xml"):
            wanted[n] = None  # an AAR's uncompiled string resources
    table = art.resources
    if isinstance(table, (ResourceTable, ProtoResourceTable)):
        for res_id in table.resource_ids():
            if table.type_name(res_id) in ("xml", "raw"):
                path = table.resolve(res_id)
                if isinstance(path, str) and prefix + path in names:
                    wanted[prefix + path] = None
    return list(wanted)[:_MAX_XML_FILES]


def _looks_textual(head: bytes) -> bool:
    if b"\0" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniffed prefix is fine.
        return exc.start >= len(head) - 3
    return True


def _xml_tree_strings(root: XmlElement) -> tuple[list[str], list[str]]:
    strings: list[str] = []
    where: list[str] = []
    for node in root.iter():
        for key, value in node.attrs.items():
            if isinstance(value, str) and value:
                strings.append(value)
                where.append(f"<{node.tag} {key.rsplit('}', 1)[-1]}>")
        if node.text:
            strings.append(node.text)
            where.append(f"<{node.tag}>")
    return strings, where


class _Budget:
    def __init__(self, total: int) -> None:
        self.left = total

    def take(self, n: int) -> bool:
        if n > self.left:
            return False
        self.left -= n
        return True


def _read(art: AndroidArtifact, base: ZipArchive, name: str, cap: int) -> bytes | None:
    try:
        return base.read(name, max_size=cap)
    except (CorruptInput, KeyError) as exc:
        art.log.add("endpoints.unreadable", f"not scanned for endpoints: {exc}", name)
        return None


def _sniff(art: AndroidArtifact, base: ZipArchive, name: str, budget: _Budget, aab: bool) -> bytes | None:
    """The whole entry when it is binary XML, protobuf XML or text, else None.

    Only a prefix is inflated to decide, so raw media and fonts cost little.
    """
    entry = base.get(name)
    if entry is None or entry.is_dir:
        return None
    head = _read(art, base, name, _SNIFF)
    if not head:
        return None
    if not (is_axml(head[:8]) or (aab and name.endswith(".xml") and is_proto_xml(head[:2])) or _looks_textual(head)):
        return None
    if len(head) < _SNIFF:
        return head
    if not budget.take(min(entry.size, _MAX_TEXT_FILE)):
        return None
    return _read(art, base, name, _MAX_TEXT_FILE)


def _scan_xml_files(scan: _Scan, art: AndroidArtifact, skip: set[str], budget: _Budget) -> None:
    base = art.base
    if base is None:
        return
    aab = art.resource_format == "pb"
    quiet = DiagnosticLog()  # parse problems are the manifest and resource readers' to report
    for name in _resource_files(art, base):
        if name in skip:
            continue
        raw = _sniff(art, base, name, budget, aab)
        if not raw:
            continue
        root: XmlElement | None = None
        try:
            if is_axml(raw[:8]):
                root = parse_axml(raw, name, quiet)
            elif aab and name.endswith(".xml") and is_proto_xml(raw[:2]):
                root = parse_proto_xml(raw, quiet, name)
        except CorruptInput:
            continue
        if root is not None:
            strings, where = _xml_tree_strings(root)
            scan.strings(strings, lambda i: f"{name} {where[i]}")
        else:
            scan.text(raw.decode("utf-8", "replace"), name)


def _scan_assets(scan: _Scan, art: AndroidArtifact, budget: _Budget) -> None:
    base = art.base
    if base is None:
        return
    prefix = art.res_root + "assets/"
    for name in base.names():
        if not name.startswith(prefix):
            continue
        ext = name.rsplit("/", 1)[-1].rpartition(".")[2].lower()
        if ext not in _TEXT_EXTENSIONS:
            continue
        raw = _sniff(art, base, name, budget, aab=False)
        if raw and _looks_textual(raw[:_SNIFF]):
            scan.text(raw.decode("utf-8", "replace"), name)


def _native_libraries(archives: list[tuple[str, ZipArchive]]) -> list[tuple[str, ZipArchive, str]]:
    """One (prefix, archive, path) per library name, from the preferred ABI, across the base
    APK and its split APKs (a config split holds one ABI's libraries)."""
    chosen: dict[str, tuple[int, str, ZipArchive, str]] = {}
    for prefix, archive in archives:
        for name in archive.names():
            if not name.endswith(".so"):
                continue
            parts = name.split("/")
            abi = parts[-2] if len(parts) >= 2 else ""
            rank = _ABI_PREFERENCE.index(abi) if abi in _ABI_PREFERENCE else len(_ABI_PREFERENCE)
            key = parts[-1]
            if key not in chosen or rank < chosen[key][0]:
                chosen[key] = (rank, prefix, archive, name)
    return sorted(((prefix, archive, name) for _, prefix, archive, name in chosen.values()), key=lambda c: (c[0], c[2]))


def _scan_native(scan: _Scan, art: AndroidArtifact, budget: _Budget) -> None:
    if art.base is None:
        return
    archives = [("", art.base), *((f"{name}!", archive) for name, archive in art.split_archives)]
    for prefix, archive, name in _native_libraries(archives):
        entry = archive.get(name)
        if entry is None or entry.size < 16 or not budget.take(min(entry.size, _MAX_NATIVE_FILE)):
            continue
        head = _read(art, archive, name, 16)
        if head is None or not is_elf(head):
            continue
        data = _read(art, archive, name, _MAX_NATIVE_FILE)
        if data is None:
            continue
        # Only runs that could hold a candidate are kept: a big library has
        # hundreds of thousands of runs, nearly all symbol-like.
        runs = [r for r in string_runs(data, 6, _MAX_NATIVE_SCAN) if "." in r.text or ":" in r.text]
        texts = [r.text for r in runs]
        where = prefix + name
        scan.strings(texts, lambda i: f"{where} {runs[i].section or 'file'}@0x{runs[i].offset:x}")


def _network_security_config(scan: _Scan, art: AndroidArtifact) -> str | None:
    """Scan the config's domains as declared hosts; return its path in the package."""
    nsc = art.network_security_config
    if nsc is None:
        return None
    resource_path, root = nsc
    path = art.res_root + resource_path
    for config in root.iter("domain-config"):
        notes = []
        pins = [p for ps in config.findall("pin-set") for p in ps.findall("pin")]
        if pins:
            expiry = next((str(ps.get("expiration")) for ps in config.findall("pin-set") if ps.get("expiration")), None)
            notes.append(f"pinned ({len(pins)} pin{'s' if len(pins) != 1 else ''}" + (f", expires {expiry})" if expiry else ")"))
        cleartext = as_bool(config.get("cleartextTrafficPermitted"))
        if cleartext is not None:
            notes.append(f"cleartextTrafficPermitted={str(cleartext).lower()}")
        for domain in config.findall("domain"):
            if not domain.text:
                continue
            subs = " includeSubdomains" if as_bool(domain.get("includeSubdomains")) else ""
            context = f"domain-config <domain{subs}>{domain.text}</domain>" + ("; " + "; ".join(notes) if notes else "")
            scan.declared(domain.text, path, context[:_MAX_CONTEXT])
    return path


# ------------------------------------------------------------------ entry


def _app_identity(art: AndroidArtifact) -> tuple[str | None, str | None]:
    if art.manifest is None:
        return None, None
    package = art.manifest.get("package")
    app = next(iter(art.manifest.findall("application")), None)
    label = art.resolve(app.get("label")) if app is not None else None
    return (package if isinstance(package, str) and package else None,
            label if isinstance(label, str) and label and not label.startswith("@") else None)


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
    scan = _Scan()
    scan.strings(strings, locate if locate is not None else lambda i: f"{location} {i}")
    names = CodeNames(code_names)
    endpoints = scan.finish(lambda: names, _PartyJudge(package, None, {}))
    return EndpointReport(endpoints, (), tuple(sorted(scan.emails)), scan.rejected.result())


def extract_endpoints(art: AndroidArtifact) -> EndpointReport:
    """Every host the package names, with where, grouped per host."""
    timings: list[tuple[str, float]] = []
    scan = _Scan()

    def timed(label: str, step: Callable[[], object]) -> None:
        t0 = time.perf_counter()
        step()
        timings.append((label, round(time.perf_counter() - t0, 4)))

    package, label = _app_identity(art)
    text_budget = _Budget(_MAX_TEXT_TOTAL)
    nsc_paths: set[str] = set()

    def nsc() -> None:
        path = _network_security_config(scan, art)
        if path:
            nsc_paths.add(path)

    timed("dex", lambda: _scan_dex(scan, art))
    timed("class_files", lambda: _scan_class_files(scan, art))
    timed("resources", lambda: _scan_resources(scan, art))
    timed("network_security_config", nsc)
    timed("xml", lambda: _scan_xml_files(scan, art, nsc_paths, text_budget))
    timed("assets", lambda: _scan_assets(scan, art, text_budget))
    timed("native", lambda: _scan_native(scan, art, _Budget(_MAX_NATIVE_TOTAL)))
    links = _app_links(art, package)
    judge = _PartyJudge(package, label, _link_domains(links))
    t0 = time.perf_counter()
    endpoints = scan.finish(lambda: _code_names(art), judge)
    timings.append(("judge", round(time.perf_counter() - t0, 4)))
    return EndpointReport(
        endpoints=endpoints,
        app_links=tuple(links),
        emails=tuple(sorted(scan.emails)),
        rejected=scan.rejected.result(),
        timings=tuple(timings),
    )
