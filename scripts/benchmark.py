"""Benchmark of the DuckDB build against issue 12's targets (README "Benchmark"; not a test).

    .venv/bin/python scripts/benchmark.py --scale 1 [--work /tmp/bench] [--out docs/benchmark.md]

For one scale, in one run:
  1. generate two lakes at the same daily volume (seed 42): DAYS days of
     history (default 90) and twice that;
  2. the floor: a full DuckDB scan of the DAYS-day lake (every column of
     every table);
  3. full run: seeds, then a timed `dbt run --full-refresh` on the whole
     DAYS-day lake;
  4. incremental day: a second database built on the lake as of day
     DAYS - 1, then a timed `dbt run` once day DAYS has landed;
  5. no-op run: `dbt run` again with nothing landed (dbt's fixed cost:
     start-up and every node); checksums of every public mart and
     stg_quarantined_rows before and after must be equal (and equal to
     the full run's);
  6. no-op through the daily job's gate (`retail-saas run`, README "The daily
     job"): one untimed gated call records the inputs (it runs dbt seed
     and dbt run: no record yet), then the timed call must find nothing
     landed and start no dbt; checksums before and after must be equal;
  7. incremental day on twice the history: the same as 4 on the 2x lake;
  8. peak memory of the dbt processes (the largest max RSS of any one dbt
     process, from os.wait4; the generator's is reported apart). DuckDB's
     budget is the profile's memory_limit (RETAIL_SAAS_DUCKDB_MEMORY_LIMIT);
  9. a tenant's 30-day inbox dashboard from marts.inbox_daily vs the same
     figures from raw_message: p50/p95 over repeated runs;
 10. dbt's floor: a throwaway DuckDB project written into the work folder
     (same dbt, the profile's threads) with --floor-sizes N trivial models
     of each materialization used here (view, table, incremental
     delete+insert with a post-hook appending to a manifest table, like
     ours); after an untimed run that creates the incremental ones, a
     timed `dbt run` per materialization and N; wall = a + b·N fitted per materialization,
     and the floor predicted for this project's models and mix: what a
     run that runs every node can never go below (scale-independent,
     about a minute).
Each timed dbt run is taken apart from its JSON log: start-up (process
start to dbt's first event; then parse and set-up until the node phase),
the node phase, the time the database was busy (union of the SQL
statements' intervals), dbt's own cost per node and the 10 slowest models.
A dbt run that fails is reported with its first error, and every target it
takes part in is missed (the benchmark goes on with the other runs).

Prints the tables and writes them as the section of the scale in --out
(the newest section of a scale replaces the older one).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "src"))

from retail_saas.generator.batches import lake_as_of  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
import dbt_floor  # noqa: E402

# The full run before issue 12, per scale (docs/benchmark.md of 2026-11-25
# and issue 12): (seconds, times the lake scan), the upper end of the range.
EARLIER_FULL = {10.0: (127.0, 154.0), 1.0: (26.0, 197.0)}
TOP = 10
# First day of both lakes: early enough that the 2x lake (180 days) ends
# before today. A lake that ends after the run's start has its last days
# quarantined (rule 11, loaded_at_after_run_start), so its "incremental
# day" would process nothing (the generator's default start, 2026-08-01,
# puts day 180 in January 2027).
START = dt.date(2026, 5, 1)

DASH_MART = """
select activity_date, sum(inbound) as inbound, sum(outbound) as outbound
from marts.inbox_daily
where tenant_id = ? and activity_date > ? and activity_date <= ?
group by activity_date order by activity_date
"""

DASH_RAW = """
with copies as (
    select *, row_number() over (partition by message_id order by _loaded_at desc) as copy_rank
    from read_parquet('{lake}/raw_message/*.parquet')
    where tenant_id = ?
),
tz as (
    select timezone from read_parquet('{lake}/tenants/*.parquet') where tenant_id = ?
    order by _loaded_at desc limit 1
),
dated as (
    select cast(timezone(tz.timezone, cast(event_time as timestamptz)) as date) as activity_date, direction
    from copies, tz where copy_rank = 1
)
select activity_date, count(*) filter (where direction = 'inbound') as inbound,
       count(*) filter (where direction = 'outbound') as outbound
