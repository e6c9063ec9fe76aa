"""Catalog: product changes, shop syncs, image uploads and daily CDN totals."""

from __future__ import annotations

import numpy as np

from ..config import DAY, HOUR, MINUTE, US
from ..frame import NULL, Frame, as_object, choose, join, make_ids, nulls_int
from ..rng import lognormal_us
from ..world import World
from ._common import finalize, position_in_group

PRODUCT_ACTIONS = (["add", "update", "delete", "sync"], [0.15, 0.45, 0.05, 0.35])
SYNC_ERRORS_FAILURE = ["AUTH_EXPIRED", "HTTP_503", "SHOP_NOT_FOUND", "INVALID_API_KEY", "ETIMEDOUT"]
SYNC_ERRORS_PARTIAL = ["RATE_LIMITED_429", "PARTIAL_TIMEOUT", "VARIANT_LIMIT_EXCEEDED"]
CONTENT_TYPES = (["image/jpeg", "image/png", "image/webp", "image/gif"], [0.55, 0.3, 0.12, 0.03])


def generate(world: World, rng: np.random.Generator) -> dict[str, Frame]:
    return {
        "product_log": _products(world, rng),
        "sync_log": _syncs(world, rng),
        "media_log": _media(world, rng),
        "cdn_log": _cdn(world, rng),
    }


PRODUCT_PLATFORMS = ["shopify", "woocommerce", "magento"]


def _products(world: World, rng) -> Frame:
    cfg = world.cfg
    n = cfg.volume("product_log")
    tenant = world.pick_tenants(rng, n, "catalog")
    pool = np.maximum(20, (world.tenants["_weight"][tenant] * 20_000).astype(np.int64))
    product = np.floor(rng.random(n) ** 1.5 * pool).astype(np.int64)
    platform = world.tenants["_platform"][tenant]
    # product_log.source_platform is a closed list in the contract; shops on
    # other platforms (free text in sync_log) reach the catalog as csv files.
    platform = np.where(np.isin(platform, PRODUCT_PLATFORMS), platform, "csv")
    manual = rng.random(n) < 0.15
    frame = Frame(
        "product_log",
        {
            "event_id": np.full(n, None, dtype=object),
            "tenant_id": world.tenants["tenant_id"][tenant],
            "product_id": join("prd_", world.tenants["tenant_id"][tenant], "_", make_ids("", product, 5)),
            "action": choose(rng, *PRODUCT_ACTIONS, n),
            "source_platform": np.where(manual, choose(rng, ["manual", "csv"], [0.7, 0.3], n), platform),
            "event_time": world.sample_times(rng, tenant),
        },
        {"_tenant": tenant},
    )
    return finalize(frame, cfg, "event_time", "event_id", "prdev_")


