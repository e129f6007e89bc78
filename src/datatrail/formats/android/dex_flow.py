"""Where a value goes inside one method: a bounded data-flow walk over Dalvik bytecode.

Given an instruction and the registers that hold a value there (the string a ``const-string``
loaded, a method's parameter, what a call returned), the walk follows every path through the
method - branches, gotos and switches too - and says where the value leaves: as an argument of
a call, returned, stored in a field or an array. Copies (``move-object``) follow it; writes end
it. What a call returns carries the value only when the caller's ``carry`` says so
(``StringBuilder.append`` returns the builder that now holds it, ``Uri.parse`` wraps it): the
meaning of calls is the caller's knowledge, not bytecode's.

Arrays and containers the method creates (``new-array``, ``filled-new-array``, ``new-instance``)
hold the value once it is put in them: the walk follows them, and what is read back out of an
array (``aget-object``) holds it too. One the method did not create is where the value leaves.

This is not a verifier: exception edges are not followed (a value rarely reaches a handler in
a register), wide registers are treated as single ones, and every walk is bounded in
instructions and states, so forged code ends in :data:`CUT`, never a hang.
"""

from __future__ import annotations

import bisect
import struct
from collections.abc import Callable
from typing import Final, NamedTuple

from datatrail.formats.android.dex_code import INSTRUCTION_WIDTH, CodeRefs, nop_width, read_leb128
from datatrail.formats.common.buffer import Buffer

__all__ = ["Use", "MethodGraphs", "constant_argument", "argument_sources", "sibling_constants", "receiver_constant", "receiver_constants", "try_blocks", "loaded_register", "CALL", "RETURN", "FIELD", "ARRAY", "CUT", "CARRY_RESULT", "CARRY_RECEIVER", "Carry", "walk_from"]

CALL: Final = 1
"""The value is an argument of a call: ``target`` the method_id, ``position`` its place in the
argument registers (0 is the receiver of an instance call)."""
RETURN: Final = 2
"""The method returns the value."""
FIELD: Final = 3
"""The value is stored in a field: ``target`` the field_id."""
ARRAY: Final = 4
"""The value is stored in an array or a container this method did not create (a parameter's, a
field's, one a call returned): whoever else holds it may use the value anywhere. An array or a
container the method creates holds the value, and the walk follows it."""
CUT: Final = 5
"""The walk stopped before its end (a budget ran out, or the code is damaged): unknown."""

CARRY_RESULT: Final = 1
"""What the call returns holds the value too."""
CARRY_RECEIVER: Final = 2
"""The call's receiver holds the value after it (a builder's ``append``)."""

Carry = Callable[[int], int]
"""method_id -> CARRY_* flags; 0 means the call is where the value goes (a use)."""


class Use(NamedTuple):
    kind: int
    target: int = -1
    position: int = -1
    at: int = -1
    """Offset of the instruction where the value leaves (a call's ``invoke``)."""


_STEPS: Final = 20000
"""Instructions one walk may execute over all its paths (each is walked again only when more
registers reach it, so a method is walked a few times at most)."""

_I8 = struct.Struct("<b")
_I16 = struct.Struct("<h")
_I32 = struct.Struct("<i")
_U16 = struct.Struct("<H")

_WIDTH: Final = INSTRUCTION_WIDTH

_WRITES_A: Final = frozenset([0x01, 0x04, 0x12, 0x20, 0x21, 0x23, *range(0x52, 0x59), *range(0x7B, 0x90),
                              *range(0xB0, 0xD0), *range(0xD0, 0xD8)])
"""Ops (formats 12x, 11n, 22c, 22s) whose low nibble of byte 1 is a register they overwrite."""
_WRITES_AA: Final = frozenset([0x02, 0x05, *range(0x0A, 0x0E), *range(0x13, 0x1D), 0x22, *range(0x2D, 0x32),
                               *range(0x44, 0x4B), *range(0x60, 0x67), *range(0x90, 0xB0), *range(0xD8, 0xE3),
                               0xFE, 0xFF])
