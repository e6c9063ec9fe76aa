"""CRM: contact changes (incl. grade changes), imports and marketing automations."""

from __future__ import annotations

import numpy as np

from ..config import HOUR, SECOND, US
from ..frame import NULL, Frame, as_object, choose, join, lookup, make_ids, nulls_int
from ..rng import lognormal_us
from ..world import CHANNELS, GRADES, World, not_before
from ._common import finalize

CONTACT_ACTIONS = (["update", "delete", "segment_add", "segment_remove", "grade_change"], [0.45, 0.03, 0.22, 0.08, 0.22])
CONTACT_SOURCES = (["manual", "import", "shopify", "automation", "api"], [0.5, 0.2, 0.15, 0.1, 0.05])
IMPORT_SOURCES = (["shopify", "csv", "mailchimp", "klaviyo", "hubspot"], [0.3, 0.35, 0.15, 0.12, 0.08])
TRIGGERS = ["birthday", "wishlist", "abandoned_cart", "anniversary", "winback"]


def generate(world: World, rng: np.random.Generator) -> dict[str, Frame]:
    return {
        "contact_log": _contact_events(world, rng),
        "import_log": _imports(world, rng),
        "automation_log": _automations(world, rng),
    }


def _contact_events(world: World, rng) -> Frame:
    cfg = world.cfg
    contacts = world.contacts
    # Contacts created in the window announce themselves with an `add` row.
    added = np.flatnonzero(contacts["_is_new"])
    n_other = max(1, cfg.volume("contact_log") - len(added))
    tenant = world.pick_tenants(rng, n_other, "crm")
    contact = world.groups["contacts"].pick(rng, tenant, skew=1.3)
    when = not_before(rng, world.sample_times(rng, tenant), contacts["created_at"][contact])
    action = choose(rng, *CONTACT_ACTIONS, n_other)

    contact = np.concatenate([added, contact])
    tenant = contacts["_tenant"][contact]
    when = np.concatenate([contacts["created_at"][added], when])
    action = np.concatenate([np.full(len(added), "add", dtype=object), action])
    n = len(contact)
    source = choose(rng, *CONTACT_SOURCES, n)
    by_user = source == "manual"
    user = np.where(by_user, world.groups["users"].pick(rng, tenant), -1)
    when = np.where(by_user, np.maximum(when, world.users["created_at"][np.maximum(user, 0)]), when)
    segment = np.where(
        np.isin(action, ["segment_add", "segment_remove"]),
        join("seg_", world.tenants["tenant_id"][tenant], "_", make_ids("", rng.integers(0, 8, n), 2)),
        None,
    )
    frame = Frame(
        "contact_log",
        {
            "event_id": np.full(n, None, dtype=object),
            "tenant_id": world.tenants["tenant_id"][tenant],
            "contact_id": contacts["contact_id"][contact],
            "user_id": lookup(world.users["user_id"], user),
            "action": action,
            "source": source,
            "segment_id": segment,
            "old_grade": np.full(n, None, dtype=object),
            "new_grade": np.full(n, None, dtype=object),
            "event_time": when,
        },
        {"_tenant": tenant, "_contact": contact, "_user": user},
    )
    frame = finalize(frame, cfg, "event_time", "event_id", "conev_")
    _walk_grades(world, rng, frame)
    return frame


def _walk_grades(world: World, rng, frame: Frame) -> None:
    """Grade changes move one step along bronze < … < vip, in time order per contact.

    Vectorised over contacts: step k of every contact is processed together.
    Also updates the contacts snapshot (current grade, updated_at).
    """
    contacts = world.contacts
    rows = np.flatnonzero(frame["action"] == "grade_change")
    rows = rows[np.lexsort((frame["event_time"][rows], frame["_contact"][rows]))]
    contact = frame["_contact"][rows]
    sizes = np.unique(contact, return_counts=True)[1]
    starts = np.cumsum(sizes) - sizes
    state = contacts["_grade"][contact[starts]].copy()
    grade_names = np.append(as_object(GRADES), None)  # index -1 → None
    old = np.empty(len(rows), dtype=object)
    new = np.empty(len(rows), dtype=object)
    top = len(GRADES) - 1
    for k in range(int(sizes.max()) if len(sizes) else 0):
        live = sizes > k
        pos = starts[live] + k
        s = state[live]
        up = rng.random(len(s)) < 0.65
        nxt = np.where(s < 0, 0, np.where(s == 0, 1, np.where(s == top, top - 1, np.where(up, s + 1, s - 1))))
        old[pos] = grade_names[s]
        new[pos] = grade_names[nxt]
        state[live] = nxt
    frame["old_grade"][rows] = old
    frame["new_grade"][rows] = new
    last = starts + sizes - 1 if len(sizes) else np.array([], dtype=np.int64)
    contacts["_grade"][contact[last]] = state
    touched = frame["_contact"]
    np.maximum.at(contacts["updated_at"], touched, frame["event_time"])


