"""The `report` and `deliver` sub-commands."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys

from .periods import PERIODS

DEFAULT_DB = "target/retail_saas.duckdb"


def _db_default() -> str:
    return os.environ.get("RETAIL_SAAS_REPORT_DB", DEFAULT_DB)


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "report", help="render the KPIs of a scope and period as CSV files and a PDF with charts",
        description="Read the marts from the DuckDB file and write <out>/<scope>_<period>_<label>_*.csv "
        "and .pdf, each figure against the previous period.")
    p.add_argument("--scope", required=True, help="platform | brand:<id> | tenant:<id> | team:<id>")
    p.add_argument("--period", required=True, choices=PERIODS)
    p.add_argument("--date", required=True, type=dt.date.fromisoformat,
                   help="a day inside the period (YYYY-MM-DD); weeks run Monday to Sunday")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--format", default="csv,pdf", help="csv, pdf or csv,pdf (default)")
    p.add_argument("--database", default=_db_default(), help=f"DuckDB file with the marts (default {DEFAULT_DB})")
    p.set_defaults(func=run_report)

    d = subparsers.add_parser(
        "deliver", help="render and e-mail the scheduled reports that are due (idempotent)",
        description="Read a TOML schedule, render every entry due as of --as-of and send it by SMTP "
        "(RETAIL_SAAS_SMTP_HOST/PORT/USER/PASSWORD/FROM); a ledger keeps periods from being sent twice.")
    d.add_argument("--schedule", required=True, help="schedule file (TOML, [[report]] entries)")
    d.add_argument("--as-of", required=True, type=dt.date.fromisoformat, help="YYYY-MM-DD")
    d.add_argument("--database", default=_db_default(), help=f"DuckDB file with the marts (default {DEFAULT_DB})")
    d.add_argument("--out", default=None, help="where rendered files are kept (default <schedule>.out/)")
    d.add_argument("--ledger", default=None, help="ledger file (default <schedule>.ledger.jsonl)")
    d.add_argument("--dry-run", action="store_true", help="render what is due, send nothing, record nothing")
    d.set_defaults(func=run_deliver)


def _fail(exc: Exception) -> int:
    print(f"error: {exc}", file=sys.stderr)
    return 2


def run_report(args: argparse.Namespace) -> int:
    try:
        return _run_report(args)
    except (ValueError, FileNotFoundError) as exc:
        return _fail(exc)


def run_deliver(args: argparse.Namespace) -> int:
    try:
        return _run_deliver(args)
    except (ValueError, FileNotFoundError, OSError) as exc:
        return _fail(exc)


def _run_report(args: argparse.Namespace) -> int:
    from .periods import Period, Scope
    from .render import render

    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    report = render(args.database, Scope.parse(args.scope), Period.containing(args.period, args.date),
                    args.out, formats)
    for f in report.files:
        print(f)
    return 0


def _run_deliver(args: argparse.Namespace) -> int:
    from .deliver import deliver

    out = args.out or f"{args.schedule}.out"
    deliver(args.schedule, args.as_of, args.database, out, args.ledger, dry_run=args.dry_run)
    return 0
