"""Load a lake (`<lake>/<table>/*.parquet` or `*.csv`, raw_contract.md) into
PostgreSQL schema `raw` with bulk `COPY ... FROM STDIN`.

- every table folder of the lake is loaded, with all of its columns (the
  union over its files; a file lacking a column gives nulls there, like
  DuckDB's `union_by_name`); extra columns are harmless;
- types per the contract: ids and strings `text`, timestamps `timestamp`,
  `log_date` `date`, integer measures `bigint`, `is_automated` `boolean`;
  extra columns take their parquet type (`text` from CSV);
- a contract column missing from a table is an error naming table and
  column, raised before anything is written;
- idempotent: a reload replaces a table's rows in one transaction
  (`TRUNCATE` + `COPY`, committed together), so readers see the old or the
  new rows, never both; dbt's views over raw.* survive a reload.
"""

from __future__ import annotations

import csv
import io
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from retail_saas.postgres.connection import connect
from retail_saas.postgres.contract import TABLES, column_type

PG_TYPE_NAMES = {  # our names -> format_type() names
    "timestamp": "timestamp without time zone",
    "double precision": "double precision",
}


class LakeError(Exception):
    """The lake does not satisfy the contract (or cannot be loaded)."""


@dataclass
class TablePlan:
    name: str
    fmt: str  # parquet | csv
    files: list[Path]
    columns: dict[str, str] = field(default_factory=dict)  # column -> pg type
    file_columns: list[list[str]] = field(default_factory=list)
    rows_expected: int | None = None


@dataclass
class TableResult:
    name: str
    rows: int
    files: int
    seconds: float


_print_lock = threading.Lock()


def _log(msg: str, out=None) -> None:
    out = out or sys.stdout
    with _print_lock:  # whole lines, also from the loading threads
        out.write(msg + "\n")
        out.flush()


def _csv_header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        header = next(csv.reader(f), None)
    if not header:
        raise LakeError(f"{path}: empty CSV file (a header line is required)")
    return [h.strip() for h in header]


def _supported(arrow_type) -> bool:
    import pyarrow.types as pt

    return not pt.is_nested(arrow_type)


def plan_table(folder: Path, fmt: str = "auto") -> TablePlan | None:
    """What loading `folder` means: files, columns, types. None if no files."""
    parquet = sorted(p for p in folder.glob("*.parquet") if p.is_file())
    csvs = sorted(p for p in folder.glob("*.csv") if p.is_file())
    if fmt == "auto":
        fmt = "parquet" if parquet else "csv"
    files = parquet if fmt == "parquet" else csvs
    if not files:
        return None
    plan = TablePlan(folder.name, fmt, files)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        plan.rows_expected = 0
        for f in files:
            pf = pq.ParquetFile(f)
            plan.rows_expected += pf.metadata.num_rows
            cols = []
            for fld in pf.schema_arrow:
                if not _supported(fld.type):
                    _log(f"warning: {plan.name}: column {fld.name} ({fld.type}) skipped, "
                         "nested types are not loaded", sys.stderr)
                    continue
                cols.append(fld.name)
                plan.columns.setdefault(fld.name, column_type(plan.name, fld.name, fld.type))
            plan.file_columns.append(cols)
    else:
        for f in files:
            cols = _csv_header(f)
            if len(set(cols)) != len(cols):
                raise LakeError(f"{f}: duplicate column names in the header")
            plan.file_columns.append(cols)
            for c in cols:
                plan.columns.setdefault(c, column_type(plan.name, c))
    return plan


