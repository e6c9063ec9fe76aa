"""Subscriptions: trials, activations, monthly renewals, plan changes and churn.

The tenant lifecycle (new/trial/converted, churned and how) is decided in the
World; this module only renders it. One subscription per tenant, so the
Python loop is over tenants (hundreds), not rows.
"""

from __future__ import annotations

import numpy as np

from ..config import DAY, MINUTE
from ..frame import NULL, Frame, as_object
from ..world import PLAN_PRICE_CENTS, PLANS, World
from ._common import finalize

PERIOD = 30 * DAY


def generate(world: World, rng: np.random.Generator) -> dict[str, Frame]:
    cfg = world.cfg
    t = world.tenants
    out: dict[str, list] = {k: [] for k in ("tenant", "action", "plan", "start", "end", "amount", "time")}

    def emit(tenant, action, plan, start, end, when, paid=True):
        out["tenant"].append(tenant)
        out["action"].append(action)
        out["plan"].append(plan)
        out["start"].append(start)
        out["end"].append(end)
        out["amount"].append(PLAN_PRICE_CENTS[plan] if paid else NULL)
        out["time"].append(when)

    for i in range(world.n_tenants):
        plan = t["plan"][i]
        churn_at = int(t["_churn_at"][i])
        stop = churn_at if churn_at != NULL else cfg.end_us
        if t["_is_new"][i]:
            created, trial_end = int(t["created_at"][i]), int(t["_trial_end"][i])
            emit(i, "trial_started", plan, created, trial_end, created + 5 * MINUTE, paid=False)
            if not t["_converts"][i]:
                if churn_at != NULL:
                    emit(i, "expired", plan, created, trial_end, churn_at, paid=False)
                continue
            early = rng.random() < 0.3
            period_start = created + int(rng.uniform(1, 13) * DAY) if early else trial_end
            emit(i, "activated", plan, period_start, period_start + PERIOD, period_start)
        else:
            period_start = cfg.start_us + int(rng.uniform(0, 30) * DAY)
            emit(i, "renewed", plan, period_start, period_start + PERIOD, period_start)
        period_end = period_start + PERIOD
        change_at = period_start + int(rng.uniform(3, 80) * DAY)
        change = rng.choice(3, p=[0.91, 0.06, 0.03])  # none, upgrade, downgrade
        while True:
            if change and change_at < min(period_end, stop):
                step = 1 if change == 1 else -1
                new_plan = PLANS[min(max(PLANS.index(plan) + step, 0), len(PLANS) - 1)]
                if new_plan != plan:
                    plan = new_plan
                    period_start, period_end = change_at, change_at + PERIOD
                    emit(i, "upgraded" if step > 0 else "downgraded", plan, period_start, period_end, change_at)
                change = 0
            if period_end >= stop:
                break
            period_start, period_end = period_end, period_end + PERIOD
            emit(i, "renewed", plan, period_start, period_end, period_start)
        if churn_at != NULL:
            emit(i, str(t["_churn_kind"][i]), plan, period_start, period_end, churn_at, paid=False)

    tenant = np.asarray(out["tenant"], dtype=np.int64)
    frame = Frame(
        "subscription_log",
        {
            "event_id": np.full(len(tenant), None, dtype=object),
            "tenant_id": t["tenant_id"][tenant],
            "subscription_id": np.asarray(["sub_" + str(x)[4:] for x in t["tenant_id"][tenant]], dtype=object),
            "action": as_object(out["action"]),
            "plan": as_object(out["plan"]),
            "period_start": np.asarray(out["start"], dtype=np.int64),
            "period_end": np.asarray(out["end"], dtype=np.int64),
            "amount_cents": np.asarray(out["amount"], dtype=np.int64),
            "currency": t["_currency"][tenant],
            "event_time": np.asarray(out["time"], dtype=np.int64),
        },
        {"_tenant": tenant},
    )
    return {"subscription_log": finalize(frame, cfg, "event_time", "event_id", "subev_")}
