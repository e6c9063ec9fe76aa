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

The DuckDB kill-and-rerun test goes through `retail-saas build` (write-
audit-publish, src/retail_saas/publish/): the incremental state is then
the published file, copied into a shadow for each build.

Scenarios: plain daily batches; a batch of rows up to 3 days late
(`hold_back_late`); a storm of redeliveries with changed content
(`redelivery_storm`: moved event times, quarantined copies); gaps of 40,
10 and 3 days caught up in one run, the last two with app snapshot changes
landing between the runs (`snapshot_changes`: a user moving team, a team
moving tenant, a template deleted, a tenant changing timezone, a
brand_retailers row no longer delivered), then a run with nothing new; the
run manifest (int_incremental_manifest) checked after them. Besides the
incremental marts, stg_quarantined_rows is compared. Also every daily
scenario and the 10-day gap with snapshot changes on PostgreSQL (raw
reloaded each day; its marts against the DuckDB full rebuild), and, on DuckDB and on PostgreSQL, the storm's last
run killed midway (SIGKILL to dbt's process group, after some models
finished) and run again, which must give the full rebuild's marts. On
PostgreSQL the kill lands while dbt's transaction has deleted and inserted
rows of an incremental mart (a test-only trigger pauses it there): that
transaction must end aborted and the mart be as before the run, and the
killed run's backends must be gone before the rerun (waited for, else
terminated; the test prints which).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import BIN, REPO, dbt_env, generate_lake, start_full_rebuild  # noqa: E402
from mart_compare import compare_rows  # noqa: E402
from retail_saas.generator.batches import hold_back_late, lake_as_of, read_table, redelivery_storm, snapshot_changes  # noqa: E402
from retail_saas.generator.schema import LOADED_AT  # noqa: E402

pytestmark = [pytest.mark.slow]

FIRST, LAST = 88, 90
# the day the snapshot changes land: after the first build of every gap
# test below, before its catch-up run
CHANGES_DAY = LAST - 2
# compared besides the incremental marts (row conservation: complete and
# exact after every run)
QUARANTINE = "stg_quarantined_rows"
# the incremental staging models (val_events__*): compared too, and each
# records its runs in the manifest
STAGED = sorted(p.stem for p in (REPO / "models" / "staging" / "events" / "validated").glob("val_events__*.sql"))
TIMINGS: dict[str, float] = {}


