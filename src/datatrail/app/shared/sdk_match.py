"""Match defined class names against every SDK signature in one pass.

The index is keyed by package path, not by signature, so the cost of a scan
grows with the number of classes and packages, never with classes x signatures:

* Dotted prefixes that end at a package boundary (``com.tencent.bugly.``) sit
  in a dict keyed by that prefix. Package ``a.b.c`` gets the rules of ``a.b``
  (memoised for the scan) plus a probe for ``a.b.c.``: one dict lookup per
  package once its parent is known.
* Raw prefixes that stop inside a name (our ``com.facebook.Facebook``, Exodus
  ``com.facebook.CampaignTrackingReceiver``) are keyed by their part up to the
  last dot and compared against the next component only; when that component is
  the class name itself the rule is applied per class of that package.
* Exact-package rules (``com.facebook`` but not ``com.facebook.react``) are one
  dict probe.

All of that is decided once per distinct package (apps have tens of thousands
of classes but a few hundred to a few thousand packages); packages and their
class counts come from C-level passes (``map``, ``Counter``, ``compress``), and
Python-level work per class is spent only on classes of matched packages. The
longest matching pattern owns a class (``com.google.android.gms.ads.identifier.``
beats ``com.google.android.gms.ads.``), so each class counts for one SDK.
Patterns of equal length held by several signatures share the class.

Folding Exodus into our signatures: an Exodus entry named in one of our
``exodus_ids`` lends its patterns to our signature, except patterns broader than
one of ours (Exodus's ``com.bytedance.`` for Pangle would take every ByteDance
library). An Exodus pattern identical to one of ours is dropped in favour of
ours. Either way the Exodus id is remembered on the rule (``rule_exodus``): a
finding that owns classes through such a rule, or over one (a longer pattern
that beat it), lists the id among its aliases, since Exodus would have reported
that code under it.

The few Exodus alternatives that are real regular expressions (a leading "." for
"any package") are applied once per distinct package name, searched in
``package + "."``: a hit there holds for every class of the package, as a search
in the full name would. The ones that name a class rather than a package
(``.S4MAnalytic``: their literal starts with a capital) cannot be decided per
package; for those, the literal is located with ``str.find`` in the
newline-joined class list and the regex is applied only to the lines found.
Regex rules rank below every prefix: a class a prefix already owns stays with it.

Only *defined* classes are matched (DEX class_defs, class files), never types a
class merely references; referenced types are how Exodus reports trackers that
are not in the app.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import compress
from operator import itemgetter, methodcaller
from typing import NamedTuple

from datatrail.knowledge.sdks import SOURCE_DATATRAIL, Signature

__all__ = ["Rule", "RuleHits", "PatternHits", "ClassMatch", "SignatureIndex", "looks_renamed"]

KIND_PREFIX = "class-prefix"
KIND_PACKAGE = "class-package"
KIND_REGEX = "class-regex"

_EXAMPLES = 5
# A literal shorter than this finds too many lines to be worth using as a filter.
_MIN_LITERAL = 3
_QUANTIFIERS = frozenset("*?{+")


class Rule(NamedTuple):
    """One class pattern of one signature (after folding aliases into their owner)."""

    owner: int
    """Index into ``SignatureIndex.owners``."""
    kind: str
    pattern: str
    specificity: int
    """Length compared for the longest match; regexes are 0 (they never beat a prefix)."""


class RuleHits:
    __slots__ = ("count", "examples")

    def __init__(self) -> None:
        self.count = 0
        self.examples: list[str] = []

    def add(self, name: str) -> None:
        self.count += 1
        if len(self.examples) < _EXAMPLES:
            self.examples.append(name)


class PatternHits:
    """Items one pattern matched: how many, and the first few as examples (Android and iOS matchers)."""

    __slots__ = ("count", "examples")

    def __init__(self, count: int = 0, examples: list[str] | None = None) -> None:
        self.count = count
        self.examples: list[str] = [] if examples is None else examples

    def add(self, item: str) -> None:
        self.count += 1
        if len(self.examples) < _EXAMPLES and item not in self.examples:
            self.examples.append(item)


class ClassMatch:
    """What one pass over an app's class names found.

    ``hits``: classes owned through each rule. ``owned``: owner index -> number of
    classes it owns. ``renamed``: owner index -> how many of its classes look renamed
    (see ``looks_renamed``). ``unmatched``: package -> classes in it no signature owns
    (first-party packages excluded). ``first_party``: classes under the app's own
    package, never attributed to an SDK. ``regex_classes``: class name -> owner, for
    classes owned only through a regex rule. ``exodus_ids``: owner index -> Exodus
    entries that would have claimed some of its classes (same or shorter pattern).
    """

    __slots__ = ("hits", "owned", "renamed", "unmatched", "first_party", "regex_classes", "exodus_ids")

    def __init__(
        self,
        hits: dict[Rule, RuleHits],
        owned: dict[int, int],
        renamed: dict[int, int],
        unmatched: dict[str, int],
        first_party: int,
        regex_classes: dict[str, int],
        exodus_ids: dict[int, set[str]],
    ) -> None:
        self.hits = hits
        self.owned = owned
        self.renamed = renamed
        self.unmatched = unmatched
        self.first_party = first_party
        self.regex_classes = regex_classes
        self.exodus_ids = exodus_ids


class _Decision:
    """Cached per-package outcome of the index walk.

    ``rules``: the longest package-level rules (ties share the classes).
    ``class_rules``: (simple-name prefix, rule) pairs that must be checked per class.
    ``shadowed``: Exodus ids of the package-level rules that matched but lost to a longer one.
    ``best_ids``: Exodus ids of ``rules``: they are shadowed too when a class-level rule wins.
    """

    __slots__ = ("rules", "specificity", "class_rules", "shadowed", "best_ids", "total", "owned")

    def __init__(
        self,
        rules: tuple[Rule, ...],
        specificity: int,
        class_rules: tuple[tuple[str, Rule], ...],
        shadowed: tuple[str, ...] = (),
        best_ids: tuple[str, ...] = (),
    ) -> None:
        self.rules = rules
        self.specificity = specificity
        self.class_rules = class_rules
        self.shadowed = shadowed
        self.best_ids = best_ids
        self.total = 0
        self.owned = 0


_rpartition_dot = methodcaller("rpartition", ".")
_first = itemgetter(0)


def looks_renamed(class_name: str) -> bool:
    """True when the top-level simple name is short and meaningless (``a``, ``zzb``), as R8 leaves it.

    Java class names are capitalised by convention, so a lower-case name of up to four
    letters, or any name of one or two characters, is almost always a renamed one.
    """
    top = class_name.rpartition(".")[2].partition("$")[0]
    return len(top) <= 2 or (len(top) <= 4 and top.islower())


def _literal(regex: str) -> str:
    """The longest run of characters the regex must match literally ('' when none is safe)."""
    best = ""
    run = ""
    depth = 0
    i = 0
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            run, best = "", max(best, run, key=len)
            i += 2
            continue
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        if depth == 0 and (ch.isalnum() or ch == "_"):
            nxt = regex[i + 1] if i + 1 < len(regex) else ""
            if nxt in _QUANTIFIERS:
                # The character before a quantifier is optional or repeated, not literal.
                best = max(best, run, key=len)
                run = ""
            else:
                run += ch
        else:
            best = max(best, run, key=len)
            run = ""
        i += 1
    return max(best, run, key=len)


class SignatureIndex:
    """Class-name rules of a set of signatures, folded and indexed by package path."""

    def __init__(self, sigs: Sequence[Signature]) -> None:
        by_id = {sig.id: i for i, sig in enumerate(sigs)}
        # An Exodus entry that one of ours names as an alias is the same SDK: its
        # patterns become ours, and it does not appear as a finding of its own.
        target: dict[int, int] = {}
        for i, sig in enumerate(sigs):
            for alias in sig.aliases:
                j = by_id.get(alias)
                if j is not None and j != i:
                    target.setdefault(j, i)
        owners: list[Signature] = []
        owner_of_sig: dict[int, int] = {}
        for i, sig in enumerate(sigs):
            if i not in target:
                owner_of_sig[i] = len(owners)
                owners.append(sig)
        for j, i in target.items():
            owner_of_sig[j] = owner_of_sig[i]
        self.owners: tuple[Signature, ...] = tuple(owners)
        self.folded: dict[int, tuple[str, ...]] = {}
        for j, i in target.items():
            owner = owner_of_sig[i]
            self.folded[owner] = (*self.folded.get(owner, ()), sigs[j].id)
        self.rule_exodus: dict[Rule, tuple[str, ...]] = {}
        """Exodus entries behind each rule: its own Exodus signature, or those whose identical
        pattern a datatrail rule holds. A finding owning classes through (or over) such a rule
        lists them as aliases: Exodus would have reported that code under those ids."""

        self._segment: dict[str, list[Rule]] = {}
        self._partial: dict[str, list[tuple[str, Rule]]] = {}
        self._package: dict[str, list[Rule]] = {}
        self._package_regex: list[tuple[str, re.Pattern[str], Rule]] = []
        self._class_regex: list[tuple[str, re.Pattern[str], Rule]] = []
        seen: set[Rule] = set()
        ours: dict[tuple[str, str], list[Rule]] = {}
        order = sorted(range(len(sigs)), key=lambda k: sigs[k].source != SOURCE_DATATRAIL)
        for i in order:
            sig = sigs[i]
            owner = owner_of_sig[i]
            patterns = [(KIND_PREFIX, p, len(p)) for p in sig.class_prefixes]
            patterns += [(KIND_PACKAGE, p, len(p) + 1) for p in sig.class_packages]
            patterns += [(KIND_REGEX, p, 0) for p in sig.class_regexes]
            folded_into = sigs[target[i]] if i in target else None
            for kind, pattern, specificity in patterns:
                if sig.source == SOURCE_DATATRAIL:
                    rule = Rule(owner, kind, pattern, specificity)
                    ours.setdefault((kind, pattern), []).append(rule)
                    self._add(rule, seen)
                    continue
                held = ours.get((kind, pattern))
                if held:
                    # Our signature for that code wins; remember that Exodus knows it too.
                    for rule in held:
                        self.rule_exodus[rule] = (*self.rule_exodus.get(rule, ()), sig.id)
                    continue
                if folded_into is not None and kind == KIND_PREFIX and any(
                    own.startswith(pattern) for own in folded_into.class_prefixes
                ):
                    # A broader Exodus prefix for an SDK we describe ("com.bytedance." for
                    # Pangle) would take the vendor's unrelated libraries; ours sets the extent.
                    continue
                rule = Rule(owner, kind, pattern, specificity)
                self.rule_exodus[rule] = (*self.rule_exodus.get(rule, ()), sig.id)
                self._add(rule, seen)
        self.rule_count = len(seen)

    def _add(self, rule: Rule, seen: set[Rule]) -> None:
        if rule in seen:
            return
        seen.add(rule)
        if rule.kind == KIND_PACKAGE:
            self._package.setdefault(rule.pattern, []).append(rule)
        elif rule.kind == KIND_REGEX:
            try:
                compiled = re.compile(rule.pattern)
            except re.error:
                return  # an upstream regex Python cannot compile matches nothing
            literal = _literal(rule.pattern)
            if literal[:1].isupper():
                self._class_regex.append((literal, compiled, rule))
            else:
                self._package_regex.append((literal, compiled, rule))
        elif rule.pattern.endswith("."):
            self._segment.setdefault(rule.pattern, []).append(rule)
        else:
            cut = rule.pattern.rfind(".") + 1
            self._partial.setdefault(rule.pattern[:cut], []).append((rule.pattern[cut:], rule))

    # -- lookups ------------------------------------------------------------

    def _walk(self, package: str, cache: dict[str, tuple[Rule, ...]]) -> tuple[Rule, ...]:
        """Prefix rules matching every class of ``package``, built on its parent's (memoised)."""
        found = cache.get(package)
        if found is not None:
            return found
        parent, dot, last = package.rpartition(".")
        found = self._walk(parent, cache) if dot else ()
        partial = self._partial.get(parent + dot)
        if partial:
            found += tuple(rule for rest, rule in partial if last.startswith(rest))
        segment = self._segment.get(package + ".") if package else None
        if segment:
            found += tuple(segment)
        cache[package] = found
        return found

    def _decide(self, package: str, cache: dict[str, tuple[Rule, ...]] | None = None) -> _Decision:
        hits = list(self._walk(package, {} if cache is None else cache))
        hits += self._package.get(package, ())
        per_class = self._partial.get(package + "." if package else "", ())
        if not hits and self._package_regex:
            text = package + "."
            hits = [rule for literal, compiled, rule in self._package_regex
                    if literal in text and compiled.search(text)]
        if not hits and not per_class:
            return _Decision((), -1, ())
        best = max((rule.specificity for rule in hits), default=-1)
        exodus = self.rule_exodus
        return _Decision(
            tuple(rule for rule in hits if rule.specificity == best),
            best,
            tuple(item for item in per_class if item[1].specificity > best),
            tuple({i for rule in hits if rule.specificity < best for i in exodus.get(rule, ())}),
            tuple({i for rule in hits if rule.specificity == best for i in exodus.get(rule, ())}),
        )

    def match_name(self, name: str) -> tuple[Rule, ...]:
        """The longest rules matching one class name (for manifest component names)."""
        package, _, simple = name.rpartition(".")
        decision = self._decide(package)
        rules, best = decision.rules, decision.specificity
        for rest, rule in decision.class_rules:
            if simple.startswith(rest) and rule.specificity >= best:
                rules = rules + (rule,) if rule.specificity == best else (rule,)
                best = rule.specificity
        if not rules:
            rules = tuple(rule for _lit, compiled, rule in self._class_regex if compiled.search(name))
        return rules

    def match_classes(self, names: Sequence[str], first_party: Sequence[str] = ()) -> ClassMatch:
        """Attribute each defined class name to the SDK with the longest matching pattern.

        Classes under ``first_party`` (the app's own packages) are never attributed.
        """
        # Packages and their class counts come from C-level passes (map, Counter);
        # Python-level work is per distinct package, then per class of matched packages only.
        packages = list(map(_first, map(_rpartition_dot, names)))
        counts = Counter(packages)
        own = tuple(first_party)
        own_heads = tuple(p + "." for p in own)
        decisions: dict[str, _Decision] = {}
        walked: dict[str, tuple[Rule, ...]] = {}
        first_count = 0
        for package, count in counts.items():
            if own and (package in own or package.startswith(own_heads)):
                first_count += count
                continue
            decision = self._decide(package, walked)
            decision.total = count
            decisions[package] = decision
        candidates = {p for p, d in decisions.items() if d.rules or d.class_rules}

        hits: dict[Rule, RuleHits] = {}
        owned: dict[int, int] = {}
        renamed: dict[int, int] = {}
        exodus_ids: dict[int, set[str]] = {}
        for name in compress(names, map(candidates.__contains__, packages)):
            package, _, simple = name.rpartition(".")
            decision = decisions[package]
            rules = decision.rules
            shadowed = decision.shadowed
            if decision.class_rules:
                best = decision.specificity
                for rest, rule in decision.class_rules:
                    if simple.startswith(rest) and rule.specificity >= best:
                        if rule.specificity > best:
                            shadowed = decision.shadowed + decision.best_ids
                        rules = rules + (rule,) if rule.specificity == best else (rule,)
                        best = rule.specificity
                if not rules:
                    continue
            decision.owned += 1
            if shadowed:
                for rule in rules:
                    exodus_ids.setdefault(rule.owner, set()).update(shadowed)
            is_renamed = looks_renamed(name)
            for rule in rules:
                entry = hits.get(rule)
                if entry is None:
                    entry = hits[rule] = RuleHits()
                entry.add(name)
            for owner in {rule.owner for rule in rules} if len(rules) > 1 else (rules[0].owner,):
                owned[owner] = owned.get(owner, 0) + 1
                if is_renamed:
                    renamed[owner] = renamed.get(owner, 0) + 1

        regex_classes: dict[str, int] = {}
        if self._class_regex and names:
            found = self._regex_hits(names, "\n".join(names) + "\n")
            for rule, matched in found.items():
                for name in matched:
                    home = decisions.get(name.rpartition(".")[0])
                    if home is None or name in regex_classes or self._owned_by_prefix(name, home):
                        continue  # first party, already counted, or a prefix owns it
                    regex_classes[name] = rule.owner
                    home.owned += 1
                    hits.setdefault(rule, RuleHits()).add(name)
                    owned[rule.owner] = owned.get(rule.owner, 0) + 1
                    if looks_renamed(name):
                        renamed[rule.owner] = renamed.get(rule.owner, 0) + 1

        unmatched = {
            package: decision.total - decision.owned
            for package, decision in decisions.items()
            if decision.total > decision.owned
        }
        for rule in hits:
            ids = self.rule_exodus.get(rule)
            if ids:
                exodus_ids.setdefault(rule.owner, set()).update(ids)
        return ClassMatch(hits, owned, renamed, unmatched, first_count, regex_classes, exodus_ids)

    @staticmethod
    def _owned_by_prefix(name: str, decision: _Decision) -> bool:
        if decision.rules:
            return True
        simple = name.rpartition(".")[2]
        return any(simple.startswith(rest) for rest, _rule in decision.class_rules)

    def _regex_hits(self, names: Sequence[str], blob: str) -> dict[Rule, list[str]]:
        """Class names each regex rule matches, found through the rule's literal in ``blob``."""
        out: dict[Rule, list[str]] = {}
        for literal, compiled, rule in self._class_regex:
            matched: list[str] = []
            if len(literal) >= _MIN_LITERAL:
                lines = _lines_containing(blob, literal)
            else:
                lines = iter(names)
            seen: set[str] = set()
            for line in lines:
                if line not in seen and compiled.search(line):
                    seen.add(line)
                    matched.append(line)
            out[rule] = matched
        return out


def _lines_containing(blob: str, literal: str) -> Iterable[str]:
    """Each newline-terminated line of ``blob`` containing ``literal``, in order."""
    pos = blob.find(literal)
    while pos != -1:
        start = blob.rfind("\n", 0, pos) + 1
        end = blob.find("\n", pos)
        yield blob[start:end]
        pos = blob.find(literal, end)
