"""Backtest the insights marts against the generator's ground truth.

* Churn risk: every (tenant, scoring date) row of `marts.tenant_churn_risk`
  whose horizon [scoring date, scoring date + horizon) lies inside the data
  is labelled 1 when the manifest says the tenant churned inside the
  horizon, else 0; the ROC AUC of `churn_risk_score` over those rows (ties
  count one half) is the figure. The mart never reads the truth: only this
  evaluation does.
* Anomalies: the false-alarm rate is the share of judged points of
  `marts.kpi_anomalies` flagged as anomalies outside injected incidents
  (every flag on a clean lake is a false alarm); the detection rate is the
  share of injected incidents with at least one flag of the incident's KPI
  for that tenant on an incident day.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

INCIDENT_KPI = {"notification_outage": "delivery_rate", "binding_failure_spike": "binding_failure_rate"}


@dataclass
class EvalResult:
    auc: float | None
    churn_rows: int
    churn_positives: int
    horizon_days: int
    judged_points: int
    false_alarms: int
    false_alarm_rate: float | None
    incidents: int
    incidents_detected: int

    def lines(self) -> list[str]:
        auc = "n/a" if self.auc is None else f"{self.auc:.3f}"
        far = "n/a" if self.false_alarm_rate is None else f"{self.false_alarm_rate:.2%}"
        out = [
            f"churn_risk_auc: {auc} (rows {self.churn_rows}, positives {self.churn_positives}, horizon {self.horizon_days} days)",
            f"anomaly_false_alarm_rate: {far} ({self.false_alarms} of {self.judged_points} judged points)",
        ]
        if self.incidents:
            out.append(f"incidents_detected: {self.incidents_detected} of {self.incidents}")
        return out


def roc_auc(scores: list[float], labels: list[int]) -> float | None:
    """Mann-Whitney AUC with average ranks for ties; None without both classes."""
    pos = sum(labels)
    neg = len(labels) - pos
    if pos == 0 or neg == 0:
        return None
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        avg = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[order[k]] = avg
        i = j + 1
    rank_sum = sum(r for r, y in zip(ranks, labels) if y)
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def load_manifest(lake: str | Path) -> dict:
    return json.loads((Path(lake) / "_generator_manifest.json").read_text())


def incident_days(inc: dict) -> list[dt.date]:
    day = dt.date.fromisoformat(inc["day"])
    return [day + dt.timedelta(days=k) for k in range(int(inc.get("days", 1)))]


def evaluate(database: str | Path, lake: str | Path, horizon_days: int = 21) -> EvalResult:
    manifest = load_manifest(lake)
    churn_at = {r["tenant_id"]: dt.datetime.fromisoformat(r["churn_at"]) for r in manifest.get("churned_tenants", [])}
    incidents = manifest.get("incidents", [])
    con = duckdb.connect(str(database), read_only=True)
    try:
        last = con.execute("select max(activity_date) from marts.kpi_anomalies").fetchone()[0]
        as_of = con.execute("select as_of_at from intermediate.int_as_of").fetchone()[0]
        rows = con.execute(
            "select tenant_id, scoring_date, churn_risk_score from marts.tenant_churn_risk "
            "where scoring_date + ? * interval 1 day <= ? order by tenant_id, scoring_date",
            [horizon_days, as_of],
        ).fetchall()
        points = con.execute("select tenant_id, kpi, activity_date, is_anomaly from marts.kpi_anomalies").fetchall()
    finally:
        con.close()
    del last
    scores, labels = [], []
    for tenant, scoring_date, score in rows:
        start = dt.datetime.combine(scoring_date, dt.time())
        when = churn_at.get(tenant)
        labels.append(int(when is not None and start <= when < start + dt.timedelta(days=horizon_days)))
        scores.append(float(score))

    incident_keys = set()
    for inc in incidents:
        for day in incident_days(inc):
            # the tenant-local day and the next (an outage spills over midnight)
            for extra in (0, 1):
                incident_keys.add((inc["tenant_id"], INCIDENT_KPI[inc["kind"]], day + dt.timedelta(days=extra)))
    judged = [p for p in points if (p[0], p[1], p[2]) not in incident_keys]
    false_alarms = sum(1 for p in judged if p[3])
    flagged = {(p[0], p[1], p[2]) for p in points if p[3]}
    detected = 0
    for inc in incidents:
        kpi = INCIDENT_KPI[inc["kind"]]
        if any((inc["tenant_id"], kpi, day) in flagged for day in incident_days(inc)):
            detected += 1
    return EvalResult(
        auc=roc_auc(scores, labels),
        churn_rows=len(rows),
        churn_positives=sum(labels),
        horizon_days=horizon_days,
        judged_points=len(judged),
        false_alarms=false_alarms,
        false_alarm_rate=(false_alarms / len(judged)) if judged else None,
        incidents=len(incidents),
        incidents_detected=detected,
    )