from dated where activity_date > ? and activity_date <= ?
group by activity_date order by activity_date
"""

PEAKS_GB: dict[str, float] = {}  # max RSS per kind of process ("dbt", "generate")
T0 = time.monotonic()


def say(msg: str) -> None:
    print(f"[{time.monotonic() - T0:6.0f} s] {msg}", flush=True)


# ------------------------------------------------------------------ processes


@dataclass
class Proc:
    start: float  # epoch seconds
    wall: float
    peak_gb: float
    error: str  # "" when it succeeded


def _timed(cmd: list[str], env: dict, kind: str, check: bool = True, out: list[str] | None = None) -> Proc:
    """Run cmd and time it; keep the largest peak RSS per `kind` (os.wait4
    gives the rusage of that one child). A failure ends the benchmark when
    `check`, else it is returned as the error's first line. The output is
    appended to `out` if given."""
    start, t0 = time.time(), time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    text = proc.stdout.read()
    if out is not None:
        out.append(text)
    _, status, usage = os.wait4(proc.pid, 0)
    returncode = proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - t0
    if returncode != 0 and check:
        sys.exit(f"failed: {' '.join(cmd)}\n{text[-4000:]}")
    peak = usage.ru_maxrss / 2**20  # KiB -> GiB
    PEAKS_GB[kind] = max(PEAKS_GB.get(kind, 0.0), peak)
    return Proc(start, elapsed, peak, _dbt_error(text) if returncode else "")


def _dbt_error(out: str) -> str:
    """'model: message' of dbt's first failure, else its last line."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", out)
    found = re.search(r"Failure in model (\S+).*\n.*Error in model .*\n\s*(.+)", text)
    if found:
        return f"{found[1]}: {found[2].strip()[:100]}"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:120] if lines else "failed"


