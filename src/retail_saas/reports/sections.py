"""One section per module the scope uses: a short lead, tables with names
and human units, a chart where it helps. Each section reads additive parts
and derives its rates from their sums (kpis.md); nothing internal (sums of
seconds, raw parts) is shown, the CSV rows keep the raw figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from . import charts
from . import formatting as fmt
from .periods import Period
from .warehouse import Reader, in_list

LABELS = {
    "email": "Email",
    "sms": "SMS",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "whatsapp": "WhatsApp",
    "push": "Push",
    "in_app": "In-app",
    "gmail": "Gmail",
    "outlook": "Outlook",
    "imap": "IMAP mail",
    "twilio": "Twilio",
    "compose": "Compose",
    "reply": "Reply",
    "subject_line": "Subject lines",
    "rewrite": "Rewrite",
    "translate": "Translate",
    "abandoned_cart": "Abandoned cart",
    "winback": "Win-back",
    "html": "HTML",
    "text": "plain-text",
    "ai_assist": "AI assist",
    "crm": "CRM",
    # churn-risk factors and funnel steps
    "activity_decline": "Activity falling",
    "low_seat_use": "Few seats in use",
    "sync_failures": "Sync failures",
    "sla_decline": "SLA compliance falling",
    "subscription_signal": "Trial or downgrade",
    "first_ai_generation": "First AI draft",
    "first_template_use": "First template use",
    "first_human_reply": "First reply by a person",
    "first_inbound_message": "First message received",
    "first_successful_binding": "First channel connected",
}


def label(v) -> str:
    v = "(none)" if v is None else str(v)
    return LABELS.get(v, v.replace("_", " ").capitalize())


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    left: int = 1  # leading columns aligned left (names); figures align right


@dataclass
class Section:
    key: str
    title: str
    lead: str
    tables: list[Table] = field(default_factory=list)
    chart: str | None = None
    chart_caption: str = ""
    csv: list[dict] = field(default_factory=list)  # raw figures for the archive


def _ratio(num, den):
    return None if not den else num / den


def _f(v) -> float:
    return float(v or 0)


def sums(reader: Reader, mart: str, date_col: str, dim: str | None, measures: dict[str, str], per: Period, where: str = "") -> dict:
    """{dimension: {measure: value}} of the period (dimension None: one row, key None)."""
    sel = ", ".join(f"{expr} as {name}" for name, expr in measures.items())
    group = f" group by {dim}" if dim else ""
    extra = f" and {where}" if where else ""
    rows = reader.rows(
        f"select {dim + ' as dim, ' if dim else ''}{sel} from {reader.rel(mart)} "
        f"where {date_col} >= ? and {date_col} < ?{extra}{group}",
        [per.start, per.end],
    )
    return {(r.pop("dim") if dim else None): {k: _f(v) for k, v in r.items()} for r in rows}


def both(reader, mart, date_col, dim, measures, period, where="") -> tuple[dict, dict]:
    return (
        sums(reader, mart, date_col, dim, measures, period, where),
        sums(reader, mart, date_col, dim, measures, period.previous(), where),
    )


def _active(cur: dict, prev: dict, keys: list[str]) -> bool:
    return any(row.get(k) for d in (cur, prev) for row in d.values() for k in keys)


def used(reader, mart, date_col, dim, measures, period, keys=None) -> tuple[dict, dict] | None:
    """Both periods by dimension (dim None: totals under key None), or None when `keys` (default: all
    measures) are nothing in both periods: a module the scope did not use."""
    cur, prev = both(reader, mart, date_col, dim, measures, period)
    return (cur, prev) if _active(cur, prev, keys or list(measures)) else None


def daily(reader: Reader, mart: str, date_col: str, dim: str, measure: str, period: Period) -> tuple[list, dict]:
    rows = reader.rows(
        f"select {date_col} as day, {dim} as dim, {measure} as v from {reader.rel(mart)} "
        f"where {date_col} >= ? and {date_col} < ? group by 1, 2",  # positions: dim may be a constant
        [period.start, period.end],
    )
    days = [period.start + dt.timedelta(days=i) for i in range((period.end - period.start).days)]
    series: dict[str, list[float]] = {}
    for r in rows:
        day = r["day"].date() if isinstance(r["day"], dt.datetime) else r["day"]
        series.setdefault(label(r["dim"]), [0.0] * len(days))[(day - period.start).days] += _f(r["v"])
    return days, dict(sorted(series.items()))


def _csv(section: str, dim_name: str, cur: dict, prev: dict, names: Callable = label) -> list[dict]:
    out = []
    for key in sorted(set(cur) | set(prev), key=str):
        for m in sorted(set(cur.get(key, {})) | set(prev.get(key, {}))):
            out.append(
                {
                    "section": section,
                    dim_name: names(key),
                    "metric": m,
                    "current": cur.get(key, {}).get(m, 0.0),
                    "previous": prev.get(key, {}).get(m, 0.0),
                }
            )
    return out


def _rank(cur: dict, key: str) -> list:
    return sorted(cur, key=lambda d: (-cur[d].get(key, 0), str(d)))


# -- tenant --------------------------------------------------------------------------------------------


def inbox(reader: Reader, period: Period, title: str = "Conversations") -> Section | None:
    m = {
        "inbound": "sum(inbound)",
        "outbound": "sum(outbound)",
        "first_replies": "sum(first_replies)",
        "response_seconds_sum": "sum(response_seconds_sum)",
        "sla_met": "sum(sla_met)",
        "sla_due": "sum(sla_due)",
    }
    cur, prev = both(reader, "inbox_daily", "activity_date", "channel", m, period)
    if not _active(cur, prev, ["inbound", "outbound"]):
        return None
    rows = []
    for ch in _rank(cur, "inbound") + sorted(set(prev) - set(cur)):
        c, p = cur.get(ch, {}), prev.get(ch, {})
        rows.append(
            [
                label(ch),
                fmt.count(c.get("inbound", 0)),
                fmt.count(c.get("outbound", 0)),
                fmt.minutes(_ratio(c.get("response_seconds_sum", 0), c.get("first_replies"))),
                fmt.rate(_ratio(c.get("sla_met", 0), c.get("sla_due"))),
                fmt.change(c.get("inbound", 0), p.get("inbound", 0), "count")[0],
            ]
        )
    tot = sum(c["inbound"] for c in cur.values())
    busiest = max(cur, key=lambda k: cur[k]["inbound"]) if cur else None
    lead = (
        f"{fmt.count(tot)} messages came in; {label(busiest)} was the busiest channel."
        if busiest
        else "No messages came in this period."
    )
    chart = None
    if period.kind != "day":
        days, series = daily(reader, "inbox_daily", "activity_date", "channel", "sum(inbound)", period)
        chart = charts.daily_bars(days, series, "messages received") if series else None
    return Section(
        "conversations",
        title,
        lead,
        [Table(["Channel", "Received", "Sent", "Average first reply", "Replies within SLA", "Received vs previous"], rows)],
        chart,
        "Messages received per day, by channel",
        _csv("conversations", "channel", cur, prev),
    )


def notifications(reader: Reader, period: Period) -> Section | None:
    m = {"sent": "sum(sent)", "delivered": "sum(delivered)", "opened": "sum(opened)", "failed": "sum(failed)"}
    found = used(reader, "notification_daily", "activity_date", "channel", m, period, ["sent"])
    if found is None:
        return None
    cur, prev = found
    rows = []
    for ch in _rank(cur, "sent"):
        c, p = cur[ch], prev.get(ch, {})
        rows.append(
            [
                label(ch),
                fmt.count(c["sent"]),
                fmt.rate(_ratio(c["delivered"], c["sent"])),
                fmt.rate(_ratio(c["opened"], c["sent"])),
                fmt.change(_ratio(c["delivered"], c["sent"]), _ratio(p.get("delivered", 0), p.get("sent")), "rate")[0],
            ]
        )
    sent = sum(c["sent"] for c in cur.values())
    failed = sum(c["failed"] for c in cur.values())
    lead = f"{fmt.count(sent)} notifications sent, {fmt.count(failed)} of them failed."
    return Section(
        "notifications",
        "Notifications",
        lead,
        [Table(["Channel", "Sent", "Delivered", "Opened", "Delivered vs previous"], rows)],
        csv=_csv("notifications", "channel", cur, prev),
    )


def ai(reader: Reader, period: Period) -> Section | None:
    m = {
        "generations": "sum(generations)",
        "applied": "sum(applied)",
        "sent": "sum(sent)",
        "tokens": "sum(prompt_tokens + completion_tokens)",
    }
    found = used(reader, "ai_daily", "activity_date", "feature", m, period, ["generations"])
    if found is None:
        return None
    cur, prev = found
    rows = [
        [
            label(f),
            fmt.count(c["generations"]),
            fmt.rate(_ratio(c["applied"], c["generations"])),
            fmt.count(c["tokens"]),
            fmt.change(c["generations"], prev.get(f, {}).get("generations", 0), "count")[0],
        ]
        for f, c in ((f, cur[f]) for f in _rank(cur, "generations"))
    ]
    gen = sum(c["generations"] for c in cur.values())
    lead = f"The AI assistant wrote {fmt.count(gen)} drafts; the table shows how many your team used."
    return Section(
        "ai_assistant",
        "AI assistant",
        lead,
        [Table(["Feature", "Drafts", "Used", "Tokens", "Drafts vs previous"], rows)],
        csv=_csv("ai_assistant", "feature", cur, prev),
    )


def templates(reader: Reader, period: Period, top: int = 8) -> Section | None:
    m = {"uses": "sum(uses)", "applies": "sum(applies)", "edits": "sum(edits)"}
    cur, prev = both(reader, "template_usage", "activity_date", "template_id", m, period)
    if not _active(cur, prev, ["uses", "applies"]):
        return None
    ranked = _rank(cur, "uses")[:top]
    marks, params = in_list(ranked)
    info = {
        r["template_id"]: r
        for r in reader.lookup(
            f"select template_id, scope, language, format, created_at from marts.dim_templates where template_id in {marks}", params
        )
    }

    def name(tid):
        t = info.get(tid)
        if not t:
            return "Template (details not available)"
        made = t["created_at"]
        return f"{label(t['scope'])} template, {label(t['format'])}, {str(t['language']).upper()}" + (
            f", created {made.day} {made:%b %Y}" if made else ""
        )

    rows = [
        [
            str(i + 1),
            name(t),
            fmt.count(cur[t]["uses"]),
            fmt.count(cur[t]["applies"]),
            fmt.change(cur[t]["uses"], prev.get(t, {}).get("uses", 0), "count")[0],
        ]
        for i, t in enumerate(ranked)
    ]
    uses = sum(c["uses"] for c in cur.values())
    used = sum(1 for c in cur.values() if c["uses"])
    lead = f"Templates were used {fmt.count(uses)} times, {used} different ones. The most used:"
    return Section(
        "templates",
        "Templates",
        lead,
        [Table(["#", "Template", "Uses", "Applied", "Uses vs previous"], rows, left=2)],
        csv=_csv("templates", "template", {t: cur[t] for t in ranked}, {t: prev[t] for t in ranked if t in prev}, names=name),
    )


def _totals_table(items: list[tuple[str, str, float | None, float | None]]) -> Table:
    """Figure, this period, previous, change; figures that are nothing in both periods are left out."""
    return Table(
        ["", "This period", "Previous period", "Change"],
        [[lbl, fmt.value(c, unit), fmt.value(p, unit), fmt.change(c, p, unit)[0]] for lbl, unit, c, p in items if c or p],
    )


def catalog(reader: Reader, period: Period) -> Section | None:
    m = {
        "products_synced": "sum(products_synced)",
        "products_added": "sum(products_added)",
        "syncs_finished": "sum(syncs_finished)",
        "syncs_succeeded": "sum(syncs_succeeded)",
        "images_uploaded": "sum(images_uploaded)",
        "image_bytes": "sum(image_bytes)",
        "cdn_requests": "sum(cdn_requests)",
        "cdn_bytes": "sum(cdn_bytes)",
    }
    found = used(reader, "catalog_daily", "activity_date", None, m, period)
    if found is None:
        return None
    c, p = found[0].get(None, {}), found[1].get(None, {})
    items = [
        ("Products synced", "count", c.get("products_synced"), p.get("products_synced")),
        ("Products added", "count", c.get("products_added"), p.get("products_added")),
        ("Syncs finished", "count", c.get("syncs_finished"), p.get("syncs_finished")),
        (
            "Syncs that succeeded",
            "rate",
            _ratio(c.get("syncs_succeeded", 0), c.get("syncs_finished")),
            _ratio(p.get("syncs_succeeded", 0), p.get("syncs_finished")),
        ),
        ("Images uploaded", "count", c.get("images_uploaded"), p.get("images_uploaded")),
        ("Image storage added", "bytes", c.get("image_bytes"), p.get("image_bytes")),
        ("Catalog page requests (CDN)", "count", c.get("cdn_requests"), p.get("cdn_requests")),
        ("CDN traffic", "bytes", c.get("cdn_bytes"), p.get("cdn_bytes")),
    ]
    lead = (
        f"{fmt.count(c.get('syncs_finished'))} catalog syncs finished; "
        f"{fmt.rate(_ratio(c.get('syncs_succeeded', 0), c.get('syncs_finished')))} of them succeeded."
        if c.get("syncs_finished")
        else f"No catalog sync finished; shoppers requested catalog pages {fmt.count(c.get('cdn_requests'))} times."
    )
    return Section(
        "catalog", "Product catalog", lead, [_totals_table(items)], csv=_csv("catalog", "dimension", {"all": c}, {"all": p})
    )


def crm(reader: Reader, period: Period) -> Section | None:
    m = {
        "contacts_added": "sum(contacts_added)",
        "contacts_updated": "sum(contacts_updated)",
        "contacts_deleted": "sum(contacts_deleted)",
        "import_rows_imported": "sum(import_rows_imported)",
        "import_rows_rejected": "sum(import_rows_rejected)",
        "grade_upgrades": "sum(grade_upgrades)",
    }
    cur, prev = both(reader, "crm_daily", "activity_date", None, m, period)
    am = {"triggered": "sum(triggered)", "sent": "sum(sent)", "failed": "sum(failed)"}
    acur, aprev = both(reader, "automation_daily", "activity_date", "trigger_type", am, period)
    c, p = cur.get(None, {}), prev.get(None, {})
    if not any(c.get(k) or p.get(k) for k in m) and not _active(acur, aprev, ["triggered"]):
        return None
    tables = [
        _totals_table(
            [
                (lbl, "count", c.get(k), p.get(k))
                for lbl, k in [
                    ("Contacts added", "contacts_added"),
                    ("Contacts updated", "contacts_updated"),
                    ("Contacts deleted", "contacts_deleted"),
                    ("Rows imported", "import_rows_imported"),
                    ("Rows rejected by imports", "import_rows_rejected"),
                    ("Contacts upgraded a grade", "grade_upgrades"),
                ]
            ]
        )
    ]
    if acur:
        tables.append(
            Table(
                ["Automation", "Triggered", "Sent", "Failed"],
                [
                    [label(t), fmt.count(a["triggered"]), fmt.count(a["sent"]), fmt.rate(_ratio(a["failed"], a["triggered"]))]
                    for t, a in ((t, acur[t]) for t in _rank(acur, "triggered"))
                ],
                caption="Marketing automations",
            )
        )
    sent = sum(a["sent"] for a in acur.values())
    lead = f"{fmt.count(c.get('contacts_added'))} new contacts" + (
        f"; marketing automations sent {fmt.count(sent)} messages." if sent else "."
    )
    return Section(
        "contacts",
        "Contacts and automations",
        lead,
        tables,
        csv=_csv("contacts", "dimension", {"all": c}, {"all": p}) + _csv("automations", "trigger", acur, aprev),
    )


def customers_at_risk(reader: Reader, period: Period, top: int = 10) -> Section | None:
    """Contacts likely to go quiet (contact_churn_risk) and the segments (contact_segments), latest on or before
    the period's end."""
    day = reader.rows(f"select max(scored_on) as d from {reader.rel('contact_churn_risk')} where scored_on <= ?", [period.end])[0][
        "d"
    ]
    if day is None:
        return None
    rows = reader.rows(
        f"select contact_id, risk_score, risk_band, top_factors from {reader.rel('contact_churn_risk')} "
        "where scored_on = ? order by risk_score desc, contact_id",
        [day],
    )
    segments = reader.rows(
        f"select segment, count(*) as n from {reader.rel('contact_segments')} "
        "where segment_date = ? group by segment order by n desc, segment",
        [day],
    )
    tables = [
        Table(
            ["Customer", "Risk score", "Band", "Why"],
            [[r["contact_id"], f"{_f(r['risk_score']):.2f}", label(r["risk_band"]), r["top_factors"]] for r in rows[:top]],
            caption="Customers most likely to go quiet",
        )
    ]
    if segments:
        tables.append(
            Table(
                ["Segment", "Customers"], [[label(r["segment"]), fmt.count(r["n"])] for r in segments], caption="Customer segments"
            )
        )
    high = sum(1 for r in rows if r["risk_band"] == "high")
    return Section(
        "customers_at_risk",
        "Customers at risk",
        f"{high} of {len(rows)} active customers are at high risk of going quiet (scored on {fmt.long_day(day)}).",
        tables,
        csv=[{"section": "customers_at_risk", **r} for r in rows[:top]],
    )


