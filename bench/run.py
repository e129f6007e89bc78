#!/usr/bin/env python3
"""Side-by-side benchmark: ``datatrail scan`` against androguard and exodus-core on real APKs.

Every measurement is one fresh process.  For each input and each tool the
benchmark starts the tool ``--runs`` times and records, per run, the wall time
(``time.perf_counter`` around the child), the child's CPU time (user + system)
and its peak resident set size, both from ``os.wait4``.  Medians are reported
because these machines are noisy.

Tools:
  datatrail       ``python -m datatrail.cli scan FILE --format json -o TMP``
  androguard      ``androguard.misc.AnalyzeAPK(FILE)`` (full analysis + xrefs)
  androguard-apk  ``androguard.core.apk.APK(FILE)`` + permissions + package
  exodus          exodus-core's static tracker analysis (own venv, offline tracker list)
  mobsf           MobSF's static analysis (own Python 3.12 venv, offline, no JADX)
  floor           read (inflate) every ``classes*.dex`` with ``zipfile``

Inputs: the large APKs of shared/corpus/fetch-large.sh and the synthetic
super-app that bench/superapp.py builds from real corpus dex (>= 150 MB of dex).

Results go to bench/results/latest.md (the tables, also printed) and
bench/results/latest.json (every raw run).  Run ``bench/run.py --help``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, NoReturn, Sequence

import others
import superapp

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
CACHE_DIR = BENCH_DIR / ".cache" / "large"
RESULTS_DIR = BENCH_DIR / "results"
VENV_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"

# The APKs fetch-large.sh downloads, largest first.
DEFAULT_APKS = (
    "appium-uiautomator2-server-v10.6.6.apk",
    "ApiDemos-debug.apk",
    "settings_apk-debug.apk",
)
TOOLS = ("datatrail", "androguard", "androguard-apk", "exodus", "mobsf", "floor")
TOOL_LABELS = {
    "datatrail": "datatrail scan",
    "androguard": "androguard AnalyzeAPK",
    "androguard-apk": "androguard APK only",
    "exodus": "exodus-core trackers",
    "mobsf": "MobSF static",
    "floor": "floor (inflate dex)",
}
SUPERAPP_CACHE = BENCH_DIR / ".cache" / "superapp"

MB = 1_000_000  # decimal megabytes everywhere, RSS included (the stricter reading of "250 MB")
QUICK_SKIP_BYTES = 10 * MB  # --quick skips AnalyzeAPK on inputs larger than this
HEAVY_DEX_BYTES = 100 * MB  # AnalyzeAPK runs once, not --runs times, on inputs with more dex than this
HEAVY_TIMEOUT_S = 1200.0  # ... and may take this long (about 4 min and 12 GB on the super-app when idle)
HEAVY_TOOLS = ("androguard", "mobsf")
MOBSF_HEAVY_SKIP = (
    "MobSF is not run on inputs with over 100 MB of dex: it starts one JVM (-Xmx1024M) per dex file at once "
    "to make smali (47 here); on this shared 2-core machine that drove the load average to 145 while its "
    "tracker detection alone ran for minutes"
)
GOAL_SPEEDUP = 25.0  # × AnalyzeAPK's wall time
GOAL_EXODUS = 5.0  # × exodus-core's wall time
GOAL_FLOOR = 5.0  # datatrail wall within this many times the inflate floor
GOAL_RSS_OVER_DEX = 2.0  # peak RSS under this × the uncompressed dex + GOAL_RSS_BASE_MB
GOAL_RSS_BASE_MB = 150.0
GOAL_SUPERAPP_S = 20.0
DEX_NAME = re.compile(r"classes\d*\.dex")

EXIT_USAGE = 2

ANDROGUARD_FULL = """\
import sys
from loguru import logger
logger.remove()
from androguard.misc import AnalyzeAPK
AnalyzeAPK(sys.argv[1])
"""

ANDROGUARD_APK = """\
import sys
from loguru import logger
logger.remove()
from androguard.core.apk import APK
apk = APK(sys.argv[1])
apk.get_permissions()
apk.get_package()
"""

FLOOR = """\
import re, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive:
    for name in archive.namelist():
        if re.fullmatch(r"classes\\d*\\.dex", name):
            archive.read(name)
"""

PROBE = """\
import importlib.metadata as md, json, platform
def version(name):
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return None
print(json.dumps({"python": platform.python_version(),
                  "androguard": version("androguard"),
                  "datatrail": version("datatrail")}))
