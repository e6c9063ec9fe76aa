"""Backtests of the contact insights against simple baselines, at several cut-offs.

Labels and baselines are computed here, in Python, from staging rows; only
the scores and the recommended lists come from the marts. A cut-off D is
used only when the whole label window [D, D + horizon) lies inside the data
(before as_of), so nothing is judged on days the data does not have.

* Contact churn (docs/decisions.md, "Contact churn"): the contacts scored at
  D (marts.contact_churn_risk) are labelled churned when they send no
  inbound message in [D, D + horizon). Score: ROC AUC and precision in the
  top decile of risk_score; baseline: days since the contact's last inbound
  message before D (recency only).
* Templates: every user who exists at D (created before it, not deleted)
  and has a template use/apply in [D, D + 14 days) is a hit when one of those templates is among its 5 recommendations at D
  (marts.template_recommendations); baseline: the 5 templates its tenant
  used most before D (ties: template_id), the same for every user.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .evaluate import roc_auc

CHURN_HORIZON_DAYS = 21
TEMPLATE_HORIZON_DAYS = 14
# the margins the README states: the model must beat its baseline by these
AUC_MARGIN = 0.01
PRECISION_MARGIN = 0.01
HIT_RATE_MARGIN = 0.05


@dataclass
class CutoffFigures:
    cutoff: dt.date
    rows: int
    positives: int
    model: float | None
    baseline: float | None
    model_extra: float | None = None
    baseline_extra: float | None = None


@dataclass
class Backtest:
    churn: list[CutoffFigures] = field(default_factory=list)
    templates: list[CutoffFigures] = field(default_factory=list)

    @staticmethod
    def _mean(values: list[float | None]) -> float | None:
        vals = [v for v in values if v is not None]
        return sum(vals) / len(vals) if vals else None

    def churn_auc(self) -> tuple[float | None, float | None]:
        return self._mean([c.model for c in self.churn]), self._mean([c.baseline for c in self.churn])

    def churn_precision(self) -> tuple[float | None, float | None]:
        return self._mean([c.model_extra for c in self.churn]), self._mean([c.baseline_extra for c in self.churn])

    def hit_rate(self) -> tuple[float | None, float | None]:
        return self._mean([c.model for c in self.templates]), self._mean([c.baseline for c in self.templates])

    def cold_hit_rate(self) -> tuple[float | None, float | None]:
        return self._mean([c.model_extra for c in self.templates]), self._mean([c.baseline_extra for c in self.templates])

    def lines(self) -> list[str]:
        def f(x: float | None) -> str:
            return "n/a" if x is None else f"{x:.3f}"

        out = []
        for c in self.churn:
            out.append(
                f"contact_churn {c.cutoff}: rows {c.rows}, churned {c.positives}, auc {f(c.model)} vs "
                f"recency {f(c.baseline)}, precision@top10% {f(c.model_extra)} vs recency {f(c.baseline_extra)}"
            )
        for c in self.templates:
            out.append(
                f"template_hits {c.cutoff}: users {c.rows} (cold-start {c.positives}), hit@5 {f(c.model)} vs "
                f"tenant top-5 {f(c.baseline)}, cold-start {f(c.model_extra)} vs {f(c.baseline_extra)}"
            )
        (auc, b_auc), (prec, b_prec) = self.churn_auc(), self.churn_precision()
        (hit, b_hit), (cold, b_cold) = self.hit_rate(), self.cold_hit_rate()
        out += [
            f"contact_churn_auc: {f(auc)} vs recency baseline {f(b_auc)} "
            f"({len(self.churn)} cut-offs, horizon {CHURN_HORIZON_DAYS} days, margin {AUC_MARGIN})",
            f"contact_churn_precision_top_decile: {f(prec)} vs recency baseline {f(b_prec)} (margin {PRECISION_MARGIN})",
            f"template_hit_rate_at_5: {f(hit)} vs most-popular-in-tenant baseline {f(b_hit)} "
            f"({len(self.templates)} cut-offs, next {TEMPLATE_HORIZON_DAYS} days, margin {HIT_RATE_MARGIN})",
            f"template_hit_rate_at_5_cold_start: {f(cold)} vs baseline {f(b_cold)}",
        ]
        return out

    def beats_baselines(self) -> list[str]:
        """The margins not met (empty: every backtest beats its baseline by the stated margin)."""
        missed = []
        for name, (model, base), margin in [
            ("contact_churn_auc", self.churn_auc(), AUC_MARGIN),
            ("contact_churn_precision_top_decile", self.churn_precision(), PRECISION_MARGIN),
            ("template_hit_rate_at_5", self.hit_rate(), HIT_RATE_MARGIN),
        ]:
            if model is None or base is None or model < base + margin:
                missed.append(f"{name}: {model} vs baseline {base} (margin {margin})")
        return missed


def precision_top_decile(scores: list[float], labels: list[int], keys: list[str]) -> float | None:
    """Share of churned among the top 10 % by score (ties: key ascending)."""
    if not scores:
        return None
    k = max(1, len(scores) // 10)
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], keys[i]))[:k]
    return sum(labels[i] for i in order) / k


def _as_of(con) -> dt.datetime:
    return con.execute("select as_of_at from intermediate.int_as_of").fetchone()[0]


def _windows(con, mart: str, date_col: str, horizon_days: int) -> list[tuple[dt.date, dt.datetime, dt.datetime]]:
    """(cut-off, its start, start + horizon) of every cut-off of the mart whose label window ends by as_of."""
    as_of = _as_of(con)
    out = []
    for (cutoff,) in con.execute(f"select distinct {date_col} from marts.{mart} order by 1").fetchall():
        start = dt.datetime.combine(cutoff, dt.time())
        end = start + dt.timedelta(days=horizon_days)
        if end <= as_of:
            out.append((cutoff, start, end))
    return out


def churn_backtest(con, horizon_days: int = CHURN_HORIZON_DAYS) -> list[CutoffFigures]:
    inbound = defaultdict(list)
    for tenant, contact, when in con.execute(
        "select tenant_id, contact_id, occurred_at from staging.stg_events__messages "
        "where direction = 'inbound' and contact_id is not null"
    ).fetchall():
        inbound[(tenant, contact)].append(when)
    out = []
    for cutoff, start, end in _windows(con, "contact_churn_risk", "scored_on", horizon_days):
        rows = con.execute(
            "select tenant_id, contact_id, risk_score from marts.contact_churn_risk where scored_on = ?", [cutoff]
        ).fetchall()
        scores, base, labels, keys = [], [], [], []
        for tenant, contact, score in rows:
            times = inbound[(tenant, contact)]
            before = [t for t in times if t < start]
            last = max(before) if before else None
            labels.append(int(not any(start <= t < end for t in times)))
            base.append((start - last).total_seconds() if last else float("inf"))
            scores.append(float(score))
            keys.append(f"{tenant}/{contact}")
        out.append(
            CutoffFigures(
                cutoff,
                len(rows),
                sum(labels),
                roc_auc(scores, labels),
                roc_auc(base, labels),
                precision_top_decile(scores, labels, keys),
                precision_top_decile(base, labels, keys),
            )
        )
    return out


def template_backtest(con, horizon_days: int = TEMPLATE_HORIZON_DAYS) -> list[CutoffFigures]:
    uses = con.execute(
        "select tenant_id, user_id, template_id, occurred_at from staging.stg_events__template_events "
        "where action in ('use', 'apply') and user_id is not null"
    ).fetchall()
    out = []
    for cutoff, start, end in _windows(con, "template_recommendations", "recommended_on", horizon_days):
        recs = defaultdict(set)
        for tenant, user, template in con.execute(
            "select tenant_id, user_id, template_id from marts.template_recommendations where recommended_on = ?", [cutoff]
        ).fetchall():
            recs[(tenant, user)].add(template)
        alive = set(
            con.execute(
                "select tenant_id, user_id from staging.stg_app__users "
                "where created_at < ? and (deleted_at is null or deleted_at >= ?)",
                [start, start],
            ).fetchall()
        )
        popular: dict[str, Counter] = defaultdict(Counter)
        own: Counter = Counter()
        future = defaultdict(set)
        for tenant, user, template, when in uses:
            if when < start:
                popular[tenant][template] += 1
                own[(tenant, user)] += 1
            elif when < end and (tenant, user) in alive:
                future[(tenant, user)].add(template)
        top5 = {t: {tpl for tpl, _ in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:5]} for t, c in popular.items()}
        hits = base_hits = cold_n = cold_hits = cold_base = 0
        for (tenant, user), used in future.items():
            hit = bool(used & recs.get((tenant, user), set()))
            base_hit = bool(used & top5.get(tenant, set()))
            hits += hit
            base_hits += base_hit
            if own[(tenant, user)] < 3:  # cold-start as the mart's default var template_cold_start_uses
                cold_n += 1
                cold_hits += hit
                cold_base += base_hit
        n = len(future)
        out.append(
            CutoffFigures(
                cutoff,
                n,
                cold_n,
                hits / n if n else None,
                base_hits / n if n else None,
                cold_hits / cold_n if cold_n else None,
                cold_base / cold_n if cold_n else None,
            )
        )
    return out


def backtest(database: str | Path) -> Backtest:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return Backtest(churn_backtest(con), template_backtest(con))
    finally:
        con.close()
