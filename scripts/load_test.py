"""Load test of the access model on PostgreSQL (README "Access"; not a test).

    .venv/bin/python scripts/load_test.py --scale 1 [--work /tmp/loadtest] [--mode paced|saturate|both]

Sets up (unless --reuse): a private PostgreSQL server (SCRAM, pgaudit),
the scale's generated lake loaded into raw and built with `dbt build` by a
plain dbt user (the hook applies policies, limits and indexes), and one
login per session, each bound with `grant` to its own tenant (the tenants
with the most inbox rows first). Then:

- paced: --sessions concurrent sessions for --duration seconds, each
  logged in as its own login and opening its 30-day dashboard (the
  queries on marts.inbox_daily and marts.daily_stats, no tenant filter:
  row-level security picks the rows) every --interval seconds. Prints
  dashboards/s, p50/p95/max per dashboard, errors, and rows of another
  tenant seen (must be 0).
- saturate: the same sessions back to back with no pause, at growing
  concurrency (1, 2, 4, ... up to --sessions), --step seconds each;
  prints throughput and p95 per level and the throughput where p95
  crosses 50 ms.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "src"))

DASHBOARD = [
    # inbox: messages per day and channel over the last 30 days
    """select tenant_id, activity_date, channel, sum(inbound) as inbound,
              sum(outbound) as outbound, sum(first_replies) as first_replies
       from marts.inbox_daily
       where activity_date > %(end)s::date - 30 and activity_date <= %(end)s::date
       group by tenant_id, activity_date, channel""",
    # team: activity per user over the same days
    """select tenant_id, user_id, sum(messages_sent) as messages_sent,
              sum(first_replies) as first_replies, sum(activity) as activity
       from marts.daily_stats
       where activity_date > %(end)s::date - 30 and activity_date <= %(end)s::date
       group by tenant_id, user_id""",
]
TARGET_P95 = 0.050


def _run(cmd: list[str], env: dict) -> None:
    res = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        sys.exit(f"{' '.join(cmd[:3])} failed:\n{res.stdout[-3000:]}{res.stderr[-3000:]}")


def setup(work: Path, scale: float, sessions: int, reuse: bool) -> tuple[dict, list]:
    """Server, database, build and logins. Returns (PG env of the dbt
    user, [(login, password, tenant_id)])."""
    import psycopg2

    from retail_saas.access import grant
    from retail_saas.postgres.connection import connect
    from retail_saas.postgres.server import PostgresServer

    server = PostgresServer(work / "pg", keep=True, fast=True, max_connections=sessions + 40)
    server.start()
    su = dict(server.env)
    db, dbt_user, pw = "loadtest", "loadtest_dbt", "loadtest-" + secrets.token_hex(8)
    pw_file = work / "dbt.pw"
    if reuse and pw_file.exists():
        pw = pw_file.read_text().strip()
    else:
        conn = connect(dict(su, PGDATABASE="postgres"))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f"drop database if exists {db} with (force)")
            cur.execute("select rolname from pg_roles where rolname like 'lt\\_%'")
            for (r,) in cur.fetchall():
                cur.execute(f"drop role {r}")
            cur.execute(f"drop role if exists {dbt_user}")
            cur.execute(f"create role {dbt_user} login createrole password %s", (pw,))
            cur.execute(f"create database {db} owner {dbt_user}")
        conn.close()
        fd = os.open(pw_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(pw)
        lake = work / f"lake_{scale}"
        if not (lake / "_generator_manifest.json").exists():
            t0 = time.monotonic()
            _run(
                [str(BIN / "retail-saas"), "generate", "--scale", str(scale), "--seed", "42", "--out", str(lake)], dict(os.environ)
            )
            print(f"lake generated in {time.monotonic() - t0:.0f}s", flush=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "RETAIL_SAAS_"))}
        env.update(
            su,
            PGDATABASE=db,
            PGUSER=dbt_user,
            PGPASSWORD=pw,
            RETAIL_SAAS_LAKE=str(lake),
            RETAIL_SAAS_TARGET="postgres",
            DBT_PROFILES_DIR=str(ROOT),
        )
        t0 = time.monotonic()
        _run([str(BIN / "retail-saas"), "load-postgres", "--lake", str(lake)], env)
        print(f"loaded in {time.monotonic() - t0:.0f}s", flush=True)
        t0 = time.monotonic()
        paths = ["--target-path", str(work / "target"), "--log-path", str(work / "logs")]
        _run([str(BIN / "dbt"), "seed", *paths], env)
        _run([str(BIN / "dbt"), "run", *paths], env)
        print(f"dbt seed + run (hook included) in {time.monotonic() - t0:.0f}s", flush=True)
    dbt_env = dict(su, PGDATABASE=db, PGUSER=dbt_user, PGPASSWORD=pw)
    admin = connect(dbt_env)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(
            "select tenant_id from marts.inbox_daily group by 1 order by sum(inbound + outbound) desc, 1 limit %s", (sessions,)
        )
        tenants = [r[0] for r in cur.fetchall()]
        cur.execute("select max(activity_date) from marts.inbox_daily")
        end = cur.fetchone()[0]
    if len(tenants) < sessions:
        sys.exit(f"only {len(tenants)} tenants with inbox rows for {sessions} sessions")
    logins = []
    su_conn = connect(dict(su, PGDATABASE=db))
    su_conn.autocommit = True
    for i, t in enumerate(tenants):
        login = f"lt_{i:03d}"
        with su_conn.cursor() as cur:
            cur.execute("select 1 from pg_roles where rolname = %s", (login,))
            exists = cur.fetchone()
        if not exists:
            grant(admin, login, "retailer", tenant_id=t)
        with su_conn.cursor() as cur:
            cur.execute(f"alter role {login} login password %s", (pw,))
        logins.append((login, pw, t))
    su_conn.close()
    admin.close()
    del psycopg2
    return dict(dbt_env, END=str(end)), logins


class Session(threading.Thread):
    """One retailer: its own login and connection; a dashboard every
    `interval` seconds (0 = back to back) until `stop_at`."""

    def __init__(self, env: dict, login: str, pw: str, tenant: str, interval: float, stop_at: float):
        super().__init__(daemon=True)
        self.env, self.login, self.pw, self.tenant = env, login, pw, tenant
        self.interval, self.stop_at = interval, stop_at
        self.samples: list[float] = []
        self.errors: list[str] = []
        self.foreign_rows = 0
        self.rows = 0

    def run(self) -> None:
        from retail_saas.postgres.connection import connect

        try:
            conn = connect(dict(self.env, PGUSER=self.login, PGPASSWORD=self.pw))
            conn.autocommit = True
        except Exception as e:  # noqa: BLE001
            self.errors.append(f"connect: {str(e).splitlines()[0]}")
            return
        params = {"end": self.env["END"]}
        next_at = time.monotonic()
        with conn.cursor() as cur:
            while time.monotonic() < self.stop_at:
                t0 = time.monotonic()
                try:
                    for q in DASHBOARD:
                        cur.execute(q, params)
                        rows = cur.fetchall()
                        self.rows += len(rows)
                        self.foreign_rows += sum(1 for r in rows if r[0] != self.tenant)
                    self.samples.append(time.monotonic() - t0)
                except Exception as e:  # noqa: BLE001
                    self.errors.append(str(e).splitlines()[0])
                if self.interval:
                    next_at += self.interval
                    time.sleep(max(0.0, next_at - time.monotonic()))
        conn.close()


def drive(env: dict, logins: list, interval: float, seconds: float) -> dict:
    stop_at = time.monotonic() + seconds
    threads = [Session(env, lg, pw, t, interval, stop_at) for lg, pw, t in logins]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    samples = sorted(s for t in threads for s in t.samples)
    errors = [e for t in threads for e in t.errors]
    n = len(samples)
    return {
        "sessions": len(logins),
        "dashboards": n,
        "per_s": n / wall if wall else 0,
        "p50": statistics.median(samples) if n else float("nan"),
        "p95": samples[min(n - 1, round(0.95 * (n - 1)))] if n else float("nan"),
        "max": samples[-1] if n else float("nan"),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "foreign_rows": sum(t.foreign_rows for t in threads),
        "rows": sum(t.rows for t in threads),
    }


def _line(r: dict) -> str:
    return (
        f"{r['sessions']:>3} sessions: {r['dashboards']:>6} dashboards, "
        f"{r['per_s']:6.1f}/s, p50 {r['p50'] * 1e3:6.1f} ms, p95 {r['p95'] * 1e3:6.1f} ms, "
        f"max {r['max'] * 1e3:6.1f} ms, errors {r['errors']}, "
        f"rows {r['rows'] / max(1, r['dashboards']):.0f}/dashboard, "
        f"of another tenant {r['foreign_rows']}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--interval", type=float, default=0.5)
    ap.add_argument("--step", type=float, default=10.0, help="seconds per level (saturate)")
    ap.add_argument("--mode", choices=["paced", "saturate", "both"], default="both")
    ap.add_argument("--work", type=Path, default=Path("/tmp/retail_saas_loadtest"))
    ap.add_argument("--reuse", action="store_true", help="reuse the server and database of an earlier run in --work")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    env, logins = setup(args.work, args.scale, args.sessions, args.reuse)
    print(f"{len(logins)} logins, each bound to its own tenant; dashboard end date {env['END']}; {os.cpu_count()} CPUs", flush=True)
    ok = True
    if args.mode in ("paced", "both"):
        drive(env, logins[:5], args.interval, 3)  # warm the caches
        r = drive(env, logins, args.interval, args.duration)
        print(f"paced, every {args.interval}s for {args.duration:.0f}s: {_line(r)}")
        if r["error_kinds"]:
            print("  errors: " + "; ".join(r["error_kinds"]))
        ok = r["errors"] == 0 and r["foreign_rows"] == 0 and r["p95"] < TARGET_P95 and r["rows"] > 0
        print(f"target (0 errors, 0 foreign rows, p95 < 50 ms): {'met' if ok else 'MISSED'}")
    if args.mode in ("saturate", "both"):
        levels = sorted({n for n in (1, 2, 4, 8, 16, 32, args.sessions) if n <= args.sessions})
        crossed = None
        best = None
        for n in levels:
            r = drive(env, logins[:n], 0, args.step)
            print(f"back to back: {_line(r)}", flush=True)
            if r["p95"] < TARGET_P95:
                best = r
            elif crossed is None:
                crossed = r
        if best:
            print(f"highest throughput with p95 < 50 ms: {best['per_s']:.0f} dashboards/s ({best['sessions']} sessions)")
        if crossed:
            print(f"p95 crosses 50 ms at {crossed['sessions']} sessions, {crossed['per_s']:.0f} dashboards/s")
        else:
            print("p95 stayed under 50 ms at every level")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
