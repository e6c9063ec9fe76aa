"""Where the gate keeps the fingerprint of the last successful run: table
run_gate.last_successful_run in the target database itself, so that the
record lives and dies with the data it describes (a deleted or replaced
database file has no record, and its first call runs dbt). One row at
most; it is deleted before dbt starts and written only after dbt
succeeded, so a failed or killed run leaves no record."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from retail_saas.daily.fingerprint import GateError, digest, file_lake_part

TABLE = "run_gate.last_successful_run"
DDL = (
    "create schema if not exists run_gate",
    f"create table if not exists {TABLE} (fingerprint varchar(64), parts varchar(4000),"
    " recorded_at timestamp, quarantine_relation varchar(400))",
)
# Rule 11 quarantines a row landed after the run's start; the same row is
# valid in a run that starts after its _loaded_at, with nothing landed.
# The only reason that depends on the clock (event_time_in_future compares
# the event with its own _loaded_at, not with the clock).
CLOCK_REASON = "loaded_at_after_run_start"


@dataclass
class Record:
    fingerprint: str
    parts: dict[str, str]
    recorded_at: dt.datetime
    quarantine_relation: str


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Store:
    """The record in one database; `connect` is a DB-API connection, `mark`
    its parameter placeholder."""

    mark = "?"

    def connect(self, write: bool):  # pragma: no cover - each database overrides it
        raise NotImplementedError

    def lake_part(self, dbt_args: list[str], env: Mapping[str, str]) -> dict:
        return file_lake_part(dbt_args, env)

    def read(self) -> Record | None:
        con = self.connect(write=False)
        if con is None:
            return None
        try:
            cur = con.cursor()
            if not self._has_table(cur):
                return None
            cur.execute(f"select fingerprint, parts, recorded_at, quarantine_relation from {TABLE}")
            row = cur.fetchone()
            return Record(row[0], json.loads(row[1]), row[2], row[3]) if row else None
        finally:
            con.close()

    def pending_rows(self, relation: str, now: dt.datetime) -> int | None:
        """Rows the last run quarantined for landing after its start that
        have landed by `now`; None when the quarantine cannot be read."""
        con = self.connect(write=False)
        if con is None or not relation:
            return None
        try:
            cur = con.cursor()
            sql = f"select count(*) from {relation} where invalid_reason = {self.mark} and loaded_at <= {self.mark}"
            cur.execute(sql, [CLOCK_REASON, now])
            return int(cur.fetchone()[0])
        except Exception:  # noqa: BLE001 - a missing or changed table: cannot tell, so dbt runs
            return None
        finally:
            con.close()

    def invalidate(self) -> None:
        con = self.connect(write=True)
        if con is None:
            return
        try:
            cur = con.cursor()
            if self._has_table(cur):
                cur.execute(f"delete from {TABLE}")
            con.commit()
        finally:
            con.close()

    def record(self, parts: dict[str, str], relation: str) -> Record:
        rec = Record(digest(parts), parts, utc_now().replace(microsecond=0), relation)
        con = self.connect(write=True)
        try:
            cur = con.cursor()
            for sql in DDL:
                cur.execute(sql)
            cur.execute(f"delete from {TABLE}")
            m = self.mark
            cur.execute(
                f"insert into {TABLE} values ({m}, {m}, {m}, {m})",
                [rec.fingerprint, json.dumps(parts, sort_keys=True), rec.recorded_at, relation],
            )
            con.commit()
        finally:
            con.close()
        return rec

    def _has_table(self, cur) -> bool:
        cur.execute(
            "select count(*) from information_schema.tables where table_schema = 'run_gate' and table_name = 'last_successful_run'"
        )
        return cur.fetchone()[0] > 0


class DuckDBStore(Store):
    """The DuckDB file of the profile (RETAIL_SAAS_DUCKDB_PATH, else
    target/retail_saas.duckdb, relative to where dbt runs)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.path = Path(env.get("RETAIL_SAAS_DUCKDB_PATH") or "target/retail_saas.duckdb")

    def connect(self, write: bool):
        import duckdb

        if not self.path.exists():
            return None
        try:
            return duckdb.connect(str(self.path), read_only=not write)
        except duckdb.IOException as e:
            first = str(e).strip().splitlines()[0]
            raise GateError(f"cannot open {self.path} (is another run using it?): {first}") from None


class PostgresStore(Store):
    """The PostgreSQL database of the PG* variables; the lake is its schema
    raw (loaded by `retail-saas load-postgres`)."""

    mark = "%s"

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def connect(self, write: bool):
        from retail_saas.postgres.connection import connect

        return connect(self.env)

    def lake_part(self, dbt_args: list[str], env: Mapping[str, str]) -> dict:
        """Per raw table: its file node (a new one after every TRUNCATE,
        which each load-postgres does), rows and newest row version (xmin:
        any insert or update after the load)."""
        con = self.connect(write=False)
        try:
            cur = con.cursor()
            cur.execute(
                "select c.relname, pg_relation_filenode(c.oid) from pg_class c join pg_namespace n"
                " on n.oid = c.relnamespace where n.nspname = 'raw' and c.relkind = 'r' order by 1"
            )
            tables = cur.fetchall()
            if not tables:
                raise GateError("schema raw has no tables: load the lake first (retail-saas load-postgres)")
            parts = []
            for name, node in tables:
                cur.execute(f'select count(*), max(xmin::text::bigint) from raw."{name}"')
                parts.append((name, node, *cur.fetchone()))
        finally:
            con.close()
        return {"hash": digest(parts), "files": len(parts), "where": "schema raw"}


def open_store(target: str, env: Mapping[str, str]) -> Store:
    if target == "duckdb":
        return DuckDBStore(env)
    if target == "postgres":
        return PostgresStore(env)
    raise GateError(f"no gate for target {target!r} (duckdb and postgres only): run `dbt run` there")