"""Ops whose byte 1 is a register they overwrite."""
_INVOKE: Final = frozenset([*range(0x6E, 0x73), 0xFA, 0xFC])
_INVOKE_RANGE: Final = frozenset([*range(0x74, 0x79), 0xFB, 0xFD])
_IF: Final = frozenset(range(0x32, 0x3E))
_ENDS: Final = frozenset([0x0E, 0x0F, 0x10, 0x27])  # return-void, return, return-wide, throw


def _args(buf: Buffer, pc: int, op: int) -> list[int]:
    if op in _INVOKE or op == 0x24:  # 35c (45cc shares its first three units)
        count, g = buf[pc + 1] >> 4, buf[pc + 1] & 0xF
        b4, b5 = buf[pc + 4], buf[pc + 5]
        return [b4 & 0xF, b4 >> 4, b5 & 0xF, b5 >> 4, g][:count]
    first = _U16.unpack_from(buf, pc + 4)[0]  # 3rc
    return list(range(first, first + buf[pc + 1]))


def _payload_targets(buf: Buffer, pc: int, end: int) -> list[int] | None:
    """Branch targets of the packed- or sparse-switch at ``pc``; None when its payload is bad."""
    at = pc + 2 * _I32.unpack_from(buf, pc + 2)[0]
    if not (0 <= at and at + 4 <= end and buf[at] == 0):
        return None
    ident, size = buf[at + 1], _U16.unpack_from(buf, at + 2)[0]
    if ident == 1:
        first = at + 8
    elif ident == 2:
        first = at + 4 + 4 * size
    else:
        return None
    if first + 4 * size > end:
        return None
    return [pc + 2 * _I32.unpack_from(buf, first + 4 * k)[0] for k in range(size)]


def loaded_register(buf: Buffer, pc: int) -> int:
    """The register the instruction at ``pc`` loads a value into: ``const-string(/jumbo)`` and
    ``sget-object`` write vAA, ``iget-object`` vA; where a walk of what it loaded starts."""
    return buf[pc + 1] & 0xF if buf[pc] == 0x54 else buf[pc + 1]


_OBJECT_WRITES_A: Final = frozenset([0x54])  # iget-object vA
_OBJECT_WRITES_AA: Final = frozenset([0x0D, 0x46, 0x62])  # move-exception, aget-object, sget-object
_ORIGIN_STEPS: Final = 2000
"""Instructions one question of where an object came from may look at."""
_FILE_ORIGIN_STEPS: Final = 2_000_000
"""Instructions all such questions about one file may look at (about a second)."""

_GRAPH_BYTES: Final = 1 << 20
"""Instructions (in bytes) of one method whose control-flow graph is built; Java's own limit is
64 KB a method, so only forged code is larger."""
_HANDLER_ENTRIES: Final = 8192
"""Catch handlers one method's try blocks may list in all."""
_HANDLER_EDGES: Final = 200_000
"""Exception edges (a covered instruction to a handler) one method may have in a question of
origins; past it the method's answers are "not created here"."""


def try_blocks(buf: Buffer, start: int, end: int) -> list[tuple[int, int, list[int]]] | None:
    """The method's try blocks as (first byte, end byte, handler entries) over the instructions
    at ``[start, end)``, read from the code item's ``tries`` and handler list after them; None
    when they are damaged."""
    if start < 16:
        return None
    tries = _U16.unpack_from(buf, start - 10)[0]  # registers, ins, outs, tries_size
    if not tries:
        return []
    at = end + (2 if (end - start) % 4 else 0)  # tries start 4-byte aligned
    table = at + 8 * tries
    if table > len(buf):
        return None
    out: list[tuple[int, int, list[int]]] = []
    entries = 0
    try:
        for k in range(tries):
            first_unit, count, handler_off = struct.unpack_from("<IHH", buf, at + 8 * k)
            pairs, p = read_leb128(buf, table + handler_off, signed=True)
            entries += abs(pairs) + 1
            if entries > _HANDLER_ENTRIES:
                return None
            targets: list[int] = []
            for _ in range(abs(pairs)):
                _type, p = read_leb128(buf, p)
                addr, p = read_leb128(buf, p)
                targets.append(start + 2 * addr)
            if pairs <= 0:  # a catch-all follows
                addr, p = read_leb128(buf, p)
                targets.append(start + 2 * addr)
            out.append((start + 2 * first_unit, start + 2 * (first_unit + count), targets))
    except (ValueError, IndexError, struct.error):
        return None
    return out


