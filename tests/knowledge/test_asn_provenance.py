"""The ASN table's provenance is read from its header alone, without loading the table."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

from datatrail.knowledge import asn


def test_provenance_matches_the_file_and_its_header() -> None:
    raw = resources.files("datatrail.knowledge").joinpath("data", "asn-ranges.bin").read_bytes()
    header = json.loads(raw[12 : 12 + int.from_bytes(raw[8:12], "little")])
    info = asn.dataset_info()
    assert info["sha256"] == hashlib.sha256(raw).hexdigest()
    assert (info["name"], info["version"], info["date"]) == (str(header["name"]), str(header["version"]), str(header["date"]))
    assert info["license"].startswith(str(header["license"]))


def test_provenance_does_not_load_the_table() -> None:
    asn._table.cache_clear()
    asn.dataset_info()
    assert asn._table.cache_info().currsize == 0
    assert asn.as_organisation(15169) is not None  # the table itself still loads on first lookup
    assert asn._table.cache_info().currsize == 1
