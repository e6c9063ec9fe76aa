"""Load a lake (`<lake>/<table>/*.parquet` or `*.csv`, raw_contract.md) into
PostgreSQL schema `raw` with bulk `COPY ... FROM STDIN`.

- every table folder of the lake is loaded, with all of its columns (the
  union over its files; a file lacking a column gives nulls there, like
  DuckDB's `union_by_name`); extra columns are harmless;
- every column is `text`: the base models read each contract column as its
  type with the same rule-12 logic as on DuckDB (`macros/staging/
  lake_values.sql`), so an unreadable value ('not a date', NaN in an
  integer) quarantines its row on both engines instead of failing the load;
  parquet values are written as Arrow prints them (timestamps ISO, floats
  '12' / 'nan' / 'inf');
- a contract column missing from a table, and an unreadable file (0 bytes,
  truncated, not parquet, a CSV without header), are errors naming table,
  file and column, raised before anything is written;
- all or nothing: every table is replaced (`TRUNCATE` + `COPY`) in one
  transaction, so readers see the previous raw snapshot or the new one,
  never a mix; a file that fails while copying (invalid UTF-8 in a CSV, a
  row with too many fields) rolls every table back, with a one-line error
  naming the file; dbt's views over raw.* survive a reload.
"""

from __future__ import annotations

import csv
import io
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from retail_saas.postgres.connection import connect
from retail_saas.postgres.contract import TABLES

RAW_TYPE = "text"


class LakeError(Exception):
    """The lake does not satisfy the contract (or cannot be loaded)."""


@dataclass
class TablePlan:
    name: str
    fmt: str  # parquet | csv
    files: list[Path]
    columns: list[str] = field(default_factory=list)  # union of the files' columns, in order
    file_columns: list[list[str]] = field(default_factory=list)


@dataclass
class TableResult:
    name: str
    rows: int
    files: int
    seconds: float


def _log(msg: str, out=None) -> None:
    out = out or sys.stdout
    out.write(msg + "\n")
    out.flush()