def connections(reader: Reader, period: Period) -> Section | None:
    m = {
        "attempts": "sum(attempts)",
        "successes": "sum(successes)",
        "failures": "sum(failures)",
        "new_bindings": "sum(new_bindings)",
    }
    found = used(reader, "binding_daily", "activity_date", "provider", m, period, ["attempts"])
    if found is None:
        return None
    cur, prev = found
    rows = [
        [
            label(pv),
            fmt.count(c["attempts"]),
            fmt.count(c["new_bindings"]),
            fmt.rate(_ratio(c["failures"], c["attempts"])),
            fmt.change(
                _ratio(c["failures"], c["attempts"]),
                _ratio(prev.get(pv, {}).get("failures", 0), prev.get(pv, {}).get("attempts")),
                "rate",
            )[0],
        ]
        for pv, c in ((pv, cur[pv]) for pv in _rank(cur, "attempts"))
    ]
    att = sum(c["attempts"] for c in cur.values())
    lead = f"{fmt.count(att)} attempts to connect a mailbox or social account."
    return Section(
        "connections",
        "Channel connections",
        lead,
        [Table(["Provider", "Attempts", "New connections", "Failed", "Failed vs previous"], rows)],
        csv=_csv("connections", "provider", cur, prev),
    )


BRAND_M = {
    "asset_views": "sum(asset_views)",
    "asset_downloads": "sum(asset_downloads)",
    "campaign_uses": "sum(campaign_uses)",
    "campaign_sends": "sum(campaign_sends)",
}