class LoadSampler(threading.Thread):
    """The 1-minute load average every 10 s while the benchmark runs."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples = [os.getloadavg()[0]]

    def run(self) -> None:
        while True:
            time.sleep(10)
            self.samples.append(os.getloadavg()[0])

    def summary(self) -> str:
        return f"{min(self.samples):.2f}–{max(self.samples):.2f} (median {statistics.median(self.samples):.2f})"


@dataclass
class Db:
    """One DuckDB database with its own dbt target folder (a daily job keeps
    its target, so dbt's partial parsing applies from the second call)."""

    work: Path
    name: str
    calls: int = 0

    @property
    def path(self) -> Path:
        return self.work / f"{self.name}.duckdb"

    @property
    def target(self) -> Path:
        return self.work / f"target_{self.name}"

    def env(self, lake: Path) -> dict[str, str]:
        """The environment of a dbt or gate call on `lake` against this database."""
        return dict(
            os.environ,
            DBT_PROFILES_DIR=str(ROOT),
            RETAIL_SAAS_TARGET="duckdb",
            RETAIL_SAAS_DUCKDB_PATH=str(self.path),
            RETAIL_SAAS_LAKE=str(lake),
        )

    def dbt(self, lake: Path, *args: str) -> tuple[Proc, Path]:
        """Run dbt on `lake`; return the process and its JSON log file."""
        self.calls += 1
        logs = self.work / f"logs_{self.name}_{self.calls}"
        env = self.env(lake)
        cmd = [str(BIN / "dbt"), *args, "--target-path", str(self.target), "--log-path", str(logs), "--log-format-file", "json"]
        return _timed(cmd, env, "dbt", check=False), logs / "dbt.log"

    def gate(self, lake: Path) -> tuple[Proc, str]:
        """`retail-saas run` (the daily job's gate) on `lake`; returns the
        process and its output. Same target and log folders at each call,
        so two calls on the same lake have the same fingerprint."""
        env = self.env(lake)
        cmd = [
            str(BIN / "retail-saas"),
            "run",
            "--target-path",
            str(self.target),
            "--log-path",
            str(self.work / f"logs_{self.name}_gate"),
        ]
        out: list[str] = []
        return _timed(cmd, env, "gate", check=False, out=out), "".join(out)


# ------------------------------------------------------------------ where a dbt run's time goes


@dataclass
class RunProfile:
    """A timed `dbt run` taken apart from its JSON log."""

    label: str
    wall: float
    peak_gb: float
    error: str = ""  # the run failed: its first error
    imports: float = 0.0  # process start -> dbt's first event
    setup: float = 0.0  # first event -> node phase (parse, adapter, cache)
    nodes_phase: float = 0.0  # dbt's "Finished running ... in X s"
    db_busy: float = 0.0  # union of SQL statement intervals within the node phase
    nodes: int = 0
    statements: int = 0  # SQL statements sent (round trips)
    node_seconds: dict[str, float] = field(default_factory=dict)
    node_sql: dict[str, float] = field(default_factory=dict)
    node_kind: dict[str, str] = field(default_factory=dict)
    node_layer: dict[str, str] = field(default_factory=dict)  # first folder under models/

    @property
    def startup(self) -> float:
        return self.imports + self.setup

    @property
    def finish(self) -> float:
        """After the node phase: artifacts written, connections closed, exit."""
        return self.wall - self.startup - self.nodes_phase

    @property
    def overhead_per_node(self) -> float:
        """dbt's own wall time per node in the node phase: not start-up,
        not waiting on the database."""
        return (self.nodes_phase - self.db_busy) / max(self.nodes, 1)

    def grouped(self, key: dict[str, str]) -> dict[str, tuple[int, float, float]]:
        """group (key[model]) -> (models, seconds, SQL seconds)."""
        out: dict[str, tuple[int, float, float]] = {}
        for model, seconds in self.node_seconds.items():
            n, s, q = out.get(key[model], (0, 0.0, 0.0))
            out[key[model]] = (n + 1, s + seconds, q + self.node_sql.get(model, 0.0))
        return out

    def slowest(self, n: int = TOP) -> list[tuple[str, str, float, float]]:
        names = sorted(self.node_seconds, key=self.node_seconds.get, reverse=True)[:n]
        return [(m, self.node_kind[m], self.node_seconds[m], self.node_sql.get(m, 0.0)) for m in names]


def _ts(event: dict) -> float:
    return dt.datetime.fromisoformat(event["info"]["ts"].replace("Z", "+00:00")).timestamp()


def _union_seconds(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for lo, hi in sorted(intervals):
        if hi > end:
            total += hi - max(lo, end)
            end = hi
    return total


def profile_run(label: str, proc: Proc, log_file: Path) -> RunProfile:
    """Phases, database time and per-model time of one dbt run from its JSON log."""
    prof = RunProfile(label, proc.wall, proc.peak_gb, proc.error)
    start = proc.start
    first = phase_start = None
    running: dict[str, str] = {}  # thread -> model being run on it
    sql: list[tuple[float, float]] = []
    for line in log_file.read_text().splitlines():
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        name, data, thread = event["info"]["name"], event["data"], event["info"]["thread"]
        first = first if first is not None else _ts(event)
        if name == "ConcurrencyLine":
            phase_start = _ts(event)
        elif name == "FinishedRunningStats":
            prof.nodes_phase = data["execution_time"]
        elif name == "NodeStart" and data["node_info"]["resource_type"] == "model":
            running[thread] = data["node_info"]["node_name"]
            prof.node_kind[running[thread]] = data["node_info"]["materialized"]
            prof.node_layer[running[thread]] = data["node_info"]["node_path"].split("/")[0]
        elif name == "NodeFinished" and data["node_info"]["resource_type"] == "model":
            model = running.pop(thread, data["node_info"]["node_name"])
            prof.node_seconds[model] = data["run_result"]["execution_time"]
        elif name == "SQLQueryStatus":
            end = _ts(event)
            sql.append((end - data["elapsed"], end))
            if thread in running:
                prof.node_sql[running[thread]] = prof.node_sql.get(running[thread], 0.0) + data["elapsed"]
    prof.nodes, prof.statements = len(prof.node_seconds), len(sql)
    if phase_start is None:  # dbt stopped before running any node
        return prof
    prof.imports = first - start
    prof.setup = phase_start - first
    phase_end = phase_start + prof.nodes_phase
    inside = [(max(lo, phase_start), min(hi, phase_end)) for lo, hi in sql if hi > phase_start and lo < phase_end]
    prof.db_busy = _union_seconds(inside)
    return prof


def timed_run(db: Db, lake: Path, label: str, *args: str) -> RunProfile:
    say(f"{label}: dbt run {' '.join(args)}")
    prof = profile_run(label, *db.dbt(lake, "run", *args))
    say(f"{label}: {prof.wall:.1f} s ({prof.nodes} models, start-up {prof.startup:.1f} s) {prof.error}")
    return prof


# ------------------------------------------------------------------ lakes and builds


def generate(lake: Path, scale: float, days: int) -> float:
    say(f"generate: scale {scale:g}, {days} days from {START} -> {lake}")
    cmd = [str(BIN / "retail-saas"), "generate", "--scale", str(scale), "--seed", "42", "--days", str(days)]
    cmd += ["--start-date", START.isoformat(), "--out", str(lake)]
    return _timed(cmd, dict(os.environ), "generate").wall


def lake_rows(lake: Path) -> int:
    return sum(pq.ParquetFile(f).metadata.num_rows for f in lake.glob("*/*.parquet"))


def land(lake: Path, current: Path, day: int) -> int:
    """Make `current` the lake as of the end of `day`; return its rows."""
    shutil.rmtree(current, ignore_errors=True)
    lake_as_of(lake, current, day)
    return lake_rows(current)


def scan(lake: Path) -> float:
    import duckdb

    con = duckdb.connect()
    t0 = time.monotonic()
    for table in sorted(p for p in lake.iterdir() if p.is_dir()):
        con.execute(f"select count(*), count(columns(*)) from read_parquet('{table}/*.parquet')").fetchall()
    return time.monotonic() - t0


def build_day_before(db: Db, lake: Path, current: Path, day: int) -> tuple[int, str]:
    """db built in full on the lake as of `day - 1` (not timed); return the
    rows that landed on `day` and the build's error, if it failed."""
    before = land(lake, current, day - 1)
    say(f"{db.name}: seeds and full build as of day {day - 1} (not timed)")
    seed, _ = db.dbt(current, "seed")
    build, _ = db.dbt(current, "run", "--full-refresh")
    error = seed.error or build.error
    if error:
        say(f"{db.name}: the full build as of day {day - 1} failed: {error}")
    return land(lake, current, day) - before, error and f"full build as of day {day - 1} failed: {error}"


def incremental_day(db: Db, lake: Path, current: Path, day: int, label: str) -> tuple[int, RunProfile]:
    """Rows landed on `day` and the timed run that processes them (not run
    when the build of the day before failed)."""
    landed, error = build_day_before(db, lake, current, day)
    return landed, RunProfile(label, 0.0, 0.0, error) if error else timed_run(db, current, label)


# ------------------------------------------------------------------ marts unchanged?


def checked_relations(target: Path) -> list[tuple[str, str]]:
    """(schema, alias) of every public mart (models/marts/** with an enforced
    contract) and of stg_quarantined_rows."""
    manifest = json.loads((target / "manifest.json").read_text())
    out = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        public = node["original_file_path"].startswith("models/marts/") and node["config"].get("contract", {}).get("enforced")
        if public or node["name"] == "stg_quarantined_rows":
            out.append((node["schema"], node["alias"]))
    return sorted(out)


def checksums(db_path: Path, relations: list[tuple[str, str]]) -> dict[str, tuple[int, int]]:
    """Order-independent (rows, hash sum) per relation; floats compared on
    9 significant digits (a rebuild may sum in another order)."""
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    out = {}
    for schema, name in relations:
        cols = con.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, name],
        ).fetchall()
        if not cols:  # not built (its run failed)
            out[f"{schema}.{name}"] = (-1, 0)
            continue
        exprs = [f"printf('%.9g', \"{c}\")" if t in ("DOUBLE", "FLOAT", "REAL") else f'"{c}"' for c, t in cols]
        sql = f'select count(*), coalesce(sum(hash({", ".join(exprs)})), 0) from "{schema}"."{name}"'
        rows, total = con.execute(sql).fetchone()
        out[f"{schema}.{name}"] = (rows, int(total))
    con.close()
    return out


