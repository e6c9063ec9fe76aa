"""Helpers shared by the domain modules."""

from __future__ import annotations

import numpy as np

from ..config import GenConfig
from ..frame import Frame, make_ids


def finalize(frame: Frame, cfg: GenConfig, time_col: str, id_col: str | None = None, id_prefix: str = "") -> Frame:
    """Drop rows that happen after the window, order by time, number the ids.

    Ids are assigned after sorting so they grow with time, as an upstream
    sequence would.
    """
    t = frame[time_col]
    frame = frame.take(np.flatnonzero((t >= cfg.start_us) & (t < cfg.end_us)))
    frame = frame.take(np.argsort(frame[time_col], kind="stable"))
    if id_col:
        frame[id_col] = make_ids(id_prefix, len(frame), 7)
    return frame


def grouped_offsets(group_sizes: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Exclusive cumulative sum of `steps` within consecutive groups."""
    total = np.cumsum(steps)
    excl = total - steps
    starts = np.cumsum(group_sizes) - group_sizes
    padded = np.append(excl, 0)  # empty trailing groups start past the end
    return excl - np.repeat(padded[starts], group_sizes)


def position_in_group(group_sizes: np.ndarray) -> np.ndarray:
    """0, 1, 2 … within each consecutive group."""
    starts = np.cumsum(group_sizes) - group_sizes
    return np.arange(group_sizes.sum()) - np.repeat(starts, group_sizes)


def with_probability(rng: np.random.Generator, p: float, n: int) -> np.ndarray:
    return rng.random(n) < p
