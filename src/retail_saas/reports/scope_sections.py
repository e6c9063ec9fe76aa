"""Sections of the team, brand and platform reports (the tenant's are in sections.py)."""

from __future__ import annotations

import datetime as dt

from . import charts
from . import formatting as fmt
from .periods import Period
from .sections import (
    BRAND_M,
    Section,
    Table,
    _active,
    _csv,
    _f,
    _rank,
    _ratio,
    _totals_table,
    both,
    daily,
    inbox,
    label,
    sums,
    tenant_names,
    used,
)
from .warehouse import Reader

# -- team ------------------------------------------------------------------------------------------------


def team_days(reader: Reader, period: Period) -> Section | None:
    m = {
        "messages_sent": "sum(messages_sent)",
        "first_replies": "sum(first_replies)",
        "response_seconds_sum": "sum(response_seconds_sum)",
        "replies_within_sla": "sum(replies_within_sla)",
        "ai_generations": "sum(ai_generations)",
        "template_uses": "sum(template_uses)",
    }
    cur = sums(reader, "daily_stats", "activity_date", "activity_date", m, period)
    if not _active(cur, {}, list(m)):
        return None
    days = sorted(cur)
    rows = [
        [
            fmt.day(d),
            fmt.count(cur[d]["messages_sent"]),
            fmt.count(cur[d]["first_replies"]),
            fmt.minutes(_ratio(cur[d]["response_seconds_sum"], cur[d]["first_replies"])),
            fmt.rate(_ratio(cur[d]["replies_within_sla"], cur[d]["first_replies"])),
            fmt.count(cur[d]["ai_generations"]),
            fmt.count(cur[d]["template_uses"]),
        ]
        for d in days
    ]
    busiest = max(days, key=lambda d: cur[d]["messages_sent"])
    chart = None
    if period.kind != "day":
        ds, series = daily(reader, "daily_stats", "activity_date", "'Messages sent'", "sum(messages_sent)", period)
        chart = charts.daily_bars(ds, series, "messages sent")
    return Section(
        "team_days",
        "Day by day",
        f"The busiest day was {fmt.long_day(busiest)}.",
        [Table(["Day", "Messages sent", "First replies", "Average first reply", "On time", "AI drafts", "Templates used"], rows)],
        chart,
        "Messages sent per day",
        _csv("team_days", "day", {d.isoformat(): cur[d] for d in days}, {}, names=str),
    )


def team_members(reader: Reader, period: Period) -> Section | None:
    members = reader.rows(f"select role, count(*) as n from {reader.rel('dim_users')} where not is_deleted group by role")
    active = reader.rows(
        f"select dim_users.role, count(distinct daily_stats.user_id) as n "
        f"from {reader.rel('daily_stats')} inner join {reader.rel('dim_users')} "
        "on daily_stats.user_id = dim_users.user_id "
        "where daily_stats.activity_date >= ? and daily_stats.activity_date < ? "
        "and daily_stats.activity > 0 group by dim_users.role",
        [period.start, period.end],
    )
    if not members:
        return None
    act = {r["role"]: int(r["n"]) for r in active}
    rows = [[label(r["role"]), str(int(r["n"])), str(act.get(r["role"], 0))] for r in sorted(members, key=lambda r: -int(r["n"]))]
    total, busy = sum(int(r["n"]) for r in members), sum(act.values())
    return Section(
        "team_members",
        "Team members",
        f"{busy} of the team's {total} members were active.",
        [Table(["Role", "Members", "Active this period"], rows)],
        csv=[
            {"section": "team_members", "role": r["role"], "metric": "members", "current": int(r["n"]), "previous": None}
            for r in members
        ],
    )


# -- brand -----------------------------------------------------------------------------------------------


