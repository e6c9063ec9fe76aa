"""Incidents and churn precursors: a step between the domains and delivery.

Two things happen here, both on the raw (clean, finalized) frames before
arrivals, bad rows and redeliveries:

* **Churn precursors** (always on). A tenant that the world makes churn
  (`tenants["_churn_at"]`) disengages first: in the `FADE_DAYS` before its
  churn its users' own actions fade out (human outbound messages that no
  one replies to, AI generations no message uses, template use/apply rows,
  logins and other non-module user_log rows are kept with a probability
  falling linearly from 1 to `FADE_FLOOR`), and its catalog syncs fail more
  often. Real churn looks like this, and it is what the churn-risk mart
  can learn from without reading the future.
* **Incidents** (on request, `--incident KIND:TENANT:YYYY-MM-DD:DAYS`),
  over tenant-local days [day, day + days):
  `notification_outage` – notifications sent then are never delivered
  (delivered rows become failed, opened rows go);
  `binding_failure_spike` – binding attempts then mostly fail and users
  retry a lot (extra failed attempts).

The churn truth and the incidents are returned for the manifest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .config import DAY, MINUTE, US
from .frame import NULL, Frame, as_object, choose, make_ids
from .world import World

FADE_DAYS = 42
FADE_FLOOR = 0.15
SYNC_FAIL_MAX = 0.7
KINDS = ("notification_outage", "binding_failure_spike")
SPIKE_EXTRA_PER_DAY = 10
SPIKE_FAIL_P = 0.9
_SYNC_ERRORS = ["AUTH_EXPIRED", "HTTP_503", "SHOP_NOT_FOUND", "INVALID_API_KEY", "ETIMEDOUT"]
_BIND_ERRORS = {
    "gmail": "invalid_grant",
    "outlook": "AADSTS50076",
    "imap": "IMAP_AUTH_FAILED",
    "facebook": "OAuthException_190",
    "instagram": "OAuthException_190",
    "whatsapp": "WABA_131031",
    "twilio": "twilio_20003",
}


@dataclass(frozen=True)
class Incident:
    kind: str
    tenant_id: str
    day: dt.date
    days: int = 1

    @staticmethod
    def parse(text: str) -> Incident:
        """`kind:tenant:YYYY-MM-DD[:days]`."""
        parts = text.split(":")
        if len(parts) not in (3, 4) or parts[0] not in KINDS:
            raise ValueError(f"incident {text!r}: expected KIND:TENANT:YYYY-MM-DD[:DAYS], KIND in {KINDS}")
        days = int(parts[3]) if len(parts) == 4 else 1
        if days < 1:
            raise ValueError(f"incident {text!r}: days must be >= 1")
        return Incident(parts[0], parts[1], dt.date.fromisoformat(parts[2]), days)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "tenant_id": self.tenant_id, "day": self.day.isoformat(), "days": self.days}


def apply(world: World, raw: dict[str, Frame], rng: np.random.Generator, incidents: list[Incident] | tuple = ()) -> dict:
    """Mutate `raw` in place; return the manifest entries (churn truth, incidents)."""
    _churn_precursors(world, raw, rng)
    applied = []
    for inc in incidents:
        t = _tenant_index(world, inc.tenant_id)
        lo, hi = _local_window(world, t, inc.day, inc.days)
        if inc.kind == "notification_outage":
            n = _notification_outage(raw, t, lo, hi)
        else:
            n = _binding_spike(world, raw, rng, t, lo, hi, inc.days)
        applied.append({**inc.as_dict(), "window_utc": [_iso(lo), _iso(hi)], "rows_affected": n})
    return {"churned_tenants": churn_truth(world), "incidents": applied}


def churn_truth(world: World) -> list[dict]:
    t = world.tenants
    out = []
    for i in np.flatnonzero(t["_churn_at"] != NULL):
        out.append(
            {
                "tenant_id": str(t["tenant_id"][i]),
                "churn_at": _iso(int(t["_churn_at"][i])),
                "kind": str(t["_churn_kind"][i]),
                "was_trial": bool(t["_is_new"][i]),
            }
        )
    return sorted(out, key=lambda r: r["tenant_id"])


def _iso(us: int) -> str:
    return (dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=int(us))).isoformat()


def _tenant_index(world: World, tenant_id: str) -> int:
    hits = np.flatnonzero(world.tenants["tenant_id"] == tenant_id)
    if not len(hits):
        raise ValueError(f"incident: unknown tenant {tenant_id!r}")
    return int(hits[0])


def _local_window(world: World, t: int, day: dt.date, days: int) -> tuple[int, int]:
    """UTC µs bounds of tenant-local midnight of `day` and `day + days`."""
    clock = world.clock

    def midnight(d: dt.date) -> int:
        k = (d - dt.date(1970, 1, 1)).days
        col = int(np.clip(k - clock.start_day + 1, 0, clock.offsets.shape[1] - 1))
        return (k * 86_400 - int(clock.offsets[clock.tz_index[t], col])) * US

    return midnight(day), midnight(day + dt.timedelta(days=days))


def _keep_probability(world: World, tenant_idx: np.ndarray, when: np.ndarray) -> np.ndarray:
    """1 outside a churner's fade window; falls to FADE_FLOOR at churn (and after)."""
    churn = world.tenants["_churn_at"][tenant_idx]
    has = churn != NULL
    start = np.where(has, churn - FADE_DAYS * DAY, 0)
    frac = np.clip((when - start) / (FADE_DAYS * DAY), 0.0, 1.0)
    return np.where(has, 1.0 - (1.0 - FADE_FLOOR) * frac, 1.0)