def _imports(world: World, rng) -> Frame:
    cfg = world.cfg
    n = cfg.volume("import_log")
    tenant = world.pick_tenants(rng, n, "crm")
    received = np.round(rng.lognormal(np.log(400), 1.3, n)).astype(np.int64) + 1
    rejected = rng.binomial(received, rng.beta(1.2, 25, n)).astype(np.int64)
    started = world.sample_times(rng, tenant)
    finished = started + lognormal_us(rng, n, 20, 0.7) + received * 20_000
    frame = Frame(
        "import_log",
        {
            "import_batch_id": np.full(n, None, dtype=object),
            "tenant_id": world.tenants["tenant_id"][tenant],
            "source": choose(rng, *IMPORT_SOURCES, n),
            "rows_received": received,
            "rows_imported": received - rejected,
            "rows_rejected": rejected,
            "started_at": started,
            "finished_at": finished,
        },
        {"_tenant": tenant},
    )
    frame = finalize(frame, cfg, "started_at", "import_batch_id", "imp_")
    # Imports still running at the cut-off have no finish yet.
    frame["finished_at"] = np.where(frame["finished_at"] >= cfg.end_us, NULL, frame["finished_at"])
    return frame


def _automations(world: World, rng) -> Frame:
    """Each run: a `triggered` row, then usually sent / failed / skipped."""
    cfg = world.cfg
    n = max(1, round(cfg.volume("automation_log") / 1.95))
    tenant = world.pick_tenants(rng, n, "crm")
    slot = rng.integers(0, 6, n)  # a tenant runs up to six automations
    trigger = (slot + tenant) % len(TRIGGERS)
    automation = join("aut_", world.tenants["tenant_id"][tenant], "_", make_ids("", slot, 1))
    contact = world.groups["contacts"].pick(rng, tenant)
    channel = rng.choice([0, 1, 4], size=n, p=[0.6, 0.25, 0.15])
    t0 = not_before(rng, world.sample_times(rng, tenant), world.contacts["created_at"][contact])
    outcome = rng.choice(4, size=n, p=[0.78, 0.07, 0.12, 0.03])  # sent, failed, skipped, none yet
    t1 = t0 + lognormal_us(rng, n, 20, 1.2) + SECOND
    parts = []
    for status, mask, when in [
        ("triggered", np.ones(n, bool), t0),
        ("sent", outcome == 0, t1),
        ("failed", outcome == 1, t1),
        ("skipped", outcome == 2, t1),
    ]:
        i = np.flatnonzero(mask)
        parts.append(
            Frame(
                "automation_log",
                {
                    "event_id": np.full(len(i), None, dtype=object),
                    "tenant_id": world.tenants["tenant_id"][tenant[i]],
                    "automation_id": automation[i],
                    "trigger_type": as_object(TRIGGERS)[trigger[i]],
                    "contact_id": world.contacts["contact_id"][contact[i]],
                    "channel": as_object(CHANNELS)[channel[i]],
                    "status": np.full(len(i), status, dtype=object),
                    "event_time": when[i],
                },
                {"_tenant": tenant[i], "_contact": contact[i]},
            )
        )
    return finalize(Frame.concat(parts), cfg, "event_time", "event_id", "autev_")


def mutate_import(frame: Frame, rows: np.ndarray, copy: Frame, rng) -> None:
    """The batch's finish time was restated a little later."""
    done = copy["finished_at"] != NULL
    copy["finished_at"] = np.where(done, copy["finished_at"] + rng.integers(1, 60, len(copy)) * US, NULL)


MUTATORS = {"import_log": mutate_import}
__all__ = ["generate", "MUTATORS", "HOUR", "nulls_int"]
