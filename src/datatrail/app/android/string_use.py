"""Where the code sends a host it loads: to the network, to people, or nowhere a host goes.

Each ``const-string`` site of a host-shaped string is followed through its method by the
bytecode flow walk (``formats.android.dex_flow``): through branches, string builders and
wrappers, into the app's own helper methods, back to the callers of a method that returns it,
and to the readers of a field that stores it (five levels at most). Where it ends decides:

- opened with an Intent, shared as an Intent's text, shown on screen, logged, an exception's
  message: **for people**;
- the content of a share or a link an SDK builds (``ShareParams.setUrl``): **content**;
- only compared with other text (``equals``, ``startsWith``, a list's ``contains``): the code
  **recognises** the host, it does not connect to it;
- appended to a builder that already holds a URL up to its path (``"https://api.x.com/v2/" +
  name + ".x.com/post"``): **inside** that URL, whose host is the one contacted;
- the authority of a URI whose constant scheme names no server (``uri://google-analytics.com``):
  an **identifier**;
- the name of a file (``new File(dir, "x5.tbs.org")``): **not a host** at all;
- anywhere else - a network API, an SDK's configuration, a call the walk cannot follow, an
  array, a cut walk: **maybe fetched**, and the host stays an endpoint.

A string is a reference only when every site that says anything says one of the first five;
one "maybe fetched" site keeps it an endpoint. Sites that send it nowhere (``length()``) say
nothing.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Final

from datatrail.app.android.artifact import AndroidArtifact
from datatrail.app.shared.hosts import check_host
from datatrail.app.shared.strings import NETWORK_SCHEMES
from datatrail.formats.android.dex import DexFile
from datatrail.formats.android.dex_code import CodeRefs, MethodCode, class_parent_table, class_parents
from datatrail.formats.android.dex_flow import (
    CALL,
    CARRY_RECEIVER,
    CARRY_RESULT,
    FIELD,
    RETURN,
    MethodGraphs,
    argument_sources,
    constant_argument,
    loaded_register,
    receiver_constant,
    receiver_constants,
    sibling_constants,
    walk_from,
)
from datatrail.knowledge import string_sinks as sinks
from datatrail.model.report import APP_KINDS

__all__ = ["Fate", "FATE_REASONS", "NOT_HOSTS", "string_fates"]


class Fate(IntEnum):
    """Where a string ends, weakest claim first: a site's fate is the strongest of its uses'."""

    NOWHERE = 0
    FILE = 1
    NAME = 2
    REWRITTEN = 3
    INSIDE = 4
    IDENTIFIER = 5
    COMPARED = 6
    CONTENT = 7
    PEOPLE = 8
    FETCHED = 9
    """May reach the network: the endpoint reading stands."""


FATE_REASONS: Final = {
    Fate.PEOPLE: "handed to people, not fetched: opened with an Intent, shown on screen or logged",
    Fate.CONTENT: "content handed on (a share's or a link's URL, a profile's page), not fetched by this app",
    Fate.COMPARED: "only compared with other text: the code recognises it, it does not connect to it",
    Fate.INSIDE: "inside another URL's path or query, after its host: that host is the one contacted",
    Fate.IDENTIFIER: "the authority of an identifier URI (a scheme that names no server), not an address",
    Fate.FILE: "a file name, not a host",
    Fate.NAME: "a name of another kind (an access point's, an app package's), not a host",
    Fate.REWRITTEN: "rewritten before any use (String.replace on its host name): not the host the code uses",
}

NOT_HOSTS: Final = frozenset({Fate.FILE, Fate.NAME, Fate.REWRITTEN})
"""Fates that say the string is no host at all: neither a destination nor a reference."""

_U16: Final = struct.Struct("<H")
_U32: Final = struct.Struct("<I")
_URL_START: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
"""A string that starts a URL of its own."""
_HOST_PART: Final = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.\-]*://)?([^/?#\s]*)")
"""A URL's or a bare host's authority: what a replacement must touch to rewrite the host."""
_URL_UP_TO_PATH: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/?#\s]+[/?#]")
"""A URL whose host is closed by a path, query or fragment: what is appended after it is not its host."""

_DOTTED_NAME: Final = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+")
"""A lowercase dotted name, the shape both of a bare host name and of a Java package name."""
_SIBLING_NAMES: Final = 3
"""Package names among a call's other constants that make a host-shaped one a name too."""

