"""Page 1's headline KPIs per scope kind: what each one reads, and its value
for the period and the one before.

A KPI is an additive numerator (and denominator, for rates and means)
summed over the period's days; rates are derived from the sums, never
averaged (kpis.md). Per-day values feed the small charts. `agg` covers the
two figures that are not sums: a level at the period's end (paying
tenants) and a daily mean (active tenants, users)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import formatting as fmt
from .periods import Period
from .warehouse import Reader


@dataclass(frozen=True)
class KPI:
    key: str
    label: str
    mart: str
    date_col: str
    num: str  # SQL aggregate of a day
    den: str | None = None  # rates and means: SQL aggregate of a day
    unit: str = "count"  # count | minutes | rate | bytes
    agg: str = "sum"  # sum | last (level at the period's end) | mean (per day)
    good: str = "up"  # the direction that is good news
    monthly: bool = False  # read by month (a monthly mart): the month of the period's start

    def value(self, num: float, den: float | None, days: int) -> float | None:
        if self.den is not None:
            return None if not den else num / den
        if self.agg == "mean":
            return None if not days else num / days
        return num


HEADLINES: dict[str, list[KPI]] = {
    "tenant": [
        KPI("messages_received", "Messages received", "inbox_daily", "activity_date", "sum(inbound)"),
        KPI("messages_sent", "Messages sent", "inbox_daily", "activity_date", "sum(outbound)"),
        KPI(
            "first_reply_time",
            "Average first reply",
            "inbox_daily",
            "activity_date",
            "sum(response_seconds_sum)",
            "sum(first_replies)",
            unit="minutes",
            good="down",
        ),
        KPI("sla_met", "Replies within SLA", "inbox_daily", "activity_date", "sum(sla_met)", "sum(sla_due)", unit="rate"),
        KPI(
            "notifications_delivered",
            "Notifications delivered",
            "notification_daily",
            "activity_date",
            "sum(delivered)",
            "sum(sent)",
            unit="rate",
        ),
        KPI("ai_used", "AI drafts used", "ai_daily", "activity_date", "sum(applied)", "sum(generations)", unit="rate"),
        KPI(
            "syncs_succeeded",
            "Catalog syncs succeeded",
            "catalog_daily",
            "activity_date",
            "sum(syncs_succeeded)",
            "sum(syncs_finished)",
            unit="rate",
        ),
        KPI("contacts_added", "New contacts", "crm_daily", "activity_date", "sum(contacts_added)"),
    ],
    "team": [
        KPI("messages_sent", "Messages sent", "daily_stats", "activity_date", "sum(messages_sent)"),
        KPI("first_replies", "First replies", "daily_stats", "activity_date", "sum(first_replies)"),
        KPI(
            "first_reply_time",
            "Average first reply",
            "daily_stats",
            "activity_date",
            "sum(response_seconds_sum)",
            "sum(first_replies)",
            unit="minutes",
            good="down",
        ),
        KPI(
            "on_time",
            "First replies on time",
            "daily_stats",
            "activity_date",
            "sum(replies_within_sla)",
            "sum(first_replies)",
            unit="rate",
        ),
        KPI("ai_generations", "AI drafts generated", "daily_stats", "activity_date", "sum(ai_generations)"),
        KPI("template_uses", "Templates used", "daily_stats", "activity_date", "sum(template_uses)"),
    ],
    "brand": [
        KPI("asset_views", "Asset views", "brand_daily", "activity_date_utc", "sum(asset_views)"),
        KPI("asset_downloads", "Asset downloads", "brand_daily", "activity_date_utc", "sum(asset_downloads)"),
        KPI("campaign_uses", "Campaigns used by retailers", "brand_daily", "activity_date_utc", "sum(campaign_uses)"),
        KPI("campaign_sends", "Campaign sends", "brand_daily", "activity_date_utc", "sum(campaign_sends)"),
        KPI("campaign_recipients", "Campaign recipients", "brand_daily", "activity_date_utc", "sum(campaign_recipients)"),
        KPI(
            "notifications_delivered",
            "Brand notifications delivered",
            "brand_daily",
            "activity_date_utc",
            "sum(notifications_delivered)",
            "sum(notifications_sent)",
            unit="rate",
        ),
    ],
    "platform": [
        KPI(
            "paying_tenants", "Paying tenants (end of period)", "saas_daily", "activity_date_utc", "sum(paying_tenants)", agg="last"
        ),
        KPI("active_tenants", "Active tenants per day", "saas_daily", "activity_date_utc", "sum(active_tenants)", agg="mean"),
        KPI("active_users", "Active users per day", "saas_daily", "activity_date_utc", "sum(active_users)", agg="mean"),
        KPI("messages", "Messages handled", "inbox_daily", "activity_date", "sum(inbound + outbound)"),
        KPI(
            "renewal_rate",
            "Renewal rate (month)",
            "subscription_renewals",
            "due_month",
            "sum(case when renewal_rate is not null then renewed end)",
            "sum(case when renewal_rate is not null then due end)",
            unit="rate",
            monthly=True,
        ),
        KPI(
            "signup_to_binding",
            "Sign-ups that connected a channel",
            "activation_funnel",
            "signup_month",
            "sum(case when step_order = 2 then tenants_reached end)",
            "sum(case when step_order = 1 then tenants_reached end)",
            unit="rate",
            monthly=True,
        ),
    ],
}


@dataclass
class Figure:
    kpi: KPI
    current: float | None
    previous: float | None
    series: list[tuple[dt.date, float | None]]  # the current period's days
    prev_series: list[tuple[dt.date, float | None]]
    in_period: bool = False  # the marts have rows of this period
    note: str = ""

    @property
    def text(self) -> str:
        return fmt.value(self.current, self.kpi.unit)

    @property
    def previous_text(self) -> str:
        return fmt.value(self.previous, self.kpi.unit)

    @property
    def change(self) -> str:
        return fmt.change(self.current, self.previous, self.kpi.unit)[0]

    @property
    def tone(self) -> str:
        delta = fmt.change(self.current, self.previous, self.kpi.unit)[1]
        if delta is None or abs(delta) < (0.5 if self.kpi.unit == "rate" else 2):
            return "flat"
        return "good" if (delta > 0) == (self.kpi.good == "up") else "bad"

    @property
    def has_data(self) -> bool:  # the module is used in this period or the one before
        return self.current is not None or self.previous is not None


def _as_date(v) -> dt.date:
    return v.date() if isinstance(v, dt.datetime) else v


def _window(kpi: KPI, period: Period) -> tuple[Period, Period]:
    if kpi.monthly:
        month = Period.containing("month", period.start)
        return month, month.previous()
    return period, period.previous()


def _figure(kpi: KPI, by_day: dict[dt.date, tuple[float, float | None]], cur: Period, prev: Period) -> Figure:
    def agg(per: Period) -> float | None:
        days = sorted(d for d in by_day if per.start <= d < per.end)
        if not days:  # the marts have no row for a quiet day: a sum of nothing is 0
            return 0.0 if kpi.den is None and kpi.agg == "sum" and by_day else None
        if kpi.agg == "last":
            return by_day[days[-1]][0]
        num = sum(by_day[d][0] or 0 for d in days)
        den = None if kpi.den is None else sum(by_day[d][1] or 0 for d in days)
        return kpi.value(num, den, len(days))

    def series(per: Period) -> list[tuple[dt.date, float | None]]:
        out, d = [], per.start
        while d < per.end:
            n, den = by_day.get(d, (0.0 if kpi.den is None and kpi.agg == "sum" else None, None))
            out.append((d, None if n is None else kpi.value(n or 0, den, 1)))
            d += dt.timedelta(days=1)
        return out

    return Figure(
        kpi,
        agg(cur),
        agg(prev),
        [] if kpi.monthly else series(cur),
        [] if kpi.monthly else series(prev),
        in_period=any(cur.start <= d < cur.end for d in by_day),
    )


def headline(reader: Reader, kind: str, period: Period) -> list[Figure]:
    """The scope kind's headline figures that have data in either period."""
    groups: dict[tuple[str, str, bool], list[KPI]] = {}
    for kpi in HEADLINES[kind]:
        groups.setdefault((kpi.mart, kpi.date_col, kpi.monthly), []).append(kpi)
    figures: dict[str, Figure] = {}
    for (mart, date_col, _), kpis in groups.items():
        cur, prev = _window(kpis[0], period)
        parts = []
        for i, k in enumerate(kpis):
            parts.append(f"{k.num} as n{i}")
            parts.append(f"{k.den or 'null'} as d{i}")
        rows = reader.rows(
            f"select {date_col} as day, {', '.join(parts)} from {reader.rel(mart)} "
            f"where {date_col} >= ? and {date_col} < ? group by {date_col}",
            [prev.start, cur.end],
        )
        for i, k in enumerate(kpis):
            by_day = {
                _as_date(r["day"]): (float(r[f"n{i}"] or 0), None if k.den is None else float(r[f"d{i}"] or 0))
                for r in rows
                if r[f"n{i}"] is not None or r[f"d{i}"] is not None
            }
            figures[k.key] = _figure(k, by_day, cur, prev)
    out = [figures[k.key] for k in HEADLINES[kind] if figures[k.key].has_data]
    for f in out:
        if f.kpi.key == "renewal_rate" and f.current is None:
            f.note = "month not complete yet"
    return out
