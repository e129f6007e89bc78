"""Declared labels: the JSON and CSV formats of docs/labels.md, and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datatrail.errors import CorruptInput, InputError, LimitExceeded, UnsupportedInput
from datatrail.labels.declared import DECLARED_FORMAT, MAX_BYTES, parse_declared, read_declared

JSON_LABEL = f"""{{
  "format": "{DECLARED_FORMAT}",
  "package": "com.example",
  "store": "play",
  "data_types": [
    {{"category": "location", "type": "precise LOCATION", "collected": true, "shared": true}},
    {{"category": "Device or other IDs"}},
    {{"store": "apple", "category": "Identifiers", "type": "Device ID", "collected": "yes"}},
    {{"category": "Contacts", "collected": false, "shared": false}}
  ]
}}"""

CSV_LABEL = """store,category,type,collected,shared
play,Location,Approximate location,yes,no
# a comment row
play,App activity,,yes,
apple,Usage Data,Product Interaction,1,1
"""


def test_json_label_names_are_normalised_to_the_store_spelling() -> None:
    label = parse_declared(JSON_LABEL.encode(), "label.json")
    assert label.package == "com.example"
    rows = [(e.store, e.category, e.data_type, e.collected, e.shared, e.line) for e in label.entries]
    assert rows == [
        ("play", "Location", "Precise location", True, True, 1),
        ("play", "Device or other IDs", None, True, False, 2),
        ("apple", "Identifiers", "Device ID", True, False, 3),
        ("play", "Contacts", None, False, False, 4),
    ]
    assert label.stores == ("play", "apple")


def test_csv_label_with_comments_and_empty_cells() -> None:
    label = parse_declared(CSV_LABEL.encode("utf-8-sig"), "label.csv")
    rows = [(e.store, e.category, e.data_type, e.collected, e.shared, e.line) for e in label.entries]
    assert rows == [
        ("play", "Location", "Approximate location", True, False, 2),
        ("play", "App activity", None, True, False, 4),
        ("apple", "Usage Data", "Product Interaction", True, True, 5),
    ]


@pytest.mark.parametrize(
    ("text", "error", "needle"),
    [
        ("store,category,type\nplay,Locations,\n", CorruptInput, "label.x:2: play has no data category 'Locations'"),
        ("store,category,type\nplay,Location,Exact\n", CorruptInput, "has no data type 'Exact'"),
        ("store,category,type\nandroid,Location,\n", CorruptInput, "store must be 'play' or 'apple'"),
        ("store,category,type,collected\nplay,Location,,maybe\n", CorruptInput, "collected must be yes or no"),
        ("name,value\na,b\n", UnsupportedInput, "needs the header"),
        ('{"format": "something-else"}', UnsupportedInput, "not a declared label"),
        ('{"format": "' + DECLARED_FORMAT + '", "data_types": {}}', CorruptInput, "data_types must be a list"),
        ('{"format": "' + DECLARED_FORMAT + '", "data_types": [', CorruptInput, "not JSON"),
        ('{"format": "' + DECLARED_FORMAT + '", "store": "play", "data_types": [{"category": 3}]}', CorruptInput, "must be strings"),
    ],
)
def test_bad_labels_say_what_and_where(text: str, error: type[Exception], needle: str) -> None:
    with pytest.raises(error) as info:
        parse_declared(text.encode(), "label.x")
    assert needle in str(info.value)


def test_not_utf8_and_too_large() -> None:
    with pytest.raises(CorruptInput, match="not UTF-8"):
        parse_declared(b"store,category\n\xff\xfe\xff", "x.csv")
    with pytest.raises(LimitExceeded):
        parse_declared(b" " * (MAX_BYTES + 1), "x.csv")


def test_read_declared_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedInput, match="No such file"):
        read_declared(tmp_path / "absent.csv")


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    st.binary(max_size=300),
    st.text(alphabet="store,category,type\n\"#yes{}[]:Location", max_size=200).map(lambda t: ("store,category,type\n" + t).encode()),
))
def test_any_bytes_give_a_label_or_an_input_error(data: bytes) -> None:
    try:
        parse_declared(data, "fuzz")
    except InputError:
        pass
