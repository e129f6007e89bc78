"""The Public Suffix List: registrable domains, one parsed copy for the whole process.

The list itself is the snapshot bundled in the PyPI package ``publicsuffixlist``
(a data dependency: the file and its version). It is read here, ICANN section
only: a host under amazonaws.com belongs to Amazon for attribution, not to
whoever registered a private suffix, and a host whose TLD is not on the list
is not a host.

The lookup is our own, because the package's parser encodes every one of the
~7,000 rules to IDNA on load (30 ms, paid by every scan). Here the rules stay
as written; a host with ``xn--`` labels is decoded before it is matched.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import NamedTuple

from datatrail.errors import DatatrailError
from datatrail.knowledge.installed import Installed, installed, package_dir

__all__ = ["SuffixRules", "public_suffix_list", "registrable_domain", "dataset_info", "psl_file"]

_ICANN_BEGIN = "// ===BEGIN ICANN DOMAINS==="
_ICANN_END = "// ===END ICANN DOMAINS==="


def _package() -> Installed:
    found = installed("publicsuffixlist", "publicsuffixlist")
    if found is None:
        raise DatatrailError("the Public Suffix List is missing: install the publicsuffixlist package")
    return found


@functools.cache
def psl_file() -> Path:
    """The bundled list (found without importing the package's parser)."""
    for path in _package().files:
        if path.name == "public_suffix_list.dat":
            return path
    folder = package_dir("publicsuffixlist")  # an install that kept no file list (some system packages)
    if folder is not None and (folder / "public_suffix_list.dat").is_file():
        return folder / "public_suffix_list.dat"
    raise DatatrailError("public_suffix_list.dat is missing from the installed publicsuffixlist package")


class SuffixRules(NamedTuple):
    """Rules of one section of the list, in the list's own (lowercase, Unicode) spelling."""

    exact: frozenset[str]
    """Plain rules ("co.uk"), and the parent of every wildcard ("kobe.jp" for "*.kobe.jp")."""
    wildcard: frozenset[str]
    """Parents of wildcard rules: "kobe.jp" stands for "*.kobe.jp"."""
    exception: frozenset[str]
    """Exception rules without their "!": "city.kobe.jp"."""
    max_labels: int

    @classmethod
    def parse(cls, text: str, icann_only: bool = True) -> SuffixRules:
        if icann_only:
            start, end = text.find(_ICANN_BEGIN), text.find(_ICANN_END)
            if start < 0 or end < start:
                raise ValueError("the Public Suffix List has no ICANN section markers")
            text = text[start:end]
        exact: set[str] = set()
        wildcard: set[str] = set()
        exception: set[str] = set()
        for line in text.splitlines():
            rule = line.strip().split(" ", 1)[0].lower()
            if not rule or rule.startswith("//"):
                continue
            if rule.startswith("!"):
                exception.add(rule[1:])
            elif rule.startswith("*."):
                wildcard.add(rule[2:])
                exact.add(rule[2:])  # the parent of a wildcard is itself public
            else:
                exact.add(rule)
        longest = max((r.count(".") + 1 for r in exact | exception), default=0) + 1
        return cls(frozenset(exact), frozenset(wildcard), frozenset(exception), longest)

    def suffix_labels(self, labels: list[str]) -> int:
        """How many trailing labels form the public suffix; 0 when no rule matches."""
        n = len(labels)
        first = max(0, n - self.max_labels)
        # An exception rule wins over every other rule; it makes its parent the suffix.
        for i in range(first, n):
            if ".".join(labels[i:]) in self.exception:
                return n - i - 1
        for i in range(first, n):
            if ".".join(labels[i:]) in self.exact or (i + 1 < n and ".".join(labels[i + 1:]) in self.wildcard):
                return n - i
        return 0

    def _split(self, host: str) -> tuple[list[str], int]:
        """The host's labels, as spelled, and how many of them form its public suffix
        (0 when no rule covers it; no labels when it is not a host name)."""
        labels = host.lower().removesuffix(".").split(".")
        if "" in labels:
            return [], 0
        decoded = labels
        if any(label.startswith("xn--") for label in labels):
            try:
                decoded = [label.encode("ascii").decode("idna") if label.startswith("xn--") else label for label in labels]
            except UnicodeError:
                return [], 0
        return labels, self.suffix_labels(decoded)

    def public_suffix(self, host: str) -> str | None:
        """The public suffix of ``host`` in the host's own spelling, or None when no rule covers its TLD."""
        labels, count = self._split(host)
        return ".".join(labels[-count:]) if count else None

    def registrable_domain(self, host: str) -> str | None:
        """The public suffix plus one label ("weixin.qq.com" -> "qq.com"), or None
        when the host is itself a public suffix or its TLD is unknown."""
        labels, count = self._split(host)
        return ".".join(labels[-count - 1:]) if 0 < count < len(labels) else None


@functools.cache
def public_suffix_list() -> SuffixRules:
    return SuffixRules.parse(psl_file().read_text(encoding="utf-8"))


def registrable_domain(host: str) -> str | None:
    """eTLD+1 of a lowercase hostname ("weixin.qq.com" -> "qq.com"), or None."""
    return public_suffix_list().registrable_domain(host)


@functools.cache
def dataset_info() -> dict[str, str]:
    version = _package().version
    stamp = version.rsplit(".", 1)[-1]
    date = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}" if len(stamp) == 8 and stamp.isdigit() else ""
    return {
        "name": "public-suffix-list",
        "version": version,
        "source": f"Public Suffix List snapshot bundled in PyPI publicsuffixlist {version} (ICANN section only)",
        "license": "MPL-2.0",
        "sha256": _package().sha256(psl_file()),
        "date": date,
    }
