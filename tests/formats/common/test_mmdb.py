"""Our MaxMind DB reader against the ``maxminddb`` package (the oracle), on the shipped DB-IP file and on damaged copies."""

from __future__ import annotations

import random
from ipaddress import IPv4Address, IPv6Address, ip_address

import maxminddb
import pytest

from datatrail.formats.common.mmdb import MmdbError, MmdbReader
from datatrail.knowledge.datafile import data_path

MMDB = data_path("geo-dbip-country.mmdb")


@pytest.fixture(scope="module")
def ours() -> MmdbReader:
    return MmdbReader.open(MMDB)


@pytest.fixture(scope="module")
def oracle() -> maxminddb.Reader:
    return maxminddb.open_database(str(MMDB), maxminddb.MODE_MMAP)


def test_metadata_agrees(ours: MmdbReader, oracle: maxminddb.Reader) -> None:
    meta = oracle.metadata()
    for key in ("node_count", "record_size", "ip_version", "database_type", "languages", "build_epoch",
                "binary_format_major_version", "binary_format_minor_version", "description"):
        assert ours.metadata[key] == getattr(meta, key), key


def test_random_addresses_agree(ours: MmdbReader, oracle: maxminddb.Reader) -> None:
    rnd = random.Random(20261128)
    found = 0
    for i in range(40_000):
        if i % 2:
            ip: IPv4Address | IPv6Address = IPv4Address(rnd.getrandbits(32))
        else:
            ip = IPv6Address((0x2000 << 112) | rnd.getrandbits(116))  # global unicast, where the data is
        ours_record = ours.get(ip)
        assert ours_record == oracle.get(ip), ip
        found += ours_record is not None
    assert found > 20_000


@pytest.mark.parametrize(
    ("ip", "country"),
    [("8.8.8.8", "US"), ("1.2.3.4", "AU"), ("2001:4860:4860::8888", "CA"), ("203.205.254.157", "HK")],
)
def test_known_addresses(ours: MmdbReader, oracle: maxminddb.Reader, ip: str, country: str) -> None:
    record = ours.get(ip_address(ip))
    assert record == oracle.get(ip) == {"country_code": country}


def test_every_network_start_agrees(ours: MmdbReader, oracle: maxminddb.Reader) -> None:
    checked = 0
    for network, record in oracle:  # in address order, from 0.0.0.0: the first 100,000 networks
        if checked % 7 == 0:
            assert ours.get(network.network_address) == record, network
            if network.num_addresses > 1:
                assert ours.get(network.broadcast_address) == record, network
        checked += 1
        if checked == 100_000:
            break
    assert checked == 100_000


@pytest.mark.parametrize("cut", [0, 100, 1_000_000, 8_000_000])
def test_truncated_files_raise_clearly(cut: int) -> None:
    data = MMDB.read_bytes()[:cut]
    with pytest.raises(MmdbError):
        reader = MmdbReader(data)
        for ip in ("8.8.8.8", "2001:4860::1", "200.1.1.1"):
            reader.get(ip_address(ip))


def test_damaged_bytes_never_escape_as_other_errors(ours: MmdbReader) -> None:
    original = MMDB.read_bytes()
    marker = original.rfind(b"\xab\xcd\xefMaxMind.com")
    rnd = random.Random(7)
    for _ in range(300):
        blob = bytearray(original)
        for _ in range(20):  # damage the data section and the metadata, where the decoder reads
            at = rnd.randrange(ours.node_count * 6, len(blob))
            blob[at] = rnd.randrange(256)
        try:
            reader = MmdbReader(bytes(blob))
            for _ in range(50):
                reader.get(IPv4Address(rnd.getrandbits(32)))
        except MmdbError:
            pass
    assert marker > 0


def test_pointer_loops_are_refused() -> None:
    # A metadata map whose first key is a pointer to itself.
    blob = b"\xab\xcd\xefMaxMind.com" + bytes([0xE1, 0x20, 0x00])
    with pytest.raises(MmdbError, match="nested too deep|outside"):
        MmdbReader(blob)
