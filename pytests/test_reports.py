"""Reports (issue 16): one PDF and one CSV archive per scope and period, read
as the scope on DuckDB (the access policy's predicate on every mart) and
PostgreSQL (a login bound to the scope, row-level security in force).

Rendered pages go to PNG with poppler's pdftoppm (kept under
artifacts/reports/), and the PDF's text (pdftotext) is checked: page 1's
headline figures equal the marts (this file's own SQL, run as a superuser
with its own `where`), names appear and ids do not, no other scope's name
appears, the period's anomalies are mentioned. Every bug of the issue is
its own test, on DuckDB and on PostgreSQL."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from test_insights import insights_build

from conftest import BIN, REPO, dbt_env, generate_lake, run_dbt
from pg_server import IN_CI

ARTIFACTS = REPO / "artifacts" / "reports"

# -- tools ---------------------------------------------------------------------------------------------------


def _poppler() -> tuple[str, str]:
    """pdftoppm and pdftotext (Debian poppler-utils), installed with apt-get when missing."""
    if shutil.which("pdftoppm") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        for cmd in (
            ["apt-get", "install", "-y", "-qq", "poppler-utils"],
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "poppler-utils"],
        ):
            subprocess.run(cmd, capture_output=True, check=False)
            if shutil.which("pdftoppm"):
                break
    tools = shutil.which("pdftoppm"), shutil.which("pdftotext")
    if None in tools:
        if IN_CI:
            pytest.fail("pdftoppm/pdftotext (Debian poppler-utils) missing and could not be installed")
        pytest.skip("poppler-utils is not installed")
    return tools  # type: ignore[return-value]


def _weasyprint_ready() -> None:
    """WeasyPrint needs Debian's pango; install it when missing (a failure under CI=true)."""
    probe = [sys.executable, "-c", "import weasyprint"]
    if subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        pkgs = ["libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core"]
        for cmd in (
            ["apt-get", "install", "-y", "-qq", *pkgs],
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", *pkgs],
        ):
            subprocess.run(cmd, capture_output=True, check=False)
            if subprocess.run(probe, capture_output=True, check=False).returncode == 0:
                return
    res = subprocess.run(probe, capture_output=True, text=True, check=False)
    if IN_CI:
        pytest.fail(f"WeasyPrint cannot load pango: {res.stderr[-500:]}")
    pytest.skip("WeasyPrint's pango libraries are not installed")


# -- warehouses ----------------------------------------------------------------------------------------------


class Warehouse:
    """A built warehouse: how the CLI reaches it, a superuser query, ids to report on."""

    def __init__(self, name: str, env: dict, query):
        self.name, self.env, self._query = name, env, query
        self.ids: dict = {}

    def q(self, sql: str, params=()) -> list[tuple]:
        return self._query(sql, list(params))

    def one(self, sql: str, params=()):
        return self.q(sql, params)[0][0]


def _duck(db: Path):
    def query(sql, params):
        con = duckdb.connect(str(db), read_only=True)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    return query


def _pg(env: dict):
    from retail_saas.postgres.connection import connect

    def query(sql, params):
        conn = connect(env)
        try:
            with conn.cursor() as cur:
                cur.execute(sql.replace("?", "%s"), params)
                return cur.fetchall()
        finally:
            conn.close()

    return query


def _pick_ids(wh: Warehouse, anomaly_tenant: str | None = None) -> dict:
    last = wh.one("select max(activity_date) from marts.inbox_daily")
    if anomaly_tenant is None:
        anomaly_tenant = wh.one("select tenant_id from marts.inbox_daily group by 1 order by sum(inbound) desc, 1 limit 1")
    row = wh.q(
        "select activity_date from marts.kpi_anomalies where tenant_id = ? and is_anomaly "
        "and activity_date <= ? order by is_adverse desc, abs(anomaly_score) desc limit 1",
        [anomaly_tenant, last - dt.timedelta(days=1)],
    )
    day = row[0][0] if row else last - dt.timedelta(days=10)
    team = wh.one(
        "select team_id from marts.daily_stats where tenant_id = ? and team_id is not null "
        "group by 1 order by sum(messages_sent) desc, 1 limit 1",
        [anomaly_tenant],
    )
    brand = wh.one("select brand_id from marts.brand_daily group by 1 order by sum(asset_views) desc, 1 limit 1")
    return {"tenant": anomaly_tenant, "team": team, "brand": brand, "day": day, "last": last}


