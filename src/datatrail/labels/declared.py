"""Read the privacy label an app declares, from JSON or CSV (the formats in docs/labels.md).

Category and type names are matched case-insensitively against the store's
taxonomy and stored in the store's own spelling; a name the store does not
have is an error naming the file and line, so a typo never silently drops a
declaration. Files are bounded in size and rows.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from datatrail.errors import CorruptInput, LimitExceeded, UnsupportedInput
from datatrail.formats.common.jsondoc import read_json_document, read_limited
from datatrail.labels.taxonomy import Taxonomy, taxonomy
from datatrail.model.label import STORES, DeclaredEntry, DeclaredLabel

__all__ = ["DECLARED_FORMAT", "MAX_BYTES", "MAX_ENTRIES", "read_declared", "parse_declared"]

DECLARED_FORMAT = "datatrail-declared-label/1"
MAX_BYTES = 4 * 1024 * 1024
MAX_ENTRIES = 10_000
_CSV_COLUMNS = ("store", "category", "type", "collected", "shared")
_TRUE = {"yes", "y", "true", "1", "x"}
_FALSE = {"no", "n", "false", "0", ""}


class _Names:
    """Store spelling of a category or type, looked up case-insensitively."""

    def __init__(self, tax: Taxonomy) -> None:
        self.tax = tax
        self.categories = {s: {c.casefold(): c for c in tax.stores[s]} for s in STORES}

    def resolve(self, where: str, store: str, category: str, data_type: str | None) -> tuple[str, str | None]:
        found = self.categories[store].get(category.strip().casefold())
        if found is None:
            raise CorruptInput(f"{where}: {store} has no data category {category!r} (it has: {', '.join(self.tax.stores[store])})")
        if data_type is None or not data_type.strip():
            return found, None
        types = {t.casefold(): t for t in self.tax.stores[store][found]}
        t = types.get(data_type.strip().casefold())
        if t is None:
            raise CorruptInput(f"{where}: {store} category {found!r} has no data type {data_type!r} (it has: {', '.join(types.values())})")
        return found, t


def _store(where: str, value: Any) -> str:
    text = str(value).strip().casefold() if value is not None else ""
    aliases = {"play": "play", "google": "play", "google-play": "play", "apple": "apple", "app-store": "apple", "ios": "apple"}
    if text not in aliases:
        raise CorruptInput(f"{where}: store must be 'play' or 'apple', not {value!r}")
    return aliases[text]


def _flag(where: str, name: str, value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return default if text == "" else False
    raise CorruptInput(f"{where}: {name} must be yes or no, not {value!r}")


def _from_json(text: str, location: str, names: _Names) -> DeclaredLabel:
    doc = read_json_document(text, location, DECLARED_FORMAT, "a declared label")
    items = doc.get("data_types")
    if not isinstance(items, list):
        raise CorruptInput(f"{location}: data_types must be a list")
    if len(items) > MAX_ENTRIES:
        raise LimitExceeded(f"{location}: more than {MAX_ENTRIES} data types")
    default_store = doc.get("store")
    package = doc.get("package")
    if package is not None and not isinstance(package, str):
        raise CorruptInput(f"{location}: package must be a string")
    entries: list[DeclaredEntry] = []
    for i, item in enumerate(items, 1):
        where = f"{location}: data_types[{i}]"
        if not isinstance(item, dict):
            raise CorruptInput(f"{where}: expected an object")
        store = _store(where, item.get("store", default_store))
        category, type_ = item.get("category"), item.get("type")
        if not isinstance(category, str) or (type_ is not None and not isinstance(type_, str)):
            raise CorruptInput(f"{where}: category (and type, when given) must be strings")
        category, data_type = names.resolve(where, store, category, type_)
        entries.append(DeclaredEntry(
            store, category, data_type,
            _flag(where, "collected", item.get("collected"), True),
            _flag(where, "shared", item.get("shared"), False),
            i,
        ))
    return DeclaredLabel(location, package, tuple(entries))


def _from_csv(text: str, location: str, names: _Names) -> DeclaredLabel:
    rows = csv.reader(io.StringIO(text))
    try:
        header = next(rows, None)
    except csv.Error as exc:
        raise CorruptInput(f"{location}: not CSV ({exc})") from exc
    if header is None or tuple(h.strip().casefold() for h in header[:3]) != _CSV_COLUMNS[:3]:
        raise UnsupportedInput(f"{location}: not a declared label (a CSV needs the header {','.join(_CSV_COLUMNS)})")
    columns = [h.strip().casefold() for h in header]
    entries: list[DeclaredEntry] = []
    try:
        for row in rows:
            line = rows.line_num
            if not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
                continue
            if len(entries) >= MAX_ENTRIES:
                raise LimitExceeded(f"{location}: more than {MAX_ENTRIES} data types")
            where = f"{location}:{line}"
            cells = dict(zip(columns, row))
            store = _store(where, cells.get("store"))
            category, data_type = names.resolve(where, store, cells.get("category", ""), cells.get("type"))
            entries.append(DeclaredEntry(
                store, category, data_type,
                _flag(where, "collected", cells.get("collected"), True),
                _flag(where, "shared", cells.get("shared"), False),
                line,
            ))
    except csv.Error as exc:
        raise CorruptInput(f"{location}:{rows.line_num}: not CSV ({exc})") from exc
    return DeclaredLabel(location, None, tuple(entries))


def parse_declared(data: bytes, location: str, tax: Taxonomy | None = None) -> DeclaredLabel:
    """A declared label from the bytes of a JSON or CSV file (told apart by content)."""
    if len(data) > MAX_BYTES:
        raise LimitExceeded(f"{location}: larger than {MAX_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorruptInput(f"{location}: not UTF-8 text") from exc
    names = _Names(tax or taxonomy())
    if text.lstrip().startswith("{"):
        return _from_json(text, location, names)
    return _from_csv(text, location, names)


def read_declared(path: Path) -> DeclaredLabel:
    return parse_declared(read_limited(path, MAX_BYTES), str(path))