def differing(a: dict, b: dict) -> list[str]:
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


# ------------------------------------------------------------------ dashboard


def _percentiles(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return statistics.median(s), s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]


def dashboard(db: Path, lake: Path, repeats: int) -> dict[str, float]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    tenant, end = con.execute(
        "select tenant_id, max(activity_date) from marts.inbox_daily group by tenant_id"
        " order by sum(inbound + outbound) desc limit 1"
    ).fetchone()
    start = con.execute("select cast(? as date) - interval 30 day", [end]).fetchone()[0].date()
    raw_sql = DASH_RAW.format(lake=lake)
    out = {}
    for name, query, params in (("mart", DASH_MART, [tenant, start, end]), ("raw", raw_sql, [tenant, tenant, start, end])):
        con.execute(query, params).fetchall()  # warm
        samples = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            con.execute(query, params).fetchall()
            samples.append(time.perf_counter() - t0)
        out[f"{name}_p50"], out[f"{name}_p95"] = _percentiles(samples)
    con.close()
    return out


# ------------------------------------------------------------------ report


def verdict(ok: bool) -> str:
    return "met" if ok else "**MISSED**"


def all_equal(differ: list[str]) -> str:
    return f"all: {verdict(not differ)}" + (f" ({', '.join(differ[:5])})" if differ else "")