def _dbt(args: list[str], work: Path, env: dict, check: bool = True, program: str = "dbt") -> subprocess.CompletedProcess:
    t0 = time.monotonic()
    proc = subprocess.run(
        [str(BIN / program), *args, "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    key = f"{work.name} {program} {args[0]}"
    TIMINGS[key] = TIMINGS.get(key, 0) + time.monotonic() - t0
    if check and proc.returncode != 0:
        pytest.fail(f"{program} {' '.join(args)} failed:\n" + "\n".join(proc.stdout.splitlines()[-60:]) + proc.stderr[-2000:])
    return proc


def _as_publish(args: list[str]) -> list[str]:
    """`dbt build|run <args>` as `retail-saas build` arguments (write-audit-
    publish: built into a shadow, published whole if it passed); a run is a
    build of models only."""
    return ["build", *args[1:], *(["--resource-type", "model"] if args[0] == "run" else [])]


def _publish(args: list[str], work: Path, env: dict) -> subprocess.CompletedProcess:
    return _dbt(_as_publish(args), work, env, program="retail-saas")


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
        "changes": snapshot_changes(base_lake, root / "changes", day=CHANGES_DAY),
    }


@pytest.fixture(scope="module")
def selection() -> tuple[list[str], list[str]]:
    """The incremental marts (materialized='incremental' in their .sql);
    that they are public (enforced contract) is checked on the manifest."""
    names = sorted(p.stem for p in (REPO / "models" / "marts").rglob("*.sql") if "materialized='incremental'" in p.read_text())
    assert names, "no incremental mart"
    return [*(f"+{n}" for n in names), f"+{QUARANTINE}"], [*names, *STAGED, QUARANTINE]


def _nodes(work: Path, names: list[str]) -> list[dict]:
    manifest = json.loads((work / "target" / "manifest.json").read_text())
    nodes = [n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["name"] in names]
    marts = [n for n in nodes if n["original_file_path"].startswith("models/marts/")]
    assert all(n["config"].get("contract", {}).get("enforced") for n in marts), "an incremental mart is not public"
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


def _report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{m}:\n  " + "\n  ".join(p) for m, p in problems.items())


def _stage(lake: Path, day: int, work: Path, load: Callable[[Path], None] | None = None) -> None:
    """The lake as of `day` in work/lake, then `load`ed into the warehouse
    (PostgreSQL's raw schema; DuckDB reads the folder itself)."""
    _put(lake, day, work / "lake")
    if load:
        load(work / "lake")


def _replay(
    lake: Path,
    work: Path,
    select: list[str],
    env: dict,
    until: int | list[int] = LAST,
    load: Callable[[Path], None] | None = None,
    run: Callable = _dbt,
    first: int = FIRST,
) -> None:
    """First build on day `first`, then one incremental run per day (`run`:
    plain dbt, or `_publish`); with `until` a list, one run on each of its
    days (a gap: days without a run)."""
    days = [first, *until] if isinstance(until, list) else range(first, until + 1)
    for day in days:
        _stage(lake, day, work, load)
        if day == first:
            run(["build", "-s", *select, "--resource-type", "seed", "--resource-type", "model"], work, env)
        else:
            run(["run", "-s", *select], work, env)


def _duckdb_env(work: Path) -> dict:
    return dbt_env(work, RETAIL_SAAS_LAKE=str(work / "lake"))


@pytest.fixture(scope="module")
def full_builds(scenarios, selection, tmp_path_factory) -> dict[str, Path]:
    """Full rebuilds on day LAST, started in the background (one thread
    each) while the replays run; `_wait` joins them."""
    out = {}
    for name, lake in scenarios.items():
        work = tmp_path_factory.mktemp(f"full_{name}")
        _put(lake, LAST, work / "lake")
        env = dbt_env(work, RETAIL_SAAS_LAKE=str(work / "lake"))
        out[name] = (start_full_rebuild(selection[0], work, env), work)
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
    _replay(scenarios[scenario], work, select, _duckdb_env(work))
    problems = _diff(_tables(_wait(full_builds, scenario), names), _tables(work / "dbt.duckdb", names))
    print("timings: " + ", ".join(f"{k} {v:.0f}s" for k, v in TIMINGS.items()))
    assert not problems, f"{scenario}: incremental differs from full refresh:\n" + _report(problems)


# gap (days between the first build and the one catch-up run) -> lake
GAPS = {40: "plain", 10: "changes", 3: "changes"}
# the logs each daily mart reads (its high-water mark is their newest copy)
LOGS = {"crm_daily": ["contact_log", "import_log"], "automation_daily": ["automation_log"]}
MANIFEST, CHANGES = "int_incremental_manifest", "int_snapshot_changes"


def _runs(work: Path) -> list[dict]:
    """The run manifest's rows, oldest run first."""
    (node,) = _nodes(work, [MANIFEST])
    con = duckdb.connect(str(work / "dbt.duckdb"), read_only=True)
    try:
        res = con.execute(f'select * from "{node["schema"]}"."{node["alias"]}" order by run_started_at, model_name')
        return [dict(zip([d[0] for d in res.description], row)) for row in res.fetchall()]
    finally:
        con.close()


def _newest_loaded(lake: Path, tables: list[str]):
    """The newest _loaded_at of `tables`, read from the lake's files."""
    return max(pc.max(read_table(lake, t)[LOADED_AT]).as_py() for t in tables)


def _quarantine_reason(work: Path, table: str, key: str) -> str | None:
    """The reason stg_quarantined_rows gives for one row (None: valid)."""
    (node,) = _nodes(work, [QUARANTINE])
    con = duckdb.connect(str(work / "dbt.duckdb"), read_only=True)
    try:
        row = con.execute(
            f'select invalid_reason from "{node["schema"]}"."{node["alias"]}" where source_table = ? and row_key = ?',
            [table, key],
        ).fetchone()
        return row and row[0]
    finally:
        con.close()


def _raw_table(model: str) -> str:
    """The raw log a val_events__ model stages (its `table_name`)."""
    text = (REPO / "models" / "staging" / "events" / "validated" / f"{model}.sql").read_text()
    return text.split("set table_name = '", 1)[1].split("'", 1)[0]


def _keyless_rows(work: Path, model: str) -> int:
    """The rows of a val_events__ model that every incremental run
    restages: a key part null or blank, or a key with a copy whose
    _loaded_at is missing (no time to tell when it landed); counted with
    the key read from its manifest node and the copies from the lake."""
    (node,) = _nodes(work, [model])
    key = node["config"]["unique_key"]
    blank = " or ".join(f"v.{k} is null or trim(cast(v.{k} as varchar)) = ''" for k in key)
    keys = ", ".join(f"cast(v.{k} as varchar)" for k in key)
    raw = ", ".join(f"cast({k} as varchar)" for k in key)
    files = f"{work / 'lake' / _raw_table(model)}/*.parquet"
    con = duckdb.connect(str(work / "dbt.duckdb"), read_only=True)
    try:
        return con.execute(
            f'select count(*) from "{node["schema"]}"."{node["alias"]}" as v where {blank} or ({keys}) in '
            f"(select ({raw}) from read_parquet('{files}') where _loaded_at is null)"
        ).fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("gap", sorted(GAPS, reverse=True))
def test_gap_caught_up_in_one_run(gap, scenarios, selection, full_builds, tmp_path_factory):
    """Runs missed for `gap` days, then ONE run, no backfill var: the marts
    and the quarantine equal a full refresh of the same lake. On the
    "changes" lake the snapshot changes (snapshot_changes: a user moving
    team, a team moving tenant, a template deleted, a tenant's timezone, a
    brand_retailers row gone) land between the two runs; the contact_log
    row whose user's team moves tenant is quarantined (cross_tenant_user)
    after the first build and valid after the run. The run manifest
    holds one row per model per run; each daily mart's mark is the newest
    _loaded_at of its logs, read from the lake files. After the 40-day
    gap, a run with nothing new changes nothing (same rows in the same
    order, no snapshot change recorded) and records 0 rows in."""
    select, names = selection
    lake = scenarios[GAPS[gap]]
    work = tmp_path_factory.mktemp(f"incr_gap{gap}")
    env = _duckdb_env(work)
    _replay(lake, work, select, env, first=LAST - gap, until=[])
    if GAPS[gap] == "changes":
        # the team-moves-tenant premise: before the move, the contact_log
        # row naming the team's user from another tenant is quarantined
        changes = json.loads((lake / "_generator_manifest.json").read_text())["snapshot_changes"]
        event_id = changes["cross_tenant_contact_log_row"][0]
        assert _quarantine_reason(work, "contact_log", event_id) == "cross_tenant_user"
    _stage(lake, LAST, work)
    _dbt(["run", "-s", *select], work, env)
    if GAPS[gap] == "changes":  # its user now invalid, found nowhere: the row is valid
        assert _quarantine_reason(work, "contact_log", event_id) is None
    db = work / "dbt.duckdb"
    problems = _diff(_tables(_wait(full_builds, GAPS[gap]), names), _tables(db, names))
    assert not problems, f"{gap} days missed then caught up: incremental differs from full refresh:\n" + _report(problems)
    runs = _runs(work)
    marts = [n for n in names if n != QUARANTINE]  # the staged models too
    assert sorted((r["model_name"], r["is_full_refresh"]) for r in runs) == sorted((m, f) for m in marts for f in (False, True))
    for model, logs in LOGS.items():
        last = [r for r in runs if r["model_name"] == model][-1]
        assert last["high_water_mark"] == _newest_loaded(work / "lake", logs), model
        assert last["rows_in"] > 0 and last["partitions_touched"] > 0 and last["seconds"] >= 0, last
    for model in STAGED:  # the mark is the newest copy of its log; rows in: the rows it restaged
        last = [r for r in runs if r["model_name"] == model][-1]
        assert last["high_water_mark"] == _newest_loaded(work / "lake", [_raw_table(model)]), model
        stored = len(_tables(db, [model])[model][1])
        assert last["rows_in"] <= stored and last["seconds"] >= 0, last
        if model in ("val_events__contact_events", "val_events__messages"):  # landed every day
            assert 0 < last["rows_in"] < stored, last
    if gap != 40:
        return
    before = _tables(db, [*names, CHANGES])
    _dbt(["run", "-s", *select], work, env)
    after = _tables(db, [*names, CHANGES])
    # the incremental tables row for row in stored order; the quarantine
    # (a table rebuilt on every run, in any order) as a set
    # (the staged models rewrite their keyless rows: as sets too)
    as_set = [QUARANTINE, *STAGED]
    changed = [m for m in before if (compare_rows(*before[m], *after[m]) if m in as_set else before[m] != after[m])]
    assert not changed, f"a run with nothing new changed {changed}"
    noop = _runs(work)[len(runs) :]
    keyless = {m: _keyless_rows(work, m) for m in STAGED}
    assert {r["model_name"]: r["rows_in"] for r in noop} == {**dict.fromkeys(marts, 0), **keyless}, noop
    marks = {r["model_name"]: r["high_water_mark"] for r in runs}
    assert {r["model_name"]: r["high_water_mark"] for r in noop} == marks


def test_one_team_move_reaches_old_staged_events(scenarios, tmp_path_factory):
    """ONE snapshot change, nothing else landing: a team moves tenant (the
    generator's snapshot_changes row of `teams`, alone). Its users turn
    invalid, so the early contact_log row naming one of them from another
    tenant flips from cross_tenant_user to valid, although none of its
    copies is new. After one incremental run, every val_events__ model and
    stg_quarantined_rows equal a full refresh of the same lake; the log
    that refers to no user (product_log) restaged only its keyless rows."""
    select = [f"+{QUARANTINE}"]
    names = [*STAGED, QUARANTINE]
    changes = scenarios["changes"]
    moved = json.loads((changes / "_generator_manifest.json").read_text())["snapshot_changes"]
    team_id, _, new_tenant = moved["team_moves_tenant"]
    event_id = moved["cross_tenant_contact_log_row"][0]
    work, full = tmp_path_factory.mktemp("incr_team_move"), tmp_path_factory.mktemp("full_team_move")
    env, full_env = _duckdb_env(work), _duckdb_env(full)
    _stage(changes, CHANGES_DAY - 1, work)  # before any change landed
    _dbt(["build", "-s", *select, "--resource-type", "seed", "--resource-type", "model"], work, env)
    assert _quarantine_reason(work, "contact_log", event_id) == "cross_tenant_user"
    # the lake gains one row: the team's move, read from the changes lake
    teams = read_table(changes, "teams")
    move = teams.filter(pc.and_(pc.equal(teams["team_id"], team_id), pc.equal(teams["tenant_id"], new_tenant)))
    assert move.num_rows == 1, move
    lake = work / "lake"
    before = read_table(lake, "teams")
    assert pc.max(before[LOADED_AT]).as_py() < move[LOADED_AT][0].as_py()
    pq.write_table(move.cast(before.schema), lake / "teams" / "part-001.parquet")
    _dbt(["run", "-s", *select], work, env)
    assert _quarantine_reason(work, "contact_log", event_id) is None
    shutil.copytree(lake, full / "lake")
    _dbt(["build", "-s", *select, "--resource-type", "seed", "--resource-type", "model", "--full-refresh"], full, full_env)
    problems = _diff(_tables(full / "dbt.duckdb", names), _tables(work / "dbt.duckdb", names))
    assert not problems, "one team move: incremental staging differs from a full refresh:\n" + _report(problems)
    last = {r["model_name"]: r for r in _runs(work) if not r["is_full_refresh"]}
    contact_rows = len(_tables(work / "dbt.duckdb", ["val_events__contact_events"])["val_events__contact_events"][1])
    assert 0 < last["val_events__contact_events"]["rows_in"] < contact_rows, last["val_events__contact_events"]
    assert last["val_events__product_events"]["rows_in"] == _keyless_rows(work, "val_events__product_events")


def _kill_midway(work: Path, env: dict, select: list[str], ready: Callable[[list[str]], bool], publish: bool = False) -> list[str]:
    """Start `dbt run -s <select> --threads 1` (with `publish`, through
    `retail-saas build`) in a process group of its own
    and SIGKILL the whole group once `ready(finished)` holds (`finished`:
    the relations reported created so far, at least one), checked every
    20 ms. Fails unless the run was really killed before its end. Returns
    `finished`."""
    args = ["run", "-s", *select, "--target-path", str(work / "target"), "--log-path", str(work / "logs"), "--threads", "1"]
    cmd = [str(BIN / "retail-saas"), *_as_publish(args)] if publish else [str(BIN / "dbt"), *args]
    t0 = time.monotonic()
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    finished: list[str] = []
    killed = False
    try:
        while proc.poll() is None:
            finished = [ln.split(" model ", 1)[1].split()[0] for ln in list(lines) if " OK created " in ln]
            if finished and ready(finished):
                os.killpg(proc.pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(0.02)
    finally:
        if not killed and proc.poll() is None:  # ready() raised: leave nothing running
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=120)
        reader.join(timeout=30)
    TIMINGS[f"{work.name} killed run"] = time.monotonic() - t0
    out = "".join(lines[-40:])
    assert killed and proc.returncode == -signal.SIGKILL, f"the run ended before it could be killed:\n{out}"
    assert not any("Finished running" in ln for ln in lines), f"the run had finished:\n{out}"
    print(f"{work.name}: killed after {len(finished)} models ({finished[-1]} the last)")
    return finished


def test_killed_run_then_rerun_equals_full_refresh(scenarios, selection, full_builds, tmp_path_factory):
    """Every day published with `retail-saas build` (the incremental state
    is the published file); the last day's build killed after a few
    models leaves the published file as it was (same bytes), and building
    it again gives the full refresh's marts."""
    select, names = selection
    work = tmp_path_factory.mktemp("incr_killed")
    env = _duckdb_env(work)
    _replay(scenarios["storm"], work, select, env, until=LAST - 1, run=_publish)
    _stage(scenarios["storm"], LAST, work)
    published = work / "dbt.duckdb"
    digest = hashlib.sha256(published.read_bytes()).hexdigest()
    _kill_midway(
        work,
        env,
        select,
        lambda finished: len(finished) >= 12,  # staging rebuilt, the facts not yet
        publish=True,
    )
    assert hashlib.sha256(published.read_bytes()).hexdigest() == digest, "the killed build touched the published file"
    assert (work / "dbt.shadow.duckdb").exists(), "the killed build did not write a shadow"
    _publish(["run", "-s", *select], work, env)
    problems = _diff(_tables(_wait(full_builds, "storm"), names), _tables(published, names))
    assert not problems, "killed and rerun differs from full refresh:\n" + _report(problems)


def _pg_admin(pg_env: dict, stmt: str) -> None:
    import psycopg2

    from retail_saas.postgres.connection import connection_params

    conn = psycopg2.connect(**connection_params(pg_env))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(stmt)
    finally:
        conn.close()


@contextmanager
def _pg_database(pg_env: dict, dbname: str) -> Iterator[dict]:
    """A new database `dbname` on the test server, dropped at the end;
    yields the environment of dbt's postgres target and of the loader."""
    _pg_admin(pg_env, f'drop database if exists "{dbname}"')
    _pg_admin(pg_env, f'create database "{dbname}"')
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "RETAIL_SAAS_", "DBT_"))}
        env.update(pg_env, PGDATABASE=dbname, DBT_PROFILES_DIR=str(REPO), RETAIL_SAAS_TARGET="postgres")
        yield env
    finally:
        try:
            _pg_admin(pg_env, f'drop database if exists "{dbname}" with (force)')
        except Exception:  # noqa: BLE001 - a server older than 13 has no (force)
            _pg_admin(pg_env, f'drop database if exists "{dbname}"')