"""


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class InputInfo:
    path: str
    name: str
    size_bytes: int
    dex_count: int | None  # None: not a zip archive
    dex_bytes: int | None  # total uncompressed size of classes*.dex


@dataclass(frozen=True)
class Run:
    input: str
    tool: str
    index: int
    status: str  # ok | error | timeout | skipped
    returncode: int | None = None
    wall_s: float | None = None
    user_s: float | None = None
    sys_s: float | None = None
    cpu_s: float | None = None
    peak_rss_mb: float | None = None
    detail: str = ""  # stderr tail on error, reason when skipped


@dataclass(frozen=True)
class Summary:
    """Medians over the successful runs of one tool on one input."""

    runs_ok: int
    runs_total: int
    status: str  # ok, or the status shared by every run when none succeeded
    wall_s: float | None
    cpu_s: float | None
    peak_rss_mb: float | None
    wall_min_s: float | None
    wall_max_s: float | None


# --------------------------------------------------------------------------- errors


def die(message: str, code: int = EXIT_USAGE) -> NoReturn:
    print(f"bench: error: {message}", file=sys.stderr)
    sys.exit(code)


# --------------------------------------------------------------------------- inputs


def corpus_dir() -> Path:
    """shared/corpus: $DATATRAIL_CORPUS, else the ``shared`` sibling of the repository."""
    env = os.environ.get("DATATRAIL_CORPUS")
    return Path(env).resolve() if env else REPO_ROOT.parent / "shared" / "corpus"


def fetch_default_inputs(dest: Path) -> list[Path]:
    """Run fetch-large.sh into ``dest`` (kept files are not downloaded again); exit 2 on failure."""
    script = corpus_dir() / "fetch-large.sh"
    if not script.is_file():
        die(f"{script} not found; set DATATRAIL_CORPUS to the shared/corpus directory, or pass --inputs")
    print(f"bench: fetching inputs: bash {script} {dest}", file=sys.stderr)
    try:
        proc = subprocess.run(["bash", str(script), str(dest)], capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        die("fetching the benchmark APKs timed out after 900 s (slow or no network?); or pass --inputs")
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        die(
            f"fetching the benchmark APKs failed (fetch-large.sh exit {proc.returncode}). It downloads from the "
            f"npm registry with `npm pack`, so it needs `npm` and network access; or pass --inputs FILE...\n{tail}"
        )
    paths = [dest / name for name in DEFAULT_APKS]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        die(f"fetch-large.sh succeeded but these files are missing: {', '.join(missing)}")
    return paths


def describe_input(path: Path) -> InputInfo:
    dex_count: int | None = None
    dex_bytes: int | None = None
    try:
        with zipfile.ZipFile(path) as archive:
            dex = [i for i in archive.infolist() if DEX_NAME.fullmatch(i.filename)]
            dex_count, dex_bytes = len(dex), sum(i.file_size for i in dex)
    except zipfile.BadZipFile:
        pass
    return InputInfo(str(path), path.name, path.stat().st_size, dex_count, dex_bytes)


# --------------------------------------------------------------------------- measuring


def trackers_json() -> Path:
    """The ETIP tracker snapshot exodus-core is fed instead of its web API."""
    return corpus_dir().parent / "data" / "etip-trackers.json"


def prepare_tools(tools: Sequence[str], python: Path) -> dict[str, str]:
    """Tool -> why it cannot run here; installs exodus-core's venv on first use."""
    unavailable: dict[str, str] = {}
    if "exodus" in tools:
        reason = "" if trackers_json().is_file() else f"{trackers_json()} not found"
        reason = reason or others.ensure_exodus(python)
        if reason:
            unavailable["exodus"] = reason
    if "mobsf" in tools:
        reason = others.ensure_mobsf()
        if reason:
            unavailable["mobsf"] = reason
    for tool, reason in unavailable.items():
        print(f"bench: {TOOL_LABELS[tool]} skipped: {reason}", file=sys.stderr)
    return unavailable


def tool_command(tool: str, python: Path, apk: Path, out_dir: Path) -> list[str]:
    if tool == "datatrail":
        out = out_dir / "report.json"
        return [str(python), "-m", "datatrail.cli", "scan", str(apk), "--format", "json", "-o", str(out)]
    if tool == "exodus":
        return [str(others.exodus_python()), "-c", others.EXODUS_DRIVER, str(apk), str(trackers_json())]
    if tool == "mobsf":
        return [str(others.mobsf_python()), "-c", others.MOBSF_DRIVER, str(apk), str(others.MOBSF_HOME)]
    script = {"androguard": ANDROGUARD_FULL, "androguard-apk": ANDROGUARD_APK, "floor": FLOOR}[tool]
    return [str(python), "-c", script, str(apk)]


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:  # already gone
        pass


def _rss_mb(ru_maxrss: int) -> float:
    """ru_maxrss is in KiB on Linux, in bytes on macOS."""
    scale = 1 if sys.platform == "darwin" else 1024
    return ru_maxrss * scale / MB


