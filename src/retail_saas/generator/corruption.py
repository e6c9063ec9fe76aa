"""Bad rows: the ten kinds of raw_contract.md "Bad rows", injected at known rates.

Each table has a plan: a list of `BadSpec(kind, label, rate, apply, where)`.
A row is corrupted at most once (so its first failed rule is the injected
one); rows that other bad rows refer to (a reply's message, the message of a
cross-tenant reference) are protected, so rules 4 and 10 find a valid target.
Event-log rows are corrupted in place; app tables get extra cloned rows, so
a bad tenant or user never invalidates the events of a real one.

Row state in `frame["_bad"]`: 0 clean, -1 clean and protected, k > 0 kind k.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .config import DAY, MINUTE, SECOND, US
from .frame import NULL, Frame, make_ids
from .rng import stochastic_round
from .world import World

Apply = Callable[[Frame, np.ndarray, "Ctx"], None]
Where = Callable[[Frame], np.ndarray]


@dataclass
class Ctx:
    world: World
    rng: np.random.Generator
    table: str
    serial: int = 0

    def fresh(self, prefix: str, n: int) -> np.ndarray:
        """Ids that exist nowhere (unknown tenants, brands, cloned keys)."""
        ids = make_ids(f"{prefix}", np.arange(self.serial, self.serial + n) + 900_000, 6)
        self.serial += n
        return ids


@dataclass(frozen=True)
class BadSpec:
    kind: int
    label: str
    rate: float  # share of the table's rows (app tables: of its rows, at least one)
    apply: Apply
    where: Where | None = None  # eligible rows
    ensure: bool = False  # at least one row even in a tiny lake
    clone: bool = False  # app tables: corrupt an extra copy with a fresh key


class Ledger:
    """Ground truth: injected bad rows per table, kind and label."""

    def __init__(self) -> None:
        self.by_kind: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.by_label: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, table: str, spec: BadSpec, n: int) -> None:
        if n:
            self.by_kind[table][spec.kind] += n
            self.by_label[table][spec.label] += n

    def as_dict(self) -> dict:
        return {
            "by_kind": {t: {str(k): v for k, v in sorted(d.items())} for t, d in sorted(self.by_kind.items())},
            "by_label": {t: dict(sorted(d.items())) for t, d in sorted(self.by_label.items())},
            "total": int(sum(sum(d.values()) for d in self.by_kind.values())),
        }


# ---------------------------------------------------------------- appliers


def set_to(col: str, value) -> Apply:
    def apply(frame: Frame, rows: np.ndarray, ctx: Ctx) -> None:
        frame[col][rows] = value

    return apply


def blank(col: str) -> Apply:
    def apply(frame: Frame, rows: np.ndarray, ctx: Ctx) -> None:
        frame[col][rows] = np.where(np.arange(len(rows)) % 2 == 0, "", "   ")

    return apply


def unknown(col: str, prefix: str) -> Apply:
    def apply(frame: Frame, rows: np.ndarray, ctx: Ctx) -> None:
        frame[col][rows] = ctx.fresh(prefix, len(rows))

    return apply


def variant(col: str, values: list[str]) -> Apply:
    """Out-of-list values: case variants, trailing spaces, unknown members."""

    def apply(frame: Frame, rows: np.ndarray, ctx: Ctx) -> None:
        frame[col][rows] = np.asarray(values, dtype=object)[np.arange(len(rows)) % len(values)]

    return apply


def null_time(col: str) -> Apply:
    return set_to(col, NULL)


def future_time(col: str) -> Apply:
    """A clock in the future: more than a day after the row landed."""

    def apply(frame: Frame, rows: np.ndarray, ctx: Ctx) -> None:
        ahead = DAY + (ctx.rng.uniform(10, 3 * 24 * 60, len(rows)) * MINUTE).astype(np.int64)
        frame[col][rows] = frame["_loaded_at"][rows] + ahead

    return apply


def negative(col: str) -> Apply:
    def apply(frame: Frame, rows: np.ndarray, ctx: Ctx) -> None:
        frame[col][rows] = -np.abs(frame[col][rows]) - 1

    return apply


def reversed_interval(start: str, end: str, max_minutes: float) -> Apply:
    def apply(frame: Frame, rows: np.ndarray, ctx: Ctx) -> None:
        back = (ctx.rng.uniform(1, max_minutes, len(rows)) * MINUTE).astype(np.int64)
        frame[end][rows] = frame[start][rows] - back

    return apply


def foreign(col: str, entity: str) -> Apply:
    """Point a reference at a (valid) entity of another tenant."""

    def apply(frame: Frame, rows: np.ndarray, ctx: Ctx) -> None:
        world = ctx.world
        src = {
            "users": (world.users, "user_id"),
            "teams": (world.teams, "team_id"),
            "contacts": (world.contacts, "contact_id"),
            "templates": (world.templates, "template_id"),
        }[entity]
        owner_tenant = src[0]["_tenant"]
        candidates = np.flatnonzero(owner_tenant >= 0)  # brand templates belong to no single tenant
        row_tenant = frame["_tenant"][rows]
        pick = candidates[ctx.rng.integers(0, len(candidates), len(rows))]
        for _ in range(50):
            same = owner_tenant[pick] == row_tenant
            if not same.any():
                break
            pick[same] = candidates[ctx.rng.integers(0, len(candidates), same.sum())]
        frame[col][rows] = src[0][src[1]][pick]

    return apply


def brand_not_carried(frame: Frame, rows: np.ndarray, ctx: Ctx) -> None:
    """A brand event by a retailer that does not carry that brand."""
    carries = ctx.world.carries
    tenant = frame["_tenant"][rows]
    n_b = carries.shape[1]
    pick = ctx.rng.integers(0, n_b, len(rows))
    for _ in range(50):
        bad = carries[tenant, pick]
        if not bad.any():
            break
        pick[bad] = ctx.rng.integers(0, n_b, bad.sum())
    still = carries[tenant, pick]
    pick[still] = np.argmin(carries[tenant[still]], axis=1)
    frame["brand_id"][rows] = ctx.world.brands["brand_id"][pick]


def reply_to_other_tenant(frame: Frame, rows: np.ndarray, ctx: Ctx) -> None:
    """in_reply_to → an earlier, valid message of another tenant (protected)."""
    tenant = frame["_tenant"]
    ok = (frame["_bad"] == 0) | (frame["_bad"] == -1)
    for r in rows:  # a handful of rows
        for _ in range(200):
            target = int(ctx.rng.integers(0, max(r, 1)))
            if tenant[target] != tenant[r] and ok[target] and frame["message_id"][target]:
                frame["in_reply_to"][r] = frame["message_id"][target]
                frame["_bad"][target] = -1
                break


def reply_before_message(frame: Frame, rows: np.ndarray, ctx: Ctx) -> None:
    """The reply's clock says it was sent before the message it answers."""
    back = (ctx.rng.uniform(1, 15 * 60, len(rows)) * US).astype(np.int64) + SECOND
    frame["event_time"][rows] = frame["_parent_time"][rows] - back
    frame["_bad"][frame["_parent_pos"][rows]] = -1


