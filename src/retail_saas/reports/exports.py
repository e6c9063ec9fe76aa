"""The export record (issue 13 point 3): one row per report written or sent,
saying what was exported, for whom, read as which login.

PostgreSQL/Redshift: table audit.report_exports (created when missing),
written by the report's admin connection. DuckDB (a read-only file, no
users): JSON lines in a file (`--export-log`, default beside the ledger for
`deliver`, beside the DuckDB file for `report`)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

DDL = """
create schema if not exists audit;
create table if not exists audit.report_exports (
    exported_at timestamptz not null default now(),
    command text not null,
    entry text,
    scope text not null,
    period_kind text not null,
    period_start date not null,
    read_as text,
    recipients text,
    files text,
    outcome text not null
)"""


def record(
    reader, path: str | Path | None, *, command: str, scope, period, recipients=(), files=(), outcome: str, entry: str | None = None
) -> None:
    row = {
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": command,
        "entry": entry,
        "scope": str(scope),
        "period_kind": period.kind,
        "period_start": period.start.isoformat(),
        "read_as": getattr(reader, "login", None) or getattr(reader, "warehouse", None),
        "recipients": list(recipients),
        "files": [Path(f).name for f in files],
        "outcome": outcome,
    }
    admin = getattr(reader, "admin", None)
    own = None
    if reader is None:  # the scope could not be opened (unknown id): record on a plain connection
        from .warehouse import target

        if target() != "duckdb":
            from ..postgres.connection import connect

            admin = own = connect()
            own.autocommit = True
    if admin is not None:
        with admin.cursor() as cur:
            cur.execute(DDL)
            cur.execute(
                "insert into audit.report_exports (command, entry, scope, period_kind, period_start, "
                "read_as, recipients, files, outcome) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    command,
                    entry,
                    row["scope"],
                    period.kind,
                    period.start,
                    row["read_as"],
                    ", ".join(recipients),
                    ", ".join(row["files"]),
                    outcome,
                ],
            )
        if own is not None:
            own.close()
        return
    if path is None:
        return
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("a") as fh:
        fh.write(json.dumps(row, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