def brand_retailers(reader: Reader, period: Period, top: int = 10) -> Section | None:
    m = {**BRAND_M, "actions": "sum(asset_views + asset_downloads + asset_shares + campaign_uses)"}
    cur, prev = both(reader, "brand_daily", "activity_date_utc", "tenant_id", m, period)
    if not _active(cur, prev, list(m)):
        return None
    ranked = _rank(cur, "actions")[:top]
    names = tenant_names(reader, ranked + list(prev))
    rows = [
        [
            names.get(t, "(unnamed retailer)"),
            fmt.count(cur[t]["asset_views"]),
            fmt.count(cur[t]["asset_downloads"]),
            fmt.count(cur[t]["campaign_uses"]),
            fmt.count(cur[t]["campaign_sends"]),
            fmt.change(cur[t]["actions"], prev.get(t, {}).get("actions", 0), "count")[0],
        ]
        for t in ranked
    ]
    chart = (
        charts.hbars(
            [names.get(t, "?")[:28] for t in ranked],
            [cur[t]["actions"] for t in ranked],
            [prev.get(t, {}).get("actions", 0) for t in ranked],
        )
        if ranked
        else None
    )
    active = sum(1 for c in cur.values() if c["actions"])
    lead = f"{active} retailers worked with the brand's material this period, {len(prev)} in the previous one."
    return Section(
        "retailers",
        "Retailers",
        lead,
        [Table(["Retailer", "Asset views", "Downloads", "Campaigns used", "Campaign sends", "Activity vs previous"], rows)],
        chart,
        "Activity per retailer (views, downloads, shares and campaign uses)",
        _csv(
            "retailers",
            "retailer",
            {t: cur[t] for t in ranked},
            {t: prev[t] for t in ranked if t in prev},
            names=lambda t: names.get(t, t),
        ),
    )


def brand_assets(reader: Reader, period: Period, top: int = 8) -> Section | None:
    rows = reader.rows(
        f"select asset_type, views, downloads, download_rank from {reader.rel('brand_top_assets')} "
        "order by download_rank, views desc, asset_id"
    )
    if not rows:
        return None
    shown, seen = [], {}
    for r in rows[:top]:
        seen[r["asset_type"]] = seen.get(r["asset_type"], 0) + 1
        shown.append(
            [
                str(int(r["download_rank"])),
                f"{label(r['asset_type'])} no. {seen[r['asset_type']]}",
                fmt.count(r["views"]),
                fmt.count(r["downloads"]),
            ]
        )
    return Section(
        "assets",
        "Most downloaded assets (since publication)",
        f"The brand has {len(rows)} published assets; the most downloaded:",
        [Table(["Rank", "Asset", "Views", "Downloads"], shown)],
        csv=[
            {
                "section": "assets",
                "rank": r["download_rank"],
                "asset_type": r["asset_type"],
                "views": r["views"],
                "downloads": r["downloads"],
            }
            for r in rows
        ],
    )


def brand_campaigns(reader: Reader, period: Period) -> Section | None:
    m = {
        "campaign_views": "sum(campaign_views)",
        "campaign_uses": "sum(campaign_uses)",
        "campaign_copies": "sum(campaign_copies)",
        "campaign_sends": "sum(campaign_sends)",
        "campaign_recipients": "sum(campaign_recipients)",
        "asset_shares": "sum(asset_shares)",
        "notifications_sent": "sum(notifications_sent)",
        "notifications_delivered": "sum(notifications_delivered)",
    }
    found = used(reader, "brand_daily", "activity_date_utc", None, m, period)
    if found is None:
        return None
    c, p = found[0].get(None, {}), found[1].get(None, {})
    items = [
        (lbl, "count", c.get(k), p.get(k))
        for lbl, k in [
            ("Campaign views", "campaign_views"),
            ("Campaigns used", "campaign_uses"),
            ("Campaigns copied", "campaign_copies"),
            ("Campaign sends", "campaign_sends"),
            ("Campaign recipients", "campaign_recipients"),
            ("Assets shared", "asset_shares"),
            ("Brand notifications sent", "notifications_sent"),
        ]
    ]
    items.append(
        (
            "Brand notifications delivered",
            "rate",
            _ratio(c.get("notifications_delivered", 0), c.get("notifications_sent")),
            _ratio(p.get("notifications_delivered", 0), p.get("notifications_sent")),
        )
    )
    chart = None
    if period.kind != "day":
        days, series = daily(reader, "brand_daily", "activity_date_utc", "'Asset views'", "sum(asset_views)", period)
        chart = charts.daily_bars(days, series, "asset views")
    return Section(
        "campaigns",
        "Campaigns and notifications",
        f"Retailers sent the brand's campaigns to {fmt.count(c.get('campaign_recipients'))} recipients.",
        [_totals_table(items)],
        chart,
        "Asset views per day",
        _csv("campaigns", "dimension", {"all": c}, {"all": p}),
    )