# ---------------------------------------------------------------- eligibility


def not_null(col: str) -> Where:
    def where(frame: Frame) -> np.ndarray:
        v = frame[col]
        return (v != NULL) if v.dtype != object else np.not_equal(v, None)

    return where


def both(*conds: Where) -> Where:
    def where(frame: Frame) -> np.ndarray:
        out = np.ones(len(frame), dtype=bool)
        for c in conds:
            out &= c(frame)
        return out

    return where


def equals(col: str, value: str) -> Where:
    return lambda frame: frame[col] == value


def has_tenant(frame: Frame) -> np.ndarray:
    return frame["_tenant"] >= 0


def clean_reply(frame: Frame) -> np.ndarray:
    """Replies whose message is clean and recent enough to stay in the 72 h arrival rule."""
    pos = frame["_parent_pos"]
    has = pos >= 0
    parent_ok = np.zeros(len(frame), dtype=bool)
    parent_ok[has] = frame["_bad"][pos[has]] == 0
    return has & parent_ok & (frame["_loaded_at"] - frame["_parent_time"] < 60 * 3600 * US)


# ---------------------------------------------------------------- plans

R = 0.001  # the base rate of one bad-row variety in one table


def _common(key: str, time_col: str | None, enum_col: str | None, variants: list[str], ensure=False, tenant=True) -> list[BadSpec]:
    """Kinds 1, 2, 5 and 6 as most logs carry them."""
    specs = [
        BadSpec(1, "null_key", R / 2, set_to(key, None), ensure=ensure),
        BadSpec(1, "blank_key", R / 2, blank(key), ensure=ensure),
    ]
    if enum_col:
        specs.append(BadSpec(5, f"bad_enum:{enum_col}", R, variant(enum_col, variants), ensure=ensure))
    if tenant:
        specs += [
            BadSpec(2, "null_tenant", R / 2, set_to("tenant_id", None), has_tenant, ensure=ensure),
            BadSpec(2, "unknown_tenant", R / 2, unknown("tenant_id", "ten_unknown_"), has_tenant, ensure=ensure),
        ]
    if time_col:
        specs += [
            BadSpec(6, "null_time", R / 2, null_time(time_col), ensure=ensure),
            BadSpec(6, "future_time", R / 2, future_time(time_col), ensure=ensure),
        ]
    return specs


