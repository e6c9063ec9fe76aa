"""Apache Spark as a target (marker `spark`): the same public marts as on
DuckDB, and incremental runs (insert_overwrite by date) equal to a full
refresh.

The Spark extra is optional: this test installs it. Java 17 comes from
apt-get (openjdk-17-jre-headless) when `java` is missing; dbt-spark[session]
and pyspark go into a second venv, `.venv-spark`, from the pinned
requirements-spark.lock (the main .venv stays exactly requirements.lock).
Under CI=true a missing Java or pyspark that cannot be installed fails the
test; elsewhere it is skipped.

One small generated lake (scale 0.005) is turned into a scenario whose
last day (LAST) lands late rows (`hold_back_late`), a redelivery storm
(`redelivery_storm`: moved event times, quarantined copies) and a broken
copy of every event of about two days (`_empty_days`: whole dates of
fct_events, crm_daily and automation_daily end up empty, the case
insert_overwrite alone gets wrong) and app snapshot changes that reach old
events (`snapshot_changes`: a tenant's rows move local day, a team's users
turn invalid). Spark runs in session mode (warehouse
and Derby metastore in a tmp dir) in one warehouse:

1. the lake as of day LAST-1: seeds and every ancestor of models/marts/
   built (`dbt build -s +path:models/marts`, tests excluded); every public
   mart (models/marts/** with an enforced contract) must hold the rows of
   DuckDB's build of the same lake (pytests/mart_compare.py); then the
   data tests of the marts (`dbt test -s path:models/marts`) pass on Spark
   (but NOT_ON_SPARK, see there);
2. the lake as of day LAST: `dbt run -s +<incremental marts>` on Spark is
   an incremental run (insert_overwrite of date partitions, pre_hooks
   dropping partitions that may end up empty); the incremental marts must
   equal DuckDB's full build of day LAST, and their data tests pass
   (except the relationship from int_activities_unioned, which is not
   rebuilt by that run and still holds day LAST-1).

Unit tests are not run on Spark: they test the models' SQL logic, which
is the same on every target (the dispatched macros are tested by the mart
comparisons), and would add minutes of Spark sessions; they run on DuckDB
and PostgreSQL. Spark's tables are read from their parquet files in the
warehouse dir (hive partition folders for the incremental marts), so no
second JVM is needed. Spark keeps a partition column last: those columns
are compared in the contract's order.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import BIN, REPO, dbt_env, generate_lake, run_dbt  # noqa: E402
from mart_compare import compare_rows, compared_models  # noqa: E402
from retail_saas.generator import batches  # noqa: E402

pytestmark = [pytest.mark.spark, pytest.mark.slow]

SPARK_VENV = REPO / ".venv-spark"
SPARK_LOCK = REPO / "requirements-spark.lock"
SCALE = 0.005
BUILD = ["build", "-s", "+path:models/marts", "--exclude-resource-type", "test", "unit_test"]
LAST = 90  # the scenario's last day (the generated lake has 90)
INCREMENTAL = ["fct_events", "crm_daily", "automation_daily"]
INCR_SELECT = [f"+{m}" for m in INCREMENTAL]
# Data tests Spark cannot run: tenant_isolation on a template_id nests a
# correlated subquery two levels deep (brand templates: EXISTS inside NOT
# EXISTS referring to the tested row), which Spark's analyzer rejects.
# They run on DuckDB and PostgreSQL.
NOT_ON_SPARK = ["tenant_isolation_*template_id*"]
TIMINGS: dict[str, float] = {}


def _unavailable(why: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Spark test cannot run under CI: {why}")
    pytest.skip(why)


def _java_ok() -> bool:
    if not shutil.which("java"):
        return False
    proc = subprocess.run(["java", "-version"], capture_output=True, text=True)
    return proc.returncode == 0


def ensure_java() -> None:
    """Java 17 (pyspark 4 needs 17+): apt-get it when missing."""
    if _java_ok():
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        _unavailable("no java and no root apt-get to install it")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "openjdk-17-jre-headless"],
    ):
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            _unavailable(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    if not _java_ok():
        _unavailable("openjdk-17-jre-headless installed but java does not run")


def ensure_spark_venv() -> Path:
    """.venv-spark from requirements-spark.lock; a stamp of the lock's hash
    makes a second call a no-op. Returns its dbt."""
    digest = hashlib.sha256(SPARK_LOCK.read_bytes()).hexdigest()[:16]
    stamp = SPARK_VENV / f".installed-{digest}"
    dbt = SPARK_VENV / "bin" / "dbt"
    if stamp.exists() and dbt.exists():
        return dbt
    uv = BIN / "uv"
    if not uv.exists():
        _unavailable("uv is not in the main venv (scripts/setup.sh)")
    for cmd in (
        [str(uv), "venv", "--allow-existing", "-q", "-p", sys.executable, str(SPARK_VENV)],
        [str(uv), "pip", "install", "-q", "--python", str(SPARK_VENV / "bin" / "python"), "-r", str(SPARK_LOCK)],
    ):
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
        if proc.returncode != 0:
            _unavailable(f"installing the Spark extra failed:\n{' '.join(cmd)}\n{proc.stderr[-3000:]}")
    for old in SPARK_VENV.glob(".installed-*"):
        old.unlink()
    stamp.touch()
    return dbt


def _latest_copies(table, key: tuple[str, ...]) -> list[int]:
    """Row index of each key's latest copy (the one that decides the key):
    breaking only those lands one broken copy per key, never two copies of
    one key with the same `_loaded_at` (which rule 12 quarantines as
    conflicting, so that an older good copy would decide the key)."""
    from retail_saas.generator.schema import LOADED_AT

    loaded = batches._us(table, LOADED_AT)
    keys = list(zip(*(table[c].to_pylist() for c in key), strict=True))
    latest: dict[tuple, int] = {}
    for i, k in enumerate(keys):
        if k not in latest or loaded[i] > loaded[latest[k]]:
            latest[k] = i
    return sorted(latest.values())


def _empty_days(lake: Path, out: Path, day: int) -> Path:
    """Land, at the end of day `day`, a broken (quarantined) copy of every
    event whose deciding (latest) copy's time lies in [start + day-3 days + 1 h, start + day-1 days
    + 12 h) UTC: the date start + day-2 days loses all its events, as a
    UTC date and as the tenant-local date of every timezone (UTC-12 ..
    UTC+23). Every copy lands within 71 h of its event time and after
    every earlier copy."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from retail_saas.generator.schema import LOADED_AT, TABLES

    start = batches.lake_start(lake)
    hour = batches.HOUR_US
    epoch = int((start - batches.dt.datetime(1970, 1, 1)).total_seconds() * 1e6)
    lo = epoch + (day - 3) * batches.US_PER_DAY + hour
    hi = epoch + (day - 1) * batches.US_PER_DAY + 12 * hour
    landed = epoch + day * batches.US_PER_DAY - 500_000
    tables = {}
    for name, spec in TABLES.items():
        table = batches.read_table(lake, name)
        if spec.source != "events" or not spec.time_col or not table.num_rows:
            tables[name] = table
            continue
        t = batches._us(table, spec.time_col)
        pick = np.array([i for i in _latest_copies(table, spec.key) if lo <= t[i] < hi], dtype=np.int64)
        column, value = batches._BREAK.get(name, ("status" if "status" in table.column_names else "action", "BROKEN"))
        assert column in table.column_names, (name, column)
        copies = table.take(pa.array(pick))
        idx = copies.schema.get_field_index(column)
        copies = copies.set_column(idx, column, pa.array([value] * len(pick), copies.schema.field(idx).type))
        idx = copies.schema.get_field_index(LOADED_AT)
        copies = copies.set_column(
            idx,
            LOADED_AT,
            pc.cast(pa.array([landed] * len(pick), pa.int64()), pa.timestamp("us")).cast(copies.schema.field(idx).type),
        )
        tables[name] = pa.concat_tables([table, copies.cast(table.schema)])
    return batches._write(out, tables, dict(batches._manifest(lake), empty_days_day=day))


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("h_spark")


