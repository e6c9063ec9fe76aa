"""Apache Spark as a target (marker `spark`): the same public marts as on
DuckDB.

The Spark extra is optional: this test installs it. Java 17 comes from
apt-get (openjdk-17-jre-headless) when `java` is missing; dbt-spark[session]
and pyspark go into a second venv, `.venv-spark`, from the pinned
requirements-spark.lock (the main .venv stays exactly requirements.lock).
Under CI=true a missing Java or pyspark that cannot be installed fails the
test; elsewhere it is skipped.

One small generated lake (scale 0.005) is built twice, seeds and every
ancestor of models/marts/ (`dbt build -s +path:models/marts`, data and unit
tests excluded: they run on DuckDB and PostgreSQL), on DuckDB and on Spark
in session mode (warehouse and Derby metastore in a tmp dir). Every public
mart (models/marts/** with an enforced contract) must then hold the same
rows (pytests/mart_compare.py). Spark's tables are read from their parquet
files in the warehouse dir, so no second JVM is needed.
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

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import BIN, REPO, dbt_env, generate_lake, run_dbt  # noqa: E402
from mart_compare import compare_rows, compared_models  # noqa: E402

pytestmark = [pytest.mark.spark, pytest.mark.slow]

SPARK_VENV = REPO / ".venv-spark"
SPARK_LOCK = REPO / "requirements-spark.lock"
SCALE = 0.005
BUILD = ["build", "-s", "+path:models/marts",
         "--exclude-resource-type", "test", "unit_test"]
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
    for cmd in (["apt-get", "update", "-q"],
                ["apt-get", "install", "-y", "-q", "--no-install-recommends",
                 "openjdk-17-jre-headless"]):
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
    for cmd in ([str(uv), "venv", "--allow-existing", "-q", "-p",
                 sys.executable, str(SPARK_VENV)],
                [str(uv), "pip", "install", "-q", "--python",
                 str(SPARK_VENV / "bin" / "python"), "-r", str(SPARK_LOCK)]):
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
        if proc.returncode != 0:
            _unavailable(f"installing the Spark extra failed:\n"
                         f"{' '.join(cmd)}\n{proc.stderr[-3000:]}")
    for old in SPARK_VENV.glob(".installed-*"):
        old.unlink()
    stamp.touch()
    return dbt


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
def lake(work) -> Path:
    return generate_lake(work / "lake", scale=SCALE)


def _results(target: Path) -> dict[str, str]:
    data = json.loads((target / "run_results.json").read_text())
    return {r["unique_id"]: r["status"] for r in data["results"]}


@pytest.fixture(scope="module")
def duckdb_build(work, lake) -> Path:
    t0 = time.monotonic()
    dk = work / "duckdb"
    dk.mkdir(exist_ok=True)
    run_dbt(BUILD, dk, env=dbt_env(dk, RETAIL_SAAS_LAKE=str(lake)))
    TIMINGS["duckdb build"] = time.monotonic() - t0
    return dk


@pytest.fixture(scope="module")
def spark_build(work, lake, spark_dbt) -> Path:
    sp = work / "spark"
    sp.mkdir(exist_ok=True)
    env = dbt_env(sp, RETAIL_SAAS_TARGET="spark",
                  RETAIL_SAAS_LAKE=str(lake),
                  RETAIL_SAAS_SPARK_DIR=str(sp / "spark"))
    t0 = time.monotonic()
    proc = subprocess.run(
        [str(spark_dbt), *BUILD, "--target-path", str(sp / "target"),
         "--log-path", str(sp / "logs")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    TIMINGS["spark build"] = time.monotonic() - t0
    failed = [u for u, s in _results(sp / "target").items()
              if s not in ("success", "pass")] \
        if (sp / "target" / "run_results.json").exists() else ["(no run)"]
    if proc.returncode != 0 or failed:
        errors = [ln for ln in proc.stdout.splitlines()
                  if "Error" in ln or "ERROR" in ln][:40]
        pytest.fail(f"dbt build on spark failed ({failed[:20]}):\n"
                    + "\n".join(errors) + "\n" + proc.stdout[-3000:])
    assert not (REPO / "metastore_db").exists() \
        and not (REPO / "spark-warehouse").exists(), \
        "spark wrote its metastore or warehouse into the working tree"
    return sp


def _spark_rows(table_dir: Path):
    import pyarrow.parquet as pq

    files = sorted(table_dir.glob("*.parquet"))
    assert files, f"no parquet files in {table_dir}"
    table = pq.ParquetDataset(files).read()
    return table.column_names, [tuple(r.values()) for r in table.to_pylist()]


def test_spark_marts_match_duckdb(duckdb_build, spark_build):
    import duckdb

    manifest = json.loads(
        (spark_build / "target" / "manifest.json").read_text())
    marts = [n for n in compared_models(manifest)
             if n["original_file_path"].startswith("models/marts/")]
    assert len(marts) >= 30, f"only {len(marts)} public marts found"
    warehouse = spark_build / "spark" / "warehouse"
    dk = duckdb.connect(str(duckdb_build / "dbt.duckdb"), read_only=True)
    dk.execute("set TimeZone = 'UTC'")
    t0 = time.monotonic()
    report, problems = [], {}
    try:
        for node in marts:
            cols_sp, rows_sp = _spark_rows(
                warehouse / f"{node['schema']}.db" / node["alias"])
            res = dk.execute(
                f'select * from "{node["schema"]}"."{node["alias"]}"')
            cols_dk = [d[0] for d in res.description]
            rows_dk = res.fetchall()
            diff = compare_rows(cols_sp, rows_sp, cols_dk, rows_dk)
            report.append(f"{'DIFF' if diff else 'same'} {node['name']}: "
                          f"{len(rows_dk)} rows")
            if diff:
                problems[node["name"]] = diff
    finally:
        dk.close()
    TIMINGS["compare"] = time.monotonic() - t0
    print("\n" + "\n".join(report))
    print("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in TIMINGS.items()))
    empty = [r for r in report if r.endswith(": 0 rows")]
    assert len(empty) < len(report) / 2, f"mostly empty marts:\n{report}"
    # compare_rows labels its sides postgres/duckdb: here spark/duckdb
    assert not problems, "spark and duckdb differ:\n" + "\n".join(
        f"{m}:\n  " + "\n  ".join(p).replace("postgres", "spark")
        for m, p in problems.items())
