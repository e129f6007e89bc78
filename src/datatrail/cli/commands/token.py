"""``datatrail token``: create, list and revoke the service's API tokens."""

from __future__ import annotations

import argparse
import sys
import time

from datatrail.cli.commands.common import EXIT_INPUT, EXIT_OK, EXIT_USAGE, Errors, Parser
from datatrail.cli.commands.serve_common import add_store_options, database_url, missing_extra

__all__ = ["NAME", "register", "run"]

NAME = "token"


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    parser = sub.add_parser("token", help="create, list or revoke the service's API tokens",
                            description="Manage the screening service's API tokens. A token is printed once, when created; "
                                        "the store keeps only its SHA-256.",
                            epilog="exit codes:\n  0  done\n  2  usage error, or the [serve] extra is not installed\n"
                                   "  3  no live token of that name (revoke), or one exists already (create)\n\n"
                                   "examples:\n  datatrail token create newsroom\n  datatrail token list\n"
                                   "  datatrail token revoke newsroom",
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("create", "list", "revoke"))
    parser.add_argument("name", nargs="?", help="the token's name (create, revoke)")
    add_store_options(parser)


def run(args: argparse.Namespace, err: Errors) -> int:
    if missing_extra(err):
        return EXIT_USAGE
    if args.action in ("create", "revoke") and not args.name:
        err.print(f"datatrail: error: token {args.action} needs a NAME")
        return EXIT_USAGE
    from sqlalchemy.exc import IntegrityError

    from datatrail.store import open_store
    from datatrail.store.tokens import create_token, list_tokens, revoke_token

    store = open_store(database_url(args), args.data_dir, args.files)
    with store.begin() as conn:
        if args.action == "list":
            for row in list_tokens(conn):
                state = "revoked" if row["revoked_at"] else "live"
                sys.stdout.write(f"{row['name']}\t{state}\tcreated {time.strftime('%Y-%m-%d %H:%M', time.gmtime(row['created_at']))} UTC\n")
            return EXIT_OK
        if args.action == "revoke":
            if not revoke_token(conn, args.name, time.time()):
                err.print(f"datatrail: error: no live token named {args.name}")
                return EXIT_INPUT
            sys.stdout.write(f"revoked {args.name}\n")
            return EXIT_OK
    try:
        with store.begin() as conn:
            secret = create_token(conn, args.name, time.time())
    except IntegrityError:
        err.print(f"datatrail: error: a token named {args.name} exists already")
        return EXIT_INPUT
    sys.stdout.write(secret + "\n")
    err.print(f"datatrail: token {args.name} created; it is shown once: keep it now")
    return EXIT_OK