@pytest.fixture(scope="module")
def duck(tmp_path_factory) -> Warehouse:
    built = insights_build(tmp_path_factory)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "RETAIL_SAAS_"))}
    env.update(RETAIL_SAAS_TARGET="duckdb", RETAIL_SAAS_REPORT_DB=str(built["db"]))
    wh = Warehouse("duckdb", env, _duck(built["db"]))
    notif = [i for i in built["manifest"]["incidents"] if i.get("kind", "").startswith("notification")]
    tenant = notif[0]["tenant"] if notif and "tenant" in notif[0] else None
    wh.ids = _pick_ids(wh, tenant)
    return wh


@pytest.fixture(scope="module")
def pg(pg_env, tmp_path_factory) -> Warehouse:  # noqa: F811
    """A 0.01 lake loaded and built (models and seeds, access hook) in a database of its own."""
    from retail_saas.postgres.connection import connect

    work = tmp_path_factory.mktemp("reports_pg")
    db = f"retail_saas_reports_{os.getpid()}"
    admin = connect(pg_env)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"drop database if exists {db}")
        cur.execute(f"create database {db}")
    admin.close()
    su = dict(pg_env, PGDATABASE=db)
    lake = generate_lake(work / "lake", scale=0.01, seed=7)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "RETAIL_SAAS_", "DBT_"))}
    env.update(su)
    res = subprocess.run(
        [str(BIN / "retail-saas"), "load-postgres", "--lake", str(lake)], env=env, capture_output=True, text=True, check=False
    )
    assert res.returncode == 0, res.stderr[-3000:]
    denv = dbt_env(work, **env, RETAIL_SAAS_TARGET="postgres", RETAIL_SAAS_LAKE=str(lake))
    run_dbt(["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"], work, env=denv)
    wh = Warehouse("postgres", dict(env, RETAIL_SAAS_TARGET="postgres"), _pg(su))
    wh.ids = _pick_ids(wh)
    try:
        yield wh
    finally:
        admin = connect(pg_env)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f"drop database if exists {db} with (force)")
            cur.execute("select rolname from pg_roles where rolname like 'rs_report_%'")
            for (role,) in cur.fetchall():
                cur.execute(f'drop role if exists "{role}"')
        admin.close()


@pytest.fixture(params=["duckdb", "postgres"])
def wh(request) -> Warehouse:
    return request.getfixturevalue("duck" if request.param == "duckdb" else "pg")


# -- running the CLI ----------------------------------------------------------------------------------------


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def cli(wh: Warehouse, *args: str, env: dict | None = None) -> Run:
    """`retail-saas <args>` in this process (no interpreter start per case), with the warehouse's
    PG*/RETAIL_SAAS_* environment. An exception escaping main() fails the test as a traceback would."""
    from retail_saas.cli import main

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        for k in list(os.environ):
            if k.startswith(("PG", "RETAIL_SAAS_")):
                mp.delenv(k)
        for k, v in (env or wh.env).items():
            if k.startswith(("PG", "RETAIL_SAAS_")):
                mp.setenv(k, v)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(list(args))
            except SystemExit as exc:  # argparse
                rc = exc.code
    return Run(int(rc or 0), out.getvalue(), err.getvalue())


def report(wh: Warehouse, out: Path, scope: str, period: str, day: dt.date, fmt: str = "csv,pdf", check: bool = True) -> Run:
    proc = cli(wh, "report", "--scope", scope, "--period", period, "--date", day.isoformat(), "--out", str(out), "--format", fmt)
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


_RENDERED: dict[tuple, Path] = {}
_TEXT: dict[Path, list[str]] = {}


@pytest.fixture(scope="module")
def render_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("reports_rendered")


def rendered(wh: Warehouse, root: Path, scope: str, period: str, day: dt.date) -> Path:
    """The report's folder; each (warehouse, scope, period, day) is rendered once per session."""
    key = (wh.name, scope, period, day)
    if key not in _RENDERED:
        out = root / f"{wh.name}_{len(_RENDERED)}"
        report(wh, out, scope, period, day)
        _RENDERED[key] = out
    return _RENDERED[key]