Judge = Callable[[int, int], "bool | tuple[int, int] | None"]
"""What one instruction says of a value looked for back from a use: see :meth:`_Origins.back`."""


def _copy_source(buf: Buffer, q: int, r: int) -> int | None:
    """The register a ``move-object`` at ``q`` copies into ``r``, or None when it is no such copy."""
    op = buf[q]
    if op == 0x07 and buf[q + 1] & 0xF == r:
        return int(buf[q + 1] >> 4)
    if op == 0x08 and buf[q + 1] == r:
        return int(_U16.unpack_from(buf, q + 2)[0])
    if op == 0x09 and _U16.unpack_from(buf, q + 2)[0] == r:
        return int(_U16.unpack_from(buf, q + 4)[0])
    return None


def _writes(buf: Buffer, q: int, r: int) -> bool:
    """Whether the instruction at ``q`` overwrites register ``r``."""
    op = buf[q]
    return op in _WRITES_AA and buf[q + 1] == r or op in _WRITES_A and buf[q + 1] & 0xF == r or _copy_source(buf, q, r) is not None


class _Origins:
    """Where the object a register holds at an instruction came from, looking back along every
    path to it: whether the method created it itself (``new-instance``, ``new-array``,
    ``filled-new-array``, or a carrying call's result: what ``append`` returns is the builder it
    was called on). A parameter, a field, an array's element, what another call returns, or a
    search over budget is "not created here". The graph has the try blocks' exception edges."""

    def __init__(self, buf: Buffer, start: int, end: int, carry: Carry, budget: list[int] | None = None) -> None:
        self.buf, self.start, self.end, self.carry = buf, start, end, carry
        self.budget = budget if budget is not None else [4 * _ORIGIN_STEPS]
        """Steps left to every question asked of this graph (shared by a file's graphs)."""
        self._preds: dict[int, list[int]] | None = None
        self._order: dict[int, int] = {}
        """Instruction -> the instruction just before it in the code (a move-result's call)."""
        self._memo: dict[tuple[int, int], bool] = {}

    def _build(self) -> dict[int, list[int]]:
        buf, end = self.buf, self.end
        preds: dict[int, list[int]] = {}
        if end - self.start > _GRAPH_BYTES:
            return preds  # forged or generated: every question ends "not known here"
        pc, before = self.start, -1
        while pc < end:
            op = buf[pc]
            payload = op == 0 and pc + 1 < end and 1 <= buf[pc + 1] <= 3
            w = _WIDTH[op] or nop_width(buf, pc, end)
            if w <= 0 or pc + w > end:
                break
            if payload:
                pc, before = pc + w, -1
                continue
            self._order[pc] = before
            nexts: list[int] = []
            if op == 0x28:
                nexts.append(pc + 2 * _I8.unpack_from(buf, pc + 1)[0])
            elif op == 0x29:
                nexts.append(pc + 2 * _I16.unpack_from(buf, pc + 2)[0])
            elif op == 0x2A:
                nexts.append(pc + 2 * _I32.unpack_from(buf, pc + 2)[0])
            elif op not in _ENDS and op != 0x11:
                nexts.append(pc + w)
                if op in _IF:
                    nexts.append(pc + 2 * _I16.unpack_from(buf, pc + 2)[0])
                elif op == 0x2B or op == 0x2C:
                    nexts.extend(_payload_targets(buf, pc, end) or ())
            for t in nexts:
                preds.setdefault(t, []).append(pc)
            pc, before = pc + w, pc
        handlers = try_blocks(buf, self.start, end)
        if handlers is None:
            return {}  # damaged tries: every question ends at a method entry, "not created here"
        starts = sorted(self._order)
        edges = 0
        for first, last, targets in handlers:
            covered = starts[bisect.bisect_left(starts, first):bisect.bisect_left(starts, last)]
            edges += len(covered) * len(targets)
            if edges > _HANDLER_EDGES:
                return {}
            for t in targets:
                preds.setdefault(t, []).extend(covered)
        return preds

    def preds(self) -> dict[int, list[int]]:
        """Instruction -> the instructions that may run just before it."""
        if self._preds is None:
            self._preds = self._build()
        return self._preds

    def before(self, pc: int) -> int:
        """The instruction just before ``pc`` in the code (the call a ``move-result`` takes), or -1."""
        self.preds()
        return self._order.get(pc, -1)

    def result_of(self, q: int) -> int:
        """The invoke whose result the ``move-result`` at ``q`` takes (not invoke-polymorphic or
        -custom, which name no method), or -1."""
        call = self.before(q)
        op = self.buf[call] if call >= 0 else 0
        return call if (op in _INVOKE or op in _INVOKE_RANGE) and op < 0xFC else -1

    def calls(self) -> list[int]:
        """The offsets of the method's invoke instructions, in code order."""
        buf = self.buf
        self.preds()
        return [pc for pc in self._order if buf[pc] in _INVOKE or buf[pc] in _INVOKE_RANGE]

    def back(self, pc: int, reg: int, judge: Judge, *, entry_settles: bool = False) -> bool:
        """Walk back from the instruction at ``pc``, whose register ``reg`` holds the value,
        along every path to it, asking ``judge(q, r)`` of each instruction ``q`` met while the
        value is in ``r``: True settles that path, False gives the whole question up, a
        (position, register) pair goes on back from that position with that register (a copy's
        source, the builder a call returned), None goes on back with ``r``. A path that reaches
        the method's entry (a parameter) or a handler's unsettled gives the question up, unless
        ``entry_settles``. False when the question was given up (or over its budget)."""
        preds = self.preds()
        todo = [(pc, reg)]
        seen: set[tuple[int, int]] = set()
        steps = _ORIGIN_STEPS
        while todo:
            at, r = todo.pop()
            before = preds.get(at)
            if not before:
                if entry_settles:
                    continue
                return False
            for q in before:
                if (q, r) in seen:
                    continue
                seen.add((q, r))
                steps -= 1
                self.budget[0] -= 1
                if steps < 0 or self.budget[0] < 0:
                    return False
                verdict = judge(q, r)
                if verdict is None:
                    todo.append((q, r))
                elif verdict is False:
                    return False
                elif verdict is not True:
                    todo.append(verdict)
        return True

    def constant(self, pc: int, reg: int) -> int | None:
        """The string_id every path to the instruction at ``pc`` loads into ``reg`` with a
        ``const-string`` (through copies), or None when some path puts anything else there."""
        buf = self.buf
        found: set[int] = set()

        def judge(q: int, r: int) -> bool | tuple[int, int] | None:
            op = buf[q]
            if op in (0x1A, 0x1B) and buf[q + 1] == r:
                found.add(_U16.unpack_from(buf, q + 2)[0] if op == 0x1A else _I32.unpack_from(buf, q + 2)[0] & 0xFFFFFFFF)
                return len(found) == 1
            source = _copy_source(buf, q, r)
            if source is not None:
                return (q, source)
            return False if _writes(buf, q, r) else None  # anything else written there

        return found.pop() if self.back(pc, reg, judge) and len(found) == 1 else None

    def created(self, pc: int, reg: int) -> bool:
        """Whether the object in ``reg`` when the instruction at ``pc`` runs is one this method
        created, on every path to it."""
        known = self._memo.get((pc, reg))
        if known is None:
            known = self._memo[(pc, reg)] = self.back(pc, reg, self._creation)
        return known

    def _creation(self, q: int, r: int) -> bool | tuple[int, int] | None:
        buf = self.buf
        op, a, aa = buf[q], buf[q + 1] & 0xF, buf[q + 1]
        if op == 0x22 and aa == r or op == 0x23 and a == r:
            return True  # new-instance, new-array: created here
        if op == 0x0C and aa == r:  # move-result-object: what the call before it gave
            before = self.before(q)
            if before >= 0 and buf[before] in (0x24, 0x25):
                return True  # filled-new-array
            call = self.result_of(q)
            if call < 0:
                return False
            flags = self.carry(_U16.unpack_from(buf, call + 2)[0])
            if not flags & CARRY_RESULT:
                return False  # what another call returns: from elsewhere
            if flags & CARRY_RECEIVER:  # a builder returns itself: where did it come from?
                regs = _args(buf, call, buf[call])
                return (call, regs[0]) if regs else False
            return True  # a wrapper's result is a new object
        source = _copy_source(buf, q, r)
        if source is not None:
            return (q, source)
        if op in _OBJECT_WRITES_AA and aa == r or op in _OBJECT_WRITES_A and a == r:
            return False  # a field's, an array's, an exception
        return True if _writes(buf, q, r) else None  # a number or a constant: no container on this path


