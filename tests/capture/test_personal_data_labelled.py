"""The labelled capture: planted personal data sent over loopback, read back through the real pipeline.

tests/fixtures/capture/labelled.{pcap,har,truth.json} come from
tools/make_labelled_capture.py (tcpdump on lo; the HAR written by the tool).
The truth lists every hit the search must report; the test asks for exactly
that set, from the pcap and from the HAR alike.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
from typing import Any

import pytest

from datatrail.capture import analyse_capture
from datatrail.capture.known_values import parse_known
from datatrail.capture.personal_data import find_personal_data
from datatrail.model.personal_data import ENCODINGS
from tests.support import paths

FIXTURES = paths.FIXTURES / "capture"
TRUTH: dict[str, Any] = json.loads((FIXTURES / "labelled.truth.json").read_text(encoding="utf-8"))

Key = tuple[int, str, str, str, str, str, str]


def _truth() -> set[Key]:
    return {(h["request"], h["rule"], h["label"], h["category"], h["location"], h["encoding"], h["matched"])
            for h in TRUTH["hits"]}


@pytest.fixture(scope="module", params=["labelled.pcap", "labelled.har"])
def found(request: pytest.FixtureRequest) -> tuple[Any, set[Key]]:
    report = analyse_capture(FIXTURES / request.param, attribute=False)
    hits = find_personal_data(report.requests, parse_known(TRUTH["known"]))
    return report, {(h.request, h.rule_id, h.label, h.data_category, h.location, h.encoding, h.matched) for h in hits}


def test_requests_read_in_the_order_sent(found: tuple[Any, set[Key]]) -> None:
    report, _ = found
    assert [(r.method, r.host, r.path) for r in report.requests] == \
        [(r["method"], r["host"], r["path"]) for r in TRUTH["requests"]]


def test_every_planted_value_is_found(found: tuple[Any, set[Key]]) -> None:
    _, got = found
    assert sorted(_truth() - got) == []


def test_nothing_else_is_flagged(found: tuple[Any, set[Key]]) -> None:
    _, got = found
    assert sorted(got - _truth()) == []


def test_truth_covers_every_encoding_and_category() -> None:
    hits = TRUTH["hits"]
    assert {h["encoding"] for h in hits if h["rule"] == "NET001"} == set(ENCODINGS)
    assert {h["value"] for h in hits if h["rule"] == "NET001"} == {"email", "imei", "adid", "android_id", "phone", "lat", "lon"}
    assert {h["rule"] for h in hits} == {f"NET{n:03d}" for n in range(1, 11)}
    # Digests of the value in both cases, written in both cases.
    md5s = [h["matched"] for h in hits if h["encoding"] == "md5"]
    assert any(m.isupper() for m in md5s) and any(m.islower() for m in md5s)
    # The harmless requests at the end carry no hit at all.
    flagged = {h["request"] for h in hits}
    harmless = [i for i, r in enumerate(TRUTH["requests"]) if i not in flagged]
    assert len(harmless) >= 6


def test_fixtures_stay_small() -> None:
    assert sum(p.stat().st_size for p in FIXTURES.glob("labelled.*")) < 200_000


def _tool() -> Any:
    path = paths.REPO / "tools" / "make_labelled_capture.py"
    spec = importlib.util.spec_from_file_location("make_labelled_capture", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_fixtures_are_what_the_tool_plans() -> None:
    tool = _tool()
    planned = tool.plan()
    assert TRUTH["known"] == tool.KNOWN
    assert TRUTH["hits"] == [{"request": i, **hit} for i, item in enumerate(planned) for hit in item.expect]
    har = json.loads((FIXTURES / "labelled.har").read_text(encoding="utf-8"))["log"]["entries"]
    assert len(har) == len(planned)
    for entry, item in zip(har, planned):
        assert entry["request"]["url"] == f"http://{item.host}{item.path}" + ("?" + item.query if item.query else "")
        post = entry["request"].get("postData", {})
        body = base64.b64decode(post["text"]) if post.get("encoding") == "base64" else post.get("text", "").encode()
        assert body == item.body
