"""Apache Superset on the marts (scripts/bi.sh, bi/): a 0.01 lake built with
dbt in a temp dir, entitlements granted through retail_saas.access, the
dashboards loaded by `bash scripts/bi.sh load`, Superset served by gunicorn
on a free loopback port. Then, as one login of each level:

- through the API, every chart's data equals what the platform admin gets
  for the same query restricted by the test's own spelling of the scope,
  and key figures equal hand-written SQL over the marts;
- leak probes: the scope columns each login can see, counted against an
  independent DuckDB count of the rows of other scopes (must be 0 seen);
- custom SQL, SQL Lab and dataset edits are refused to tenant roles;
- self-service: a retailer saves a chart of its own and exports it as CSV,
  scoped like everything else; a login with no active entitlement sees
  nothing;
- in headless Chromium (Debian's chromium), every dashboard of a retailer
  and of a brand renders every chart with no error tile; screenshots in
  artifacts/bi/.

Under CI=true anything that cannot be installed or started fails."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import requests
import yaml
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from conftest import REPO, dbt_env, generate_lake, run_dbt
from retail_saas.bi.server import gunicorn_argv

pytestmark = pytest.mark.slow
VENV_BI = REPO / ".venv-bi"
ARTIFACTS = REPO / "artifacts" / "bi"
CI = os.environ.get("CI", "").lower() == "true"

# Which datasets each level reads and by which columns: the test's own
# reading of docs (README "Access"), not the code under test.
TENANT_DATASETS = {
    "inbox_daily",
    "binding_daily",
    "notification_daily",
    "ai_daily",
    "template_usage",
    "catalog_daily",
    "crm_daily",
    "automation_daily",
    "kpi_anomalies",
    "contact_segment_counts",
}
RETAILER_ONLY = {"contact_grades", "brand_daily", "brand_top_retailers", "contact_churn_risk"}
BRAND_DATASETS = {"brand_daily", "brand_top_retailers", "brand_top_assets"}


def fail_or_skip(message: str):
    if CI:
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chromium() -> str:
    if shutil.which("chromium"):
        return shutil.which("chromium")
    if os.geteuid() == 0:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run("apt-get update -qq && apt-get install -y -qq chromium", shell=True, env=env, capture_output=True, text=True)
    return shutil.which("chromium") or fail_or_skip("chromium cannot be installed")


@contextlib.contextmanager
def environ(**values: str):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def pick_scopes(marts: Path) -> dict:
    """A retailer with brand activity, its busiest team and agent, a brand."""
    con = duckdb.connect(str(marts), read_only=True)
    tenant, team, user = con.sql(
        "select d.tenant_id, d.team_id, d.user_id from marts.daily_stats d "
        "where d.team_id is not null and d.tenant_id in "
        "(select tenant_id from marts.brand_daily where tenant_id is not null) "
        "group by 1, 2, 3 order by count(*) desc, 1, 2, 3 limit 1"
    ).fetchone()
    (brand,) = con.sql("select brand_id from marts.brand_daily group by 1 order by count(*) desc, 1 limit 1").fetchone()
    (other,) = con.sql(f"select min(tenant_id) from marts.dim_tenants where tenant_id <> '{tenant}'").fetchone()
    con.close()
    return {"tenant": tenant, "team": team, "user": user, "brand": brand, "other": other}


def grant_all(ids: dict) -> None:
    from retail_saas.access import grant, open_store

    conn = open_store("duckdb")
    past = datetime.now(UTC) - timedelta(days=2)
    grant(conn, "t_admin", "platform_admin")
    grant(conn, "t_retailer", "retailer", tenant_id=ids["tenant"])
    grant(conn, "t_brand", "brand", brand_id=ids["brand"])
    grant(conn, "t_lead", "team_lead", tenant_id=ids["tenant"], team_id=ids["team"])
    grant(conn, "t_agent", "agent", tenant_id=ids["tenant"], user_id=ids["user"])
    # an entitlement that ended: the login exists and must see nothing
    grant(conn, "t_expired", "retailer", tenant_id=ids["other"], valid_from=past - timedelta(days=30), valid_to=past)
    conn.close()


def scope_filters(login: str, ids: dict, dataset: str) -> list[dict] | None:
    """The rows `login` may read of a dataset as simple filters; None: none."""
    t = {"col": "tenant_id", "op": "==", "val": ids["tenant"]}
    if login == "t_admin":
        return []
    if login == "t_brand":
        return [{"col": "brand_id", "op": "==", "val": ids["brand"]}] if dataset in BRAND_DATASETS else None
    if login == "t_retailer":
        return [t] if dataset in TENANT_DATASETS | RETAILER_ONLY | {"agent_daily"} else None
    if login == "t_lead":
        if dataset == "agent_daily":
            return [t, {"col": "team_id", "op": "==", "val": ids["team"]}]
        return [t] if dataset in TENANT_DATASETS else None
    if login == "t_agent":
        if dataset == "agent_daily":
            return [t, {"col": "user_id", "op": "==", "val": ids["user"]}]
        return [t] if dataset in TENANT_DATASETS else None
    return None


class Api:
    def __init__(self, base: str, login: str, password: str):
        self.base, self.s = base, requests.Session()
        # a keep-alive socket the server closes just as a request reuses it
        # is reset: retry on a fresh connection (no HTTP status is retried)
        retry = Retry(total=3, connect=3, read=2, status=0, allowed_methods=None, backoff_factor=0.5)
        self.s.mount("http://", HTTPAdapter(max_retries=retry))
        r = self.s.post(
            f"{base}/api/v1/security/login", json={"username": login, "password": password, "provider": "db", "refresh": False}
        )
        assert r.status_code == 200, (login, r.text[:300])
        self.s.headers["Authorization"] = "Bearer " + r.json()["access_token"]
        token = self.s.get(f"{base}/api/v1/security/csrf_token/").json()["result"]
        self.s.headers.update({"X-CSRFToken": token, "Referer": base})

    def get(self, path: str, **kw):
        return self.s.get(self.base + path, timeout=120, **kw)

    def post(self, path: str, body: dict):
        return self.s.post(self.base + path, json=body, timeout=120)

    def listing(self, what: str) -> list[dict]:
        q = json.dumps({"page_size": 100})
        r = self.get(f"/api/v1/{what}/", params={"q": q})
        assert r.status_code == 200, r.text[:300]
        return r.json()["result"]


@pytest.fixture(scope="module")
def bi(tmp_path_factory):
    if not (REPO / "requirements-bi.lock").exists():
        pytest.fail("requirements-bi.lock is missing")
    chromium()
    work = tmp_path_factory.mktemp("bi")
    lake = generate_lake(work / "lake", scale=0.01, seed=7)
    env = dbt_env(work, RETAIL_SAAS_LAKE=str(lake))
    run_dbt(["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"], work, env)
    marts = work / "dbt.duckdb"
    ids = pick_scopes(marts)
    env.update(
        RETAIL_SAAS_ACCESS_DB=str(work / "access.duckdb"),
        RETAIL_SAAS_BI_HOME=str(work / "superset"),
        RETAIL_SAAS_BI_DEMO="0",
        RETAIL_SAAS_PROJECT_DIR=str(REPO),
        RETAIL_SAAS_BI_PORT=str(free_port()),
    )
    with environ(**{k: env[k] for k in ("RETAIL_SAAS_ACCESS_DB", "RETAIL_SAAS_DUCKDB_PATH", "RETAIL_SAAS_PROJECT_DIR")}):
        grant_all(ids)
    start = time.monotonic()
    proc = subprocess.run(["bash", "scripts/bi.sh", "load"], cwd=REPO, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        fail_or_skip(f"scripts/bi.sh load failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    load_seconds = time.monotonic() - start
    passwords = json.loads((work / "superset" / "logins.json").read_text())
    base = f"http://127.0.0.1:{env['RETAIL_SAAS_BI_PORT']}"
    env.update(SUPERSET_CONFIG_PATH=str(REPO / "bi" / "superset_config.py"))
    log = open(work / "gunicorn.log", "w")
    server = subprocess.Popen(
        gunicorn_argv(VENV_BI, base.removeprefix("http://")),
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(base + "/health", timeout=5).status_code == 200:
                    break
            if server.poll() is not None:
                break
            time.sleep(2)
        else:
            server.poll()
        if server.returncode is not None or requests.get(base + "/health").status_code != 200:
            fail_or_skip(f"Superset did not start:\n{(work / 'gunicorn.log').read_text()[-3000:]}")
        print(f"bi.sh load: {load_seconds:.0f} s; server up after {time.monotonic() - start - load_seconds:.0f} s")
        yield {
            "base": base,
            "passwords": passwords,
            "ids": ids,
            "marts": marts,
            "work": work,
            "env": env,
            "load_output": proc.stdout,
        }
    finally:
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=30)
        if server.poll() is None:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def admin(bi) -> Api:
    return Api(bi["base"], "t_admin", bi["passwords"]["t_admin"])


@pytest.fixture(scope="module")
def charts(admin) -> list[dict]:
    """Every chart with its dataset name and saved query context."""
    out = []
    for c in admin.listing("chart"):
        detail = admin.get(f"/api/v1/chart/{c['id']}").json()["result"]
        qc = json.loads(detail["query_context"])
        ds = admin.get(f"/api/v1/dataset/{qc['datasource']['id']}").json()["result"]
        out.append({"id": c["id"], "name": c["slice_name"], "qc": qc, "dataset": ds["table_name"]})
    return out


def rows_of(response) -> list[dict]:
    assert response.status_code == 200, response.text[:500]
    return response.json()["result"][0]["data"]


def normal(rows: list[dict]) -> list[tuple]:
    def cell(v):
        return round(v, 6) if isinstance(v, float) else v

    return sorted((tuple((k, cell(v)) for k, v in sorted(r.items())) for r in rows), key=repr)


LOGINS = ["t_retailer", "t_brand", "t_lead", "t_agent"]


def test_loader_says_what_it_loaded(bi):
    out = bi["load_output"]
    assert "21 datasets" in out and "11 dashboards" in out, out[-2000:]
    for login in ["t_admin", *LOGINS, "t_expired"]:
        assert login in bi["passwords"], login
    assert "t_expired" in out and "sees nothing" in out


def test_exposures_point_at_their_dashboards():
    """One exposure per dashboard of bi/, its url the dashboard's and its
    depends_on the marts its datasets' SQL reads (worked out here from the
    SQL text, not by the loader)."""
    import re

    exposures = {e["name"]: e for e in yaml.safe_load((REPO / "models" / "exposures.yml").read_text())["exposures"]}
    datasets = yaml.safe_load((REPO / "bi" / "datasets.yml").read_text())["datasets"]
    boards = [yaml.safe_load(p.read_text()) for p in (REPO / "bi" / "dashboards").glob("*.yml")]
    assert len(boards) == 11
    for board in boards:
        e = exposures[board["exposure"]]
        assert e["type"] == "dashboard"
        assert e["url"] == f"http://127.0.0.1:8088/superset/dashboard/{board['slug']}/"
        marts = {m for c in board["charts"] for m in re.findall(r"\{marts\}\.(\w+)", datasets[c["dataset"]]["sql"])}
        assert {r[5:-2] for r in e["depends_on"]} == marts, board["slug"]
    dashboards = [e for e in exposures.values() if e["type"] == "dashboard"]
    assert len(dashboards) == len(boards)


def test_no_chart_reaches_its_row_limit(admin, charts):
    """Superset puts a warning icon on a chart whose rows reach its row
    limit ("The row limit set for the chart was reached. The chart may show
    partial data."). As the admin (every row), none may: a top-N table
    limits its groups by its first metric (series limit), not its rows,
    and shows at most N of them, largest first."""

    def limited(chart: dict) -> bool:
        """The chart's rows are under its row limit; True if a top-N
        table shows exactly N groups."""
        form = chart["qc"]["form_data"]
        result = admin.get(f"/api/v1/chart/{chart['id']}/data/").json()["result"][0]
        assert result["rowcount"] < form["row_limit"], (chart["name"], result["rowcount"])
        if form["viz_type"] != "table" or not form.get("series_limit"):
            return False
        values = [row[form["series_limit_metric"]] for row in result["data"]]
        assert len(values) <= form["series_limit"], (chart["name"], len(values))
        assert values == sorted(values, reverse=True), chart["name"]
        return len(values) == form["series_limit"]

    with ThreadPoolExecutor(max_workers=3) as pool:  # the server has 8 threads
        full = sum(pool.map(limited, charts))
    assert full >= 3  # e.g. top templates: more groups than shown


ADMIN_ROWS: dict[str, list] = {}


def admin_rows(admin: Api, chart: dict, scope: list[dict]) -> list[dict]:
    """The platform admin's rows of a chart with `scope` added as filters
    (cached: the retailer, team lead and agent share tenant scopes)."""
    key = json.dumps([chart["id"], scope])
    if key not in ADMIN_ROWS:
        qc = json.loads(json.dumps(chart["qc"]))
        for q in qc["queries"]:
            q["filters"] = q["filters"] + scope
        ADMIN_ROWS[key] = rows_of(admin.post("/api/v1/chart/data", qc))
    return ADMIN_ROWS[key]


def assert_same_rows(chart: dict, mine: list[dict], theirs: list[dict], login: str) -> None:
    """Equal rows; for a chart limited to its top N groups (series limit),
    groups tied at the cut may be picked differently by two equivalent
    queries: then the groups' totals are equal and so are the rows of
    every group both kept."""
    query = chart["qc"]["queries"][0]
    if not query.get("series_limit"):
        assert normal(mine) == normal(theirs), (login, chart["name"])
        return
    cols, metric = query["series_columns"], query["series_limit_metric"]

    def groups(rows: list[dict]) -> dict[tuple, list[dict]]:
        out: dict[tuple, list[dict]] = {}
        for row in rows:
            out.setdefault(tuple(row[c] for c in cols), []).append(row)
        return out

    def totals(grouped: dict) -> list[float]:
        return sorted(round(sum(r[metric] or 0 for r in rows), 6) for rows in grouped.values())

    a, b = groups(mine), groups(theirs)
    assert totals(a) == totals(b), (login, chart["name"])
    for key in a.keys() & b.keys():
        assert normal(a[key]) == normal(b[key]), (login, chart["name"], key)


@pytest.mark.parametrize("login", LOGINS)
def test_every_chart_shows_exactly_the_logins_rows(bi, admin, charts, login):
    """As `login`, every chart: data equals the admin's same query with the
    scope added as plain filters; charts of unreadable datasets are refused."""
    api = Api(bi["base"], login, bi["passwords"][login])

    def check(chart: dict) -> str:
        scope = scope_filters(login, bi["ids"], chart["dataset"])
        mine = api.get(f"/api/v1/chart/{chart['id']}/data/")
        if scope is None:
            assert mine.status_code in (403, 404), (login, chart["name"], mine.status_code)
            return "refused"
        assert_same_rows(chart, rows_of(mine), admin_rows(admin, chart, scope), login)
        return "checked"

    with ThreadPoolExecutor(max_workers=3) as pool:  # the server has 8 threads
        outcomes = list(pool.map(check, charts))
    assert outcomes.count("checked") >= 10 and len(outcomes) == len(charts)
    if login == "t_lead":
        # contact_grades (CRM) is tenant detail, not for a team lead: no CRM
        # dashboard, while the retailer's overview is listed
        slugs = {d["slug"] for d in api.listing("dashboard")}
        assert "crm-automations" not in slugs and "retailer-overview" in slugs, slugs


def test_no_row_of_another_scope_is_visible(bi, admin, charts):
    """Leak probe per login and dataset: the scope columns it can see, and
    an independent count of other scopes' rows in the mart."""
    datasets = {c["dataset"]: c["qc"]["datasource"]["id"] for c in charts}
    spec = yaml.safe_load((REPO / "bi" / "datasets.yml").read_text())["datasets"]
    con = duckdb.connect(str(bi["marts"]), read_only=True)
    leaks, probes, others = 0, 0, 0
    for login in LOGINS + ["t_expired"]:
        api = Api(bi["base"], login, bi["passwords"][login])
        for name, ds_id in datasets.items():
            scope = scope_filters(login, bi["ids"], name)
            cols = [
                c
                for c in ("tenant_id", "brand_id", "team_id", "user_id")
                if con.sql(
                    f"select count(*) from information_schema.columns where "
                    f"table_schema = 'marts' and table_name = "
                    f"'{spec[name]['mart']}' and column_name = '{c}'"
                ).fetchone()[0]
            ]
            if not cols:
                continue
            body = {
                "datasource": {"id": ds_id, "type": "table"},
                "queries": [
                    {
                        "columns": cols,
                        "metrics": [
                            {"expressionType": "SIMPLE", "aggregate": "COUNT", "column": {"column_name": cols[0]}, "label": "n"}
                        ],
                        "filters": [],
                        "row_limit": 100000,
                        "orderby": [],
                    }
                ],
                "result_format": "json",
                "result_type": "full",
            }
            r = api.post("/api/v1/chart/data", body)
            if scope is None:
                assert r.status_code in (403, 404), (login, name, r.status_code)
                continue
            probes += 1
            for row in rows_of(r):
                inside = all(row.get(f["col"]) == f["val"] for f in scope)
                leaks += 0 if inside else row["n"]
            where = " and ".join(f"{f['col']} = '{f['val']}'" for f in scope) or "false"
            others += con.sql(f"select count(*) from marts.{spec[name]['mart']} where not coalesce({where}, false)").fetchone()[0]
    con.close()
    assert probes >= 20
    assert others > 1000  # the probes could have seen other scopes' rows
    assert leaks == 0


def test_tenant_roles_get_no_custom_sql_nor_sql_lab(bi, charts):
    api = Api(bi["base"], "t_retailer", bi["passwords"]["t_retailer"])
    chart = next(c for c in charts if c["dataset"] == "inbox_daily")
    attacks = []
    sql_metric = json.loads(json.dumps(chart["qc"]))
    sql_metric["queries"][0]["metrics"] = [{"expressionType": "SQL", "label": "x", "sqlExpression": "count(*) + 0"}]
    attacks.append(sql_metric)
    where = json.loads(json.dumps(chart["qc"]))
    where["queries"][0]["extras"]["where"] = "1 = 1 or tenant_id is not null"
    attacks.append(where)
    sql_filter = json.loads(json.dumps(chart["qc"]))
    sql_filter["queries"][0]["filters"] = []
    sql_filter["form_data"]["adhoc_filters"] = [{"expressionType": "SQL", "clause": "WHERE", "sqlExpression": "true or true"}]
    attacks.append(sql_filter)
    for body in attacks:
        r = api.post("/api/v1/chart/data", body)
        assert r.status_code == 403 and "custom SQL" in r.text, r.text[:300]
    r = api.post("/api/v1/sqllab/execute/", {"database_id": 1, "sql": "select 1", "runAsync": False, "schema": "marts"})
    assert r.status_code in (401, 403), r.text[:300]
    ds_id = chart["qc"]["datasource"]["id"]
    r = api.s.put(f"{bi['base']}/api/v1/dataset/{ds_id}", json={"sql": "select 1"})
    assert r.status_code in (401, 403), r.text[:300]


def test_figures_equal_the_marts(bi, charts):
    """Whole-period KPIs of the retailer, by hand over the marts."""
    ids, api = bi["ids"], Api(bi["base"], "t_retailer", bi["passwords"]["t_retailer"])
    con = duckdb.connect(str(bi["marts"]), read_only=True)
    t = ids["tenant"]
    expected = {
        "inbox_inbound": f"select sum(inbound) from marts.inbox_daily where tenant_id = '{t}'",
        "inbox_sla_compliance_rate": f"select sum(sla_met) * 1.0 / sum(sla_due) from marts.inbox_daily where tenant_id = '{t}'",
        "inbox_avg_response_seconds": "select sum(response_seconds_sum) / sum(first_replies) "
        f"from marts.inbox_daily where tenant_id = '{t}'",
        "inbox_avg_response_minutes": "select sum(response_seconds_sum) / sum(first_replies) / 60 "
        f"from marts.inbox_daily where tenant_id = '{t}'",
        "ai_usage_rate": f"select sum(applied) * 1.0 / sum(generations) from marts.ai_daily where tenant_id = '{t}'",
    }
    by_dataset = {"inbox": "inbox_daily", "ai_usa": "ai_daily"}
    for metric, sql in expected.items():
        dataset = by_dataset["ai_usa" if metric.startswith("ai") else "inbox"]
        ds_id = next(c["qc"]["datasource"]["id"] for c in charts if c["dataset"] == dataset)
        body = {
            "datasource": {"id": ds_id, "type": "table"},
            "queries": [{"columns": [], "metrics": [metric], "filters": [], "orderby": []}],
            "result_format": "json",
            "result_type": "full",
        }
        (row,) = rows_of(api.post("/api/v1/chart/data", body))
        (want,) = con.sql(sql).fetchone()
        assert row[metric] == pytest.approx(float(want), rel=1e-9), metric
    # the top retailers of the brand, by name, as the brand sees them
    brand = Api(bi["base"], "t_brand", bi["passwords"]["t_brand"])
    chart = next(c for c in charts if c["name"] == "Brand overview: Top retailers")
    got = rows_of(brand.get(f"/api/v1/chart/{chart['id']}/data/"))
    every = dict(
        con.sql(
            "select t.tenant_name, sum(r.activity) from marts.brand_top_retailers r "
            "join marts.dim_tenants t using (tenant_id) "
            f"where r.brand_id = '{ids['brand']}' group by 1"
        ).fetchall()
    )
    top = sorted(every.values(), reverse=True)[:10]
    # the ten largest figures (ties at the cut may bring either name), by name
    assert sorted((r["retailer_activity"] for r in got), reverse=True) == top
    assert all(every[r["retailer_name"]] == r["retailer_activity"] for r in got)
    con.close()


def column(header: list[str], metric: str) -> int:
    """A metric's column in a CSV export: its name or its label."""
    names = {metric, metric.replace("_", " ").capitalize()}
    return next(i for i, h in enumerate(header) if h in names)


def test_a_retailer_saves_its_own_chart_and_exports_csv(bi, admin, charts):
    ids = bi["ids"]
    api = Api(bi["base"], "t_retailer", bi["passwords"]["t_retailer"])
    ds_id = next(c["qc"]["datasource"]["id"] for c in charts if c["dataset"] == "inbox_daily")
    assert api.get(f"/api/v1/dataset/{ds_id}").status_code == 200
    assert api.get(f"/explore/?datasource_type=table&datasource_id={ds_id}").status_code == 200
    form = {
        "datasource": f"{ds_id}__table",
        "viz_type": "table",
        "query_mode": "aggregate",
        "groupby": ["channel_name"],
        "metrics": ["inbox_sla_compliance_rate", "inbox_inbound"],
        "adhoc_filters": [],
        "row_limit": 100,
    }
    qc = {
        "datasource": {"id": ds_id, "type": "table"},
        "form_data": form,
        "queries": [
            {
                "columns": ["channel_name"],
                "metrics": form["metrics"],
                "filters": [],
                "orderby": [["inbox_inbound", False]],
                "row_limit": 100,
            }
        ],
        "result_format": "json",
        "result_type": "full",
    }
    r = api.post(
        "/api/v1/chart/",
        {
            "slice_name": "My SLA by channel",
            "viz_type": "table",
            "datasource_id": ds_id,
            "datasource_type": "table",
            "params": json.dumps(form),
            "query_context": json.dumps(qc),
        },
    )
    assert r.status_code == 201, r.text[:500]
    chart_id = r.json()["id"]
    export = api.get(f"/api/v1/chart/{chart_id}/data/", params={"format": "csv"})
    assert export.status_code == 200, export.text[:300]
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    inbound = column(rows[0], "inbox_inbound")
    got = {row[0]: int(float(row[inbound])) for row in rows[1:]}
    con = duckdb.connect(str(bi["marts"]), read_only=True)
    want = dict(
        con.sql(
            "select c.display_name, sum(m.inbound) from marts.inbox_daily m join "
            "seeds.message_channels c using (channel) "
            f"where m.tenant_id = '{ids['tenant']}' group by 1"
        ).fetchall()
    )
    con.close()
    assert got == want
    # a CSV of a dashboard chart holds the retailer's rows only
    chart = next(c for c in charts if c["name"] == "Inbox and SLA: Inbound vs outbound")
    mine = api.get(f"/api/v1/chart/{chart['id']}/data/", params={"format": "csv"})
    everyone = admin.get(f"/api/v1/chart/{chart['id']}/data/", params={"format": "csv"})
    assert mine.status_code == everyone.status_code == 200

    def total(resp):
        rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
        inbound = column(rows[0], "inbox_inbound")
        return sum(float(row[inbound]) for row in rows[1:])

    con = duckdb.connect(str(bi["marts"]), read_only=True)
    (tenant_total,) = con.sql(f"select sum(inbound) from marts.inbox_daily where tenant_id = '{ids['tenant']}'").fetchone()
    con.close()
    assert total(mine) == tenant_total < total(everyone)


def test_expired_entitlement_sees_nothing(bi, charts):
    api = Api(bi["base"], "t_expired", bi["passwords"]["t_expired"])
    assert api.listing("dashboard") == []
    assert api.listing("chart") == []
    for chart in charts[:10]:
        assert api.get(f"/api/v1/chart/{chart['id']}/data/").status_code in (403, 404)


def browse(bi, login: str, slugs: list[str]) -> dict:
    proc = subprocess.run(
        [
            str(VENV_BI / "bin" / "python"),
            str(REPO / "pytests" / "bi_browser.py"),
            bi["base"],
            login,
            bi["passwords"][login],
            str(ARTIFACTS / login),
            *slugs,
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("login", ["t_retailer", "t_brand"])
def test_dashboards_render_in_chromium(bi, login):
    api = Api(bi["base"], login, bi["passwords"][login])
    slugs = sorted(d["slug"] for d in api.listing("dashboard"))
    # listed only where every dataset of the dashboard is readable
    if login == "t_brand":
        assert slugs == ["brand-center", "brand-overview"]
    else:
        assert slugs == [
            "ai-assist",
            "catalog",
            "channel-bindings",
            "crm-automations",
            "inbox-sla",
            "notifications",
            "retailer-overview",
            "templates",
        ]
    report = browse(bi, login, slugs)
    for slug, page in report.items():
        assert page["errors"] == [], (slug, page["errors"])
        assert page["warnings"] == [], (slug, page["warnings"])
        assert page["charts"] >= 5 and page["rendered"] == page["charts"], (slug, page)
        assert Path(page["screenshot"]).stat().st_size > 20000, slug
    print({slug: page["seconds"] for slug, page in report.items()})
