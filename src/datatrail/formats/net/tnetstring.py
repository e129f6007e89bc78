"""tnetstrings (``LENGTH:DATA TYPE``), the serialisation of mitmproxy flow files, read with bounds.

Types: ``,`` bytes, ``;`` text (mitmproxy's addition), ``#`` integer, ``^``
float, ``!`` boolean, ``~`` null, ``]`` list, ``}`` dict. Every length is
checked against what remains and nesting is capped, so a hostile file costs
at most its own size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

__all__ = ["TnetValue", "TnetError", "TnetLimits", "read_value", "looks_like_tnetstring"]

TnetValue = Union[bytes, str, int, float, bool, None, list["TnetValue"], dict[Union[bytes, str], "TnetValue"]]


class TnetError(ValueError):
    """The bytes are not a well-formed tnetstring at the given offset."""


@dataclass(frozen=True, slots=True)
class TnetLimits:
    max_depth: int = 64
    max_items: int = 5_000_000
    """Most values read from one top-level tnetstring (lists and dicts count their members)."""


_MAX_LENGTH_DIGITS = 12


def looks_like_tnetstring(data: bytes) -> bool:
    """data starts with ``DIGITS:`` and the value it announces ends in a container type byte."""
    colon = data.find(b":", 0, _MAX_LENGTH_DIGITS + 1)
    if colon <= 0 or not data[:colon].isdigit():
        return False
    end = colon + 1 + int(data[:colon])
    return end < len(data) and data[end:end + 1] == b"}"


def read_value(data: bytes, pos: int, limits: TnetLimits = TnetLimits()) -> tuple[TnetValue, int]:
    """(value, offset just past it) of the tnetstring at pos."""
    budget = [limits.max_items]
    return _read(data, pos, len(data), 0, limits, budget)


def _read(data: bytes, pos: int, end: int, depth: int, limits: TnetLimits, budget: list[int]) -> tuple[TnetValue, int]:
    if depth > limits.max_depth:
        raise TnetError(f"nested deeper than {limits.max_depth} at {pos:#x}")
    budget[0] -= 1
    if budget[0] < 0:
        raise TnetError(f"more than {limits.max_items} values")
    colon = data.find(b":", pos, min(end, pos + _MAX_LENGTH_DIGITS + 1))
    if colon < 0 or colon == pos or not data[pos:colon].isdigit():
        raise TnetError(f"no length prefix at {pos:#x}")
    length = int(data[pos:colon])
    start = colon + 1
    stop = start + length
    if stop >= end:
        raise TnetError(f"value at {pos:#x} claims {length} bytes, runs past its container")
    kind = data[stop]
    after = stop + 1
    if kind == 0x5D or kind == 0x7D:  # ] }: walk the members in place, no copy per nesting level
        return _read_container(data, pos, start, stop, kind == 0x7D, depth, limits, budget), after
    payload = data[start:stop]
    if kind == 0x2C:  # ,
        return payload, after
    if kind == 0x3B:  # ;
        try:
            return payload.decode("utf-8"), after
        except UnicodeDecodeError as exc:
            raise TnetError(f"text at {pos:#x} is not UTF-8") from exc
    if kind == 0x23:  # #
        try:
            return int(payload), after
        except ValueError as exc:
            raise TnetError(f"bad integer at {pos:#x}") from exc
    if kind == 0x5E:  # ^
        try:
            return float(payload), after
        except ValueError as exc:
            raise TnetError(f"bad float at {pos:#x}") from exc
    if kind == 0x21:  # !
        if payload not in (b"true", b"false"):
            raise TnetError(f"bad boolean at {pos:#x}")
        return payload == b"true", after
    if kind == 0x7E:  # ~
        if payload:
            raise TnetError(f"null with content at {pos:#x}")
        return None, after
    raise TnetError(f"unknown type byte {kind:#x} at {stop:#x}")


def _read_container(
    data: bytes, pos: int, start: int, stop: int, is_dict: bool, depth: int, limits: TnetLimits, budget: list[int],
) -> TnetValue:
    """The list or dict whose members lie in data[start:stop] (the tnetstring itself begins at pos)."""
    p = start
    if not is_dict:
        items: list[TnetValue] = []
        while p < stop:
            value, p = _read(data, p, stop, depth + 1, limits, budget)
            items.append(value)
        return items
    table: dict[bytes | str, TnetValue] = {}
    while p < stop:
        key, p = _read(data, p, stop, depth + 1, limits, budget)
        if not isinstance(key, (bytes, str)):
            raise TnetError(f"dict key at {pos:#x} is not a string")
        if p >= stop:
            raise TnetError(f"dict key without a value at {pos:#x}")
        table[key], p = _read(data, p, stop, depth + 1, limits, budget)
    return table