def child_env() -> dict[str, str]:
    """The environment of every measured process: ours, but allowed to write ``.pyc`` files.

    With PYTHONDONTWRITEBYTECODE set (as in some CI shells) an editable
    install recompiles every module on every run, while the other tools'
    site-packages were compiled by pip: the warm-up run writes the caches, as
    a user's first run would.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(cmd: Sequence[str], timeout_s: float,
            on_start: Callable[[int], None] | None = None) -> tuple[str, int | None, float, resource.struct_rusage, str]:
    """Run ``cmd`` once; return (status, returncode, wall seconds, rusage, stderr tail).

    The child runs in its own session so a timeout can kill it and anything it started.
    ``on_start`` gets the child's pid as soon as it exists (the corpus mode samples its tree's RSS).
    """
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
            cwd=REPO_ROOT, start_new_session=True, env=child_env(),
        )
        if on_start is not None:
            on_start(proc.pid)
        timed_out = threading.Event()

        def on_timeout() -> None:
            timed_out.set()
            _kill_group(proc.pid)

        timer = threading.Timer(timeout_s, on_timeout)
        timer.daemon = True
        timer.start()
        try:
            _, wait_status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # e.g. Ctrl-C: do not leave the child running
            _kill_group(proc.pid)
            os.wait4(proc.pid, 0)
            raise
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        # Whatever the tool left behind in its session (MobSF's smali converter
        # runs in a daemon thread's subprocess) must not run into the next measurement.
        _kill_group(proc.pid)
        proc.returncode = os.waitstatus_to_exitcode(wait_status)  # already reaped; keep Popen from waiting
        stderr.seek(0)
        tail = stderr.read()[-1500:].decode("utf-8", errors="replace").strip()
    if timed_out.is_set():
        return "timeout", proc.returncode, wall, usage, tail
    return ("ok" if proc.returncode == 0 else "error"), proc.returncode, wall, usage, tail


def run_once(tool: str, python: Path, apk: Path, index: int, timeout_s: float) -> Run:
    with tempfile.TemporaryDirectory(prefix="datatrail-bench-") as tmp:
        cmd = tool_command(tool, python, apk, Path(tmp))
        status, code, wall, usage, tail = measure(cmd, timeout_s)
        report = Path(tmp) / "report.json"
        if status == "ok" and tool == "datatrail" and (not report.is_file() or report.stat().st_size == 0):
            status, tail = "error", "datatrail exited 0 but wrote an empty report"
    return Run(
        input=apk.name, tool=tool, index=index, status=status, returncode=code,
        wall_s=round(wall, 4), user_s=round(usage.ru_utime, 4), sys_s=round(usage.ru_stime, 4),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 4), peak_rss_mb=round(_rss_mb(usage.ru_maxrss), 1),
        detail="" if status == "ok" else tail,
    )


def should_skip(tool: str, info: InputInfo, quick: bool, index: int, unavailable: dict[str, str]) -> str:
    """Reason to skip run ``index`` of ``tool`` on this input, or ''."""
    if tool in unavailable:
        return unavailable[tool]
    if quick and tool in HEAVY_TOOLS and info.size_bytes > QUICK_SKIP_BYTES:
        return f"--quick skips {TOOL_LABELS[tool]} on inputs over {QUICK_SKIP_BYTES // MB} MB"
    if tool == "mobsf" and (info.dex_bytes or 0) > HEAVY_DEX_BYTES:
        return MOBSF_HEAVY_SKIP
    if tool in HEAVY_TOOLS and index > 0 and (info.dex_bytes or 0) > HEAVY_DEX_BYTES:
        return f"{TOOL_LABELS[tool]} runs once on inputs with over {HEAVY_DEX_BYTES // MB} MB of dex (minutes, GBs of RAM)"
    return ""


def log_run(run: Run, runs: int) -> None:
    where = f"{run.tool:<15} {run.input:<40} run {run.index + 1}/{runs}"
    if run.status == "ok":
        print(f"  {where}  {run.wall_s:8.2f} s wall  {run.cpu_s:8.2f} s CPU  {run.peak_rss_mb:8.1f} MB", file=sys.stderr)
    else:
        first = run.detail.splitlines()[-1] if run.detail else ""
        print(f"  {where}  {run.status.upper()} (exit {run.returncode}) {first}", file=sys.stderr)


def warm_up(tools: Sequence[str], python: Path, info: InputInfo, timeout_s: float,
            unavailable: dict[str, str]) -> None:
    """One unrecorded run of each tool on the smallest input: page cache and .pyc files."""
    print(f"bench: warm-up on {info.name} (not recorded)", file=sys.stderr)
    for tool in tools:
        if tool not in unavailable:
            run_once(tool, python, Path(info.path), -1, timeout_s)


def benchmark(infos: Sequence[InputInfo], tools: Sequence[str], python: Path,
              runs: int, timeout_s: float, quick: bool, unavailable: dict[str, str]) -> list[Run]:
    """Tools are interleaved run by run so drift on a noisy machine hits them alike."""
    results: list[Run] = []
    for info in infos:
        print(f"bench: {info.name}", file=sys.stderr)
        for index in range(runs):
            for tool in tools:
                reason = should_skip(tool, info, quick, index, unavailable)
                if reason:
                    if tool not in unavailable and not any(
                        r.tool == tool and r.input == info.name and r.status == "skipped" for r in results
                    ):
                        print(f"  {tool:<15} skipped: {reason}", file=sys.stderr)
                    results.append(Run(info.name, tool, index, "skipped", detail=reason))
                    continue
                heavy = tool in HEAVY_TOOLS and (info.dex_bytes or 0) > HEAVY_DEX_BYTES
                limit = max(timeout_s, HEAVY_TIMEOUT_S) if heavy else timeout_s
                run = run_once(tool, python, Path(info.path), index, limit)
                log_run(run, runs)
                results.append(run)
    return results



# --------------------------------------------------------------------------- corpus mode


def _children(pid: int) -> list[int]:
    """Direct children, from /proc (Linux with CONFIG_PROC_CHILDREN); [] when unavailable or gone."""
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                kids.extend(int(k) for k in fh.read().split())
    except OSError:
        pass
    return kids


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of one process so far, from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


class TreeSampler:
    """Polls a process tree every ``interval`` seconds: the peak of its summed RSS, and its CPU time.

    CPU is the sum over every process ever seen of its last sampled utime + stime.
    It is needed because wait4's rusage misses the workers: datatrail forks them
    from a forkserver, which reaps them, and the forkserver itself is not waited
    for. A process's last ``interval`` of CPU can be missed.
    """

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total, todo = 0, [self.pid]
            while todo:
                current = todo.pop()
                total += _rss_bytes(current)
                cpu = _cpu_seconds(current)
                if cpu is not None:
                    self.cpu[current] = cpu
                todo.extend(_children(current))
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu.values())

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass(frozen=True)
class CorpusRun:
    jobs: int
    index: int
    status: str
    returncode: int | None
    wall_s: float
    cpu_s: float  # the sampled CPU of the whole tree (see TreeSampler), or wait4's when larger
    analysed: int | None
    failed: int | None
    skipped: int | None
    apps_per_minute: float | None  # (analysed + failed) per minute of this run's wall time, start-up included
    max_process_rss_mb: float  # ru_maxrss of the wait4 rusage: the largest single process of the tree
    peak_tree_rss_mb: float | None  # sampled sum over the tree (None without /proc)
    detail: str = ""


def corpus_once(python: Path, dirs: Sequence[Path], jobs: int, index: int, timeout_s: float) -> CorpusRun:
    with tempfile.TemporaryDirectory(prefix="datatrail-bench-") as tmp:
        summary = Path(tmp) / "summary.json"
        cmd = [str(python), "-m", "datatrail.cli", "scan", *map(str, dirs), "--format", "jsonl",
               "-o", str(Path(tmp) / "reports.jsonl"), "--jobs", str(jobs), "--no-progress",
               "--summary-json", str(summary)]
        sampler: TreeSampler | None = None

        def started(pid: int) -> None:
            nonlocal sampler
            if Path("/proc/self/task").is_dir():
                sampler = TreeSampler(pid).__enter__()

        try:
            status, code, wall, usage, tail = measure(cmd, timeout_s, on_start=started)
        finally:
            if sampler is not None:
                sampler.__exit__()
        counts = json.loads(summary.read_text()) if summary.is_file() else {}
    # Exit 3 only means some input could not be analysed: a corpus of real apps has a few.
    if status == "error" and code == 3 and counts:
        status = "ok"
    analysed, failed = counts.get("analysed"), counts.get("failed")
    done = (analysed or 0) + (failed or 0)
    return CorpusRun(
        jobs=jobs, index=index, status=status, returncode=code, wall_s=round(wall, 3),
        cpu_s=round(max(usage.ru_utime + usage.ru_stime, sampler.cpu_seconds if sampler is not None else 0.0), 3),
        analysed=analysed, failed=failed,
        skipped=counts.get("skipped"), apps_per_minute=round(done * 60 / wall, 1) if counts and wall > 0 else None,
        max_process_rss_mb=round(_rss_mb(usage.ru_maxrss), 1),
        peak_tree_rss_mb=round(sampler.peak / MB, 1) if sampler is not None and sampler.peak else None,
        detail="" if status == "ok" else tail,
    )


def corpus_benchmark(args: argparse.Namespace) -> int:
    dirs: list[Path] = [p.resolve() for p in args.corpus] if args.corpus else [corpus_dir() / "apk", CACHE_DIR]
    if not args.corpus and not all((CACHE_DIR / name).is_file() for name in DEFAULT_APKS):
        fetch_default_inputs(CACHE_DIR)
    missing = [str(d) for d in dirs if not d.exists()]
    if missing:
        die(f"corpus not found: {', '.join(missing)}")
    machine = machine_info(args.python)
    nproc = machine["nproc"] or 1
    job_counts = list(dict.fromkeys([1, nproc]))
    print(f"bench: {machine_line(machine)}", file=sys.stderr)
    if not args.no_warmup:
        print("bench: warm-up run (not recorded)", file=sys.stderr)
        corpus_once(args.python, dirs, nproc, -1, args.timeout)
    runs: list[CorpusRun] = []
    for index in range(args.runs):
        for jobs in job_counts:  # interleaved, as in the tool comparison
            run = corpus_once(args.python, dirs, jobs, index, args.timeout)
            runs.append(run)
            print(f"  --jobs {jobs:<3} run {index + 1}/{args.runs}  {run.status}  {run.wall_s:7.2f} s wall  "
                  f"{run.apps_per_minute} apps/min  tree peak {run.peak_tree_rss_mb} MB  largest process "
                  f"{run.max_process_rss_mb} MB", file=sys.stderr)
    machine["load_1min_end"] = load_average()
    lines = [
        "# datatrail corpus benchmark",
        "",
        f"Machine: {machine_line(machine)}",
        "",
        f"`datatrail scan {' '.join(str(d) for d in dirs)} --format jsonl -o TMP --jobs N`; medians of {args.runs} run(s); "
        "apps/min = (analysed + failed) × 60 / wall time of the whole command, start-up included.",
        "",
    ]
    note = busy_note(machine)
    if note:
        lines += [note, ""]
    lines += [
        "| jobs | runs ok | apps analysed | failed | skipped files | wall s | CPU s (tree) | apps/min | "
        "peak tree RSS MB (sampled sum) | largest process RSS MB (ru_maxrss) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    medians: dict[int, float] = {}
    for jobs in job_counts:
        ok = [r for r in runs if r.jobs == jobs and r.status == "ok"]
        if not ok:
            lines.append(f"| {jobs} | 0/{args.runs} | – | – | – | – | – | – | – | – |")
            continue

        def med(values: Sequence[float | None]) -> float | None:
            present = [v for v in values if v is not None]
            return statistics.median(present) if present else None

        medians[jobs] = med([r.apps_per_minute for r in ok]) or 0.0
        lines.append(
            f"| {jobs} | {len(ok)}/{args.runs} | {ok[0].analysed} | {ok[0].failed} | {ok[0].skipped} | "
            f"{_num(med([r.wall_s for r in ok]))} | {_num(med([r.cpu_s for r in ok]))} | "
            f"{_num(med([r.apps_per_minute for r in ok]), 1)} | {_num(med([r.peak_tree_rss_mb for r in ok]), 0)} | "
            f"{_num(med([r.max_process_rss_mb for r in ok]), 0)} |"
        )
    if 1 in medians and nproc in medians and nproc != 1 and medians[1]:
        lines += ["", f"Speed-up with {nproc} jobs: {medians[nproc] / medians[1]:.2f}× the apps per minute of 1 job."]
    markdown = "\n".join(lines) + "\n"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "corpus.md").write_text(markdown, encoding="utf-8")
    data = {"machine": machine, "dirs": [str(d) for d in dirs], "runs": [asdict(r) for r in runs]}
    (RESULTS_DIR / "corpus.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(markdown)
    print(f"bench: wrote {RESULTS_DIR / 'corpus.md'} and {RESULTS_DIR / 'corpus.json'}", file=sys.stderr)
    failed = [r for r in runs if r.status != "ok"]
    for r in failed:
        print(f"bench: --jobs {r.jobs} run {r.index + 1}: {r.status} (exit {r.returncode})\n{r.detail}", file=sys.stderr)
    return 1 if failed else 0


# --------------------------------------------------------------------------- summarising


def summarise(runs: Sequence[Run]) -> Summary:
    ok = [r for r in runs if r.status == "ok"]
    if not ok:
        statuses = sorted({r.status for r in runs}) or ["not run"]
        return Summary(0, len(runs), "/".join(statuses), None, None, None, None, None)
    walls = [r.wall_s for r in ok if r.wall_s is not None]
    return Summary(
        runs_ok=len(ok), runs_total=len(runs), status="ok",
        wall_s=statistics.median(walls),
        cpu_s=statistics.median(r.cpu_s for r in ok if r.cpu_s is not None),
        peak_rss_mb=statistics.median(r.peak_rss_mb for r in ok if r.peak_rss_mb is not None),
        wall_min_s=min(walls), wall_max_s=max(walls),
    )


def summaries(infos: Sequence[InputInfo], tools: Sequence[str], runs: Sequence[Run]) -> dict[str, dict[str, Summary]]:
    return {
        info.name: {tool: summarise([r for r in runs if r.input == info.name and r.tool == tool]) for tool in tools}
        for info in infos
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def rss_limit_mb(info: InputInfo) -> float | None:
    """The issue's memory goal for this input: 2 × the uncompressed dex + 150 MB."""
    if info.dex_bytes is None:
        return None
    return GOAL_RSS_OVER_DEX * info.dex_bytes / MB + GOAL_RSS_BASE_MB


