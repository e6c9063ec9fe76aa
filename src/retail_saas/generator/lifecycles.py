"""Contact lifecycles and template adoption structure: a step after the domains.

Both run on the raw (clean, finalized) frames before incidents, arrivals and
bad rows, from their own random stream, so the domains' draws are unchanged.

* **Contacts that go quiet.** `QUIET_SHARE` of contacts get a quiet date
  (uniform over [start + 30 days, end + 10 days]; some lie past the window's
  end, so their decline is visible but not the silence). In the
  `DECLINE_DAYS` before it the contact's conversations thin out (each is
  dropped with a probability rising linearly to `DROP_MAX`), the retailer's
  human replies to it come later (delay × up to `SLOWDOWN_MAX`) or not at all
  (up to `UNANSWERED_MAX`), and automations sent to it fail or are skipped
  more often (up to `AUTOMATION_WORSE_MAX`); from the quiet date on it starts
  no conversation and automations to it never reach `sent`.
  That is what a churn model can learn from without reading the future.
* **Template adoption.** `use`/`apply` rows of template_log are re-drawn
  (share `STRUCTURED_SHARE`) from a per-user distribution over the tenant's
  usable templates: a team ranking (Zipf) boosted for the team's own
  templates, its language and format, brand templates by plan (a plan-level
  taste shared by tenants of the same plan), times a per-user taste. Teams
  and plans thus prefer some templates, and a user's past predicts its
  future. A draw that the template did not exist for (created later or
  deleted) keeps the original row's template.
"""

from __future__ import annotations

import numpy as np

from .config import DAY
from .frame import NULL, Frame
from .world import World

QUIET_SHARE = 0.5
DECLINE_DAYS = 28
DROP_MAX = 0.5
SLOWDOWN_MAX = 8.0
UNANSWERED_MAX = 0.8
AUTOMATION_WORSE_MAX = 0.7
STRUCTURED_SHARE = 0.8
LANGUAGES = ["en", "fr", "de", "es", "it", "pt", "nl", "ja"]


def apply(world: World, raw: dict[str, Frame], rng: np.random.Generator) -> dict:
    """Mutate `raw` in place; return the manifest entry (counts only)."""
    quiet_at = _quiet_dates(world, rng)
    dropped = _thin_conversations(world, raw, rng, quiet_at)
    _worsen_automations(world, raw, rng, quiet_at)
    redrawn = _structure_templates(world, raw, rng)
    return {
        "contact_lifecycles": {
            "quiet_contacts": int((quiet_at != NULL).sum()),
            "quiet_within_window": int(((quiet_at != NULL) & (quiet_at < world.cfg.end_us)).sum()),
            "conversations_dropped": dropped,
            "template_rows_redrawn": redrawn,
        }
    }


def _quiet_dates(world: World, rng) -> np.ndarray:
    cfg = world.cfg
    n = len(world.contacts)
    lo, hi = cfg.start_us + 30 * DAY, cfg.end_us + 10 * DAY
    quiet = rng.random(n) < QUIET_SHARE
    when = lo + (rng.random(n) * (hi - lo)).astype(np.int64)
    return np.where(quiet, when, NULL)


def _decline(quiet_at: np.ndarray, contact: np.ndarray, when: np.ndarray) -> np.ndarray:
    """0 before the decline window, rising to 1 at the quiet date (and after); -1 for no quiet date."""
    q = quiet_at[contact]
    frac = np.clip((when - (q - DECLINE_DAYS * DAY)) / (DECLINE_DAYS * DAY), 0.0, 1.0)
    return np.where(q != NULL, frac, -1.0)


def _thin_conversations(world: World, raw: dict[str, Frame], rng, quiet_at: np.ndarray) -> int:
    frame = raw.get("raw_message")
    if frame is None or not len(frame):
        return 0
    contact = frame["_contact"].astype(np.int64)
    inbound = frame["direction"] == "inbound"
    conv, inverse = np.unique(frame["conversation_id"], return_inverse=True)
    # a conversation's start: its first inbound message (proactive ones have none)
    start = np.full(len(conv), np.iinfo(np.int64).max)
    np.minimum.at(start, inverse[inbound], frame["event_time"][inbound])
    has_inbound = start < np.iinfo(np.int64).max
    conv_contact = np.zeros(len(conv), dtype=np.int64)
    conv_contact[inverse] = contact
    frac = _decline(quiet_at, conv_contact, np.where(has_inbound, start, 0))
    u = rng.random(len(conv))
    drop_conv = has_inbound & (frac >= 0) & ((frac >= 1.0) | (u < DROP_MAX * np.maximum(frac, 0)))
    drop = drop_conv[inverse]

    # the retailer's human replies to a declining contact: later, or never
    human_reply = (~inbound) & ~frame["is_automated"].astype(bool) & (frame["_parent_pos"] >= 0)
    row_frac = np.maximum(_decline(quiet_at, contact, frame["event_time"]), 0)
    v, w = rng.random(len(frame)), rng.random(len(frame))
    unanswered = human_reply & (v < UNANSWERED_MAX * row_frac)
    delay = frame["event_time"] - np.where(human_reply, frame["_parent_time"], frame["event_time"])
    later = frame["event_time"] + (delay * (SLOWDOWN_MAX - 1) * row_frac * w).astype(np.int64)
    slow = human_reply & ~unanswered & (row_frac > 0)
    frame["event_time"] = np.where(slow, later, frame["event_time"])
    gone = drop | unanswered | (frame["event_time"] >= world.cfg.end_us)
    raw["raw_message"] = frame.take(np.flatnonzero(~gone))
    return int(drop_conv.sum())


