"""Reports: CSV and PDF per scope and period, scope enforced in the queries,
PDF pages rendered to PNG (poppler's pdftoppm) and checked, scheduled
delivery through a local SMTP server, sent once per period."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from conftest import BIN
from test_insights import insights_build

DPI = 50
PAGE_PX = (round(11.69 * DPI), round(8.27 * DPI))  # A4 landscape at DPI


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return insights_build(tmp_path_factory)


@pytest.fixture(scope="module")
def ids(built):
    con = duckdb.connect(str(built["db"]), read_only=True)
    try:
        tenant, team = con.execute(
            "select tenant_id, team_id from marts.daily_stats where team_id is not null "
            "group by 1, 2 order by sum(messages_sent) desc limit 1").fetchone()
        brand = con.execute("select brand_id from marts.brand_daily group by 1 "
                            "order by sum(asset_views) desc limit 1").fetchone()[0]
        last = con.execute("select max(activity_date) from marts.inbox_daily").fetchone()[0]
    finally:
        con.close()
    return {"tenant": tenant, "team": team, "brand": brand, "day": last - dt.timedelta(days=10)}


def _report(built, out: Path, scope: str, period: str, day: dt.date, fmt: str = "csv,pdf"):
    return subprocess.run(
        [str(BIN / "retail-saas"), "report", "--scope", scope, "--period", period, "--date", day.isoformat(),
         "--out", str(out), "--format", fmt, "--database", str(built["db"])],
        capture_output=True, text=True, check=True)


def _csv(path: Path) -> list[dict]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


def test_periods_and_scopes():
    from retail_saas.reports.periods import Period, Scope

    week = Period.containing("week", dt.date(2026, 10, 15))  # a Thursday
    assert (week.start, week.end, week.label) == (dt.date(2026, 10, 12), dt.date(2026, 10, 19), "2026-W42")
    assert week.previous().start == dt.date(2026, 10, 5)
    month = Period.containing("month", dt.date(2026, 3, 31))
    assert (month.start, month.end, month.previous().start) == (dt.date(2026, 3, 1), dt.date(2026, 4, 1),
                                                                 dt.date(2026, 2, 1))
    assert Period.containing("day", dt.date(2026, 1, 1)).previous().start == dt.date(2025, 12, 31)
    assert Scope.parse("tenant:ten_00001") == Scope("tenant", "ten_00001")
    assert str(Scope.parse("platform")) == "platform"
    for bad in ["tenant:", "shop:1", "tenant:x' or '1'='1", "team:a b"]:
        with pytest.raises(ValueError):
            Scope.parse(bad)


def test_tenant_report_holds_only_that_tenants_rows(built, ids, tmp_path):
    tenant, day = ids["tenant"], ids["day"]
    _report(built, tmp_path, f"tenant:{tenant}", "week", day, "csv")
    stem = next(tmp_path.glob("*_summary.csv")).name.removesuffix("_summary.csv")
    audit = _csv(tmp_path / f"{stem}_scope_audit.csv")
    assert audit and {a["scope_column"] for a in audit} == {"tenant_id"}
    assert all(a["audit_distinct"] == "1" and a["audit_min"] == a["audit_max"] == tenant for a in audit)
    # the totals are that tenant's sums, and differ from the platform's
    from retail_saas.reports.periods import Period

    per = Period.containing("week", day)
    con = duckdb.connect(str(built["db"]), read_only=True)
    mine, everyone = con.execute(
        "select sum(inbound) filter (where tenant_id = ?), sum(inbound) from marts.inbox_daily "
        "where activity_date >= ? and activity_date < ?", [tenant, per.start, per.end]).fetchone()
    con.close()
    summary = {(r["section"], r["metric"]): r for r in _csv(tmp_path / f"{stem}_summary.csv")}
    assert float(summary[("messages_by_channel", "inbound")]["current"]) == mine
    assert mine < everyone
    rows = _csv(tmp_path / f"{stem}_messages_by_channel.csv")
    assert {r["scope"] for r in rows} == {f"tenant:{tenant}"}


def test_scope_id_is_bound_as_a_parameter(built):
    from retail_saas.reports.periods import Period, Scope
    from retail_saas.reports.sections import SECTIONS, build_query, fetch

    hostile = Scope("tenant", "x' or '1'='1")  # bypasses parse() on purpose
    for section in SECTIONS:
        source = section.source_for(hostile)
        if source is None:
            continue
        sql, params = build_query(source, hostile)
        assert hostile.id not in sql and params == [hostile.id]
    con = duckdb.connect(str(built["db"]), read_only=True)
    try:
        data = fetch(con, SECTIONS[0], hostile, Period.containing("month", dt.date(2026, 9, 1)))
    finally:
        con.close()
    assert data.rows == {}


@pytest.mark.parametrize("kind", ["team", "brand", "platform"])
def test_other_scopes_filter_on_their_column(built, ids, tmp_path, kind):
    scope = "platform" if kind == "platform" else f"{kind}:{ids[kind]}"
    _report(built, tmp_path, scope, "month", ids["day"], "csv")
    audit = _csv(next(tmp_path.glob("*_scope_audit.csv")))
    assert audit
    if kind != "platform":
        assert {a["scope_column"] for a in audit} == {f"{kind}_id"}
        assert all(a["audit_min"] == a["audit_max"] == ids[kind] for a in audit)
    else:
        assert max(int(a["audit_distinct"]) for a in audit) > 1


def _pdftoppm() -> str:
    tool = shutil.which("pdftoppm")
    if tool is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "poppler-utils"], capture_output=True)
        if shutil.which("pdftoppm") is None:
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", "poppler-utils"], capture_output=True)
        tool = shutil.which("pdftoppm")
    if tool is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("pdftoppm (Debian poppler-utils) is missing and could not be installed")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    return tool


def test_pdf_has_a_page_per_section_with_charts(built, ids, tmp_path):
    import numpy as np
    from matplotlib import image

    from retail_saas.reports.periods import Scope
    from retail_saas.reports.sections import sections_for

    tool = _pdftoppm()
    scope = Scope("tenant", ids["tenant"])
    _report(built, tmp_path / "pdf_only", str(scope), "week", ids["day"], "pdf")
    assert [p.suffix for p in (tmp_path / "pdf_only").iterdir()] == [".pdf"]
    _report(built, tmp_path, str(scope), "week", ids["day"], "csv,pdf")
    pdfs = list(tmp_path.glob("*.pdf"))
    assert len(pdfs) == 1
    subprocess.run([tool, "-r", str(DPI), "-png", str(pdfs[0]), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    sections = sections_for(scope)
    assert len(pages) == 1 + len(sections)  # title page + one per section
    stem = pdfs[0].stem
    blue, orange = np.array([0x1F, 0x77, 0xB4]) / 255, np.array([0xFF, 0x7F, 0x0E]) / 255
    with_data = 0
    for i, png in enumerate(pages):
        img = image.imread(png)[..., :3]
        h, w = img.shape[:2]
        assert abs(w - PAGE_PX[0]) <= 1 and abs(h - PAGE_PX[1]) <= 1, (png.name, w, h)
        ink = (img < 0.9).any(axis=2).mean()
        assert ink > 0.002, f"{png.name} is blank"
        if i == 0:
            assert ink > 0.02, "title page without its KPI table"
            continue
        section = sections[i - 1]
        rows = _csv(tmp_path / f"{stem}_{section.name}.csv")
        if not any(float(r["current"] or 0) or float(r["previous"] or 0)
                   for r in rows if r["metric"] == section.chart):
            continue  # a "no data" page
        with_data += 1
        bars = [(np.abs(img - c).max(axis=2) < 0.08).sum() for c in (blue, orange)]
        assert ink > 0.01 and min(bars) > 30, f"{png.name} ({section.name}): no current/previous bars {bars}"
    assert with_data >= 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    sink = _Sink()
    ctl = Controller(sink, hostname="127.0.0.1", port=_free_port())
    ctl.start()
    try:
        yield ctl, sink
    finally:
        ctl.stop()


def test_deliver_sends_what_is_due_once(built, ids, tmp_path, smtp):
    import email

    ctl, sink = smtp
    schedule = tmp_path / "schedule.toml"
    schedule.write_text(f'''
[[report]]
id = "tenant-weekly"
scope = "tenant:{ids['tenant']}"
period = "week"
cadence = "weekly"
format = ["csv", "pdf"]
recipients = ["owner@tenant.example", "ops@tenant.example"]

[[report]]
id = "platform-daily"
scope = "platform"
period = "day"
cadence = "daily"
format = "csv"
recipients = ["analytics@example.com"]
''')
    env = dict(os.environ, RETAIL_SAAS_SMTP_HOST="127.0.0.1", RETAIL_SAAS_SMTP_PORT=str(ctl.port),
               RETAIL_SAAS_SMTP_FROM="reports@retail-saas.example")

    def deliver(as_of: dt.date) -> str:
        proc = subprocess.run([str(BIN / "retail-saas"), "deliver", "--schedule", str(schedule),
                               "--as-of", as_of.isoformat(), "--database", str(built["db"]),
                               "--out", str(tmp_path / "out")], env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc.stdout

    def wait_for(n: int) -> None:
        deadline = time.monotonic() + 10
        while len(sink.messages) < n and time.monotonic() < deadline:
            time.sleep(0.05)

    as_of = ids["day"]
    deliver(as_of)
    wait_for(2)
    assert len(sink.messages) == 2
    by_rcpt = {tuple(m[1]): m for m in sink.messages}
    weekly = email.message_from_bytes(by_rcpt[("owner@tenant.example", "ops@tenant.example")][2])
    names = [p.get_filename() for p in weekly.walk() if p.get_filename()]
    assert any(n.endswith(".pdf") for n in names) and sum(n.endswith(".csv") for n in names) >= 5
    assert weekly["From"] == "reports@retail-saas.example"
    assert ids["tenant"] in weekly["Subject"]
    daily = email.message_from_bytes(by_rcpt[("analytics@example.com",)][2])
    daily_names = [p.get_filename() for p in daily.walk() if p.get_filename()]
    assert daily_names and all(n.endswith(".csv") for n in daily_names)
    yesterday = (as_of - dt.timedelta(days=1)).isoformat()
    assert yesterday in daily["Subject"]

    out = deliver(as_of)  # same as-of: nothing new
    assert out.count("already sent") == 2
    time.sleep(0.3)
    assert len(sink.messages) == 2
    ledger = (tmp_path / "schedule.toml.ledger.jsonl").read_text().splitlines()
    assert len(ledger) == 2

    # the next day: the daily entry has a new period; the weekly one only on a new week
    nxt = as_of + dt.timedelta(days=1)
    deliver(nxt)
    expected = 3 if nxt.weekday() != 0 else 4
    wait_for(expected)
    time.sleep(0.3)
    assert len(sink.messages) == expected


def test_schedule_is_validated(tmp_path):
    from retail_saas.reports.deliver import Entry, load_schedule
    from retail_saas.reports.periods import Scope

    bad = tmp_path / "bad.toml"
    for body in ['[[report]]\nid="a"\nscope="platform"\nperiod="year"\ncadence="daily"\nrecipients=["x@y"]',
                 '[[report]]\nid="a"\nscope="platform"\nperiod="day"\ncadence="hourly"\nrecipients=["x@y"]',
                 '[[report]]\nid="a"\nscope="shop:1"\nperiod="day"\ncadence="daily"\nrecipients=["x@y"]',
                 '[[report]]\nid="a"\nscope="platform"\nperiod="day"\ncadence="daily"\nrecipients=[]',
                 '[[report]]\nid="a"\nscope="platform"\nperiod="day"\ncadence="daily"\nrecipients=["x@y"]\n'
                 '[[report]]\nid="a"\nscope="platform"\nperiod="day"\ncadence="daily"\nrecipients=["x@y"]']:
        bad.write_text(body)
        with pytest.raises(ValueError):
            load_schedule(bad)
    e = Entry("m", Scope("platform"), "month", "monthly", ("csv",), ("x@y",))
    assert e.due_period(dt.date(2026, 10, 17)).start == dt.date(2026, 9, 1)
    w = Entry("w", Scope("platform"), "week", "weekly", ("csv",), ("x@y",))
    assert w.due_period(dt.date(2026, 10, 15)).start == dt.date(2026, 10, 5)  # Thursday -> last week
