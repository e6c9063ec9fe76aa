"""Notifications: one row per status change, sent → delivered → opened (or failed)."""

from __future__ import annotations

import numpy as np

from ..config import SECOND, US
from ..frame import Frame, as_object, lookup, make_ids
from ..rng import lognormal_us
from ..world import World
from ._common import finalize

SOURCES = ["inbox", "system", "brand_campaign", "automation"]
SOURCE_P = [0.45, 0.15, 0.15, 0.25]
CHANNELS = ["push", "email", "in_app", "sms"]
CHANNEL_P = [0.4, 0.25, 0.3, 0.05]
REALTIME_P = np.array([0.85, 0.6, 0.9, 0.75])  # per channel, of delivered
ROWS_PER_NOTIFICATION = 2.3


def generate(world: World, rng: np.random.Generator) -> dict[str, Frame]:
    cfg = world.cfg
    n = max(1, round(cfg.volume("notification_log") / ROWS_PER_NOTIFICATION))
    tenant = world.pick_tenants(rng, n)
    user = world.groups["users"].pick(rng, tenant)
    sent_t = np.maximum(world.sample_times(rng, tenant), world.users["created_at"][user])
    source = rng.choice(len(SOURCES), size=n, p=SOURCE_P)
    brand = world.groups["brands_carried"].pick(rng, tenant)
    # Brand campaigns only reach retailers that carry a brand.
    source = np.where((source == 2) & (brand < 0), 1, source)
    brand = np.where(source == 2, brand, -1)
    channel = rng.choice(len(CHANNELS), size=n, p=CHANNEL_P)

    failed = rng.random(n) < 0.04
    delivered = ~failed & (rng.random(n) < 0.92)
    realtime = rng.random(n) < REALTIME_P[channel]
    fast = np.minimum(lognormal_us(rng, n, 3, 1.0), 60 * SECOND)
    slow = np.maximum(lognormal_us(rng, n, 600, 1.5), 61 * SECOND)
    delivered_t = sent_t + np.where(realtime, fast, slow)
    opened = delivered & (rng.random(n) < 0.35)
    opened_t = delivered_t + lognormal_us(rng, n, 1800, 1.5)
    failed_t = sent_t + lognormal_us(rng, n, 5, 1.0) + US

    notif_ids = make_ids("ntf_", n, 7)
    parts = []
    for status, mask, when in [
        ("sent", np.ones(n, bool), sent_t),
        ("delivered", delivered, delivered_t),
        ("opened", opened, opened_t),
        ("failed", failed, failed_t),
    ]:
        i = np.flatnonzero(mask)
        parts.append(
            Frame(
                "notification_log",
                {
                    "event_id": np.full(len(i), None, dtype=object),
                    "notification_id": notif_ids[i],
                    "tenant_id": world.tenants["tenant_id"][tenant[i]],
                    "user_id": world.users["user_id"][user[i]],
                    "brand_id": lookup(world.brands["brand_id"], brand[i]),
                    "source": as_object(SOURCES)[source[i]],
                    "channel": as_object(CHANNELS)[channel[i]],
                    "status": np.full(len(i), status, dtype=object),
                    "event_time": when[i],
                },
                {"_tenant": tenant[i], "_user": user[i]},
            )
        )
    frame = finalize(Frame.concat(parts), cfg, "event_time", "event_id", "ntfev_")
    return {"notification_log": frame}


def mutate(frame: Frame, rows: np.ndarray, copy: Frame, rng: np.random.Generator) -> None:
    """A re-sent status event with a corrected clock; `sent` rows keep their time
    so that realtime delivery (≤ 60 s after sent) is not disturbed."""
    later = copy["status"] != "sent"
    copy["event_time"] = np.where(later, copy["event_time"] + rng.integers(1, 30, len(copy)) * US, copy["event_time"])


MUTATORS = {"notification_log": mutate}