def brands_carried(reader: Reader, period: Period) -> Section | None:
    cur, prev = both(reader, "brand_daily", "activity_date_utc", "brand_id", BRAND_M, period)
    if not _active(cur, prev, list(BRAND_M)):
        return None
    names = brand_names(reader, list(cur) + list(prev))
    rows = [
        [
            names.get(b, "(unnamed brand)"),
            fmt.count(c["asset_views"]),
            fmt.count(c["asset_downloads"]),
            fmt.count(c["campaign_uses"]),
            fmt.count(c["campaign_sends"]),
        ]
        for b, c in ((b, cur[b]) for b in _rank(cur, "asset_views"))
    ]
    lead = f"Your team worked with the material of {len(cur)} brands you carry."
    return Section(
        "brands",
        "Brands you carry",
        lead,
        [Table(["Brand", "Asset views", "Downloads", "Campaigns used", "Campaign sends"], rows)],
        csv=_csv("brands", "brand", cur, prev, names=lambda b: names.get(b, b)),
    )


def brand_names(reader: Reader, ids) -> dict:
    marks, params = in_list(ids)
    return {
        r["brand_id"]: r["brand_name"]
        for r in reader.lookup(f"select brand_id, brand_name from marts.dim_brands where brand_id in {marks}", params)
    }


def tenant_names(reader: Reader, ids) -> dict:
    marks, params = in_list(ids)
    return {
        r["tenant_id"]: r["tenant_name"]
        for r in reader.lookup(f"select tenant_id, tenant_name from marts.dim_tenants where tenant_id in {marks}", params)
    }


TENANT = [inbox, notifications, ai, templates, catalog, crm, customers_at_risk, connections, brands_carried]
