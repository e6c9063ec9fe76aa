"""PostgreSQL as a real warehouse (marker `postgres`).

A server comes from the `pg_env` fixture (pytests/pg_server.py: the user's
PGHOST, else a private server started, and installed if needed). The tests
generate a small lake, load it into schema `raw` with `retail-saas
load-postgres` (twice: idempotent), check the missing-column error and the
CSV path, then run `dbt build` on the postgres and the DuckDB targets over
the same lake and compare every public mart (models/marts/** with an
enforced contract) and every staging model row for row.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mart_compare import compare_rows, compared_models  # noqa: E402
from pg_server import TIMINGS

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SCALE, SEED = "0.01", "7"


def _run(cmd: list[str], env: dict, timeout: float = 1800, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, **kw)


def _tail(res: subprocess.CompletedProcess, n: int = 4000) -> str:
    return f"exit {res.returncode}\n--- stdout ---\n{res.stdout[-n:]}\n--- stderr ---\n{res.stderr[-n:]}"


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "retail_saas.cli", *args]


def _pg_connect(env: dict):
    from retail_saas.postgres.connection import connect

    return connect(env, options="-c TimeZone=UTC")


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("h_pg")


@pytest.fixture(scope="module")
def base_env(pg_env) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "RETAIL_SAAS_", "DBT_"))}
    env.update(pg_env)
    env["DBT_PROFILES_DIR"] = str(ROOT)
    return env


@pytest.fixture(scope="module")
def lake(work, base_env) -> Path:
    out = work / "lake"
    t0 = time.monotonic()
    res = _run(_cli("generate", "--scale", SCALE, "--seed", SEED, "--out", str(out)), base_env)
    TIMINGS["generate"] = time.monotonic() - t0
    assert res.returncode == 0, f"retail-saas generate failed:\n{_tail(res)}"
    assert any(out.glob("*/*.parquet")), f"no parquet files in {out}"
    return out


def _lake_counts(lake: Path) -> dict[str, int]:
    import pyarrow.parquet as pq

    return {
        d.name: sum(pq.ParquetFile(f).metadata.num_rows for f in d.glob("*.parquet"))
        for d in sorted(lake.iterdir())
        if d.is_dir() and any(d.glob("*.parquet"))
    }


def _pg_counts(env: dict, schema: str) -> dict[str, int]:
    from psycopg2 import sql

    conn = _pg_connect(env)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "select table_name from information_schema.tables where table_schema = %s and table_type = 'BASE TABLE'", (schema,)
            )
            counts = {}
            for (t,) in cur.fetchall():
                cur.execute(sql.SQL("select count(*) from {}.{}").format(sql.Identifier(schema), sql.Identifier(t)))
                counts[t] = cur.fetchone()[0]
        return counts
    finally:
        conn.close()


@pytest.fixture(scope="module")
def loaded(lake, base_env) -> dict[str, int]:
    """The lake in schema raw, loaded twice: the counts must not double."""
    expected = _lake_counts(lake)
    for attempt in (1, 2):
        t0 = time.monotonic()
        res = _run(_cli("load-postgres", "--lake", str(lake), "--schema", "raw"), base_env)
        TIMINGS[f"load #{attempt}"] = time.monotonic() - t0
        assert res.returncode == 0, f"load-postgres #{attempt} failed:\n{_tail(res)}"
        for table in expected:
            assert f"raw.{table}: " in res.stdout, f"no progress line for {table}:\n{res.stdout}"
        got = _pg_counts(base_env, "raw")
        assert got == expected, f"after load #{attempt}: raw counts {got} != lake {expected}"
    return expected


def test_server_is_usable(pg_env):
    conn = _pg_connect(pg_env)
    try:
        with conn.cursor() as cur:
            cur.execute("select current_database(), current_setting('server_version_num')::int")
            db, version = cur.fetchone()
    finally:
        conn.close()
    assert db == pg_env["PGDATABASE"]
    assert version >= 120000


def test_load_is_idempotent_and_all_text(loaded, base_env):
    """Every raw column is text: the base models read each as its contract
    type with the rule-12 logic shared with DuckDB (an unreadable value is
    quarantined, never a failed load)."""
    from retail_saas.postgres.contract import TABLES

    assert set(TABLES) <= set(loaded), f"contract tables missing from the lake: {set(TABLES) - set(loaded)}"
    conn = _pg_connect(base_env)
    try:
        with conn.cursor() as cur:
            cur.execute("select table_name, column_name, data_type from information_schema.columns where table_schema = 'raw'")
            types = {(t, c): ty for t, c, ty in cur.fetchall()}
    finally:
        conn.close()
    wrong = [
        f"raw.{t}.{c} is {types.get((t, c))}, want text" for t, cols in TABLES.items() for c in cols if types.get((t, c)) != "text"
    ]
    assert not wrong, "\n".join(wrong)


def test_missing_column_is_a_clear_error(lake, loaded, base_env, work):
    import pyarrow.parquet as pq

    bad = work / "lake_missing"
    shutil.rmtree(bad, ignore_errors=True)
    for t in ("brands", "teams"):
        shutil.copytree(lake / t, bad / t)
    for f in (bad / "teams").glob("*.parquet"):
        table = pq.read_table(f)
        pq.write_table(table.drop_columns(["name"]), f)
    before = _pg_counts(base_env, "raw")
    res = _run(_cli("load-postgres", "--lake", str(bad), "--schema", "raw"), base_env)
    assert res.returncode != 0, _tail(res)
    assert "table teams is missing column name" in res.stderr, _tail(res)
    # Nothing was written: the check runs before any table is replaced.
    assert _pg_counts(base_env, "raw") == before


def test_csv_lake_loads_like_parquet(lake, loaded, base_env, work):
    """CSV fixtures (header, ISO timestamps) give the same rows as parquet."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    tables = ["tenants", "raw_message", "cdn_log"]
    csv_lake = work / "lake_csv"
    shutil.rmtree(csv_lake, ignore_errors=True)
    for t in tables:
        (csv_lake / t).mkdir(parents=True)
        for f in (lake / t).glob("*.parquet"):
            pacsv.write_csv(pq.read_table(f), csv_lake / t / f"{f.stem}.csv")
    res = _run(_cli("load-postgres", "--lake", str(csv_lake), "--schema", "raw_csv", "--tables", ",".join(tables)), base_env)
    assert res.returncode == 0, _tail(res)
    conn = _pg_connect(base_env)
    try:
        with conn.cursor() as cur:
            for t in tables:
                cur.execute(f"select count(*) from (select * from raw.{t} except all select * from raw_csv.{t}) d")
                diff1 = cur.fetchone()[0]
                cur.execute(f"select count(*) from (select * from raw_csv.{t} except all select * from raw.{t}) d")
                diff2 = cur.fetchone()[0]
                assert (diff1, diff2) == (0, 0), f"{t}: parquet and csv loads differ"
            cur.execute("drop schema raw_csv cascade")
        conn.commit()
    finally:
        conn.close()


