"""Template usage log: use / apply / edit / copy / create / delete."""

from __future__ import annotations

import numpy as np

from ..frame import Frame, choose
from ..world import World
from ._common import finalize

ACTIONS = (["use", "apply", "edit", "copy", "create", "delete"], [0.5, 0.25, 0.08, 0.06, 0.07, 0.04])


def generate(world: World, rng: np.random.Generator) -> dict[str, Frame]:
    cfg = world.cfg
    n = cfg.volume("template_log")
    tenant = world.pick_tenants(rng, n, "templates")
    user = world.groups["users"].pick(rng, tenant)
    template = world.groups["templates"].pick(rng, tenant, skew=1.8)
    ok = template >= 0
    tenant, user, template = tenant[ok], user[ok], template[ok]
    when = np.maximum(world.sample_times(rng, tenant), world.users["created_at"][user])
    when = np.maximum(when, world.templates["created_at"][template])
    k = len(tenant)
    frame = Frame(
        "template_log",
        {
            "event_id": np.full(k, None, dtype=object),
            "tenant_id": world.tenants["tenant_id"][tenant],
            "user_id": world.users["user_id"][user],
            "template_id": world.templates["template_id"][template],
            "action": choose(rng, *ACTIONS, k),
            "event_time": when,
        },
        {"_tenant": tenant, "_user": user},
    )
    return {"template_log": finalize(frame, cfg, "event_time", "event_id", "tplev_")}
