"""Which personal data the app's code can read: curated APIs found invoked in code.

For every DEX file the curated APIs (``knowledge/data/api_data_access.json``)
are looked up in the method_id and field_id tables - one dict lookup per
row, not a scan per API - and :class:`~datatrail.formats.android.dex_code.CodeRefs`
then finds which methods' bytecode actually invokes them (or reads the
field). A method_id alone is only a reference the compiler kept; an
invoke instruction in some method's code is the evidence reported.

An invoke found in code is evidence that the code **can** read the data,
not that it runs: the call may sit on a path never taken, behind a
permission the app does not hold, or in an SDK feature switched off.

Refinements: some APIs say little alone. ``Settings.Secure.getString``
reads the Android ID only when its key is the string ``"android_id"``;
``ContentResolver.query`` reads contacts, SMS or the call log depending on
its URI. Such an API is reported with the specific data when the same
top-level class (the class and its nested/anonymous classes, which is where
javac and d8 put a constant next to the call using it) also loads a matching
string constant, reads a matching ``CONTENT_URI`` field or calls a matching
helper - the calling class's own evidence first, its top-level class's only
when it has none - otherwise with its generic meaning, or not at all when
it has none.

Subclass APIs (AccessibilityService, NotificationListenerService, keyboards)
are found through the superclass chains of the classes the app defines.

Java class files (JAR/AAR inputs) have no per-method code here: the class's
constant-pool method and field references stand in for invokes, with the
class itself as the caller.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import NamedTuple, TypeVar

from datatrail.app.android.artifact import AndroidArtifact
from datatrail.formats.android.classfile import ClassFile
from datatrail.formats.android.dex import descriptor_to_java
from datatrail.formats.android.dex_code import CodeRefs, superclass_descriptors
from datatrail.knowledge.api_access import ApiAccessTable, ApiEntry, DataUse, Refinement, api_access, class_descriptor
from datatrail.model.data_access import ApiUse

__all__ = ["detect_data_access"]

_MAX_LOCATIONS = 5
# Real class hierarchies are a few levels deep; the cap only stops forged
# superclass cycles and absurd chains.
_MAX_SUPER_DEPTH = 64

_Member = tuple[str, str]  # (class descriptor, member name)


class _Plan(NamedTuple):
    """The curated table rearranged for lookups by descriptor."""

    entries: tuple[ApiEntry, ...]
    method_wants: dict[str, frozenset[str]]
    field_wants: dict[str, frozenset[str]]
    api_methods: dict[_Member, tuple[int, ...]]
    api_fields: dict[_Member, tuple[int, ...]]
    extends: dict[str, int]
    refinements: tuple[Refinement, ...]
    exact_strings: dict[str, tuple[int, ...]]
    prefixes: tuple[tuple[str, int], ...]
    ref_fields: dict[_Member, tuple[int, ...]]
    ref_methods: dict[_Member, tuple[int, ...]]
    ref_of_entry: dict[int, tuple[int, ...]]


_K = TypeVar("_K")


def _add(table: dict[_K, list[int]], key: _K, value: int) -> None:
    table.setdefault(key, []).append(value)


@functools.cache
def _current_plan() -> _Plan:
    return _plan(api_access())


def _plan(table: ApiAccessTable) -> _Plan:
    api_methods: dict[_Member, list[int]] = {}
    api_fields: dict[_Member, list[int]] = {}
    extends: dict[str, int] = {}
    refs: list[Refinement] = []
    ref_pos: dict[Refinement, int] = {}
    ref_of_entry: dict[int, tuple[int, ...]] = {}
    for pos, entry in enumerate(table.entries):
        if entry.kind == "extends":
            extends[entry.descriptor] = pos
        elif entry.member is not None:
            target = api_methods if entry.kind == "method" else api_fields
            _add(target, (entry.descriptor, entry.member), pos)
        ids = []
        for ref in entry.refinements:
            if ref not in ref_pos:
                ref_pos[ref] = len(refs)
                refs.append(ref)
            ids.append(ref_pos[ref])
        ref_of_entry[pos] = tuple(ids)

    exact: dict[str, list[int]] = {}
    prefixes: list[tuple[str, int]] = []
    ref_fields: dict[_Member, list[int]] = {}
    ref_methods: dict[_Member, list[int]] = {}
    for rid, ref in enumerate(refs):
        for text in ref.strings:
            _add(exact, text, rid)
        prefixes.extend((p, rid) for p in ref.string_prefixes)
        for cls, name in ref.fields:
            _add(ref_fields, (class_descriptor(cls), name), rid)
        for cls, name in ref.methods:
            _add(ref_methods, (class_descriptor(cls), name), rid)

    def wants(*tables: dict[_Member, list[int]]) -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {}
        for t in tables:
            for desc, name in t:
                out.setdefault(desc, set()).add(name)
        return {desc: frozenset(names) for desc, names in out.items()}

    def freeze(t: dict[_Member, list[int]]) -> dict[_Member, tuple[int, ...]]:
        return {k: tuple(v) for k, v in t.items()}

    return _Plan(
        entries=table.entries,
        method_wants=wants(api_methods, ref_methods),
        field_wants=wants(api_fields, ref_fields),
        api_methods=freeze(api_methods),
        api_fields=freeze(api_fields),
        extends=extends,
        refinements=tuple(refs),
        exact_strings={k: tuple(v) for k, v in exact.items()},
        prefixes=tuple(prefixes),
        ref_fields=freeze(ref_fields),
        ref_methods=freeze(ref_methods),
        ref_of_entry=ref_of_entry,
    )


def _top_level(desc: str) -> str:
    """``Lcom/x/A$1;`` -> ``Lcom/x/A;``: a class and its nested classes share evidence."""
    cut = desc.find("$")
    return desc[:cut] + ";" if cut > 1 else desc


class _Found:
    __slots__ = ("api", "use", "callers", "locations")

    def __init__(self, api: str, use: DataUse) -> None:
        self.api = api
        self.use = use
        self.callers: dict[str, None] = {}
        self.locations: list[str] = []


class _Collector:
    __slots__ = ("plan", "evidence", "top_evidence", "hits", "found")

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan
        # Class descriptors holding each refinement's evidence, and their top-level classes.
        self.evidence: dict[int, set[str]] = {}
        self.top_evidence: dict[int, set[str]] = {}
        # (entry position, caller class descriptor, location) awaiting evidence from every file.
        self.hits: list[tuple[int, str, str]] = []
        self.found: dict[tuple[int, int], _Found] = {}

    def strings(self, texts: Iterable[str], classes: Iterable[str]) -> None:
        rids: set[int] = set()
        for text in texts:
            rids.update(self.plan.exact_strings.get(text, ()))
            rids.update(rid for prefix, rid in self.plan.prefixes if text.startswith(prefix))
        self._evidence(rids, classes)

    def members(self, table: dict[_Member, tuple[int, ...]], keys: Iterable[_Member], classes: Iterable[str]) -> None:
        rids = {rid for key in keys for rid in table.get(key, ())}
        self._evidence(rids, classes)

    def _evidence(self, rids: set[int], classes: Iterable[str]) -> None:
        if not rids:
            return
        exact = set(classes)
        tops = {_top_level(c) for c in exact}
        for rid in rids:
            self.evidence.setdefault(rid, set()).update(exact)
            self.top_evidence.setdefault(rid, set()).update(tops)

    def finish(self) -> tuple[ApiUse, ...]:
        entries = self.plan.entries
        for pos, caller, location in self.hits:
            entry = entries[pos]
            rids = self.plan.ref_of_entry[pos]
            # Evidence in the calling class itself is the most specific; only
            # without any there does its top-level class speak for it.
            matched = [rid for rid in rids if caller in self.evidence.get(rid, ())]
            if not matched:
                top = _top_level(caller)
                matched = [rid for rid in rids if top in self.top_evidence.get(rid, ())]
            if matched:
                for rid in matched:
                    self._record((pos, rid), entry, self.plan.refinements[rid].use, caller, location)
            elif entry.use is not None:
                self._record((pos, -1), entry, entry.use, caller, location)
        out: list[ApiUse] = []
        for key in sorted(self.found):
            f = self.found[key]
            out.append(
                ApiUse(
                    api=f.api,
                    data=f.use.data,
                    data_categories=f.use.categories,
                    permission=f.use.permission,
                    callers=tuple(f.callers),
                    locations=tuple(f.locations),
                )
            )
        return tuple(out)

    def _record(self, key: tuple[int, int], entry: ApiEntry, use: DataUse, caller: str, location: str) -> None:
        found = self.found.get(key)
        if found is None:
            found = self.found[key] = _Found(entry.api, use)
        found.callers[descriptor_to_java(caller)] = None
        if len(found.locations) < _MAX_LOCATIONS and location not in found.locations:
            found.locations.append(location)


def _scan_dex(refs: CodeRefs, col: _Collector) -> None:
    plan = col.plan
    dex = refs.dex
    methods = refs.method_indices(plan.method_wants)
    fields = refs.field_indices(plan.field_wants)
    api_methods = [i for i, key in methods.items() if key in plan.api_methods]
    api_fields = [i for i, key in fields.items() if key in plan.api_fields]
    if not api_methods and not api_fields:
        return  # no curated API referenced: refinement evidence alone means nothing
    exact = list(plan.exact_strings)
    strings = refs.string_indices(exact=exact, prefixes=[p for p, _ in plan.prefixes])
    scan = refs.scan(methods=methods, strings=strings, fields=fields)

    for idx, users in scan.strings.items():
        col.strings([strings[idx]], (c for c, _ in users))
    for idx, users in scan.fields.items():
        col.members(plan.ref_fields, [fields[idx]], (c for c, _ in users))
    for idx, users in scan.methods.items():
        col.members(plan.ref_methods, [methods[idx]], (c for c, _ in users))

    for idx in api_methods:
        for pos in plan.api_methods[methods[idx]]:
            for cls, name in scan.methods.get(idx, ()):
                col.hits.append((pos, cls, f"{dex.name}: {cls}->{name}"))
    for idx in api_fields:
        for pos in plan.api_fields[fields[idx]]:
            for cls, name in scan.fields.get(idx, ()):
                col.hits.append((pos, cls, f"{dex.name}: {cls}->{name}"))


def _scan_class_file(cf: ClassFile, col: _Collector) -> None:
    plan = col.plan
    desc = class_descriptor(cf.name)
    # Array owners ("[I".clone) are kept as descriptors by the class reader
    # and cannot name a curated API.
    methods = [(class_descriptor(o), n) for o, n, _ in cf.method_refs if not o.startswith("[")]
    fields = [(class_descriptor(o), n) for o, n, _ in cf.field_refs if not o.startswith("[")]
    col.strings(cf.strings, [desc])
    col.members(plan.ref_fields, fields, [desc])
    col.members(plan.ref_methods, methods, [desc])
    where = f"{cf.name.replace('.', '/')}.class: {desc}"
    for key in dict.fromkeys(methods):
        for pos in plan.api_methods.get(key, ()):
            col.hits.append((pos, desc, where))
    for key in dict.fromkeys(fields):
        for pos in plan.api_fields.get(key, ()):
            col.hits.append((pos, desc, where))


def _subclasses(art: AndroidArtifact, col: _Collector) -> None:
    """Record classes whose superclass chain reaches a curated base class."""
    bases = col.plan.extends
    if not bases:
        return
    supers: dict[str, str] = {}
    where: dict[str, str] = {}
    for dex in art.dex_files:
        for desc, sup in superclass_descriptors(dex):
            if sup is not None and desc not in supers:
                supers[desc] = sup
                where[desc] = dex.name
    for cf in art.class_files:
        desc = class_descriptor(cf.name)
        if cf.super_name is not None and desc not in supers:
            supers[desc] = class_descriptor(cf.super_name)
            where[desc] = f"{cf.name.replace('.', '/')}.class"

    memo: dict[str, str | None] = {}

    def base_of(desc: str) -> str | None:
        path: list[str] = []
        cur: str | None = desc
        result: str | None = None
        while cur is not None and len(path) < _MAX_SUPER_DEPTH:
            if cur in memo:
                result = memo[cur]
                break
            if cur in bases and cur != desc:
                result = cur
                break
            path.append(cur)
            cur = supers.get(cur)
        for p in path:
            memo[p] = result
        return result

    for desc in supers:
        base = base_of(desc)
        if base is not None:
            col.hits.append((bases[base], desc, f"{where[desc]}: {desc} extends {base}"))


def detect_data_access(art: AndroidArtifact) -> tuple[ApiUse, ...]:
    """Curated privacy APIs that the app's code invokes, merged across its code files.

    One :class:`ApiUse` per API and data label, listing the calling classes
    and up to five ``file: class->method`` locations. An invoke found in
    code is evidence that the code can read the data, not that it runs.
    Damaged code produces diagnostics in the artifact's log and is skipped.
    """
    col = _Collector(_current_plan())
    for dex in art.dex_files:
        _scan_dex(art.code_refs(dex), col)
    for cf in art.class_files:
        _scan_class_file(cf, col)
    _subclasses(art, col)
    return col.finish()