def _syncs(world: World, rng) -> Frame:
    """Periodic syncs per catalog tenant; the last one may still be running."""
    cfg = world.cfg
    t = world.tenants
    w = world.tenant_weights("catalog")
    per = rng.multinomial(cfg.volume("sync_log"), w)
    tenant = np.repeat(np.arange(len(per)), per)
    k = position_in_group(per)
    n = len(tenant)
    span = t["_active_to"][tenant] - t["_active_from"][tenant]
    slot = span // np.repeat(np.maximum(per, 1), per)
    started = t["_active_from"][tenant] + k * slot + (rng.uniform(0.1, 0.9, n) * slot).astype(np.int64)
    status = rng.choice(3, size=n, p=[0.86, 0.06, 0.08])  # success, partial, failure
    items = np.round(rng.lognormal(np.log(200), 1.0, n)).astype(np.int64)
    items = np.where(status == 1, items // 3, np.where(status == 2, 0, items))
    finished = started + lognormal_us(rng, n, 45, 0.8) + items * 200_000
    error = np.where(
        status == 2,
        choose(rng, SYNC_ERRORS_FAILURE, None, n),
        np.where(status == 1, choose(rng, SYNC_ERRORS_PARTIAL, None, n), None),
    )
    status_s = as_object(["success", "partial", "failure"])[status]
    # A sync in flight at the cut-off has no finish yet.
    last = np.flatnonzero(k == np.repeat(per, per) - 1)
    running = last[(rng.random(len(last)) < 0.25) & (t["_active_to"][tenant[last]] >= cfg.end_us)]
    if len(running) == 0 and len(last):
        running = last[:1]
    started[running] = cfg.end_us - (rng.uniform(1, 40, len(running)) * MINUTE).astype(np.int64)
    finished[running] = NULL
    status_s[running] = "running"
    items[running] = NULL
    error[running] = None
    frame = Frame(
        "sync_log",
        {
            "sync_id": np.full(n, None, dtype=object),
            "tenant_id": t["tenant_id"][tenant],
            "platform": t["_platform"][tenant],
            "started_at": started,
            "finished_at": finished,
            "status": status_s,
            "items_synced": items,
            "error_code": error,
        },
        {"_tenant": tenant},
    )
    frame = finalize(frame, cfg, "started_at", "sync_id", "sync_")
    # Finishing after the cut-off means still running as far as the lake knows.
    late = (frame["finished_at"] != NULL) & (frame["finished_at"] >= cfg.end_us)
    frame["finished_at"] = np.where(late, NULL, frame["finished_at"])
    frame["status"] = np.where(late, "running", frame["status"]).astype(object)
    frame["items_synced"] = np.where(late, NULL, frame["items_synced"])
    frame["error_code"] = np.where(late, None, frame["error_code"])
    return frame


def _media(world: World, rng) -> Frame:
    cfg = world.cfg
    n = cfg.volume("media_log")
    tenant = world.pick_tenants(rng, n, "catalog")
    frame = Frame(
        "media_log",
        {
            "event_id": np.full(n, None, dtype=object),
            "tenant_id": world.tenants["tenant_id"][tenant],
            "image_id": make_ids("img_", rng.permutation(n), 7),
            "content_type": choose(rng, *CONTENT_TYPES, n),
            "bytes": np.round(rng.lognormal(np.log(250_000), 0.9, n)).astype(np.int64),
            "event_time": world.sample_times(rng, tenant),
        },
        {"_tenant": tenant},
    )
    return finalize(frame, cfg, "event_time", "event_id", "med_")


def _cdn(world: World, rng) -> Frame:
    """Daily totals per tenant and distribution, on days with traffic."""
    cfg = world.cfg
    t = world.tenants
    n_t = world.n_tenants
    days = np.arange(cfg.days)
    cells_t, cells_d, cells_day = [], [], []
    for dist, adopt in ((0, "_adopt_catalog"), (1, "_adopt_brand")):
        eligible = np.flatnonzero(t[adopt] > 0)
        cells_t.append(np.repeat(eligible, cfg.days))
        cells_day.append(np.tile(days, len(eligible)))
        cells_d.append(np.full(len(eligible) * cfg.days, dist))
    tenant, dist, day = (np.concatenate(x) for x in (cells_t, cells_d, cells_day))
    day_start = cfg.start_us + day * DAY
    alive = (day_start + DAY > t["_active_from"][tenant]) & (day_start < t["_active_to"][tenant])
    tenant, dist, day = tenant[alive], dist[alive], day[alive]
    # Busy tenants have traffic every day, small ones only some days.
    w = t["_weight"][tenant]
    target = cfg.volume("cdn_log")
    scale = target / max(w.sum(), 1e-12)
    for _ in range(8):  # solve sum(min(1, scale*w)) ≈ target
        got = np.minimum(1, scale * w).sum()
        if got <= 0 or abs(got - target) < 1:
            break
        scale *= target / got
    keep = rng.random(len(w)) < np.minimum(1, scale * w)
    tenant, dist, day = tenant[keep], dist[keep], day[keep]
    n = len(tenant)
    requests = np.maximum(1, np.round(rng.lognormal(np.log(2_000), 0.5, n) * t["_weight"][tenant] * n_t)).astype(np.int64)
    per_request = np.where(dist == 0, 60_000, 350_000) * rng.lognormal(0, 0.2, n)
    order = np.lexsort((dist, tenant, day))
    tenant, dist, day, requests, per_request = tenant[order], dist[order], day[order], requests[order], per_request[order]
    return Frame(
        "cdn_log",
        {
            "log_date": cfg.start_day + day,
            "tenant_id": t["tenant_id"][tenant],
            "distribution": as_object(["catalog", "brand_assets"])[dist],
            "requests": requests,
            "bytes_served": np.round(requests * per_request).astype(np.int64),
        },
        {"_tenant": tenant, "_time": cfg.start_us + (day + 1) * DAY},
    )


def mutate_sync(frame: Frame, rows: np.ndarray, copy: Frame, rng) -> None:
    """The first copy landed while the sync ran; the redelivery carries the outcome."""
    done = frame["finished_at"][rows] != NULL
    original = rows[done]
    frame["finished_at"][original] = NULL
    frame["status"][original] = "running"
    frame["items_synced"][original] = NULL
    frame["error_code"][original] = None


def mutate_cdn(frame: Frame, rows: np.ndarray, copy: Frame, rng) -> None:
    """Restated daily totals: late log lines add traffic."""
    extra = 1 + rng.uniform(0.01, 0.05, len(copy))
    copy["requests"] = np.round(copy["requests"] * extra).astype(np.int64)
    copy["bytes_served"] = np.round(copy["bytes_served"] * extra).astype(np.int64)


MUTATORS = {"sync_log": mutate_sync, "cdn_log": mutate_cdn}
__all__ = ["generate", "MUTATORS", "HOUR", "US", "nulls_int"]