class MethodGraphs:
    """The control-flow graphs of one file's methods, built once each, for the questions of
    where a value came from (:func:`constant_argument`, :func:`receiver_constant`,
    :func:`receiver_constants`) and for :func:`walk_from`."""

    def __init__(self, refs: CodeRefs, carry: Carry) -> None:
        self.refs, self.carry = refs, carry
        self._graphs: dict[int, _Origins] = {}
        self.budget = [_FILE_ORIGIN_STEPS]
        """Steps left to all the questions about this file: past them, every answer is "not
        known" (hostile code full of sites cannot make them cost minutes)."""

    def of(self, start: int, end: int) -> _Origins:
        graph = self._graphs.get(start)
        if graph is None or graph.end != end:
            graph = self._graphs[start] = _Origins(self.refs.dex.buffer, start, end, self.carry, self.budget)
        return graph


def _call_args(buf: Buffer, start: int, end: int, at: int) -> list[int] | None:
    """The argument registers of the invoke at ``at`` in ``[start, end)``; None when it is none."""
    if not start <= at < end:
        return None
    op = buf[at]
    if not (op in _INVOKE or op in _INVOKE_RANGE) or at + _WIDTH[op] > end:
        return None
    return _args(buf, at, op)


def constant_argument(refs: CodeRefs, start: int, end: int, at: int, position: int,
                      graphs: MethodGraphs | None = None) -> int | None:
    """The string_id of the constant string the call at ``at`` (in the method whose
    instructions are ``[start, end)``) is given as argument ``position``, when every path to
    it loads the same one; None otherwise (a value computed, read from a field, or not there)."""
    buf = refs.dex.buffer
    regs = _call_args(buf, start, end, at)
    if regs is None or not 0 <= position < len(regs):
        return None
    origins = graphs.of(start, end) if graphs is not None else _Origins(buf, start, end, lambda _m: 0)
    return origins.constant(at, regs[position])