def plan_lake(lake: Path, fmt: str = "auto", tables: list[str] | None = None) -> list[TablePlan]:
    """Plans for every table folder; LakeError listing every contract problem."""
    if not lake.is_dir():
        raise LakeError(f"lake folder not found: {lake}")
    plans, errors = [], []
    for folder in sorted(p for p in lake.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        if tables and folder.name not in tables:
            continue
        plan = plan_table(folder, fmt)
        if plan is None:
            _log(f"warning: {folder} has no .parquet or .csv files; skipped", sys.stderr)
            continue
        for col in TABLES.get(plan.name, ()):
            if col not in plan.columns:
                errors.append(f"table {plan.name} is missing column {col}")
        plans.append(plan)
    if errors:
        raise LakeError("\n".join(errors))
    found = {p.name for p in plans}
    for t in TABLES:
        if t not in found and (not tables or t in tables):
            _log(f"warning: contract table {t} has no folder in {lake}", sys.stderr)
    if not plans:
        raise LakeError(f"no table folders with data files in {lake}")
    return plans


class _ArrowCsvStream(io.RawIOBase):
    """A file-like object producing CSV (no header) from Arrow batches, for
    psycopg2's copy_expert. Nulls are empty unquoted fields; strings are
    quoted, so an empty string stays an empty string."""

    def __init__(self, batches: Iterator, transform: Callable) -> None:
        self._batches = batches
        self._transform = transform
        self._buf = b""
        self.rows = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        import pyarrow.csv as pacsv

        while n < 0 or len(self._buf) < n:
            batch = next(self._batches, None)
            if batch is None:
                break
            batch = self._transform(batch)
            self.rows += batch.num_rows
            sink = io.BytesIO()
            pacsv.write_csv(batch, sink, pacsv.WriteOptions(include_header=False))
            self._buf += sink.getvalue()
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out


def _batch_transform(plan: TablePlan) -> Callable:
    """Make Arrow values match the target column types where CSV text would
    not: floats into bigint columns, dictionary-encoded columns."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.types as pt

    def transform(batch):
        cols, changed = [], False
        for name, col in zip(batch.schema.names, batch.columns):
            want = plan.columns[name]
            if pt.is_dictionary(col.type):
                col, changed = col.dictionary_decode(), True
            if want == "bigint" and pt.is_floating(col.type):
                col, changed = pc.cast(col, pa.int64()), True  # raises on fractions
            if want == "boolean" and pt.is_integer(col.type):
                col, changed = pc.not_equal(col, 0), True
            cols.append(col)
        return pa.RecordBatch.from_arrays(cols, names=batch.schema.names) if changed else batch

    return transform


def _ident(*parts: str):
    from psycopg2 import sql

    return sql.SQL(".").join(sql.Identifier(p) for p in parts)


def _prepare_table(cur, schema: str, plan: TablePlan) -> None:
    """Create raw.<table>, or bring an existing one to the plan's columns."""
    from psycopg2 import errors, sql

    cur.execute("""
        select a.attname, format_type(a.atttypid, a.atttypmod)
        from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = %s and c.relname = %s and c.relkind = 'r'
          and a.attnum > 0 and not a.attisdropped
    """, (schema, plan.name))
    existing = dict(cur.fetchall())
    table = _ident(schema, plan.name)
    coldefs = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in plan.columns.items()
    )
    if not existing:
        cur.execute(sql.SQL("create table {} ({})").format(table, coldefs))
        return
    mismatched = [
        (c, existing[c], t) for c, t in plan.columns.items()
        if c in existing and existing[c] != PG_TYPE_NAMES.get(t, t)
    ]
    if mismatched:
        cur.execute("savepoint retype")
        try:
            cur.execute(sql.SQL("drop table {}").format(table))
            cur.execute(sql.SQL("create table {} ({})").format(table, coldefs))
            cur.execute("release savepoint retype")
            return
        except errors.DependentObjectsStillExist as e:
            cur.execute("rollback to savepoint retype")
            what = ", ".join(f"{c} is {old}, the lake needs {new}" for c, old, new in mismatched)
            raise LakeError(
                f"{schema}.{plan.name}: {what}; objects depend on the table "
                f"({str(e).splitlines()[0]}); drop them (e.g. the dbt schemas) and reload"
            ) from None
    for c, t in plan.columns.items():
        if c not in existing:
            cur.execute(sql.SQL("alter table {} add column {} {}").format(
                table, sql.Identifier(c), sql.SQL(t)))
    # Columns the lake no longer has go too, unless a view still uses them
    # (then they stay, null).
    for c in existing:
        if c not in plan.columns:
            cur.execute("savepoint dropcol")
            try:
                cur.execute(sql.SQL("alter table {} drop column {}").format(table, sql.Identifier(c)))
                cur.execute("release savepoint dropcol")
            except errors.DependentObjectsStillExist:
                cur.execute("rollback to savepoint dropcol")
    cur.execute(sql.SQL("truncate table {}").format(table))


