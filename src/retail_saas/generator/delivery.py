"""How rows reach the lake: arrival lag, late arrivals and redeliveries.

Rates live here (and in docs/generator.md). Invariants the contract relies on:
every copy of an event-log row lands within 72 h of its event time; a
redelivered copy has a strictly later `_loaded_at`; nothing lands after the
lake's 'now' (the end of the window).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .config import DAY, HOUR, MINUTE, SECOND, US, GenConfig
from .frame import NULL, Frame
from .rng import lognormal_us, stochastic_round
from .schema import TableSpec

MEDIAN_LAG_S = 240  # ordinary arrival lag: minutes, long-tailed, capped at 1 h
LATE_RATE = 0.02  # share of event rows that arrive 1 h – 71 h late
MAX_ARRIVAL = 72 * HOUR - SECOND
REDELIVERY_IDENTICAL_RATE = 0.006  # same key, same content, later _loaded_at
REDELIVERY_CHANGED_RATE = 0.004  # same key, corrected content, later _loaded_at
THIRD_COPY_SHARE = 0.1  # of redelivered keys that arrive a third time

Mutator = Callable[[Frame, np.ndarray, Frame, np.random.Generator], None]


def event_times(frame: Frame, spec: TableSpec) -> np.ndarray:
    """The time a row's arrival is measured from (cdn_log: the end of its day)."""
    if spec.time_col:
        return frame[spec.time_col]
    if "_time" in frame.aux:
        return frame["_time"]
    return np.full(len(frame), NULL, dtype=np.int64)


def arrive_events(frame: Frame, spec: TableSpec, cfg: GenConfig, rng: np.random.Generator) -> Frame:
    """Give event rows a `_loaded_at`; drop rows that have not landed by the cut-off."""
    t = event_times(frame, spec)
    n = len(frame)
    lag = np.minimum(lognormal_us(rng, n, MEDIAN_LAG_S, 1.0), HOUR) + SECOND
    late = rng.random(n) < LATE_RATE
    lag = np.where(late, (rng.uniform(1, 71, n) * HOUR).astype(np.int64), lag)
    if spec.name == "cdn_log":  # daily totals are computed hours after the day ends
        lag = np.where(late, lag, (rng.uniform(1, 6, n) * HOUR).astype(np.int64))
    frame["_loaded_at"] = t + lag
    frame["_late"] = late
    return frame.take(np.flatnonzero(frame["_loaded_at"] < cfg.end_us))


def arrive_snapshot(frame: Frame, cfg: GenConfig, rng: np.random.Generator, created: np.ndarray) -> Frame:
    """App rows land when first exported after creation (or at the window start)."""
    base = np.where(created == NULL, cfg.start_us, np.maximum(created, cfg.start_us))
    loaded = base + (rng.uniform(5 * 60, 6 * 3600, len(frame)) * US).astype(np.int64)
    frame["_loaded_at"] = np.minimum(loaded, cfg.end_us - MINUTE)
    frame["_late"] = np.zeros(len(frame), dtype=bool)
    return frame


def clamp_arrivals(frame: Frame, spec: TableSpec) -> None:
    """Keep every row within 72 h of its (possibly corrupted) event time."""
    t = event_times(frame, spec)
    has_t = t != NULL
    frame["_loaded_at"] = np.where(has_t, np.minimum(frame["_loaded_at"], t + MAX_ARRIVAL), frame["_loaded_at"])


def key_present(frame: Frame, spec: TableSpec) -> np.ndarray:
    ok = np.ones(len(frame), dtype=bool)
    for col in spec.key:
        values = frame[col]
        if values.dtype == object:
            ok &= np.array([v is not None and v.strip() != "" for v in values], dtype=bool)
        else:
            ok &= values != NULL
    return ok


def redeliver(
    frame: Frame, spec: TableSpec, cfg: GenConfig, rng: np.random.Generator, mutate: Mutator | None
) -> tuple[Frame, dict[str, int]]:
    """Append later copies of some rows: identical ones and corrected ones.

    Only rows with a key are redelivered (null keys are never collapsed), and
    changed copies are made of clean rows only, so a redelivery never turns a
    bad row good or a good row bad.
    """
    n = len(frame)
    loaded = frame["_loaded_at"]
    t = event_times(frame, spec)
    limit = np.full(n, cfg.end_us - 1, dtype=np.int64)
    if spec.source == "events":
        limit = np.minimum(limit, loaded + DAY)
        limit = np.where(t != NULL, np.minimum(limit, t + MAX_ARRIVAL), limit)
    room = limit - loaded
    eligible = key_present(frame, spec) & (room > 2 * SECOND)
    clean = frame["_bad"] <= 0 if "_bad" in frame.aux else np.ones(n, dtype=bool)

    changed = _pick(rng, np.flatnonzero(eligible & clean), stochastic_round(rng, REDELIVERY_CHANGED_RATE * n))
    taken = np.zeros(n, dtype=bool)
    taken[changed] = True
    identical = _pick(rng, np.flatnonzero(eligible & ~taken), stochastic_round(rng, REDELIVERY_IDENTICAL_RATE * n))
    if mutate is None:  # nothing meaningful to change: all copies identical
        identical, changed = np.concatenate([identical, changed]), changed[:0]

    copies = []
    for rows, is_changed in ((identical, False), (changed, True)):
        copy = frame.take(rows)
        copy["_loaded_at"] = loaded[rows] + _delay(rng, room[rows])
        if is_changed and len(rows):
            mutate(frame, rows, copy, rng)
        copies.append(copy)
    first = Frame.concat(copies)
    # A few keys arrive a third time, later again.
    again_room = np.minimum(limit[np.concatenate([identical, changed])], cfg.end_us - 1) - first["_loaded_at"]
    again = _pick(rng, np.flatnonzero(again_room > 2 * SECOND), stochastic_round(rng, THIRD_COPY_SHARE * len(first)))
    third = first.take(again)
    third["_loaded_at"] = first["_loaded_at"][again] + _delay(rng, again_room[again])
    counts = {"identical": int(len(identical)), "changed": int(len(changed)), "third_copies": int(len(again))}
    return Frame.concat([frame, first, third]), counts


def _pick(rng: np.random.Generator, candidates: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(candidates))
    return np.sort(rng.choice(candidates, size=k, replace=False)) if k else candidates[:0]


def _delay(rng: np.random.Generator, room: np.ndarray) -> np.ndarray:
    """Redelivery delay: mostly within the hour, strictly positive, within room."""
    d = lognormal_us(rng, len(room), 30 * 60, 1.5)
    return np.clip(d, SECOND, room - SECOND)