EVENT_PLANS: dict[str, list[BadSpec]] = {
    "raw_message": [
        # Reference kinds first: they protect their targets from later corruption.
        BadSpec(10, "reply_before_message", R, reply_before_message, clean_reply, ensure=True),
        BadSpec(4, "reply_to_other_tenant", R, reply_to_other_tenant, both(not_null("in_reply_to"), has_tenant), ensure=True),
        BadSpec(5, "bad_enum:channel_case", R / 2, variant("channel", ["SMS", "Email"]), ensure=True),
        *_common("message_id", "event_time", "channel", ["WhatsApp", "telegram", "sms "], ensure=True),
        BadSpec(3, "foreign_user", R, foreign("user_id", "users"), both(not_null("user_id"), has_tenant), ensure=True),
        BadSpec(3, "foreign_contact", R, foreign("contact_id", "contacts"), has_tenant, ensure=True),
        BadSpec(3, "foreign_template", R / 2, foreign("template_id", "templates"), both(not_null("template_id"), has_tenant)),
        BadSpec(7, "negative:catalog_product_count", R / 2, negative("catalog_product_count"), ensure=True),
    ],
    "notification_log": [
        *_common("event_id", "event_time", "status", ["Delivered", "bounced", "opened "]),
        BadSpec(2, "unknown_brand", R / 2, unknown("brand_id", "brd_unknown_"), not_null("brand_id")),
        BadSpec(3, "foreign_user", R, foreign("user_id", "users"), has_tenant),
        BadSpec(9, "brand_not_carried", 2 * R, brand_not_carried, both(not_null("brand_id"), has_tenant), ensure=True),
    ],
    "ai_assist_log": [
        *_common("event_id", "event_time", "action", ["Generate", "regenerate"]),
        BadSpec(3, "foreign_user", R, foreign("user_id", "users"), has_tenant),
        BadSpec(3, "foreign_template", R, foreign("template_id", "templates"), both(not_null("template_id"), has_tenant)),
        BadSpec(7, "negative:prompt_tokens", R, negative("prompt_tokens"), equals("action", "generate"), ensure=True),
    ],
    "template_log": [
        *_common("event_id", "event_time", "action", ["Use", "duplicate"]),
        BadSpec(3, "foreign_template", 1.5 * R, foreign("template_id", "templates"), has_tenant, ensure=True),
        BadSpec(3, "foreign_user", R / 2, foreign("user_id", "users"), has_tenant),
    ],
    "product_log": [
        *_common("event_id", "event_time", "action", ["Add", "upsert"]),
        BadSpec(5, "bad_enum:source_platform", R / 2, variant("source_platform", ["Shopify", "bigcommerce"])),
    ],
    "sync_log": [
        *_common("sync_id", "started_at", "status", ["Success", "error", "running "], ensure=True),
        BadSpec(7, "negative:items_synced", R, negative("items_synced"), not_null("items_synced"), ensure=True),
        BadSpec(
            8,
            "finished_before_started",
            4 * R,
            reversed_interval("started_at", "finished_at", 180),
            not_null("finished_at"),
            ensure=True,
        ),
    ],
    "media_log": [
        *_common("event_id", "event_time", None, []),  # content_type is free text: no kind 5
        BadSpec(7, "negative:bytes", R, negative("bytes"), ensure=True),
    ],
    "cdn_log": [
        BadSpec(2, "null_tenant", R / 2, set_to("tenant_id", None)),
        BadSpec(2, "unknown_tenant", R / 2, unknown("tenant_id", "ten_unknown_"), ensure=True),
        BadSpec(5, "bad_enum:distribution", R, variant("distribution", ["Catalog", "images"]), ensure=True),
        BadSpec(7, "negative:bytes_served", R, negative("bytes_served"), ensure=True),
        BadSpec(7, "negative:requests", R / 2, negative("requests")),
    ],
    "contact_log": [
        *_common("event_id", "event_time", "action", ["Grade_change", "merge"]),
        BadSpec(5, "bad_enum:new_grade", R, variant("new_grade", ["gold ", "Gold", "diamond"]), not_null("new_grade"), ensure=True),
        BadSpec(3, "foreign_contact", R, foreign("contact_id", "contacts"), has_tenant, ensure=True),
        BadSpec(3, "foreign_user", R / 2, foreign("user_id", "users"), both(not_null("user_id"), has_tenant)),
    ],
    "import_log": [
        *_common("import_batch_id", "started_at", "source", ["CSV", "zapier"]),
        BadSpec(7, "negative:rows_rejected", 2 * R, negative("rows_rejected"), ensure=True),
        BadSpec(
            8,
            "finished_before_started",
            4 * R,
            reversed_interval("started_at", "finished_at", 60),
            not_null("finished_at"),
            ensure=True,
        ),
    ],
    "automation_log": [
        *_common("event_id", "event_time", "trigger_type", ["Birthday", "abandoned-cart"]),
        BadSpec(5, "bad_enum:status", R / 2, variant("status", ["Sent", "queued"])),
        BadSpec(3, "foreign_contact", R, foreign("contact_id", "contacts"), has_tenant),
    ],
    "asset_log": [
        *_common("event_id", "event_time", "asset_type", ["Image", "gif"], tenant=False),
        BadSpec(2, "null_tenant_on_retailer_event", R / 2, set_to("tenant_id", None), has_tenant, ensure=True),
        BadSpec(2, "unknown_tenant", R / 2, unknown("tenant_id", "ten_unknown_"), has_tenant),
        BadSpec(2, "null_brand", R / 2, set_to("brand_id", None), ensure=True),
        BadSpec(2, "unknown_brand", R / 2, unknown("brand_id", "brd_unknown_"), ensure=True),
        BadSpec(3, "foreign_user", R / 2, foreign("user_id", "users"), has_tenant),
        BadSpec(7, "negative:bytes", R, negative("bytes"), not_null("bytes"), ensure=True),
        BadSpec(9, "brand_not_carried", 3 * R, brand_not_carried, has_tenant, ensure=True),
    ],
    "campaign_log": [
        *_common("event_id", "event_time", "action", ["Send", "forward"], tenant=False),
        BadSpec(2, "unknown_tenant", R / 2, unknown("tenant_id", "ten_unknown_"), has_tenant),
        BadSpec(2, "null_brand", R / 2, set_to("brand_id", None)),
        BadSpec(2, "unknown_brand", R / 2, unknown("brand_id", "brd_unknown_")),
        BadSpec(7, "negative:recipients_count", R, negative("recipients_count"), not_null("recipients_count"), ensure=True),
        BadSpec(9, "brand_not_carried", 3 * R, brand_not_carried, has_tenant, ensure=True),
    ],
    "user_log": [
        *_common("event_id", "event_time", "action", ["Login", "signin"]),
        BadSpec(5, "bad_enum:module", R / 2, variant("module", ["Inbox", "reports"]), not_null("module")),
        BadSpec(3, "foreign_user", R, foreign("user_id", "users"), both(not_null("user_id"), has_tenant)),
    ],
    "subscription_log": [
        *_common("event_id", "event_time", "plan", ["Pro", "premium"]),
        BadSpec(5, "bad_enum:action", R, variant("action", ["Renewed", "paused"])),
        BadSpec(7, "negative:amount_cents", 2 * R, negative("amount_cents"), not_null("amount_cents"), ensure=True),
        BadSpec(8, "period_end_before_start", 4 * R, reversed_interval("period_start", "period_end", 10 * 24 * 60), ensure=True),
    ],
    "account_binding_log": [
        *_common("attempt_id", "event_time", "provider", ["Gmail", "yahoo"]),
        BadSpec(5, "bad_enum:binding_type", R / 2, variant("binding_type", ["SMS", "email "])),
        BadSpec(3, "foreign_user", R, foreign("user_id", "users"), has_tenant, ensure=True),
    ],
}

