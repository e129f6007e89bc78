"""``ResourceTable.texts``: one pass over the table gives what looking every id up in every configuration gives."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from datatrail.formats.android.arsc import TYPE_INT_DEC, TYPE_STRING, ResourceTable
from datatrail.model.diagnostic import DiagnosticLog
from tests.support.arsc_factory import bag, package, res_config, simple, table, type_chunk, type_spec
from tests.support.corpus import corpus_dir, corpus_files

SKIP = frozenset({"drawable", "layout"})


def _reference(t: ResourceTable, skip: frozenset[str]) -> list[tuple[int, str, str, str]]:
    """The id-by-id way: resource_ids, then values and bags of each, and entry_name."""
    out: list[tuple[int, str, str, str]] = []
    for res_id in t.resource_ids():
        if t.type_name(res_id) in skip:
            continue
        name = t.entry_name(res_id) or ""
        out.extend((res_id, name, c, v.string) for c, v in t.values(res_id) if v.type == TYPE_STRING and v.string)
        out.extend((res_id, name, c, i.string) for c, b in t.bags(res_id) for _, i in b.items if i.type == TYPE_STRING and i.string)
    return out


def test_synthetic_configs_bags_sparse_and_skipped_types() -> None:
    strings = ["https://a.example.com", "b", "c", "https://fr.example.com"]
    fr = res_config(lang=b"fr")
    chunks = [
        type_spec(1, 4),
        type_chunk(1, {0: simple(0, TYPE_STRING, 0), 2: simple(1, TYPE_INT_DEC, 7), 3: bag(2, 0, [(1, TYPE_STRING, 1), (2, TYPE_STRING, 2)])}, 4),
        type_chunk(1, {0: simple(0, TYPE_STRING, 3), 3: bag(2, 0, [(1, TYPE_STRING, 2)])}, 4, config=fr, mode="sparse"),
        type_spec(2, 1),
        type_chunk(2, {0: simple(3, TYPE_STRING, 1)}, 1),
    ]
    t = ResourceTable.parse(table(strings, [package(0x7F, "p", ["string", "drawable"], ["url", "n", "list", "icon"], chunks)]), DiagnosticLog())
    got = t.texts(SKIP)
    assert got == _reference(t, SKIP)
    assert got == [
        (0x7F010000, "string/url", "default", "https://a.example.com"),
        (0x7F010000, "string/url", "fr", "https://fr.example.com"),
        (0x7F010003, "string/list", "default", "b"),
        (0x7F010003, "string/list", "default", "c"),
        (0x7F010003, "string/list", "fr", "c"),
    ]  # the drawable's string is skipped, the integer is not text
    assert t.texts() == _reference(t, frozenset())


def _with_table(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return "resources.arsc" in z.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


@pytest.mark.parametrize("path", [p for p in corpus_files("apk/**/*.apk") if _with_table(p)], ids=lambda p: p.name)
def test_corpus_tables(path: Path) -> None:
    corpus_dir()
    with zipfile.ZipFile(path) as z:
        raw = z.read("resources.arsc")
    t = ResourceTable.parse(raw, DiagnosticLog())
    assert t.texts(SKIP) == _reference(t, SKIP)
