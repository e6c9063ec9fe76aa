"""Incremental loads equal a full rebuild (marker `slow`).

History is replayed from one generated lake (scale 0.01): the lake as of
day k (`retail_saas.generator.batches.lake_as_of`, rows with _loaded_at
before the end of day k) is copied into one fixed folder, so dbt's
partial parse survives between runs. A first build on day FIRST, then one
incremental run per day up to LAST, must give every incremental public
mart exactly as a full rebuild on day LAST does. The other public marts are
plain tables rebuilt from the same staging on every run, so they are
equal by construction; only the incremental marts and their parents are
run (`dbt run -s +<mart>`), which keeps the file at a few minutes.

Scenarios: plain daily batches; a batch of rows up to 3 days late
(`hold_back_late`); a storm of redeliveries with changed content
(`redelivery_storm`: moved event times, quarantined copies). Also: a run
killed midway and run again, and every scenario on PostgreSQL (its
marts against the DuckDB full rebuild).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import BIN, REPO, dbt_env, generate_lake  # noqa: E402
from mart_compare import compare_rows  # noqa: E402
from pg_server import pg_env  # noqa: E402,F401  (fixture)

from retail_saas.generator.batches import hold_back_late, lake_as_of, redelivery_storm  # noqa: E402

pytestmark = [pytest.mark.slow]

FIRST, LAST = 88, 90
TIMINGS: dict[str, float] = {}


def _dbt(args: list[str], work: Path, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    t0 = time.monotonic()
    proc = subprocess.run([str(BIN / "dbt"), *args, "--target-path", str(work / "target"),
                           "--log-path", str(work / "logs")],
                          cwd=REPO, env=env, capture_output=True, text=True)
    TIMINGS[f"{work.name} dbt {args[0]}"] = TIMINGS.get(f"{work.name} dbt {args[0]}", 0) + time.monotonic() - t0
    if check and proc.returncode != 0:
        pytest.fail(f"dbt {' '.join(args)} failed:\n" + "\n".join(proc.stdout.splitlines()[-60:]))
    return proc


def _put(lake: Path, day: int, current: Path) -> None:
    shutil.rmtree(current, ignore_errors=True)
    lake_as_of(lake, current, day)


@pytest.fixture(scope="module")
def base_lake(tmp_path_factory) -> Path:
    return generate_lake(tmp_path_factory.mktemp("incr_lake") / "lake", scale=0.01, seed=5)


@pytest.fixture(scope="module")
def scenarios(base_lake, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("incr_scenarios")
    return {
        "plain": base_lake,
        "late": hold_back_late(base_lake, root / "late", day=FIRST + 2, share=0.5),
        "storm": redelivery_storm(base_lake, root / "storm", day=FIRST + 1, share=0.25),
    }


@pytest.fixture(scope="module")
def selection() -> tuple[list[str], list[str]]:
    """The incremental marts (materialized='incremental' in their .sql);
    that they are public (enforced contract) is checked on the manifest."""
    names = sorted(p.stem for p in (REPO / "models" / "marts").rglob("*.sql")
                   if "materialized='incremental'" in p.read_text())
    assert names, "no incremental mart"
    return [f"+{n}" for n in names], names


def _nodes(work: Path, names: list[str]) -> list[dict]:
    manifest = json.loads((work / "target" / "manifest.json").read_text())
    nodes = [n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["name"] in names]
    assert all(n["config"].get("contract", {}).get("enforced") for n in nodes), "an incremental mart is not public"
    return nodes


def _tables(db: Path, names: list[str]) -> dict[str, tuple[list, list]]:
    marts = _nodes(db.parent, names)
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for n in marts:
            res = con.execute(f'select * from "{n["schema"]}"."{n["alias"]}"')
            out[n["name"]] = ([d[0] for d in res.description], res.fetchall())
        return out
    finally:
        con.close()


def _diff(a: dict, b: dict) -> dict[str, list[str]]:
    return {m: p for m in a if (p := compare_rows(*a[m], *b[m]))}


def _replay(lake: Path, work: Path, select: list[str], until: int = LAST) -> dict:
    """First build on day FIRST, then one incremental run per day."""
    current = work / "lake"
    env = dbt_env(work, RETAIL_SAAS_LAKE=str(current))
    _put(lake, FIRST, current)
    _dbt(["build", "-s", *select, "--resource-type", "seed", "--resource-type", "model"], work, env)
    for day in range(FIRST + 1, until + 1):
        _put(lake, day, current)
        _dbt(["run", "-s", *select], work, env)
    return env


@pytest.fixture(scope="module")
def full_builds(scenarios, selection, tmp_path_factory) -> dict[str, Path]:
    """Full rebuilds on day LAST, started in the background (one thread
    each) while the replays run; `_wait` joins them."""
    out = {}
    for name, lake in scenarios.items():
        work = tmp_path_factory.mktemp(f"full_{name}")
        _put(lake, LAST, work / "lake")
        env = dbt_env(work, RETAIL_SAAS_LAKE=str(work / "lake"))
        cmd = [str(BIN / "dbt"), "build", "-s", *selection[0], "--resource-type", "seed",
               "--resource-type", "model", "--full-refresh", "--threads", "1",
               "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
        out[name] = (subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True), work)
    return out


def _wait(full_builds: dict, name: str) -> Path:
    proc, work = full_builds[name]
    if proc.returncode is None:
        stdout, _ = proc.communicate(timeout=1200)
        assert proc.returncode == 0, f"full rebuild {name} failed:\n{stdout[-4000:]}"
    assert proc.returncode == 0, f"full rebuild {name} failed"
    return work / "dbt.duckdb"


@pytest.mark.parametrize("scenario", ["plain", "late", "storm"])
def test_incremental_equals_full_refresh(scenario, scenarios, selection, full_builds, tmp_path_factory):
    select, names = selection
    work = tmp_path_factory.mktemp(f"incr_{scenario}")
    _replay(scenarios[scenario], work, select)
    problems = _diff(_tables(_wait(full_builds, scenario), names), _tables(work / "dbt.duckdb", names))
    print("timings: " + ", ".join(f"{k} {v:.0f}s" for k, v in TIMINGS.items()))
    assert not problems, f"{scenario}: incremental differs from full refresh:\n" + "\n".join(
        f"{m}:\n  " + "\n  ".join(p) for m, p in problems.items())


def test_killed_run_then_rerun_equals_full_refresh(scenarios, selection, full_builds, tmp_path_factory):
    """Kill the last day's run after a few models, run it again."""
    select, names = selection
    work = tmp_path_factory.mktemp("incr_killed")
    env = _replay(scenarios["storm"], work, select, until=LAST - 1)
    _put(scenarios["storm"], LAST, work / "lake")
    cmd = [str(BIN / "dbt"), "run", "-s", *select, "--target-path", str(work / "target"),
           "--log-path", str(work / "logs"), "--threads", "1"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    done, killed = 0, False
    for line in proc.stdout:
        done += " OK created " in line
        if done >= 12:  # staging rebuilt, the facts not yet
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
            break
    proc.wait(timeout=120)
    assert killed, "the run ended before it could be killed"
    _dbt(["run", "-s", *select], work, env)
    problems = _diff(_tables(_wait(full_builds, "storm"), names), _tables(work / "dbt.duckdb", names))
    assert not problems, "killed and rerun differs from full refresh:\n" + "\n".join(
        f"{m}:\n  " + "\n  ".join(p) for m, p in problems.items())


@pytest.mark.postgres
@pytest.mark.parametrize("scenario", ["plain", "late", "storm"])
def test_postgres_incremental_equals_full_refresh(scenario, scenarios, selection, full_builds, pg_env,
                                                  tmp_path_factory):
    """Each scenario replayed on PostgreSQL (raw reloaded each day) gives
    the DuckDB full rebuild's marts (DuckDB = PostgreSQL is test_postgres)."""
    import psycopg2
    from psycopg2 import sql

    from retail_saas.postgres.connection import connect, connection_params

    select, names = selection
    work = tmp_path_factory.mktemp(f"incr_pg_{scenario}")
    dbname = f"retail_saas_incr_{scenario}"

    def admin(stmt: str) -> None:
        conn = psycopg2.connect(**connection_params(pg_env))
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(stmt)
        finally:
            conn.close()

    admin(f'drop database if exists "{dbname}"')
    admin(f'create database "{dbname}"')
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "RETAIL_SAAS_", "DBT_"))}
        env.update(pg_env, PGDATABASE=dbname, DBT_PROFILES_DIR=str(REPO), RETAIL_SAAS_TARGET="postgres")
        lake, current = scenarios[scenario], work / "lake"
        for i, day in enumerate(range(FIRST, LAST + 1)):
            _put(lake, day, current)
            res = subprocess.run([sys.executable, "-m", "retail_saas.cli", "load-postgres", "--lake",
                                  str(current), "--schema", "raw"], cwd=REPO, env=env,
                                 capture_output=True, text=True)
            assert res.returncode == 0, res.stderr[-3000:]
            args = ["--resource-type", "seed", "--resource-type", "model"] if i == 0 else []
            _dbt(["build" if i == 0 else "run", "-s", *select, *args], work, env)
        expected = _tables(_wait(full_builds, scenario), names)
        marts = _nodes(work, names)
        conn = connect(env, options="-c TimeZone=UTC")
        problems = {}
        try:
            with conn.cursor() as cur:
                for n in marts:
                    cur.execute(sql.SQL("select * from {}.{}").format(
                        sql.Identifier(n["schema"]), sql.Identifier(n["alias"])))
                    got = ([d.name for d in cur.description], cur.fetchall())
                    if p := compare_rows(*got, *expected[n["name"]]):
                        problems[n["name"]] = p
        finally:
            conn.close()
        assert not problems, "postgres incremental differs from the full rebuild:\n" + "\n".join(
            f"{m}:\n  " + "\n  ".join(p) for m, p in problems.items())
    finally:
        admin(f'drop database if exists "{dbname}"')
