"""Accounts: channel binding attempts (with retries) and the user activity log."""

from __future__ import annotations

import numpy as np

from ..config import DAY, HOUR, SECOND
from ..frame import Frame, as_object, choose, lookup
from ..rng import lognormal_us
from ..world import MODULES, World, owner_of
from ._common import finalize, grouped_offsets

# (binding_type, provider, weight, failure probability, realistic error codes)
PROVIDERS = [
    ("email", "gmail", 0.25, 0.10, ["invalid_grant", "access_denied", "consent_required"]),
    ("email", "outlook", 0.15, 0.12, ["AADSTS50076", "AADSTS700082", "invalid_grant"]),
    ("email", "imap", 0.05, 0.30, ["IMAP_AUTH_FAILED", "ETIMEDOUT", "ECONNREFUSED", "CERT_HAS_EXPIRED"]),
    ("social", "facebook", 0.12, 0.15, ["OAuthException_190", "OAuthException_10", "permissions_error_200"]),
    ("social", "instagram", 0.15, 0.15, ["OAuthException_190", "IG_ACCOUNT_NOT_BUSINESS", "permissions_error_200"]),
    ("social", "whatsapp", 0.18, 0.18, ["WABA_131031", "WABA_132001", "WABA_100"]),
    ("sms", "twilio", 0.10, 0.10, ["twilio_20003", "twilio_21608", "twilio_21211"]),
]
MAX_RETRIES = 3


def generate(world: World, rng: np.random.Generator) -> dict[str, Frame]:
    return {"account_binding_log": _bindings(world, rng), "user_log": _user_log(world, rng)}


def _bindings(world: World, rng) -> Frame:
    cfg = world.cfg
    t = world.tenants
    # New tenants connect their first channels within hours of signing up.
    new = np.flatnonzero(t["_is_new"] & (t["_adopt_binding"] > 0))
    per_new = rng.integers(1, 4, len(new))
    n_tenant = np.repeat(new, per_new)
    n_user = owner_of(world, n_tenant)
    n_time = t["created_at"][n_tenant] + lognormal_us(rng, len(n_tenant), 2 * 3600, 1.3)
    n_ongoing = max(1, round(cfg.volume("account_binding_log") / 1.12) - len(n_tenant))
    o_tenant = world.pick_tenants(rng, n_ongoing, "binding")
    o_user = world.groups["users"].pick(rng, o_tenant)
    o_time = np.maximum(world.sample_times(rng, o_tenant), world.users["created_at"][o_user])
    tenant = np.concatenate([n_tenant, o_tenant])
    user = np.concatenate([n_user, o_user])
    when = np.concatenate([n_time, o_time])
    p = np.array([w for _, _, w, _, _ in PROVIDERS])
    provider = rng.choice(len(PROVIDERS), size=len(tenant), p=p / p.sum())

    rows = []  # attempt rounds: a failure is retried a few minutes later, often successfully
    fail_p = np.array([f for *_, f, _ in PROVIDERS])
    active = np.arange(len(tenant))
    t_now = when
    for round_no in range(MAX_RETRIES + 1):
        k = len(active)
        p_fail = fail_p[provider[active]] * (0.6 if round_no else 1.0)
        failed = rng.random(k) < p_fail
        rows.append((active, t_now, failed))
        retry = failed & (rng.random(k) < 0.6)
        active = active[retry]
        t_now = t_now[retry] + lognormal_us(rng, len(active), 180, 1.2) + SECOND
        if not len(active):
            break
    idx = np.concatenate([r[0] for r in rows])
    times = np.concatenate([r[1] for r in rows])
    failed = np.concatenate([r[2] for r in rows])
    prov = provider[idx]
    error = np.empty(len(idx), dtype=object)
    for i, (_, _, _, _, codes) in enumerate(PROVIDERS):
        sel = np.flatnonzero(failed & (prov == i))
        error[sel] = choose(rng, codes, None, len(sel))
    frame = Frame(
        "account_binding_log",
        {
            "attempt_id": np.full(len(idx), None, dtype=object),
            "tenant_id": t["tenant_id"][tenant[idx]],
            "user_id": world.users["user_id"][user[idx]],
            "binding_type": as_object([b for b, *_ in PROVIDERS])[prov],
            "provider": as_object([p for _, p, *_ in PROVIDERS])[prov],
            "status": np.where(failed, "failure", "success").astype(object),
            "error_code": error,
            "event_time": times,
        },
        {"_tenant": tenant[idx], "_user": user[idx]},
    )
    return finalize(frame, cfg, "event_time", "attempt_id", "bind_")