def is_superapp(info: InputInfo) -> bool:
    return (info.dex_bytes or 0) >= superapp.TARGET_DEX_BYTES * 0.9


def goals_for(per_tool: dict[str, Summary], info: InputInfo) -> dict[str, Any]:
    dt = per_tool.get("datatrail")
    ag = per_tool.get("androguard")
    ex = per_tool.get("exodus")
    mob = per_tool.get("mobsf")
    floor = per_tool.get("floor")
    speedup = ratio(ag.wall_s if ag else None, dt.wall_s if dt else None)
    vs_exodus = ratio(ex.wall_s if ex else None, dt.wall_s if dt else None)
    over_floor = ratio(dt.wall_s if dt else None, floor.wall_s if floor else None)
    rss = dt.peak_rss_mb if dt else None
    limit = rss_limit_mb(info)
    wall = dt.wall_s if dt else None
    return {
        "speedup_vs_analyzeapk": speedup,
        "cpu_ratio_vs_analyzeapk": ratio(ag.cpu_s if ag else None, dt.cpu_s if dt else None),
        "speedup_vs_exodus": vs_exodus,
        "cpu_ratio_vs_exodus": ratio(ex.cpu_s if ex else None, dt.cpu_s if dt else None),
        "speedup_vs_mobsf": ratio(mob.wall_s if mob else None, dt.wall_s if dt else None),
        "datatrail_over_floor": over_floor,
        "datatrail_peak_rss_mb": rss,
        "rss_limit_mb": limit,
        "speedup_goal_met": None if speedup is None else speedup >= GOAL_SPEEDUP,
        "exodus_goal_met": None if vs_exodus is None else vs_exodus >= GOAL_EXODUS,
        "floor_goal_met": None if over_floor is None else over_floor <= GOAL_FLOOR,
        "rss_goal_met": None if rss is None or limit is None else rss < limit,
        "superapp_goal_met": None if wall is None or not is_superapp(info) else wall < GOAL_SUPERAPP_S,
    }


