"""A hostile upstream (issue 14): a copy of a small generated lake (scale
0.01) corrupted one way per case, on DuckDB and on PostgreSQL.

Cases where the build must go on (`GOES_ON`) cannot interact (each adds its
own rows under fresh keys, or its own file, to one table), so they share
one corrupted lake, built and published whole by `retail-saas build` on
DuckDB and (after `load-postgres`) on PostgreSQL; each case is still its
own test. Expected values come from the corruption itself and the
generator's manifest (what it injected), never from the project: every
case's rows carry the reason of their rule, and per source the quarantine
holds exactly the manifest's bad rows plus the case rows. Both engines
quarantine the same rows and publish the same marts, row for row.

Cases where the build must stop (`STOPS`) each get their own lake copy:
a one-line error naming table, file or column from `retail-saas
check-lake`, from `retail-saas build` on DuckDB (its lake check, before
dbt) and from `load-postgres` (which then leaves the previous raw snapshot
untouched: all tables or none); the marts published from the go-on lake
stay as they were, row for row, on both engines. On PostgreSQL a raw table
that lacks a contract column stops `retail-saas build` in dbt: nothing is
published and the failed build is kept in schemas *__failed.

Last, a poisoned row (_loaded_at 9999-12-31, event times in 1970 and
9999) lands between two incremental runs: the incremental marts equal a
full refresh.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_incremental import _diff, _pg_database, _report, _tables  # noqa: E402

from conftest import BIN, REPO, dbt_env, generate_lake, start_full_rebuild  # noqa: E402
from retail_saas.generator.batches import lake_as_of, lake_start  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SEED = 3
TIMINGS: dict[str, float] = {}
KEY = {
    "brand_retailers": ["brand_id", "tenant_id"],
    "sla_policies": ["tenant_id", "channel"],
    "cdn_log": ["log_date", "tenant_id", "distribution"],
}


def _key(table: str, lake: Path) -> list[str]:
    return KEY.get(table) or [pq.read_schema(next((lake / table).glob("*.parquet"))).names[0]]


def _run(cmd: list[str], env: dict, label: str) -> subprocess.CompletedProcess:
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
    TIMINGS[label] = TIMINGS.get(label, 0) + time.monotonic() - t0
    return proc


def _dbt(args: list[str], work: Path, env: dict, label: str) -> subprocess.CompletedProcess:
    return _run([str(BIN / "dbt"), *args, "--target-path", str(work / "target"), "--log-path", str(work / "logs")], env, label)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "retail_saas.cli", *args]


def _tail(proc: subprocess.CompletedProcess, n: int = 60) -> str:
    return "\n".join((proc.stdout + proc.stderr).splitlines()[-n:])


# ------------------------------------------------------------------ corrupting a lake


def _table(lake: Path, table: str) -> pa.Table:
    return pa.concat_tables([pq.read_table(f) for f in sorted((lake / table).glob("part-*.parquet"))], promote_options="permissive")


# The donor row of a table: the first candidate, unless the generator made
# it bad (test_donor_rows_valid_and_valid_copies_kept says so).
NTH = {"asset_log": 1}


def _donor(lake: Path, table: str) -> dict:
    """A row to copy under a fresh key: the NTH of the table's rows (from a
    third in) whose key arrived once; valid (checked after the build), so a
    copy's quarantine reason is its corruption's."""
    nth = NTH.get(table, 0)
    data = _table(lake, table)
    key = _key(table, lake)[0]
    counts = Counter(data[key].to_pylist())
    rows = data.to_pylist()
    picked = [r for r in rows[len(rows) // 3 :] if r[key] and r[key].strip() and counts[r[key]] == 1]
    return picked[nth]


def _add_file(lake: Path, table: str, name: str, rows: list[dict], types: dict[str, pa.DataType] | None = None) -> None:
    """rows as `<lake>/<table>/<name>.parquet`, with the table's schema but
    the column types given (a string column for text, float for NaN)."""
    schema = pq.read_schema(next((lake / table).glob("part-*.parquet")))
    fields = [pa.field(f.name, (types or {}).get(f.name, f.type)) for f in schema]
    pq.write_table(pa.Table.from_pylist(rows, pa.schema(fields)), lake / table / f"{name}.parquet")


def _fresh_copy(
    table: str, changes: dict, types: dict | None = None, copies: int = 1, reason: str | None = None, differ: dict | None = None
):
    """A Case adding copies of a donor row under the key zz_<name>."""

    def apply(lake: Path, name: str) -> dict[str, str]:
        donor = _donor(lake, table)
        key = _key(table, lake)[0]
        row = dict(donor, **{key: f"zz_{name}"}, **changes)
        rows = [dict(row) for _ in range(copies)]
        if differ:
            rows[1].update(differ)
        _add_file(lake, table, f"zz_{name}", rows, types)
        return {f"zz_{name}": reason} if reason else {}

    return table, apply


def _extra_schema_file(lake: Path) -> dict[str, str]:
    pq.write_table(pa.table({"foo": [1, 2, 3], "bar": ["a", "b", "c"]}), lake / "template_log" / "zz_other.parquet")
    return {}


def _duplicated_file(lake: Path) -> dict[str, str]:
    files = sorted((lake / "product_log").glob("part-*.parquet"))
    shutil.copy(files[len(files) // 2], lake / "product_log" / "part-again.parquet")
    return {}


def _null_keys(path: Path, key: str) -> int:
    col = pq.read_table(path, columns=[key])[key]
    return sum(1 for v in col.to_pylist() if v is None or not str(v).strip())


TS = pa.timestamp("us")
FAR = __import__("datetime").datetime(9999, 12, 31)
EPOCH = __import__("datetime").datetime(1970, 1, 1, 6)
# name -> (table, apply(lake, name) -> {row_key: reason})
GOES_ON: dict[str, tuple] = {
    "rule11_loaded_at_null": _fresh_copy("product_log", {"_loaded_at": None}, reason="loaded_at_missing"),
    "rule11_loaded_at_9999": _fresh_copy(
        "template_log", {"_loaded_at": FAR, "event_time": FAR}, reason="loaded_at_after_run_start"
    ),
    "rule12_text_in_timestamp": _fresh_copy(
        "contact_log", {"event_time": "not a date"}, {"event_time": pa.string()}, reason="unreadable_value:event_time"
    ),
    "rule12_day_30_february": _fresh_copy(
        "import_log", {"started_at": "2026-02-30 10:00:00"}, {"started_at": pa.string()}, reason="unreadable_value:started_at"
    ),
    "rule12_text_in_integer": _fresh_copy("media_log", {"bytes": "12abc"}, {"bytes": pa.string()}, reason="unreadable_value:bytes"),
    "rule12_nan_in_integer": _fresh_copy(
        "asset_log", {"bytes": float("nan")}, {"bytes": pa.float64()}, reason="unreadable_value:bytes"
    ),
    "rule12_infinity_in_integer": _fresh_copy(
        "subscription_log", {"amount_cents": float("inf")}, {"amount_cents": pa.float64()}, reason="unreadable_value:amount_cents"
    ),
    "rule12_text_in_boolean": _fresh_copy(
        "raw_message", {"is_automated": "maybe"}, {"is_automated": pa.string()}, reason="unreadable_value:is_automated"
    ),
    "rule13_differing_copies": _fresh_copy("user_log", {}, copies=2, differ={"module": "zz_other"}, reason="conflicting_copies"),
    "identical_copies_same_loaded_at": _fresh_copy("campaign_log", {}, copies=2),
    "event_time_1970": _fresh_copy("account_binding_log", {"event_time": EPOCH}, reason="event_time_before_2000"),
    "event_time_9999": _fresh_copy("notification_log", {"event_time": FAR}, reason="event_time_in_future"),
    "value_of_100000_characters": _fresh_copy("sync_log", {"error_code": "x" * 100_000}),
    "extra_file_with_another_schema": ("template_log", lambda lake, name: _extra_schema_file(lake)),
    "duplicated_file": ("product_log", lambda lake, name: _duplicated_file(lake)),
}


# ------------------------------------------------------------------ the shared corrupted lake


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return generate_lake(tmp_path_factory.mktemp("corrupt_base") / "lake", scale=0.01, seed=SEED)


@pytest.fixture(scope="module")
def corrupted(pristine, tmp_path_factory) -> dict:
    """Every GOES_ON case applied to one copy of the lake; the expected
    quarantine per source (manifest + case rows), the fresh keys' reasons."""
    lake = tmp_path_factory.mktemp("corrupt_all") / "lake"
    shutil.copytree(pristine, lake)
    manifest = json.loads((lake / "_generator_manifest.json").read_text())
    expected = Counter({t: sum(k.values()) for t, k in manifest["bad_rows"]["by_kind"].items()})
    reasons: dict[str, dict[str, str]] = {}
    donors: dict[str, tuple[str, str]] = {}
    for name, (table, apply) in GOES_ON.items():
        if name.startswith(("rule", "identical", "event_time", "value")):
            donors[name] = (table, _donor(pristine, table)[_key(table, pristine)[0]])
        reasons[name] = apply(lake, name)
        expected[table] += sum(2 if r == "conflicting_copies" else 1 for r in reasons[name].values())
    expected["template_log"] += 3  # the other schema's rows: null keys
    again = lake / "product_log" / "part-again.parquet"
    expected["product_log"] += _null_keys(again, "event_id")  # a null key is never collapsed
    return {
        "lake": lake,
        "expected": expected,
        "reasons": reasons,
        "donors": donors,
        "again_rows": pq.ParquetFile(again).metadata.num_rows,
    }