APP_RATE = 0.003  # extra bad rows per app table, as a share of its rows (at least one)

APP_PLANS: dict[str, list[BadSpec]] = {
    "brands": [BadSpec(1, "null_key", APP_RATE, set_to("brand_id", None), clone=True)],
    "tenants": [
        BadSpec(5, "bad_enum:plan", APP_RATE, variant("plan", ["Pro", "free"]), clone=True),
        BadSpec(1, "blank_key", APP_RATE, blank("tenant_id"), clone=True),
    ],
    "brand_retailers": [
        BadSpec(2, "unknown_brand", APP_RATE, unknown("brand_id", "brd_unknown_"), clone=True),
        # tenant_id is part of this table's key: a null one is rule 1.
        BadSpec(1, "null_key_tenant", APP_RATE, set_to("tenant_id", None), clone=True),
    ],
    "teams": [BadSpec(2, "unknown_tenant", APP_RATE, unknown("tenant_id", "ten_unknown_"), clone=True)],
    "user_profile": [
        BadSpec(2, "unknown_tenant", APP_RATE, unknown("tenant_id", "ten_unknown_"), clone=True),
        BadSpec(3, "foreign_team", APP_RATE, foreign("team_id", "teams"), clone=True),
        BadSpec(5, "bad_enum:role", APP_RATE, variant("role", ["Agent", "superadmin"]), clone=True),
        BadSpec(1, "null_key", APP_RATE, set_to("user_id", None), clone=True),
    ],
    "templates": [
        BadSpec(5, "bad_enum:scope", APP_RATE, variant("scope", ["global", "Team"]), has_tenant, clone=True),
        BadSpec(5, "bad_enum:format", APP_RATE, variant("format", ["HTML", "markdown"]), clone=True),
        BadSpec(2, "brand_template_without_brand", APP_RATE, set_to("brand_id", None), equals("scope", "brand"), clone=True),
        BadSpec(3, "foreign_owner", APP_RATE, foreign("owner_user_id", "users"), has_tenant, clone=True),
    ],
    "contacts": [
        BadSpec(5, "bad_enum:grade", APP_RATE, variant("grade", ["gold ", "Silver"]), not_null("grade"), clone=True),
        BadSpec(2, "null_tenant", APP_RATE, set_to("tenant_id", None), clone=True),
        BadSpec(1, "blank_key", APP_RATE, blank("contact_id"), clone=True),
    ],
    "sla_policies": [
        BadSpec(5, "bad_enum:channel", APP_RATE, lambda f, r, c: _upper(f, r, "channel"), clone=True),
        BadSpec(2, "unknown_tenant", APP_RATE, unknown("tenant_id", "ten_unknown_"), clone=True),
        # In place: a clone would share its key with the original.
        BadSpec(7, "negative:first_reply_target_minutes", APP_RATE, negative("first_reply_target_minutes")),
    ],
}
# Keys of cloned bad app rows; distinct from the "_unknown_" ids that bad
# references use, so an unknown reference never hits a (bad) clone.
APP_KEY_PREFIX = {
    "brands": "brd_bad_",
    "tenants": "ten_bad_",
    "teams": "team_bad_",
    "user_profile": "usr_bad_",
    "templates": "tpl_bad_",
    "contacts": "con_bad_",
}


