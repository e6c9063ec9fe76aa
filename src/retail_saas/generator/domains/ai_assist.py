"""AI writing help: a `generate` row, then apply / edit / save / send / discard."""

from __future__ import annotations

import numpy as np

from ..config import US
from ..frame import NULL, Frame, choose, lookup, make_ids, nulls_int
from ..rng import lognormal_us
from ..world import World
from ._common import finalize

FEATURES = (["compose", "reply", "subject_line", "rewrite", "translate"], [0.3, 0.35, 0.1, 0.15, 0.1])
MODELS = (["gpt-4o-mini", "gpt-4o", "claude-3-5-haiku", "claude-3-7-sonnet"], [0.45, 0.2, 0.2, 0.15])
ROWS_PER_GENERATION = 2.6


def generate(world: World, rng: np.random.Generator) -> dict[str, Frame]:
    cfg = world.cfg
    n = max(1, round(cfg.volume("ai_assist_log") / ROWS_PER_GENERATION))
    tenant = world.pick_tenants(rng, n, "ai")
    user = world.groups["users"].pick(rng, tenant)
    t0 = world.sample_times(rng, tenant)
    t0 = np.maximum(t0, world.users["created_at"][user] + 60 * US)
    gen_ids = make_ids("gen_", n, 7)
    feature = choose(rng, *FEATURES, n)
    model = choose(rng, *MODELS, n)
    macro = np.where(rng.random(n) < 0.12, make_ids("mac_", rng.integers(0, 40, n), 3), None)
    tpl_idx = np.where(rng.random(n) < 0.1, world.groups["templates"].pick(rng, tenant), -1)
    template = lookup(world.templates["template_id"], tpl_idx)

    # Funnel after generation: applied > edited > saved, some sent, the rest discarded.
    applied = rng.random(n) < 0.6
    edited = applied & (rng.random(n) < 0.35)
    saved = np.where(edited, rng.random(n) < 0.7, applied & (rng.random(n) < 0.15))
    sent = applied & (rng.random(n) < 0.45)
    discarded = ~applied & (rng.random(n) < 0.8)

    t_apply = t0 + lognormal_us(rng, n, 20, 0.8)
    t_edit = t_apply + lognormal_us(rng, n, 45, 0.9)
    t_save = np.where(edited, t_edit, t_apply) + lognormal_us(rng, n, 15, 0.8)
    t_send = np.maximum(t_save, t_edit) + lognormal_us(rng, n, 90, 1.0)
    t_discard = t0 + lognormal_us(rng, n, 30, 1.0)

    steps = [
        ("generate", np.ones(n, bool), t0),
        ("apply", applied, t_apply),
        ("edit", edited, t_edit),
        ("save", saved, t_save),
        ("send", sent, t_send),
        ("discard", discarded, t_discard),
    ]
    parts = []
    for action, mask, when in steps:
        idx = np.flatnonzero(mask)
        is_gen = action == "generate"
        k = len(idx)
        parts.append(
            Frame(
                "ai_assist_log",
                {
                    "event_id": np.full(k, None, dtype=object),
                    "generation_id": gen_ids[idx],
                    "tenant_id": world.tenants["tenant_id"][tenant[idx]],
                    "user_id": world.users["user_id"][user[idx]],
                    "action": np.full(k, action, dtype=object),
                    "feature": feature[idx],
                    # Macro/template are named when the draft is generated or applied.
                    "macro_id": macro[idx] if action in ("generate", "apply") else np.full(k, None, dtype=object),
                    "template_id": template[idx] if action in ("generate", "apply") else np.full(k, None, dtype=object),
                    "model": model[idx],
                    "prompt_tokens": np.round(rng.lognormal(np.log(350), 0.6, k)).astype(np.int64) if is_gen else nulls_int(k),
                    "completion_tokens": np.round(rng.lognormal(np.log(120), 0.7, k)).astype(np.int64) if is_gen else nulls_int(k),
                    "event_time": when[idx],
                },
                {"_tenant": tenant[idx]},
            )
        )
    frame = finalize(Frame.concat(parts), cfg, "event_time", "event_id", "aiev_")
    gen_rows = frame["action"] == "generate"
    # Messages cite generations that were sent from the composer.
    world.shared["ai_generations"] = (frame["_tenant"][gen_rows], frame["generation_id"][gen_rows], frame["event_time"][gen_rows])
    return {"ai_assist_log": frame}


__all__ = ["generate", "NULL"]
