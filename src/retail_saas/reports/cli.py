"""The `report` and `deliver` sub-commands. Every failure a user can cause
(arguments, schedule, ledger, warehouse, missing data) ends in one line on
stderr naming what and where, and a non-zero exit; never a traceback."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from .periods import PERIODS


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "report",
        help="write a scope's report for a period: one PDF and a zip of CSV files",
        description="Read the marts through the project's profile (RETAIL_SAAS_TARGET duckdb|postgres|redshift) "
        "as the scope, and write <out>/<scope>_<period>_<label>.pdf and _data.zip.",
    )
    p.add_argument("--scope", required=True, help="platform | brand:<id> | tenant:<id> | team:<id>")
    p.add_argument("--period", required=True, choices=PERIODS)
    p.add_argument("--date", required=True, type=_date, help="a day inside the period (YYYY-MM-DD); weeks run Monday to Sunday")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--format", default="csv,pdf", help="csv, pdf or csv,pdf (default)")
    p.add_argument(
        "--database",
        default=None,
        help="DuckDB target: the file with the marts (default $RETAIL_SAAS_REPORT_DB, "
        "$RETAIL_SAAS_DUCKDB_PATH or target/retail_saas.duckdb)",
    )
    p.add_argument(
        "--export-log", default=None, help="DuckDB target: where exports are recorded (default <database>.exports.jsonl)"
    )
    p.set_defaults(func=run_report)

    d = subparsers.add_parser(
        "deliver",
        help="render and e-mail the scheduled reports that are due (idempotent)",
        description="Validate a TOML schedule, then render every entry due as of --as-of and send it by SMTP "
        "(RETAIL_SAAS_SMTP_HOST/PORT/USER/PASSWORD/FROM); a ledger keeps periods from being sent twice.",
    )
    d.add_argument("--schedule", required=True, help="schedule file (TOML, [[report]] entries)")
    d.add_argument("--as-of", required=True, type=_date, help="YYYY-MM-DD")
    d.add_argument("--database", default=None, help="DuckDB target: the file with the marts")
    d.add_argument("--out", default=None, help="where rendered files are kept (default <schedule>.out/)")
    d.add_argument("--ledger", default=None, help="ledger file (default <schedule>.ledger.jsonl)")
    d.add_argument("--export-log", default=None, help="DuckDB target: where exports are recorded (default <ledger>.exports.jsonl)")
    d.add_argument("--dry-run", action="store_true", help="render what is due, send nothing, record nothing")
    d.set_defaults(func=run_deliver)


def _guarded(fn, args: argparse.Namespace) -> int:
    import duckdb

    try:
        return fn(args)
    except (ValueError, OSError, duckdb.Error) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a warehouse driver's error, or a bug: still one line
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print(f"error: {type(exc).__name__}: {message}", file=sys.stderr)
        return 3


def run_report(args: argparse.Namespace) -> int:
    return _guarded(_run_report, args)


def run_deliver(args: argparse.Namespace) -> int:
    return _guarded(_run_deliver, args)


def _run_report(args: argparse.Namespace) -> int:
    from . import exports
    from .build import build
    from .periods import Period, Scope
    from .render import out_dir, write
    from .warehouse import duckdb_path, open_reader

    scope = Scope.parse(args.scope)
    period = Period.containing(args.period, args.date)
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    out_dir(args.out)
    with open_reader(scope, args.database) as reader:
        report = build(reader, scope, period)
        files = write(report, args.out, formats)
        log = args.export_log or (f"{duckdb_path(args.database)}.exports.jsonl" if reader.warehouse == "duckdb" else None)
        exports.record(reader, log, command="report", scope=scope, period=period, files=files, outcome="written")
    for f in files:
        print(f)
    return 0


def _run_deliver(args: argparse.Namespace) -> int:
    from .deliver import deliver

    out = args.out or f"{args.schedule}.out"
    results = deliver(args.schedule, args.as_of, args.database, out, args.ledger, dry_run=args.dry_run, export_log=args.export_log)
    return 1 if any(r[2].startswith("failed") for r in results) else 0