def _upper(frame: Frame, rows: np.ndarray, col: str) -> None:
    frame[col][rows] = np.asarray([str(v).upper() for v in frame[col][rows]], dtype=object)


# ---------------------------------------------------------------- injection


def inject_events(frame: Frame, world: World, rng: np.random.Generator, ledger: Ledger) -> Frame:
    frame["_bad"] = np.zeros(len(frame), dtype=np.int64)
    ctx = Ctx(world, rng, frame.table)
    for spec in EVENT_PLANS.get(frame.table, []):
        rows = _choose_rows(frame, spec, rng)
        if len(rows):
            spec.apply(frame, rows, ctx)
            frame["_bad"][rows] = spec.kind
            ledger.add(frame.table, spec, len(rows))
    return frame


def inject_app(frame: Frame, world: World, rng: np.random.Generator, ledger: Ledger, key: tuple[str, ...]) -> Frame:
    frame = frame.copy()
    frame["_bad"] = np.zeros(len(frame), dtype=np.int64)
    ctx = Ctx(world, rng, frame.table)
    extras = []
    for spec in APP_PLANS.get(frame.table, []):
        n = max(1, stochastic_round(rng, spec.rate * len(frame)))
        eligible = np.flatnonzero((frame["_bad"] == 0) & (spec.where(frame) if spec.where else True))
        rows = np.sort(rng.choice(eligible, size=min(n, len(eligible)), replace=False))
        if spec.clone:
            clone = frame.take(rows)
            if frame.table in APP_KEY_PREFIX:
                clone[key[0]] = ctx.fresh(APP_KEY_PREFIX[frame.table], len(rows))
            spec.apply(clone, np.arange(len(rows)), ctx)
            clone["_bad"] = np.full(len(rows), spec.kind)
            extras.append(clone)
        else:
            spec.apply(frame, rows, ctx)
            frame["_bad"][rows] = spec.kind
        ledger.add(frame.table, spec, len(rows))
    return Frame.concat([frame, *extras])


