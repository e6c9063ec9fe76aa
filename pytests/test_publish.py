"""Write-audit-publish: `retail-saas build` (src/retail_saas/publish/) on
DuckDB and PostgreSQL (marker `slow`).

One small generated lake (scale 0.01): the lake as of day 88 is published
first; then, on the whole lake, a build with a failing test (a copy of the
project with one more singular test, as an analyst would add it, made to fail), then a
good build, incremental from the published marts. Each engine's story
is one test, since each step starts from what the previous one published:

- the good build publishes: every mart of the published file / schema
  equals an independent `dbt build` of the whole lake into a fresh DuckDB
  file (so the incremental marts continued from the published state, and
  no stale mart is left beside fresh ones);
- the failed build leaves the published marts as they were (DuckDB: the
  same bytes; PostgreSQL: the same rows, grants and row-level security),
  exits 1 with one line naming the failed test and where its quarantine
  is, and that quarantine holds, per table, as many rows as the
  generator's manifest says it corrupted;
- on PostgreSQL, with the whole lake loaded again plus poisoned
  automation_log rows (_loaded_at 9999-12-31, event times in 1970 and
  9999; issue 14), a build SIGKILLed midway through dbt and one killed
  inside its swap transaction (waiting for a reader's lock in the drop of
  the old schemas) leave the published marts, grants and RLS as they were;
  the next build publishes marts equal to the full build of the clean lake
  (the poison moved no incremental window) and quarantines the poisoned
  rows with their reasons;
- readers: on DuckDB a read-only connection with an open transaction on
  the published file does not block the build nor the publish, and keeps
  seeing the old marts whole; on PostgreSQL REPEATABLE READ readers (one
  that read marts before the swap, one that only took its snapshot) see
  all the old marts until they end, the swap waits for them (it says so),
  and a reader after it sees all the new ones.

Only `+automation_daily +crm_daily` is built (two incremental marts,
three fact tables and their staging), which keeps the file at a few
minutes.
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
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_corruption import _poison  # noqa: E402
from test_incremental import _pg_database, _pg_loader, _pg_settle  # noqa: E402

from conftest import BIN, REPO, dbt_env, generate_lake  # noqa: E402
from mart_compare import compare_rows  # noqa: E402
from retail_saas.generator.batches import lake_as_of  # noqa: E402

pytestmark = [pytest.mark.slow]

SELECT = ["-s", "+automation_daily", "+crm_daily", "--indirect-selection", "cautious"]
CANARY = "publish_canary_crm_daily_is_empty"
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def lakes(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("publish_lakes")
    full = generate_lake(root / "full", scale=0.01, seed=5)
    poisoned = root / "poisoned"
    shutil.copytree(full, poisoned)
    _poison(poisoned, full)  # automation_log rows from a hostile clock (test_corruption)
    return {"day88": lake_as_of(full, root / "day88", 88), "full": full, "poisoned": poisoned}


@pytest.fixture(scope="module")
def reference(lakes, tmp_path_factory) -> Path:
    """The selection built by plain `dbt build` on the whole lake into a
    new DuckDB file: what a publish of the whole lake must give."""
    work = tmp_path_factory.mktemp("publish_reference")
    _run(
        [str(BIN / "dbt"), "build", *SELECT, *_paths(work)],
        dbt_env(work, RETAIL_SAAS_LAKE=str(lakes["full"])),
        "reference dbt build",
        check=True,
    )
    return work / "dbt.duckdb"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The project plus one singular test, as an analyst would add it, that
    fails when env PUBLISH_CANARY is `fail` (crm_daily has rows). Every
    build of a story runs on this copy, so dbt parses it once (a changed
    env var reparses only the file that reads it)."""
    root = tmp_path_factory.mktemp("publish_project") / "project"
    root.mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy2(REPO / name, root / name)
    for name in ("models", "macros", "seeds", "tests", "analyses", "docs"):
        shutil.copytree(REPO / name, root / name)
    (root / "tests" / f"{CANARY}.sql").write_text(
        "-- a test the whole lake fails when PUBLISH_CANARY=fail: nothing may be published\n"
        "select * from {{ ref('crm_daily') }}\n"
        "where '{{ env_var('PUBLISH_CANARY', 'pass') }}' = 'fail'\n"
    )
    return root


