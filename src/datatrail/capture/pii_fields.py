"""An HTTP request taken apart into the places personal data can hide, each with its location.

Query parameters, path segments, headers (cookies split into their pairs),
and bodies: form fields, JSON leaves (with paths like ``$.user.email``),
multipart parts (with their names and file names) and plain or binary text.
A value that itself holds JSON (``?data={"imei":...}``, a JSON string inside
JSON) is walked too, its path appended to the outer location.

Work is bounded per request: at most ``MAX_FIELDS`` fields, ``MAX_TEXT``
characters of text in total, JSON nested at most ``MAX_DEPTH`` deep. Past the
bounds the rest of the request is not searched; ``Fields.cut`` says so.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from datatrail.capture.pii_keys import normalise_key
from datatrail.model.http import HttpRequest

if TYPE_CHECKING:
    from email.message import Message

__all__ = ["MAX_FIELDS", "MAX_TEXT", "MAX_DEPTH", "Field", "Part", "Fields", "request_fields"]

MAX_FIELDS = 5000
MAX_TEXT = 2 * 1024 * 1024
MAX_DEPTH = 32
_MAX_PARTS = 100

# Headers every client sends whose names say nothing about personal data; their values are
# still searched for known values, but their names never trigger a key rule.
_STANDARD_HEADERS = frozenset({
    "accept", "accept-charset", "accept-encoding", "accept-language", "authorization", "cache-control",
    "connection", "content-encoding", "content-length", "content-type", "cookie", "date", "dnt", "expect",
    "forwarded", "host", "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since",
    "keep-alive", "origin", "pragma", "priority", "proxy-authorization", "proxy-connection", "range", "referer",
    "te", "trailer", "transfer-encoding", "upgrade", "upgrade-insecure-requests", "user-agent", "via",
    "purpose", "save-data", "downlink", "ect", "rtt", "device-memory", "viewport-width", "width", "dpr",
})
_STANDARD_PREFIXES = ("sec-", "access-control-", "x-forwarded-", "x-requested-", "x-real-", "x-amz-", "x-goog-")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FORM = re.compile(r"[\w.%+\-\[\]]+=[^&\s]*(?:&[\w.%+\-\[\]]+=[^&\s]*)*")
_BOUNDARY = re.compile(r'boundary="?([^";,]+)"?', re.I)


@dataclass(frozen=True, slots=True)
class Field:
    location: str
    key: str | None
    """The normalised name of the value (``deviceid``), the nearest enclosing one for list items; None
    for path segments, free text and headers whose names are standard."""
    ancestors: tuple[str, ...]
    """Normalised names of the enclosing keys, outermost first (JSON and nested values)."""
    text: str
    structured: bool
    """From a key/value structure; False for free text and binary bodies."""


@dataclass(frozen=True, slots=True)
class Part:
    """A multipart body part."""

    index: int
    name: str | None
    filename: str | None
    content_type: str | None
    size: int


@dataclass(slots=True)
class Fields:
    items: list[Field] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    path_tokens: list[tuple[int, str, str]] = field(default_factory=list)
    """(segment index, segment text, lowercase alphanumeric token) for every path segment token."""
    cut: bool = False
    _text: int = 0

    def add(self, location: str, key: str | None, ancestors: tuple[str, ...], text: str, structured: bool = True) -> bool:
        if len(self.items) >= MAX_FIELDS or self._text + len(text) > MAX_TEXT:
            self.cut = True
            return False
        self._text += len(text)
        self.items.append(Field(location, key, ancestors, text, structured))
        return True


def _json_path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if _IDENTIFIER.fullmatch(name) else f"{prefix}[{json.dumps(name)}]"


def _maybe_json(text: str) -> Any:
    stripped = text.strip()
    if len(stripped) < 2 or stripped[0] not in "{[" or stripped[-1] not in "}]":
        return None
    try:
        value = json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, (dict, list)) else None


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return None


def _walk_json(out: Fields, root: Any, location: str, key: str | None, ancestors: tuple[str, ...]) -> None:
    """Depth-first over JSON; a string holding JSON is walked in place, sharing the bounds."""
    stack: list[tuple[Any, str, str | None, tuple[str, ...], int]] = [(root, "$", key, ancestors, 0)]
    while stack:
        value, path, name, outer, depth = stack.pop()
        if depth > MAX_DEPTH:
            out.cut = True
            continue
        if isinstance(value, dict):
            children = [(v, _json_path(path, str(k)), normalise_key(str(k)), outer + ((name,) if name else ()), depth + 1)
                        for k, v in value.items()]
            stack.extend(reversed(children))
        elif isinstance(value, list):
            stack.extend(reversed([(v, f"{path}[{i}]", name, outer, depth + 1) for i, v in enumerate(value)]))
        else:
            text = _scalar(value)
            if text is None:
                continue
            nested = _maybe_json(text) if isinstance(value, str) else None
            if nested is not None:
                stack.append((nested, path + "$", name, outer, depth + 1))
                continue
            if not out.add(location + path if path != "$" else location, name, outer, text):
                return


def _add_value(out: Fields, location: str, raw_key: str, value: str, header: bool = False) -> None:
    key = normalise_key(raw_key, header)
    nested = _maybe_json(value)
    if nested is not None:
        _walk_json(out, nested, location, key, ())
    else:
        out.add(location, key, (), value)


def _add_pairs(out: Fields, prefix: str, text: str) -> None:
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        out.cut = True
        return
    for name, value in pairs:
        if value or name:
            _add_value(out, f"{prefix}{name}", name, value)


def _add_query(out: Fields, query: str) -> None:
    if not query:
        return
    if "=" not in query:
        out.add("query", None, (), unquote(query), structured=False)
        return
    _add_pairs(out, "query:", query)


def _add_path(out: Fields, path: str) -> None:
    for index, segment in enumerate(s for s in path.split("/") if s):
        text = unquote(segment)
        out.add(f"path[{index}]", None, (), text, structured=False)
        for token in re.split(r"[^A-Za-z0-9]+", text):
            if token:
                out.path_tokens.append((index, text, token.lower()))


def _custom_header_key(name: str) -> str | None:
    lowered = name.lower()
    if lowered in _STANDARD_HEADERS or lowered.startswith(_STANDARD_PREFIXES):
        return None
    return normalise_key(name, header=True)


def _add_headers(out: Fields, headers: tuple[tuple[str, str], ...]) -> None:
    for name, value in headers:
        if name.startswith(":"):  # HTTP/2 pseudo-headers repeat the method, path and host
            continue
        if name.lower() == "cookie":
            for pair in value.split(";"):
                cookie, sep, cookie_value = pair.strip().partition("=")
                if sep and cookie:
                    _add_value(out, f"cookie:{cookie}", cookie, unquote(cookie_value))
            continue
        key = _custom_header_key(name)
        if key is None:
            out.add(f"header:{name}", None, (), value, structured=False)
        else:
            _add_value(out, f"header:{name}", name, value, header=True)


def _decode(body: bytes, content_type: str) -> str:
    match = re.search(r"charset=\"?([\w.-]+)", content_type, re.I)
    try:
        return body.decode(match[1] if match else "utf-8")
    except (LookupError, UnicodeDecodeError):
        return body.decode("latin-1")


def _is_text(content_type: str, body: bytes) -> bool:
    if content_type.startswith(("text/", "application/json", "application/x-www-form-urlencoded", "application/xml")) \
            or content_type.endswith(("+json", "+xml")):
        return True
    if content_type:
        return False
    sample = body[:512]
    return all(b >= 0x20 or b in b"\t\r\n" for b in sample)


def _add_multipart(out: Fields, body: bytes, boundary: str) -> None:
    from email.parser import HeaderParser  # multipart bodies only: kept out of module import

    parser = HeaderParser()
    delimiter = b"--" + boundary.encode("latin-1", "replace")
    chunks = body.split(delimiter)
    for index, chunk in enumerate(chunks[1:_MAX_PARTS + 1]):
        if chunk.startswith(b"--"):
            break
        chunk = chunk.lstrip(b"\r\n")
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:  # some clients end lines with a bare LF
            head, sep, content = chunk.partition(b"\n\n")
            if not sep:
                continue
        content = content[:-2] if content.endswith(b"\r\n") else content[:-1] if content.endswith(b"\n") else content
        message: Message = parser.parsestr(head.decode("latin-1"))
        name = message.get_param("name", header="content-disposition")
        filename = message.get_param("filename", header="content-disposition")
        part_type = (message.get("content-type") or "").lower()
        name_s = name if isinstance(name, str) else None
        file_s = filename if isinstance(filename, str) else None
        out.parts.append(Part(index, name_s, file_s, part_type or None, len(content)))
        location = f"body:multipart[{index}]:{name_s or ''}"
        if file_s is None and _is_text(part_type, content):
            _add_value(out, location, name_s or "", _decode(content, part_type))
        else:
            # Files are searched for known values (an email inside a document), not for key names.
            out.add(location, None, (), content.decode("latin-1"), structured=False)
    if len(chunks) > _MAX_PARTS + 1:
        out.cut = True


def _add_body(out: Fields, request: HttpRequest) -> None:
    body = request.body
    if not body:
        return
    content_type = (request.content_type or request.header("content-type") or "").lower().strip()
    if content_type.startswith("multipart/"):
        boundary = _BOUNDARY.search(request.content_type or request.header("content-type") or "")
        if boundary:
            _add_multipart(out, body, boundary[1])
            return
    if not _is_text(content_type, body):
        out.add("body", None, (), body.decode("latin-1"), structured=False)
        return
    text = _decode(body, content_type)
    if "json" in content_type or not content_type or content_type.startswith("text/plain"):
        parsed = _maybe_json(text)
        if parsed is not None:
            _walk_json(out, parsed, "body:", None, ())
            return
    if "x-www-form-urlencoded" in content_type or (content_type.split(";")[0].strip() in ("", "text/plain")
                                                  and _FORM.fullmatch(text.strip()) is not None):
        _add_pairs(out, "body:form:", text)
        return
    out.add("body", None, (), text, structured=False)


def request_fields(request: HttpRequest) -> Fields:
    """Every searchable value of ``request``, located; bounded (see the module docstring)."""
    out = Fields()
    _add_path(out, request.path)
    _add_query(out, request.query)
    _add_headers(out, request.headers)
    _add_body(out, request)
    return out