def _user_log(world: World, rng) -> Frame:
    cfg = world.cfg
    users = world.users
    parts = []
    # Sign-ups of users created in the window (the owner's is the tenant's sign-up).
    new_users = np.flatnonzero((users["created_at"] >= cfg.start_us) & (users["created_at"] < cfg.end_us))
    parts.append(_rows(world, users["_tenant"][new_users], new_users, "signup", None, users["created_at"][new_users]))
    parts.append(_module_switches(world, rng))

    # Sessions: login, a few page views, usually a logout.
    per_session = 5.2
    n_sess = max(1, round((cfg.volume("user_log") - sum(len(p) for p in parts)) / per_session))
    s_tenant = world.pick_tenants(rng, n_sess)
    s_user = world.groups["users"].pick(rng, s_tenant)
    s_t = np.maximum(world.sample_times(rng, s_tenant), users["created_at"][s_user] + SECOND)
    views = rng.poisson(3.4, n_sess)
    sess = np.repeat(np.arange(n_sess), views)
    view_t = s_t[sess] + grouped_offsets(views, lognormal_us(rng, len(sess), 40, 1.0)) + lognormal_us(rng, len(sess), 20, 0.8)
    module_p = np.array([0.35, 0.1, 0.1, 0.12, 0.13, 0.15, 0.05])
    module = as_object(MODULES)[rng.choice(len(MODULES), size=len(sess), p=module_p)]
    last_view = np.full(n_sess, 0, dtype=np.int64)
    np.maximum.at(last_view, sess, view_t)
    logout = rng.random(n_sess) < 0.7
    out_t = np.maximum(last_view, s_t) + lognormal_us(rng, n_sess, 120, 1.0)
    parts.append(_rows(world, s_tenant, s_user, "login", None, s_t))
    parts.append(_rows(world, s_tenant[sess], s_user[sess], "page_view", module, view_t))
    parts.append(_rows(world, s_tenant[logout], s_user[logout], "logout", None, out_t[logout]))
    return finalize(Frame.concat(parts), cfg, "event_time", "event_id", "usrev_")


def _module_switches(world: World, rng) -> Frame:
    """Module activations per tenant, some later deactivated (and re-activated).

    Tenants that existed before the window get their module state as
    activation rows early in the window, so module marts have a baseline.
    """
    cfg = world.cfg
    t = world.tenants
    adopt = {
        "inbox": t["_adopt_inbox"] > 0,
        "ai_assist": t["_adopt_ai"] > 0,
        "templates": t["_adopt_templates"] > 0,
        "catalog": t["_adopt_catalog"] > 0,
        "analytics": t["_adopt_analytics"] > 0,
        "crm": t["_adopt_crm"] > 0,
        "brand_center": t["_adopt_brand"] > 0,
    }
    tenant = np.concatenate([np.flatnonzero(m) for m in adopt.values()])
    module = np.concatenate([np.full(m.sum(), name, dtype=object) for name, m in adopt.items()])
    n = len(tenant)
    first = np.maximum(t["created_at"][tenant], cfg.start_us)
    on_t = np.where(
        t["_is_new"][tenant], first + lognormal_us(rng, n, 6 * 3600, 1.5), first + (rng.uniform(0, 14, n) * DAY).astype(np.int64)
    )
    on_t = np.minimum(on_t, t["_active_to"][tenant] - 1)
    admin = owner_of(world, tenant)
    off = rng.random(n) < 0.12
    off_t = on_t + (rng.uniform(2, 40, n) * DAY).astype(np.int64)
    back = off & (rng.random(n) < 0.4)
    back_t = off_t + (rng.uniform(1, 20, n) * DAY).astype(np.int64)
    return Frame.concat(
        [
            _rows(world, tenant, admin, "module_activated", module, on_t),
            _rows(world, tenant[off], admin[off], "module_deactivated", module[off], off_t[off]),
            _rows(world, tenant[back], admin[back], "module_activated", module[back], back_t[back]),
        ]
    )


def _rows(world: World, tenant, user, action: str, module, when) -> Frame:
    n = len(tenant)
    return Frame(
        "user_log",
        {
            "event_id": np.full(n, None, dtype=object),
            "tenant_id": world.tenants["tenant_id"][tenant],
            "user_id": lookup(world.users["user_id"], np.asarray(user)),
            "action": np.full(n, action, dtype=object),
            "module": np.full(n, None, dtype=object) if module is None else module,
            "event_time": np.asarray(when, dtype=np.int64),
        },
        {"_tenant": np.asarray(tenant), "_user": np.asarray(user)},
    )


__all__ = ["generate", "HOUR"]
