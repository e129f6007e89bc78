"""JsonStream: the same values as json.loads, whatever the chunking; damage ends it in place; memory bounded by a value."""

from __future__ import annotations

import io
import itertools
import json
import tracemalloc
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datatrail.formats.common.json_stream import JsonDamaged, JsonStream

_SCALARS = st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False, allow_infinity=False) | st.text()
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                       max_leaves=12)


def _walk(data: bytes, chunk: int) -> tuple[list[Any], dict[str, Any]]:
    """The elements of the array under "items" and every other member, read through JsonStream."""
    doc = JsonStream(io.BytesIO(data), chunk=chunk)
    items: list[Any] = []
    others: dict[str, Any] = {}
    for key in doc.members():
        if key == "items" and doc.peek() == "[":
            items.extend(doc.elements())
        else:
            others[key] = doc.value()
    assert doc.peek() == ""
    return items, others


@settings(max_examples=300, deadline=None)
@given(items=st.lists(_VALUES, max_size=8), other=_VALUES, chunk=st.integers(1, 64), indent=st.sampled_from([None, 1]),
       ascii_only=st.booleans())
def test_values_equal_json_loads_at_any_chunking(items: list[Any], other: Any, chunk: int, indent: int | None,
                                                 ascii_only: bool) -> None:
    data = json.dumps({"before": other, "items": items, "after": 1}, indent=indent, ensure_ascii=ascii_only).encode()
    got_items, others = _walk(data, chunk)
    assert got_items == json.loads(data)["items"]
    assert others == {"before": json.loads(data)["before"], "after": 1}


@settings(max_examples=200, deadline=None)
@given(items=st.lists(_VALUES, min_size=1, max_size=8), cut=st.floats(0, 1), chunk=st.integers(1, 64))
def test_a_cut_document_gives_a_prefix_then_damage(items: list[Any], cut: float, chunk: int) -> None:
    data = json.dumps({"items": items}).encode()
    cut_at = int(len(data) * cut)
    doc = JsonStream(io.BytesIO(data[:cut_at]), chunk=chunk)
    seen: list[Any] = []
    with pytest.raises(JsonDamaged):
        for key in doc.members():
            assert key == "items"
            seen.extend(doc.elements())
        assert doc.peek() == ""
        if cut_at < len(data):
            raise AssertionError("a cut document read as whole")
        raise JsonDamaged("whole", 0)  # the uncut document: nothing to find
    assert seen == items[:len(seen)]


def test_a_byte_order_mark_is_skipped() -> None:
    assert _walk(b"\xef\xbb\xbf" + b'{"items": [1, 2]}', 3) == ([1, 2], {})


def test_nesting_past_the_recursion_limit_is_damage_after_the_values_before() -> None:
    data = b'{"items": [{"a": 1}, ' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
    doc = JsonStream(io.BytesIO(data))
    seen: list[Any] = []
    with pytest.raises(JsonDamaged, match="nested too deeply"):
        for _ in doc.members():
            seen.extend(doc.elements())
    assert seen == [{"a": 1}]


def test_text_that_is_not_utf8_is_damage() -> None:
    with pytest.raises(JsonDamaged, match="not UTF-8"):
        _walk(b'{"items": ["\xff\xfe"]}', 4)


def test_damage_says_where() -> None:
    with pytest.raises(JsonDamaged) as caught:
        _walk(b'{"items": [1, 2 3]}', 4)
    assert caught.value.offset == 16


class _Generated:
    """A long document produced as it is read: ``count`` items of ``size`` characters each."""

    def __init__(self, count: int, size: int) -> None:
        items = ((b"," if i else b"") + json.dumps({"i": i, "pad": "x" * size}).encode() for i in range(count))
        self._parts = itertools.chain([b'{"items": ['], items, [b"]}"])
        self._buf = b""

    def read(self, size: int) -> bytes:
        while len(self._buf) < size:
            part = next(self._parts, None)
            if part is None:
                break
            self._buf += part
        out, self._buf = self._buf[:size], self._buf[size:]
        return out


def test_memory_grows_with_the_largest_value_not_the_document() -> None:
    # 60 MB of JSON in 2,000 values of 30 KB: the reader holds a window and one value.
    tracemalloc.start()
    try:
        doc = JsonStream(_Generated(2_000, 30_000))  # type: ignore[arg-type]
        count = 0
        for _ in doc.members():
            for value in doc.elements():
                count += value["i"] >= 0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 2_000
    assert peak < 12 << 20, f"peak {peak / 2**20:.1f} MB for a 60 MB document"