def _choose_rows(frame: Frame, spec: BadSpec, rng: np.random.Generator) -> np.ndarray:
    ok = frame["_bad"] == 0
    if spec.where is not None:
        ok &= spec.where(frame)
    eligible = np.flatnonzero(ok)
    n = stochastic_round(rng, spec.rate * len(frame))
    if spec.ensure:
        n = max(n, 1)
    n = min(n, len(eligible))
    return np.sort(rng.choice(eligible, size=n, replace=False)) if n else eligible[:0]


# ---------------------------------------------------------------- copy-level kinds (rules 11-13, time bounds)
#
# Injected after redeliveries, on rows whose key arrived once, so each
# injected row is exactly one quarantined row: rule 11 (`_loaded_at` null
# or after the run's start), rule 12 (a value unreadable as its type),
# rule 13 (two copies of a key with the same `_loaded_at` that differ) and
# the time bound of rule 6 (an event time before 2000).

FAR_FUTURE_US = (np.datetime64("9999-12-31T00:00:00", "us") - np.datetime64("1970-01-01T00:00:00", "us")).astype(np.int64)
# Columns written as float64 (not int64) so that they can carry NaN and
# infinity: rule 12 in a parquet lake. Read by the writer and the tests.
FLOAT_COLUMNS: dict[str, tuple[str, ...]] = {"ai_assist_log": ("prompt_tokens",)}


def loaded_at_null(frame: Frame, rows: np.ndarray, ctx: Ctx) -> None:
    frame["_loaded_at"][rows] = NULL


def loaded_at_far_future(frame: Frame, rows: np.ndarray, ctx: Ctx) -> None:
    frame["_loaded_at"][rows] = FAR_FUTURE_US


def before_2000(col: str) -> Apply:
    """A clock reset: an event time in 1970 (rule 6, "Time bounds")."""

    def apply(frame: Frame, rows: np.ndarray, ctx: Ctx) -> None:
        frame[col][rows] = (ctx.rng.uniform(0, 365, len(rows)) * DAY).astype(np.int64)

    return apply


