"""The application world: brands, tenants, teams, users, templates, contacts.

Entities are built once per run with integer cross-references (tenant index,
team index …) so the event domains can draw consistent references quickly.
Tenant lifecycle (signup, trial, churn) and module adoption are decided here,
so every log tells the same story and later work can ask "who churned".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .config import DAY, HOUR, MINUTE, GenConfig
from .frame import NULL, Frame, as_object, choose, join, lookup, make_ids, nulls_int
from .rng import lognormal_us, stream
from .timegen import MUST_HAVE_ZONES, TIMEZONES, LocalClock, utc_offsets_seconds

GRADES = ["bronze", "silver", "gold", "platinum", "vip"]  # seed order, low to high
PLANS = ["starter", "pro", "enterprise"]
PLAN_PRICE_CENTS = {"starter": 2_900, "pro": 9_900, "enterprise": 49_900}
CHANNELS = ["email", "sms", "facebook", "instagram", "whatsapp"]
MODULES = ["inbox", "ai_assist", "templates", "catalog", "analytics", "crm", "brand_center"]
PLATFORMS = ["shopify", "woocommerce", "magento", "bigcommerce", "prestashop"]

_NAME_A = [
    "Maison",
    "Nordic",
    "Urban",
    "Blue",
    "Golden",
    "Little",
    "Wild",
    "Coastal",
    "Velvet",
    "Cedar",
    "Atlas",
    "Lumen",
    "Olive",
    "Crimson",
    "Harbor",
    "Juniper",
    "Saffron",
    "Pioneer",
    "Sunny",
    "Ember",
]
_NAME_B = [
    "Boutique",
    "Outfitters",
    "Goods",
    "Market",
    "Threads",
    "Studio",
    "Supply",
    "Collective",
    "Emporium",
    "House",
    "Co",
    "Store",
    "Trading",
    "Atelier",
    "Depot",
]
_BRANDS = [
    "Aurora",
    "Bellwood",
    "Cobalt",
    "Driftwood",
    "Evergreen",
    "Fjord",
    "Granite",
    "Halcyon",
    "Indigo",
    "Jasper",
    "Kestrel",
    "Larkspur",
    "Meridian",
    "Nimbus",
    "Orchid",
    "Pebble",
    "Quill",
    "Riviera",
    "Sable",
    "Tundra",
]
_FIRST = [
    "anna",
    "ben",
    "chloe",
    "david",
    "emma",
    "felix",
    "grace",
    "hugo",
    "ines",
    "jack",
    "kavya",
    "liam",
    "maya",
    "noah",
    "olivia",
    "priya",
    "quentin",
    "rosa",
    "sam",
    "tara",
    "umar",
    "vera",
    "wei",
    "yuki",
    "zoe",
]
_LAST = [
    "martin",
    "smith",
    "muller",
    "garcia",
    "rossi",
    "kumar",
    "tanaka",
    "silva",
    "nguyen",
    "brown",
    "dubois",
    "schmidt",
    "lopez",
    "sharma",
    "kim",
    "wilson",
    "costa",
    "novak",
    "olsen",
    "ahmed",
]
_TEAMS = ["Support", "Sales", "Store Team", "Social", "VIP Desk", "Online", "Customer Care", "Wholesale"]
_MAIL = ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me", "orange.fr", "web.de"]


@dataclass
class Groups:
    """Members of each group (e.g. users per tenant) as CSR offsets."""

    start: np.ndarray
    count: np.ndarray
    members: np.ndarray

    @classmethod
    def build(cls, group_of: np.ndarray, n_groups: int) -> Groups:
        valid = np.flatnonzero(group_of >= 0)
        order = valid[np.argsort(group_of[valid], kind="stable")]
        count = np.bincount(group_of[valid], minlength=n_groups).astype(np.int64)
        start = np.cumsum(count) - count
        return cls(start, count, order.astype(np.int64))

    def pick(self, rng: np.random.Generator, groups: np.ndarray, skew: float = 1.0) -> np.ndarray:
        """A random member per row (-1 when the group is empty).

        skew > 1 favours the first members (popular contacts, assets …).
        """
        count = self.count[groups]
        offset = np.floor((rng.random(len(groups)) ** skew) * count).astype(np.int64)
        pos = np.minimum(self.start[groups] + offset, max(len(self.members) - 1, 0))
        if len(self.members) == 0:
            return np.full(len(groups), -1, dtype=np.int64)
        return np.where(count > 0, self.members[pos], -1)


@dataclass
class World:
    """Everything the event domains draw from."""

    cfg: GenConfig
    clock: LocalClock
    brands: Frame
    tenants: Frame
    carries: np.ndarray  # bool [tenant, brand]
    brand_retailers: Frame
    teams: Frame
    users: Frame
    templates: Frame
    contacts: Frame
    sla: Frame
    groups: dict[str, Groups] = field(default_factory=dict)
    # Hand-offs between domains (e.g. AI generation ids that messages cite).
    shared: dict[str, object] = field(default_factory=dict)

    @property
    def n_tenants(self) -> int:
        return len(self.tenants)

    def tenant_weights(self, adopt: str | None = None) -> np.ndarray:
        """Share of activity per tenant: size × active time (× adoption flag)."""
        t = self.tenants
        span = np.maximum(t["_active_to"] - t["_active_from"], 0).astype(float)
        w = t["_weight"] * span
        if adopt:
            w = w * t[f"_adopt_{adopt}"]
        return w / w.sum()

    def pick_tenants(self, rng: np.random.Generator, n: int, adopt: str | None = None) -> np.ndarray:
        return rng.choice(self.n_tenants, size=n, p=self.tenant_weights(adopt))

    def sample_times(self, rng: np.random.Generator, tenant: np.ndarray, profile: str = "business") -> np.ndarray:
        t = self.tenants
        return self.clock.sample(rng, tenant, t["_active_from"][tenant], t["_active_to"][tenant], profile)


def not_before(rng: np.random.Generator, times: np.ndarray, floor: np.ndarray, median_s: float = 2 * 3600) -> np.ndarray:
    """Move times that precede `floor` (e.g. a user's creation) to shortly after it."""
    early = times < floor
    moved = floor + lognormal_us(rng, len(times), median_s, 1.0)
    return np.where(early, moved, times)


def build_world(cfg: GenConfig) -> World:
    rng = stream(cfg.seed, "world")
    brands = _brands(cfg, rng)
    tenants = _tenants(cfg, rng)
    zones = [z for z, *_ in TIMEZONES]
    tz_index = np.array([zones.index(z) for z in tenants["timezone"]])
    clock = LocalClock(cfg.start_day, cfg.days, tz_index, utc_offsets_seconds(zones, cfg.start, cfg.days))
    carries, brand_retailers = _brand_retailers(cfg, rng, brands, tenants)
    tenants["_adopt_brand"] = carries.any(axis=1).astype(float)
    teams = _teams(cfg, rng, tenants)
    users = _users(cfg, rng, tenants, teams)
    templates = _templates(cfg, rng, tenants, brands, teams, users)
    contacts = _contacts(cfg, rng, tenants)
    sla = _sla(cfg, rng, tenants)
    world = World(cfg, clock, brands, tenants, carries, brand_retailers, teams, users, templates, contacts, sla)
    n_t = len(tenants)
    world.groups = {
        "users": Groups.build(users["_tenant"], n_t),
        "teams": Groups.build(teams["_tenant"], n_t),
        "contacts": Groups.build(contacts["_tenant"], n_t),
        "templates": _usable_templates(templates, carries),
        "owned_templates": Groups.build(templates["_tenant"], n_t),
        "brands_carried": _groups_from_pairs(*np.nonzero(carries), n_t),
        "carriers": _groups_from_pairs(*np.nonzero(carries.T), carries.shape[1]),
    }
    return world


def _groups_from_pairs(rows: np.ndarray, cols: np.ndarray, n_groups: int) -> Groups:
    order = np.lexsort((cols, rows))
    count = np.bincount(rows, minlength=n_groups).astype(np.int64)
    return Groups(np.cumsum(count) - count, count, cols[order].astype(np.int64))


def _usable_templates(templates: Frame, carries: np.ndarray) -> Groups:
    """Per tenant: its own templates plus brand templates of brands it carries."""
    own_t = templates["_tenant"]
    rows = [own_t[own_t >= 0]]
    cols = [np.flatnonzero(own_t >= 0)]
    brand_of = templates["_brand"]
    for b in range(carries.shape[1]):
        tpl = np.flatnonzero(brand_of == b)
        carriers = np.flatnonzero(carries[:, b])
        rows.append(np.repeat(carriers, len(tpl)))
        cols.append(np.tile(tpl, len(carriers)))
    return _groups_from_pairs(np.concatenate(rows), np.concatenate(cols), carries.shape[0])


def _brands(cfg: GenConfig, rng: np.random.Generator) -> Frame:
    n = cfg.entities("brands")
    names = [f"{_BRANDS[i % len(_BRANDS)]}{'' if i < len(_BRANDS) else ' ' + str(i // len(_BRANDS) + 1)}" for i in range(n)]
    created = cfg.start_us - (rng.uniform(60, 1500, n) * DAY).astype(np.int64)
    popularity = rng.zipf(1.6, n).astype(float)
    return Frame(
        "brands",
        {"brand_id": make_ids("brd_", n, 4), "name": as_object(names), "created_at": created},
        {"_popularity": popularity / popularity.sum()},
    )


def _tenants(cfg: GenConfig, rng: np.random.Generator) -> Frame:
    n = cfg.entities("tenants")
    start, end = cfg.start_us, cfg.end_us
    # Very unequal sizes: a Zipf-like rank law with lognormal noise.
    weight = (np.arange(1, n + 1) ** -1.1) * rng.lognormal(0, 0.5, n)
    weight = rng.permutation(weight)
    zone_p = np.array([w for *_, w in TIMEZONES])
    zone = rng.choice(len(TIMEZONES), size=n, p=zone_p / zone_p.sum())
    must = [next(i for i, z in enumerate(TIMEZONES) if z[0] == name) for name in MUST_HAVE_ZONES]
    zone[rng.choice(n, size=len(must), replace=False)] = must

    is_new = rng.random(n) < 0.2
    created = np.where(
        is_new,
        start + (rng.uniform(0, 0.85, n) * cfg.days * DAY).astype(np.int64),
        start - (rng.uniform(20, 900, n) * DAY).astype(np.int64),
    )
    weight = np.where(is_new, weight * 0.3, weight)
    rank = np.argsort(np.argsort(-weight)) / n
    plan_idx = np.where(rank < 0.1, 2, np.where(rank < 0.45, 1, 0))
    noise = rng.random(n) < 0.1
    plan_idx = np.where(noise, rng.integers(0, 3, n), plan_idx)

    # Lifecycle: new tenants trial for 14 days and convert or expire; some
    # existing tenants cancel (or lapse) during the window.
    trial_end = created + 14 * DAY
    converts = rng.random(n) < 0.7
    churn_at = np.full(n, NULL, dtype=np.int64)
    churn_kind = np.full(n, None, dtype=object)
    expired = is_new & ~converts & (trial_end < end)
    churn_at[expired] = trial_end[expired]
    churn_kind[expired] = "expired"
    leaves = ~is_new & (rng.random(n) < 0.08)
    churn_at[leaves] = start + (rng.uniform(5, cfg.days - 3, leaves.sum()) * DAY).astype(np.int64)
    churn_kind[leaves] = np.where(rng.random(leaves.sum()) < 0.8, "cancelled", "expired")

    active_from = np.maximum(created + 10 * MINUTE, start)
    active_to = np.where(churn_at != NULL, np.minimum(churn_at + (rng.uniform(0, 6, n) * DAY).astype(np.int64), end), end)
    active_to = np.maximum(active_to, active_from + HOUR)

    # Funnel: later product steps are adopted by fewer tenants.
    u = rng.random((6, n))
    base = np.ones(n, dtype=bool)
    binding = u[0] < np.where(is_new, 0.9, 1.0)
    inbox = binding & (u[1] < np.where(is_new, 0.8, 0.98))
    reply = inbox & (u[2] < np.where(is_new, 0.85, 0.99))
    templates = reply & (u[3] < np.where(is_new, 0.6, 0.8))
    ai = templates & (u[4] < np.where(is_new, 0.55, 0.7))
    catalog = u[5] < 0.6
    crm = rng.random(n) < 0.85
    analytics = rng.random(n) < 0.7

    country = as_object([TIMEZONES[z][1] for z in zone])
    names = join(choose(rng, _NAME_A, None, n), " ", choose(rng, _NAME_B, None, n))
    platform = np.where(catalog, choose(rng, PLATFORMS, [50, 25, 10, 10, 5], n), None)
    return Frame(
        "tenants",
        {
            "tenant_id": make_ids("ten_", n, 5),
            "name": names,
            "timezone": as_object([TIMEZONES[z][0] for z in zone]),
            "country": country,
            "plan": as_object(PLANS)[plan_idx],
            "created_at": created,
        },
        {
            "_weight": weight,
            "_is_new": is_new,
            "_trial_end": trial_end,
            "_converts": converts,
            "_churn_at": churn_at,
            "_churn_kind": churn_kind,
            "_active_from": active_from,
            "_active_to": active_to,
            "_currency": as_object([TIMEZONES[z][2] for z in zone]),
            "_platform": platform,
            "_adopt_all": base.astype(float),
            "_adopt_binding": binding.astype(float),
            "_adopt_inbox": inbox.astype(float),
            "_adopt_reply": reply.astype(float),
            "_adopt_templates": templates.astype(float),
            "_adopt_ai": ai.astype(float),
            "_adopt_catalog": catalog.astype(float),
            "_adopt_crm": crm.astype(float),
            "_adopt_analytics": analytics.astype(float),
        },
    )


def _brand_retailers(cfg: GenConfig, rng: np.random.Generator, brands: Frame, tenants: Frame) -> tuple[np.ndarray, Frame]:
    n_t, n_b = len(tenants), len(brands)
    carries = np.zeros((n_t, n_b), dtype=bool)
    rank = np.argsort(np.argsort(-tenants["_weight"])) / n_t
    # Bigger retailers carry more brands; nobody carries all of them, so a
    # "brand the retailer does not carry" always exists.
    k = np.minimum(rng.poisson(0.8 + 2.5 * (1 - rank)), n_b - 1)
    for t in range(n_t):
        if k[t]:
            carries[t, rng.choice(n_b, size=k[t], replace=False, p=brands["_popularity"])] = True
    for b in np.flatnonzero(~carries.any(axis=0)):  # every brand has a retailer
        carries[rng.integers(n_t), b] = True
    t_idx, b_idx = np.nonzero(carries)
    since = np.maximum(tenants["created_at"][t_idx], brands["created_at"][b_idx])
    authorized = since + (rng.uniform(0, 60, len(t_idx)) * DAY).astype(np.int64)
    frame = Frame(
        "brand_retailers",
        {"brand_id": brands["brand_id"][b_idx], "tenant_id": tenants["tenant_id"][t_idx], "authorized_at": authorized},
        {"_tenant": t_idx},
    )
    return carries, frame


def _teams(cfg: GenConfig, rng: np.random.Generator, tenants: Frame) -> Frame:
    n_t = len(tenants)
    rank = np.argsort(np.argsort(-tenants["_weight"])) / n_t
    per = 1 + np.minimum(rng.poisson(2.5 * (1 - rank) ** 2), 7)
    tenant = np.repeat(np.arange(n_t), per)
    nth = np.arange(len(tenant)) - np.repeat(np.cumsum(per) - per, per)
    names = as_object(_TEAMS)[nth % len(_TEAMS)]
    created = tenants["created_at"][tenant] + (nth * rng.uniform(0, 20, len(tenant)) * DAY).astype(np.int64)
    created = np.minimum(created, cfg.end_us - DAY)
    return Frame(
        "teams",
        {
            "team_id": make_ids("team_", len(tenant), 5),
            "tenant_id": tenants["tenant_id"][tenant],
            "name": names,
            "created_at": created,
        },
        {"_tenant": tenant},
    )


def _users(cfg: GenConfig, rng: np.random.Generator, tenants: Frame, teams: Frame) -> Frame:
    n_t = len(tenants)
    total = max(cfg.entities("users"), 2 * n_t)
    extra = rng.multinomial(total - n_t, tenants["_weight"] / tenants["_weight"].sum())
    per = 1 + extra
    tenant = np.repeat(np.arange(n_t), per)
    n = len(tenant)
    first = np.concatenate([[0], np.cumsum(per)[:-1]])
    is_owner = np.zeros(n, dtype=bool)
    is_owner[first] = True
    role = choose(rng, ["admin", "team_lead", "agent"], [0.1, 0.15, 0.75], n)
    role[is_owner] = "owner"
    team_groups = Groups.build(teams["_tenant"], n_t)
    team = team_groups.pick(rng, tenant)
    team[is_owner] = team_groups.members[team_groups.start[tenant[is_owner]]]

    t_created = tenants["created_at"][tenant]
    start, end = cfg.start_us, cfg.end_us
    joins_in_window = ~is_owner & (rng.random(n) < 0.1)
    age = np.maximum(start - t_created, 0)
    created = np.where(
        is_owner,
        t_created,
        t_created + (rng.random(n) * age).astype(np.int64) + 30 * MINUTE,
    )
    in_window_from = np.maximum(t_created, start)
    created = np.where(
        joins_in_window | (created >= end),
        in_window_from + (rng.random(n) * np.maximum(end - in_window_from - DAY, HOUR)).astype(np.int64),
        created,
    )
    deleted = nulls_int(n)
    gone = ~is_owner & (rng.random(n) < 0.03)
    deleted[gone] = np.maximum(created[gone], start) + (rng.uniform(1, cfg.days - 1, gone.sum()) * DAY).astype(np.int64)
    deleted[gone] = np.minimum(deleted[gone], end - HOUR)
    first_n, last_n = choose(rng, _FIRST, None, n), choose(rng, _LAST, None, n)
    ids = make_ids("usr_", n, 6)
    email = join(first_n, ".", last_n, ".", ids, "@", join(tenants["tenant_id"][tenant], ".example.com"))
    phone = join("+1555", make_ids("", rng.integers(0, 10_000_000, n), 7))
    return Frame(
        "user_profile",
        {
            "user_id": ids,
            "tenant_id": tenants["tenant_id"][tenant],
            "team_id": teams["team_id"][team],
            "role": role,
            "email": email,
            "phone": phone,
            "created_at": created,
            "deleted_at": deleted,
        },
        {"_tenant": tenant, "_team": team},
    )


def _templates(cfg, rng, tenants: Frame, brands: Frame, teams: Frame, users: Frame) -> Frame:
    n_t = len(tenants)
    n = max(cfg.entities("templates"), 2 * n_t)
    tenant = rng.choice(n_t, size=n, p=tenants["_weight"] / tenants["_weight"].sum())
    user_groups = Groups.build(users["_tenant"], n_t)
    owner = user_groups.pick(rng, tenant)
    is_team = rng.random(n) < 0.4
    team = np.where(is_team, Groups.build(teams["_tenant"], n_t).pick(rng, tenant), users["_team"][owner])
    # Brand templates: published by a brand, no tenant, owner or team.
    n_brand_tpl = max(len(brands) * 2, round(n * 0.04))
    b = rng.choice(len(brands), size=n_brand_tpl, p=brands["_popularity"])
    tenant = np.concatenate([tenant, np.full(n_brand_tpl, -1)])
    owner = np.concatenate([owner, np.full(n_brand_tpl, -1)])
    team = np.concatenate([team, np.full(n_brand_tpl, -1)])
    brand = np.concatenate([np.full(n, -1), b])
    scope = np.concatenate([np.where(is_team, "team", "personal").astype(object), np.full(n_brand_tpl, "brand", dtype=object)])
    total = len(tenant)
    since = np.where(tenant >= 0, tenants["created_at"][np.maximum(tenant, 0)], brands["created_at"][np.maximum(brand, 0)])
    since = np.maximum(since, np.where(owner >= 0, users["created_at"][np.maximum(owner, 0)], since))
    created = since + (rng.random(total) * np.maximum(cfg.end_us - DAY - since, HOUR) * rng.random(total)).astype(np.int64)
    deleted = nulls_int(total)
    gone = rng.random(total) < 0.04
    deleted[gone] = np.minimum(created[gone] + (rng.uniform(1, 60, gone.sum()) * DAY).astype(np.int64), cfg.end_us - HOUR)
    return Frame(
        "templates",
        {
            "template_id": make_ids("tpl_", total, 6),
            "tenant_id": lookup(tenants["tenant_id"], tenant),
            "brand_id": lookup(brands["brand_id"], brand),
            "owner_user_id": lookup(users["user_id"], owner),
            "team_id": lookup(teams["team_id"], team),
            "scope": scope,
            "language": choose(rng, ["en", "fr", "de", "es", "it", "pt", "nl", "ja"], [50, 15, 10, 8, 5, 5, 4, 3], total),
            "format": choose(rng, ["html", "text"], [0.4, 0.6], total),
            "created_at": created,
            "deleted_at": deleted,
        },
        {"_tenant": tenant, "_brand": brand},
    )


def _contacts(cfg: GenConfig, rng: np.random.Generator, tenants: Frame) -> Frame:
    n_t = len(tenants)
    n = max(cfg.entities("contacts"), 5 * n_t)
    extra = rng.multinomial(n - 3 * n_t, tenants["_weight"] / tenants["_weight"].sum())
    tenant = np.repeat(np.arange(n_t), 3 + extra)
    grade = rng.choice(6, size=n, p=[0.05, 0.45, 0.25, 0.15, 0.07, 0.03]) - 1  # -1 = no grade yet
    t_from = tenants["_active_from"][tenant]
    t_created = tenants["created_at"][tenant]
    is_new = rng.random(n) < 0.15
    created = np.where(
        is_new,
        t_from + (rng.random(n) * np.maximum(cfg.end_us - t_from - HOUR, HOUR)).astype(np.int64),
        t_created + (rng.random(n) * np.maximum(cfg.start_us - t_created, HOUR)).astype(np.int64),
    )
    ids = make_ids("con_", n, 7)
    email = join(
        choose(rng, _FIRST, None, n),
        ".",
        choose(rng, _LAST, None, n),
        make_ids("", rng.integers(0, 1000, n), 3),
        "@",
        choose(rng, _MAIL, None, n),
    )
    phone = join("+4477", make_ids("", rng.integers(0, 100_000_000, n), 8))
    return Frame(
        "contacts",
        {
            "contact_id": ids,
            "tenant_id": tenants["tenant_id"][tenant],
            "email": email,
            "phone": phone,
            "grade": np.full(n, None, dtype=object),  # rendered from _grade after the CRM domain ran
            "source": choose(rng, ["shopify", "manual", "import", "web_form", "pos", "facebook_lead"], [30, 20, 20, 15, 10, 5], n),
            "created_at": created,
            "updated_at": created.copy(),
        },
        {"_tenant": tenant, "_grade": grade.astype(np.int64), "_is_new": is_new},
    )


def _sla(cfg: GenConfig, rng: np.random.Generator, tenants: Frame) -> Frame:
    n_t = len(tenants)
    has = rng.random(n_t) < 0.35
    has[rng.integers(n_t)] = True
    rows_t, rows_c = [], []
    for t in np.flatnonzero(has):
        chans = rng.choice(len(CHANNELS), size=rng.integers(1, 4), replace=False)
        rows_t.extend([t] * len(chans))
        rows_c.extend(sorted(chans))
    tenant = np.array(rows_t, dtype=np.int64)
    minutes = rng.choice([15, 30, 45, 60, 120, 240, 480], size=len(tenant)).astype(np.int64)
    return Frame(
        "sla_policies",
        {
            "tenant_id": tenants["tenant_id"][tenant],
            "channel": as_object(CHANNELS)[np.array(rows_c, dtype=np.int64)],
            "first_reply_target_minutes": minutes,
        },
        {"_tenant": tenant},
    )


def app_frames(world: World) -> dict[str, Frame]:
    """The eight app snapshots (clean rows), with current contact grades."""
    contacts = world.contacts
    contacts["grade"] = np.append(as_object(GRADES), None)[np.where(contacts["_grade"] < 0, len(GRADES), contacts["_grade"])]
    return {
        "brands": world.brands,
        "tenants": world.tenants,
        "brand_retailers": world.brand_retailers,
        "teams": world.teams,
        "user_profile": world.users,
        "templates": world.templates,
        "contacts": contacts,
        "sla_policies": world.sla,
    }


def created_times(frame: Frame) -> np.ndarray:
    """When an app row came to be (for its snapshot _loaded_at)."""
    for col in ("created_at", "authorized_at"):
        if col in frame.cols:
            return frame[col]
    return np.full(len(frame), NULL, dtype=np.int64)


__all__ = [
    "GRADES",
    "PLANS",
    "CHANNELS",
    "MODULES",
    "PLAN_PRICE_CENTS",
    "World",
    "Groups",
    "build_world",
    "app_frames",
    "not_before",
    "lognormal_us",
    "DAY",
    "HOUR",
    "MINUTE",
]


def owner_of(world: World, tenant: np.ndarray) -> np.ndarray:
    """Index of each tenant's owner (the first user built for it)."""
    g = world.groups["users"]
    return g.members[g.start[tenant]]