# -- dbt on both targets --------------------------------------------------------


def _dbt_cmd(target_dir: Path) -> list[str]:
    dbt = BIN / "dbt"
    exe = [str(dbt)] if dbt.exists() else [shutil.which("dbt") or "dbt"]
    return exe + [
        "build",
        "--project-dir",
        str(ROOT),
        "--target-path",
        str(target_dir / "target"),
        "--log-path",
        str(target_dir / "logs"),
    ]


@pytest.fixture(scope="module")
def builds(loaded, lake, base_env, work) -> dict[str, dict]:
    """`dbt build` on postgres and on DuckDB over the same lake, concurrently."""
    runs = {
        "postgres": dict(base_env, RETAIL_SAAS_TARGET="postgres", RETAIL_SAAS_LAKE=str(lake)),
        "duckdb": dict(
            base_env, RETAIL_SAAS_TARGET="duckdb", RETAIL_SAAS_LAKE=str(lake), RETAIL_SAAS_DUCKDB_PATH=str(work / "x.duckdb")
        ),
    }
    procs, out = {}, {}
    for name, env in runs.items():
        d = work / f"dbt_{name}"
        d.mkdir(exist_ok=True)
        log = open(d / "stdout.txt", "w")
        procs[name] = (
            subprocess.Popen(_dbt_cmd(d), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True),
            time.monotonic(),
            log,
            d,
        )
    for name, (proc, t0, log, d) in procs.items():
        rc = proc.wait(timeout=3600)
        log.close()
        TIMINGS[f"dbt build {name}"] = time.monotonic() - t0
        out[name] = {"rc": rc, "dir": d / "target", "stdout": (d / "stdout.txt").read_text()}
    out["duckdb"]["path"] = work / "x.duckdb"
    return out