def argument_sources(refs: CodeRefs, start: int, end: int, at: int, position: int, carry: Carry,
                     graphs: MethodGraphs | None = None) -> list[int] | None:
    """The method_ids of the calls whose results the call at ``at`` is given as argument
    ``position``, on every path to it: through copies, and through calls whose result ``carry``
    says holds their receiver (``getExtraInfo().toLowerCase()`` comes from ``getExtraInfo``).
    None when some path puts anything else there (a constant, a parameter, a field)."""
    buf = refs.dex.buffer
    regs = _call_args(buf, start, end, at)
    if regs is None or not 0 <= position < len(regs):
        return None
    origins = graphs.of(start, end) if graphs is not None else _Origins(buf, start, end, carry)
    found: list[int] = []

    def judge(q: int, r: int) -> bool | tuple[int, int] | None:
        if buf[q] == 0x0C and buf[q + 1] == r:  # move-result-object: what the call before it gave
            call = origins.result_of(q)
            if call < 0:
                return False
            method = _U16.unpack_from(buf, call + 2)[0]
            cregs = _args(buf, call, buf[call])
            if carry(method) & CARRY_RESULT and cregs:
                return (call, cregs[0])  # a wrapper of its receiver: where did that come from?
            found.append(method)
            return True
        source = _copy_source(buf, q, r)
        if source is not None:
            return (q, source)
        return False if _writes(buf, q, r) else None

    return found if origins.back(at, regs[position], judge) and found else None


