"""tnetstrings read back: hand-written values, a round trip through a tiny reference writer, and the bounds."""

from __future__ import annotations

import random

import pytest

from datatrail.formats.net.tnetstring import TnetError, TnetLimits, TnetValue, read_value


def _dump(value: TnetValue) -> bytes:
    """The reference writer: the tnetstring spec in a dozen lines (mitmproxy's ``;`` text type included)."""
    if isinstance(value, bool):
        payload, kind = (b"true" if value else b"false"), b"!"
    elif value is None:
        payload, kind = b"", b"~"
    elif isinstance(value, int):
        payload, kind = str(value).encode(), b"#"
    elif isinstance(value, float):
        payload, kind = repr(value).encode(), b"^"
    elif isinstance(value, bytes):
        payload, kind = value, b","
    elif isinstance(value, str):
        payload, kind = value.encode("utf-8"), b";"
    elif isinstance(value, list):
        payload, kind = b"".join(_dump(v) for v in value), b"]"
    else:
        payload, kind = b"".join(_dump(k) + _dump(v) for k, v in value.items()), b"}"
    return str(len(payload)).encode() + b":" + payload + kind


def _random_value(rng: random.Random, depth: int) -> TnetValue:
    pick = rng.randrange(9 if depth < 5 else 7)
    if pick == 0:
        return rng.randbytes(rng.randrange(6))
    if pick == 1:
        return "".join(rng.choice("aé€z:,]}") for _ in range(rng.randrange(5)))
    if pick == 2:
        return rng.randrange(-10**12, 10**12)
    if pick == 3:
        return rng.random() * 1e6
    if pick == 4:
        return rng.random() < 0.5
    if pick in (5, 6):
        return None
    if pick == 7:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {(f"k{i}" if i % 2 else f"k{i}".encode()): _random_value(rng, depth + 1)
            for i in range(rng.randrange(4))}


def test_hand_written_nested_value() -> None:
    # "3:abc," is 6 bytes and "1:1#" 4, so the list holds 10; the dict is "1:a;" + that list (4 + 14).
    data = b"18:1:a;10:3:abc,1:1#]}" + b"trailing"
    assert read_value(data, 0) == ({"a": [b"abc", 1]}, 22)


def test_round_trip_through_a_reference_writer() -> None:
    rng = random.Random(20261128)
    for _ in range(300):
        value: TnetValue = {"root": _random_value(rng, 0)}
        data = _dump(value) + b"x"
        assert read_value(data, 0) == (value, len(data) - 1)


def test_a_member_may_not_run_past_its_container() -> None:
    # The list holds 4 bytes ("5:ab"); its member claims 5, so it would end in the bytes after the list.
    with pytest.raises(TnetError, match="runs past its container"):
        read_value(b"4:5:ab]cde,x", 0)


def test_nesting_and_item_count_are_capped() -> None:
    deep: TnetValue = []
    for _ in range(10):
        deep = [deep]
    data = _dump(deep) + b"x"
    assert read_value(data, 0, TnetLimits(max_depth=10))[0] == deep
    with pytest.raises(TnetError, match="nested deeper"):
        read_value(data, 0, TnetLimits(max_depth=9))
    wide = _dump([1, 2, 3]) + b"x"
    assert read_value(wide, 0, TnetLimits(max_items=4))[0] == [1, 2, 3]
    with pytest.raises(TnetError, match="more than 3 values"):
        read_value(wide, 0, TnetLimits(max_items=3))


def test_dict_keys_must_be_strings_and_have_values() -> None:
    with pytest.raises(TnetError, match="not a string"):
        read_value(b"8:1:1#1:a;}x", 0)
    with pytest.raises(TnetError, match="without a value"):
        read_value(b"4:1:a;}x", 0)