def _results(target: Path) -> dict[str, str]:
    p = target / "run_results.json"
    if not p.exists():
        return {}
    return {r["unique_id"]: r["status"] for r in json.loads(p.read_text())["results"]}


def _failures(build: dict) -> list[str]:
    return [f"{uid}: {st}" for uid, st in sorted(_results(build["dir"]).items()) if st not in ("success", "pass")]


def test_dbt_build_postgres(builds):
    b = builds["postgres"]
    assert b["rc"] == 0, "dbt build on postgres failed:\n" + "\n".join(_failures(b)) + "\n" + b["stdout"][-6000:]


def test_dbt_build_duckdb(builds):
    b = builds["duckdb"]
    assert b["rc"] == 0, "dbt build on duckdb failed:\n" + "\n".join(_failures(b)) + "\n" + b["stdout"][-6000:]


# -- row-for-row comparison -----------------------------------------------------


def test_postgres_matches_duckdb(builds, base_env):
    import duckdb
    from psycopg2 import sql

    pg_manifest = json.loads((builds["postgres"]["dir"] / "manifest.json").read_text())
    dk_manifest = json.loads((builds["duckdb"]["dir"] / "manifest.json").read_text())
    ok_pg = {u for u, s in _results(builds["postgres"]["dir"]).items() if s == "success"}
    ok_dk = {u for u, s in _results(builds["duckdb"]["dir"]).items() if s == "success"}
    models = compared_models(pg_manifest)
    assert models, "no public marts or staging models in the manifest"

    pg = _pg_connect(base_env)
    pg.set_session(readonly=True, autocommit=True)
    dk = duckdb.connect(str(builds["duckdb"]["path"]), read_only=True)
    dk.execute("set TimeZone = 'UTC'")
    report, problems, skipped = [], {}, []
    try:
        for node in models:
            uid = node["unique_id"]
            if uid not in ok_pg or uid not in ok_dk or uid not in dk_manifest["nodes"]:
                skipped.append(f"{node['name']} (built: postgres {uid in ok_pg}, duckdb {uid in ok_dk})")
                continue
            dn = dk_manifest["nodes"][uid]
            with pg.cursor() as cur:
                cur.execute(sql.SQL("select * from {}.{}").format(sql.Identifier(node["schema"]), sql.Identifier(node["alias"])))
                cols_pg = [d.name for d in cur.description]
                rows_pg = cur.fetchall()
            rel = f'"{dn["database"]}"."{dn["schema"]}"."{dn["alias"]}"'
            res = dk.execute(f"select * from {rel}")
            cols_dk = [d[0] for d in res.description]
            rows_dk = res.fetchall()
            diff = compare_rows(cols_pg, rows_pg, cols_dk, rows_dk)
            report.append(f"{'DIFF' if diff else 'same'} {node['name']}: {len(rows_pg)} rows")
            if diff:
                problems[node["name"]] = diff
    finally:
        pg.close()
        dk.close()
    summary = "\n".join(report + [f"not compared (build failed): {s}" for s in skipped])
    print("\n" + summary)
    print("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in TIMINGS.items()))
    assert not problems, (
        "postgres and duckdb differ:\n" + "\n".join(f"{m}:\n  " + "\n  ".join(p) for m, p in problems.items()) + "\n\n" + summary
    )
    assert not skipped, "models not built on both targets:\n" + "\n".join(skipped)
    assert report, "nothing compared"
