"""CLI sub-commands: `load-postgres` (lake -> schema raw), `check-lake` and `pg-server`
(a private PostgreSQL for local work: start | stop | status)."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

DEFAULT_SERVER_DIR = "~/.cache/retail_saas/pg"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "load-postgres",
        help="load the lake into PostgreSQL schema raw (COPY); connection from PG* env vars",
        description=(
            "Load every table folder of the lake (<lake>/<table>/*.parquet or *.csv) into "
            "<schema>.<table> on PostgreSQL, every column as text. A reload replaces every table in one "
            "transaction: all tables or none. "
            "Connection: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE (defaults as in "
            "profiles.yml: localhost, 5432, postgres, '', retail_saas)."
        ),
    )
    p.add_argument("--lake", required=True, type=Path, help="lake folder")
    p.add_argument("--schema", default="raw", help="target schema (default: raw)")
    p.add_argument(
        "--format",
        dest="fmt",
        choices=["auto", "parquet", "csv"],
        default="auto",
        help="file format (default: parquet if a folder has .parquet files, else csv)",
    )
    p.add_argument("--tables", help="comma-separated subset of table folders")
    p.set_defaults(func=_load)

    c = sub.add_parser(
        "check-lake",
        help="check that a lake's files can be read (no database): one line per problem",
        description=(
            "Read every table folder of the lake as load-postgres would, without loading: every "
            "contract table present, every contract column in some file, every parquet file "
            "readable (not empty, not truncated), every CSV file UTF-8 with as many fields per "
            "row as its header. Prints one line per problem, naming table, file and column; "
            "exit 1 if any. Bad values inside readable files are not problems here: the build "
            "quarantines their rows."
        ),
    )
    c.add_argument("--lake", required=True, type=Path, help="lake folder")
    c.add_argument("--format", dest="fmt", choices=["auto", "parquet", "csv"], default="auto")
    c.set_defaults(func=_check)

    s = sub.add_parser(
        "pg-server",
        help="a private PostgreSQL server for local work (start | stop | status)",
        description=(
            "Start a private PostgreSQL (installed with apt-get if missing) on 127.0.0.1 with "
            "its own port and data directory, and print the PG* variables to use it: "
            'eval "$(retail-saas pg-server start)". Password (SCRAM) authentication: the '
            "superuser's generated password is in <dir>/secret/ (PGPASSFILE points to it)."
        ),
    )
    s.add_argument("action", choices=["start", "stop", "status"])
    s.add_argument(
        "--dir",
        default=os.environ.get("RETAIL_SAAS_PG_DIR", DEFAULT_SERVER_DIR),
        help=f"data/socket/log directory (default: $RETAIL_SAAS_PG_DIR or {DEFAULT_SERVER_DIR})",
    )
    s.add_argument("--port", type=int, help="port (default: the last one used, else a free one)")
    s.add_argument("--database", default="retail_saas")
    s.add_argument("--purge", action="store_true", help="with stop: delete the directory too")
    s.set_defaults(func=_server)


def _load(args: argparse.Namespace) -> int:
    from retail_saas.postgres.loader import LakeError, load_lake

    tables = [t.strip() for t in args.tables.split(",")] if args.tables else None
    try:
        load_lake(args.lake, args.schema, fmt=args.fmt, tables=tables)
    except LakeError as e:
        for line in str(e).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 1
    return 0


def _check(args: argparse.Namespace) -> int:
    from retail_saas.postgres.loader import LakeError, plan_lake

    try:
        plans = plan_lake(args.lake, args.fmt)
    except LakeError as e:
        for line in str(e).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 1
    print(f"lake ok: {len(plans)} tables, {sum(len(p.files) for p in plans)} files in {args.lake}")
    return 0


def _server(args: argparse.Namespace) -> int:
    from retail_saas.postgres.server import PostgresServer, ServerError

    base = Path(os.path.expanduser(args.dir))
    server = PostgresServer(base, port=args.port, database=args.database, keep=True, fast=False)
    try:
        if args.action == "start":
            server.start()
            for k, v in server.client_env.items():
                print(f"export {k}={shlex.quote(v)}")
        elif args.action == "stop":
            server.keep = not args.purge
            server.stop()
            print(f"stopped ({'removed' if args.purge else 'kept'} {base})", file=sys.stderr)
        else:
            running = server.is_running()
            port = server._configured_port()
            print(f"{'running' if running else 'stopped'}: {base} port {port}")
            return 0 if running else 3
    except ServerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0
