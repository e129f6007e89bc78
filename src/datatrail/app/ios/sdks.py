"""Who is inside an iOS app or library: SDKs from Objective-C class names and framework names.

The same signature database as Android (``knowledge/data/sdk_signatures.json``)
carries the iOS facts: ``ios_class_prefixes`` (``JPUSH``, ``FBSDKLogin``),
exact ``ios_classes`` for names too generic to use as prefixes (``Adjust``) and
``ios_frameworks`` globs matched against embedded frameworks, linked dylibs and
static-library names.

* **One owner per class.** The longest matching prefix owns a class
  (``FBSDKLogin`` takes ``FBSDKLoginManager`` from ``FBSDK``); an exact name
  beats every prefix.
* **Evidence kinds.** ``objc-class``: defined classes whose name starts with the
  pattern; ``ios-framework``: a framework, dylib or library whose name matches
  the glob (embedded, linked, or the input itself).
* **Confidence** follows the Android rule: *high* with 10 or more classes or
  both kinds; *medium* with 2-9 classes or a framework name alone; *low* with a
  single class.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from datatrail.app.shared.sdk_match import PatternHits
from datatrail.knowledge.sdks import SOURCE_DATATRAIL, Signature, signatures
from datatrail.model.sdk import OwnerRule, SdkEvidence, SdkFinding, SdkReport

__all__ = ["IosSdkInput", "IosSdkResult", "detect_ios_sdks", "framework_name", "KIND_OBJC_CLASS", "KIND_FRAMEWORK"]

KIND_OBJC_CLASS = "objc-class"
KIND_FRAMEWORK = "ios-framework"

_CONFIDENCE_RANK = {"high": 3, "medium": 2, "low": 1}
_OWNING_SHARE = 0.5
"""A binary whose classes belong to one SDK at least this much is that SDK's (for destinations)."""


@dataclass(frozen=True, slots=True)
class IosSdkInput:
    """What the iOS artifact offers for SDK matching."""

    classes: dict[str, tuple[str, ...]]
    """Binary location -> Objective-C class names it defines."""
    frameworks: dict[str, tuple[str, ...]]
    """Framework / dylib / library name -> where it was seen (paths, "linked by X")."""


