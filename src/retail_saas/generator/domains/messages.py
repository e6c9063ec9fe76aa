"""Inbox messages: conversations of inbound messages, human and automated replies.

Reply delays are lognormal (minutes to days); some replies go out on another
channel; automated acknowledgements answer within seconds.
"""

from __future__ import annotations

import numpy as np

from ..config import HOUR, MINUTE, US
from ..frame import NULL, Frame, as_object, lookup, make_ids
from ..rng import lognormal_us
from ..world import CHANNELS, Groups, World, not_before, owner_of
from ._common import grouped_offsets

CHANNEL_P = np.array([0.35, 0.15, 0.12, 0.18, 0.2])
ROWS_PER_CONVERSATION = 3.4
PROACTIVE_SHARE = 0.08


def generate(world: World, rng: np.random.Generator) -> dict[str, Frame]:
    cfg = world.cfg
    vol = cfg.volume("raw_message")
    n_conv = max(1, round(vol * (1 - PROACTIVE_SHARE) / ROWS_PER_CONVERSATION))
    tenants, users = world.tenants, world.users
    tenant = world.pick_tenants(rng, n_conv, "inbox")
    contact = world.groups["contacts"].pick(rng, tenant, skew=1.5)
    t0 = not_before(rng, world.sample_times(rng, tenant, "customer"), world.contacts["created_at"][contact])
    channel = rng.choice(len(CHANNELS), size=n_conv, p=CHANNEL_P)
    agent = world.groups["users"].pick(rng, tenant)

    # Turns: each an inbound message, maybe answered; the customer writes again later.
    turns = rng.geometric(0.55, n_conv)
    conv = np.repeat(np.arange(n_conv), turns)
    nt = len(conv)
    t_of = tenant[conv]
    replied = (tenants["_adopt_reply"][t_of] > 0) & (rng.random(nt) < 0.85)
    reply_delay = lognormal_us(rng, nt, 25 * 60, 1.6)
    gap = lognormal_us(rng, nt, 3 * 3600, 1.2)
    inbound_t = t0[conv] + grouped_offsets(turns, np.where(replied, reply_delay, 0) + gap)
    acked = rng.random(nt) < 0.08

    inbound = _rows(nt, t_of, conv, contact[conv], channel[conv], inbound_t, direction="inbound")

    a = np.flatnonzero(acked)
    owner = owner_of(world, t_of[a])
    ack = _rows(
        len(a),
        t_of[a],
        conv[a],
        contact[conv[a]],
        channel[conv[a]],
        inbound_t[a] + (rng.uniform(2, 20, len(a)) * US).astype(np.int64),
        direction="outbound",
        user=np.where(rng.random(len(a)) < 0.5, owner, -1),
        automated=True,
        parent=a,
    )

    r = np.flatnonzero(replied)
    k = len(r)
    reply_agent = np.where(rng.random(k) < 0.85, agent[conv[r]], world.groups["users"].pick(rng, t_of[r]))
    cross = rng.random(k) < 0.06
    reply_channel = np.where(cross, (channel[conv[r]] + rng.integers(1, len(CHANNELS), k)) % len(CHANNELS), channel[conv[r]])
    # Agents who joined after the customer wrote hand over to the owner.
    reply_agent = np.where(users["created_at"][reply_agent] <= inbound_t[r], reply_agent, owner_of(world, t_of[r]))
    reply_t = inbound_t[r] + reply_delay[r]
    human = _rows(k, t_of[r], conv[r], contact[conv[r]], reply_channel, reply_t, direction="outbound", user=reply_agent, parent=r)
    _decorate_outbound(world, rng, human, t_of[r], reply_channel, template_p=0.12, ai_p=0.07)

    # Proactive outbound: follow-ups and automated campaigns, not replies.
    n_pro = max(1, round(vol * PROACTIVE_SHARE))
    p_tenant = world.pick_tenants(rng, n_pro, "inbox")
    p_auto = rng.random(n_pro) < 0.6
    p_user = np.where(p_auto & (rng.random(n_pro) < 0.5), -1, world.groups["users"].pick(rng, p_tenant))
    p_user = np.where(p_auto & (p_user >= 0), owner_of(world, p_tenant), p_user)
    p_channel = rng.choice([0, 1, 4], size=n_pro, p=[0.6, 0.2, 0.2])
    p_t = world.sample_times(rng, p_tenant)
    p_t = np.where(p_user >= 0, np.maximum(p_t, users["created_at"][np.maximum(p_user, 0)]), p_t)
    proactive = _rows(
        n_pro,
        p_tenant,
        n_conv + np.arange(n_pro),
        world.groups["contacts"].pick(rng, p_tenant),
        p_channel,
        p_t,
        direction="outbound",
        user=p_user,
        automated=p_auto,
    )
    _decorate_outbound(world, rng, proactive, p_tenant, p_channel, template_p=np.where(p_auto, 0.4, 0.1), ai_p=0.02)

    frame = _assemble(world, [inbound, ack, human, proactive], nt)
    return {"raw_message": frame}