def seconds(run: RunProfile) -> str:
    if not run.error:
        return f"{run.wall:.1f} s"
    return f"**FAILED** ({run.error})" + (f" after {run.wall:.0f} s" if run.wall else "")


def succeeded(*runs: RunProfile) -> bool:
    return not any(r.error for r in runs)


def unchanged_row(measure: str, run: RunProfile, marts: int, changed: list[str]) -> tuple[str, str, str]:
    if not succeeded(run):
        return (measure, "not run", verdict(False))
    return (measure, f"{marts - len(changed)} of {marts} public marts + quarantine unchanged", all_equal(changed))


def grows_row(measure: str, full: RunProfile, incr: RunProfile, noop: RunProfile) -> tuple[str, str, str]:
    """(incr − no-op) / (full − no-op) with the given no-op run."""
    ok = succeeded(full, incr, noop) and full.wall > noop.wall
    grows = (incr.wall - noop.wall) / (full.wall - noop.wall) if ok else None
    if grows is not None:
        text = f"{grows:.1%}; the no-op is {noop.wall / full.wall:.0%} of full"
    elif succeeded(full, incr, noop):
        text = f"n/a: the no-op ({noop.wall:.1f} s) is not faster than the full run ({full.wall:.1f} s)"
    else:
        text = "n/a"
    return (measure, f"(incr − no-op) / (full − no-op) = {text}", f"≤ 5 %: {verdict(grows is not None and grows <= 0.05)}")


