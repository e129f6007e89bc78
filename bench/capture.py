#!/usr/bin/env python3
"""Side-by-side benchmark: ``datatrail capture`` against ``tshark -T fields`` on the same pcaps.

Both tools extract the same facts from every frame of the same capture: the
5-tuple, the TLS/QUIC SNI, the HTTP request line and Host, and the DNS query
name. Each measurement is one fresh process (wall time around the child, CPU
time and peak RSS from ``os.wait4``), repeated ``--runs`` times; medians are
reported with the ratio tshark / datatrail (above 1: datatrail is faster).

Inputs: the shared corpus pcaps (nDPI and PCAPdroid test captures) and one
large synthetic pcap built from them (every IPv4 frame repeated with its
addresses' second octet varied, so the copies are distinct flows), since the
corpus files are small enough that process start-up dominates.

Results: the table is printed and written to bench/results/capture.md, every
raw run to bench/results/capture.json.

    .venv/bin/python bench/capture.py                  # 3 runs, corpus + a ~64 MB synthetic pcap
    .venv/bin/python bench/capture.py --runs 1 --big-mb 16
    .venv/bin/python bench/capture.py --inputs a.pcap b.pcapng
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
VENV_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "net"
TSHARK_FIELDS = ("frame.number", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport",
                 "udp.srcport", "udp.dstport", "tls.handshake.extensions_server_name", "http.host",
                 "http.request.method", "http.request.uri", "dns.qry.name")


@dataclass
class Run:
    tool: str
    input: str
    wall: float
    cpu: float
    max_rss_kb: int
    exit_code: int


def measure(tool: str, label: str, cmd: list[str], timeout: float) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.002)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    return Run(tool, label, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, code)


def datatrail_cmd(python: str, path: Path, out: Path) -> list[str]:
    return [python, "-m", "datatrail.cli", "capture", str(path), "--format", "json", "-o", str(out)]


def tshark_cmd(path: Path) -> list[str]:
    cmd = ["tshark", "-n", "-r", str(path), "-T", "fields"]
    for field in TSHARK_FIELDS:
        cmd += ["-e", field]
    return cmd


def corpus_pcaps() -> list[Path]:
    found = sorted((CORPUS / "ndpi" / "pcap").glob("*")) + sorted((CORPUS / "pcapdroid").glob("*.pcap"))
    skip = ("fuzz", "malformed", "invalid", "garbage", "reasm_")  # broken on purpose: they measure error paths
    return [p for p in found if p.is_file() and not any(s in p.name for s in skip)]


def build_big(sources: list[Path], target_mb: int, out: Path) -> Path:
    """One Ethernet pcap of about target_mb: the corpus' IPv4 frames over and over, each pass its own flows."""
    sys.path.insert(0, str(REPO_ROOT / "src"))
    from datatrail.formats.net.packets import link_payload
    from datatrail.formats.net.pcap import read_frames
    from datatrail.model.diagnostic import DiagnosticLog

    frames: list[bytes] = []
    for path in sources:
        for frame in read_frames(path.read_bytes(), DiagnosticLog(), str(path)):
            ip = link_payload(frame.linktype, frame.data)
            if ip and ip[0] >> 4 == 4 and len(ip) >= 20:
                frames.append(ip)
    if not frames:
        raise SystemExit("no IPv4 frames in the corpus to build the synthetic capture from")
    ether = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00"
    limit = target_mb << 20
    with out.open("wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        size, rep, t = 24, 0, 1_700_000_000.0
        while size < limit:
            rep += 1
            for ip in frames:
                data = bytearray(ip)
                data[13] ^= rep & 0xFF
                data[17] ^= rep & 0xFF
                record = ether + bytes(data)
                t += 0.0001
                fh.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(record), len(record)) + record)
                size += 16 + len(record)
    return out


def _median(runs: list[Run], name: str, tool: str, attr: str) -> float:
    values = [getattr(r, attr) for r in runs if r.input == name and r.tool == tool and r.exit_code == 0]
    return statistics.median(values) if values else float("nan")


def table(runs: list[Run]) -> str:
    """Wall and CPU medians per input; CPU is the steadier measure on a shared machine."""
    inputs = list(dict.fromkeys(r.input for r in runs))
    lines = ["| input | size | datatrail wall s | tshark wall s | wall ratio | datatrail CPU s | tshark CPU s | "
             "CPU ratio | datatrail peak RSS MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    sums = {key: 0.0 for key in ("dw", "tw", "dc", "tc")}
    for name in inputs:
        dw, tw = _median(runs, name, "datatrail", "wall"), _median(runs, name, "tshark", "wall")
        dc, tc = _median(runs, name, "datatrail", "cpu"), _median(runs, name, "tshark", "cpu")
        for key, value in zip(("dw", "tw", "dc", "tc"), (dw, tw, dc, tc)):
            sums[key] += value
        rss = max((r.max_rss_kb for r in runs if r.input == name and r.tool == "datatrail"), default=0) / 1024
        size = Path(name).stat().st_size / 1e6 if Path(name).exists() else 0.0
        lines.append(f"| {Path(name).name} | {size:.2f} MB | {dw:.3f} | {tw:.3f} | {tw / dw:.2f}x | {dc:.3f} | "
                     f"{tc:.3f} | {tc / dc:.2f}x | {rss:.0f} |")
    lines.append(f"| **all inputs (sums of medians)** | | {sums['dw']:.2f} | {sums['tw']:.2f} | "
                 f"**{sums['tw'] / sums['dw']:.2f}x** | {sums['dc']:.2f} | {sums['tc']:.2f} | "
                 f"**{sums['tc'] / sums['dc']:.2f}x** | |")
    lines.append("\nRatios are tshark / datatrail: above 1 means datatrail was faster.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--inputs", nargs="*", type=Path, default=None, help="captures (default: the corpus pcaps)")
    parser.add_argument("--big-mb", type=int, default=64, help="size of the synthetic capture; 0 for none")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--python", default=str(VENV_PYTHON))
    args = parser.parse_args(argv)
    if shutil.which("tshark") is None:
        print("tshark is not installed (apt-get install tshark)", file=sys.stderr)
        return 2
    inputs = list(args.inputs) if args.inputs is not None else corpus_pcaps()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="dt-bench-capture-") as tmp:
        if args.big_mb > 0 and args.inputs is None:
            inputs.append(build_big(inputs, args.big_mb, Path(tmp) / f"synthetic-{args.big_mb}mb.pcap"))
        out = Path(tmp) / "out.json"
        for path in inputs:
            for _ in range(args.runs):  # interleaved, so drift in machine load hits both tools alike
                runs.append(measure("datatrail", str(path), datatrail_cmd(args.python, path, out), args.timeout))
                runs.append(measure("tshark", str(path), tshark_cmd(path), args.timeout))
        text = table(runs)
    RESULTS_DIR.mkdir(exist_ok=True)
    header = (f"# datatrail capture vs tshark -T fields ({args.runs} runs each, medians; "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n\n")
    (RESULTS_DIR / "capture.md").write_text(header + text + "\n", encoding="utf-8")
    (RESULTS_DIR / "capture.json").write_text(json.dumps([asdict(r) for r in runs], indent=1), encoding="utf-8")
    print(header + text)
    return 0 if all(r.exit_code == 0 for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