def one_line_error(proc: Run, *needles: str) -> str:
    assert proc.returncode != 0, proc.stdout
    err = proc.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    for n in needles:
        assert n in err, (n, err)
    return err


def pages(pdf: Path, name: str) -> list[str]:
    """PNG pages kept as artefacts (artifacts/reports/<name>/); returns the text of each page."""
    if pdf in _TEXT:
        return _TEXT[pdf]
    ppm, txt = _poppler()
    art = ARTIFACTS / (name + os.environ.get("PYTEST_XDIST_WORKER", "").replace("gw", "_gw"))
    shutil.rmtree(art, ignore_errors=True)
    art.mkdir(parents=True)
    subprocess.run([ppm, "-r", "60", "-png", str(pdf), str(art / "page")], check=True)
    assert sorted(art.glob("page-*.png")), "no pages rendered"
    # -raw: the content stream's order, which is the template's (each card's label, then its value)
    text = subprocess.run([txt, "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    _TEXT[pdf] = text.split("\f")
    return _TEXT[pdf]


# -- expected figures: this file's own SQL ------------------------------------------------------------------


def _count(v):
    return f"{round(v):,}"


def _rate(v):
    return f"{v * 100:.1f}%"


def _minutes(v):
    return f"{v / 60 / 60:.1f} h" if v / 60 >= 120 else f"{v / 60:.1f} min"


def _sum(mart, date, num, den=None, col=None):
    return (mart, date, num, den, col)


EXPECTED = {  # label on page 1 -> (mart, date column, numerator, denominator, scope column), formatter
    "tenant": {
        "Messages received": (_sum("inbox_daily", "activity_date", "sum(inbound)", col="tenant_id"), _count),
        "Messages sent": (_sum("inbox_daily", "activity_date", "sum(outbound)", col="tenant_id"), _count),
        "Average first reply": (
            _sum("inbox_daily", "activity_date", "sum(response_seconds_sum)", "sum(first_replies)", "tenant_id"),
            _minutes,
        ),
        "Replies within SLA": (_sum("inbox_daily", "activity_date", "sum(sla_met)", "sum(sla_due)", "tenant_id"), _rate),
        "Notifications delivered": (_sum("notification_daily", "activity_date", "sum(delivered)", "sum(sent)", "tenant_id"), _rate),
    },
    "team": {
        "Messages sent": (_sum("daily_stats", "activity_date", "sum(messages_sent)", col="team_id"), _count),
        "First replies": (_sum("daily_stats", "activity_date", "sum(first_replies)", col="team_id"), _count),
        "Average first reply": (
            _sum("daily_stats", "activity_date", "sum(response_seconds_sum)", "sum(first_replies)", "team_id"),
            _minutes,
        ),
    },
    "brand": {
        "Asset views": (_sum("brand_daily", "activity_date_utc", "sum(asset_views)", col="brand_id"), _count),
        "Asset downloads": (_sum("brand_daily", "activity_date_utc", "sum(asset_downloads)", col="brand_id"), _count),
        "Campaign sends": (_sum("brand_daily", "activity_date_utc", "sum(campaign_sends)", col="brand_id"), _count),
    },
    "platform": {
        "Messages handled": (_sum("inbox_daily", "activity_date", "sum(inbound + outbound)"), _count),
        "Active tenants per day": (_sum("saas_daily", "activity_date_utc", "sum(active_tenants)", "count(*)"), _count),
    },
}


def expected_figures(wh: Warehouse, kind: str, scope_id: str | None, start: dt.date, end: dt.date) -> dict:
    out = {}
    for lbl, ((mart, date, num, den, col), show) in EXPECTED[kind].items():
        where = f"{date} >= ? and {date} < ?" + (f" and {col} = ?" if col else "")
        params = [start, end] + ([scope_id] if col else [])
        n, d = wh.q(f"select {num}, {den or 'null'} from marts.{mart} where {where}", params)[0]
        if n is None or (den and not d):
            continue
        out[lbl] = show(float(n) / float(d) if den else float(n))
    if kind == "platform":
        paying = wh.one(
            "select paying_tenants from marts.saas_daily where activity_date_utc = (select "
            "max(activity_date_utc) from marts.saas_daily where activity_date_utc >= ? and "
            "activity_date_utc < ?)",
            [start, end],
        )
        out["Paying tenants (end of period)"] = _count(float(paying))
    return out


def assert_figures_on_page(page: str, figures: dict) -> None:
    flat = " ".join(page.split())
    for lbl, shown in figures.items():
        i = flat.find(lbl)
        assert i >= 0, f"{lbl!r} not on page 1"
        assert shown in flat[i + len(lbl) : i + len(lbl) + 40], (lbl, shown, flat[i : i + 120])


def _bounds(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    from retail_saas.reports.periods import Period

    p = Period.containing(kind, day)
    return p.start, p.end


def other_names(wh: Warehouse, own: list[str], sql: str, params=()) -> list[str]:
    """Names of other scopes that are not part of one of `own` (names repeat across tenants)."""
    return [n for (n,) in wh.q(sql, params) if n and not any(n in o for o in own)]


# -- rendering each scope (DuckDB: the generated lake with injected incidents) -------------------------------


@pytest.fixture(scope="module")
def tools():
    _weasyprint_ready()
    return _poppler()


def test_tenant_report_page_one(duck, tools, render_root):
    ids = duck.ids
    folder = rendered(duck, render_root, f"tenant:{ids['tenant']}", "week", ids["day"])
    pdfs, zips = list(folder.glob("*.pdf")), list(folder.glob("*.zip"))
    assert len(pdfs) == 1 and len(zips) == 1 and len(list(folder.iterdir())) == 2
    text = pages(pdfs[0], "tenant_week_duckdb")
    name = duck.one("select tenant_name from marts.dim_tenants where tenant_id = ?", [ids["tenant"]])
    start, end = _bounds("week", ids["day"])
    assert name in text[0]
    assert_figures_on_page(text[0], expected_figures(duck, "tenant", ids["tenant"], start, end))
    whole = "\n".join(text)
    assert ids["tenant"] not in whole and "tpl_" not in whole and "response_seconds_sum" not in whole
    others = other_names(duck, [name], "select tenant_name from marts.dim_tenants where tenant_id <> ?", [ids["tenant"]])
    assert others and not [n for n in others if n in whole]
    # the period's anomalies are mentioned, in words, with their day
    flagged = duck.q(
        "select activity_date, kpi from marts.kpi_anomalies where tenant_id = ? and is_anomaly "
        "and activity_date >= ? and activity_date < ? order by is_adverse desc, "
        "abs(anomaly_score) desc limit 3",
        [ids["tenant"], start, end],
    )
    assert flagged, "the chosen week has no anomaly"
    words = {
        "delivery_rate": "notifications were delivered",
        "message_volume": "messages",
        "response_time": "first replies took",
        "sla_compliance": "met the SLA",
        "binding_failure_rate": "connection attempts failed",
        "ai_tokens": "AI tokens",
    }
    page1 = " ".join(text[0].split())
    for day, kpi in flagged:
        assert f"{day:%A} {day.day} {day:%B}" in page1 and words[kpi] in page1, (day, kpi)
    # figures in human units: rates as %, changes of rates in percentage points
    assert re.search(r"\d+\.\d%", page1) and " pp" in page1 and " min" in page1


def test_tenant_archive_holds_the_headline_figures(duck, tools, render_root):
    ids = duck.ids
    (archive,) = rendered(duck, render_root, f"tenant:{ids['tenant']}", "week", ids["day"]).glob("*_data.zip")
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        summary = zf.read(next(n for n in names if n.endswith("/summary.csv"))).decode().splitlines()
    assert len(summary) > 5 and any(n.endswith("/conversations.csv") for n in names)
    start, end = _bounds("week", ids["day"])
    inbound = duck.one(
        "select sum(inbound) from marts.inbox_daily where tenant_id = ? and activity_date >= ? and activity_date < ?",
        [ids["tenant"], start, end],
    )
    row = next(r for r in summary if ",messages_received," in r)
    assert float(row.split(",")[6]) == float(inbound)


@pytest.mark.parametrize("kind", ["team", "brand", "platform"])
def test_other_scopes_page_one(duck, tools, render_root, kind):
    ids = duck.ids
    scope = "platform" if kind == "platform" else f"{kind}:{ids[kind]}"
    day = ids["last"] if kind == "platform" else ids["day"]
    text = pages(next(rendered(duck, render_root, scope, "month", day).glob("*.pdf")), f"{kind}_month_duckdb")
    start, end = _bounds("month", day)
    assert_figures_on_page(text[0], expected_figures(duck, kind, ids.get(kind), start, end))
    whole = "\n".join(text)
    if kind == "team":
        name, store = duck.q(
            "select team_name, tenant_name from marts.dim_teams inner join marts.dim_tenants using (tenant_id) where team_id = ?",
            [ids["team"]],
        )[0]
        page1 = " ".join(text[0].split())
        assert name in page1 and store in page1 and ids["team"] not in whole
        others = other_names(duck, [name, store], "select tenant_name from marts.dim_tenants")
        others += other_names(
            duck,
            [name, store],
            "select team_name from marts.dim_teams where tenant_id = (select tenant_id from marts.dim_teams where team_id = ?)",
            [ids["team"]],
        )
    elif kind == "brand":
        name = duck.one("select brand_name from marts.dim_brands where brand_id = ?", [ids["brand"]])
        retailers = [
            n
            for (n,) in duck.q(
                "select distinct tenant_name from marts.brand_daily inner join marts.dim_tenants using (tenant_id) "
                "where brand_id = ? and activity_date_utc >= ? and activity_date_utc < ?",
                [ids["brand"], start, end],
            )
        ]
        assert name in text[0] and any(r in whole for r in retailers) and ids["brand"] not in whole
        others = other_names(duck, [name, *retailers], "select brand_name from marts.dim_brands")
        others += other_names(
            duck,
            [name, *retailers],
            "select tenant_name from marts.dim_tenants where "
            "tenant_id not in (select tenant_id from marts.brand_daily where brand_id = ? and "
            "tenant_id is not null)",
            [ids["brand"]],
        )
    else:
        for title in ("Module adoption", "Renewals", "Activation funnel", "Churn risk"):
            assert title in whole, title
        top = duck.one(
            "select tenant_name from marts.tenant_churn_risk inner join marts.dim_tenants "
            "using (tenant_id) where scoring_date = (select max(scoring_date) from "
            "marts.tenant_churn_risk where scoring_date <= ?) order by churn_risk_score desc, "
            "tenant_id limit 1",
            [end],
        )
        assert top in whole
        others = []
    assert not [n for n in others if n in whole]


# -- every bug of the issue, on DuckDB and PostgreSQL -------------------------------------------------------


def test_bug_brand_month_summary_is_not_empty(wh, tools, render_root):
    """brand, month: summary.csv held only a header and page 1 said "No data" while page 2 had views."""
    ids = wh.ids
    folder = rendered(wh, render_root, f"brand:{ids['brand']}", "month", ids["day"])
    with zipfile.ZipFile(next(folder.glob("*.zip"))) as zf:
        summary = zf.read(next(n for n in zf.namelist() if n.endswith("/summary.csv"))).decode().splitlines()
    assert len(summary) >= 4
    text = pages(next(folder.glob("*.pdf")), f"brand_month_{wh.name}")
    assert "No data" not in text[0]
    start, end = _bounds("month", ids["day"])
    assert_figures_on_page(text[0], expected_figures(wh, "brand", ids["brand"], start, end))


def test_bug_unknown_tenant_is_an_error(wh, tmp_path):
    proc = report(wh, tmp_path / "out", "tenant:ten_99999", "week", wh.ids["day"], check=False)
    one_line_error(proc, "ten_99999")
    assert not list((tmp_path / "out").glob("*.*"))


def test_bug_date_after_the_data_is_an_error(wh, tmp_path):
    later = wh.ids["last"] + dt.timedelta(days=60)
    proc = report(wh, tmp_path / "out", f"tenant:{wh.ids['tenant']}", "week", later, check=False)
    one_line_error(proc, "no data")
    assert not list((tmp_path / "out").glob("*.*"))


def test_bug_renewal_rate_of_a_running_month(wh, tools, render_root):
    """renewal_rate is null for a month not complete (mart) and said so in the platform report."""
    as_of = wh.one("select max(as_of_date_utc) from intermediate.int_as_of") if wh.name == "duckdb" else None
    last_month = wh.one("select max(due_month) from marts.subscription_renewals where due_month <= ?", [wh.ids["last"]])
    assert (
        wh.one("select count(*) from marts.subscription_renewals where due_month = ? and renewal_rate is not null", [last_month])
        == 0
    )
    assert wh.one("select count(*) from marts.subscription_renewals where renewal_rate is not null") > 0
    if as_of is not None:
        assert last_month.month == as_of.month
    rows = wh.one("select count(*) from marts.subscription_renewals where due_month = ?", [last_month])
    pdf = next(rendered(wh, render_root, "platform", "month", wh.ids["last"]).glob("*.pdf"))
    text = " ".join("\n".join(pages(pdf, f"platform_month_{wh.name}")).split())
    # the month's rows in the renewals table, and the headline card, say so instead of a rate
    assert text.count("month not complete") == rows + 1, (rows, text.count("month not complete"))
    assert f"{last_month:%B %Y}" in text.split("Renewals")[-1]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-15"])
def test_bug_dates_at_the_calendar_edges(wh, tmp_path, day):
    proc = cli(wh, "report", "--scope", "platform", "--period", "month", "--date", day, "--out", str(tmp_path))
    one_line_error(proc, day)


def test_bug_out_pointing_at_a_file(wh, tmp_path):
    f = tmp_path / "a_file"
    f.write_text("x")
    proc = report(wh, f, f"tenant:{wh.ids['tenant']}", "week", wh.ids["day"], check=False)
    one_line_error(proc, str(f), "file")


def test_bug_junk_database(wh, tmp_path):
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(os.urandom(4096))
    if wh.name == "duckdb":
        env = dict(wh.env, RETAIL_SAAS_REPORT_DB=str(junk))
        needle = str(junk)
    else:  # the same bug on PostgreSQL: a database that is not there
        env = dict(wh.env, PGDATABASE="no_such_database_here")
        needle = "no_such_database_here"
    # a real process: nothing but one line reaches the user
    proc = subprocess.run(
        [
            str(BIN / "retail-saas"),
            "report",
            "--scope",
            "platform",
            "--period",
            "week",
            "--date",
            wh.ids["day"].isoformat(),
            "--out",
            str(tmp_path / "o"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    one_line_error(Run(proc.returncode, proc.stdout, proc.stderr), needle)


SCHEDULE = """
[[report]]
id = "{id}"
scope = "{scope}"
period = "week"
cadence = "weekly"
recipients = ["ops@example.com"]
"""


def _deliver(wh, tmp_path, schedule_text, as_of, env=None, dry_run=True):
    sched = tmp_path / "schedule.toml"
    sched.write_text(schedule_text)
    args = ["deliver", "--schedule", str(sched), "--as-of", as_of.isoformat(), "--out", str(tmp_path / "out")]
    return cli(wh, *args, *(["--dry-run"] if dry_run else []), env=env)


@pytest.mark.parametrize("ident", ["../../../../tmp/x", "/tmp/x", "a/../../b"])
def test_bug_deliver_id_cannot_leave_out(wh, tmp_path, ident):
    outside = Path("/tmp/x")
    before = outside.exists()
    proc = _deliver(wh, tmp_path, SCHEDULE.format(id=ident, scope=f"tenant:{wh.ids['tenant']}"), wh.ids["day"])
    one_line_error(proc, "report #1", "id")
    assert outside.exists() == before
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file()] if (tmp_path / "out").exists() else True


def test_bug_schedule_report_as_a_table(wh, tmp_path):
    text = '[report]\nid = "a"\nscope = "platform"\nperiod = "week"\ncadence = "weekly"\nrecipients = ["x@y.z"]\n'
    one_line_error(_deliver(wh, tmp_path, text, wh.ids["day"]), "schedule.toml", "[[report]]")


def test_bug_schedule_recipients_as_a_string(wh, tmp_path):
    text = SCHEDULE.format(id="a", scope="platform").replace('["ops@example.com"]', '"ops@example.com"')
    one_line_error(_deliver(wh, tmp_path, text, wh.ids["day"]), "schedule.toml", "report #1", "recipients")


def test_bug_schedule_checked_before_anything_is_sent(wh, tmp_path, smtp):
    """A bad second entry stops the run before the good first one is rendered or sent."""
    port, wait_for = smtp
    text = SCHEDULE.format(id="good", scope=f"tenant:{wh.ids['tenant']}") + SCHEDULE.format(id="bad", scope="platform").replace(
        '["ops@example.com"]', '"ops@example.com"'
    )
    env = dict(wh.env, RETAIL_SAAS_SMTP_HOST="127.0.0.1", RETAIL_SAAS_SMTP_PORT=str(port))
    one_line_error(_deliver(wh, tmp_path, text, wh.ids["day"], env=env, dry_run=False), "report #2 (id 'bad')")
    assert wait_for(0) == [] and not (tmp_path / "schedule.toml.ledger.jsonl").exists()
    assert not [p for p in tmp_path.rglob("*") if p.suffix in (".pdf", ".zip")]


def test_bug_corrupt_ledger_line_is_named(wh, tmp_path):
    ledger = tmp_path / "schedule.toml.ledger.jsonl"
    ledger.write_text('{"entry": "a", "period": "week", "period_start": "2026-01-05", "outcome": "sent"}\n{"entry": "b", "per\n')
    proc = _deliver(wh, tmp_path, SCHEDULE.format(id="a", scope="platform"), wh.ids["day"])
    one_line_error(proc, str(ledger), "line 2")


def test_bug_platform_has_saas_figures(wh, tools, render_root):
    pdf = next(rendered(wh, render_root, "platform", "month", wh.ids["last"]).glob("*.pdf"))
    text = pages(pdf, f"platform_month_{wh.name}")
    start, end = _bounds("month", wh.ids["last"])
    assert_figures_on_page(text[0], expected_figures(wh, "platform", None, start, end))
    page1 = " ".join(text[0].split())
    assert "Renewal rate" in page1 and "Sign-ups that connected a channel" in page1
    assert "Churn risk" in "\n".join(text)


def test_bug_reads_through_the_profile_as_the_scope(wh, tools, render_root):
    """The warehouse of RETAIL_SAAS_TARGET, read as the scope: a tenant report holds only that tenant."""
    ids = wh.ids
    folder = rendered(wh, render_root, f"tenant:{ids['tenant']}", "week", ids["day"])
    text = pages(next(folder.glob("*.pdf")), f"tenant_week_{wh.name}")
    start, end = _bounds("week", ids["day"])
    assert_figures_on_page(text[0], expected_figures(wh, "tenant", ids["tenant"], start, end))
    assert wh.name in text[-1].lower() or wh.name in "\n".join(text).lower()
    if wh.name == "postgres":
        _rls_leak_count(wh, ids)
    else:
        _duckdb_filter_leak_count(ids)


def _duckdb_filter_leak_count(ids) -> None:
    from retail_saas.reports.periods import Scope
    from retail_saas.reports.warehouse import DuckDBReader

    with DuckDBReader(os.environ.get("_unused", "") or _duck_path(), Scope("tenant", ids["tenant"])) as r:
        leaks = sum(
            r.rows(f"select count(*) as n from {r.rel(m)} where tenant_id <> ?", [ids["tenant"]])[0]["n"]
            for m in ("inbox_daily", "notification_daily", "kpi_anomalies", "daily_stats", "brand_daily")
        )
        assert r.rows(f"select count(*) as n from {r.rel('saas_daily')}")[0]["n"] == 0  # platform level
    assert leaks == 0


def _duck_path() -> str:
    from test_insights import _BUILD

    return str(_BUILD["db"])


def _rls_leak_count(wh: Warehouse, ids: dict) -> None:
    """As the report's bound login: other tenants' rows (0) and platform marts (denied)."""
    import psycopg2

    from retail_saas.postgres.connection import connect
    from retail_saas.reports.periods import Scope
    from retail_saas.reports.scoping import login_name

    login = login_name(Scope("tenant", ids["tenant"]))
    # the report's login holds exactly the report's scope (read as the superuser: the login may not)
    assert wh.q("select level, tenant_id from access.user_scopes where login = ?", [login]) == [("retailer", ids["tenant"])]
    env = {k: v for k, v in wh.env.items() if k.startswith("PG")}
    conn = connect(env)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(f'set role "{login}"')
            cur.execute("select current_user")
            assert cur.fetchone()[0] == login
            # as an attacker would: claim another tenant in the old session setting; RLS reads the
            # login's entitlements, not the session
            cur.execute("select set_config('retail_saas.tenant_id', 'ten_00001', false)")
            leaks = 0
            for mart in ("inbox_daily", "notification_daily", "kpi_anomalies", "brand_daily"):
                cur.execute(f"select count(*) from marts.{mart} where tenant_id <> %s", [ids["tenant"]])
                leaks += cur.fetchone()[0]
            cur.execute("select count(*) from marts.inbox_daily")
            own = cur.fetchone()[0]
            try:
                cur.execute("select count(*) from marts.saas_daily")
                leaks += cur.fetchone()[0]
            except psycopg2.errors.InsufficientPrivilege:
                pass
    finally:
        conn.close()
    assert leaks == 0 and own > 0
    rows = wh.q("select command, scope, outcome from audit.report_exports where scope = ?", [f"tenant:{ids['tenant']}"])
    assert ("report", f"tenant:{ids['tenant']}", "written") in rows


# -- delivery ------------------------------------------------------------------------------------------------


@pytest.fixture
def smtp():
    import socket
    import time

    from aiosmtpd.controller import Controller

    class Sink:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = Sink()
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()

    def wait_for(n):
        deadline = time.monotonic() + 10
        while len(sink.messages) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        return sink.messages

    try:
        yield port, wait_for
    finally:
        ctl.stop()


def test_deliver_sends_once_records_and_skips_no_data(wh, tools, tmp_path, smtp):
    import email

    port, wait_for = smtp
    ids = wh.ids
    text = SCHEDULE.format(id="store-weekly", scope=f"tenant:{ids['tenant']}") + SCHEDULE.format(
        id="ghost-weekly", scope="tenant:ten_99999"
    ).replace('weekly"\n', 'weekly"\n')
    env = dict(wh.env, RETAIL_SAAS_SMTP_HOST="127.0.0.1", RETAIL_SAAS_SMTP_PORT=str(port))
    as_of = ids["day"] + dt.timedelta(days=7)
    proc = _deliver(wh, tmp_path, text, as_of, env=env, dry_run=False)
    assert proc.returncode == 0, proc.stderr
    msgs = wait_for(1)
    assert len(msgs) == 1
    mail = email.message_from_bytes(msgs[0][2])
    files = [p.get_filename() for p in mail.walk() if p.get_filename()]
    assert len(files) == 2 and files[0].endswith(".pdf") and files[1].endswith("_data.zip"), files
    name = wh.one("select tenant_name from marts.dim_tenants where tenant_id = ?", [ids["tenant"]])
    assert name in mail["Subject"]
    assert "ghost-weekly" in proc.stdout and "skipped" in proc.stdout
    ledger = [json.loads(line) for line in (tmp_path / "schedule.toml.ledger.jsonl").read_text().splitlines()]
    assert {(r["entry"], r["outcome"].split(":")[0]) for r in ledger} == {("store-weekly", "sent"), ("ghost-weekly", "skipped")}
    again = _deliver(wh, tmp_path, text, as_of, env=env, dry_run=False)
    assert again.returncode == 0 and "already sent" in again.stdout
    assert len(wait_for(2)) == 1
    if wh.name == "postgres":
        rows = wh.q("select entry, outcome from audit.report_exports where command = 'deliver'")
        assert ("store-weekly", "sent") in rows and any(e == "ghost-weekly" for e, _ in rows)
    else:
        log = [json.loads(x) for x in (tmp_path / "schedule.toml.ledger.exports.jsonl").read_text().splitlines()]
        assert [r["outcome"] for r in log if r["entry"] == "store-weekly"] == ["sent"]
        assert log[0]["recipients"] == ["ops@example.com"]


def test_periods_and_scopes():
    from retail_saas.reports.periods import Period, Scope

    week = Period.containing("week", dt.date(2026, 10, 15))
    assert (week.start, week.end, week.label) == (dt.date(2026, 10, 12), dt.date(2026, 10, 19), "2026-W42")
    assert week.previous().start == dt.date(2026, 10, 5)
    month = Period.containing("month", dt.date(2026, 3, 31))
    assert (month.start, month.end, month.previous().start) == (dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 2, 1))
    for bad in ["tenant:", "shop:1", "tenant:x' or '1'='1", "team:a b"]:
        with pytest.raises(ValueError):
            Scope.parse(bad)
    for kind, day in (("month", dt.date(9999, 12, 15)), ("week", dt.date(1, 1, 1))):
        with pytest.raises(ValueError):
            Period.containing(kind, day)