def targets_table(m: dict) -> list[tuple[str, str, str]]:
    """issue 12's targets (and the dashboard's) as (measure, figure, target) rows;
    a failed run misses every target it takes part in."""
    full, incr, noop, incr2, gate = m["full"], m["incr"], m["noop"], m["incr2"], m["gate"]
    days, scan_s = m["days"], m["scan"]
    earlier = EARLIER_FULL.get(m["scale"])
    if earlier:
        secs, times_scan = earlier
        full_target = f"≤ {secs:.0f} s: {verdict(succeeded(full) and full.wall <= secs)}; "
        full_target += f"≤ {times_scan:.0f}× scan: {verdict(succeeded(full) and full.wall / scan_s <= times_scan)}"
    else:
        full_target = "no earlier figure at this scale"
    marts = len(m["sums_noop"])
    return [
        ("lake rows", f"{m['rows']:,} ({days} days); {m['rows2']:,} ({2 * days} days)", ""),
        ("rows landed on the incremental day", f"{m['landed']:,} ({days} days); {m['landed2']:,} ({2 * days} days)", ""),
        ("generate (both lakes)", f"{m['gen']:.1f} s, peak {PEAKS_GB['generate']:.2f} GB", ""),
        ("lake scan (floor)", f"{scan_s:.2f} s", ""),
        ("full dbt run", seconds(full) + (f" = {full.wall / scan_s:.0f}× scan" if succeeded(full) else ""), full_target),
        (
            "one incremental day",
            seconds(incr) + (f" = {incr.wall / full.wall:.0%} of full" if succeeded(incr, full) else ""),
            f"≤ 25 %: {verdict(succeeded(incr, full) and incr.wall <= 0.25 * full.wall)}",
        ),
        (
            "no-op run (nothing landed), gate: `retail-saas run`",
            seconds(gate) + (", dbt not started" if succeeded(gate) else ""),
            f"≤ 20 s: {verdict(succeeded(gate) and gate.wall <= 20)}",
        ),
        ("no-op `dbt run` (dbt's fixed cost: start-up + every node)", seconds(noop), "(the gate's run is the target's)"),
        unchanged_row("gate no-op changed nothing", gate, marts, m["changed_by_gate"]),
        unchanged_row("dbt no-op changed nothing", noop, marts, m["changed_by_noop"]),
        grows_row("part that grows with data, dbt no-op", full, incr, noop),
        grows_row("part that grows with data, gate no-op", full, incr, gate),
        (
            f"incremental day, {2 * days} days of history",
            seconds(incr2) + (f" = {incr2.wall / incr.wall:.2f}× the {days}-day one" if succeeded(incr2, incr) else ""),
            f"≤ 1.2×: {verdict(succeeded(incr2, incr) and incr2.wall <= 1.2 * incr.wall)}",
        ),
        (
            "incremental marts = full refresh",
            f"{marts - len(m['differ_from_full'])} of {marts} equal",
            all_equal(m["differ_from_full"]),
        ),
        ("peak memory (any dbt process)", f"{PEAKS_GB['dbt']:.2f} GB", f"≤ 4 GB: {verdict(PEAKS_GB['dbt'] <= 4)}"),
        (
            "dashboard, marts p50/p95",
            f"{m['dash']['mart_p50'] * 1e3:.1f} / {m['dash']['mart_p95'] * 1e3:.1f} ms",
            f"p95 < 50 ms: {verdict(m['dash']['mart_p95'] < 0.05)}",
        ),
        (
            "dashboard, raw p50/p95",
            f"{m['dash']['raw_p50'] * 1e3:.1f} / {m['dash']['raw_p95'] * 1e3:.1f} ms",
            f"marts ≥ 100× faster (p50 {m['dash']['raw_p50'] / m['dash']['mart_p50']:.0f}×): "
            f"{verdict(m['dash']['raw_p50'] >= 100 * m['dash']['mart_p50'])}",
        ),
    ]


def md_table(header: tuple[str, ...], rows: list[tuple]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]


def phases_table(runs: list[RunProfile], parse_s: float) -> list[str]:
    rows = [
        (
            r.label + (" (failed)" if r.error else ""),
            f"{r.wall:.1f}",
            f"{r.imports:.1f} + {r.setup:.1f}",
            f"{r.nodes_phase:.1f}",
            f"{r.finish:.1f}",
            f"{r.db_busy:.1f}",
            f"{sum(r.node_seconds.values()):.1f}",
            r.nodes,
            r.statements,
            f"{r.overhead_per_node * 1e3:.0f}",
            f"{r.peak_gb:.2f}",
        )
        for r in runs
    ]
    header = ("run", "wall s", "start-up s (imports + parse/set-up)", "node phase s", "finish s", "database busy s")
    header += ("Σ model times s", "models", "SQL statements", "dbt ms per model", "peak GB")
    note = (
        f"`dbt parse` alone (partial parse, warm): {parse_s:.1f} s. dbt ms per model = (node phase − database busy) / models: "
        "dbt's own wall time per model (Jinja, materialization logic, round trips, scheduling); "
        "Σ model times counts 2 threads."
    )
    return md_table(header, rows) + ["", note]