@pytest.fixture(scope="module")
def duckdb_build(corrupted, tmp_path_factory) -> dict:
    """The corrupted lake built and published by `retail-saas build` (the
    build goes on, so it publishes); `marts`: the published marts just
    after, which every stop case below must leave as they are."""
    work = tmp_path_factory.mktemp("corrupt_duckdb")
    published = work / "retail_saas.duckdb"
    env = dbt_env(work, RETAIL_SAAS_LAKE=str(corrupted["lake"]), RETAIL_SAAS_DUCKDB_PATH=str(published))
    proc = _run(
        [str(BIN / "retail-saas"), "build", "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        env,
        "duckdb publish (shared corrupted lake)",
    )
    marts = _duck_marts(published) if proc.returncode == 0 else {}
    return {"proc": proc, "db": published, "work": work, "marts": marts, "sha256": _sha256(published)}


def _sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def _duck_marts(db: Path) -> dict[str, tuple[list, list]]:
    """Columns and rows of every table of schema marts (the published ones)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema ="
                " 'marts' and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ]
        out = {}
        for n in names:
            res = con.execute(f'select * from marts."{n}"')
            out[n] = ([d[0] for d in res.description], res.fetchall())
        return out
    finally:
        con.close()


def _duck(build: dict, sql: str) -> list[tuple]:
    con = duckdb.connect(str(build["db"]), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def postgres_build(corrupted, pg_env, tmp_path_factory) -> Iterator[dict]:
    """The corrupted lake loaded into a database of its own and the whole
    project built and published there by `retail-saas build` (every test,
    row conservation among them, passes, so it publishes); the database
    stays for the stop cases, which must leave its marts as they are."""
    with _pg_database(pg_env, "corrupt_all") as env:
        load = _run(_cli("load-postgres", "--lake", str(corrupted["lake"])), env, "postgres load")
        assert load.returncode == 0, _tail(load)
        work = tmp_path_factory.mktemp("corrupt_pg")
        proc = _run(
            [str(BIN / "retail-saas"), "build", "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
            env,
            "postgres publish (shared corrupted lake)",
        )
        assert proc.returncode == 0, _tail(proc)
        conn = _pg_connect(env)
        try:
            with conn.cursor() as cur:
                cur.execute("select source_table, row_key, invalid_reason from staging.stg_quarantined_rows")
                rows = cur.fetchall()
                cur.execute(
                    "select length(error_code) from staging.stg_events__syncs where sync_id = 'zz_value_of_100000_characters'"
                )
                long_value = cur.fetchall()
        finally:
            conn.close()
        yield {"proc": proc, "quarantine": rows, "long_value": long_value, "env": env, "work": work, "marts": _pg_marts(env)}


def _pg_connect(env: dict):
    from retail_saas.postgres.connection import connect

    return connect(env, options="-c TimeZone=UTC")


def _pg_marts(env: dict) -> dict[str, tuple[list, list]]:
    """Columns and rows of every table of schema marts (the published ones)."""
    conn = _pg_connect(env)
    try:
        with conn.cursor() as cur:
            cur.execute("select tablename from pg_tables where schemaname = 'marts' order by 1")
            out = {}
            for (n,) in cur.fetchall():
                cur.execute(f'select * from marts."{n}"')
                out[n] = ([d.name for d in cur.description], cur.fetchall())
            return out
    finally:
        conn.close()


def _quarantine(rows: list[tuple]) -> dict:
    by_table = Counter(t for t, _, _ in rows)
    by_key = {(t, k): r for t, k, r in rows if k and k.startswith("zz_")}
    twice = Counter((t, k) for t, k, _ in rows if k and k.startswith("zz_"))
    return {"by_table": by_table, "by_key": by_key, "twice": twice}


def test_duckdb_build_goes_on(duckdb_build):
    proc = duckdb_build["proc"]
    assert proc.returncode == 0, _tail(proc)
    assert "ERROR=0" in [line for line in proc.stdout.splitlines() if "Done. PASS=" in line][-1]
    assert f"==> published {duckdb_build['db']}" in proc.stdout, _tail(proc)
    assert len(duckdb_build["marts"]) > 30 and all(rows for _, rows in duckdb_build["marts"].values()), (
        "a published mart is missing or empty"
    )


@pytest.mark.parametrize("case", list(GOES_ON))
def test_case_quarantined_with_its_reason_on_both_engines(case, corrupted, duckdb_build, postgres_build):
    table = GOES_ON[case][0]
    engines = {
        "duckdb": _quarantine(
            _duck(duckdb_build, "select source_table, row_key, invalid_reason from staging.stg_quarantined_rows")
        ),
        "postgres": _quarantine(postgres_build["quarantine"]),
    }
    for engine, q in engines.items():
        for key, reason in corrupted["reasons"][case].items():
            assert q["by_key"].get((table, key)) == reason, f"{engine}: {table} {key}"
            copies = 2 if reason == "conflicting_copies" else 1
            assert q["twice"][(table, key)] == copies, f"{engine}: {table} {key} quarantined rows"
        if not corrupted["reasons"][case] and case in corrupted["donors"]:
            assert (table, f"zz_{case}") not in q["by_key"], f"{engine}: a valid copy was quarantined"
        # the whole source: the manifest's bad rows plus the cases' rows, exactly
        assert q["by_table"][table] == corrupted["expected"][table], f"{engine}: {table}"


def test_every_source_quarantine_exact_and_equal_on_both_engines(corrupted, duckdb_build, postgres_build):
    duck = _duck(duckdb_build, "select source_table, row_key, invalid_reason from staging.stg_quarantined_rows")
    assert Counter(t for t, _, _ in duck) == +corrupted["expected"]
    assert sorted(duck, key=str) == sorted(postgres_build["quarantine"], key=str)
    assert postgres_build["proc"].returncode == 0, _tail(postgres_build["proc"])  # row conservation included


def test_postgres_publishes_the_marts_duckdb_publishes(duckdb_build, postgres_build):
    """Every go-on case in one lake, published by `retail-saas build` on
    both engines: PostgreSQL's public marts equal DuckDB's row for row
    (the bad rows left both the same way; the quarantine is compared above)."""
    proc = postgres_build["proc"]
    assert proc.returncode == 0 and "==> published schemas" in proc.stdout, _tail(proc)
    pg, duck = postgres_build["marts"], duckdb_build["marts"]
    assert pg.keys() == duck.keys() and len(pg) > 30, (sorted(pg), sorted(duck))
    problems = _diff(pg, duck)
    assert not problems, "postgres and duckdb marts differ:\n" + _report(problems)


STAGED = {  # source table -> (staging model, key column), for the tables the cases use
    "product_log": ("stg_events__product_events", "event_id"),
    "template_log": ("stg_events__template_events", "event_id"),
    "contact_log": ("stg_events__contact_events", "event_id"),
    "import_log": ("stg_events__imports", "import_batch_id"),
    "media_log": ("stg_events__media_uploads", "event_id"),
    "asset_log": ("stg_events__asset_events", "event_id"),
    "subscription_log": ("stg_events__subscription_events", "event_id"),
    "raw_message": ("stg_events__messages", "message_id"),
    "user_log": ("stg_events__user_events", "event_id"),
    "campaign_log": ("stg_events__campaign_events", "event_id"),
    "account_binding_log": ("stg_events__binding_attempts", "attempt_id"),
    "notification_log": ("stg_events__notification_events", "event_id"),
    "sync_log": ("stg_events__syncs", "sync_id"),
}


def test_donor_rows_valid_and_valid_copies_kept(corrupted, duckdb_build, postgres_build):
    """The donor rows are valid (so a copy's reason is its corruption's);
    the identical pair collapses to one valid row; the 100,000-character
    value arrives whole on both engines."""
    for name, (table, key) in corrupted["donors"].items():
        model, column = STAGED[table]
        assert _duck(duckdb_build, f"select count(*) from staging.{model} where {column} = '{key}'") == [(1,)], name
    assert _duck(
        duckdb_build,
        "select count(*) from staging.stg_events__campaign_events where event_id = 'zz_identical_copies_same_loaded_at'",
    ) == [(1,)]
    assert _duck(
        duckdb_build, "select length(error_code) from staging.stg_events__syncs where sync_id = 'zz_value_of_100000_characters'"
    ) == [(100_000,)]
    assert postgres_build["long_value"] == [(100_000,)]


def test_row_conservation_per_source(corrupted, duckdb_build):
    """raw = valid + duplicates removed + quarantined for every source, with
    raw rows counted from the files and duplicates expected from the
    manifest's redeliveries plus the cases' (the identical pair, the
    duplicated file's keyed rows)."""
    lake = corrupted["lake"]
    manifest = json.loads((lake / "_generator_manifest.json").read_text())
    duplicates = Counter({t: sum(c.values()) for t, c in manifest["redeliveries"].items()})
    duplicates["campaign_log"] += 1
    duplicates["product_log"] += corrupted["again_rows"] - _null_keys(lake / "product_log" / "part-again.parquet", "event_id")
    quarantined = dict(_duck(duckdb_build, "select source_table, count(*) from staging.stg_quarantined_rows group by 1"))
    tables = {
        t: (_staged_model(t), sum(pq.ParquetFile(f).metadata.num_rows for f in (lake / t).glob("*.parquet")))
        for t in manifest["rows"]
    }
    problems = []
    for table, (model, raw) in tables.items():
        ((valid,),) = _duck(duckdb_build, f"select count(*) from staging.{model}")
        if raw != valid + duplicates[table] + quarantined.get(table, 0):
            problems.append(
                f"{table}: raw {raw} != valid {valid} + duplicates {duplicates[table]} + quarantined {quarantined.get(table, 0)}"
            )
    assert not problems, "\n".join(problems)


def _staged_model(table: str) -> str:
    """stg model of a source table, from the sources' yml descriptions
    ("Staged as stg_...")."""
    for yml in (REPO / "models" / "staging").glob("*/_*__sources.yml"):
        text = yml.read_text()
        at = text.find(f"- name: {table}\n")
        if at >= 0:
            tail = text[at:]
            return tail[tail.index("stg_") :].split()[0].rstrip(".,")
    raise AssertionError(f"no staging model for {table}")


def test_time_bounds_hold(corrupted, duckdb_build):
    """Nothing a bad row carries moves as_of or the calendar: they stay in
    the generated window (manifest start, days)."""
    import datetime as dt

    manifest = json.loads((corrupted["lake"] / "_generator_manifest.json").read_text())
    start = dt.date.fromisoformat(manifest["start"][:10])
    end = start + dt.timedelta(days=manifest["days"])
    ((first, last),) = _duck(duckdb_build, "select min(date_day), max(date_day) from intermediate.int_calendar_days_spined")
    assert start - dt.timedelta(days=3) <= first and last <= end, (first, last)
    ((n_days,),) = _duck(duckdb_build, "select count(distinct activity_date_utc) from marts.saas_daily")
    assert n_days <= manifest["days"] + 1


# ------------------------------------------------------------------ cases where the build must stop


def _drop_column(lake: Path) -> None:
    for f in (lake / "media_log").glob("*.parquet"):
        pq.write_table(pq.read_table(f).drop_columns(["bytes"]), f)


def _truncate(lake: Path) -> None:
    f = min((lake / "media_log").glob("*.parquet"))
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])