# -- platform --------------------------------------------------------------------------------------------


def _last_day(reader: Reader, mart: str, col: str, period: Period):
    r = reader.rows(f"select max({col}) as d from {reader.rel(mart)} where {col} >= ? and {col} < ?", [period.start, period.end])
    return r[0]["d"] if r else None


def platform_usage(reader: Reader, period: Period) -> Section | None:
    rows = reader.rows(
        f"select activity_date_utc as day, active_tenants, paying_tenants, active_tenants_28d, "
        f"active_users_28d from {reader.rel('saas_daily')} "
        "where activity_date_utc >= ? and activity_date_utc < ? order by 1",
        [period.start, period.end],
    )
    if not rows:
        return None
    last = rows[-1]
    days = [period.start + dt.timedelta(days=i) for i in range((period.end - period.start).days)]
    by = {(r["day"].date() if isinstance(r["day"], dt.datetime) else r["day"]): r for r in rows}
    chart = (
        charts.daily_bars(days, {"Active tenants": [_f(by.get(d, {}).get("active_tenants")) for d in days]}, "active tenants")
        if period.kind != "day"
        else None
    )
    table = Table(
        ["At the end of the period", ""],
        [
            ["Paying tenants", fmt.count(last["paying_tenants"])],
            ["Tenants active in the last 28 days", fmt.count(last["active_tenants_28d"])],
            ["Users active in the last 28 days", fmt.count(last["active_users_28d"])],
        ],
    )
    return Section(
        "usage",
        "Tenants and usage",
        f"{fmt.count(last['paying_tenants'])} tenants were paying on {fmt.long_day(last['day'])}.",
        [table],
        chart,
        "Active tenants per day",
        [{"section": "usage", "day": str(r["day"]), **{k: r[k] for k in r if k != "day"}} for r in rows],
    )


def platform_modules(reader: Reader, period: Period) -> Section | None:
    day = _last_day(reader, "module_activation", "activity_date_utc", period)
    if day is None:
        return None
    rows = reader.rows(
        f"select module, tenants_active_module, paying_tenants from {reader.rel('module_activation')} "
        "where activity_date_utc = ? order by tenants_active_module desc, module",
        [day],
    )
    table = Table(
        ["Module", "Paying tenants using it", "Share of paying tenants"],
        [
            [
                label(r["module"]),
                fmt.count(r["tenants_active_module"]),
                fmt.rate(_ratio(_f(r["tenants_active_module"]), _f(r["paying_tenants"]))),
            ]
            for r in rows
        ],
    )
    return Section(
        "modules",
        "Module adoption",
        f"Which modules paying tenants had switched on, on {fmt.long_day(day)}.",
        [table],
        csv=[{"section": "modules", **r} for r in rows],
    )