def groups_table(runs: list[RunProfile]) -> list[str]:
    """Per folder under models/ and per materialization: Σ model seconds,
    of which SQL, and dbt's own milliseconds per model (model time − its SQL)."""
    rows = []
    for title, attr in (("folder", "node_layer"), ("materialized", "node_kind")):
        groups = [r.grouped(getattr(r, attr)) for r in runs]
        for name in sorted({g for by in groups for g in by}):
            cells = [by.get(name, (0, 0.0, 0.0)) for by in groups]
            shown = (f"{s:.1f} / {q:.1f} / {(s - q) / n * 1e3:.0f}" if n else "" for n, s, q in cells)
            rows.append((f"{title} {name} ({max(c[0] for c in cells)})", *shown))
    return md_table(("models (count)", *(r.label for r in runs)), rows) + [
        "",
        "Σ model seconds / of which SQL seconds / dbt ms per model (model time − its SQL time); 2 threads.",
    ]


def slowest_table(runs: list[RunProfile]) -> list[str]:
    cols = [[f"{m} ({kind}) {s:.1f} / {q:.1f}" for m, kind, s, q in r.slowest()] for r in runs]
    rows = [tuple([i + 1] + [c[i] if i < len(c) else "" for c in cols]) for i in range(TOP)]
    return md_table(("#", *(r.label for r in runs)), rows) + ["", "Model (materialization) seconds / of which SQL seconds."]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text()).group(1).strip()
    except (OSError, AttributeError):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import duckdb

    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}"
    )


def section(scale: float, m: dict, load: str) -> str:
    runs = [m["full"], m["incr"], m["noop"], m["incr2"]]
    lines = [
        f"## Scale {scale:g}",
        "",
        f"Machine: {machine()}. Run: {time.strftime('%Y-%m-%d %H:%M')} UTC, 1-minute load average during the run {load}.",
        "",
        *md_table(("measure", "figure", "target"), targets_table(m)),
        "",
        "Where the time goes:",
        "",
        *phases_table(runs, m["parse"]),
        "",
        "Model time per folder and per materialization:",
        "",
        *groups_table(runs),
        "",
        "Slowest models of each run:",
        "",
        *slowest_table(runs),
        "",
        "dbt's floor (a throwaway project of trivial models, same dbt and threads; wall = a + b·N per materialization):",
        "",
        *floor_lines(m),
    ]
    return "\n".join(lines) + "\n"


def floor_lines(m: dict) -> list[str]:
    if isinstance(m["floor"], str):
        return [f"**FAILED** ({m['floor']})"]
    mix = Counter(m["full"].node_kind.values()) or Counter(m["incr"].node_kind.values())
    lines = dbt_floor.table(m["floor"], dict(mix))
    if succeeded(m["noop"]) and mix:
        lines[-1] += f" The no-op `dbt run` took {m['noop'].wall:.1f} s."
    return lines


def write_section(out: Path, scale: float, text: str) -> None:
    old = (
        out.read_text()
        if out.exists()
        else '# Benchmark\n\nWritten by `scripts/benchmark.py` (README "Benchmark"). '
        "One section per scale, the latest run of that scale.\n\n"
    )
    old = re.sub(rf"## Scale {re.escape(f'{scale:g}')}\n.*?(?=\n## |\Z)", "", old, flags=re.S).rstrip()
    out.write_text(re.sub(r"\n{3,}", "\n\n", old + "\n\n" + text))


# ------------------------------------------------------------------ main


