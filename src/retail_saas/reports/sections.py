"""The report's sections: what each one reads, per scope, and how it compares periods.

Every query is built from fixed fragments (mart, columns) chosen by the scope's
*kind*; the scope's *id* and the dates are always bound parameters (`?`), so
a tenant's report can only read that tenant's rows. Each query also returns
the distinct values of the scope column it filtered on (`audit_*`), which the
report writes to `scope_audit.csv` as evidence.

Queries return additive parts only; rates are derived in Python from the
summed parts (never averaged), as kpis.md asks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from .periods import Period, Scope


@dataclass(frozen=True)
class Source:
    """One way to compute a section for some scope kinds."""

    relation: str  # FROM clause (fixed text)
    date_col: str
    dimension: str  # SQL expression of the breakdown
    measures: dict[str, str]  # name -> SQL aggregate
    scope_cols: dict[str, str]  # scope kind -> column filtered on (platform: audit column)
    where: str = ""  # extra fixed condition


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    sources: dict[str, Source]  # scope kind -> source
    chart: str  # the measure charted per dimension
    derived: dict[str, Callable[[dict], float | None]] = field(default_factory=dict)
    chart_rate: str | tuple[str, ...] | None = None  # a derived rate charted beside it (first with data)
    top_n: int | None = None  # keep the top dimensions (by chart measure, current period)

    def source_for(self, scope: Scope) -> Source | None:
        return self.sources.get(scope.kind)


def _ratio(num: str, den: str, factor: float = 1.0) -> Callable[[dict], float | None]:
    def f(row: dict) -> float | None:
        d = row.get(den) or 0
        return None if not d else (row.get(num) or 0) * factor / d
    return f


def _sum_of(*names: str) -> Callable[[dict], float | None]:
    return lambda row: sum((row.get(n) or 0) for n in names)


_TENANT = {"platform": "tenant_id", "tenant": "tenant_id"}

SECTIONS: list[Section] = [
    Section(
        "messages_by_channel", "Message volumes by channel",
        {
            **{k: Source("marts.inbox_daily", "activity_date", "channel",
                         {"inbound": "sum(inbound)", "outbound": "sum(outbound)"}, _TENANT) for k in _TENANT},
            "team": Source("marts.daily_stats", "activity_date", "'human outbound'",
                           {"messages_sent": "sum(messages_sent)"}, {"team": "team_id"}),
        },
        chart="messages",
        derived={"messages": lambda r: (r.get("inbound") or 0) + (r.get("outbound") or 0)
                 if "inbound" in r else (r.get("messages_sent") or 0)},
    ),
    Section(
        "response_and_sla", "Response time and SLA compliance",
        {
            **{k: Source("marts.inbox_daily", "activity_date", "channel",
                         {"first_replies": "sum(first_replies)", "response_seconds_sum": "sum(response_seconds_sum)",
                          "replies_within_sla": "sum(replies_within_sla)", "sla_due": "sum(sla_due)",
                          "sla_met": "sum(sla_met)"}, _TENANT) for k in _TENANT},
            "team": Source("marts.daily_stats", "activity_date", "'all channels'",
                           {"first_replies": "sum(first_replies)", "response_seconds_sum": "sum(response_seconds_sum)",
                            "replies_within_sla": "sum(replies_within_sla)"}, {"team": "team_id"}),
        },
        chart="avg_response_minutes",
        derived={"avg_response_minutes": _ratio("response_seconds_sum", "first_replies", 1 / 60),
                 "on_time_reply_rate": _ratio("replies_within_sla", "first_replies"),
                 "sla_compliance_rate": _ratio("sla_met", "sla_due")},
        chart_rate=("sla_compliance_rate", "on_time_reply_rate"),
    ),
    Section(
        "binding_health", "Channel binding health",
        {
            **{k: Source("marts.binding_daily", "activity_date", "provider",
                         {"attempts": "sum(attempts)", "successes": "sum(successes)", "failures": "sum(failures)",
                          "retries": "sum(retries)"}, _TENANT) for k in _TENANT},
            "team": Source("marts.fct_binding_attempts as attempts inner join marts.dim_users as users "
                           "on attempts.user_id = users.user_id", "attempts.activity_date", "attempts.provider",
                           {"attempts": "count(*)", "successes": "sum(case when attempts.is_success then 1 else 0 end)",
                            "failures": "sum(case when attempts.is_failure then 1 else 0 end)",
                            "retries": "sum(case when attempts.is_retry then 1 else 0 end)"},
                           {"team": "users.team_id"}),
        },
        chart="attempts",
        derived={"failure_rate": _ratio("failures", "attempts")},
        chart_rate="failure_rate",
    ),
    Section(
        "sync_health", "Catalog sync health",
        {k: Source("marts.catalog_daily", "activity_date", "'catalog'",
                   {"syncs_finished": "sum(syncs_finished)", "syncs_succeeded": "sum(syncs_succeeded)",
                    "products_synced": "sum(products_synced)"}, _TENANT) for k in _TENANT},
        chart="syncs_finished",
        derived={"sync_success_rate": _ratio("syncs_succeeded", "syncs_finished")},
        chart_rate="sync_success_rate",
    ),
    Section(
        "ai_usage", "AI usage and tokens",
        {
            **{k: Source("marts.ai_daily", "activity_date", "feature",
                         {"generations": "sum(generations)", "applied": "sum(applied)",
                          "prompt_tokens": "sum(prompt_tokens)", "completion_tokens": "sum(completion_tokens)"},
                         _TENANT) for k in _TENANT},
            "team": Source("marts.daily_stats", "activity_date", "'all features'",
                           {"generations": "sum(ai_generations)", "tokens": "sum(ai_tokens)"}, {"team": "team_id"}),
        },
        chart="tokens",
        derived={"tokens": lambda r: r["tokens"] if "tokens" in r and "prompt_tokens" not in r
                 else (r.get("prompt_tokens") or 0) + (r.get("completion_tokens") or 0),
                 "usage_rate": _ratio("applied", "generations")},
        chart_rate="usage_rate",
    ),
    Section(
        "top_templates", "Top templates",
        {k: Source("marts.template_usage", "activity_date", "template_id",
                   {"uses": "sum(uses)", "applies": "sum(applies)"}, _TENANT) for k in _TENANT},
        chart="uses", top_n=10,
    ),
    Section(
        "brand_activity", "Brand assets and campaigns",
        {k: Source("marts.brand_daily", "activity_date_utc", dim,
                   {"asset_views": "sum(asset_views)", "asset_downloads": "sum(asset_downloads)",
                    "campaign_uses": "sum(campaign_uses)", "campaign_sends": "sum(campaign_sends)",
                    "notifications_sent": "sum(notifications_sent)",
                    "notifications_delivered": "sum(notifications_delivered)"}, cols)
         for k, dim, cols in [("platform", "brand_id", {"platform": "brand_id"}),
                              ("brand", "brand_id", {"brand": "brand_id"}),
                              ("tenant", "brand_id", {"tenant": "tenant_id"})]},
        chart="asset_views", top_n=10,
        derived={"delivery_rate": _ratio("notifications_delivered", "notifications_sent")},
    ),
    Section(
        "brand_top_assets", "Brand top assets",
        {k: Source("marts.fct_asset_actions", "activity_date_utc", "asset_id",
                   {"views": "sum(case when action = 'view' then 1 else 0 end)",
                    "downloads": "sum(case when action = 'download' then 1 else 0 end)"},
                   cols, where="tenant_id is not null")
         for k, cols in [("platform", {"platform": "brand_id"}), ("brand", {"brand": "brand_id"}),
                         ("tenant", {"tenant": "tenant_id"})]},
        chart="downloads", top_n=10,
    ),
    Section(
        "brand_top_retailers", "Brand top retailers",
        {k: Source("(select brand_id, tenant_id, activity_date_utc from marts.fct_asset_actions "
                   "union all select brand_id, tenant_id, activity_date_utc from marts.fct_campaign_actions) "
                   "as brand_rows", "activity_date_utc", "tenant_id", {"activity": "count(*)"}, cols,
                   where="tenant_id is not null")
         for k, cols in [("platform", {"platform": "brand_id"}), ("brand", {"brand": "brand_id"})]},
        chart="activity", top_n=10,
    ),
]


def sections_for(scope: Scope) -> list[Section]:
    return [s for s in SECTIONS if s.source_for(scope) is not None]


@dataclass
class SectionData:
    section: Section
    # dimension -> {"current": {measure: value}, "previous": {...}}
    rows: dict[str, dict[str, dict[str, float | None]]]
    audit: list[dict]

    def measures(self) -> list[str]:
        return list(next(iter(self.rows.values()))["current"].keys()) if self.rows else []


def build_query(source: Source, scope: Scope) -> tuple[str, list]:
    """SQL text (fixed fragments only) and its parameters besides the dates."""
    col = source.scope_cols[scope.kind]
    measures = ",\n  ".join(f"{expr} as {name}" for name, expr in source.measures.items())
    conditions = [f"{source.date_col} >= ?", f"{source.date_col} < ?"]
    params: list = []
    if scope.kind != "platform":
        conditions.append(f"{col} = ?")
        params.append(scope.id)
    if source.where:
        conditions.append(source.where)
    sql = (
        f"select cast({source.dimension} as varchar) as dimension,\n  {measures},\n"
        f"  count(distinct {col}) as audit_distinct, min({col}) as audit_min, max({col}) as audit_max\n"
        f"from {source.relation}\nwhere {' and '.join(conditions)}\ngroup by 1"
    )
    return sql, params


def fetch(con: duckdb.DuckDBPyConnection, section: Section, scope: Scope, period: Period) -> SectionData:
    source = section.source_for(scope)
    assert source is not None
    sql, extra = build_query(source, scope)
    rows: dict[str, dict[str, dict]] = {}
    audit = []
    for label, per in (("current", period), ("previous", period.previous())):
        cur = con.execute(sql, [per.start, per.end, *extra])
        names = [d[0] for d in cur.description]
        for rec in cur.fetchall():
            r = dict(zip(names, rec))
            dim = r.pop("dimension") or "(none)"
            a = {k: r.pop(k) for k in ("audit_distinct", "audit_min", "audit_max")}
            vals = {k: (float(v) if v is not None else 0.0) for k, v in r.items()}
            for dname, fn in section.derived.items():
                vals[dname] = fn(vals)
            rows.setdefault(dim, {"current": {}, "previous": {}})[label] = vals
            audit.append({"section": section.name, "period": label, "dimension": dim,
                          "scope_column": source.scope_cols[scope.kind].split(".")[-1], **a})
    for both in rows.values():
        for label in ("current", "previous"):
            vals = {m: both[label].get(m) or 0.0 for m in source.measures}
            for dname, fn in section.derived.items():
                vals[dname] = fn(vals)
            both[label] = vals
    if section.top_n:
        key = section.chart

        def rank(item):
            dim, both = item
            return (-(both["current"].get(key) or 0), -(both["previous"].get(key) or 0), dim)

        rows = dict(sorted(rows.items(), key=rank)[: section.top_n])
    else:
        rows = dict(sorted(rows.items()))
    return SectionData(section, rows, audit)


def totals(data: SectionData) -> dict[str, dict[str, float | None]]:
    """Sum of the additive measures over dimensions, rates re-derived from the sums."""
    source_measures = [m for m in data.measures() if m not in data.section.derived]
    out = {}
    for label in ("current", "previous"):
        summed = {m: sum((both[label].get(m) or 0) for both in data.rows.values()) for m in source_measures}
        for dname, fn in data.section.derived.items():
            summed[dname] = fn(summed)
        out[label] = summed
    return out


def today() -> dt.date:  # pragma: no cover - for defaults only
    return dt.date.today()