def _paths(work: Path) -> list[str]:
    return ["--target-path", str(work / "target"), "--log-path", str(work / "logs")]


def _run(cmd: list[str], env: dict, what: str, check: bool = False) -> subprocess.CompletedProcess:
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=1200)
    TIMINGS[what] = TIMINGS.get(what, 0) + time.monotonic() - t0
    if check and proc.returncode != 0:
        pytest.fail(f"{what} failed:\n" + "\n".join(proc.stdout.splitlines()[-60:]) + proc.stderr[-3000:])
    return proc


def _publish_cmd(work: Path, project: Path) -> list[str]:
    return [str(BIN / "retail-saas"), "build", *SELECT, *_paths(work), "--project-dir", str(project)]


def _publish(work: Path, project: Path, env: dict, what: str, fail: bool = False) -> subprocess.CompletedProcess:
    """`retail-saas build`; with `fail` the canary test fails."""
    return _run(_publish_cmd(work, project), dict(env, PUBLISH_CANARY="fail" if fail else "pass"), what, check=not fail)


def _assert_one_line_failure(proc: subprocess.CompletedProcess) -> str:
    """Exit 1, no traceback, the last line of stderr the error; returns it."""
    assert proc.returncode == 1, f"rc {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("retail-saas build: error: build failed ("), last
    assert CANARY in last, f"the failed test is not named: {last}"
    return last


def _manifest_bad_rows(lake: Path) -> dict[str, int]:
    """Rows the generator corrupted, per table (an independent count)."""
    by_kind = json.loads((lake / "_generator_manifest.json").read_text())["bad_rows"]["by_kind"]
    return {t: sum(kinds.values()) for t, kinds in by_kind.items() if sum(kinds.values())}


def _diff(a: dict, b: dict) -> dict[str, list[str]]:
    """Problems per mart: a mart missing on one side, or rows that differ."""
    out = {m: ["missing on one side"] for m in set(a) ^ set(b)}
    out.update({m: p for m in set(a) & set(b) if (p := compare_rows(*a[m], *b[m]))})
    return out


# ---------------------------------------------------------------- DuckDB


def _duck_marts(con) -> dict[str, tuple[list, list]]:
    names = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' and table_type = 'BASE TABLE' order by 1"
        ).fetchall()
    ]
    out = {}
    for n in names:
        res = con.execute(f'select * from marts."{n}"')
        out[n] = ([d[0] for d in res.description], res.fetchall())
    return out