def _pg_loader(env: dict) -> Callable[[Path], None]:
    """`load(lake)`: the lake into schema raw (retail-saas load-postgres)."""

    def load(lake: Path) -> None:
        res = subprocess.run(
            [sys.executable, "-m", "retail_saas.cli", "load-postgres", "--lake", str(lake), "--schema", "raw"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
        )
        assert res.returncode == 0, res.stderr[-3000:]

    return load


def _pg_tables(env: dict, work: Path, names: list[str]) -> dict[str, tuple[list, list]]:
    """Columns and rows of the marts `names` in PostgreSQL (as `_tables`)."""
    from psycopg2 import sql

    from retail_saas.postgres.connection import connect

    conn = connect(env, options="-c TimeZone=UTC")
    try:
        out = {}
        with conn.cursor() as cur:
            for n in _nodes(work, names):
                cur.execute(sql.SQL("select * from {}.{}").format(sql.Identifier(n["schema"]), sql.Identifier(n["alias"])))
                out[n["name"]] = ([d.name for d in cur.description], cur.fetchall())
        return out
    finally:
        conn.close()


@pytest.mark.postgres
@pytest.mark.parametrize("scenario", ["plain", "late", "storm"])
def test_postgres_incremental_equals_full_refresh(scenario, scenarios, selection, full_builds, pg_env, tmp_path_factory):
    """Each scenario replayed on PostgreSQL (raw reloaded each day) gives
    the DuckDB full rebuild's marts (DuckDB = PostgreSQL is test_postgres)."""
    select, names = selection
    work = tmp_path_factory.mktemp(f"incr_pg_{scenario}")
    with _pg_database(pg_env, f"retail_saas_incr_{scenario}") as env:
        _replay(scenarios[scenario], work, select, env, load=_pg_loader(env))
        problems = _diff(_pg_tables(env, work, names), _tables(_wait(full_builds, scenario), names))
    assert not problems, "postgres incremental differs from the full rebuild:\n" + _report(problems)


@pytest.mark.postgres
def test_postgres_gap_with_snapshot_changes(scenarios, selection, full_builds, pg_env, tmp_path_factory):
    """The 10-day gap with snapshot changes between the runs, on
    PostgreSQL: its marts and quarantine equal the DuckDB full rebuild."""
    select, names = selection
    work = tmp_path_factory.mktemp("incr_pg_gap")
    with _pg_database(pg_env, "retail_saas_incr_gap") as env:
        _replay(scenarios["changes"], work, select, env, first=LAST - 10, until=[LAST], load=_pg_loader(env))
        problems = _diff(_pg_tables(env, work, names), _tables(_wait(full_builds, "changes"), names))
    assert not problems, "postgres: gap with snapshot changes differs from the full rebuild:\n" + _report(problems)


# A pause in the middle of the incremental marts' transactions, to kill
# the run at a known point: after an INSERT into one of them (dbt's
# delete+insert), the statement sleeps PAUSE seconds, its rows written and
# not committed; the number of rows it inserted is kept in a sequence
# (setval is not rolled back). Test scaffolding, dropped after the kill.
PAUSE = 3
_PAUSE_SQL = f"""
    create sequence public.retail_saas_test_inserted minvalue 0 start 0;
    create function public.retail_saas_test_pause() returns trigger language plpgsql as $$
    begin
        perform setval('public.retail_saas_test_inserted', (select count(*) from inserted));
        perform pg_sleep({PAUSE});
        return null;
    end $$
"""

# The backends of the killed run paused there: relation, pid, xid.
_PAUSED_SQL = """
    select distinct l.relation::regclass::text, a.pid, a.backend_xid::text::bigint
    from pg_locks as l
    join pg_stat_activity as a on a.pid = l.pid
    where l.locktype = 'relation' and l.granted and l.mode = 'RowExclusiveLock'
      and l.relation = any(%s::regclass[]::oid[])
      and a.datname = current_database() and a.pid <> pg_backend_pid()
      and a.wait_event = 'PgSleep'
"""

# Commit status of a 32-bit xid of the current epoch: 'committed',
# 'aborted' or 'in progress'.
_XACT_STATUS_SQL = """
    select pg_xact_status((((pg_snapshot_xmax(pg_current_snapshot())::text::bigint >> 32) << 32)
                           + %s)::text::xid8)
"""


def _pg_settle(cur, wait: float = 30) -> list[int]:
    """Wait up to `wait` seconds for the other backends of this database
    (the killed run's) to end by themselves; terminate those left (printed).
    Returns the pids terminated."""
    others = "select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()"
    t0 = time.monotonic()
    while True:
        cur.execute(others)
        pids = [r[0] for r in cur.fetchall()]
        if not pids or time.monotonic() - t0 > wait:
            break
        time.sleep(0.2)
    if not pids:
        print(f"the killed run's backends ended by themselves within {time.monotonic() - t0:.1f}s")
        return []
    cur.execute("select pid, state, left(query, 120) from pg_stat_activity where pid = any(%s)", (pids,))
    print(f"terminating backends of the killed run still there after {wait:.0f}s: {cur.fetchall()}")
    cur.execute("select pg_terminate_backend(pid) from unnest(%s::int[]) as pid", (pids,))
    deadline = time.monotonic() + 30
    while True:
        cur.execute(others)
        if not cur.fetchall():
            return pids
        assert time.monotonic() < deadline, "backends of the killed run survive pg_terminate_backend"
        time.sleep(0.2)


@pytest.mark.postgres
def test_postgres_killed_run_then_rerun_equals_full_refresh(scenarios, selection, full_builds, pg_env, tmp_path_factory):
    """The storm replayed on PostgreSQL; the last day's run killed while its
    transaction has deleted and inserted rows of an incremental mart; the
    server rolls it back (the mart is as before the run) and keeps no
    backend that would block the rerun; the rerun gives the DuckDB full
    rebuild's marts."""
    from psycopg2 import sql

    from retail_saas.postgres.connection import connect

    select, names = selection
    work = tmp_path_factory.mktemp("incr_pg_killed")
    with _pg_database(pg_env, "retail_saas_incr_killed") as env:
        load = _pg_loader(env)
        _replay(scenarios["storm"], work, select, env, until=LAST - 1, load=load)
        before = _pg_tables(env, work, names)
        marts = {f"{n['schema']}.{n['alias']}": n for n in _nodes(work, names)}
        _stage(scenarios["storm"], LAST, work, load)
        monitor = connect(env)
        monitor.autocommit = True
        paused: list[tuple[str, int, int]] = []
        try:
            with monitor.cursor() as cur:

                def triggers(stmt: str) -> None:
                    for n in marts.values():
                        cur.execute(sql.SQL(stmt).format(sql.Identifier(n["schema"]), sql.Identifier(n["alias"])))

                cur.execute(_PAUSE_SQL)
                triggers(
                    "create trigger retail_saas_test_pause after insert on {}.{} referencing new table"
                    " as inserted for each statement execute function public.retail_saas_test_pause()"
                )

                def ready(finished: list[str]) -> bool:
                    cur.execute(_PAUSED_SQL, (list(marts),))
                    paused[:] = cur.fetchall()
                    return bool(paused)

                finished = _kill_midway(work, env, select, ready)
                cur.execute("select last_value from public.retail_saas_test_inserted")
                inserted = cur.fetchone()[0]
                print(f"killed while paused in (relation, pid, xid) {paused}, after inserting {inserted} rows")
                assert inserted > 0, "the killed transaction inserted nothing: no rollback to see"
                stale = _pg_settle(cur)
                for rel, _, xid in paused:
                    cur.execute(_XACT_STATUS_SQL, (xid,))
                    status = cur.fetchone()[0]
                    assert status == "aborted", f"the killed run's transaction {xid} on {rel} is {status}"
                cur.execute("select count(*) from pg_prepared_xacts where database = current_database()")
                assert cur.fetchone()[0] == 0, "a prepared transaction survived the killed run"
                triggers("drop trigger retail_saas_test_pause on {}.{}")
                cur.execute("drop function public.retail_saas_test_pause(); drop sequence public.retail_saas_test_inserted")
        finally:
            monitor.close()
        unfinished = [n["name"] for rel, n in marts.items() if rel not in finished]
        assert {marts[rel]["name"] for rel, _, _ in paused} <= set(unfinished)
        problems = _diff(_pg_tables(env, work, unfinished), before)
        assert not problems, (
            "the killed run's writes to unfinished marts were not rolled back"
            f" (stale backends terminated: {stale}):\n" + _report(problems)
        )
        _dbt(["run", "-s", *select], work, env)
        problems = _diff(_pg_tables(env, work, names), _tables(_wait(full_builds, "storm"), names))
    assert not problems, "postgres killed and rerun differs from the full rebuild:\n" + _report(problems)
