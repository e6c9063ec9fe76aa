"""What was unusual in the period, from marts.kpi_anomalies, in plain sentences."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import formatting as fmt
from .periods import Period
from .warehouse import Reader

# kpi -> (subject, unit of kpi_value); rates say what their share is of
KPIS = {
    "message_volume": ("messages", "count"),
    "response_time": ("first replies", "seconds"),
    "sla_compliance": ("of the replies due met the SLA", "rate"),
    "delivery_rate": ("of notifications were delivered", "rate"),
    "binding_failure_rate": ("of channel connection attempts failed", "rate"),
    "ai_tokens": ("AI tokens", "count"),
}


@dataclass
class Anomaly:
    tenant_id: str
    day: dt.date
    kpi: str
    value: float | None
    baseline: float | None
    direction: str
    adverse: bool
    severity: str
    score: float

    def sentence(self) -> str:
        subject, unit = KPIS.get(self.kpi, (self.kpi.replace("_", " "), "count"))
        when = fmt.long_day(self.day)
        v, b = self.value, self.baseline
        if unit == "rate":
            return f"On {when}, {fmt.rate(v)} {subject} – usually about {fmt.rate(b)}."
        if unit == "seconds":
            if v and b:
                ratio = v / b
                how = f"{ratio:.1f}× longer than usual" if ratio >= 1 else f"{1 / ratio:.1f}× faster than usual"
            else:
                how = "unusually " + ("slowly" if self.direction == "up" else "fast")
            return f"On {when}, first replies took {how} ({fmt.minutes(v)} against about {fmt.minutes(b)})."
        if v == 0:
            return f"On {when}, no {subject} at all – usually about {fmt.count(b)}."
        if not b:
            return f"On {when}, {fmt.count(v)} {subject}, where there are usually next to none."
        ratio = v / b
        how = (
            f"{ratio:.1f}× the usual number of {subject}" if ratio >= 1 else f"{(1 - ratio) * 100:.0f}% fewer {subject} than usual"
        )
        return f"On {when}, {how} ({fmt.count(v)} against about {fmt.count(b)})."


def anomalies(reader: Reader, period: Period, limit: int = 6) -> list[Anomaly]:
    """Flagged points of the period, most severe first."""
    rows = reader.rows(
        "select tenant_id, activity_date, kpi, kpi_value, baseline, direction, is_adverse, severity, "
        f"anomaly_score from {reader.rel('kpi_anomalies')} "
        "where is_anomaly and activity_date >= ? and activity_date < ?",
        [period.start, period.end],
    )
    found = [
        Anomaly(
            r["tenant_id"],
            r["activity_date"],
            r["kpi"],
            None if r["kpi_value"] is None else float(r["kpi_value"]),
            None if r["baseline"] is None else float(r["baseline"]),
            r["direction"],
            bool(r["is_adverse"]),
            r["severity"],
            abs(float(r["anomaly_score"] or 0)),
        )
        for r in rows
    ]
    found.sort(key=lambda a: (not a.adverse, -a.score, a.day, a.kpi, a.tenant_id))
    return found[:limit] if limit else found


def count(reader: Reader, period: Period) -> int:
    r = reader.rows(
        f"select count(*) as n from {reader.rel('kpi_anomalies')} where is_anomaly and activity_date >= ? and activity_date < ?",
        [period.start, period.end],
    )
    return int(r[0]["n"])
