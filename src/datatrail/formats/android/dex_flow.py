"""Where a value goes inside one method: a bounded data-flow walk over Dalvik bytecode.

Given an instruction and the registers that hold a value there (the string a ``const-string``
loaded, a method's parameter, what a call returned), the walk follows every path through the
method - branches, gotos and switches too - and says where the value leaves: as an argument of
a call, returned, stored in a field or an array. Copies (``move-object``) follow it; writes end
it. What a call returns carries the value only when the caller's ``carry`` says so
(``StringBuilder.append`` returns the builder that now holds it, ``Uri.parse`` wraps it): the
meaning of calls is the caller's knowledge, not bytecode's.

This is not a verifier: exception edges are not followed (a value rarely reaches a handler in
a register), wide registers are treated as single ones, and every walk is bounded in
instructions and states, so forged code ends in :data:`CUT`, never a hang.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Final, NamedTuple

from datatrail.formats.android.dex_code import INSTRUCTION_WIDTH, CodeRefs
from datatrail.formats.common.buffer import Buffer

__all__ = ["Use", "loaded_register", "CALL", "RETURN", "FIELD", "ARRAY", "CUT", "CARRY_RESULT", "CARRY_RECEIVER", "Carry", "walk_from"]

CALL: Final = 1
"""The value is an argument of a call: ``target`` the method_id, ``position`` its place in the
argument registers (0 is the receiver of an instance call)."""
RETURN: Final = 2
"""The method returns the value."""
FIELD: Final = 3
"""The value is stored in a field: ``target`` the field_id."""
ARRAY: Final = 4
"""The value is stored in an array (``aput-object``, ``filled-new-array``)."""
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


def walk_from(refs: CodeRefs, pc: int, start: int, end: int, registers: frozenset[int], carry: Carry,
              *, step_over: bool = False, returned: bool = False) -> list[Use]:
    """Where the value held in ``registers`` goes from the instruction at ``pc`` of the method
    whose instructions are ``[start, end)``. With ``step_over`` the instruction at ``pc`` itself
    (the ``const-string`` that loaded the value, the call that returned it) is stepped over;
    ``returned`` says the value is what that call returned (the next ``move-result-object``
    takes it).

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
                    if flags:
                        carried = bool(flags & CARRY_RESULT)
                        if flags & CARRY_RECEIVER and regs:
                            held = held | {regs[0]}
                    else:
                        use(Use(CALL, target, hit[0]))
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
                if buf[pc + 1] in held:
                    use(Use(ARRAY))
            elif op == 0x24 or op == 0x25:  # filled-new-array(/range)
                if any(r in held for r in _args(buf, pc, 0x24 if op == 0x24 else 0x74)):
                    use(Use(ARRAY))
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
