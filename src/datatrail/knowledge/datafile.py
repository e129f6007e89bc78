"""Reading the JSON datasets shipped in knowledge/data: format check, checksum, provenance."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, NamedTuple

from datatrail.errors import DatatrailError

__all__ = ["DataFile", "read_data_file", "data_path"]

_META_KEYS = ("name", "version", "source", "license", "date")
_DATA = Path(__file__).resolve().parent / "data"


def data_path(filename: str) -> Path:
    """Where ``knowledge/data/<filename>`` is (the package is installed as files, never zipped;
    ``importlib.resources`` would cost every scan its imports for nothing)."""
    return _DATA / filename


class DataFile(NamedTuple):
    filename: str
    doc: dict[str, Any]
    sha256: str
    """Of the file's bytes as shipped; reports quote it."""

    def meta(self) -> dict[str, str]:
        """The dataset's provenance in DatasetRef's fields."""
        try:
            meta = {key: str(self.doc[key]) for key in _META_KEYS}
        except KeyError as exc:
            raise DatatrailError(f"knowledge file {self.filename} lacks its {exc.args[0]!r} field") from exc
        meta["sha256"] = self.sha256
        return meta


def read_data_file(filename: str, what: str, supported_format: int = 1) -> DataFile:
    """Load ``knowledge/data/<filename>``; ``what`` names it in errors ("SDK knowledge")."""
    try:
        raw = data_path(filename).read_bytes()
        doc = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise DatatrailError(f"{what} file {filename} is missing or unreadable") from exc
    if not isinstance(doc, dict) or doc.get("format") != supported_format:
        raise DatatrailError(f"{what} file {filename} has an unsupported format")
    return DataFile(filename, doc, hashlib.sha256(raw).hexdigest())