def _tenant_of(world: World, frame: Frame) -> np.ndarray:
    if "_tenant" in frame.aux:
        return frame["_tenant"].astype(np.int64)
    index = {tid: i for i, tid in enumerate(world.tenants["tenant_id"])}
    return np.array([index.get(v, -1) for v in frame["tenant_id"]], dtype=np.int64)


def _churn_precursors(world: World, raw: dict[str, Frame], rng: np.random.Generator) -> None:
    if not (world.tenants["_churn_at"] != NULL).any():
        return
    messages = raw.get("raw_message")
    referenced = set()
    used_generations = set()
    if messages is not None:
        referenced = {v for v in messages["in_reply_to"] if v is not None}
        used_generations = {v for v in messages["ai_generation_id"] if v is not None}

    def fade(name: str, droppable: np.ndarray, group: np.ndarray | None = None) -> None:
        frame = raw.get(name)
        if frame is None or not len(frame):
            return
        tenant = _tenant_of(world, frame)
        keep_p = _keep_probability(world, np.maximum(tenant, 0), frame["event_time"])
        keep_p = np.where(tenant >= 0, keep_p, 1.0)
        u = rng.random(len(frame))
        if group is not None:  # one draw per group (e.g. a generation), its first row's time
            _, first, inverse = np.unique(group, return_index=True, return_inverse=True)
            u = u[first][inverse]
            keep_p = keep_p[first][inverse]
        drop = droppable & (u >= keep_p)
        if drop.any():
            raw[name] = frame.take(np.flatnonzero(~drop))

    if messages is not None and len(messages):
        human_out = (messages["direction"] == "outbound") & ~messages["is_automated"].astype(bool)
        unreferenced = np.array([m not in referenced for m in messages["message_id"]], dtype=bool)
        fade("raw_message", human_out & unreferenced)
    ai = raw.get("ai_assist_log")
    if ai is not None and len(ai):
        gens = ai["generation_id"]
        free = np.array([g not in used_generations for g in gens], dtype=bool)
        fade("ai_assist_log", free, as_object([str(g) for g in gens]))
    tpl = raw.get("template_log")
    if tpl is not None and len(tpl):
        fade("template_log", np.isin(tpl["action"], ["use", "apply"]))
    ulog = raw.get("user_log")
    if ulog is not None and len(ulog):
        fade("user_log", ~np.isin(ulog["action"], ["module_activated", "module_deactivated"]))

    syncs = raw.get("sync_log")
    if syncs is not None and len(syncs):
        tenant = _tenant_of(world, syncs)
        keep_p = _keep_probability(world, np.maximum(tenant, 0), syncs["started_at"])
        p_fail = np.where(tenant >= 0, SYNC_FAIL_MAX * (1.0 - keep_p) / (1.0 - FADE_FLOOR), 0.0)
        hit = (syncs["status"] != "running") & (rng.random(len(syncs)) < p_fail)
        if hit.any():
            syncs["status"] = np.where(hit, "failure", syncs["status"]).astype(object)
            syncs["items_synced"] = np.where(hit, 0, syncs["items_synced"])
            errors = choose(rng, _SYNC_ERRORS, None, len(syncs))
            syncs["error_code"] = np.where(hit, errors, syncs["error_code"]).astype(object)