def sibling_constants(refs: CodeRefs, start: int, end: int, at: int, position: int,
                      graphs: MethodGraphs | None = None) -> list[int]:
    """The string_ids of the constants the method's other calls of the same method as the call
    at ``at`` are given as argument ``position`` (an enum's constructor called once per
    constant in its ``<clinit>``); calls given anything else there are left out."""
    buf = refs.dex.buffer
    if _call_args(buf, start, end, at) is None:
        return []
    method = _U16.unpack_from(buf, at + 2)[0]
    origins = graphs.of(start, end) if graphs is not None else _Origins(buf, start, end, lambda _m: 0)
    out: list[int] = []
    for pc in origins.calls():
        op = buf[pc]
        if pc == at or op >= 0xFC or _U16.unpack_from(buf, pc + 2)[0] != method:
            continue
        regs = _args(buf, pc, op)
        if position < len(regs):
            index = origins.constant(pc, regs[position])
            if index is not None:
                out.append(index)
    return out


def _receiver_setters(refs: CodeRefs, start: int, end: int, at: int, setter: Callable[[int], bool], carry: Carry,
                      *, last: bool, graphs: MethodGraphs | None) -> list[int | None] | None:
    """The constants (string_ids, None where the argument is not one) earlier calls of a
    ``setter`` method made on the receiver of the call at ``at`` were given, looking back along
    every path: with ``last``, only the nearest such call on each path, and a path with none, or
    with another write to the receiver's register, spoils the answer (None); without, every such
    call back to the receiver's creation, and paths that lose the receiver are left out."""
    buf = refs.dex.buffer
    regs = _call_args(buf, start, end, at)
    if not regs:
        return None
    origins = graphs.of(start, end) if graphs is not None else _Origins(buf, start, end, carry)
    found: list[int | None] = []
    both = CARRY_RESULT | CARRY_RECEIVER

    def judge(q: int, r: int) -> bool | tuple[int, int] | None:
        qop = buf[q]
        if (qop in _INVOKE or qop in _INVOKE_RANGE) and qop < 0xFC:
            qregs = _args(buf, q, qop)
            if qregs and qregs[0] == r and setter(_U16.unpack_from(buf, q + 2)[0]):
                found.append(origins.constant(q, qregs[1]) if len(qregs) > 1 else None)
                return True if last else None
            return None
        if qop == 0x0C and buf[q + 1] == r:  # a builder's result: the builder it was called on
            call = origins.result_of(q)
            cregs = _args(buf, call, buf[call]) if call >= 0 else []
            if cregs and carry(_U16.unpack_from(buf, call + 2)[0]) & both == both:
                return (q, cregs[0])  # the call itself is looked at next, on its receiver
            return not last  # lost: spoils the answer, or leaves the path out
        if qop == 0x22 and buf[q + 1] == r:
            return True  # created here: nothing was set on it before
        source = _copy_source(buf, q, r)
        if source is not None:
            return (q, source)
        return (not last) if _writes(buf, q, r) else None

    return found if origins.back(at, regs[0], judge, entry_settles=not last) else None