@dataclass(frozen=True, slots=True)
class IosSdkResult:
    report: SdkReport
    binary_owner: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Binary location -> (sdk id, name) when one SDK owns it (its framework, or most of its classes)."""


@dataclass(frozen=True, slots=True)
class _Index:
    owners: tuple[Signature, ...]
    prefixes: dict[str, tuple[int, ...]]
    lengths: tuple[int, ...]
    """Distinct prefix lengths, longest first."""
    exact: dict[str, tuple[int, ...]]
    frameworks: tuple[tuple[int, str, re.Pattern[str]], ...]


@functools.cache
def _index() -> _Index:
    owners = tuple(s for s in signatures() if s.source == SOURCE_DATATRAIL and (s.ios_class_prefixes or s.ios_classes or s.ios_frameworks))
    prefixes: dict[str, list[int]] = {}
    exact: dict[str, list[int]] = {}
    frameworks: list[tuple[int, str, re.Pattern[str]]] = []
    for i, sig in enumerate(owners):
        for p in sig.ios_class_prefixes:
            prefixes.setdefault(p, []).append(i)
        for c in sig.ios_classes:
            exact.setdefault(c, []).append(i)
        for g in sig.ios_frameworks:
            frameworks.append((i, g, re.compile(fnmatch.translate(g), re.IGNORECASE)))
    return _Index(
        owners=owners,
        prefixes={k: tuple(v) for k, v in prefixes.items()},
        lengths=tuple(sorted({len(p) for p in prefixes}, reverse=True)),
        exact={k: tuple(v) for k, v in exact.items()},
        frameworks=tuple(frameworks),
    )


def framework_name(path: str) -> str:
    """``@rpath/FBSDKCoreKit.framework/FBSDKCoreKit`` -> ``FBSDKCoreKit``; ``libz.1.dylib`` -> ``libz.1``."""
    path = path.rstrip("/")
    m = re.search(r"([^/]+)\.(?:framework|xcframework)(?:/|$)", path)
    if m:
        return m.group(1)
    base = path.rpartition("/")[2]
    for suffix in (".dylib", ".a", ".tbd", ".o"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


def _swift_readable(name: str) -> str:
    # Swift classes exposed to the ObjC runtime carry mangled names ("_TtC7Module5Class");
    # the module name is what identifies an SDK, and prefixes are written for ObjC names.
    m = re.match(r"_TtC(\d+)", name)
    if m:
        n = int(m.group(1))
        start = m.end()
        return name[start : start + n]
    return name


def _match_class(index: _Index, name: str) -> tuple[str, tuple[int, ...]] | None:
    owners = index.exact.get(name)
    if owners:
        return name, owners
    for length in index.lengths:
        if length <= len(name):
            owners = index.prefixes.get(name[:length])
            if owners:
                return name[:length], owners
    return None


def _confidence(class_count: int, kinds: set[str]) -> str:
    if class_count >= 10 or len(kinds) >= 2:
        return "high"
    if class_count >= 2 or KIND_FRAMEWORK in kinds:
        return "medium"
    return "low"


def _finding(sig: Signature, class_count: int, evidence: list[SdkEvidence], kinds: set[str]) -> SdkFinding:
    return sig.finding(confidence=_confidence(class_count, kinds), class_count=class_count, evidence=evidence)


def _class_pass(
    index: _Index, classes: dict[str, tuple[str, ...]]
) -> tuple[dict[tuple[int, str], PatternHits], Counter[int], dict[str, Counter[int]], set[str], set[str]]:
    hits: dict[tuple[int, str], PatternHits] = {}
    owned: Counter[int] = Counter()
    per_binary: dict[str, Counter[int]] = {}
    seen: set[str] = set()
    exact_used: set[str] = set()
    prefix_used: set[str] = set()
    for where, names in classes.items():
        counts = per_binary.setdefault(where, Counter())
        for raw in names:
            name = _swift_readable(raw)
            found = _match_class(index, name)
            if found is None:
                continue
            pattern, owners = found
            (exact_used if pattern == name and name in index.exact else prefix_used).add(pattern)
            for owner in owners:
                counts[owner] += 1
                if raw in seen:
                    continue
                hits.setdefault((owner, pattern), PatternHits()).add(raw)
                owned[owner] += 1
            seen.add(raw)
    return hits, owned, per_binary, exact_used, prefix_used


def _framework_pass(index: _Index, frameworks: dict[str, tuple[str, ...]]) -> dict[tuple[int, str], PatternHits]:
    hits: dict[tuple[int, str], PatternHits] = {}
    for name, wheres in frameworks.items():
        for owner, glob, rx in index.frameworks:
            if rx.fullmatch(name):
                for where in wheres:
                    hits.setdefault((owner, glob), PatternHits()).add(where)
    return hits


def detect_ios_sdks(data: IosSdkInput) -> IosSdkResult:
    """SDK findings for an iOS artifact, and which binaries belong to which SDK."""
    index = _index()
    class_hits, owned, per_binary, exact_used, prefix_used = _class_pass(index, data.classes)
    fw_hits = _framework_pass(index, data.frameworks)
    findings: list[SdkFinding] = []
    for owner in sorted({o for o, _ in class_hits} | {o for o, _ in fw_hits}):
        sig = index.owners[owner]
        evidence: list[SdkEvidence] = []
        kinds: set[str] = set()
        for (o, pattern), h in sorted(class_hits.items(), key=lambda kv: (-kv[1].count, kv[0][1])):
            if o == owner:
                evidence.append(SdkEvidence(KIND_OBJC_CLASS, pattern, h.count, tuple(h.examples)))
                kinds.add(KIND_OBJC_CLASS)
        for (o, pattern), h in sorted(fw_hits.items(), key=lambda kv: kv[0][1]):
            if o == owner:
                evidence.append(SdkEvidence(KIND_FRAMEWORK, pattern, h.count, tuple(h.examples)))
                kinds.add(KIND_FRAMEWORK)
        findings.append(_finding(sig, owned.get(owner, 0), evidence, kinds))
    findings.sort(key=lambda f: (-_CONFIDENCE_RANK[f.confidence], -f.class_count, f.id))
    rules = [OwnerRule("class", c, index.owners[o].id) for c in sorted(exact_used) for o in index.exact[c]]
    rules += [OwnerRule("class-prefix", p, index.owners[o].id) for p in sorted(prefix_used) for o in index.prefixes[p]]
    rules.sort(key=lambda r: (-len(r.pattern), r.pattern, r.sdk_id))
    return IosSdkResult(
        report=SdkReport(sdks=tuple(findings), unidentified=(), owner_rules=tuple(rules)),
        binary_owner=_binary_owners(index, per_binary, data, fw_hits),
    )


def _binary_owners(
    index: _Index, per_binary: dict[str, Counter[int]], data: IosSdkInput, fw_hits: dict[tuple[int, str], PatternHits]
) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for where, counts in per_binary.items():
        total = len(data.classes.get(where, ()))
        if counts and total:
            owner, n = counts.most_common(1)[0]
            if n >= _OWNING_SHARE * total:
                sig = index.owners[owner]
                out[where] = (sig.id, sig.name)
    for (owner, _glob), h in fw_hits.items():
        sig = index.owners[owner]
        for where in h.examples:
            out.setdefault(where, (sig.id, sig.name))
    return out


def frameworks_of(paths: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """(path, where) pairs -> framework name -> places, for ``IosSdkInput.frameworks``."""
    out: dict[str, list[str]] = {}
    for path, where in paths:
        name = framework_name(path)
        if name:
            places = out.setdefault(name, [])
            if where not in places:
                places.append(where)
    return {k: tuple(v) for k, v in out.items()}


def class_names_by_binary(items: Sequence[tuple[str, Sequence[str]]]) -> dict[str, tuple[str, ...]]:
    return {where: tuple(dict.fromkeys(names)) for where, names in items}