def _notification_outage(raw: dict[str, Frame], t: int, lo: int, hi: int) -> int:
    frame = raw["notification_log"]
    tenant = frame["_tenant"]
    sent = (frame["status"] == "sent") & (tenant == t) & (frame["event_time"] >= lo) & (frame["event_time"] < hi)
    hit_ids = set(frame["notification_id"][sent])
    mine = np.array([n in hit_ids for n in frame["notification_id"]], dtype=bool)
    opened = mine & (frame["status"] == "opened")
    delivered = mine & (frame["status"] == "delivered")
    frame["status"] = np.where(delivered, "failed", frame["status"]).astype(object)
    raw["notification_log"] = frame.take(np.flatnonzero(~opened))
    return int(delivered.sum() + opened.sum())


def _binding_spike(world: World, raw: dict[str, Frame], rng: np.random.Generator, t: int, lo: int, hi: int, days: int) -> int:
    frame = raw["account_binding_log"]
    inside = (frame["_tenant"] == t) & (frame["event_time"] >= lo) & (frame["event_time"] < hi)
    flip = inside & (frame["status"] == "success") & (rng.random(len(frame)) < SPIKE_FAIL_P)
    frame["status"] = np.where(flip, "failure", frame["status"]).astype(object)
    codes = as_object([_BIND_ERRORS.get(p, "error") for p in frame["provider"]])
    frame["error_code"] = np.where(flip, codes, frame["error_code"]).astype(object)

    users = np.flatnonzero(world.users["_tenant"] == t)
    n = SPIKE_EXTRA_PER_DAY * days
    if len(users) == 0 or n == 0:
        return int(flip.sum())
    user = rng.choice(users, size=n)
    pick = rng.integers(0, len(frame), n)  # provider mix of the whole log
    when = lo + (rng.random(n) * (hi - lo)).astype(np.int64)
    when = np.maximum(when, world.users["created_at"][user] + MINUTE)
    when = np.minimum(when, world.cfg.end_us - MINUTE)
    provider = frame["provider"][pick]
    extra_cols = {
        "attempt_id": np.full(n, None, dtype=object),
        "tenant_id": np.full(n, world.tenants["tenant_id"][t], dtype=object),
        "user_id": world.users["user_id"][user],
        "binding_type": frame["binding_type"][pick],
        "provider": provider,
        "status": np.full(n, "failure", dtype=object),
        "error_code": as_object([_BIND_ERRORS.get(p, "error") for p in provider]),
        "event_time": when,
    }
    extra_aux = {k: np.full(n, -1, dtype=v.dtype) for k, v in frame.aux.items()}
    if "_tenant" in extra_aux:
        extra_aux["_tenant"] = np.full(n, t, dtype=frame.aux["_tenant"].dtype)
    if "_user" in extra_aux:
        extra_aux["_user"] = user.astype(frame.aux["_user"].dtype)
    merged = Frame.concat([frame, Frame(frame.table, {k: extra_cols[k] for k in frame.cols}, extra_aux)])
    merged = merged.take(np.argsort(merged["event_time"], kind="stable"))
    merged["attempt_id"] = make_ids("bind_", len(merged), 7)
    raw["account_binding_log"] = merged
    return int(flip.sum()) + n
