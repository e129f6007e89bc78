#!/usr/bin/env python3
"""Coverage-guided fuzzing of every parser family with atheris (libFuzzer for Python).

    .venv/bin/python fuzz/run.py                      # every harness, 60 s each (make fuzz)
    .venv/bin/python fuzz/run.py --seconds 600 --only dex axml
    .venv/bin/python fuzz/run.py --list

Each harness runs in its own process: atheris instruments datatrail's code as it
is imported, seeds come from the shared corpus (read now, never copied here) and
from a few built-in inputs, and libFuzzer mutates them guided by coverage. An
input that makes a parser raise anything but its documented errors, run longer
than ``--timeout`` or use more than ``--rss-mb`` is written to ``--crashes``
(default fuzz/crashes/, not committed). Minimise one with ``--minimise FILE``,
then add it under tests/fixtures/fuzz/ as a regression test. A summary table
gives each harness's executions, executions per second and crashes.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO / "src"), str(HERE)]


def _one(name: str, args: list[str]) -> None:
    """The child: instrument datatrail, load the harness, hand libFuzzer its seeds and arguments."""
    import atheris

    with atheris.instrument_imports(include=["datatrail"]):
        import harnesses  # noqa: F401 - imports the parsers under instrumentation
        from harnesses import HARNESSES

        harness = HARNESSES[name]
        # The harness imports its parser lazily: run it once here, inside the instrumentation.
        for seed in harnesses.all_seeds(harness)[:1]:
            try:
                harness.run(seed)
            except harness.allowed:
                pass

    def test_one_input(data: bytes) -> None:
        try:
            harness.run(data)
        except harness.allowed:
            pass

    atheris.Setup([sys.argv[0], *args], test_one_input)
    atheris.Fuzz()


_STATS = re.compile(r"#(\d+)\s+DONE.*?exec/s: (\d+)")
_PROGRESS = re.compile(r"#(\d+)\s+\w+.*?exec/s: (\d+)")


def _run_harness(name: str, seconds: int, crashes: Path, timeout: int, rss_mb: int, max_len: int) -> tuple[int, int, int, float]:
    """(executions, executions per second, crash files written, wall seconds) of one harness."""
    sys.path.insert(0, str(HERE))
    from harnesses import HARNESSES, all_seeds

    crashes.mkdir(parents=True, exist_ok=True)
    before = set(crashes.glob(f"{name}-*"))
    max_len = min(max_len, HARNESSES[name].max_len)
    with tempfile.TemporaryDirectory(prefix=f"datatrail-fuzz-{name}-") as work:
        seed_dir = Path(work) / "seeds"
        seed_dir.mkdir()
        for i, seed in enumerate(all_seeds(HARNESSES[name])):
            (seed_dir / f"seed{i:03d}").write_bytes(seed)
        args = [f"-max_total_time={seconds}", f"-timeout={timeout}", f"-rss_limit_mb={rss_mb}", f"-max_len={max_len}",
                f"-artifact_prefix={crashes}/{name}-", "-print_final_stats=1", str(seed_dir)]
        started = time.monotonic()
        proc = subprocess.run([sys.executable, __file__, "--child", name, "--", *args], capture_output=True, text=True,
                              errors="replace", timeout=seconds * 3 + 120, env={**os.environ, "PYTHONPATH": str(REPO / "src")})
        wall = time.monotonic() - started
    log = proc.stderr
    (crashes / f"{name}.log").write_text(log[-200_000:])
    found = _STATS.findall(log) or _PROGRESS.findall(log)
    execs, per_second = (int(found[-1][0]), int(found[-1][1])) if found else (0, 0)
    new = sorted(set(crashes.glob(f"{name}-*")) - before)
    return execs, per_second, len(new), wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:]))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", "60")), help="per harness (default 60)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these harnesses only")
    parser.add_argument("--crashes", type=Path, default=HERE / "crashes", help="where crashing inputs go")
    parser.add_argument("--timeout", type=int, default=10, help="seconds one input may take (default 10)")
    parser.add_argument("--rss-mb", type=int, default=2048, help="memory one harness may use (default 2048)")
    parser.add_argument("--max-len", type=int, default=1 << 20, help="largest input tried, at most (each harness has its own, 64 KiB to 1 MiB)")
    parser.add_argument("--list", action="store_true", help="list the harnesses")
    parser.add_argument("--minimise", type=Path, metavar="FILE", help="minimise this crashing input (with --only NAME)")
    parser.add_argument("--child", metavar="NAME", help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _one(args.child, args.rest)
        return 0
    sys.path.insert(0, str(HERE))
    from harnesses import HARNESSES

    if args.list:
        print("\n".join(HARNESSES))
        return 0
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("fuzz/run.py: atheris is not installed: pip install -e '.[fuzz]'", file=sys.stderr)
        return 2
    names = args.only or list(HARNESSES)
    unknown = [n for n in names if n not in HARNESSES]
    if unknown:
        print(f"fuzz/run.py: no harness named {', '.join(unknown)} (see --list)", file=sys.stderr)
        return 2
    if args.minimise:
        if len(names) != 1:
            print("fuzz/run.py: --minimise needs --only NAME", file=sys.stderr)
            return 2
        out = args.minimise.with_suffix(".min")
        subprocess.run([sys.executable, __file__, "--child", names[0], "--", "-minimize_crash=1", "-runs=20000",
                        f"-exact_artifact_path={out}", str(args.minimise)], env={**os.environ, "PYTHONPATH": str(REPO / "src")})
        print(f"minimised input: {out}")
        return 0
    print(f"{'harness':16} {'executions':>11} {'exec/s':>7} {'crashes':>7} {'wall s':>7}")
    total = 0
    for name in names:
        execs, per_second, crashed, wall = _run_harness(name, args.seconds, args.crashes, args.timeout, args.rss_mb, args.max_len)
        total += crashed
        print(f"{name:16} {execs:>11,} {per_second:>7,} {crashed:>7} {wall:>7.0f}", flush=True)
    print(f"{total} crashing input(s) in {args.crashes}" if total else "no crash")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