def _csv_lake(lake: Path) -> None:
    """The hand-made CSV fixture lake, with bytes that are not UTF-8 in a
    value of raw_message (the generated parquet lake is replaced)."""
    shutil.rmtree(lake)
    shutil.copytree(REPO / "fixtures" / "small_lake" / "lake", lake)
    f = lake / "raw_message" / "data.csv"
    f.write_bytes(f.read_bytes().replace(b",cv1,", b",cv\xff\xfe1,", 1))


# name -> (corrupt(lake), table, the file or column the error names, lake format)
STOPS: dict[str, tuple] = {
    "missing_table": (lambda lake: shutil.rmtree(lake / "media_log"), "media_log", "media_log", "parquet"),
    "missing_column": (_drop_column, "media_log", "bytes", "parquet"),
    "zero_byte_file": (
        lambda lake: (lake / "media_log" / "part-999.parquet").write_bytes(b""),
        "media_log",
        "part-999.parquet",
        "parquet",
    ),
    "truncated_file": (_truncate, "media_log", "part-000.parquet", "parquet"),
    "non_utf8_csv": (_csv_lake, "raw_message", "data.csv", "csv"),
}


def _one_line(output: str, *names: str) -> str | None:
    """The first output line that names every one of `names`."""
    return next((line for line in output.splitlines() if all(n in line for n in names)), None)