def gated_noop(db: Db, lake: Path, relations: list[tuple[str, str]], noop: RunProfile) -> tuple[RunProfile, list[str]]:
    """The timed no-op through the gate, after an untimed call that records
    the inputs; and the relations it changed (checksums before and after)."""
    label = "no-op, gate"
    if noop.error:
        return RunProfile(label, 0.0, 0.0, "not run: the dbt no-op failed"), []
    say("gate: a first `retail-saas run` records the inputs (not timed; no record yet: dbt seed + dbt run)")
    first, out = db.gate(lake)
    if first.error:
        return RunProfile(label, 0.0, 0.0, f"the recording call failed: {first.error}"), []
    before = checksums(db.path, relations)
    say(f"{label}: retail-saas run")
    proc, out = db.gate(lake)
    error = proc.error or ("" if out.startswith("nothing landed since") else f"the gate ran dbt: {out.splitlines()[0][:100]}")
    say(f"{label}: {proc.wall:.2f} s: {out.strip().splitlines()[0] if out.strip() else ''}")
    return RunProfile(label, proc.wall, proc.peak_gb, error), differing(before, checksums(db.path, relations))


def measure(work: Path, scale: float, days: int, repeats: int, floor_sizes: tuple[int, ...]) -> dict:
    m: dict = {"scale": scale, "days": days}
    lake, lake2, current = work / "lake", work / "lake_2x", work / "current"
    m["gen"] = generate(lake, scale, days) + generate(lake2, scale, 2 * days)
    m["rows"], m["rows2"] = lake_rows(lake), lake_rows(lake2)
    say("lake scan (best of 3)")
    m["scan"] = min(scan(lake) for _ in range(3))

    full = Db(work, "full")
    land(lake, current, days)
    say("full: seeds (not timed)")
    full.dbt(current, "seed")
    m["full"] = timed_run(full, current, "full", "--full-refresh")
    say("dbt parse (timed)")
    m["parse"] = full.dbt(current, "parse")[0].wall

    incr = Db(work, "incr")
    m["landed"], m["incr"] = incremental_day(incr, lake, current, days, "incremental day")
    relations = checked_relations(incr.target)
    say(f"checksums of {len(relations)} relations")
    sums_incr = checksums(incr.path, relations)
    if m["incr"].error:
        m["noop"] = RunProfile("no-op", 0.0, 0.0, "not run: the incremental day failed")
    else:
        m["noop"] = timed_run(incr, current, "no-op")
    m["sums_noop"] = checksums(incr.path, relations)
    m["changed_by_noop"] = differing(sums_incr, m["sums_noop"])
    m["differ_from_full"] = differing(checksums(full.path, relations), m["sums_noop"])
    m["gate"], m["changed_by_gate"] = gated_noop(incr, current, relations, m["noop"])

    incr2 = Db(work, "incr_2x")
    m["landed2"], m["incr2"] = incremental_day(incr2, lake2, current, 2 * days, f"incremental day, {2 * days} d")

    say("dashboard")
    land(lake, current, days)
    m["dash"] = dashboard(full.path, current, repeats)
    try:
        m["floor"] = dbt_floor.measure(work, floor_sizes, say)
    except RuntimeError as e:
        say(str(e))
        m["floor"] = str(e).splitlines()[0]
    return m


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="lake scale (1 ≈ 1M rows over 90 days)")
    ap.add_argument("--days", type=int, default=90, help="days of history of the first lake; the second has twice as many")
    ap.add_argument("--work", default="/tmp/retail_saas_bench", help="scratch folder (lakes, databases, logs)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "benchmark.md"), help="markdown file to write the section into")
    ap.add_argument("--repeats", type=int, default=50, help="dashboard query repetitions")
    ap.add_argument(
        "--floor-sizes",
        default=",".join(map(str, dbt_floor.SIZES)),
        help="numbers of trivial models per materialization for dbt's floor (step 10), comma-separated",
    )
    args = ap.parse_args()

    work = Path(args.work) / f"scale_{args.scale:g}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    load = LoadSampler()
    load.start()
    sizes = tuple(int(n) for n in args.floor_sizes.split(","))
    m = measure(work, args.scale, args.days, args.repeats, sizes)
    text = section(args.scale, m, load.summary())
    print("\n" + text)
    write_section(Path(args.out), args.scale, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