def _first_line(e: BaseException) -> str:
    lines = [line.strip() for line in str(e).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(e).__name__


def _csv_header(path: Path) -> list[str]:
    """The header of a CSV file, after reading it whole: a LakeError naming
    the file and line when it is empty, not UTF-8, or a row has another
    number of fields than the header (a truncated file)."""
    header = None
    line = 0
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            for line, row in enumerate(csv.reader(f), start=1):
                if header is None:
                    header = row
                elif len(row) != len(header):
                    raise LakeError(
                        f"{path}: line {line} has {len(row)} fields, the header {len(header)} (a truncated or malformed CSV file)"
                    )
    except UnicodeDecodeError as e:
        raise LakeError(
            f"{path}: not UTF-8 at line {_first_non_utf8_line(path)} ({e.reason}: byte 0x{e.object[e.start]:02x})"
        ) from None
    except csv.Error as e:
        raise LakeError(f"{path}: line {line}: {_first_line(e)}") from None
    if not header:
        raise LakeError(f"{path}: empty CSV file (a header line is required)")
    return [h.strip() for h in header]


def _first_non_utf8_line(path: Path) -> int:
    """The 1-based line of a file holding its first byte that is not UTF-8."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 0


def _parquet_columns(path: Path, table: str) -> list[str]:
    """The file's loadable columns; a LakeError naming the file if it is no
    readable parquet file (0 bytes, truncated, another format)."""
    import pyarrow.parquet as pq
    import pyarrow.types as pt

    try:
        schema = pq.ParquetFile(path).schema_arrow
    except Exception as e:  # ArrowInvalid, OSError: the file is the problem
        raise LakeError(f"{path}: not a readable parquet file ({_first_line(e)})") from None
    cols = []
    for fld in schema:
        if pt.is_nested(fld.type):
            _log(f"warning: {path}: column {fld.name} ({fld.type}) skipped, nested types are not loaded", sys.stderr)
            continue
        cols.append(fld.name)
    return cols


def plan_table(folder: Path, fmt: str = "auto") -> TablePlan | None:
    """What loading `folder` means: files and columns. None if no files."""
    parquet = sorted(p for p in folder.glob("*.parquet") if p.is_file())
    csvs = sorted(p for p in folder.glob("*.csv") if p.is_file())
    if fmt == "auto":
        fmt = "parquet" if parquet else "csv"
    files = parquet if fmt == "parquet" else csvs
    if not files:
        return None
    plan = TablePlan(folder.name, fmt, files)
    for f in files:
        cols = _parquet_columns(f, plan.name) if fmt == "parquet" else _csv_header(f)
        if len(set(cols)) != len(cols):
            raise LakeError(f"{f}: duplicate column names")
        plan.file_columns.append(cols)
        plan.columns += [c for c in cols if c not in plan.columns]
    return plan


def plan_lake(lake: Path, fmt: str = "auto", tables: list[str] | None = None) -> list[TablePlan]:
    """Plans for every table folder; LakeError listing every contract problem."""
    if not lake.is_dir():
        raise LakeError(f"lake folder not found: {lake}")
    plans, errors, unreadable = [], [], set()
    for folder in sorted(p for p in lake.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        if tables and folder.name not in tables:
            continue
        try:
            plan = plan_table(folder, fmt)
        except LakeError as e:
            errors.append(str(e))
            unreadable.add(folder.name)  # its error says why; not "missing" too
            continue
        if plan is None:
            if folder.name not in TABLES:
                _log(f"warning: {folder} has no .parquet or .csv files; skipped", sys.stderr)
            continue
        for col in TABLES.get(plan.name, ()):
            if col not in plan.columns:
                errors.append(f"table {plan.name} is missing column {col} (in every file of {folder})")
        plans.append(plan)
    found = {p.name for p in plans}
    # A whole lake must hold every contract table: loading the others would
    # leave a stale raw copy of the missing one (a mixed snapshot).
    errors += [
        f"table {t} is missing: no {fmt if fmt != 'auto' else 'parquet or csv'} files in {lake / t}"
        for t in TABLES
        if t not in found | unreadable and (not tables or t in tables)
    ]
    if errors:
        raise LakeError("\n".join(errors))
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


def _as_text(batch):
    """Every column as Arrow prints it (the raw tables are text)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.types as pt

    cols = []
    for col in batch.columns:
        if pt.is_dictionary(col.type):
            col = col.dictionary_decode()
        if pt.is_binary(col.type) or pt.is_large_binary(col.type):
            col = pc.cast(col, pa.string(), safe=False)
        cols.append(col if pt.is_string(col.type) else pc.cast(col, pa.string()))
    return pa.RecordBatch.from_arrays(cols, names=batch.schema.names)


def _ident(*parts: str):
    from psycopg2 import sql

    return sql.SQL(".").join(sql.Identifier(p) for p in parts)


def _prepare_table(cur, schema: str, plan: TablePlan) -> None:
    """Create raw.<table> (all text), or bring an existing one to the plan's
    columns, then empty it."""
    from psycopg2 import errors, sql

    cur.execute(
        """
        select a.attname, format_type(a.atttypid, a.atttypmod)
        from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = %s and c.relname = %s and c.relkind = 'r'
          and a.attnum > 0 and not a.attisdropped
    """,
        (schema, plan.name),
    )
    existing = dict(cur.fetchall())
    table = _ident(schema, plan.name)
    coldefs = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(RAW_TYPE)) for c in plan.columns)
    if not existing:
        cur.execute(sql.SQL("create table {} ({})").format(table, coldefs))
        return
    mismatched = [c for c in plan.columns if c in existing and existing[c] != RAW_TYPE]
    if mismatched:  # a raw table of an older, typed loader
        cur.execute("savepoint retype")
        try:
            cur.execute(sql.SQL("drop table {}").format(table))
            cur.execute(sql.SQL("create table {} ({})").format(table, coldefs))
            cur.execute("release savepoint retype")
            return
        except errors.DependentObjectsStillExist as e:
            cur.execute("rollback to savepoint retype")
            raise LakeError(
                f"{schema}.{plan.name}: columns {', '.join(mismatched)} are not text; objects depend on "
                f"the table ({_first_line(e)}); drop them (e.g. the dbt schemas) and reload"
            ) from None
    for c in plan.columns:
        if c not in existing:
            cur.execute(sql.SQL("alter table {} add column {} {}").format(table, sql.Identifier(c), sql.SQL(RAW_TYPE)))
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