def receiver_constant(refs: CodeRefs, start: int, end: int, at: int, setter: Callable[[int], bool],
                      carry: Carry, graphs: MethodGraphs | None = None) -> int | None:
    """The string_id of the constant an earlier call sets on the same receiver as the call at
    ``at``: on every path back to it, the last call of a method ``setter`` accepts, made on that
    receiver (a ``Uri.Builder``'s ``scheme("uri")`` before its ``authority(host)``), all giving
    the same constant. A builder's own result (``move-result-object`` after a call ``carry``
    says returns its receiver) is followed; any other write to the receiver's register, or a
    path with no such call, gives None."""
    found = _receiver_setters(refs, start, end, at, setter, carry, last=True, graphs=graphs)
    if not found or None in found or len(set(found)) != 1:
        return None
    return found[0]


def receiver_constants(refs: CodeRefs, start: int, end: int, at: int, setter: Callable[[int], bool],
                       carry: Carry, graphs: MethodGraphs | None = None) -> list[int]:
    """The string_ids of the constants earlier calls of a method ``setter`` accepts gave the
    receiver of the call at ``at``, on any path back to its creation (what a ``StringBuilder``
    already holds when ``append`` is called)."""
    found = _receiver_setters(refs, start, end, at, setter, carry, last=False, graphs=graphs)
    return [k for k in found or () if k is not None]


