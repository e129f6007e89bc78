"""``datatrail worker``: scan what the service's queue holds, on this machine."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from types import FrameType

from datatrail.cli.commands.common import EXIT_OK, EXIT_USAGE, Errors, Parser
from datatrail.cli.commands.serve_common import add_store_options, database_url, missing_extra

__all__ = ["NAME", "register", "run"]

NAME = "worker"


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    parser = sub.add_parser("worker", help="scan the service's queued uploads on this machine",
                            description="Claim queued uploads from the service's store, scan them, record the reports. "
                                        "Run as many as needed on one store; a killed worker's jobs are claimed again.",
                            epilog="exit codes:\n  0  stopped (SIGTERM or Ctrl-C); a job it held is claimed again\n"
                                   "  2  usage error, or the [serve] extra is not installed\n\nexamples:\n"
                                   "  datatrail worker --database postgresql://dt@db/dt --jobs 4\n"
                                   "  datatrail worker --data-dir ./datatrail-data",
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N", help="scans at a time (default: every core)")
    parser.add_argument("--lease", type=float, default=60.0, metavar="SECONDS", help="how long a claim holds without renewal (default: 60)")
    parser.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS", help="time limit of one scan (default: 600)")
    parser.add_argument("--poll", type=float, default=0.2, metavar="SECONDS", help="pause between looks at an empty queue (default: 0.2)")
    parser.add_argument("--exit-with-parent", type=int, metavar="PID", help=argparse.SUPPRESS)  # serve's pid, for the workers it starts
    add_store_options(parser)


def _watch_parent(parent: int, stop: threading.Event) -> None:
    """A worker ``serve`` started stops when ``serve`` is gone (killed too hard to stop it)."""
    while os.getppid() == parent:  # checked at once: serve may have died while this one started
        if stop.wait(1.0):
            return
    stop.set()


def run(args: argparse.Namespace, err: Errors) -> int:
    if missing_extra(err):
        return EXIT_USAGE
    if args.jobs < 1 or args.lease <= 0 or args.timeout <= 0 or args.poll <= 0:
        err.print("datatrail: error: --jobs must be 1 or more; --lease, --timeout and --poll positive")
        return EXIT_USAGE
    from datatrail.service.worker import Worker, WorkerConfig
    from datatrail.store import open_store

    store = open_store(database_url(args), args.data_dir, args.files, wait_for_disk=False)
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if args.exit_with_parent is not None:
        threading.Thread(target=_watch_parent, args=(args.exit_with_parent, stop), name="parent-watch", daemon=True).start()
    worker = Worker(store, WorkerConfig(jobs=args.jobs, lease=args.lease, timeout=args.timeout, poll=args.poll), log=err.print)
    err.print(f"datatrail worker {worker.owner}: {args.jobs} at a time")
    worker.run(stop)
    return EXIT_OK
