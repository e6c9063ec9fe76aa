"""Chart query latency of every Superset dashboard (README "Dashboards").

    .venv/bin/python scripts/bi_benchmark.py                 # DuckDB marts
    .venv/bin/python scripts/bi_benchmark.py --postgres      # + PostgreSQL
    .venv/bin/python scripts/bi_benchmark.py --postgres-env  # + the PG* server as is

Needs the marts of the main job (`SCALE=1 bash scripts/main.sh`: lake in
data/lake, marts in target/retail_saas.duckdb). For each target it loads
the dashboards with `bash scripts/bi.sh load` into a private metadata
folder (target/superset-bench-<target>), serves Superset on a free
loopback port as `bash scripts/bi.sh` does, logs in as the platform admin
and as a retailer (demo logins, whose row-level security adds a predicate
to every query), and runs every chart's saved query through the chart
data API `--rounds` times (no result cache is configured, so each one
reaches the database), after one untimed round (the server's first
requests import code and fill caches). It also runs the same SQL as
Superset writes it (RLS included) on the database alone, connected as
Superset connects (DuckDB: a connection of one kept instance; PostgreSQL:
a new connection per query).
--postgres first starts a private PostgreSQL server, loads the lake and
builds the marts there with dbt; --postgres-env uses the server of the
PG* variables, whose marts are already built. Prints one markdown table
(per target, login and dashboard: p50 / p95 / max of its chart queries)
with the machine's load average before and after."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from retail_saas.bi.server import gunicorn_argv

REPO = Path(__file__).resolve().parents[1]
TARGET_P95 = 1.0


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        gunicorn_argv(REPO / ".venv-bi", f"127.0.0.1:{port}"),
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/health", timeout=5).status_code == 200:
                return server, base
        except requests.RequestException:
            pass
        if server.poll() is not None:
            break
        time.sleep(2)
    server.kill()
    raise SystemExit("error: Superset did not start (run `bash scripts/bi.sh` to see why)")


def session(base: str, login: str, password: str) -> requests.Session:
    s = requests.Session()
    r = s.post(f"{base}/api/v1/security/login", json={"username": login, "password": password, "provider": "db", "refresh": False})
    r.raise_for_status()
    s.headers["Authorization"] = "Bearer " + r.json()["access_token"]
    return s


class Database:
    """The SQL of a chart on the database alone, connected as Superset
    connects: DuckDB through one kept instance (retail_saas.bi.duckdb_pool
    in Superset), PostgreSQL with a new connection per query (NullPool)."""

    def __init__(self, target: str, env: dict) -> None:
        self.target, self.env = target, env
        if target == "duckdb":
            import duckdb

            self.kept = duckdb.connect(env["RETAIL_SAAS_DUCKDB_PATH"], read_only=True)

    def seconds(self, sql: str) -> float:
        start = time.perf_counter()
        if self.target == "duckdb":
            con = self.kept.cursor()
            try:
                con.execute(sql).fetchall()
            finally:
                con.close()
            return time.perf_counter() - start
        import psycopg2

        env = self.env
        con = psycopg2.connect(
            host=env["PGHOST"],
            port=env.get("PGPORT", "5432"),
            user=env.get("PGUSER"),
            password=env.get("PGPASSWORD"),
            dbname=env.get("PGDATABASE"),
        )
        try:
            with con.cursor() as cur:
                cur.execute(sql)
                cur.fetchall()
        finally:
            con.close()
        return time.perf_counter() - start


def measure(
    base: str,
    login: str,
    password: str,
    rounds: int,
    database: Database,
) -> dict[str, tuple[list[float], list[float]]]:
    """Dashboard title -> seconds of each chart query through Superset and
    of the same SQL on the database alone (rounds x charts), after one
    untimed round."""
    s = session(base, login, password)
    q = json.dumps({"page_size": 100})
    out: dict[str, tuple[list[float], list[float]]] = {}
    for board in s.get(f"{base}/api/v1/dashboard/", params={"q": q}).json()["result"]:
        charts = s.get(f"{base}/api/v1/dashboard/{board['id']}/charts").json()["result"]
        times, db_times = out.setdefault(board["dashboard_title"], ([], []))
        sqls = {}
        for chart in charts:  # untimed: the chart's SQL, and a first run
            url = f"{base}/api/v1/chart/{chart['id']}/data/"
            sqls[chart["id"]] = s.get(url, params={"type": "query"}, timeout=120).json()["result"][0]["query"]
            s.get(url, timeout=120)
        for _ in range(rounds):
            for chart in charts:
                url = f"{base}/api/v1/chart/{chart['id']}/data/"
                start = time.perf_counter()
                r = s.get(url, timeout=120)
                times.append(time.perf_counter() - start)
                if r.status_code != 200:
                    raise SystemExit(f"error: {login}: chart {chart['slice_name']}: HTTP {r.status_code} {r.text[:200]}")
                db_times.append(database.seconds(sqls[chart["id"]]))
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


def run_target(target: str, env: dict, rounds: int) -> list[tuple]:
    env = dict(
        env,
        RETAIL_SAAS_TARGET=target,
        RETAIL_SAAS_BI_DEMO="1",
        RETAIL_SAAS_BI_HOME=str(REPO / f"target/superset-bench-{target}"),
        SUPERSET_CONFIG_PATH=str(REPO / "bi/superset_config.py"),
        RETAIL_SAAS_PROJECT_DIR=str(REPO),
    )
    subprocess.run(["bash", "scripts/bi.sh", "load"], cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)
    passwords = json.loads((Path(env["RETAIL_SAAS_BI_HOME"]) / "logins.json").read_text())
    server, base = serve(env)
    rows = []
    try:
        for login in ("demo_platform_admin", "demo_retailer"):
            measured = measure(base, login, passwords[login], rounds, Database(target, env))
            for title, (times, db_times) in measured.items():
                rows.append((target, login, title, len(times), statistics.median(times), p95(times), max(times), p95(db_times)))
                print(
                    f"{target} {login} {title}: p95 {p95(times):.3f} s, database {p95(db_times):.3f} s", file=sys.stderr, flush=True
                )
    finally:
        server.terminate()
        server.wait(timeout=60)
    return rows


def postgres_env(lake: Path, keep: Path) -> tuple[object, dict]:
    sys.path.insert(0, str(REPO / "src"))
    from retail_saas.postgres.server import PostgresServer

    server = PostgresServer(keep).start()
    env = dict(os.environ, **server.env, RETAIL_SAAS_TARGET="postgres", DBT_PROFILES_DIR=str(REPO))
    bin_dir = REPO / ".venv/bin"
    print("==> loading the lake into PostgreSQL and building the marts", file=sys.stderr)
    subprocess.run(
        [str(bin_dir / "retail-saas"), "load-postgres", "--lake", str(lake)],
        cwd=REPO,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [
            str(bin_dir / "dbt"),
            "build",
            "--exclude-resource-type",
            "test",
            "--exclude-resource-type",
            "unit_test",
            "--target-path",
            str(keep / "target"),
            "--log-path",
            str(keep / "logs"),
        ],
        cwd=REPO,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return server, env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL: a private server, the lake loaded, dbt build")
    parser.add_argument(
        "--postgres-env", action="store_true", help="also on PostgreSQL: the PG* variables' server, marts built there"
    )
    parser.add_argument("--no-duckdb", action="store_true")
    parser.add_argument("--lake", type=Path, default=REPO / "data/lake")
    args = parser.parse_args()
    marts = Path(os.environ.get("RETAIL_SAAS_DUCKDB_PATH", REPO / "target/retail_saas.duckdb"))
    rows = []
    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    if not args.no_duckdb:
        if not marts.exists():
            raise SystemExit(f"error: no marts at {marts}: run scripts/main.sh first")
        env = dict(
            os.environ, RETAIL_SAAS_DUCKDB_PATH=str(marts), RETAIL_SAAS_ACCESS_DB=str(REPO / "target/superset-bench-access.duckdb")
        )
        rows += run_target("duckdb", env, args.rounds)
    if args.postgres:
        keep = Path(tempfile.mkdtemp(prefix="retail_saas_bi_bench_"))
        server, env = postgres_env(args.lake, keep)
        try:
            rows += run_target("postgres", env, args.rounds)
        finally:
            server.stop()
    if args.postgres_env:
        rows += run_target("postgres", dict(os.environ), args.rounds)
    load_after = os.getloadavg()
    print(
        f"started {started}; load average (1, 5, 15 min) before "
        f"{', '.join(f'{x:.1f}' for x in load_before)}, after "
        f"{', '.join(f'{x:.1f}' for x in load_after)}, on {os.cpu_count()} cores"
    )
    print("| target | login | dashboard | queries | p50 s | p95 s | max s | p95 < 1 s | database p95 s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for target, login, title, n, p50, p95_, top, db95 in rows:
        print(
            f"| {target} | {login} | {title} | {n} | {p50:.3f} | {p95_:.3f} | {top:.3f} | "
            f"{'met' if p95_ < TARGET_P95 else 'MISSED'} | {db95:.3f} |"
        )
    return 0 if all(r[5] < TARGET_P95 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