def platform_renewals(reader: Reader, period: Period) -> Section | None:
    month = Period.containing("month", period.start)
    first = month
    for _ in range(3):
        first = first.previous()
    rows = reader.rows(
        f"select due_month, plan, due, renewed, renewal_rate from "
        f"{reader.rel('subscription_renewals')} where due_month >= ? and due_month < ? "
        "order by due_month, plan",
        [first.start, month.end],
    )
    if not rows:
        return None
    table = Table(
        ["Month due", "Plan", "Due", "Renewed", "Renewal rate"],
        [
            [
                f"{r['due_month']:%B %Y}",
                label(r["plan"]),
                fmt.count(r["due"]),
                fmt.count(r["renewed"]),
                fmt.rate(r["renewal_rate"]) if r["renewal_rate"] is not None else "month not complete",
            ]
            for r in rows
        ],
    )
    return Section(
        "renewals",
        "Renewals",
        "Paid periods falling due per month and plan; a month's rate shows once the month is over.",
        [table],
        csv=[{"section": "renewals", **r} for r in rows],
    )


def platform_funnel(reader: Reader, period: Period) -> Section | None:
    month = Period.containing("month", period.start)
    rows = reader.rows(
        f"select step_order, step_name, tenants_reached, conversion_from_previous, "
        f"median_hours_from_signup from {reader.rel('activation_funnel')} "
        "where signup_month = ? order by step_order",
        [month.start],
    )
    if not rows:
        return None
    table = Table(
        ["Step", "Tenants", "From the step before", "Median time from sign-up"],
        [
            [
                label(r["step_name"]),
                fmt.count(r["tenants_reached"]),
                fmt.rate(r["conversion_from_previous"]) if r["conversion_from_previous"] is not None else "",
                fmt.hours(_f(r["median_hours_from_signup"]))
                if r["median_hours_from_signup"] is not None and r["step_order"] > 1
                else "",
            ]
            for r in rows
        ],
    )
    return Section(
        "funnel",
        f"Activation funnel of {month.start:%B %Y} sign-ups",
        f"{fmt.count(rows[0]['tenants_reached'])} tenants signed up in {month.start:%B %Y}.",
        [table],
        csv=[{"section": "funnel", **r} for r in rows],
    )


def platform_churn(reader: Reader, period: Period, top: int = 10) -> Section | None:
    day = reader.rows(
        f"select max(scoring_date) as d from {reader.rel('tenant_churn_risk')} where scoring_date <= ?", [period.end]
    )[0]["d"]
    if day is None:
        return None
    rows = reader.rows(
        f"select tenant_id, churn_risk_score, risk_band, top_factor_1, top_factor_2 "
        f"from {reader.rel('tenant_churn_risk')} where scoring_date = ? "
        "order by churn_risk_score desc, tenant_id",
        [day],
    )
    names = tenant_names(reader, [r["tenant_id"] for r in rows[:top]])
    table = Table(
        ["Tenant", "Risk score", "Band", "Main reasons"],
        [
            [
                names.get(r["tenant_id"], "(unnamed tenant)"),
                f"{_f(r['churn_risk_score']):.2f}",
                label(r["risk_band"]),
                ", ".join(label(f) for f in (r["top_factor_1"], r["top_factor_2"]) if f),
            ]
            for r in rows[:top]
        ],
    )
    high = sum(1 for r in rows if r["risk_band"] == "high")
    return Section(
        "churn_risk",
        "Churn risk",
        f"{high} of {len(rows)} scored tenants are at high risk (scored on {fmt.long_day(day)}). The ten most at risk:",
        [table],
        csv=[{"section": "churn_risk", "tenant": names.get(r["tenant_id"], r["tenant_id"]), **r} for r in rows[:top]],
    )


def platform_inbox(reader: Reader, period: Period) -> Section | None:
    return inbox(reader, period, "Conversations on the platform")


TEAM = [team_days, team_members]
BRAND = [brand_retailers, brand_campaigns, brand_assets]
PLATFORM = [platform_usage, platform_modules, platform_renewals, platform_funnel, platform_churn, platform_inbox]
