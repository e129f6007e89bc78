"""The cost of one app, app by app: CPU seconds, peak RSS and read() bytes of a scan, each in a fresh
child process forked from a warm parent (the pipeline imported, as in a pool worker), so the
figures are the scan's own. The per-app profile the cluster's scaling model rests on.

    .venv/bin/python bench/profile.py [DIR...]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))

from datatrail.app.pipeline import scan_file  # noqa: E402
from datatrail.report.json import to_json  # noqa: E402


def _io_read() -> int:
    try:
        for line in Path("/proc/self/io").read_text().splitlines():
            if line.startswith("rchar:"):
                return int(line.split()[1])
    except OSError:
        pass
    return -1


def _one(app: Path) -> tuple[float, int, int, float] | None:
    """(CPU s, peak RSS KB, bytes read, wall s) of scanning ``app`` in a forked child."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        start_io = _io_read()
        t0 = time.perf_counter()
        try:
            to_json(scan_file(app))
            ok = b"1"
        except Exception:  # noqa: BLE001 - an input that fails is left out of the profile
            ok = b"0"
        wall = time.perf_counter() - t0
        os.write(write_fd, ok + f" {_io_read() - start_io} {wall}".encode())
        os._exit(0)
    os.close(write_fd)
    payload = os.read(read_fd, 200).decode()
    os.close(read_fd)
    _, _, usage = os.wait4(pid, 0)
    ok, read, wall = payload.split()
    if ok != "1":
        return None
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss, int(read), float(wall)


def main() -> int:
    dirs = [Path(a) for a in sys.argv[1:]] or [REPO.parent / "shared" / "corpus" / "apk"]
    apps = [p for d in dirs for p in sorted(d.rglob("*")) if p.suffix in (".apk", ".aab", ".apks") and p.is_file()]
    scan_file(apps[0])  # warm: the pipeline and its tables are loaded in the parent, as in a worker
    rows = []
    for app in apps:
        got = _one(app)
        if got is not None:
            rows.append((app, *got))
    cpu = [r[1] for r in rows]
    rss = [r[2] for r in rows]
    read = [r[3] for r in rows]
    size = [r[0].stat().st_size for r in rows]
    lines = [f"# Per-app profile, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
             f"{len(rows)} apps scanned (of {len(apps)}), each in a child forked from a warm parent.", "",
             "| | median | p90 | max |", "|---|---:|---:|---:|"]
    for label, values, fmt in (("file size", size, lambda v: f"{v / 2**20:.1f} MB"), ("CPU", cpu, lambda v: f"{v:.2f} s"),
                               ("peak RSS (child)", rss, lambda v: f"{v / 1024:.0f} MB"),
                               ("read() bytes besides the mapped file", read, lambda v: f"{v / 2**20:.1f} MB")):
        ordered = sorted(values)
        lines.append(f"| {label} | {fmt(statistics.median(ordered))} | {fmt(ordered[int(len(ordered) * 0.9)])} | {fmt(ordered[-1])} |")
    biggest = max(rows, key=lambda r: r[0].stat().st_size)
    lines += ["", f"Largest: {biggest[0].name}, {biggest[0].stat().st_size / 2**20:.1f} MB: {biggest[1]:.2f} s CPU, "
                  f"{biggest[2] / 1024:.0f} MB peak RSS, {biggest[3] / 2**20:.1f} MB read().",
              "", "The scan memory-maps its input, so the file itself is read through page faults (at most its size, "
              "once); read() counts the rest (knowledge tables are loaded before the fork)."]
    text = "\n".join(lines) + "\n"
    print(text)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "profile.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
