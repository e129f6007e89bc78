"""Personal data in readable captured HTTP requests: known values, key heuristics, user activity.

Rules (stable IDs, never reused; the lead mirrors them in ``knowledge/rules.py``):

========  =========  ==========================================================================
NET001    known      A value the user supplied (``--known``) in any of its forms and encodings
NET002    heuristic  Device identifier by field name and value shape (IMEI, advertising ID,
                     Android ID, MAC, serial, device ID...)
NET003    heuristic  Location by field name and value shape (latitude, longitude, coordinate
                     pairs, Wi-Fi BSSID/SSID, cell tower)
NET004    heuristic  Device data by field name (model, OS, carrier, screen, network type)
NET005    heuristic  Contact info and account identity by field name or value shape (email,
                     phone number, name, user ID)
NET006    category   Search history: a search term in a search field or on a search path
NET007    category   Likes: a like/favourite/upvote sent (path on a write, or a like field)
NET008    category   Comments: a comment or reply sent (comment field, or path on a write)
NET009    category   Browsing history: URLs or content ids under a history/visited field
NET010    category   Content upload: a multipart file, a media body, or a large body on a write
========  =========  ==========================================================================

Heuristic hits at a place where a known value was found are dropped: the
known value says more. Data categories are the Google Play Data safety
vocabulary that the static analysis uses. Field names come from
``knowledge/data/traffic_keys.json``; work per request is bounded by
``datatrail.capture.pii_fields``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from datatrail.capture.known_values import KnownValues
from datatrail.capture.pii_fields import Field, Fields, request_fields
from datatrail.capture.pii_keys import Activity, TrafficKeys, emails_in, shape_ok, traffic_keys
from datatrail.model.http import HttpRequest
from datatrail.model.personal_data import DataHit, truncate

__all__ = ["RULE_IDS", "MAX_HITS_PER_REQUEST", "find_personal_data", "categories_by_flow"]

RULE_IDS = ("NET001", "NET002", "NET003", "NET004", "NET005", "NET006", "NET007", "NET008", "NET009", "NET010")
MAX_HITS_PER_REQUEST = 200

_WRITES = frozenset({"POST", "PUT", "PATCH"})
_TRUTHY = frozenset({"true", "1", "yes", "y", "on", "like", "liked"})
_URL = re.compile(r"(?:https?://|www\.)\S+|[a-z][a-z0-9+.-]*://\S+", re.I)
_MAX_SEARCH_TERM = 200


class _Hits:
    """Hits of one request, deduplicated, capped."""

    def __init__(self, request: HttpRequest, index: int) -> None:
        self.request, self.index = request, index
        self.items: list[DataHit] = []
        self._seen: set[tuple[str, str, str, str, str]] = set()

    def add(self, rule_id: str, kind: str, label: str, category: str, location: str, matched: str,
            encoding: str = "plain") -> None:
        text = truncate(matched.strip())
        key = (rule_id, label, location, encoding, text.lower())
        if key in self._seen or len(self.items) >= MAX_HITS_PER_REQUEST:
            return
        self._seen.add(key)
        self.items.append(DataHit(self.request.flow, self.index, rule_id, kind, label, category, location,
                                  encoding, text))


def _known(hits: _Hits, fields: Fields, known: KnownValues) -> set[str]:
    located: set[str] = set()
    for item in fields.items:
        for match in known.find(item.text):
            value = match.value
            hits.add("NET001", "known", value.label, value.data_category, item.location, match.text, match.encoding)
            located.add(item.location)
    return located


def _heuristic(hits: _Hits, fields: Fields, keys: TrafficKeys, skip: set[str]) -> None:
    for item in fields.items:
        if item.location in skip:
            continue
        value = item.text.strip()
        rule = keys.field_rule(item.key) if item.structured and item.key else None
        if rule is not None and shape_ok(rule.shape, value):
            hits.add(rule.rule_id, "heuristic", rule.label, rule.data_category, item.location, value)
        elif item.structured and shape_ok("email", value):
            hits.add("NET005", "heuristic", "email", "Personal info", item.location, value)
        elif not item.structured:
            for address in emails_in(item.text):
                hits.add("NET005", "heuristic", "email", "Personal info", item.location, address)


def _search_term(value: str) -> bool:
    return (0 < len(value) <= _MAX_SEARCH_TERM and any(ch.isalpha() for ch in value)
            and not any(ch in value for ch in "{}\n") and not _URL.fullmatch(value))


def _activity_hit(hits: _Hits, activity: Activity, item: Field) -> None:
    hits.add(activity.rule_id, "category", activity.label, activity.data_category, item.location, item.text)


def _path_hit(hits: _Hits, activity: Activity, fields: Fields) -> None:
    for index, segment, token in fields.path_tokens:
        if token in activity.path_tokens:
            hits.add(activity.rule_id, "category", activity.label, activity.data_category, f"path[{index}]", segment)
            return


def _activities(hits: _Hits, request: HttpRequest, fields: Fields, keys: TrafficKeys) -> None:
    write = request.method.upper() in _WRITES
    tokens = {token for _, _, token in fields.path_tokens}
    search, like, comment, browsing = keys.search, keys.like, keys.comment, keys.browsing
    search_path = bool(tokens & search.path_tokens)
    before = {a.rule_id: 0 for a in (like, comment)}
    for item in fields.items:
        if not item.structured or item.key is None:
            continue
        value = item.text.strip()
        key = item.key
        if (key in search.keys or (search_path and key in search.path_keys)) and _search_term(value):
            _activity_hit(hits, search, item)
        if (key in like.keys and value.lower() in _TRUTHY) or (key in like.action_keys and value.lower() in like.action_values):
            _activity_hit(hits, like, item)
            before[like.rule_id] += 1
        if key in comment.keys and any(ch.isalnum() for ch in value):
            _activity_hit(hits, comment, item)
            before[comment.rule_id] += 1
        in_history = key in browsing.keys or any(a in browsing.keys for a in item.ancestors)
        if in_history and value and (_URL.match(value) or key in browsing.leaf_keys):
            _activity_hit(hits, browsing, item)
    if write:
        for activity in (like, comment):
            if not before[activity.rule_id]:
                _path_hit(hits, activity, fields)


def _upload_category(keys: TrafficKeys, content_type: str | None, filename: str | None) -> str:
    lowered = (content_type or "").lower()
    for prefix, category in keys.upload_types:
        if lowered.startswith(prefix):
            return category
    extension = (filename or "").rpartition(".")[2].lower() if filename and "." in filename else ""
    return keys.upload_extensions.get(extension, keys.upload_default)


def _uploads(hits: _Hits, request: HttpRequest, fields: Fields, keys: TrafficKeys) -> None:
    rule = keys.upload_rule
    for part in fields.parts:
        if part.filename is not None:
            hits.add(rule, "category", "file upload", _upload_category(keys, part.content_type, part.filename),
                     f"body:multipart[{part.index}]:{part.name or ''}", part.filename or "(unnamed file)")
    if fields.parts or request.method.upper() not in _WRITES or not request.body_size:
        return
    content_type = (request.content_type or "").lower()
    if content_type.startswith(tuple(prefix for prefix, _ in keys.upload_types)):
        hits.add(rule, "category", "content upload", _upload_category(keys, content_type, None), "body",
                 f"{content_type} {request.body_size} bytes")
    elif request.body_size >= keys.large_body:
        hits.add(rule, "category", "large upload", keys.upload_default, "body",
                 f"{content_type or 'body'} {request.body_size} bytes")


def _request_hits(index: int, request: HttpRequest, known: KnownValues | None, keys: TrafficKeys) -> Iterator[DataHit]:
    hits = _Hits(request, index)
    fields = request_fields(request)
    located = _known(hits, fields, known) if known is not None else set()
    _heuristic(hits, fields, keys, located)
    _activities(hits, request, fields, keys)
    _uploads(hits, request, fields, keys)
    return iter(hits.items)


def find_personal_data(requests: Sequence[HttpRequest], known: KnownValues | None = None) -> tuple[DataHit, ...]:
    """Every personal-data hit in ``requests``, in request order; ``DataHit.request`` indexes ``requests``."""
    keys = traffic_keys()
    out: list[DataHit] = []
    for index, request in enumerate(requests):
        out.extend(_request_hits(index, request, known, keys))
    return tuple(out)


def categories_by_flow(hits: Sequence[DataHit]) -> dict[int, tuple[str, ...]]:
    """Flow index -> the sorted data categories its requests carried (for per-destination summaries)."""
    out: dict[int, set[str]] = {}
    for hit in hits:
        out.setdefault(hit.flow, set()).add(hit.data_category)
    return {flow: tuple(sorted(categories)) for flow, categories in sorted(out.items())}