@pytest.fixture(scope="module")
def stop_lakes(pristine, tmp_path_factory) -> dict[str, Path]:
    out = {}
    for name, (corrupt, *_rest) in STOPS.items():
        lake = tmp_path_factory.mktemp(f"stop_{name}") / "lake"
        shutil.copytree(pristine, lake)
        corrupt(lake)
        out[name] = lake
    return out


@pytest.mark.parametrize("case", list(STOPS))
def test_stop_check_lake_names_table_file_column(case, stop_lakes):
    _, table, what, _fmt = STOPS[case]
    proc = _run(_cli("check-lake", "--lake", str(stop_lakes[case])), dict(os.environ), "check-lake")
    assert proc.returncode == 1, _tail(proc)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert _one_line(proc.stderr, "error:", table, what), proc.stderr


@pytest.mark.parametrize("case", list(STOPS))
def test_stop_duckdb_publish_one_line_and_published_marts_unchanged(case, stop_lakes, duckdb_build):
    """`retail-saas build` on the corrupt lake, over the file published from
    the go-on lake: stops before dbt with exactly one line on stderr naming
    table and file or column (no traceback, nothing of DuckDB's multi-line
    message), and the published file is the one before: the same bytes and,
    row for row, the marts read right after its publish; nothing was
    built, so no shadow and no failed file."""
    _, table, what, fmt = STOPS[case]
    published, work = duckdb_build["db"], duckdb_build["work"]
    assert duckdb_build["marts"], "nothing was published before the stop case"
    env = dbt_env(work, RETAIL_SAAS_LAKE=str(stop_lakes[case]), RETAIL_SAAS_LAKE_FORMAT=fmt, RETAIL_SAAS_DUCKDB_PATH=str(published))
    proc = _run(
        [str(BIN / "retail-saas"), "build", "--target-path", str(work / "target_stop"), "--log-path", str(work / "logs_stop")],
        env,
        "duckdb publish stop cases",
    )
    assert proc.returncode == 1, _tail(proc)
    assert "Traceback" not in proc.stdout + proc.stderr, _tail(proc)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, f"stderr is not one line:\n{proc.stderr}"
    assert lines[0].startswith("retail-saas build: error: lake check: ") and table in lines[0] and what in lines[0], lines[0]
    assert "nothing published" in lines[0], lines[0]
    assert _sha256(published) == duckdb_build["sha256"], "the stopped build changed the published file"
    after = _duck_marts(published)
    assert after.keys() == duckdb_build["marts"].keys()
    problems = _diff(after, duckdb_build["marts"])
    assert not problems, _report(problems)
    leftovers = sorted(p.name for p in work.glob("retail_saas.*.duckdb"))
    assert not leftovers, f"the stopped build wrote {leftovers}"


