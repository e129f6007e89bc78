"""JSON -> Report: rebuild the model from a saved report, so it can be re-rendered without re-scanning.

The model's type hints drive the decoding (as they drive ``schema_gen``), so a
field added to a dataclass needs no change here. Compatibility follows the
schema's promise: within one major ``schema_version`` a minor version only adds
fields, so keys this version does not know are ignored (a newer minor) and
missing keys that have a default take it (an older minor). Another major
version is refused rather than half-read.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from datatrail.errors import InputError
from datatrail.formats.common.jsondoc import parse_json, read_text
from datatrail.model.report import SCHEMA_VERSION, Report, type_hints

__all__ = ["ReportFormatError", "report_from_dict", "read_document", "load_report", "decode_dataclass"]

_MAJOR = SCHEMA_VERSION.split(".", 1)[0]


class ReportFormatError(InputError):
    """A saved report is not JSON, not a datatrail report, or of an unsupported schema version."""


def _fail(path: str, message: str) -> ReportFormatError:
    return ReportFormatError(f"{path or 'report'}: {message}")


@cache
def _hints(cls: type) -> dict[str, Any]:
    # Resolving string annotations is costly; a report holds thousands of nested objects.
    return type_hints(cls)


def _decode(tp: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            if type(None) in args:
                return None
            raise _fail(path, "is null")
        members = [a for a in args if a is not type(None)]
        errors: list[str] = []
        for member in members:
            try:
                return _decode(member, value, path)
            except ReportFormatError as exc:
                errors.append(str(exc))
        raise _fail(path, f"matches none of its types ({'; '.join(errors)})")
    if origin is tuple or origin is list:
        if not isinstance(value, list):
            raise _fail(path, f"expected an array, got {type(value).__name__}")
        items = [_decode(args[0], v, f"{path}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise _fail(path, f"expected an object, got {type(value).__name__}")
        return {str(k): _decode(args[1], v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(value)
        except ValueError:
            raise _fail(path, f"{value!r} is not one of {[m.value for m in tp]}") from None
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _dataclass(tp, value, path)
    if tp is bool:
        if not isinstance(value, bool):
            raise _fail(path, f"expected a boolean, got {type(value).__name__}")
        return value
    if tp is int:
        # bool is an int subclass in Python, never in JSON.
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fail(path, f"expected an integer, got {type(value).__name__}")
        return value
    if tp is float:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise _fail(path, f"expected a number, got {type(value).__name__}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise _fail(path, f"expected a string, got {type(value).__name__}")
        return value
    if tp is bytes and isinstance(value, bytes):
        # Only a loader that turned the JSON's text into bytes first hands these over (capture bodies).
        return value
    if tp is object or tp is Any:
        return value
    raise TypeError(f"cannot decode {tp!r}")  # a model type this module does not know: our bug


def decode_dataclass(cls: type, value: Any, path: str = "") -> Any:
    """One model dataclass from its JSON object, by the class's type hints (``ReportFormatError`` if it does not fit)."""
    return _dataclass(cls, value, path)


def _dataclass(cls: type, value: Any, path: str) -> Any:
    if not isinstance(value, dict):
        raise _fail(path, f"expected an object, got {type(value).__name__}")
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        where = f"{path}.{f.name}" if path else f.name
        if f.name in value:
            kwargs[f.name] = _decode(hints[f.name], value[f.name], where)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise _fail(where, "is missing")
    return cls(**kwargs)


def report_from_dict(doc: Any) -> Report:
    """The report a ``to_dict`` produced (or its JSON, parsed)."""
    if not isinstance(doc, dict):
        raise ReportFormatError("not a datatrail report: the document is not a JSON object")
    version = doc.get("schema_version")
    if not isinstance(version, str):
        raise ReportFormatError("not a datatrail report: no schema_version")
    if version.split(".", 1)[0] != _MAJOR:
        raise ReportFormatError(
            f"report schema_version {version} is not supported by this datatrail (reads {_MAJOR}.x, writes {SCHEMA_VERSION})"
        )
    report: Report = _dataclass(Report, doc, "")
    return report


MAX_REPORT_BYTES = 1 << 30
"""A saved report larger than this is refused rather than read into memory (the largest
benchmark app's report is a few MB)."""


def read_document(path: Path) -> Any:
    """A saved report's JSON, parsed; ReportFormatError when it is unreadable, too big or not JSON."""
    try:
        return parse_json(read_text(path, MAX_REPORT_BYTES), str(path))
    except InputError as exc:
        raise ReportFormatError(str(exc)) from exc


def load_report(path: Path) -> Report:
    """Read a report saved by ``datatrail scan --format json``."""
    doc = read_document(path)
    try:
        return report_from_dict(doc)
    except ReportFormatError as exc:
        raise ReportFormatError(f"{path}: {exc}") from exc
