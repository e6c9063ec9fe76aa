"""Assemble one report: the scope's name, page 1 (headline figures, what was
unusual) and one section per module the scope uses, all read as the scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import anomalies as anom
from . import formatting as fmt
from .headline import Figure, headline
from .periods import Period, Scope
from .scope_sections import BRAND, PLATFORM, TEAM
from .sections import TENANT, Section, both, brand_names, tenant_names
from .warehouse import Reader, ReportError

SECTIONS = {"tenant": TENANT, "team": TEAM, "brand": BRAND, "platform": PLATFORM}


@dataclass
class Report:
    scope: Scope
    period: Period
    name: str  # the store's, team's, brand's name, or the platform's
    subtitle: str
    figures: list[Figure]
    unusual: list[str]  # sentences
    unusual_note: str
    sections: list[Section]
    source: str  # warehouse and login the report read as
    partial: str = ""  # the period runs past the data's last day
    files: list = field(default_factory=list)

    @property
    def stem(self) -> str:
        return f"{self.scope.slug}_{self.period.kind}_{self.period.label}"

    @property
    def period_words(self) -> str:
        return fmt.period_words(self.period.kind, self.period.start, self.period.end)

    @property
    def in_words(self) -> str:
        """Page 1's figures as sentences: the four that moved most, bad news first (a point of a
        rate weighs like 2% of a count)."""
        before = {"day": "the day before", "week": "the week before", "month": "the month before"}[self.period.kind]
        moved = []
        for f in self.figures:
            delta = fmt.change(f.current, f.previous, f.kpi.unit)[1]
            if delta is not None and f.tone != "flat" and not f.kpi.monthly:
                moved.append((f.tone != "bad", -abs(delta) * (2 if f.kpi.unit == "rate" else 1), len(moved), f, delta))
        out = []
        for _, _, _, f, delta in sorted(moved):
            size = f"{abs(delta):.1f} points" if f.kpi.unit == "rate" else f"{abs(delta):.0f}%"
            if f.kpi.unit == "minutes":
                how = "slower" if delta > 0 else "faster"
            elif f.kpi.unit == "rate":
                how = "up" if delta > 0 else "down"
            else:
                how = "more" if delta > 0 else "fewer"
            text = f"{size} {how} than {before}" if how in ("slower", "faster", "more", "fewer") else f"{how} {size} on {before}"
            out.append(f"{f.kpi.label}: {f.text}, {text}.")
            if len(out) == 4:
                break
        return " ".join(out)

    @property
    def previous_words(self) -> str:
        prev = self.period.previous()
        return fmt.period_words(prev.kind, prev.start, prev.end)


def names(reader: Reader, scope: Scope) -> tuple[str, str]:
    """(title, subtitle) of the scope, read by id."""
    if scope.kind == "platform":
        return "Retail SaaS platform", "All tenants, brands and subscriptions"
    if scope.kind == "tenant":
        r = reader.lookup("select tenant_name, plan, country from marts.dim_tenants where tenant_id = ?", [scope.id])
        return (r[0]["tenant_name"], f"Store report · {str(r[0]['plan']).capitalize()} plan") if r else ("", "")
    if scope.kind == "brand":
        r = brand_names(reader, [scope.id])
        return r.get(scope.id, ""), "Brand report · how retailers use your brand's material"
    r = reader.lookup("select team_name, tenant_id from marts.dim_teams where team_id = ?", [scope.id])
    if not r:
        return "", ""
    store = tenant_names(reader, [r[0]["tenant_id"]]).get(r[0]["tenant_id"], "")
    return r[0]["team_name"], f"Team report · {store}"


def data_bounds(reader: Reader) -> tuple:
    r = reader.lookup("select min(activity_date) as lo, max(activity_date) as hi from marts.inbox_daily")
    return (r[0]["lo"], r[0]["hi"]) if r else (None, None)


def data_range(reader: Reader) -> str:
    lo, hi = data_bounds(reader)
    return f"{lo} .. {hi}" if lo else "no days"


def brand_movers(reader: Reader, period: Period, top: int = 4) -> tuple[list[str], str]:
    """Brands have no anomaly mart: the retailers whose use of the brand changed most."""
    m = {"actions": "sum(asset_views + asset_downloads + asset_shares + campaign_uses)"}
    cur, prev = both(reader, "brand_daily", "activity_date_utc", "tenant_id", m, period)
    moves = []
    for t in set(cur) | set(prev):
        c, p = cur.get(t, {}).get("actions", 0.0), prev.get(t, {}).get("actions", 0.0)
        if max(c, p) >= 10 and (not p or not c or max(c / p, p / c) >= 1.5):
            moves.append((-abs(c - p), t, c, p))
    moves.sort()
    names = tenant_names(reader, [t for _, t, _, _ in moves[:top]])
    before = period.previous()
    lines = []
    for _, t, c, p in moves[:top]:
        who = names.get(t, "A retailer")
        if not p:
            lines.append(
                f"{who} started working with the brand's material: {fmt.count(c)} views, downloads "
                f"and campaign uses, none in {fmt.period_words(before.kind, before.start, before.end)}."
            )
        elif not c:
            lines.append(f"{who} did not use the brand's material at all, after {fmt.count(p)} actions the {period.kind} before.")
        else:
            lines.append(
                f"{who}: {fmt.count(c)} views, downloads and campaign uses, "
                + (f"{c / p:.1f}× as many as" if c > p else f"{(1 - c / p) * 100:.0f}% fewer than")
                + f" the {period.kind} before."
            )
    note = "Retailers whose use of the brand changed the most:" if lines else "No retailer's use of the brand changed markedly."
    return lines, note


def unusual(reader: Reader, scope: Scope, period: Period) -> tuple[list[str], str]:
    if scope.kind == "brand":
        return brand_movers(reader, period)
    found = anom.anomalies(reader, period)
    total = anom.count(reader, period)
    if scope.kind == "platform":
        nm = tenant_names(reader, [a.tenant_id for a in found])
        lines = [f"{nm.get(a.tenant_id, 'A tenant')}: {a.sentence()}" for a in found]
        note = f"{total} unusual figures across all tenants; the most marked:" if total else ""
    else:
        lines = [a.sentence() for a in found]
        note = "Across the whole store:" if scope.kind == "team" and found else ""
        if total > len(found):
            note = (note + f" {total} in all, the most marked shown.").strip()
    if not found:
        note = "Nothing unusual: every watched figure stayed within its usual range."
    return lines, note


def build(reader: Reader, scope: Scope, period: Period) -> Report:
    title, subtitle = names(reader, scope)
    figures = headline(reader, scope.kind, period)
    if not any(f.in_period for f in figures):
        who = f"{title} ({scope})" if title else str(scope)
        raise ReportError(f"no data for {who} in {period} (the marts hold {data_range(reader)}); nothing to report")
    lines, note = unusual(reader, scope, period)
    sections = [s for s in (fn(reader, period) for fn in SECTIONS[scope.kind]) if s is not None]
    source = reader.warehouse + (f" marts, read as {reader.login}" if getattr(reader, "login", None) else " marts")
    last = data_bounds(reader)[1]
    partial = (
        f"The data ends on {fmt.long_day(last)}: this period is not complete yet."
        if last is not None and last < period.end - dt.timedelta(days=1)
        else ""
    )
    return Report(scope, period, title, subtitle, figures, lines, note, sections, source, partial=partial)


def today() -> dt.date:  # pragma: no cover
    return dt.date.today()