def _raw_counts(env: dict) -> dict[str, tuple]:
    conn = _pg_connect(env)
    try:
        with conn.cursor() as cur:
            cur.execute("select table_name from information_schema.tables where table_schema = 'raw'")
            out = {}
            for (t,) in cur.fetchall():
                cur.execute(f'select count(*), max(_loaded_at) from raw."{t}"')
                out[t] = cur.fetchone()
            return out
    finally:
        conn.close()


def _assert_pg_marts_unchanged(postgres_build: dict) -> None:
    """The published marts, row for row, as read right after the publish."""
    after = _pg_marts(postgres_build["env"])
    assert after.keys() == postgres_build["marts"].keys()
    problems = _diff(after, postgres_build["marts"])
    assert not problems, "the published marts changed:\n" + _report(problems)


@pytest.mark.parametrize("case", list(STOPS))
def test_stop_postgres_loader_names_the_file_and_writes_nothing(case, stop_lakes, postgres_build):
    """load-postgres of the corrupt lake into the database published from
    the go-on lake: one line naming table and file or column, and the
    previous raw snapshot (every table) and published marts are intact."""
    _, table, what, _fmt = STOPS[case]
    env = postgres_build["env"]
    before = _raw_counts(env)
    proc = _run(_cli("load-postgres", "--lake", str(stop_lakes[case])), env, "postgres stop cases")
    assert proc.returncode == 1, _tail(proc)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert _one_line(proc.stderr, "error:", table, what), proc.stderr
    assert _raw_counts(env) == before  # the previous raw snapshot, every table
    _assert_pg_marts_unchanged(postgres_build)