@pytest.fixture(scope="module")
def spark_dbt() -> Path:
    t0 = time.monotonic()
    ensure_java()
    dbt = ensure_spark_venv()
    TIMINGS["install"] = time.monotonic() - t0
    return dbt


@pytest.fixture(scope="module")
def scenario(work) -> Path:
    """The generated lake with late rows, a redelivery storm, two emptied
    days and snapshot changes (a team moving tenant, a tenant's timezone,
    a brand_retailers row gone ...) all landing on day LAST."""
    t0 = time.monotonic()
    lake = generate_lake(work / "lake", scale=SCALE)
    late = batches.hold_back_late(lake, work / "late", day=LAST, share=0.5)
    storm = batches.redelivery_storm(late, work / "storm", day=LAST, share=0.25)
    emptied = _empty_days(storm, work / "emptied", day=LAST)
    out = batches.snapshot_changes(emptied, work / "scenario", day=LAST)
    for day in (LAST - 1, LAST):
        batches.lake_as_of(out, work / f"day{day}", day)
    TIMINGS["lakes"] = time.monotonic() - t0
    return out


def _results(target: Path) -> dict[str, str]:
    data = json.loads((target / "run_results.json").read_text())
    return {r["unique_id"]: r["status"] for r in data["results"]}


@pytest.fixture(scope="module")
def duckdb_builds(work, scenario) -> dict[int, Path]:
    """DuckDB full builds: every mart on day LAST-1, the incremental marts
    and their ancestors on day LAST."""
    out = {}
    for day, args in (
        (LAST - 1, BUILD),
        (LAST, ["build", "-s", *INCR_SELECT, "--resource-type", "seed", "--resource-type", "model"]),
    ):
        t0 = time.monotonic()
        dk = work / f"duckdb{day}"
        dk.mkdir(exist_ok=True)
        run_dbt(args, dk, env=dbt_env(dk, RETAIL_SAAS_LAKE=str(work / f"day{day}")))
        TIMINGS[f"duckdb build day {day}"] = time.monotonic() - t0
        out[day] = dk
    return out


