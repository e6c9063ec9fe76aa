"""The daily job's gate, `retail-saas run` (src/retail_saas/daily/), on
DuckDB: dbt starts only when something it reads changed since the last
successful run.

One copy of the project (so a test can change its code) and one small
generated lake (scale 0.01, whose generator puts two rows at _loaded_at
9999-12-31: quarantined for landing after the run's start, but not due).
Each gated run selects `+stg_quarantined_rows` (staging only, which keeps
the file near a minute); the first one seeds, builds and records. Then:

- a second call with nothing changed prints the one line, exits 0, and
  starts no dbt: the database file keeps its bytes, dbt's log and
  run_results.json are not written;
- touching one lake file (a new mtime, same bytes) and a row quarantined
  as loaded_at_after_run_start whose _loaded_at has passed each make the
  next call run dbt (and the call after the latter is a no-op);
- a model changed in the copy (broken) makes it run dbt, which fails: exit
  1 with one line, and no record (the one before was deleted when dbt
  started).
Adding, removing or resizing a lake file, and a changed --vars, are
checked on the fingerprint itself (no dbt).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from conftest import BIN, REPO, generate_lake

SELECT = ["-s", "+stg_quarantined_rows"]
NOTHING = "nothing landed since "


@pytest.fixture(scope="module")
def gated(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("daily_gate")
    project = root / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml", "selectors.yml"):
        shutil.copy2(REPO / name, project / name)
    for name in ("models", "macros", "seeds", "tests", "analyses", "docs"):
        shutil.copytree(REPO / name, project / name)
    where = {"project": project, "lake": generate_lake(root / "lake"), "db": root / "gate.duckdb"}
    first = gate(where)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr
    assert "no successful run recorded" in first.stdout and "recorded the inputs" in first.stdout
    return where


def gate(where: dict[str, Path], *args: str) -> subprocess.CompletedProcess:
    """`retail-saas run` in the project copy, on its own database and lake."""
    env = dict(
        os.environ,
        DBT_PROFILES_DIR=str(where["project"]),
        RETAIL_SAAS_TARGET="duckdb",
        RETAIL_SAAS_DUCKDB_PATH=str(where["db"]),
        RETAIL_SAAS_LAKE=str(where["lake"]),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    cmd = [str(BIN / "retail-saas"), "run", *SELECT, *args]
    return subprocess.run(cmd, cwd=where["project"], env=env, capture_output=True, text=True, timeout=600)


def ran_dbt(proc: subprocess.CompletedProcess) -> bool:
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    return "Completed successfully" in proc.stdout and "recorded the inputs" in proc.stdout


def settle(where: dict[str, Path]) -> None:
    """The state is recorded: a call now is a no-op (after running dbt if
    an earlier test left something changed)."""
    if not gate(where).stdout.startswith(NOTHING):
        assert gate(where).stdout.startswith(NOTHING)


def recorded(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select fingerprint, recorded_at from run_gate.last_successful_run").fetchall()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_nothing_landed_starts_no_dbt_and_changes_nothing(gated):
    db, target, logs = gated["db"], gated["project"] / "target", gated["project"] / "logs"
    before = (sha256(db), (target / "run_results.json").stat().st_mtime_ns, (logs / "dbt.log").stat().st_mtime_ns)
    proc = gate(gated)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(NOTHING), proc.stdout
    assert lines[0].endswith("UTC: 0 models run, marts unchanged")
    assert (sha256(db), (target / "run_results.json").stat().st_mtime_ns, (logs / "dbt.log").stat().st_mtime_ns) == before
    assert not Path(f"{db}.wal").exists()
    # the two rows the generator landed at 9999-12-31 are pending, not due
    with duckdb.connect(str(db), read_only=True) as con:
        due = con.execute(
            "select count(*) filter (where loaded_at <= now()), count(*) from staging.stg_quarantined_rows"
            " where invalid_reason = 'loaded_at_after_run_start'"
        ).fetchone()
    assert due == (0, 2)


@pytest.mark.slow
def test_touching_one_lake_file_runs_dbt(gated):
    settle(gated)
    victim = sorted((gated["lake"] / "brands").glob("*.parquet"))[0]
    st = victim.stat()
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    proc = gate(gated)
    assert "changed since the run of" in proc.stdout and ": lake: dbt run" in proc.stdout
    assert ran_dbt(proc)


@pytest.mark.slow
def test_a_clock_quarantined_row_that_is_due_runs_dbt(gated):
    """A file that landed while the last run was running, with a
    _loaded_at after the run's start: that run quarantined its row
    (loaded_at_after_run_start), and by now it has landed. The row is put
    where such a run leaves it; nothing else changed, and the gate runs."""
    settle(gated)
    with duckdb.connect(str(gated["db"])) as con:
        landed = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=1)
        con.execute(
            "insert into staging.stg_quarantined_rows values ('brands', 'b_landed_mid_run', 'loaded_at_after_run_start', ?)",
            [landed],
        )
    proc = gate(gated)
    assert "==> 1 rows quarantined as loaded_at_after_run_start have landed by now: dbt run" in proc.stdout
    assert ran_dbt(proc)
    assert gate(gated).stdout.startswith(NOTHING)


@pytest.mark.slow
def test_a_code_change_runs_dbt_and_a_failed_run_records_nothing(gated):
    """A model changed in the copy (broken, so the same run also shows a
    failure): dbt starts, fails, the call exits 1 with one line, and the
    record is gone (the next call runs dbt again)."""
    settle(gated)
    assert len(recorded(gated["db"])) == 1
    model = gated["project"] / "models" / "staging" / "app" / "base" / "base_app__brands.sql"
    good = model.read_text()
    model.write_text(good + "\nthis is not sql\n")
    try:
        proc = gate(gated)
    finally:
        model.write_text(good)
    assert "changed since the run of" in proc.stdout and ": code: dbt run" in proc.stdout
    assert "Running with dbt=" in proc.stdout
    assert proc.returncode == 1
    errors = proc.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("retail-saas run: error: dbt run failed (")
    assert "base_app__brands" in errors[0] and "nothing recorded" in errors[0]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert recorded(gated["db"]) == []


def test_the_fingerprint_sees_files_added_removed_resized_and_vars(tmp_path):
    from retail_saas.daily.fingerprint import file_lake_part, fingerprint

    lake = generate_lake(tmp_path / "lake")
    env = {"RETAIL_SAAS_LAKE": str(lake)}

    def parts(*args: str) -> dict[str, str]:
        return fingerprint(REPO, "duckdb", "run", list(args), env, file_lake_part(list(args), env))

    base = parts()
    assert parts() == base
    first = sorted((lake / "tenants").glob("*.parquet"))[0]
    extra = first.with_name("landed_later.parquet")
    shutil.copy2(first, extra)
    added = parts()
    assert added["lake"] != base["lake"] and {k for k in base if added[k] != base[k]} == {"lake"}
    extra.unlink()
    assert parts() == base
    with first.open("ab") as fh:
        fh.write(b"\0")
    assert parts()["lake"] != base["lake"]
    assert parts("--vars", "{run_started_at: '2026-01-01'}")["command"] != parts()["command"]
    resized = parts()
    (lake / "tenants" / "notes.txt").write_text("not read by the sources")
    assert parts() == resized
    elsewhere = shutil.copytree(lake, tmp_path / "other_lake")
    assert parts("--vars", f"{{lake_path: '{elsewhere}'}}")["lake"] != resized["lake"]


@pytest.mark.postgres
def test_postgres_raw_fingerprint_and_record(pg_env, tmp_path):
    """On PostgreSQL the raw tables stand for the lake: a reload and a row
    added after it change the lake part, a second look does not; the
    record lives in the database (read back, deleted before a run)."""
    from test_incremental import _pg_database, _pg_loader

    from retail_saas.daily.store import PostgresStore
    from retail_saas.postgres.connection import connect

    lake = generate_lake(tmp_path / "lake")
    with _pg_database(pg_env, f"retail_saas_gate_{os.getpid()}") as env:
        _pg_loader(env)(lake)
        store = PostgresStore(env)
        loaded = store.lake_part([], env)
        assert loaded["files"] == 24 and store.lake_part([], env) == loaded
        assert store.read() is None
        parts = {"lake": loaded["hash"], "code": "c"}
        store.record(parts, '"staging"."stg_quarantined_rows"')
        assert store.read().parts == parts
        with connect(env) as con, con.cursor() as cur:
            cur.execute("insert into raw.brands (brand_id, name, _loaded_at) values ('b_late', 'Late', '2026-11-01 00:00:00')")
        added = store.lake_part([], env)
        assert added["hash"] != loaded["hash"]
        _pg_loader(env)(lake)
        assert store.lake_part([], env)["hash"] not in (loaded["hash"], added["hash"])
        store.invalidate()
        assert store.read() is None


@pytest.mark.parametrize(
    ("env", "args", "says"),
    [
        ({"RETAIL_SAAS_LAKE": "/nonexistent/lake"}, [], "lake folder /nonexistent/lake not found"),
        ({"RETAIL_SAAS_TARGET": "spark"}, [], "no gate for target 'spark'"),
        ({}, ["--vars", "[1"], "--vars is not YAML"),
        ({}, ["stray"], "unexpected argument 'stray'"),
    ],
)
def test_errors_are_one_line(tmp_path, env, args, says):
    full_env = {**os.environ, "RETAIL_SAAS_DUCKDB_PATH": str(tmp_path / "x.duckdb"), "RETAIL_SAAS_LAKE": str(tmp_path), **env}
    proc = subprocess.run([str(BIN / "retail-saas"), "run", *args], cwd=tmp_path, env=full_env, capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("retail-saas run: error: ") and says in lines[0], proc.stderr
    assert not (tmp_path / "x.duckdb").exists()
