"""Read the marts for one report scope, through the project's profile.

`RETAIL_SAAS_TARGET` picks the warehouse as for dbt (profiles.yml):

- `duckdb` (default): the DuckDB file, opened read-only for this run (a
  build publishes a new file with os.replace; this run keeps the one it
  opened). An embedded file has no users, so every mart a query reads is
  wrapped in a subquery with the access policy's predicate of the scope
  (`mart_filter`, from vars.access_policies in dbt_project.yml).
- `postgres`, `redshift` (same code, PG* variables): the report reads as a
  login bound to the report's scope, with the warehouse's row-level
  security in force; the queries carry no filter of their own, so a report
  can only hold what that login may read.

Names (store, brand, team, retailer) are looked up separately, by id, for
ids the scoped read returned or the scope itself names.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Self

from .periods import Scope

DEFAULT_DUCKDB = "target/retail_saas.duckdb"
MARTS = "marts"
_PARAM = re.compile(r"\?")


class ReportError(ValueError):
    """A one-line, user-facing error (bad input, missing data, unreachable warehouse)."""


def target() -> str:
    name = os.environ.get("RETAIL_SAAS_TARGET", "duckdb").strip() or "duckdb"
    if name not in ("duckdb", "postgres", "redshift"):
        raise ReportError(f"RETAIL_SAAS_TARGET={name!r}: reports read duckdb, postgres or redshift")
    return name


def duckdb_path(database: str | None) -> str:
    return database or os.environ.get("RETAIL_SAAS_REPORT_DB") or os.environ.get("RETAIL_SAAS_DUCKDB_PATH") or DEFAULT_DUCKDB


class Reader:
    """Scoped reads (`rows`) and unscoped name look-ups (`lookup`)."""

    warehouse = ""
    location = ""

    def rel(self, mart: str) -> str:  # FROM fragment for a mart
        raise NotImplementedError

    def rows(self, sql: str, params: Sequence = ()) -> list[dict]:
        raise NotImplementedError

    def lookup(self, sql: str, params: Sequence = ()) -> list[dict]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _dicts(cur) -> list[dict]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


class DuckDBReader(Reader):
    warehouse = "duckdb"

    def __init__(self, path: str, scope: Scope):
        import duckdb

        self.location = path
        self.scope = scope
        p = Path(path)
        if not p.exists():
            raise ReportError(f"--database {path}: no such file (build the marts first: dbt build)")
        if p.is_dir():
            raise ReportError(f"--database {path}: is a folder, not a DuckDB file")
        try:
            self.con = duckdb.connect(str(p), read_only=True)
            self.con.execute(f"select 1 from {MARTS}.dim_tenants limit 0")
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ReportError(f"--database {path}: not a DuckDB file with the marts ({first})") from None
        from .scoping import context

        self.ctx = context(scope, self.lookup)
        self._filters: dict[str, str] = {}

    def rel(self, mart: str) -> str:
        if mart not in self._filters:
            from .scoping import predicate

            self._filters[mart] = predicate(self.scope, self.ctx, mart)
        return f"(select * from {MARTS}.{mart} where {self._filters[mart]}) as {mart}"

    def rows(self, sql: str, params: Sequence = ()) -> list[dict]:
        return _dicts(self.con.execute(sql, list(params)))

    lookup = rows  # the file has no users: names come from the same connection

    def close(self) -> None:
        self.con.close()


class PostgresReader(Reader):
    """psycopg2 for PostgreSQL and Redshift (PG* variables, profiles.yml defaults)."""

    def __init__(self, scope: Scope, warehouse: str):
        import psycopg2

        from ..postgres.connection import connect, connection_params
        from .scoping import bind_postgres

        self.warehouse = warehouse
        params = connection_params()
        self.location = f"{warehouse} {params['user']}@{params['host']}:{params['port']}/{params['dbname']}"
        try:
            self.admin = connect()
            self.admin.autocommit = True
        except psycopg2.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ReportError(f"cannot connect to {self.location}: {first}") from None
        self.scoped = None
        self.login, self.scoped = bind_postgres(self.admin, scope)

    def rel(self, mart: str) -> str:
        return f"{MARTS}.{mart}"

    @staticmethod
    def _run(conn, sql: str, params: Sequence) -> list[dict]:
        with conn.cursor() as cur:
            cur.execute(_PARAM.sub("%s", sql.replace("%", "%%")), list(params))
            return _dicts(cur)

    def rows(self, sql: str, params: Sequence = ()) -> list[dict]:
        return self._run(self.scoped, sql, params)

    def lookup(self, sql: str, params: Sequence = ()) -> list[dict]:
        return self._run(self.admin, sql, params)

    def close(self) -> None:
        for conn in (self.scoped, self.admin):
            with contextlib.suppress(Exception):  # closing a dead or missing connection
                conn.close()


def open_reader(scope: Scope, database: str | None = None) -> Reader:
    name = target()
    if name == "duckdb":
        return DuckDBReader(duckdb_path(database), scope)
    return PostgresReader(scope, name)


def in_list(values: Iterable) -> tuple[str, list]:
    """`(?, ?, ...)` and its parameters; `(null)` when empty (matches nothing)."""
    vals = list(dict.fromkeys(v for v in values if v is not None))
    return ("(" + ", ".join("?" for _ in vals) + ")" if vals else "(null)"), vals