# --------------------------------------------------------------------------- machine


def _git(*args: str) -> str:
    try:
        proc = subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9, 1)
    except (ValueError, OSError, AttributeError):
        return None


def load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def machine_info(python: Path) -> dict[str, Any]:
    probe = subprocess.run([str(python), "-c", PROBE], capture_output=True, text=True, timeout=60)
    versions = json.loads(probe.stdout) if probe.returncode == 0 else {}
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = bool(_git("status", "--porcelain", "--", "src"))
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gb": _memory_gb(),
        "os": platform.platform(),
        "python": versions.get("python"),
        "python_executable": str(python),
        "androguard": versions.get("androguard"),
        "datatrail": versions.get("datatrail"),
        "datatrail_commit": commit,
        "src_uncommitted_changes": dirty,
        "load_1min_start": load_average(),
    }


# --------------------------------------------------------------------------- report


def _num(value: float | None, digits: int = 2, suffix: str = "") -> str:
    return "–" if value is None else f"{value:.{digits}f}{suffix}"


def _cell(summary: Summary, value: float | None, digits: int = 2) -> str:
    return _num(value, digits) if summary.status == "ok" else summary.status


def _verdict(met: bool | None, value: str) -> str:
    if met is None:
        return "not measured"
    return f"**{'met' if met else 'not met'}** ({value})"