def _duck_file_marts(db: Path) -> dict[str, tuple[list, list]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return _duck_marts(con)
    finally:
        con.close()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_duckdb_write_audit_publish(lakes, reference, project, tmp_path):
    published = tmp_path / "retail_saas.duckdb"

    def env(lake):
        return dbt_env(tmp_path, RETAIL_SAAS_LAKE=str(lakes[lake]), RETAIL_SAAS_DUCKDB_PATH=str(published))

    # 1. first publish (nothing published yet): a new shadow file, renamed in
    proc = _publish(tmp_path, project, env("day88"), "duckdb publish day 88")
    assert published.exists() and "==> published" in proc.stdout
    assert not list(tmp_path.glob("*.shadow.*")), "the shadow file is left behind"
    old_marts = _duck_file_marts(published)
    assert {"automation_daily", "crm_daily", "fct_automations"} <= set(old_marts)

    # 2. a reader holds the published file: read-only, in a transaction
    reader = duckdb.connect(str(published), read_only=True)
    reader.begin()
    assert not _diff(_duck_marts(reader), old_marts)
    digest = _sha256(published)

    # 3. a build whose test fails: nothing published, quarantine kept
    proc = _publish(tmp_path, project, env("full"), "duckdb failing build", fail=True)
    last = _assert_one_line_failure(proc)
    failed = tmp_path / "retail_saas.failed.duckdb"
    assert str(failed) in last and "staging.failed_build_quarantine" in last, last
    assert _sha256(published) == digest, "the failed build changed the published file"
    assert not _diff(_duck_file_marts(published), old_marts), "a new reader sees other marts"
    assert not _diff(_duck_marts(reader), old_marts), "the reader's view changed"
    con = duckdb.connect(str(failed), read_only=True)
    try:
        found = dict(con.execute("select source_table, count(*) from staging.failed_build_quarantine group by 1").fetchall())
    finally:
        con.close()
    assert found == _manifest_bad_rows(lakes["full"]), "the failed build's quarantine is not the lake's bad rows"
    assert f"({sum(found.values())} rows)" in last, last

    # 4. a good build while the reader still holds its transaction: not
    #    blocked, published whole; the reader keeps the old marts
    proc = _publish(tmp_path, project, env("full"), "duckdb publish whole lake")
    assert "==> shadow" in proc.stdout and "a copy of the published file" in proc.stdout
    assert not _diff(_duck_marts(reader), old_marts), "the reader saw part of the new build"
    reader.rollback()
    reader.close()
    new_marts = _duck_file_marts(published)
    problems = _diff(new_marts, _duck_file_marts(reference))
    assert not problems, f"published marts differ from a full build: {problems}"
    assert _diff(new_marts, old_marts), "the whole lake gave the same marts as day 88: the test proves nothing"
    print("timings: " + ", ".join(f"{k} {v:.0f}s" for k, v in TIMINGS.items()))


# ------------------------------------------------------------ PostgreSQL


def _pg_connect(env: dict, **kw):
    from retail_saas.postgres.connection import connect

    return connect(env, options="-c TimeZone=UTC", **kw)


def _pg_marts(cur, schema: str = "marts") -> dict[str, tuple[list, list]]:
    cur.execute("select tablename from pg_tables where schemaname = %s order by 1", (schema,))
    out = {}
    for (n,) in cur.fetchall():
        cur.execute(f'select * from "{schema}"."{n}"')
        out[n] = ([d.name for d in cur.description], cur.fetchall())
    return out


def _pg_security(cur) -> dict[str, tuple]:
    """Per marts table: forced RLS, its policies, who may select it."""
    cur.execute("""
        select c.relname, c.relforcerowsecurity,
               (select array_agg(policyname order by policyname) from pg_policies
                where schemaname = 'marts' and tablename = c.relname),
               (select array_agg(r.rolname order by r.rolname) from pg_roles r
                where r.rolname like 'analytics\\_%%' and has_table_privilege(r.oid, c.oid, 'select'))
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'marts' and c.relkind = 'r'""")
    return {r[0]: tuple(r[1:]) for r in cur.fetchall()}


class _Publisher(threading.Thread):
    """`retail-saas build` in the background; `lines` is its output so far."""

    def __init__(self, cmd: list[str], env: dict):
        super().__init__(daemon=True)
        self.proc = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        self.lines: list[str] = []
        self.start()

    def run(self) -> None:
        assert self.proc.stdout is not None
        self.lines.extend(self.proc.stdout)
        self.proc.wait()

    def kill(self) -> None:
        """SIGKILL to the build and its dbt (their process group), as a
        crash or an OOM killer would; returns once both are gone."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.join(timeout=120)
        assert self.proc.returncode == -signal.SIGKILL, f"not killed: rc {self.proc.returncode}"

    def wait_for(self, text: str, timeout: float = 900) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in ln for ln in list(self.lines)):
            assert self.is_alive(), f"the build ended before {text!r}:\n{''.join(self.lines[-40:])}"
            assert time.monotonic() < deadline, f"no {text!r} after {timeout}s"
            time.sleep(0.2)


POISON_REASONS = {
    "zz_poison_loaded_9999": "loaded_at_after_run_start",
    "zz_poison_event_1970": "event_time_before_2000",
    "zz_poison_event_9999": "event_time_in_future",
}

# The publish build's connection (application_name of postgres_publish.py)
# waiting for a lock in the swap's drop of the old schemas.
_IN_SWAP = """
    select pid from pg_stat_activity
    where datname = current_database() and application_name = 'retail_saas_publish'
      and state = 'active' and wait_event_type = 'Lock' and query ilike 'drop schema%%'
"""


def _wait_in_swap(cur, pub: _Publisher, timeout: float = 900) -> int:
    """The pid of the publish backend once it waits inside its swap
    transaction (checked every 20 ms)."""
    deadline = time.monotonic() + timeout
    while True:
        cur.execute(_IN_SWAP)
        found = cur.fetchall()
        if found:
            return found[0][0]
        assert pub.is_alive(), f"the build ended before its swap waited:\n{''.join(pub.lines[-40:])}"
        assert time.monotonic() < deadline, f"the swap did not wait within {timeout}s"
        time.sleep(0.02)


def _wait_gone(cur, pid: int, timeout: float = 30) -> None:
    """The killed build's backend has ended (its transaction rolled back)."""
    deadline = time.monotonic() + timeout
    while True:
        cur.execute("select count(*) from pg_stat_activity where pid = %s", (pid,))
        if not cur.fetchone()[0]:
            return
        assert time.monotonic() < deadline, f"backend {pid} of the killed build is still there"
        time.sleep(0.05)


@pytest.mark.postgres
def test_postgres_write_audit_publish(lakes, reference, project, pg_env, tmp_path):
    with _pg_database(pg_env, "retail_saas_publish") as env:
        load = _pg_loader(env)
        admin = _pg_connect(env)
        admin.autocommit = True
        cur = admin.cursor()
        try:
            # 1. first publish: shadow schemas swapped in
            load(lakes["day88"])
            proc = _publish(tmp_path, project, env, "postgres publish day 88")
            assert "==> published schemas" in proc.stdout
            old_marts, old_security = _pg_marts(cur), _pg_security(cur)
            assert {"automation_daily", "crm_daily", "fct_automations"} <= set(old_marts)
            assert all(forced and policies and readers for forced, policies, readers in old_security.values()), (
                f"a published mart lacks its row-level security or grants: {old_security}"
            )
            cur.execute("select nspname from pg_namespace where nspname like '%%\\_\\_shadow' or nspname like '%%\\_\\_old'")
            assert not cur.fetchall(), "shadow or old schemas are left behind"

            # 2. a build whose test fails: published rows, grants, RLS as they were
            load(lakes["full"])
            proc = _publish(tmp_path, project, env, "postgres failing build", fail=True)
            last = _assert_one_line_failure(proc)
            assert "staging__failed.failed_build_quarantine" in last, last
            assert not _diff(_pg_marts(cur), old_marts), "the failed build changed the published marts"
            assert _pg_security(cur) == old_security
            cur.execute("select source_table, count(*) from staging__failed.failed_build_quarantine group by 1")
            found = dict(cur.fetchall())
            assert found == _manifest_bad_rows(lakes["full"]), "the failed build's quarantine is not the bad rows"
            cur.execute(
                "select count(*) from pg_roles r, pg_namespace n where r.rolname like 'analytics\\_%%'"
                " and n.nspname like '%%\\_\\_failed' and has_schema_privilege(r.oid, n.oid, 'usage')"
            )
            assert cur.fetchone()[0] == 0, "an analyst role may read the failed build's schemas"

            # 2b. the whole lake loaded with poisoned automation_log rows
            #     (_loaded_at 9999-12-31, event times in 1970 and 9999), and
            #     a build killed midway through dbt (some shadow models
            #     written): the published marts are as they were
            t0 = time.monotonic()
            load(lakes["poisoned"])
            pub = _Publisher(_publish_cmd(tmp_path, project), env)
            pub.wait_for(" OK created ")
            pub.kill()
            assert not any("==> swapped" in ln for ln in pub.lines), "killed too late: it had swapped"
            print(f"killed midway through dbt; stale backends terminated: {_pg_settle(cur)}")
            assert not _diff(_pg_marts(cur), old_marts), "a build killed midway changed the published marts"
            assert _pg_security(cur) == old_security
            TIMINGS["postgres load, build killed midway"] = time.monotonic() - t0

            # 2c. a build killed inside its swap transaction: a reader that
            #     has read a published mart (READ COMMITTED, so no old
            #     snapshot) holds its lock, so the swap, having renamed the
            #     schemas, waits in dropping the old ones; killed there, it
            #     is rolled back whole
            t0 = time.monotonic()
            holder = _pg_connect(env)
            hcur = holder.cursor()
            hcur.execute("select count(*) from marts.crm_daily")
            pub = _Publisher(_publish_cmd(tmp_path, project), env)
            swap_pid = _wait_in_swap(cur, pub)
            pub.kill()
            _wait_gone(cur, swap_pid)
            assert not any("==> swapped" in ln for ln in pub.lines), "killed too late: it had swapped"
            assert not _diff(_pg_marts(hcur), old_marts), "the lock holder saw part of the killed swap"
            holder.commit()
            holder.close()
            assert not _diff(_pg_marts(cur), old_marts), "a build killed in its swap changed the published marts"
            assert _pg_security(cur) == old_security
            cur.execute("select nspname from pg_namespace where nspname like '%%\\_\\_old'")
            assert not cur.fetchall(), "the killed swap left renamed schemas"
            TIMINGS["postgres build killed in its swap"] = time.monotonic() - t0

            # 3. a good build with two REPEATABLE READ readers open; the
            #    killed builds' shadows are dropped first
            reading = _pg_connect(env)  # has read every mart before the swap
            snapshot = _pg_connect(env)  # has only taken its snapshot
            for conn in (reading, snapshot):
                conn.set_session(isolation_level="REPEATABLE READ")
            rcur, scur = reading.cursor(), snapshot.cursor()
            assert not _diff(_pg_marts(rcur), old_marts)
            scur.execute("select 1")
            pub = _Publisher(_publish_cmd(tmp_path, project), env)
            pub.wait_for("Completed successfully")  # the build was not blocked by the readers
            pub.wait_for("==> waiting for backends")  # the swap is
            assert not _diff(_pg_marts(rcur), old_marts), "a reader saw part of the new build"
            assert not _diff(_pg_marts(scur), old_marts), "a reader saw part of the new build"
            reading.commit()
            snapshot.commit()
            pub.join(timeout=300)
            assert pub.proc.returncode == 0, "".join(pub.lines[-60:])
            swapped = next(ln for ln in pub.lines if "==> swapped" in ln)
            assert str(reading.info.backend_pid) in swapped and str(snapshot.info.backend_pid) in swapped, swapped
            new_marts = _pg_marts(rcur)
            reading.commit()
            reading.close()
            snapshot.close()
            # the poisoned rows moved no window (issue 14: automation_daily
            # missed the new events): the marts continued incrementally
            # from day 88 equal a full build of the clean lake, and the
            # poisoned rows are quarantined with their reasons
            problems = _diff(new_marts, _duck_file_marts(reference))
            assert not problems, f"published marts differ from a full build: {problems}"
            cur.execute(
                "select event_id, invalid_reason from staging.val_events__automation_events where event_id like 'zz\\_poison%%'"
            )
            assert dict(cur.fetchall()) == POISON_REASONS
            assert _pg_security(cur).keys() == old_security.keys()
            assert all(f and p and r for f, p, r in _pg_security(cur).values()), "RLS or grants lost in the swap"
        finally:
            admin.close()
    print("timings: " + ", ".join(f"{k} {v:.0f}s" for k, v in TIMINGS.items()))