def not_a_number(col: str, value: float) -> Apply:
    """NaN or infinity in an integer column written as float (rule 12)."""

    def apply(frame: Frame, rows: np.ndarray, ctx: Ctx) -> None:
        marks = frame.aux.setdefault(f"_float_{col}", np.zeros(len(frame), dtype=np.float64))
        marks[rows] = value

    return apply


def conflicting_copy(col: str, value: str) -> Apply:
    """Marks rows to get a second copy with the same `_loaded_at` and `col`
    changed (rule 13); `inject_copies` appends the copies."""

    def apply(frame: Frame, rows: np.ndarray, ctx: Ctx) -> None:
        frame.aux.setdefault("_conflict", np.full(len(frame), None, dtype=object))
        frame["_conflict"][rows] = f"{col}={value}"

    return apply


COPY_PLANS: dict[str, list[BadSpec]] = {
    "user_log": [
        BadSpec(11, "loaded_at_null", R / 2, loaded_at_null, ensure=True),
        BadSpec(6, "event_time_before_2000", R / 2, before_2000("event_time"), ensure=True),
    ],
    "template_log": [BadSpec(11, "loaded_at_null", R / 2, loaded_at_null, ensure=True)],
    "automation_log": [BadSpec(11, "loaded_at_9999", R / 2, loaded_at_far_future, ensure=True)],
    "notification_log": [BadSpec(11, "loaded_at_9999", R / 2, loaded_at_far_future, ensure=True)],
    "sync_log": [BadSpec(6, "started_at_before_2000", R / 2, before_2000("started_at"), ensure=True)],
    "account_binding_log": [BadSpec(6, "event_time_before_2000", R / 2, before_2000("event_time"), ensure=True)],
    "ai_assist_log": [
        BadSpec(
            12, "unreadable:prompt_tokens_nan", R / 2, not_a_number("prompt_tokens", np.nan), not_null("prompt_tokens"), ensure=True
        ),
        BadSpec(
            12, "unreadable:prompt_tokens_inf", R / 2, not_a_number("prompt_tokens", np.inf), not_null("prompt_tokens"), ensure=True
        ),
    ],
    "contact_log": [BadSpec(13, "conflicting_copies", R / 2, conflicting_copy("source", "conflict"), ensure=True)],
    "media_log": [BadSpec(13, "conflicting_copies", R / 2, conflicting_copy("content_type", "image/x-conflict"), ensure=True)],
}


def single_copy(frame: Frame, key: tuple[str, ...]) -> np.ndarray:
    """Rows whose (present) key occurs once in the frame."""
    values = frame[key[0]]
    present = np.array([v is not None and str(v).strip() != "" for v in values], dtype=bool)
    _, inverse, counts = np.unique(np.where(present, values, "").astype(str), return_inverse=True, return_counts=True)
    return present & (counts[inverse] == 1)


def inject_copies(frame: Frame, key: tuple[str, ...], world: World, rng: np.random.Generator, ledger: Ledger) -> Frame:
    """The copy-level kinds of COPY_PLANS, on clean rows whose key arrived once."""
    specs = COPY_PLANS.get(frame.table, [])
    if not specs:
        return frame
    ctx = Ctx(world, rng, frame.table)
    once = single_copy(frame, key)
    for spec in specs:
        ok = once & (frame["_bad"] == 0)
        if spec.where is not None:
            ok &= spec.where(frame)
        eligible = np.flatnonzero(ok)
        n = min(max(stochastic_round(rng, spec.rate * len(frame)), 1 if spec.ensure else 0), len(eligible))
        rows = np.sort(rng.choice(eligible, size=n, replace=False)) if n else eligible[:0]
        if not len(rows):
            continue
        spec.apply(frame, rows, ctx)
        frame["_bad"][rows] = spec.kind
        ledger.add(frame.table, spec, len(rows) * (2 if spec.kind == 13 else 1))
    if "_conflict" not in frame.aux:
        return frame
    marked = np.flatnonzero(np.not_equal(frame["_conflict"], None))
    twins = frame.take(marked)
    for i, change in enumerate(twins["_conflict"]):
        col, value = change.split("=", 1)
        twins[col][i] = value
    return Frame.concat([frame, twins])