def test_stop_postgres_publish_keeps_marts_and_the_failed_build(postgres_build):
    """raw.media_log as another loader might leave it, its contract column
    `bytes` renamed: `retail-saas build` stops in dbt (the base model names
    table and column), ends with one line, publishes nothing (the marts are
    the ones before, row for row) and keeps the failed build in schemas
    *__failed, readable by their owner only, with its quarantine: the bad
    rows of every other source (media_log's staging failed)."""
    env = postgres_build["env"]
    work = postgres_build["work"]
    conn = _pg_connect(env)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("alter table raw.media_log rename column bytes to bytes_renamed")
            try:
                proc = _run(
                    [
                        str(BIN / "retail-saas"),
                        "build",
                        "-s",
                        "base_events__media_uploads+",
                        "--target-path",
                        str(work / "target"),
                        "--log-path",
                        str(work / "logs"),
                    ],
                    env,
                    "postgres publish stop case",
                )
            finally:
                cur.execute("alter table raw.media_log rename column bytes_renamed to bytes")
            assert proc.returncode == 1, _tail(proc)
            assert "Traceback" not in proc.stdout + proc.stderr, _tail(proc)
            lines = proc.stderr.splitlines()
            assert len(lines) == 1 and lines[0].startswith("retail-saas build: error: build failed ("), proc.stderr
            assert "base_events__media_uploads" in lines[0] and "__failed" in lines[0], lines[0]
            assert "none for media_log, whose staging failed" in lines[0], lines[0]
            assert _one_line(proc.stdout, "media_log", "missing contract column(s): bytes"), _tail(proc)
            _assert_pg_marts_unchanged(postgres_build)
            cur.execute("select nspname from pg_namespace where nspname like '%%\\_\\_failed' order by 1")
            failed = [r[0] for r in cur.fetchall()]
            assert "staging__failed" in failed, failed
            # its quarantine: every other source's bad rows, as published
            # from the same raw tables just before
            cur.execute("select source_table, row_key, invalid_reason from staging__failed.failed_build_quarantine")
            kept = sorted(cur.fetchall(), key=str)
            expected = sorted((r for r in postgres_build["quarantine"] if r[0] != "media_log"), key=str)
            assert kept == expected, "the failed build's quarantine is not the other sources' bad rows"
            assert f"its quarantine ({len(expected)} rows;" in lines[0], lines[0]
            cur.execute(
                "select count(*) from pg_roles r, pg_namespace n where r.rolname like 'analytics\\_%%'"
                " and n.nspname like '%%\\_\\_failed' and has_schema_privilege(r.oid, n.oid, 'usage')"
            )
            assert cur.fetchone()[0] == 0, "an analyst role may read the failed build's schemas"
    finally:
        conn.close()