_DEPTH: Final = 5
"""Levels of following: into a helper, back to a caller, to a field's readers (a listener's
constructor storing a link its ``onClick`` opens is three)."""
_SEARCHES: Final = 2
"""Searches of the code for callers and field readers: each reads every file's code once (tens
of milliseconds in a large one), so a chain of getters is followed two links deep."""
_SEARCH_BYTES: Final = 64 << 20
"""Bytes of code all those searches may read in one app (about a third of a second): a
super-app's callers and readers stay unknown rather than cost seconds."""
_WALKS: Final = 4000
"""Walks one artifact may make beyond the first walk of each site."""
_FANOUT: Final = 24
"""Callers or field readers followed per method or field; more means a shared utility."""
_OBJECT_METHODS: Final = frozenset({"toString", "equals", "hashCode", "clone", "finalize"})
"""java.lang.Object's methods, which the platform calls on any class."""


@dataclass
class _Dex:
    dex: DexFile
    refs: CodeRefs
    carry_memo: dict[int, int] = field(default_factory=dict)
    ref_memo: dict[int, tuple[str, str]] = field(default_factory=dict)
    graphs: MethodGraphs = field(init=False)

    def __post_init__(self) -> None:
        self.graphs = MethodGraphs(self.refs, self.carry)

    def method(self, idx: int) -> tuple[str, str]:
        ref = self.ref_memo.get(idx)
        if ref is None:
            ref = self.ref_memo[idx] = self.refs.method_ref(idx)
        return ref

    def carry(self, idx: int) -> int:
        flags = self.carry_memo.get(idx)
        if flags is None:
            ref = self.method(idx)
            flags = ((CARRY_RESULT | CARRY_RECEIVER) if ref in sinks.BUILDERS else CARRY_RECEIVER if ref in sinks.CONTAINERS
                     else CARRY_RESULT if ref in sinks.WRAPPERS else 0)
            self.carry_memo[idx] = flags
        return flags


@dataclass(frozen=True, slots=True)
class _Walk:
    """Follow the value in ``registers`` from the instruction at ``pc`` of a method's code."""

    dex: int
    pc: int
    start: int
    end: int
    registers: frozenset[int]
    step_over: bool
    returned: bool = False


@dataclass(frozen=True, slots=True)
class _Into:
    """Follow an argument (``position``) into the called method's code."""

    dex: int
    method: int
    position: int


@dataclass(frozen=True, slots=True)
class _Callers:
    """Follow what a method returns at every call of it."""

    cls: str
    name: str


@dataclass(frozen=True, slots=True)
class _Readers:
    """Follow what a field holds at every read of it."""

    cls: str
    name: str


_Key = _Walk | _Into | _Callers | _Readers
"""A node of the follow-up graph."""
_Search = _Callers | _Readers


@dataclass
class _Node:
    direct: Fate = Fate.NOWHERE
    """The strongest fate its uses reach by themselves."""
    children: list[_Key] = field(default_factory=list)
    expanded: bool = False


