"""Brand center: brands publish assets and campaigns; retailers that carry
the brand view, download, share, use, copy and send them.

Brand-side `publish` rows carry no tenant_id (and no user_id).
"""

from __future__ import annotations

import numpy as np

from ..config import DAY, HOUR
from ..frame import NULL, Frame, as_object, choose, lookup, make_ids, nulls_int
from ..rng import lognormal_us
from ..world import World
from ._common import finalize

ASSET_TYPES = ["image", "video", "pdf", "logo"]
ASSET_TYPE_P = [0.5, 0.15, 0.2, 0.15]
ASSET_MEDIAN_BYTES = np.array([800_000, 40_000_000, 2_000_000, 60_000])


def generate(world: World, rng: np.random.Generator) -> dict[str, Frame]:
    return {"asset_log": _assets(world, rng), "campaign_log": _campaigns(world, rng)}


def _published(world: World, rng, n: int, in_window_share: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Brand and publish time of n items; some were published before the window."""
    cfg = world.cfg
    brand = rng.choice(len(world.brands), size=n, p=world.brands["_popularity"])
    in_window = rng.random(n) < in_window_share
    published = np.where(
        in_window,
        cfg.start_us + (rng.random(n) * (cfg.days - 1) * DAY).astype(np.int64),
        cfg.start_us - (rng.uniform(1, 120, n) * DAY).astype(np.int64),
    )
    return brand, published, in_window


def _retailer_events(world: World, rng, n: int, brand_of_item: np.ndarray, published: np.ndarray):
    """n retailer interactions with popular items, by retailers carrying the item's brand."""
    item = np.floor(rng.random(n) ** 2 * len(brand_of_item)).astype(np.int64)  # popular items first
    brand = brand_of_item[item]
    tenant = world.groups["carriers"].pick(rng, brand)
    user = world.groups["users"].pick(rng, tenant)
    when = world.sample_times(rng, tenant)
    late = when < published[item]
    when = np.where(late, published[item] + lognormal_us(rng, n, 6 * 3600, 1.2), when)
    when = np.maximum(when, world.users["created_at"][user])
    return item, brand, tenant, user, when


def _assets(world: World, rng) -> Frame:
    cfg = world.cfg
    n_assets = cfg.entities("assets")
    brand, published, in_window = _published(world, rng, n_assets, 0.7)
    a_type = rng.choice(len(ASSET_TYPES), size=n_assets, p=ASSET_TYPE_P)
    size = np.round(ASSET_MEDIAN_BYTES[a_type] * rng.lognormal(0, 0.8, n_assets)).astype(np.int64)
    asset_ids = make_ids("ast_", n_assets, 6)
    pub = np.flatnonzero(in_window)
    n_events = max(1, cfg.volume("asset_log") - len(pub))
    item, e_brand, tenant, user, when = _retailer_events(world, rng, n_events, brand, published)
    action = choose(rng, ["view", "download", "share"], [0.65, 0.25, 0.10], n_events)
    parts = [
        _asset_rows(
            world,
            asset_ids[pub],
            brand[pub],
            a_type[pub],
            np.full(len(pub), -1),
            np.full(len(pub), -1),
            np.full(len(pub), "publish", dtype=object),
            size[pub],
            published[pub],
        ),
        _asset_rows(
            world,
            asset_ids[item],
            e_brand,
            a_type[item],
            tenant,
            user,
            action,
            np.where(action == "download", size[item], NULL),
            when,
        ),
    ]
    return finalize(Frame.concat(parts), cfg, "event_time", "event_id", "astev_")


def _asset_rows(world, asset_id, brand, a_type, tenant, user, action, size, when) -> Frame:
    return Frame(
        "asset_log",
        {
            "event_id": np.full(len(asset_id), None, dtype=object),
            "brand_id": world.brands["brand_id"][brand],
            "asset_id": asset_id,
            "asset_type": as_object(ASSET_TYPES)[a_type],
            "tenant_id": lookup(world.tenants["tenant_id"], tenant),
            "user_id": lookup(world.users["user_id"], user),
            "action": action,
            "bytes": size,
            "event_time": when,
        },
        {"_tenant": np.asarray(tenant), "_brand": np.asarray(brand), "_user": np.asarray(user)},
    )


def _campaigns(world: World, rng) -> Frame:
    cfg = world.cfg
    n_camp = cfg.entities("campaigns")
    brand, published, in_window = _published(world, rng, n_camp, 0.8)
    camp_ids = make_ids("cmp_", n_camp, 5)
    pub = np.flatnonzero(in_window)
    n_events = max(1, cfg.volume("campaign_log") - len(pub))
    item, e_brand, tenant, user, when = _retailer_events(world, rng, n_events, brand, published)
    action = choose(rng, ["view", "use", "copy", "send"], [0.45, 0.2, 0.1, 0.25], n_events)
    recipients = np.where(action == "send", np.round(rng.lognormal(np.log(800), 1.2, n_events)).astype(np.int64), NULL)
    parts = [
        _campaign_rows(
            world,
            camp_ids[pub],
            brand[pub],
            np.full(len(pub), -1),
            np.full(len(pub), -1),
            np.full(len(pub), "publish", dtype=object),
            nulls_int(len(pub)),
            published[pub],
        ),
        _campaign_rows(world, camp_ids[item], e_brand, tenant, user, action, recipients, when),
    ]
    return finalize(Frame.concat(parts), cfg, "event_time", "event_id", "cmpev_")


def _campaign_rows(world, camp_id, brand, tenant, user, action, recipients, when) -> Frame:
    return Frame(
        "campaign_log",
        {
            "event_id": np.full(len(camp_id), None, dtype=object),
            "brand_id": world.brands["brand_id"][brand],
            "campaign_id": camp_id,
            "tenant_id": lookup(world.tenants["tenant_id"], tenant),
            "user_id": lookup(world.users["user_id"], user),
            "action": action,
            "recipients_count": recipients,
            "event_time": when,
        },
        {"_tenant": np.asarray(tenant), "_brand": np.asarray(brand), "_user": np.asarray(user)},
    )


__all__ = ["generate", "HOUR"]