def walk_from(refs: CodeRefs, pc: int, start: int, end: int, registers: frozenset[int], carry: Carry,
              *, step_over: bool = False, returned: bool = False,
              stop: Callable[[int, int, int], bool] | None = None, graphs: MethodGraphs | None = None) -> list[Use]:
    """Where the value held in ``registers`` goes from the instruction at ``pc`` of the method
    whose instructions are ``[start, end)``. With ``step_over`` the instruction at ``pc`` itself
    (the ``const-string`` that loaded the value, the call that returned it) is stepped over;
    ``returned`` says the value is what that call returned (the next ``move-result-object``
    takes it). ``stop(method_id, position, at)`` may say that a call ``carry`` would follow is where the
    value goes instead (what the call makes of it is no longer the value: a host made the
    authority of an identifier URI). ``graphs`` shares the method's control-flow graph with
    other questions about it.

    Uses are in the order met, deduplicated.
    """
    buf = refs.dex.buffer
    out: list[Use] = []
    seen_use: set[Use] = set()
    steps = _STEPS

    def use(u: Use) -> None:
        if u not in seen_use:
            seen_use.add(u)
            out.append(u)

    origins: _Origins | None = None

    def created(at: int, reg: int) -> bool:
        nonlocal origins
        if origins is None:
            origins = graphs.of(start, end) if graphs is not None else _Origins(buf, start, end, carry)
        return origins.created(at, reg)

    if step_over:
        w = _WIDTH[buf[pc]] if start <= pc < end else 0
        if not w:
            return [Use(CUT)]
        pc += w
    todo: list[tuple[int, frozenset[int], bool]] = [(pc, registers, returned)]
    # May-analysis: what reaches an instruction is the union over the paths to it, so each
    # instruction is walked again only when more registers reach it than before.
    reached: dict[int, frozenset[int]] = {}
    while todo:
        pc, held, carried = todo.pop()
        steps -= 1
        while True:
            if not held and not carried:
                break
            if not carried:
                before = reached.get(pc)
                if before is not None:
                    if held <= before:
                        break
                    held = held | before
                reached[pc] = held
            steps -= 1
            if steps < 0:
                use(Use(CUT))
                return out
            if not start <= pc < end:
                use(Use(CUT))
                break
            op = buf[pc]
            w = _WIDTH[op] or (2 if buf[pc + 1] == 0 else 0)  # nop, or a payload: not run into
            if not w or pc + w > end:  # damaged code: where the value goes from here is unknown
                use(Use(CUT))
                break
            nxt = pc + w
            if op in _INVOKE or op in _INVOKE_RANGE:
                regs = _args(buf, pc, op)
                hit = [k for k, r in enumerate(regs) if r in held]
                carried = False
                if hit:
                    target = _U16.unpack_from(buf, pc + 2)[0] if op < 0xFC else -1
                    flags = carry(target) if target >= 0 else 0
                    if flags and stop is not None and stop(target, hit[0], pc):
                        flags = 0
                    if flags:
                        carried = bool(flags & CARRY_RESULT)
                        if flags & CARRY_RECEIVER and regs and regs[0] not in held:
                            if created(pc, regs[0]):
                                held = held | {regs[0]}
                            else:  # a container from elsewhere: its holders may use it anywhere
                                use(Use(ARRAY))
                    else:
                        for k in hit:  # each argument that holds it: f(url, url) is two uses
                            use(Use(CALL, target, k, pc))
                pc = nxt
                continue
            if op == 0x0C:  # move-result-object
                a = buf[pc + 1]
                held = (held | {a}) if carried else (held - {a})
                carried = False
                pc = nxt
                continue
            carried = False
            if op == 0x07:  # move-object vA, vB
                a, b = buf[pc + 1] & 0xF, buf[pc + 1] >> 4
                held = (held | {a}) if b in held else (held - {a})
            elif op == 0x08:  # move-object/from16 vAA, vBBBB
                a, b = buf[pc + 1], _U16.unpack_from(buf, pc + 2)[0]
                held = (held | {a}) if b in held else (held - {a})
            elif op == 0x09 or op == 0x03 or op == 0x06:  # move(-object|-wide)/16 vAAAA, vBBBB
                a, b = _U16.unpack_from(buf, pc + 2)[0], _U16.unpack_from(buf, pc + 4)[0]
                held = (held | {a}) if op == 0x09 and b in held else (held - {a})
            elif op == 0x11:  # return-object
                if buf[pc + 1] in held:
                    use(Use(RETURN))
                break
            elif op in _ENDS:
                break
            elif op == 0x28:
                pc += 2 * _I8.unpack_from(buf, pc + 1)[0]
                continue
            elif op == 0x29:
                pc += 2 * _I16.unpack_from(buf, pc + 2)[0]
                continue
            elif op == 0x2A:
                pc += 2 * _I32.unpack_from(buf, pc + 2)[0]
                continue
            elif op in _IF:
                todo.append((pc + 2 * _I16.unpack_from(buf, pc + 2)[0], held, False))
            elif op == 0x2B or op == 0x2C:
                targets = _payload_targets(buf, pc, end)
                if targets is None:
                    use(Use(CUT))
                    break
                # Each target costs a step, and one already reached with these registers is
                # not queued again: many switches sharing a huge payload stay bounded.
                steps -= len(targets)
                if steps < 0:
                    use(Use(CUT))
                    return out
                todo.extend((t, held, False) for t in set(targets)
                            if not ((r := reached.get(t)) is not None and held <= r))
            elif op == 0x4D:  # aput-object vAA, vBB, vCC
                if buf[pc + 1] in held and buf[pc + 2] not in held:
                    if created(pc, buf[pc + 2]):
                        held = held | {buf[pc + 2]}
                    else:
                        use(Use(ARRAY))
            elif op == 0x46:  # aget-object vAA, vBB, vCC: an element of an array holding it
                held = (held | {buf[pc + 1]}) if buf[pc + 2] in held else (held - {buf[pc + 1]})
            elif op == 0x24 or op == 0x25:  # filled-new-array(/range): the next move-result-object
                if any(r in held for r in _args(buf, pc, 0x24 if op == 0x24 else 0x74)):
                    carried = True
            elif op == 0x5B:  # iput-object vA, vB, field@CCCC
                if buf[pc + 1] & 0xF in held:
                    use(Use(FIELD, _U16.unpack_from(buf, pc + 2)[0]))
            elif op == 0x69:  # sput-object vAA, field@BBBB
                if buf[pc + 1] in held:
                    use(Use(FIELD, _U16.unpack_from(buf, pc + 2)[0]))
            elif op in _WRITES_AA:
                held = held - {buf[pc + 1]}
            elif op in _WRITES_A:
                held = held - {buf[pc + 1] & 0xF}
            pc = nxt
    return out