def _rows(n, tenant, conv, contact, channel, when, direction, user=None, automated=False, parent=None) -> dict:
    return {
        "tenant": tenant,
        "conv": conv,
        "contact": contact,
        "channel": np.asarray(channel),
        "time": when,
        "outbound": np.full(n, direction == "outbound"),
        "user": np.full(n, -1) if user is None else np.asarray(user),
        "automated": np.broadcast_to(np.asarray(automated), (n,)).copy(),
        "parent": np.full(n, -1) if parent is None else np.asarray(parent),
        "template": np.full(n, -1),
        "ai": np.full(n, -1),
        "products": np.zeros(n, dtype=np.int64),
    }


def _decorate_outbound(world: World, rng, rows: dict, tenant, channel, template_p, ai_p) -> None:
    n = len(tenant)
    use_tpl = rng.random(n) < template_p
    rows["template"] = np.where(use_tpl, world.groups["templates"].pick(rng, tenant), -1)
    gen_tenant, _, _ = world.shared["ai_generations"]
    gens = Groups.build(np.asarray(gen_tenant), world.n_tenants)
    rows["ai"] = np.where(rng.random(n) < ai_p, gens.pick(rng, tenant), -1)
    # Catalog tenants put products into a share of their emails.
    catalog = (world.tenants["_adopt_catalog"][tenant] > 0) & (np.asarray(channel) == 0) & (rng.random(n) < 0.25)
    rows["products"] = np.where(catalog, 1 + rng.poisson(1.5, n), 0).astype(np.int64)


def _assemble(world: World, parts: list[dict], n_inbound: int) -> Frame:
    cfg = world.cfg
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    total = len(cat["time"])
    keep = np.flatnonzero((cat["time"] >= cfg.start_us) & (cat["time"] < cfg.end_us))
    keep = keep[np.argsort(cat["time"][keep], kind="stable")]
    new_pos = np.full(total, -1)
    new_pos[keep] = np.arange(len(keep))
    ids = make_ids("msg_", len(keep), 7)
    parent = cat["parent"][keep]
    parent_pos = np.where(parent >= 0, new_pos[np.maximum(parent, 0)], -1)
    gen_tenant, gen_ids, _ = world.shared["ai_generations"]
    t = cat["tenant"][keep]
    frame = Frame(
        "raw_message",
        {
            "message_id": ids,
            "tenant_id": world.tenants["tenant_id"][t],
            "conversation_id": make_ids("conv_", cat["conv"][keep], 7),
            "contact_id": world.contacts["contact_id"][cat["contact"][keep]],
            "user_id": lookup(world.users["user_id"], cat["user"][keep]),
            "channel": as_object(CHANNELS)[cat["channel"][keep]],
            "direction": np.where(cat["outbound"][keep], "outbound", "inbound").astype(object),
            "in_reply_to": lookup(ids, parent_pos),
            "is_automated": cat["automated"][keep].astype(bool),
            "template_id": lookup(world.templates["template_id"], cat["template"][keep]),
            "ai_generation_id": lookup(np.asarray(gen_ids), cat["ai"][keep]),
            "catalog_product_count": cat["products"][keep],
            "event_time": cat["time"][keep],
        },
        {
            "_tenant": t,
            "_parent_pos": parent_pos,
            "_parent_time": np.where(parent_pos >= 0, cat["time"][keep][np.maximum(parent_pos, 0)], NULL),
            "_user": cat["user"][keep],
            "_contact": cat["contact"][keep],
        },
    )
    return frame


def mutate(frame: Frame, rows: np.ndarray, copy: Frame, rng: np.random.Generator) -> None:
    """A corrected copy: the product count was recomputed."""
    copy["catalog_product_count"] = copy["catalog_product_count"] + 1


MUTATORS = {"raw_message": mutate}
__all__ = ["generate", "MUTATORS", "HOUR", "MINUTE"]
