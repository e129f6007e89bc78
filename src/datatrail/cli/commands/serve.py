"""``datatrail serve``: the screening service (API, store, queue and workers)."""

from __future__ import annotations

import argparse
import os

from datatrail.cli.commands.common import EXIT_OK, EXIT_USAGE, Errors, Parser
from datatrail.cli.commands.serve_common import add_store_options, database_url, missing_extra

__all__ = ["NAME", "register", "run"]

NAME = "serve"

_EPILOG = """\
examples:
  datatrail serve                                      # http://127.0.0.1:8750, SQLite in ./datatrail-data
  datatrail serve --database postgresql://dt@db/dt --workers 0   # API only; scanning by:
  datatrail worker --database postgresql://dt@db/dt --jobs 4     # on as many machines as needed
  curl -F file=@app.apk http://127.0.0.1:8750/api/v1/scans

Uploads need a token once one exists (datatrail token create NAME); reads are public unless --private.

exit codes:
  0  stopped (SIGTERM or Ctrl-C); accepted jobs stay queued for the next start
  2  usage error, or the [serve] extra is not installed
"""


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    parser = sub.add_parser("serve", help="run the screening service: upload, queue, store, API",
                            description="Run the screening service: an HTTP API that takes uploads, queues them, "
                                        "scans them with workers and keeps every report in a store.",
                            epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, default=8750, help="port (default: 8750)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="worker processes to run beside the API (default: 1; 0: API only)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="scans at a time per worker (default: every core)")
    parser.add_argument("--max-upload", type=int, default=1 << 30, metavar="BYTES", help="largest upload accepted (default: 1 GiB)")
    parser.add_argument("--rate-limit", type=int, default=120, metavar="N",
                        help="uploads a minute per token, or per address without one (default: 120; 0: no limit)")
    parser.add_argument("--quota", type=int, default=0, metavar="N", help="uploads a day per token (default: 0, no quota)")
    parser.add_argument("--require-token", action="store_true", help="uploads need a token even before one is created")
    parser.add_argument("--private", action="store_true", help="reads need a token too")
    parser.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS", help="time limit of one scan (default: 600)")
    parser.add_argument("--lease", type=float, default=60.0, metavar="SECONDS",
                        help="how long a worker holds a job without renewing (default: 60)")
    add_store_options(parser)


def run(args: argparse.Namespace, err: Errors) -> int:
    if missing_extra(err):
        return EXIT_USAGE
    if args.workers < 0 or args.jobs < 1 or not (0 < args.port < 65536) or args.max_upload < 1 or args.rate_limit < 0 or args.quota < 0:
        err.print("datatrail: error: --workers, --rate-limit and --quota must be 0 or more, --jobs 1 or more, --port 1-65535, "
                  "--max-upload positive")
        return EXIT_USAGE
    from datatrail.service.config import ServiceConfig
    from datatrail.service.server import ServeOptions, serve

    config = ServiceConfig(data_dir=args.data_dir, database=database_url(args), files=args.files, max_upload=args.max_upload,
                           require_token=args.require_token, private=args.private, rate_limit=args.rate_limit,
                           daily_quota=args.quota)
    serve(config, ServeOptions(args.host, args.port, args.workers, args.jobs, args.lease, args.timeout), err.print)
    return EXIT_OK