def _worsen_automations(world: World, raw: dict[str, Frame], rng, quiet_at: np.ndarray) -> None:
    frame = raw.get("automation_log")
    if frame is None or not len(frame):
        return
    frac = _decline(quiet_at, frame["_contact"].astype(np.int64), frame["event_time"])
    u = rng.random(len(frame))
    worse = (frame["status"] == "sent") & (frac >= 0) & (u < AUTOMATION_WORSE_MAX * np.maximum(frac, 0) + (frac >= 1))
    outcome = np.where(rng.random(len(frame)) < 0.5, "failed", "skipped").astype(object)
    frame["status"] = np.where(worse, outcome, frame["status"]).astype(object)


def _structure_templates(world: World, raw: dict[str, Frame], rng) -> int:
    frame = raw.get("template_log")
    if frame is None or not len(frame):
        return 0
    tpl, users, teams, tenants = world.templates, world.users, world.teams, world.tenants
    n_team = len(teams)
    team_lang = np.where(rng.random(n_team) < 0.6, 0, rng.integers(1, len(LANGUAGES), n_team))
    team_html = rng.random(n_team) < 0.5
    plan_codes = {p: i for i, p in enumerate(sorted(set(tenants["plan"])))}
    plan_taste = rng.lognormal(0.0, 1.2, (len(plan_codes), len(tpl)))
    lang_code = np.array([LANGUAGES.index(v) if v in LANGUAGES else -1 for v in tpl["language"]])
    is_html = tpl["format"] == "html"
    team_index = {v: i for i, v in enumerate(teams["team_id"])}
    tpl_team = np.array([team_index.get(v, -1) for v in tpl["team_id"]])
    is_brand = tpl["_tenant"] < 0

    user = frame["_user"].astype(np.int64)
    tenant = frame["_tenant"].astype(np.int64)
    eligible = np.isin(frame["action"], ["use", "apply"]) & (user >= 0) & (rng.random(len(frame)) < STRUCTURED_SHARE)
    usable = world.groups["templates"]
    new_tpl = frame["template_id"].copy()
    redrawn = 0
    for t in np.unique(tenant[eligible]):
        cand = usable.members[usable.start[t] : usable.start[t] + usable.count[t]]
        if not len(cand):
            continue
        rows = np.flatnonzero(eligible & (tenant == t))
        row_users, inv = np.unique(user[rows], return_inverse=True)
        team = users["_team"][row_users]
        # one ranking per team (Zipf over a team-specific random order)
        own_teams, team_inv = np.unique(team, return_inverse=True)
        team_rank = np.argsort(np.argsort(rng.random((len(own_teams), len(cand))), axis=1), axis=1)[team_inv]
        weight = 1.0 / (1.0 + team_rank) ** 1.1
        weight *= np.where(tpl_team[cand][None, :] == team[:, None], 4.0, 1.0)
        weight *= np.where(lang_code[cand][None, :] == team_lang[team][:, None], 3.0, 0.3)
        weight *= np.where(is_html[cand][None, :] == team_html[team][:, None], 2.0, 0.5)
        plan = plan_codes[tenants["plan"][t]]
        weight *= np.where(is_brand[cand], 2.0 * plan_taste[plan, cand], 1.0)[None, :]
        weight *= rng.lognormal(0.0, 0.8, (len(row_users), len(cand)))  # the user's own taste
        cum = np.cumsum(weight, axis=1)
        draw = rng.random(len(rows)) * cum[inv, -1]
        slot = np.array([np.searchsorted(cum[i], d, side="right") for i, d in zip(inv, draw)], dtype=np.int64)
        pick = cand[np.minimum(slot, len(cand) - 1)]
        when = frame["event_time"][rows]
        gone = tpl["deleted_at"][pick]
        alive = (tpl["created_at"][pick] <= when) & ((gone == NULL) | (gone > when))
        new_tpl[rows[alive]] = tpl["template_id"][pick[alive]]
        redrawn += int(alive.sum())
    frame["template_id"] = new_tpl
    return redrawn
