"""Personal data seen in readable captured traffic: one hit per value, rule and place.

A hit is evidence that a request carried a piece of personal data: which flow
and request, which rule said so, where in the request (``query:email``,
``header:X-Device-Id``, ``body:$.user.email``), how the value was encoded and
the text that matched, cut short. ``data_category`` uses the same Google Play
Data safety vocabulary as the static analysis (permission and API data), so a
capture and an app scan can be compared category by category.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["HIT_KINDS", "ENCODINGS", "MATCHED_MAX", "DataHit", "truncate"]

HIT_KINDS = ("known", "heuristic", "category")
"""known: a value the user supplied was found; heuristic: a key or value shape says what
the value is; category: the request's structure shows a kind of activity (a search, a like,
an upload)."""

ENCODINGS = ("plain", "url", "base64", "base64url", "hex", "md5", "sha1", "sha256")
"""How a known value appeared. Heuristic and category hits are ``plain``."""

MATCHED_MAX = 80
"""Longest ``matched`` text kept; longer text is cut and ends with an ellipsis."""


@dataclass(frozen=True, slots=True)
class DataHit:
    flow: int
    """Index of the flow in ``CaptureReport.flows`` (the request's ``flow``)."""
    request: int
    """Index of the request in the sequence that was searched (``CaptureReport.requests``)."""
    rule_id: str
    """``NET###``; see ``datatrail.capture.personal_data`` for the catalogue."""
    kind: str
    """One of ``HIT_KINDS``."""
    label: str
    """What was found: ``email``, ``imei``, ``advertising ID``, ``search query``, ``file upload``..."""
    data_category: str
    """Google Play Data safety category, as in ``permission_categories.json``."""
    location: str
    """Where in the request: ``query:<key>``, ``path[<i>]``, ``header:<Name>``, ``cookie:<name>``,
    ``body:form:<key>``, ``body:$.<json path>``, ``body:multipart[<i>]:<name>``, ``body:text``
    (a nested structure inside a value appends its own path, e.g. ``query:data$.imei``)."""
    encoding: str
    """One of ``ENCODINGS``."""
    matched: str
    """The text that matched, at most ``MATCHED_MAX`` characters."""


def truncate(text: str, limit: int = MATCHED_MAX) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