def machine_line(machine: dict[str, Any]) -> str:
    commit = machine["datatrail_commit"] + (" + uncommitted changes in src/" if machine["src_uncommitted_changes"] else "")
    return (
        f"{machine['date']} · {machine['nproc']} CPUs ({machine['cpu']}) · {machine['memory_gb']} GB RAM · "
        f"Python {machine['python']} · androguard {machine['androguard']} · datatrail {machine['datatrail']} "
        f"@ {commit} · {machine['os']}"
    )


def busy_note(machine: dict[str, Any]) -> str:
    """A warning when other work competed for the CPUs during the benchmark."""
    loads = [v for v in (machine.get("load_1min_start"), machine.get("load_1min_end")) if v is not None]
    nproc = machine.get("nproc") or 1
    if not loads or max(loads) <= nproc:
        return ""
    return (
        f"**The machine was busy** (1-minute load {' → '.join(f'{v:.1f}' for v in loads)} on {nproc} CPUs): "
        "wall times include time spent waiting for a CPU; CPU times are the steadier reading."
    )


def markdown_report(machine: dict[str, Any], infos: Sequence[InputInfo], tools: Sequence[str],
                    table: dict[str, dict[str, Summary]], runs: int, quick: bool,
                    unavailable: dict[str, str]) -> str:
    note = busy_note(machine)
    lines = [
        "# datatrail benchmark",
        "",
        f"Machine: {machine_line(machine)}",
        "",
        f"Medians of {runs} run(s) per tool and input{' (--quick)' if quick else ''}; each run is a fresh process. "
        "MB = 10^6 bytes. Peak RSS is the child's ru_maxrss.",
        "",
        *([note, ""] if note else []),
        *[f"*{TOOL_LABELS[tool]} not measured:* {reason}." for tool, reason in unavailable.items()],
        *([""] if unavailable else []),
        "## Summary",
        "",
        "| input | size MB | dex files | dex MB (inflated) | datatrail wall s | AnalyzeAPK wall s | exodus-core wall s "
        "| MobSF wall s | × faster than AnalyzeAPK | × faster than exodus-core | × faster than MobSF "
        "| datatrail / floor | datatrail peak RSS MB | RSS goal MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for info in infos:
        per_tool = table[info.name]
        goals = goals_for(per_tool, info)
        dt, ag, ex = per_tool.get("datatrail"), per_tool.get("androguard"), per_tool.get("exodus")
        mob = per_tool.get("mobsf")
        lines.append(
            f"| {info.name} | {info.size_bytes / MB:.1f} | {'–' if info.dex_count is None else info.dex_count} "
            f"| {_num(None if info.dex_bytes is None else info.dex_bytes / MB, 1)} "
            f"| {_cell(dt, dt.wall_s) if dt else '–'} | {_cell(ag, ag.wall_s) if ag else '–'} "
            f"| {_cell(ex, ex.wall_s) if ex else '–'} | {_cell(mob, mob.wall_s) if mob else '–'} "
            f"| {_num(goals['speedup_vs_analyzeapk'], 1, '×')} | {_num(goals['speedup_vs_exodus'], 1, '×')} "
            f"| {_num(goals['speedup_vs_mobsf'], 1, '×')} "
            f"| {_num(goals['datatrail_over_floor'], 1, '×')} "
            f"| {_cell(dt, dt.peak_rss_mb, 0) if dt else '–'} | {_num(goals['rss_limit_mb'], 0)} |"
        )
    lines += ["", "## Goals", "",
              f"| input | ≥ {GOAL_SPEEDUP:.0f}× faster than AnalyzeAPK | ≥ {GOAL_EXODUS:.0f}× faster than exodus-core "
              f"| ≤ {GOAL_FLOOR:.0f}× the inflate floor | peak RSS < {GOAL_RSS_OVER_DEX:.0f}× dex + "
              f"{GOAL_RSS_BASE_MB:.0f} MB | super-app < {GOAL_SUPERAPP_S:.0f} s |",
              "|---|---|---|---|---|---|"]
    for info in infos:
        goals = goals_for(table[info.name], info)
        dt = table[info.name].get("datatrail")
        lines.append(
            f"| {info.name} "
            f"| {_verdict(goals['speedup_goal_met'], _num(goals['speedup_vs_analyzeapk'], 1, '×'))} "
            f"| {_verdict(goals['exodus_goal_met'], _num(goals['speedup_vs_exodus'], 1, '×'))} "
            f"| {_verdict(goals['floor_goal_met'], _num(goals['datatrail_over_floor'], 1, '×'))} "
            f"| {_verdict(goals['rss_goal_met'], _num(goals['datatrail_peak_rss_mb'], 0, ' MB'))} "
            f"| {_verdict(goals['superapp_goal_met'], _num(dt.wall_s if dt else None, 1, ' s')) if is_superapp(info) else '–'} |"
        )
    lines += ["", "## Every tool", "",
              "| input | tool | runs ok | wall s | wall min–max s | CPU s | peak RSS MB |",
              "|---|---|---:|---:|---:|---:|---:|"]
    for info in infos:
        for tool in tools:
            s = table[info.name][tool]
            spread = f"{s.wall_min_s:.2f}–{s.wall_max_s:.2f}" if s.status == "ok" else "–"
            lines.append(
                f"| {info.name} | {TOOL_LABELS[tool]} | {s.runs_ok}/{s.runs_total} | {_cell(s, s.wall_s)} "
                f"| {spread} | {_cell(s, s.cpu_s)} | {_cell(s, s.peak_rss_mb, 0)} |"
            )
    return "\n".join(lines) + "\n"


def json_report(machine: dict[str, Any], infos: Sequence[InputInfo], tools: Sequence[str],
                table: dict[str, dict[str, Summary]], runs: Sequence[Run], args: argparse.Namespace,
                unavailable: dict[str, str]) -> dict[str, Any]:
    return {
        "machine": machine,
        "config": {"runs": args.runs, "tools": list(tools), "timeout_s": args.timeout, "quick": args.quick,
                   "warmup": not args.no_warmup},
        "unavailable": unavailable,
        "inputs": [asdict(i) for i in infos],
        "summary": {
            info.name: {"tools": {tool: asdict(s) for tool, s in table[info.name].items()},
                        "goals": goals_for(table[info.name], info)}
            for info in infos
        },
        "runs": [asdict(r) for r in runs],
    }


# --------------------------------------------------------------------------- command line


def parse_tools(text: str) -> list[str]:
    tools = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in tools if t not in TOOLS]
    if unknown or not tools:
        raise argparse.ArgumentTypeError(f"unknown tool(s) {', '.join(unknown) or '(none)'}; choose from {','.join(TOOLS)}")
    return list(dict.fromkeys(tools))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description="Benchmark `datatrail scan` against androguard AnalyzeAPK and exodus-core on real APKs and a "
                    "synthetic super-app (medians, ratios, peak RSS).",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per tool and input (default: 3)")
    parser.add_argument("--tools", type=parse_tools, default=list(TOOLS),
                        help=f"comma-separated subset of {','.join(TOOLS)} (default: all)")
    parser.add_argument("--inputs", nargs="+", type=Path, metavar="PATH",
                        help="APKs to measure (default: the large APKs of shared/corpus/fetch-large.sh and the "
                             "super-app built by bench/superapp.py)")
    parser.add_argument("--quick", action="store_true",
                        help=f"1 run, and skip AnalyzeAPK on inputs over {QUICK_SKIP_BYTES // MB} MB")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run before it is killed (default: 300)")
    parser.add_argument("--python", type=Path, default=VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable),
                        help="interpreter that runs datatrail, androguard and the floor, and creates exodus-core's "
                             "venv (default: the repository's .venv)")
    parser.add_argument("--no-warmup", action="store_true", help="skip the unrecorded warm-up pass")
    parser.add_argument("--no-superapp", action="store_true",
                        help="leave out the synthetic super-app (bench/superapp.py) from the default inputs")
    parser.add_argument("--corpus", nargs="*", type=Path, metavar="DIR",
                        help="instead of the tool comparison, time `datatrail scan DIR... --format jsonl` with --jobs 1 "
                             "and --jobs <CPUs> (apps/min, peak RSS); without DIR: shared/corpus/apk and the large APKs")
    return parser


