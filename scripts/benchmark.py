"""Benchmark of the DuckDB build (README "Benchmark"; not a test).

    .venv/bin/python scripts/benchmark.py --scale 1 [--work /tmp/bench] [--out docs/benchmark.md]

For one scale, in one run:
  1. generate the 90-day lake (seed 42);
  2. the floor: a full DuckDB scan of the lake (every column of every table);
  3. a full `dbt run --full-refresh` on the whole lake (seeds loaded first,
     not timed);
  4. one day's incremental run: a second database built on the lake as of
     day 89, then `dbt run` once day 90 has landed;
  5. peak memory of the dbt processes (the largest max RSS of any one dbt
     process, from os.wait4; the generator's is reported apart: it is not
     part of the daily build). DuckDB's budget is the profile's
     memory_limit (RETAIL_SAAS_DUCKDB_MEMORY_LIMIT, default 3GB);
  6. a tenant's 30-day inbox dashboard (inbound and outbound messages per
     day) from marts.inbox_daily vs the same figures from raw_message
     (dedupe on the latest _loaded_at, tenant-local day): p50/p95 over
     repeated runs.
Prints a table and appends a section for the scale to --out (the newest
section of a scale replaces the older one).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "src"))

from retail_saas.generator.batches import lake_as_of  # noqa: E402

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


def _timed(cmd: list[str], env: dict, kind: str) -> float:
    """Run cmd, return its wall time; record its own peak RSS under `kind`
    (os.wait4 gives the rusage of that one child, not of every child)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    returncode = proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - t0
    if returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out[-4000:]}")
    PEAKS_GB[kind] = max(PEAKS_GB.get(kind, 0.0), usage.ru_maxrss / 2**20)  # KiB -> GiB
    return elapsed


def _dbt(work: Path, db: Path, lake: Path, *args: str) -> float:
    env = dict(
        os.environ,
        DBT_PROFILES_DIR=str(ROOT),
        RETAIL_SAAS_TARGET="duckdb",
        RETAIL_SAAS_DUCKDB_PATH=str(db),
        RETAIL_SAAS_LAKE=str(lake),
    )
    return _timed([str(BIN / "dbt"), *args, "--target-path", str(work / "target"), "--log-path", str(work / "logs")], env, "dbt")


def _scan(lake: Path) -> float:
    import duckdb

    con = duckdb.connect()
    t0 = time.monotonic()
    for table in sorted(p for p in lake.iterdir() if p.is_dir()):
        con.execute(f"select count(*), count(columns(*)) from read_parquet('{table}/*.parquet')").fetchall()
    return time.monotonic() - t0


def _percentiles(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return statistics.median(s), s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]


def _dashboard(db: Path, lake: Path, repeats: int) -> dict[str, float]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    tenant, end = con.execute(
        "select tenant_id, max(activity_date) from marts.inbox_daily group by tenant_id "
        "order by sum(inbound + outbound) desc limit 1"
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
    mart_rows = con.execute(DASH_MART, [tenant, start, end]).fetchall()
    raw_rows = con.execute(raw_sql, [tenant, tenant, start, end]).fetchall()
    out["same_figures"] = float(sum(r[1] + r[2] for r in mart_rows) > 0 and len(mart_rows) == len(raw_rows))
    con.close()
    return out


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        text = Path("/proc/cpuinfo").read_text()
        cpu = re.search(r"model name\s*:\s*(.+)", text).group(1).strip()
    except (OSError, AttributeError):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import duckdb

    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--work", default="/tmp/retail_saas_bench")
    ap.add_argument("--out", default=str(ROOT / "docs" / "benchmark.md"))
    ap.add_argument("--repeats", type=int, default=50)
    args = ap.parse_args()

    work = Path(args.work) / f"scale_{args.scale:g}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    lake, current = work / "lake", work / "current"
    t0 = time.monotonic()
    _timed(
        [str(BIN / "retail-saas"), "generate", "--scale", str(args.scale), "--seed", "42", "--out", str(lake)],
        dict(os.environ),
        "generate",
    )
    gen = time.monotonic() - t0
    rows = sum(__import__("pyarrow.parquet", fromlist=["x"]).ParquetFile(f).metadata.num_rows for f in lake.glob("*/*.parquet"))

    scan = min(_scan(lake) for _ in range(3))

    # full rebuild on the whole lake
    full_db = work / "full.duckdb"
    lake_as_of(lake, current, 90)
    _dbt(work, full_db, current, "seed")
    full = _dbt(work, full_db, current, "run", "--full-refresh")
    # day 89, then one day's incremental run
    incr_db = work / "incr.duckdb"
    shutil.rmtree(current)
    lake_as_of(lake, current, 89)
    _dbt(work, incr_db, current, "seed")
    _dbt(work, incr_db, current, "run", "--full-refresh")
    shutil.rmtree(current)
    lake_as_of(lake, current, 90)
    incr = _dbt(work, incr_db, current, "run")
    peak_gb = PEAKS_GB["dbt"]

    dash = _dashboard(full_db, current, args.repeats)

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    table = [
        ("lake rows", f"{rows:,}", ""),
        ("generate", f"{gen:.1f} s, peak {PEAKS_GB['generate']:.2f} GB", ""),
        ("lake scan (floor)", f"{scan:.2f} s", ""),
        ("full dbt run", f"{full:.1f} s = {full / scan:.0f}x scan", f"<= 4x scan: {verdict(full <= 4 * scan)}"),
        ("incremental day", f"{incr:.1f} s = {incr / full:.0%} of full", f"<= 10%: {verdict(incr <= 0.1 * full)}"),
        ("peak memory (dbt)", f"{peak_gb:.2f} GB", f"<= 4 GB: {verdict(peak_gb <= 4)}"),
        (
            "dashboard, marts p50/p95",
            f"{dash['mart_p50'] * 1e3:.1f} / {dash['mart_p95'] * 1e3:.1f} ms",
            f"p95 < 50 ms: {verdict(dash['mart_p95'] < 0.05)}",
        ),
        (
            "dashboard, raw p50/p95",
            f"{dash['raw_p50'] * 1e3:.1f} / {dash['raw_p95'] * 1e3:.1f} ms",
            f"marts >= 100x faster (p50 {dash['raw_p50'] / dash['mart_p50']:.0f}x): "
            f"{verdict(dash['raw_p50'] >= 100 * dash['mart_p50'])}",
        ),
    ]
    lines = [
        f"## Scale {args.scale:g}",
        "",
        f"Machine: {_machine()}.",
        f"Run: {time.strftime('%Y-%m-%d %H:%M')}.",
        "",
        "| measure | figure | target |",
        "|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in table]
    section = "\n".join(lines) + "\n"
    print(section)

    out = Path(args.out)
    text = (
        out.read_text()
        if out.exists()
        else (
            '# Benchmark\n\nWritten by `scripts/benchmark.py` (README "Benchmark"). One section per scale, '
            "the latest run of that scale.\n\n"
        )
    )
    text = re.sub(rf"## Scale {re.escape(f'{args.scale:g}')}\n.*?(?=\n## |\Z)", "", text, flags=re.S).rstrip()
    out.write_text(text + "\n\n" + section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
