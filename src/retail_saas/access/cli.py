"""`retail-saas access grant|revoke|list`: entitlements of the profile's
target (RETAIL_SAAS_TARGET: postgres from PG*, duckdb the file
RETAIL_SAAS_ACCESS_DB)."""

from __future__ import annotations

import argparse
import sys

from retail_saas.access.policy import ID_COLUMNS, LEVELS


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("access", help="entitlements: who reads which rows of the marts", description=__doc__)
    p.add_argument("--target", choices=["duckdb", "postgres"], help="default: $RETAIL_SAAS_TARGET, else duckdb")
    a = p.add_subparsers(dest="action", required=True)
    g = a.add_parser("grant", help="give a login one scope (ids checked against the dims)")
    g.add_argument("login")
    g.add_argument("level", choices=LEVELS)
    _ids(g)
    g.add_argument("--valid-from", help="ISO date/timestamp (UTC unless given)")
    g.add_argument("--valid-to", help="ISO date/timestamp, exclusive")
    r = a.add_parser("revoke", help="remove a login's scopes matching the given fields")
    r.add_argument("login")
    r.add_argument("--level", choices=LEVELS)
    _ids(r)
    ls = a.add_parser("list", help="active entitlements (of one login)")
    ls.add_argument("login", nargs="?")
    ls.add_argument("--all", action="store_true", help="expired and future ones too")
    p.set_defaults(func=_run)


def _ids(p: argparse.ArgumentParser) -> None:
    for c in ID_COLUMNS:
        p.add_argument("--" + c.replace("_", "-"), dest=c)


def _fmt(s) -> str:
    ids = " ".join(f"{c}={getattr(s, c)}" for c in ID_COLUMNS if getattr(s, c))
    valid = ""
    if s.valid_from or s.valid_to:
        valid = f" valid {s.valid_from or '-'} .. {s.valid_to or '-'}"
    return f"{s.login}\t{s.level}\t{ids or '(all)'}{valid}"


def _run(args: argparse.Namespace) -> int:
    from retail_saas.access.store import (
        AccessError,
        grant,
        list_scopes,
        open_store,
        revoke,
    )

    ids = {c: getattr(args, c, None) for c in ID_COLUMNS}
    try:
        conn = open_store(args.target)
    except AccessError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # noqa: BLE001 - a connection failure, one line
        print(f"error: access: cannot open the entitlement store: {str(e).strip().splitlines()[0]}", file=sys.stderr)
        return 1
    try:
        if args.action == "grant":
            s = grant(conn, args.login, args.level, **ids, valid_from=args.valid_from, valid_to=args.valid_to)
            print(f"granted {_fmt(s)}")
        elif args.action == "revoke":
            for s in revoke(conn, args.login, args.level, **ids):
                print(f"revoked {_fmt(s)}")
        else:
            for s in list_scopes(conn, args.login, include_inactive=args.all):
                print(_fmt(s))
    except AccessError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    return 0


def add_audit_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit",
        help="the read audit trail (PostgreSQL + pgaudit): load | who-read",
        description="load: copy new pgaudit lines of the server's csv logs into "
        "audit.pgaudit_log (needs a superuser, or pg_read_server_files and "
        "pg_monitor). who-read: every analyst login that read a tenant's data in "
        "a month (or --from/--to), per mart. Connection from the PG* variables.",
    )
    a = p.add_subparsers(dest="action", required=True)
    a.add_parser("load", help="load new audit lines")
    w = a.add_parser("who-read", help="who read a tenant's data")
    w.add_argument("--tenant-id", required=True)
    w.add_argument("--month", help="YYYY-MM (default: last month)")
    w.add_argument("--from", dest="start", help="ISO date, inclusive (instead of --month)")
    w.add_argument("--to", dest="end", help="ISO date, exclusive")
    w.add_argument("--no-load", action="store_true", help="do not load new lines first")
    p.set_defaults(func=_audit)


def _period(args: argparse.Namespace):
    from datetime import date

    if args.start or args.end:
        if not (args.start and args.end):
            raise ValueError("--from and --to go together")
        return date.fromisoformat(args.start), date.fromisoformat(args.end)
    if args.month:
        y, m = (int(x) for x in args.month.split("-"))
    else:
        today = date.today()
        y, m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    start = date(y, m, 1)
    return start, date(y + (m == 12), m % 12 + 1, 1)


def _audit(args: argparse.Namespace) -> int:
    from retail_saas.access.audit import load, who_read
    from retail_saas.postgres.connection import connect

    try:
        period = _period(args) if args.action == "who-read" else None
    except ValueError as e:
        print(f"error: audit: bad period: {e}", file=sys.stderr)
        return 1
    try:
        conn = connect()
    except Exception as e:  # noqa: BLE001
        print(f"error: audit: cannot connect: {str(e).strip().splitlines()[0]}", file=sys.stderr)
        return 1
    try:
        if args.action == "load" or not args.no_load:
            n = load(conn)
            print(f"loaded {n} audit line(s)", file=sys.stderr)
        if args.action == "who-read":
            rows = who_read(conn, args.tenant_id, *period)
            print("login\tlevel\trelation\treads\tfirst\tlast")
            for r in rows:
                print("\t".join(str(x) for x in r))
    except Exception as e:  # noqa: BLE001 - one line, no traceback
        print(f"error: audit: {str(e).strip().splitlines()[0]}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    return 0