def load_table(conn, schema: str, plan: TablePlan, batch_rows: int = 65536) -> TableResult:
    """Replace <schema>.<table> with the plan's files, in one transaction."""
    from psycopg2 import sql

    t0 = time.monotonic()
    rows = 0
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
            _prepare_table(cur, schema, plan)
            table = _ident(schema, plan.name)
            for path, cols in zip(plan.files, plan.file_columns):
                collist = sql.SQL(", ").join(sql.Identifier(c) for c in cols)
                if plan.fmt == "parquet":
                    import pyarrow.parquet as pq

                    pf = pq.ParquetFile(path)
                    copy = sql.SQL("copy {} ({}) from stdin with (format csv)").format(table, collist)
                    stream = _ArrowCsvStream(
                        pf.iter_batches(batch_size=batch_rows, columns=cols),
                        _batch_transform(plan),
                    )
                    cur.copy_expert(copy.as_string(conn), stream, size=1 << 20)
                    rows += stream.rows
                else:
                    copy = sql.SQL("copy {} ({}) from stdin with (format csv, header true)").format(
                        table, collist)
                    with open(path, "rb") as f:
                        cur.copy_expert(copy.as_string(conn), f, size=1 << 20)
                    rows += max(cur.rowcount, 0)
            cur.execute(sql.SQL("analyze {}").format(table))
        conn.commit()
    except LakeError:
        conn.rollback()
        raise
    except Exception as e:
        conn.rollback()
        first = str(e).strip().splitlines()
        raise LakeError(f"loading {schema}.{plan.name} failed: {' | '.join(first[:4])}") from e
    return TableResult(plan.name, rows, len(plan.files), time.monotonic() - t0)


def load_lake(
    lake: str | Path,
    schema: str = "raw",
    *,
    fmt: str = "auto",
    tables: list[str] | None = None,
    jobs: int = 4,
    env: Mapping[str, str] | None = None,
    out=None,
) -> list[TableResult]:
    """Load every table folder of `lake` into `schema`; one line per table."""
    t0 = time.monotonic()
    lake = Path(lake)
    plans = plan_lake(lake, fmt, tables)  # every contract check before any write
    # Largest first, so that the parallel loads finish together.
    plans.sort(key=lambda p: -sum(f.stat().st_size for f in p.files))

    def work(plan: TablePlan) -> TableResult:
        conn = connect(env)
        try:
            res = load_table(conn, schema, plan)
        finally:
            conn.close()
        _log(f"{schema}.{res.name}: {res.rows:,} rows from {res.files} {plan.fmt} "
             f"file(s) in {res.seconds:.2f}s", out)
        return res

    # Fail fast on connection problems, with the libpq message; create the
    # schema once (concurrent `create schema if not exists` can collide).
    from psycopg2 import sql

    try:
        conn = connect(env)
    except Exception as e:
        raise LakeError(f"cannot connect to PostgreSQL: {str(e).strip()}") from e
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
        conn.commit()
    finally:
        conn.close()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(work, p) for p in plans]
        results, errors = [], []
        for fut in futures:
            try:
                results.append(fut.result())
            except LakeError as e:
                errors.append(str(e))
    if errors:
        raise LakeError("\n".join(errors))
    total = sum(r.rows for r in results)
    _log(f"loaded {len(results)} tables, {total:,} rows into schema {schema} "
         f"in {time.monotonic() - t0:.2f}s", out)
    return sorted(results, key=lambda r: r.name)