def _spark(dbt: Path, args: list[str], sp: Path, what: str, timeout: int = 900) -> None:
    """dbt on Spark, its lake the folder sp/lake; fails on any error."""
    env = dbt_env(sp, RETAIL_SAAS_TARGET="spark", RETAIL_SAAS_LAKE=str(sp / "lake"), RETAIL_SAAS_SPARK_DIR=str(sp / "spark"))
    t0 = time.monotonic()
    proc = subprocess.run(
        [str(dbt), *args, "--target-path", str(sp / "target"), "--log-path", str(sp / "logs")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    TIMINGS[f"spark {what}"] = time.monotonic() - t0
    failed = (
        [u for u, s in _results(sp / "target").items() if s not in ("success", "pass")]
        if (sp / "target" / "run_results.json").exists()
        else ["(no run)"]
    )
    if proc.returncode != 0 or failed:
        errors = [ln for ln in proc.stdout.splitlines() if "Error" in ln or "ERROR" in ln or "FAIL" in ln][:40]
        pytest.fail(f"dbt {what} on spark failed ({failed[:20]}):\n" + "\n".join(errors) + "\n" + proc.stdout[-3000:])
    assert not (REPO / "metastore_db").exists() and not (REPO / "spark-warehouse").exists(), (
        "spark wrote its metastore or warehouse into the working tree"
    )


def _land(work: Path, sp: Path, day: int) -> None:
    shutil.rmtree(sp / "lake", ignore_errors=True)
    shutil.copytree(work / f"day{day}", sp / "lake")


@pytest.fixture(scope="module")
def spark_build(work, scenario, spark_dbt) -> Path:
    """Spark: full build of day LAST-1."""
    sp = work / "spark"
    sp.mkdir(exist_ok=True)
    _land(work, sp, LAST - 1)
    _spark(spark_dbt, BUILD, sp, "build")
    return sp


def _spark_rows(table_dir: Path, node: dict):
    """A Spark table's rows from its parquet files; a partitioned table's
    partition column (a folder level, stored last by Spark) is put back in
    the contract's column order."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    parts = sorted(p.name.split("=")[0] for p in table_dir.glob("*=*"))
    assert list(table_dir.glob("*.parquet")) or parts, f"no parquet files in {table_dir}"
    partitioning = ds.partitioning(pa.schema([(parts[0], pa.date32())]), flavor="hive") if parts else None
    table = ds.dataset(table_dir, format="parquet", partitioning=partitioning).to_table()
    names = table.column_names
    if parts:
        order = [c for c in node["columns"] if c in names]
        names = order + [c for c in names if c not in order]
        table = table.select(names)
    return names, [tuple(r.values()) for r in table.to_pylist()]


def _compare(sp: Path, dk_dir: Path, marts: list[dict]) -> tuple[list, dict]:
    import duckdb

    warehouse = sp / "spark" / "warehouse"
    dk = duckdb.connect(str(dk_dir / "dbt.duckdb"), read_only=True)
    dk.execute("set TimeZone = 'UTC'")
    report, problems = [], {}
    try:
        for node in marts:
            cols_sp, rows_sp = _spark_rows(warehouse / f"{node['schema']}.db" / node["alias"], node)
            res = dk.execute(f'select * from "{node["schema"]}"."{node["alias"]}"')
            cols_dk = [d[0] for d in res.description]
            rows_dk = res.fetchall()
            diff = compare_rows(cols_sp, rows_sp, cols_dk, rows_dk)
            report.append(f"{'DIFF' if diff else 'same'} {node['name']}: {len(rows_dk)} rows")
            if diff:
                problems[node["name"]] = diff
    finally:
        dk.close()
    return report, problems


def _problems(problems: dict) -> str:
    # compare_rows labels its sides postgres/duckdb: here spark/duckdb
    return "\n".join(f"{m}:\n  " + "\n  ".join(p).replace("postgres", "spark") for m, p in problems.items())


def _marts(sp: Path) -> list[dict]:
    manifest = json.loads((sp / "target" / "manifest.json").read_text())
    return [n for n in compared_models(manifest) if n["original_file_path"].startswith("models/marts/")]


def test_spark_marts_match_duckdb(duckdb_builds, spark_build):
    marts = _marts(spark_build)
    assert len(marts) >= 30, f"only {len(marts)} public marts found"
    t0 = time.monotonic()
    report, problems = _compare(spark_build, duckdb_builds[LAST - 1], marts)
    TIMINGS["compare"] = time.monotonic() - t0
    print("\n" + "\n".join(report))
    empty = [r for r in report if r.endswith(": 0 rows")]
    assert len(empty) < len(report) / 2, f"mostly empty marts:\n{report}"
    assert not problems, "spark and duckdb differ:\n" + _problems(problems)


def test_spark_data_tests(spark_build, spark_dbt):
    """The data tests of the marts pass on Spark (day LAST-1)."""
    _spark(
        spark_dbt,
        ["test", "-s", "path:models/marts", "--exclude", *NOT_ON_SPARK, "--exclude-resource-type", "unit_test"],
        spark_build,
        "test marts",
    )
    assert len(_results(spark_build / "target")) >= 100


def test_spark_incremental_equals_full_refresh(work, scenario, spark_build, spark_dbt, duckdb_builds):
    """Day LAST lands; an incremental run on Spark gives the incremental
    marts of DuckDB's full build of day LAST (emptied dates included)."""
    import duckdb

    sp = spark_build
    _land(work, sp, LAST)
    _spark(spark_dbt, ["run", "-s", *INCR_SELECT], sp, "incremental run")
    for name in INCREMENTAL:
        ran = next((sp / "target" / "run").rglob(f"{name}.sql")).read_text()
        assert "insert overwrite table" in ran.lower(), f"{name} was not written incrementally:\n{ran[:500]}"
    marts = [n for n in _marts(sp) if n["name"] in INCREMENTAL]
    assert len(marts) == len(INCREMENTAL)
    # the scenario empties a whole date (UTC and tenant-local) that held
    # rows the day before: insert_overwrite alone would keep them
    emptied = str(batches.lake_start(scenario).date() + batches.dt.timedelta(days=LAST - 2))
    counts = {}
    for day in (LAST - 1, LAST):
        con = duckdb.connect(str(duckdb_builds[day] / "dbt.duckdb"), read_only=True)
        try:
            for node in marts:
                col = "activity_date_utc" if node["name"] == "fct_events" else "activity_date"
                counts[node["name"], day] = con.execute(
                    f'select count(*) from "{node["schema"]}"."{node["alias"]}" where {col} = date \'{emptied}\''
                ).fetchone()[0]
        finally:
            con.close()
    assert counts["fct_events", LAST - 1] > 0 and not any(counts[m, LAST] for m in INCREMENTAL), (
        f"{emptied} not emptied by the scenario: {counts}"
    )
    report, problems = _compare(sp, duckdb_builds[LAST], marts)
    print("\nincremental:\n" + "\n".join(report))
    _spark(
        spark_dbt,
        ["test", "-s", *INCREMENTAL, "--exclude", "int_activities_unioned", *NOT_ON_SPARK, "--exclude-resource-type", "unit_test"],
        sp,
        "test incremental marts",
    )
    print("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in TIMINGS.items()))
    assert not problems, "spark incremental differs from the duckdb full build:\n" + _problems(problems)