# ------------------------------------------------------------------ a poisoned row between incremental runs


def _incremental_marts() -> list[str]:
    return sorted(p.stem for p in (REPO / "models" / "marts").rglob("*.sql") if "materialized='incremental'" in p.read_text())


def _poison(lake: Path, source: Path) -> None:
    """automation_log rows from a hostile clock, under fresh keys, landing on
    day 89: landed in 9999, happened in 1970, happened in 9999 (the last two
    stamped with their landing, noon of day 89, as the contract's
    _loaded_at is; the val_events__ models restage what landed after their
    mark)."""
    donor = _donor(source, "automation_log")
    landed = lake_start(source) + __import__("datetime").timedelta(days=88, hours=12)
    rows = [
        dict(donor, event_id="zz_poison_loaded_9999", _loaded_at=FAR),
        dict(donor, event_id="zz_poison_event_1970", event_time=EPOCH, _loaded_at=landed),
        dict(donor, event_id="zz_poison_event_9999", event_time=FAR, _loaded_at=landed),
    ]
    _add_file(lake, "automation_log", "zz_poison", rows)


def test_poisoned_row_between_incremental_runs_equals_full_refresh(pristine, tmp_path_factory):
    marts = _incremental_marts()
    select = [f"+{m}" for m in marts]
    inc, full = tmp_path_factory.mktemp("poison_inc"), tmp_path_factory.mktemp("poison_full")
    for work, day in ((full, 89), (inc, 88)):
        lake_as_of(pristine, work / "lake", day)
        if day == 89:
            _poison(work / "lake", pristine)
    full_env = dbt_env(full, RETAIL_SAAS_LAKE=str(full / "lake"))
    background = start_full_rebuild(select, full, full_env)
    env = dbt_env(inc, RETAIL_SAAS_LAKE=str(inc / "lake"))
    first = _dbt(
        ["build", "-s", *select, "--resource-type", "seed", "--resource-type", "model"], inc, env, "poison: incremental runs"
    )
    assert first.returncode == 0, _tail(first)
    # day 89 lands with the poison: a window from the 9999 copy would skip
    # every new row of the day (issue 14: 30 events of automation_daily)
    shutil.rmtree(inc / "lake")
    lake_as_of(pristine, inc / "lake", 89)
    _poison(inc / "lake", pristine)
    run = _dbt(["run", "-s", *select], inc, env, "poison: incremental runs")
    assert run.returncode == 0, _tail(run)
    t0 = time.monotonic()
    stdout, _ = background.communicate(timeout=1800)
    TIMINGS["poison: full refresh (waited)"] = time.monotonic() - t0
    assert background.returncode == 0, stdout[-4000:]
    problems = _diff(_tables(inc / "dbt.duckdb", marts), _tables(full / "dbt.duckdb", marts))
    assert not problems, _report(problems)
    con = duckdb.connect(str(inc / "dbt.duckdb"), read_only=True)
    try:
        reasons = dict(
            con.execute(
                "select event_id, invalid_reason from staging.val_events__automation_events where event_id like 'zz_poison%'"
            ).fetchall()
        )
    finally:
        con.close()
    assert reasons == {
        "zz_poison_loaded_9999": "loaded_at_after_run_start",
        "zz_poison_event_1970": "event_time_before_2000",
        "zz_poison_event_9999": "event_time_in_future",
    }


def test_zz_timings():
    """Prints where the time went (pytest -s)."""
    for label, seconds in sorted(TIMINGS.items()):
        print(f"{label:<50} {seconds:7.1f}s")
