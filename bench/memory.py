#!/usr/bin/env python3
"""Peak memory per input size: APK, IPA, pcap, HAR and mitmproxy inputs of 10, 100 and 300 MB.

Each input is built by this script from real corpus files, then analysed once
by a fresh ``datatrail`` process (``--format json -o FILE``); the child's peak
resident set size comes from ``os.wait4``. The inputs:

- apk: a corpus APK with incompressible assets added (stored) up to the size;
- ipa: a corpus IPA with incompressible files added to its app bundle;
- pcap: a corpus pcap's frames repeated, each copy's IPv4 addresses varied (distinct flows);
- har: synthetic HTTP POSTs of 1.2 KB bodies with 1.2 KB responses (the shape browsers export);
- mitmproxy: a corpus flow file repeated (its records are concatenated tnetstrings).

    .venv/bin/python bench/memory.py                  # 10, 100 and 300 MB
    .venv/bin/python bench/memory.py --sizes 10 100

The table is printed and written to bench/results/memory.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results" / "memory.md"
CORPUS = Path(os.environ.get("DATATRAIL_CORPUS", REPO_ROOT.parent / "shared" / "corpus"))
MB = 1_000_000


def _pad_zip(source: Path, out: Path, size: int, folder: str) -> None:
    shutil.copyfile(source, out)
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_STORED) as z:
        n = 0
        while out.stat().st_size < size:
            z.writestr(f"{folder}pad{n:04d}.bin", os.urandom(min(4 * MB, size - out.stat().st_size + 1)))
            z.fp.flush()  # type: ignore[union-attr]
            n += 1


def build_apk(out: Path, size: int) -> None:
    _pad_zip(CORPUS / "apk" / "bugly-demo" / "BuglyUpgradeDemo-demo.apk", out, size, "assets/")


def build_ipa(out: Path, size: int) -> None:
    source = CORPUS / "ipa" / "app-info" / "iphone.ipa"
    with zipfile.ZipFile(source) as z:
        bundle = next(n for n in z.namelist() if n.endswith(".app/Info.plist"))[: -len("Info.plist")]
    _pad_zip(source, out, size, bundle)


def _pcap_records(path: Path) -> tuple[bytes, list[bytes]]:
    data = path.read_bytes()
    header, pos, records = data[:24], 24, []
    while pos + 16 <= len(data):
        caplen = struct.unpack_from("<I", data, pos + 8)[0]
        records.append(data[pos : pos + 16 + caplen])
        pos += 16 + caplen
    return header, records


def build_pcap(out: Path, size: int) -> None:
    header, records = _pcap_records(CORPUS / "net" / "ndpi" / "pcap" / "instagram.pcap")
    with out.open("wb") as f:
        f.write(header)
        written, copy = 24, 0
        while written < size:
            copy += 1
            for rec in records:
                frame = bytearray(rec)
                if len(frame) >= 16 + 34 and frame[16 + 12 : 16 + 14] == b"\x08\x00":  # Ethernet + IPv4
                    frame[16 + 14 + 13] = copy % 256  # source address, third octet
                    frame[16 + 14 + 17] = (copy // 256) % 256  # destination address, third octet
                f.write(frame)
                written += len(frame)


def build_har(out: Path, size: int) -> None:
    body = "x" * 1200
    with out.open("w") as f:
        f.write('{"log":{"version":"1.2","creator":{"name":"bench","version":"1"},"entries":[')
        n = written = 0
        while written < size:
            entry = {"startedDateTime": "2024-01-01T00:00:00Z", "time": 12,
                     "request": {"method": "POST", "url": f"https://api{n % 50}.example.com/v1/e?id={n}",
                                 "httpVersion": "HTTP/1.1", "headers": [{"name": "Content-Type", "value": "application/json"}],
                                 "headersSize": -1, "bodySize": 40,
                                 "postData": {"mimeType": "application/json", "text": json.dumps({"email": f"u{n}@example.org", "pad": body})}},
                     "response": {"status": 200, "headers": [], "content": {"size": len(body), "mimeType": "text/plain", "text": body},
                                  "headersSize": -1, "bodySize": len(body)}}
            text = ("," if n else "") + json.dumps(entry)
            f.write(text)
            written += len(text)
            n += 1
        f.write("]}}")


def build_mitmproxy(out: Path, size: int) -> None:
    data = (CORPUS / "net" / "mitmproxy" / "flows" / "diff_data.mitm").read_bytes()
    with out.open("wb") as f:
        for _ in range(size // len(data) + 1):
            f.write(data)


BUILDERS: dict[str, tuple[str, str, Callable[[Path, int], None]]] = {
    "apk": ("scan", ".apk", build_apk),
    "ipa": ("scan", ".ipa", build_ipa),
    "pcap": ("capture", ".pcap", build_pcap),
    "har": ("capture", ".har", build_har),
    "mitmproxy": ("capture", ".mitm", build_mitmproxy),
}


def measure(command: str, path: Path, out: Path) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit code) of one fresh datatrail process."""
    argv = [sys.executable, "-m", "datatrail.cli", command, str(path), "--format", "json", "-o", str(out)]
    if command == "scan":
        argv.append("--accept-partial")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")}
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 300], metavar="MB")
    parser.add_argument("--kinds", nargs="+", choices=list(BUILDERS), default=list(BUILDERS))
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"bench/memory.py: the corpus is needed to build inputs (set DATATRAIL_CORPUS); not at {CORPUS}")
        return 2
    rows = []
    with tempfile.TemporaryDirectory(prefix="datatrail-memory-") as tmp:
        for kind in args.kinds:
            command, suffix, build = BUILDERS[kind]
            for size in args.sizes:
                path = Path(tmp) / f"input-{size}{suffix}"
                build(path, size * MB)
                wall, rss, code = measure(command, path, Path(tmp) / "out.json")
                actual = path.stat().st_size / MB
                rows.append((kind, actual, rss, wall, code))
                print(f"{kind:10} {actual:7.0f} MB input  peak RSS {rss:7.0f} MB  {wall:6.1f} s  exit {code}", flush=True)
                path.unlink()
    lines = ["| input | size (MB) | peak RSS (MB) | RSS / size | wall (s) | exit |", "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {k} | {s:.0f} | {r:.0f} | {r / s:.2f} | {w:.1f} | {c} |" for k, s, r, w, c in rows]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