class _Follower:
    """The fates of the sites of one artifact's strings. The follow-up graph is grown a level at a
    time, so each level costs one search of each file's code for all the callers and field
    readers it needs, not one per method."""

    def __init__(self, art: AndroidArtifact) -> None:
        self.dexes = [_Dex(d, art.code_refs(d)) for d in art.dex_files]
        self.budget = _WALKS
        self.search_bytes = _SEARCH_BYTES
        self.nodes: dict[_Key, _Node] = {}
        self.closed = art.input.kind in APP_KINDS
        """A whole app: no code outside it calls its methods, but the platform's."""
        self._defining: dict[str, tuple[int, int]] | None = None
        self._lineages: dict[str, tuple[list[str], bool]] = {}
        self._subclasses: dict[str, list[str]] | None = None
        self._families: dict[str, list[str]] = {}
        self._fates: dict[_Key, Fate] = {}

    def defining(self, descriptor: str) -> tuple[int, int] | None:
        """(file, class_def) of the app's class of that descriptor (the first file's, if several)."""
        if self._defining is None:
            where: dict[str, tuple[int, int]] = {}
            for d, dx in enumerate(self.dexes):
                for i, desc in enumerate(dx.dex.class_descriptors()):
                    where.setdefault(desc, (d, i))
            self._defining = where
        return self._defining.get(descriptor)

    def _parents(self, descriptor: str) -> tuple[str, ...] | None:
        """The superclass and interfaces of one of the app's classes; None for a class it does
        not define."""
        at = self.defining(descriptor)
        if at is None:
            return None
        sup, interfaces = class_parents(self.dexes[at[0]].dex, at[1])
        return ((sup,) if sup else ()) + interfaces

    def lineage(self, descriptor: str) -> tuple[list[str], bool]:
        """The class, its superclasses and interfaces (a call through a superclass's or an
        interface's method_id may run this class's code), and whether all of them are the app's
        own: then only the app's code can call its methods."""
        known = self._lineages.get(descriptor)
        if known is not None:
            return known
        out = [descriptor]
        own = True
        k = 0
        while k < len(out) and len(out) < 64:
            found = self._parents(out[k])
            if found is None:
                own = own and out[k] == "Ljava/lang/Object;"
            else:
                out.extend(u for u in found if u not in out)
            k += 1
        self._lineages[descriptor] = (out, own)
        return out, own

    def family(self, descriptor: str) -> list[str]:
        """The class, its superclasses and interfaces, and every class of the app under it: a
        call can name a method, and a read a field, through any of them (``LSub;->getUrl`` for a
        method ``Base`` defines, ``Base;->getUrl`` running ``Sub``'s override)."""
        known = self._families.get(descriptor)
        if known is not None:
            return known
        if self._subclasses is None:
            children: dict[str, list[str]] = {}
            met: set[str] = set()
            for dx in self.dexes:
                for desc, (sup, interfaces) in zip(dx.dex.class_descriptors(), class_parent_table(dx.dex)):
                    if desc in met:  # defined again in a later file: the first one counts
                        continue
                    met.add(desc)
                    if sup:
                        children.setdefault(sup, []).append(desc)
                    for parent in interfaces:
                        children.setdefault(parent, []).append(desc)
            self._subclasses = children
        out = list(self.lineage(descriptor)[0])
        seen = set(out)
        todo = [descriptor]
        while todo and len(out) < 256:
            for child in self._subclasses.get(todo.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    out.append(child)
                    todo.append(child)
        self._families[descriptor] = out
        return out

    # ------------------------------------------------------------- growing

    def grow(self, roots: dict[int, list[_Walk]]) -> None:
        """Grow the graph from the site walks of each group of strings (``roots``). A group one
        of whose walks reaches a call that may fetch is decided - its host stays an endpoint - so
        what only it needs is not looked at further."""
        served: dict[_Key, set[int]] = {}
        frontier: list[_Key] = []
        for number, walks in roots.items():
            for w in walks:
                served.setdefault(w, set()).add(number)
                if w not in self.nodes:
                    self.nodes[w] = _Node()
                    frontier.append(w)
        decided: set[int] = set()
        passes = 0
        for _level in range(2 * _DEPTH + 1):
            frontier = [k for k in frontier if not served[k] <= decided]
            searches = [k for k in frontier if isinstance(k, (_Callers, _Readers))]
            if searches and passes >= _SEARCHES:
                # Beyond the searches allowed, callers and readers stay unknown (fetched).
                frontier = [k for k in frontier if not isinstance(k, (_Callers, _Readers))]
                searches = []
            if not frontier:
                break
            passes += bool(searches)
            found = self._look_up([k for k in frontier if isinstance(k, _Into)], searches)
            nxt: list[_Key] = []
            for key in frontier:
                node = self.nodes[key]
                if isinstance(key, _Walk):
                    if self.budget <= 0:
                        continue
                    self.budget -= 1
                    self._expand_walk(key, node)
                else:
                    self._expand_lookup(key, node, found.get(key, []))
                node.expanded = True
                if node.direct is Fate.FETCHED:
                    decided |= served[key]
                    continue
                for child in node.children:
                    served.setdefault(child, set()).update(served[key])
                    if child not in self.nodes:
                        self.nodes[child] = _Node()
                        nxt.append(child)
            frontier = nxt

    def _expand_walk(self, key: _Walk, node: _Node) -> None:
        dx = self.dexes[key.dex]
        loaded = self._loaded(dx, key)
        made: dict[tuple[int, int, int], Fate] = {}

        def stop(target: int, position: int, at: int) -> bool:
            """A builder or wrapper call that makes no address of the host - it rewrites it
            (``replace``), makes it an identifier URI's authority, or appends it after another
            URL's host: the walk stops there, with that fate."""
            fate = self._made_of(dx, key, loaded, dx.method(target), position, at)
            if fate is not None:
                made[(target, position, at)] = fate
            return fate is not None

        uses = walk_from(dx.refs, key.pc, key.start, key.end, key.registers, dx.carry,
                         step_over=key.step_over, returned=key.returned, stop=stop, graphs=dx.graphs)
        for u in uses:
            if u.kind == CALL:
                fate = made.get((u.target, u.position, u.at))
                if fate is None:
                    fate = self._call(dx, u.target)
                if fate is Fate.COMPARED and self._compared_with_name(dx, key, u.position, u.at):
                    fate = Fate.NAME
                if fate is None and u.position >= 0:
                    fate = self._keyed(dx, key, u.target, u.position, u.at)
                if fate is None and loaded is not None and self._among_names(dx, key, loaded, u.position, u.at):
                    fate = Fate.NAME
                if fate is None:
                    node.children.append(_Into(key.dex, u.target, u.position))
                else:
                    node.direct = max(node.direct, fate)
            elif u.kind == RETURN:
                owner = dx.refs.method_at(key.start)
                if owner is None:
                    node.direct = Fate.FETCHED
                else:
                    node.children.append(_Callers(*owner))
            elif u.kind == FIELD:
                node.children.append(_Readers(*dx.refs.field_ref(u.target)))
            else:  # an array, a cut walk: anything may happen next
                node.direct = Fate.FETCHED
            if node.direct is Fate.FETCHED:
                node.children.clear()
                break

    def _call(self, dx: _Dex, target: int) -> Fate | None:
        """The fate a call gives by what it is, or None when only its code can tell."""
        if target < 0:
            return Fate.FETCHED
        ref = dx.method(target)
        cls, name = ref
        if ref in sinks.PEOPLE or sinks.is_log_call(cls, name) or (name == "<init>" and sinks.is_exception_class(cls)):
            return Fate.PEOPLE
        if ref in sinks.CONTENT:
            return Fate.CONTENT
        if ref in sinks.COMPARES:
            return Fate.COMPARED
        if ref in sinks.FILE_NAMES:
            return Fate.FILE
        if ref in sinks.LOOKS:
            return Fate.NOWHERE
        return None

    def _keyed(self, dx: _Dex, walk: _Walk, target: int, position: int, at: int) -> Fate | None:
        """People, when the call takes the value under a key that says so (a share's text)."""
        keyed = sinks.KEYED_PEOPLE.get(dx.method(target))
        if keyed is None or keyed[0] != position:
            return None
        index = constant_argument(dx.refs, walk.start, walk.end, at, keyed[1], dx.graphs)
        if index is not None and index < dx.dex.string_count and dx.dex.string(index) in keyed[2]:
            return Fate.PEOPLE
        return None

    @staticmethod
    def _compared_with_name(dx: _Dex, walk: _Walk, position: int, at: int) -> bool:
        """Whether the other side of a comparison of two values is a name that is no host (the
        network's access point: ``getExtraInfo().startsWith("epc.tmobile.com")``)."""
        if position not in (0, 1):
            return False
        sources = argument_sources(dx.refs, walk.start, walk.end, at, 1 - position, dx.carry, dx.graphs)
        return sources is not None and all(dx.method(m) in sinks.NAME_SOURCES for m in sources)

    @staticmethod
    def _among_names(dx: _Dex, walk: _Walk, loaded: str, position: int, at: int) -> bool:
        """Whether the call is given the host where the method's other calls of it are given
        package names (an enum of apps to share with: ``"com.facebook.katana"``, …,
        ``"jom.tencent.mm"``): one of a list of names, not a host."""
        if position < 0 or not _DOTTED_NAME.fullmatch(loaded):
            return False
        siblings = {dx.dex.string(i) for i in sibling_constants(dx.refs, walk.start, walk.end, at, position, dx.graphs)
                    if i < dx.dex.string_count}
        siblings.discard(loaded)
        names = [t for t in siblings if _DOTTED_NAME.fullmatch(t) and not check_host(t, in_url=False).ok]
        return len(names) >= _SIBLING_NAMES and len(names) * 3 >= len(siblings) * 2

    def _authority(self, dx: _Dex, walk: _Walk, at: int) -> Fate | None:
        """An identifier, when the host is the authority of a URI built with a constant scheme
        that names no server (``new Uri.Builder().scheme("uri").authority("google-analytics.com")``)."""
        index = receiver_constant(dx.refs, walk.start, walk.end, at, lambda m: dx.method(m) in sinks.SCHEMES, dx.carry,
                                  dx.graphs)
        if index is not None and index < dx.dex.string_count and dx.dex.string(index).lower() not in NETWORK_SCHEMES:
            return Fate.IDENTIFIER
        return None

    @staticmethod
    def _loaded(dx: _Dex, walk: _Walk) -> str | None:
        """The constant string a site's walk follows (the ``const-string`` it starts at), or None
        for a walk of a parameter, a field or a call's result."""
        buf = dx.dex.buffer
        if not walk.step_over or walk.returned or buf[walk.pc] not in (0x1A, 0x1B):
            return None
        index = _U16.unpack_from(buf, walk.pc + 2)[0] if buf[walk.pc] == 0x1A else _U32.unpack_from(buf, walk.pc + 2)[0]
        return dx.dex.string(index) if index < dx.dex.string_count else None

    def _made_of(self, dx: _Dex, walk: _Walk, loaded: str | None, ref: tuple[str, str], position: int, at: int) -> Fate | None:
        """What a carrying call makes of the value, when that is no address: REWRITTEN, an
        IDENTIFIER's authority, or INSIDE another URL; None when the call just carries it."""
        if position == 0:
            rewritten = loaded is not None and ref in sinks.REPLACES and self._rewritten(dx, walk, loaded, at)
            return Fate.REWRITTEN if rewritten else None
        if position != 1:
            return None
        if ref in sinks.AUTHORITIES:
            return self._authority(dx, walk, at)
        if ref in sinks.APPENDS and self._piece(loaded):
            return self._inside(dx, walk, at)
        return None

    @staticmethod
    def _piece(loaded: str | None) -> bool:
        """A constant that does not start a URL (``.x.com/post``): only such a piece can continue
        a URL a builder already holds."""
        return loaded is not None and loaded != "" and _URL_START.match(loaded) is None

    def _rewritten(self, dx: _Dex, walk: _Walk, text: str, at: int) -> bool:
        """Whether ``text.replace(a, b)`` at ``at``, with constants ``a`` and ``b``, changes its
        host name (``"live.com/".replace(".com", ".deezer.com")``): the host is never used."""
        old = constant_argument(dx.refs, walk.start, walk.end, at, 1, dx.graphs)
        new = constant_argument(dx.refs, walk.start, walk.end, at, 2, dx.graphs)
        if old is None or new is None or old >= dx.dex.string_count or new >= dx.dex.string_count:
            return False
        target, replacement = dx.dex.string(old), dx.dex.string(new)
        host = _HOST_PART.match(text)
        return bool(target) and target != replacement and host is not None and target in host.group(1)

    def _inside(self, dx: _Dex, walk: _Walk, at: int) -> Fate | None:
        """Inside another URL, when the builder the host is appended to already holds a URL up
        to its path (``"https://api.tumblr.com/v2/blog/" + name + ".tumblr.com/followers"``)."""
        for index in receiver_constants(dx.refs, walk.start, walk.end, at, lambda m: dx.method(m) in sinks.APPENDS, dx.carry,
                                        dx.graphs):
            if index < dx.dex.string_count and _URL_UP_TO_PATH.match(dx.dex.string(index)):
                return Fate.INSIDE
        return None

    def _look_up(self, calls: list[_Into], searches: list[_Search]) -> dict[_Key, list[_Walk] | None]:
        """The walks each lookup node starts - the callee's code, the callers of a method, the
        readers of a field - with one search of each file's code for all of them. None: an
        argument the callee's frame has no register for (damaged code)."""
        out: dict[_Key, list[_Walk] | None] = {}
        wanted_methods: dict[str, set[str]] = {}
        wanted_fields: dict[str, set[str]] = {}
        elsewhere: list[tuple[_Into, tuple[str, str]]] = []
        for call in calls:
            dx = self.dexes[call.dex]
            code = dx.refs.code_of(call.method)
            if code is not None:
                out[call] = self._into_walks(call.dex, code, call.position)
            else:  # defined in another file of the app, or nowhere in it
                ref = dx.method(call.method)
                wanted_methods.setdefault(ref[0], set()).add(ref[1])
                elsewhere.append((call, ref))
        for key in searches:
            for c in self.family(key.cls):
                (wanted_methods if isinstance(key, _Callers) else wanted_fields).setdefault(c, set()).add(key.name)
        if not (wanted_methods or wanted_fields):
            return out
        for d, dx in enumerate(self.dexes):
            methods = dx.refs.method_indices(wanted_methods) if wanted_methods else {}
            fields = dx.refs.field_indices(wanted_fields) if wanted_fields else {}
            if not (methods or fields):
                continue
            defined: dict[tuple[str, str], list[int]] = {}
            for idx, ref in methods.items():
                defined.setdefault(ref, []).append(idx)
            for call, ref in elsewhere:
                home = self.defining(ref[0])
                if call.dex == d or home is None or home[0] != d:
                    continue
                shorty = self.dexes[call.dex].refs.method_shorty(call.method)
                for idx in defined.get(ref, []):
                    code = dx.refs.code_of(idx) if dx.refs.method_shorty(idx) == shorty else None
                    if code is not None:
                        walks = self._into_walks(d, code, call.position)
                        prior = out.get(call, [])
                        out[call] = None if walks is None or prior is None else prior + walks
            if not searches:
                continue
            self.search_bytes -= len(dx.dex.buffer)
            if self.search_bytes < 0:  # a very large app: its callers and readers stay unknown
                out.update((key, None) for key in searches)
                continue
            sites = dx.refs.sites(methods=methods, fields=fields, object_reads=True)
            buf = dx.dex.buffer
            for key in searches:
                found: list[_Walk] = []
                if isinstance(key, _Callers):
                    for c in self.family(key.cls):
                        for idx in defined.get((c, key.name), []):
                            found.extend(_Walk(d, s.pos, s.start, s.end, frozenset(), True, True)
                                         for s in sites.get((1, idx), []))
                else:  # the search found only object reads
                    family = set(self.family(key.cls))
                    for idx, ref in fields.items():
                        if ref[1] == key.name and ref[0] in family:
                            found.extend(_Walk(d, s.pos, s.start, s.end, frozenset([loaded_register(buf, s.pos)]), True)
                                         for s in sites.get((4, idx), []))
                prior = out.get(key, [])
                if found and prior is not None:
                    out[key] = prior + found
        return out

    @staticmethod
    def _into_walks(d: int, code: MethodCode, position: int) -> list[_Walk] | None:
        if not 0 <= position < code.ins or code.registers < code.ins:
            return None
        return [_Walk(d, code.start, code.start, code.end, frozenset([code.registers - code.ins + position]), False)]

    def _expand_lookup(self, key: _Key, node: _Node, walks: list[_Walk] | None) -> None:
        if walks is None:
            node.direct = Fate.FETCHED
        elif isinstance(key, _Into):
            if not walks:
                node.direct = Fate.FETCHED  # no code to read: an SDK's or the platform's
            node.children = list(walks)
        elif len(walks) > _FANOUT:
            node.direct = Fate.FETCHED  # a shared utility: too many places to look
        elif isinstance(key, _Callers) and not walks:
            own = self.lineage(key.cls)[1]
            if not (self.closed and own and key.name not in _OBJECT_METHODS and not key.name.startswith("<")):
                node.direct = Fate.FETCHED  # the platform or the app an SDK is built into may call it
            # else nothing in the app calls it, and nothing outside the app can
        elif isinstance(key, _Readers) and not walks:
            # Never read by the app's code: nowhere, in a whole app whose own class it is;
            # otherwise the app an SDK is built into, or reflection, may read it.
            if not (self.closed and self.lineage(key.cls)[1]):
                node.direct = Fate.FETCHED
        else:
            node.children = list(walks)

    # ------------------------------------------------------------ judging

    def fate(self, key: _Key) -> Fate:
        """The strongest fate of any node the key reaches: a value that goes round a cycle (a
        recursive helper, a getter that calls itself) leaves it only where some node of it
        leads out. A node not expanded (beyond the depth or the budget) is unknown: fetched."""
        done = self._fates.get(key)
        if done is not None:
            return done
        # Tarjan's strongly connected components, iteratively; a component's fate is its own
        # nodes' strongest and that of the components it leads to, which finish before it.
        order: dict[_Key, int] = {}
        low: dict[_Key, int] = {}
        stack: list[_Key] = []
        on_stack: set[_Key] = set()
        work: list[tuple[_Key, int]] = [(key, 0)]
        while work:
            k, i = work.pop()
            if i == 0:
                order[k] = low[k] = len(order)
                stack.append(k)
                on_stack.add(k)
            children = self._children(k)
            if i < len(children):
                work.append((k, i + 1))
                c = children[i]
                if c in self._fates:
                    continue
                if c not in order:
                    work.append((c, 0))
                elif c in on_stack:
                    low[k] = min(low[k], order[c])
                continue
            for c in children:
                if c in on_stack and c not in self._fates:
                    low[k] = min(low[k], low[c])
            if low[k] != order[k]:
                continue
            members: list[_Key] = []
            while True:
                m = stack.pop()
                on_stack.discard(m)
                members.append(m)
                if m == k:
                    break
            fate = Fate.NOWHERE
            inside = set(members)
            for m in members:
                node = self.nodes.get(m)
                fate = max(fate, node.direct if node is not None and node.expanded else Fate.FETCHED)
                for c in self._children(m):
                    if c not in inside:
                        fate = max(fate, self._fates[c])
            for m in members:
                self._fates[m] = fate
        return self._fates[key]

    def _children(self, key: _Key) -> list[_Key]:
        node = self.nodes.get(key)
        return node.children if node is not None and node.expanded else []

def string_fates(art: AndroidArtifact, groups: Iterable[Iterable[tuple[str, int]]]) -> dict[tuple[str, int], Fate]:
    """Per (dex name, string index): where the string goes from every site that loads it, the
    strongest fate of them. Strings come in groups - the strings naming one host - and once one
    string of a group may be fetched the others are not followed further (the host stays an
    endpoint whatever they do), so their fates may read "fetched" early. Strings with no site
    in code are left out."""
    follower = _Follower(art)
    d_of = {dx.dex.name: d for d, dx in enumerate(follower.dexes)}
    member: dict[tuple[str, int], set[int]] = {}
    for number, group in enumerate(groups):
        for site in group:
            if site[0] in d_of:
                member.setdefault(site, set()).add(number)
    by_dex: dict[int, set[int]] = {}
    for dex_name, index in member:
        by_dex.setdefault(d_of[dex_name], set()).add(index)
    walks: dict[tuple[str, int], list[_Walk]] = {}
    for d, indices in sorted(by_dex.items()):
        dx = follower.dexes[d]
        buf = dx.dex.buffer
        for (_kind, index), sites in dx.refs.sites(strings=indices).items():
            walks[(dx.dex.name, index)] = [
                _Walk(d, s.pos, s.start, s.end, frozenset([loaded_register(buf, s.pos)]), True) for s in sites]
    roots: dict[int, list[_Walk]] = {}
    for site, keys in walks.items():
        for number in member[site]:
            roots.setdefault(number, []).extend(keys)
    follower.grow(roots)
    return {site: max((follower.fate(k) for k in keys), default=Fate.NOWHERE) for site, keys in walks.items()}
