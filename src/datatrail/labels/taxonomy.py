"""The store label taxonomies and how datatrail's data items map onto them (label_taxonomy.json).

Read once and validated on first use: every type a mapping names must exist in
its store's list, so a typo in the data is an error here, not a label entry
no store knows.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from datatrail.errors import DatatrailError
from datatrail.knowledge.datafile import read_data_file

__all__ = ["StoreType", "Placement", "ItemPlacement", "Taxonomy", "taxonomy", "dataset_info"]

_FILE = "label_taxonomy.json"

StoreType = tuple[str, str | None]
"""(category, type); a None type means "some type in the category"."""


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an observation lands in each store."""

    play: StoreType
    apple: StoreType


@dataclass(frozen=True, slots=True)
class ItemPlacement:
    """Where a data item or permission lands; a Play type of None leaves the category to the observation."""

    play_type: str | None
    play_category: str | None
    apple: StoreType | None
    """None: wherever the observation's category lands (items that span several categories)."""


@dataclass(frozen=True, slots=True)
class Taxonomy:
    stores: Mapping[str, Mapping[str, tuple[str, ...]]]
    """store -> category -> types, in the store's order."""
    categories: Mapping[str, Placement]
    """datatrail data category -> its store categories (types None unless the category says more)."""
    data: Mapping[str, ItemPlacement | None]
    """None: the item is known and is not personal data in either store's sense."""
    permissions: Mapping[str, ItemPlacement]

    def place(self, category: str, data: str | None = None, permission: str | None = None) -> Placement | None:
        """Where an observation of ``category`` lands; None when it is not label data.

        The finest knowledge wins: the data item, then the permission, then the category.
        """
        base = self.categories.get(category)
        item: ItemPlacement | None = None
        if data is not None and data in self.data:
            item = self.data[data]
            if item is None:
                return None
        elif permission is not None:
            item = self.permissions.get(permission)
        if item is None:
            return base
        if item.play_category is not None and item.apple is not None:
            return Placement((item.play_category, item.play_type), item.apple)
        if base is None:
            return None
        return Placement(base.play, item.apple or base.apple)

    def order(self, store: str, category: str, data_type: str | None) -> tuple[int, int]:
        """Sort key in the store's own order (unknown last)."""
        cats = list(self.stores[store])
        types = self.stores[store].get(category, ())
        ci = cats.index(category) if category in cats else len(cats)
        ti = types.index(data_type) if data_type in types else -1
        return ci, ti

    def known(self, store: str, category: str, data_type: str | None) -> bool:
        types = self.stores.get(store, {}).get(category)
        return types is not None and (data_type is None or data_type in types)

    def only_type(self, store: str, category: str) -> str | None:
        """The type of a single-type category ("Contacts"), which is known from the category alone."""
        types = self.stores[store].get(category, ())
        return types[0] if len(types) == 1 else None


def _fail(message: str) -> DatatrailError:
    return DatatrailError(f"label taxonomy ({_FILE}): {message}")


def _store_type(tax_stores: Mapping[str, Mapping[str, tuple[str, ...]]], store: str, value: Any, where: str) -> StoreType:
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and (value[1] is None or isinstance(value[1], str))):
        raise _fail(f"{where}: expected [category, type or null]")
    category, data_type = value[0], value[1]
    types = tax_stores[store].get(category)
    if types is None or (data_type is not None and data_type not in types):
        raise _fail(f"{where}: {store} has no {category!r} / {data_type!r}")
    return category, data_type


def _parse(doc: dict[str, Any]) -> Taxonomy:
    raw_stores = doc.get("stores")
    if not isinstance(raw_stores, dict) or set(raw_stores) != {"play", "apple"}:
        raise _fail("stores must list play and apple")
    stores = {s: {c: tuple(t) for c, t in cats.items()} for s, cats in raw_stores.items()}
    categories: dict[str, Placement] = {}
    for name, entry in doc.get("categories", {}).items():
        play_cat = entry.get("play")
        if play_cat not in stores["play"]:
            raise _fail(f"categories.{name}: play has no category {play_cat!r}")
        categories[name] = Placement((play_cat, None), _store_type(stores, "apple", entry.get("apple"), f"categories.{name}"))

    def item(where: str, entry: Any, category_free: bool) -> ItemPlacement:
        if category_free and entry == "by-category":
            return ItemPlacement(None, None, None)
        if not isinstance(entry, dict) or "play_type" not in entry:
            raise _fail(f"{where}: expected an object with play_type and apple")
        play_type = entry["play_type"]
        apple = _store_type(stores, "apple", entry.get("apple"), where)
        if play_type is None:
            if not category_free:
                raise _fail(f"{where}: a permission must name its play_type")
            return ItemPlacement(None, None, apple)
        owner = next((c for c, types in stores["play"].items() if play_type in types), None)
        if owner is None:
            raise _fail(f"{where}: play has no type {play_type!r}")
        return ItemPlacement(play_type, owner, apple)

    data: dict[str, ItemPlacement | None] = {}
    for name, entry in doc.get("data", {}).items():
        data[name] = None if entry is None else item(f"data.{name}", entry, True)
    permissions = {name: item(f"permissions.{name}", entry, False) for name, entry in doc.get("permissions", {}).items()}
    return Taxonomy(stores, categories, data, permissions)


@functools.cache
def _load() -> tuple[Taxonomy, dict[str, str]]:
    file = read_data_file(_FILE, "label taxonomy")
    return _parse(file.doc), file.meta()


def taxonomy() -> Taxonomy:
    return _load()[0]


def dataset_info() -> dict[str, str]:
    """Provenance for the report's dataset list."""
    return dict(_load()[1])
