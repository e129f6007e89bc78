"""``datatrail scan INPUTS --cluster local:N|tcp://HOST:PORT --out DIR | --database URL``: a corpus on Dask.

Inputs are folders (searched like a local scan), files, or ``.txt`` lists of paths (one per line,
``#`` comments; paths on a filesystem the workers share, unless ``--ship`` sends the bytes).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datatrail.cli.commands.common import EXIT_INPUT, EXIT_OK, EXIT_USAGE, Errors

if TYPE_CHECKING:
    from datatrail.cluster.run import ClusterSummary

__all__ = ["add_arguments", "run_cluster", "expand_lists"]


def add_arguments(scan: argparse.ArgumentParser) -> None:
    group = scan.add_argument_group("corpus scans on Dask (the [cluster] extra)")
    group.add_argument("--cluster", metavar="SPEC",
                       help="scan on Dask: local:N (N workers here, each with its own scanning process) or a scheduler address, tcp://HOST:8786")
    group.add_argument("--out", type=Path, metavar="DIR",
                       help="with --cluster: where the reports (reports/, by sha256), the Parquet tables (tables/) and the "
                       "index go; a second run into the same DIR skips what is done")
    group.add_argument("--database", metavar="URL",
                       help="with --cluster: record every report in the service's store at URL (what `datatrail serve "
                       "--database URL` reads), with --out or instead of it; without --out the store is the index a rerun "
                       "skips by (the same bytes scanned by the same tool and datasets)")
    group.add_argument("--ship", action="store_true",
                       help="with --cluster: send each input's bytes to the workers (for clusters without a shared filesystem)")


def expand_lists(files: list[Path], err: Errors) -> list[Path] | None:
    """``.txt`` inputs replaced by the paths they list; None (after saying why) when one cannot be read."""
    out: list[Path] = []
    for f in files:
        if f.suffix == ".txt" and f.is_file():
            try:
                lines = f.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                err.print(f"datatrail: error: {f}: cannot read the list of paths ({exc})")
                return None
            out += [Path(line.strip()) for line in lines if line.strip() and not line.lstrip().startswith("#")]
        else:
            out.append(f)
    return out


def _dashboard(client: Any) -> str | None:
    """The scheduler's dashboard link when one answers there. Dask gives a link whenever the
    scheduler runs its HTTP server, which it does without the dashboard too (``--no-dashboard``,
    or bokeh not installed), and that link then leads to a 404."""
    if "dashboard" not in client.scheduler_info(n_workers=0).get("services", {}):
        return None
    link = str(client.dashboard_link)
    try:
        with urllib.request.urlopen(link, timeout=1.0) as answer:  # noqa: S310 - the scheduler's own http(s) link
            return link if answer.status == 200 else None
    except (OSError, ValueError):
        return None


def run_cluster(args: argparse.Namespace, err: Errors) -> int:
    if args.out is None and args.database is None:
        err.print("datatrail: error: --cluster needs --out DIR (where the reports and tables go) or --database URL (the store)")
        return EXIT_USAGE
    if args.output is not None or args.format != "terminal":
        err.print("datatrail: error: --cluster writes to --out DIR; -o and --format do not apply")
        return EXIT_USAGE
    try:
        from datatrail.cluster.connect import ClusterSpecError, connect, parse_spec
        from datatrail.cluster.output import CorpusOutput
        from datatrail.cluster.run import Output, scan_on_cluster
    except ImportError as exc:
        err.print(f"datatrail: error: --cluster needs the [cluster] extra: pip install 'datatrail[cluster]' ({exc.name} is missing)")
        return EXIT_USAGE
    from datatrail.app.corpus import discover_apps

    try:
        parse_spec(args.cluster)
    except ClusterSpecError as exc:
        err.print(f"datatrail: error: {exc}")
        return EXIT_USAGE
    files = expand_lists(args.files, err)
    if files is None:
        return EXIT_INPUT
    found = discover_apps(files, args.follow_symlinks)
    status = EXIT_OK
    for problem in found.problems:
        err.print(problem)
        status = EXIT_INPUT
    for note in found.notes():
        err.print(note)
    paths = [item.path for item in found.inputs]
    out: Output
    sink = None
    scratch = None
    if args.out is not None:
        out = CorpusOutput(args.out)
    if args.database:
        try:
            if args.out is None:  # the store alone: it is also the index reruns skip by
                from datatrail.cluster.store_output import StoreOutput

                scratch = Path(tempfile.mkdtemp(prefix="datatrail-store-"))
                out = StoreOutput(args.database, scratch)
            else:
                from datatrail.cluster.store_sink import StoreSink

                sink = StoreSink(args.database, args.out / "store")
        except ImportError as exc:
            err.print(f"datatrail: error: --database needs the [serve] extra too: pip install 'datatrail[serve,cluster]' ({exc.name})")
            return EXIT_USAGE
        except Exception as exc:  # noqa: BLE001 - a URL the database driver refuses, a server that does not answer
            err.print(f"datatrail: error: --database: cannot open the store: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
            return EXIT_INPUT
    started = time.perf_counter()
    progress = None
    try:
        with connect(args.cluster) as client:
            link = _dashboard(client)
            if link is not None:
                err.print(f"datatrail: Dask dashboard: {link}")
            if args.progress or (args.progress is None and sys.stderr.isatty()):
                from datatrail.cli.progress import progress_bar

                progress = progress_bar(True, True, False, len(paths))
            if progress is not None:
                progress.start()

            def advance(summary: ClusterSummary) -> None:
                if progress is not None:
                    done = summary.analysed + summary.failed + summary.skipped
                    progress.update(progress.task_ids[0], completed=done, failed=summary.failed)

            summary = scan_on_cluster(client, paths, out, timeout=args.timeout or 600.0, ship=args.ship, progress=advance,
                                      also=sink.add if sink is not None else None)
    except OSError as exc:
        err.print(f"datatrail: error: cannot reach the cluster {args.cluster}: {exc}")
        return EXIT_INPUT
    finally:
        if progress is not None:
            progress.stop()
        out.close()
        if sink is not None:
            sink.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    for _path, reason in summary.failures[:20]:
        err.print(reason)  # each names its input, as a local scan's do
    if len(summary.failures) > 20:
        where = f" (see {args.out / 'index.jsonl'})" if args.out is not None else ""
        err.print(f"… {len(summary.failures) - 20} more failures{where}")
    elapsed = time.perf_counter() - started
    rate = summary.analysed * 60 / elapsed if elapsed > 0 else 0.0
    recorded = sink.recorded if sink is not None else getattr(out, "recorded", None)
    stored = f"{recorded} recorded in the store" if recorded is not None else ""
    where = f"reports and tables in {args.out}" + (f"; {stored}" if stored else "") if args.out is not None else stored
    err.print(f"datatrail: {summary.analysed} analysed, {summary.failed} failed, {summary.skipped} skipped of {summary.total} "
              f"in {elapsed:.1f} s ({rate:.0f} apps/min); {where}")
    return EXIT_INPUT if summary.failed or status else EXIT_OK