def _copy_file(cur, conn, table, path: Path, cols: list[str], fmt: str, batch_rows: int) -> int:
    from psycopg2 import sql

    collist = sql.SQL(", ").join(sql.Identifier(c) for c in cols)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        copy = sql.SQL("copy {} ({}) from stdin with (format csv)").format(table, collist)
        stream = _ArrowCsvStream(pq.ParquetFile(path).iter_batches(batch_size=batch_rows, columns=cols), _as_text)
        cur.copy_expert(copy.as_string(conn), stream, size=1 << 20)
        return stream.rows
    copy = sql.SQL("copy {} ({}) from stdin with (format csv, header true, encoding 'UTF8')").format(table, collist)
    with open(path, "rb") as f:
        cur.copy_expert(copy.as_string(conn), f, size=1 << 20)
    return max(cur.rowcount, 0)


def load_table(cur, conn, schema: str, plan: TablePlan, batch_rows: int = 65536) -> TableResult:
    """Replace <schema>.<table> with the plan's files, inside the caller's
    transaction; a failing file is a LakeError naming it."""
    t0 = time.monotonic()
    rows = 0
    _prepare_table(cur, schema, plan)
    table = _ident(schema, plan.name)
    for path, cols in zip(plan.files, plan.file_columns):
        try:
            rows += _copy_file(cur, conn, table, path, cols, plan.fmt, batch_rows)
        except LakeError:
            raise
        except Exception as e:
            detail = " | ".join(str(e).strip().splitlines()[:2]) or type(e).__name__
            raise LakeError(f"{path}: cannot be loaded into {schema}.{plan.name}: {detail}") from None
    from psycopg2 import sql

    cur.execute(sql.SQL("analyze {}").format(table))
    return TableResult(plan.name, rows, len(plan.files), time.monotonic() - t0)


def load_lake(
    lake: str | Path,
    schema: str = "raw",
    *,
    fmt: str = "auto",
    tables: list[str] | None = None,
    env: Mapping[str, str] | None = None,
    out=None,
) -> list[TableResult]:
    """Load every table folder of `lake` into `schema`, all tables or none
    (one transaction); one line per table."""
    from psycopg2 import sql

    t0 = time.monotonic()
    lake = Path(lake)
    plans = plan_lake(lake, fmt, tables)  # every contract and file check before any write
    try:
        conn = connect(env)
    except Exception as e:
        raise LakeError(f"cannot connect to PostgreSQL: {_first_line(e)}") from None
    results = []
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
            for plan in plans:
                res = load_table(cur, conn, schema, plan)
                results.append(res)
                _log(f"{schema}.{res.name}: {res.rows:,} rows from {res.files} {plan.fmt} file(s) in {res.seconds:.2f}s", out)
        conn.commit()
    except LakeError:
        conn.rollback()
        raise
    except Exception as e:
        conn.rollback()
        raise LakeError(f"loading {lake} into {schema} failed, nothing written: {_first_line(e)}") from None
    finally:
        conn.close()
    total = sum(r.rows for r in results)
    _log(
        f"loaded {len(results)} tables, {total:,} rows into schema {schema} in one transaction in {time.monotonic() - t0:.2f}s", out
    )
    return sorted(results, key=lambda r: r.name)