def build_superapp(large: Sequence[Path]) -> Path:
    """bench/superapp.py's APK (cached; built on first use, which takes a few seconds).

    It is built in a child process: this one must stay small, because a child's
    peak RSS (ru_maxrss) includes the memory of the process it was forked from.
    """
    print(f"bench: super-app: {SUPERAPP_CACHE / superapp.NAME} (built from real corpus dex when missing)",
          file=sys.stderr)
    cmd = [sys.executable, str(BENCH_DIR / "superapp.py"), str(corpus_dir()), str(SUPERAPP_CACHE), *map(str, large)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        die(f"cannot build the super-app: {proc.stderr.strip()}")
    return Path(proc.stdout.strip())


def resolve_inputs(paths: Sequence[Path] | None, with_superapp: bool) -> list[Path]:
    if not paths:
        large = fetch_default_inputs(CACHE_DIR)
        return [*large, build_superapp(large)] if with_superapp else large
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        die(f"input not found: {', '.join(missing)}")
    return [p.resolve() for p in paths]


def write_results(markdown: str, data: dict[str, Any]) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "latest.md").write_text(markdown, encoding="utf-8")
    (RESULTS_DIR / "latest.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.quick:
        args.runs = 1
    if args.runs < 1:
        die("--runs must be at least 1")
    if not args.python.exists():
        die(f"interpreter {args.python} not found; run `make venv` or pass --python")
    if args.corpus is not None:
        return corpus_benchmark(args)
    tools: list[str] = args.tools
    infos = [describe_input(p) for p in resolve_inputs(args.inputs, not args.no_superapp)]
    unavailable = prepare_tools(tools, args.python)
    machine = machine_info(args.python)
    print(f"bench: {machine_line(machine)}", file=sys.stderr)
    if not args.no_warmup:
        warm_up(tools, args.python, min(infos, key=lambda i: i.size_bytes), args.timeout, unavailable)
    runs = benchmark(infos, tools, args.python, args.runs, args.timeout, args.quick, unavailable)
    machine["load_1min_end"] = load_average()
    table = summaries(infos, tools, runs)
    markdown = markdown_report(machine, infos, tools, table, args.runs, args.quick, unavailable)
    write_results(markdown, json_report(machine, infos, tools, table, runs, args, unavailable))
    print(markdown)
    print(f"bench: wrote {RESULTS_DIR / 'latest.md'} and {RESULTS_DIR / 'latest.json'}", file=sys.stderr)
    failed = [r for r in runs if r.status in ("error", "timeout")]
    for r in failed:
        print(f"bench: {r.tool} on {r.input} run {r.index + 1}: {r.status} (exit {r.returncode})\n{r.detail}",
              file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
