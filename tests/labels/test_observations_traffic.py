"""Traffic evidence feeds the label the same way static evidence does, and is kept apart from it."""

from __future__ import annotations

from datatrail.labels.derive import derive
from datatrail.labels.observations import capture_observations
from datatrail.model.capture import CaptureInput, CaptureReport, Flow, TrafficDestination
from datatrail.model.label import Observation
from datatrail.model.personal_data import DataHit


def _flow(host: str, server: str) -> Flow:
    return Flow(client="10.0.0.2:40000", server=server, transport="tcp", protocol="http", hostname=host, hostname_source="http-host",
                opaque=False, encrypted_dns=False, alpn=(), bytes_up=100, bytes_down=200, packets_up=1, packets_down=1,
                first_seen=0.0, last_seen=1.0, first_frame=1)


def _destination(name: str, org: str | None, categories: tuple[str, ...]) -> TrafficDestination:
    return TrafficDestination(name=name, kind="host", addresses=("203.0.113.5",), ports=(80,), flows=1, bytes_up=100, bytes_down=200,
                       hostname_sources=("http-host",), organisation=org, org_country=None, server_countries=(), flags=(),
                       data_categories=categories)


CAPTURE = CaptureReport(
    input=CaptureInput("t.pcap", "0" * 64, 1, "pcap", 2, (1,)),
    flows=(_flow("api.example.com", "203.0.113.5:80"), _flow("log.tracker.test", "198.51.100.7:80")),
    destinations=(_destination("api.example.com", None, ("Personal info",)),
                  _destination("log.tracker.test", "Tracker Inc.", ("Device or other IDs", "Location"))),
    diagnostics=(), diagnostics_dropped=0, viewer="eu",
)

HITS = (
    DataHit(flow=0, request=0, rule_id="NET001", kind="known", label="email", data_category="Personal info",
            location="body:form:email", encoding="plain", matched="a@b.example"),
    DataHit(flow=1, request=1, rule_id="NET002", kind="known", label="IMEI", data_category="Device or other IDs",
            location="query:imei", encoding="md5", matched="0123"),
    DataHit(flow=1, request=1, rule_id="NET003", kind="known", label="latitude", data_category="Location",
            location="query:lat", encoding="plain", matched="48.8566"),
)


def test_hits_become_typed_traffic_entries_with_receivers() -> None:
    obs = capture_observations(CAPTURE, HITS, first_party={"example.com"})
    assert [(o.category, o.data, o.third_party) for o in obs] == [
        ("Personal info", "email", None),  # api.example.com is under the app's own domain
        ("Device or other IDs", "IMEI", "Tracker Inc."),
        ("Location", "latitude", "Tracker Inc."),
    ]
    assert obs[1].evidence == "IMEI sent to log.tracker.test (Tracker Inc.) in query:imei (md5; rule NET002)"
    play = {(e.category, e.data_type): e for e in derive(obs).store("play").entries}
    assert set(play) == {("Personal info", "Email address"), ("Device or other IDs", "Device or other IDs"), ("Location", "Precise location")}
    assert all(e.basis == "traffic" and e.sources == ("traffic",) for e in play.values())


def test_without_hits_the_destination_categories_are_used() -> None:
    obs = capture_observations(CAPTURE)
    assert [(o.category, o.third_party) for o in obs] == [
        ("Personal info", "api.example.com"),
        ("Device or other IDs", "Tracker Inc."),
        ("Location", "Tracker Inc."),
    ]
    assert obs[0].evidence == "Personal info data sent to api.example.com"


def test_static_and_traffic_reasons_stay_apart_in_one_entry() -> None:
    static = Observation("Device or other IDs", "static", "code", "SDK code of T invokes getImei", data="IMEI/MEID")
    entry = derive([static, *capture_observations(CAPTURE, HITS[1:2])]).store("apple").entries[0]
    assert (entry.category, entry.data_type) == ("Identifiers", "Device ID")
    assert [(r.source, r.basis) for r in entry.reasons] == [("traffic", "traffic"), ("static", "code")]
